package cloudtrail_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/cairn-audit/cairn/cloudtrail"
)

func ExampleReader() {
	// A log file in any shape, gzip-compressed or not.
	f := strings.NewReader(`{"Records":[{"eventVersion":"1.08","eventID":"e1","eventTime":"2024-03-14T03:10:00Z",
	  "eventSource":"ec2.amazonaws.com","eventName":"RebootInstances","awsRegion":"us-east-1","recipientAccountId":"123456789012",
	  "userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::123456789012:assumed-role/Ops/alice",
	    "sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::123456789012:role/Ops","userName":"Ops"}}},
	  "requestParameters":{"instancesSet":{"items":[{"instanceId":"i-0abc"}]}}}]}`)
	r, err := cloudtrail.NewReader(f)
	if err != nil {
		fmt.Println(err) // quarantine the file with this reason
		return
	}
	for {
		ev, err := r.NextEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(r.Format(), ev.EventName, ev.Principal.Name())
		for _, res := range ev.Resources {
			fmt.Println(res.ID, res.Type, res.Role, res.ARN)
		}
	}
	// Output:
	// Records envelope RebootInstances alice (Ops)
	// i-0abc AWS::EC2::Instance state-changed arn:aws:ec2:us-east-1:123456789012:instance/i-0abc
}

func ExampleParseKey() {
	k := cloudtrail.ParseKey("logs/AWSLogs/o-exampleorgid/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz")
	fmt.Println(k.Kind, k.Prefix, k.OrgID, k.Account, k.Region, k.Time.Format("2006-01-02 15:04"))
	fmt.Println(k.Layout().ListPrefix(cloudtrail.KeyDigest, k.Account, k.Region, k.Date))
	// Output:
	// log logs o-exampleorgid 111122223333 us-east-2 2015-08-01 02:10
	// logs/AWSLogs/o-exampleorgid/111122223333/CloudTrail-Digest/us-east-2/2015/08/01/
}
