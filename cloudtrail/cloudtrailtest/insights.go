package cloudtrailtest

import (
	"encoding/json"
	"fmt"
	"time"
)

// InsightTrail returns a log file's records ({"Records":[…]}) of nine days
// of one account and region, from day0: a steady background, a burst in the
// first week (too early to judge), and, on the ninth day, a stream of
// denied reads from 09:00 to 09:40 and thirty terminations at 12:00; with
// lastMinutes, also deleted snapshots in the data's last hour.
func InsightTrail(lastMinutes bool) (records []byte, day0 time.Time) {
	day0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var all []map[string]any
	add := func(at time.Time, source, name, who string, readOnly bool, errorCode string) {
		r := map[string]any{
			"eventVersion": "1.08", "eventTime": at.Format(time.RFC3339), "eventSource": source, "eventName": name,
			"awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7", "userAgent": "aws-cli/2.15.0",
			"userIdentity": map[string]any{"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/" + who, "accountId": "111122223333", "principalId": "AIDA" + who, "userName": who},
			"eventID":      fmt.Sprintf("00000000-0000-4000-8000-%012d", len(all)), "readOnly": readOnly, "eventType": "AwsApiCall",
			"managementEvent": true, "recipientAccountId": "111122223333", "eventCategory": "Management",
		}
		if errorCode != "" {
			r["errorCode"], r["errorMessage"] = errorCode, "User: "+who+" is not authorized"
		}
		all = append(all, r)
	}
	// The background: a tag every half hour, a read every ten minutes, and
	// a termination a day, for nine days.
	for at := day0; at.Before(day0.AddDate(0, 0, 9)); at = at.Add(10 * time.Minute) {
		add(at, "ssm.amazonaws.com", "GetParameter", "app", true, "")
		if at.Minute()%30 == 0 {
			add(at.Add(time.Minute), "ec2.amazonaws.com", "CreateTags", "alice", false, "")
		}
		if at.Hour() == 15 && at.Minute() == 0 {
			add(at.Add(2*time.Minute), "ec2.amazonaws.com", "TerminateInstances", "alice", false, "")
		}
	}
	// Day 2: a burst the index cannot judge yet, with no week behind it.
	for i := range 30 {
		add(day0.AddDate(0, 0, 2).Add(10*time.Hour+time.Duration(i)*5*time.Second), "ec2.amazonaws.com", "RunInstances", "bob", false, "")
	}
	// Day 9, 09:00-09:40: the application is refused its parameter every
	// minute.
	for i := range 40 {
		add(day0.AddDate(0, 0, 8).Add(9*time.Hour+time.Duration(i)*time.Minute+30*time.Second), "ssm.amazonaws.com", "GetParameter", "app", true, "AccessDeniedException")
	}
	// Day 9, 12:00: thirty terminations in three minutes.
	for i := range 30 {
		add(day0.AddDate(0, 0, 8).Add(12*time.Hour+time.Duration(i)*6*time.Second), "ec2.amazonaws.com", "TerminateInstances", "bob", false, "")
	}
	if lastMinutes {
		// Two a minute, from an hour before the data ends to its end.
		for i := range 120 {
			add(day0.AddDate(0, 0, 9).Add(-time.Hour+time.Duration(i)*30*time.Second), "ec2.amazonaws.com", "DeleteSnapshot", "bob", false, "")
		}
	}
	records, err := json.Marshal(map[string]any{"Records": all})
	if err != nil {
		panic(err)
	}
	return records, day0
}
