package cloudtrail

import (
	"strings"
	"testing"
)

func TestSniff(t *testing.T) {
	envelope := readFixture(t, "envelope.json")
	for _, tc := range []struct {
		name string
		head []byte
		want Content
		desc string
	}{
		{"envelope", envelope, ContentRecords, "CloudTrail log (Records envelope)"},
		{"envelope gzip", gz(t, envelope), ContentRecords, "CloudTrail log (Records envelope)"},
		{"envelope cut short", envelope[:100], ContentRecords, "CloudTrail log (Records envelope)"},
		{"gzip cut short", gz(t, envelope)[:300], ContentRecords, "CloudTrail log (Records envelope)"},
		{"records not first", readFixture(t, "records-last.json"), ContentRecords, "CloudTrail log (Records envelope)"},
		{"array", readFixture(t, "array.json"), ContentRecords, "CloudTrail records (JSON array)"},
		{"lines", readFixture(t, "lines.jsonl"), ContentRecords, "CloudTrail records (JSON lines)"},
		{"single", readFixture(t, "single.json"), ContentRecords, "CloudTrail records (single event)"},
		{"logstash", readFixture(t, "logstash.jsonl"), ContentRecords, "CloudTrail records (JSON lines)"},
		{"digest", readFixture(t, "digest.json"), ContentDigest, "CloudTrail digest file of account 111122223333 for 2015-08-17T14:01:31Z to 2015-08-17T15:01:31Z"},
		{"digest gzip", gz(t, readFixture(t, "digest.json")), ContentDigest, "CloudTrail digest file of account 111122223333 for 2015-08-17T14:01:31Z to 2015-08-17T15:01:31Z"},
		{"health", readFixture(t, "health.json"), ContentEventBridge, "EventBridge event from aws.health (AWS Health Event)"},
		{"health array", []byte("[" + string(readFixture(t, "health.json")) + "]"), ContentEventBridge, "EventBridge events from aws.health (AWS Health Event)"},
		{"ec2 state lines", readFixture(t, "ec2-state.jsonl"), ContentEventBridge, "EventBridge events from aws.ec2 (EC2 Instance State-change Notification)"},
		{"empty", nil, ContentNotJSON, "empty file"},
		{"spaces", []byte(" \n"), ContentNotJSON, "empty file"},
		{"text", []byte("hello, world"), ContentNotJSON, `not JSON (starts with "hello, world")`},
		{"csv", []byte("identity/LineItemId,identity/TimeInterval\n"), ContentNotJSON, `not JSON (starts with "identity/LineIte")`},
		{"other object", []byte(`{"a":1,"b":{"c":2},"d":3,"e":4,"f":5,"g":6}`), ContentOtherJSON, "JSON object with keys a, b, d, e, f"},
		{"empty array", []byte(`[]`), ContentOtherJSON, "empty JSON array"},
		{"array of numbers", []byte(`[1,2]`), ContentOtherJSON, "JSON array whose first element is not an object"},
		{"corrupt gzip", []byte{0x1f, 0x8b, 1, 2}, ContentCorrupt, "corrupt gzip data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, desc := Sniff(tc.head)
			if got != tc.want || desc != tc.desc {
				t.Errorf("Sniff = %v, %q; want %v, %q", got, desc, tc.want, tc.desc)
			}
			if strings.Contains(desc, "\n") {
				t.Errorf("description is not one line")
			}
		})
	}
}
