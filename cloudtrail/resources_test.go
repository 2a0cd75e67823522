package cloudtrail

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cairn-audit/cairn"
	"github.com/google/go-cmp/cmp"
)

const (
	acct   = "123456789012"
	region = "us-east-1"
)

// call builds a minimal record of one API call.
func call(source, name, req, resp, extra string) string {
	if req == "" {
		req = "null"
	}
	if resp == "" {
		resp = "null"
	}
	return fmt.Sprintf(`{"eventVersion":"1.08","eventID":"id","eventTime":"2024-01-01T00:00:00Z","eventSource":%q,"eventName":%q,"awsRegion":%q,"recipientAccountId":%q,"requestParameters":%s,"responseElements":%s%s}`,
		source, name, region, acct, req, resp, extra)
}

func ref(id, typ string, role cairn.Role) cairn.ResourceRef {
	return cairn.ResourceRef{ID: id, ARN: deriveARN(cairn.ResourceRef{ID: id, Type: typ, Account: acct, Region: region}), Type: typ, Account: acct, Region: region, Role: role}
}

func withARN(r cairn.ResourceRef, arn string) cairn.ResourceRef {
	r.ARN = arn
	return r
}

func TestResourceRules(t *testing.T) {
	items := func(key string, ids ...string) string {
		var parts []string
		for _, id := range ids {
			parts = append(parts, fmt.Sprintf(`{%q:%q}`, key, id))
		}
		return `{"items":[` + strings.Join(parts, ",") + `]}`
	}
	for _, tc := range []struct {
		name string
		rec  string
		want []cairn.ResourceRef
	}{
		// EC2
		{"RunInstances", call(srcEC2, "RunInstances",
			`{"instancesSet":`+items("imageId", "ami-1")+`}`,
			`{"instancesSet":{"items":[{"instanceId":"i-1","imageId":"ami-1"},{"instanceId":"i-2"}]}}`, ""),
			[]cairn.ResourceRef{ref("i-1", tInstance, created), ref("i-2", tInstance, created), ref("ami-1", tImage, refd)}},
		{"RunInstances failed", call(srcEC2, "RunInstances", `{"instancesSet":`+items("imageId", "ami-1")+`}`, "", `,"errorCode":"Client.UnauthorizedOperation"`),
			[]cairn.ResourceRef{ref("ami-1", tImage, refd)}},
		{"TerminateInstances denied changes nothing", call(srcEC2, "TerminateInstances", `{"instancesSet":`+items("instanceId", "i-1")+`}`, "", `,"errorCode":"Client.UnauthorizedOperation"`),
			[]cairn.ResourceRef{ref("i-1", tInstance, refd)}},
		{"StartInstances", call(srcEC2, "StartInstances", `{"instancesSet":`+items("instanceId", "i-1", "i-2")+`}`, "", ""),
			[]cairn.ResourceRef{ref("i-1", tInstance, changed), ref("i-2", tInstance, changed)}},
		{"StopInstances", call(srcEC2, "StopInstances", `{"instancesSet":`+items("instanceId", "i-1")+`,"force":false}`, "", ""),
			[]cairn.ResourceRef{ref("i-1", tInstance, changed)}},
		{"RebootInstances", call(srcEC2, "RebootInstances", `{"instancesSet":`+items("instanceId", "i-1")+`}`, "", ""),
			[]cairn.ResourceRef{ref("i-1", tInstance, changed)}},
		{"TerminateInstances duplicates", call(srcEC2, "TerminateInstances", `{"instancesSet":`+items("instanceId", "i-1", "i-1")+`}`, "", ""),
			[]cairn.ResourceRef{ref("i-1", tInstance, deleted)}},
		{"BidEvictedEvent", call(srcEC2, "BidEvictedEvent", "", "", `,"serviceEventDetails":{"instanceIdSet":["i-9","i-8"]}`),
			[]cairn.ResourceRef{ref("i-9", tInstance, changed), ref("i-8", tInstance, changed)}},
		{"CreateVolume", call(srcEC2, "CreateVolume", `{"size":8,"snapshotId":"snap-1"}`, `{"volumeId":"vol-1","size":8}`, ""),
			[]cairn.ResourceRef{ref("vol-1", tVolume, created), ref("snap-1", tSnapshot, refd)}},
		{"DeleteVolume", call(srcEC2, "DeleteVolume", `{"volumeId":"vol-1"}`, `{"_return":true}`, ""),
			[]cairn.ResourceRef{ref("vol-1", tVolume, deleted)}},
		{"AttachVolume", call(srcEC2, "AttachVolume", `{"volumeId":"vol-1","instanceId":"i-1","device":"/dev/sdf"}`, "", ""),
			[]cairn.ResourceRef{ref("vol-1", tVolume, modified), ref("i-1", tInstance, modified)}},
		{"DetachVolume", call(srcEC2, "DetachVolume", `{"volumeId":"vol-1","instanceId":"i-1"}`, "", ""),
			[]cairn.ResourceRef{ref("vol-1", tVolume, modified), ref("i-1", tInstance, modified)}},
		{"CreateSnapshot", call(srcEC2, "CreateSnapshot", `{"volumeId":"vol-1"}`, `{"snapshotId":"snap-1","volumeId":"vol-1"}`, ""),
			[]cairn.ResourceRef{ref("snap-1", tSnapshot, created), ref("vol-1", tVolume, refd)}},
		{"DeleteSnapshot", call(srcEC2, "DeleteSnapshot", `{"snapshotId":"snap-1"}`, "", ""),
			[]cairn.ResourceRef{ref("snap-1", tSnapshot, deleted)}},
		{"CreateSecurityGroup", call(srcEC2, "CreateSecurityGroup", `{"groupName":"web"}`, `{"_return":true,"groupId":"sg-1"}`, ""),
			[]cairn.ResourceRef{ref("sg-1", tSG, created)}},
		{"DeleteSecurityGroup", call(srcEC2, "DeleteSecurityGroup", `{"groupId":"sg-1"}`, "", ""),
			[]cairn.ResourceRef{ref("sg-1", tSG, deleted)}},
		{"AuthorizeSecurityGroupIngress", call(srcEC2, "AuthorizeSecurityGroupIngress", `{"groupId":"sg-1","ipPermissions":{"items":[]}}`, "", ""),
			[]cairn.ResourceRef{ref("sg-1", tSG, modified)}},
		{"CreateImage", call(srcEC2, "CreateImage", `{"instanceId":"i-1","name":"backup"}`, `{"imageId":"ami-2"}`, ""),
			[]cairn.ResourceRef{ref("ami-2", tImage, created), ref("i-1", tInstance, refd)}},
		{"DeregisterImage", call(srcEC2, "DeregisterImage", `{"imageId":"ami-2"}`, "", ""),
			[]cairn.ResourceRef{ref("ami-2", tImage, deleted)}},
		{"CreateTags infers types", call(srcEC2, "CreateTags", `{"resourcesSet":`+items("resourceId", "i-1", "vol-1", "weird-1")+`,"tagSet":{"items":[{"key":"Name","value":"x"}]}}`, "", ""),
			[]cairn.ResourceRef{ref("i-1", tInstance, modified), ref("vol-1", tVolume, modified), {ID: "weird-1", Account: acct, Region: region, Role: modified}}},
		{"CreateNatGateway", call(srcEC2, "CreateNatGateway", `{"CreateNatGatewayRequest":{"SubnetId":"subnet-1"}}`, `{"CreateNatGatewayResponse":{"natGateway":{"natGatewayId":"nat-1"}}}`, ""),
			[]cairn.ResourceRef{ref("nat-1", tNAT, created)}},
		{"AllocateAddress", call(srcEC2, "AllocateAddress", `{"domain":"vpc"}`, `{"publicIp":"198.51.100.1","allocationId":"eipalloc-1"}`, ""),
			[]cairn.ResourceRef{ref("eipalloc-1", tEIP, created)}},
		{"CreateNetworkInterface", call(srcEC2, "CreateNetworkInterface", `{"subnetId":"subnet-1"}`, `{"networkInterface":{"networkInterfaceId":"eni-1"}}`, ""),
			[]cairn.ResourceRef{ref("eni-1", tENI, created)}},
		{"read-only call has none", call(srcEC2, "DescribeInstances", `{"instancesSet":`+items("instanceId", "i-1")+`}`, "", ""), nil},

		// S3
		{"CreateBucket", call(srcS3, "CreateBucket", `{"bucketName":"b1","Host":"b1.s3.amazonaws.com"}`, "", ""),
			[]cairn.ResourceRef{ref("b1", tBucket, created)}},
		{"DeleteBucket", call(srcS3, "DeleteBucket", `{"bucketName":"b1"}`, "", ""),
			[]cairn.ResourceRef{ref("b1", tBucket, deleted)}},
		{"PutBucketPolicy (prefix rule)", call(srcS3, "PutBucketPolicy", `{"bucketName":"b1","policy":{}}`, "", ""),
			[]cairn.ResourceRef{ref("b1", tBucket, modified)}},
		{"DeleteBucketPolicy (prefix rule)", call(srcS3, "DeleteBucketPolicy", `{"bucketName":"b1"}`, "", ""),
			[]cairn.ResourceRef{ref("b1", tBucket, modified)}},
		{"PutObject with resources[]", call(srcS3, "PutObject", `{"bucketName":"b1","key":"a/b.txt"}`, "",
			`,"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::b1/a/b.txt"},{"accountId":"123456789012","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::b1"}]`),
			[]cairn.ResourceRef{ref("b1/a/b.txt", tObject, created), ref("b1", tBucket, refd)}},
		{"DeleteObject", call(srcS3, "DeleteObject", `{"bucketName":"b1","key":"k"}`, "", ""),
			[]cairn.ResourceRef{ref("b1/k", tObject, deleted)}},
		{"ListObjects: ARNPrefix in resources[]", call(srcS3, "ListObjects", `{"bucketName":"b1","prefix":"logs/"}`, "",
			`,"resources":[{"type":"AWS::S3::Object","ARNPrefix":"arn:aws:s3:::b1/logs/"},{"accountId":"123456789012","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::b1"}]`),
			// resources[] gives no account for objects, and an S3 ARN has none.
			[]cairn.ResourceRef{{ID: "b1/logs/", ARN: "arn:aws:s3:::b1/logs/", Type: tObject, Region: region, Role: refd}, ref("b1", tBucket, refd)}},

		// IAM
		{"CreateUser", call(srcIAM, "CreateUser", `{"userName":"bob"}`, `{"user":{"userName":"bob"}}`, ""),
			[]cairn.ResourceRef{ref("bob", tUser, created)}},
		{"DeleteUser", call(srcIAM, "DeleteUser", `{"userName":"bob"}`, "", ""),
			[]cairn.ResourceRef{ref("bob", tUser, deleted)}},
		{"CreateRole merges the ARN", call(srcIAM, "CreateRole", `{"roleName":"R","path":"/svc/"}`, `{"role":{"roleName":"R","arn":"arn:aws:iam::123456789012:role/svc/R"}}`, ""),
			[]cairn.ResourceRef{withARN(ref("R", tRole, created), "arn:aws:iam::123456789012:role/svc/R")}},
		{"DeleteRole", call(srcIAM, "DeleteRole", `{"roleName":"R"}`, "", ""),
			[]cairn.ResourceRef{ref("R", tRole, deleted)}},
		{"AttachRolePolicy", call(srcIAM, "AttachRolePolicy", `{"roleName":"R","policyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}`, "", ""),
			[]cairn.ResourceRef{ref("R", tRole, modified), {ID: "ReadOnlyAccess", ARN: "arn:aws:iam::aws:policy/ReadOnlyAccess", Type: tPolicy, Account: "aws", Region: region, Role: refd}}},
		{"PutRolePolicy", call(srcIAM, "PutRolePolicy", `{"roleName":"R","policyName":"inline"}`, "", ""),
			[]cairn.ResourceRef{ref("R", tRole, modified)}},
		{"PutUserPolicy", call(srcIAM, "PutUserPolicy", `{"userName":"bob","policyName":"inline"}`, "", ""),
			[]cairn.ResourceRef{ref("bob", tUser, modified)}},
		{"CreateAccessKey", call(srcIAM, "CreateAccessKey", `{"userName":"bob"}`, `{"accessKey":{"accessKeyId":"AKIANEW","status":"Active","userName":"bob"}}`, ""),
			[]cairn.ResourceRef{ref("AKIANEW", tKey, created), ref("bob", tUser, refd)}},
		{"DeleteAccessKey", call(srcIAM, "DeleteAccessKey", `{"accessKeyId":"AKIANEW"}`, "", ""),
			[]cairn.ResourceRef{ref("AKIANEW", tKey, deleted)}},

		// STS
		{"AssumeRole cross-account", call(srcSTS, "AssumeRole", `{"roleArn":"arn:aws:iam::999988887777:role/Audit","roleSessionName":"s"}`,
			`{"credentials":{"accessKeyId":"ASIAISSUED","sessionToken":"t"}}`,
			`,"resources":[{"accountId":"999988887777","type":"AWS::IAM::Role","ARN":"arn:aws:iam::999988887777:role/Audit"}]`),
			[]cairn.ResourceRef{{ID: "Audit", ARN: "arn:aws:iam::999988887777:role/Audit", Type: tRole, Account: "999988887777", Region: region, Role: refd}, ref("ASIAISSUED", tKey, created)}},
		{"GetSessionToken", call(srcSTS, "GetSessionToken", "", `{"credentials":{"accessKeyId":"ASIAGST"}}`, ""),
			[]cairn.ResourceRef{ref("ASIAGST", tKey, created)}},

		// RDS
		{"CreateDBInstance", call(srcRDS, "CreateDBInstance", `{"dBInstanceIdentifier":"db1","engine":"postgres"}`, `{"dBInstanceArn":"arn:aws:rds:us-east-1:123456789012:db:db1"}`, ""),
			[]cairn.ResourceRef{ref("db1", tDB, created)}},
		{"DeleteDBInstance", call(srcRDS, "DeleteDBInstance", `{"dBInstanceIdentifier":"db1"}`, "", ""),
			[]cairn.ResourceRef{ref("db1", tDB, deleted)}},
		{"ModifyDBInstance", call(srcRDS, "ModifyDBInstance", `{"dBInstanceIdentifier":"db1","allocatedStorage":100}`, "", ""),
			[]cairn.ResourceRef{ref("db1", tDB, modified)}},
		{"RebootDBInstance", call(srcRDS, "RebootDBInstance", `{"dBInstanceIdentifier":"db1"}`, "", ""),
			[]cairn.ResourceRef{ref("db1", tDB, changed)}},
		{"StopDBInstance", call(srcRDS, "StopDBInstance", `{"dBInstanceIdentifier":"db1"}`, "", ""),
			[]cairn.ResourceRef{ref("db1", tDB, changed)}},

		// Lambda: date suffixes.
		{"CreateFunction20150331", call(srcLambda, "CreateFunction20150331", `{"functionName":"thumb","runtime":"python3.12"}`,
			`{"functionName":"thumb","functionArn":"arn:aws:lambda:us-east-1:123456789012:function:thumb"}`, ""),
			[]cairn.ResourceRef{ref("thumb", tFunction, created)}},
		{"UpdateFunctionCode20150331v2 by ARN", call(srcLambda, "UpdateFunctionCode20150331v2", `{"functionName":"arn:aws:lambda:eu-west-1:123456789012:function:thumb:live"}`, "", ""),
			[]cairn.ResourceRef{{ID: "thumb", ARN: "arn:aws:lambda:eu-west-1:123456789012:function:thumb:live", Type: tFunction, Account: acct, Region: "eu-west-1", Role: modified}}},
		{"DeleteFunction20150331", call(srcLambda, "DeleteFunction20150331", `{"functionName":"thumb"}`, "", ""),
			[]cairn.ResourceRef{ref("thumb", tFunction, deleted)}},
		{"CreateFunctionUrlConfig20211031 is not CreateFunction", call(srcLambda, "CreateFunctionUrlConfig20211031", `{"functionName":"thumb"}`, "", ""),
			[]cairn.ResourceRef{ref("thumb", tFunction, modified)}},

		// DynamoDB, ELB, EKS, Auto Scaling, SSM.
		{"CreateTable", call(srcDDB, "CreateTable", `{"tableName":"Orders"}`, `{"tableDescription":{"tableName":"Orders"}}`, ""),
			[]cairn.ResourceRef{ref("Orders", tTable, created)}},
		{"DeleteTable", call(srcDDB, "DeleteTable", `{"tableName":"Orders"}`, "", ""),
			[]cairn.ResourceRef{ref("Orders", tTable, deleted)}},
		{"CreateLoadBalancer v2", call(srcELB, "CreateLoadBalancer", `{"name":"web","subnets":["subnet-1"]}`,
			`{"loadBalancers":[{"loadBalancerArn":"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188","loadBalancerName":"web"}]}`, ""),
			[]cairn.ResourceRef{{ID: "app/web/50dc6c495c0c9188", ARN: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188", Type: tLB, Account: acct, Region: region, Role: created}}},
		{"CreateLoadBalancer classic", call(srcELB, "CreateLoadBalancer", `{"loadBalancerName":"old-web"}`, `{"dNSName":"old-web-1.us-east-1.elb.amazonaws.com"}`, ""),
			[]cairn.ResourceRef{ref("old-web", tClassic, created)}},
		{"DeleteCluster", call(srcEKS, "DeleteCluster", `{"name":"prod"}`, "", ""),
			[]cairn.ResourceRef{ref("prod", tEKS, deleted)}},
		{"TerminateInstanceInAutoScalingGroup", call(srcASG, "TerminateInstanceInAutoScalingGroup", `{"instanceId":"i-1","shouldDecrementDesiredCapacity":false}`, "", ""),
			[]cairn.ResourceRef{ref("i-1", tInstance, deleted)}},
		{"DetachInstances", call(srcASG, "DetachInstances", `{"instanceIds":["i-1","i-2"],"autoScalingGroupName":"web-asg"}`, "", ""),
			[]cairn.ResourceRef{ref("i-1", tInstance, modified), ref("i-2", tInstance, modified), ref("web-asg", tASG, modified)}},
		{"SendCommand", call(srcSSM, "SendCommand", `{"instanceIds":["i-1"],"documentName":"AWS-RunShellScript"}`, "", ""),
			[]cairn.ResourceRef{ref("i-1", tInstance, modified)}},
		{"CreateDBInstance in a cluster", call(srcRDS, "CreateDBInstance", `{"dBInstanceIdentifier":"db2","dBClusterIdentifier":"c1"}`, "", ""),
			[]cairn.ResourceRef{ref("db2", tDB, created), ref("c1", tCluster, refd)}},

		// resources[] alone.
		{"resources[] only, upper and lower case", call("kms.amazonaws.com", "Decrypt", "", "",
			`,"resources":[{"accountId":"111122223333","type":"AWS::KMS::Key","ARN":"arn:aws:kms:eu-west-1:111122223333:key/k-1"},{"type":"AWS::IAM::Role","arn":"arn:aws:iam::123456789012:role/x/y/Z"},{"type":"AWS::Other"}]`),
			[]cairn.ResourceRef{
				{ID: "k-1", ARN: "arn:aws:kms:eu-west-1:111122223333:key/k-1", Type: "AWS::KMS::Key", Account: "111122223333", Region: "eu-west-1", Role: refd},
				{ID: "Z", ARN: "arn:aws:iam::123456789012:role/x/y/Z", Type: "AWS::IAM::Role", Account: acct, Region: region, Role: refd},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := Decode([]byte(tc.rec))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, ev.Resources); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestResourcesFromFixtures(t *testing.T) {
	evs := decodeFixture(t, "envelope.json")
	if d := cmp.Diff([]cairn.ResourceRef{ref("i-EXAMPLE56126103cb", tInstance, changed)}, evs[0].Resources); d != "" {
		t.Errorf("StartInstances (-want +got):\n%s", d)
	}
	data := evs[4]
	want := []cairn.ResourceRef{
		{ID: "example-data/reports/2024/q1.csv", ARN: "arn:aws:s3:::example-data/reports/2024/q1.csv", Type: tObject, Account: acct, Region: "us-west-2", Role: read},
		{ID: "example-data", ARN: "arn:aws:s3:::example-data", Type: tBucket, Account: acct, Region: "us-west-2", Role: refd},
	}
	if d := cmp.Diff(want, data.Resources); d != "" {
		t.Errorf("GetObject (-want +got):\n%s", d)
	}
}

func TestARNResourceID(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:ec2:us-east-1:123456789012:instance/i-0abc":             "i-0abc",
		"arn:aws:s3:::bucket":                                            "bucket",
		"arn:aws:s3:::bucket/key/with/slashes":                           "bucket/key/with/slashes",
		"arn:aws:iam::123456789012:role/service-role/MyRole":             "MyRole",
		"arn:aws:iam::123456789012:user/bob":                             "bob",
		"arn:aws:sts::123456789012:assumed-role/R/sess":                  "sess",
		"arn:aws:lambda:us-east-1:123456789012:function:fn":              "fn",
		"arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST":      "fn",
		"arn:aws:rds:us-east-1:123456789012:db:mydb":                     "mydb",
		"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:*": "/aws/lambda/fn",
		"arn:aws:dynamodb:us-east-1:123456789012:table/Orders":           "Orders",
		"arn:aws:sns:us-east-1:123456789012:topic":                       "topic",
		"not-an-arn":     "not-an-arn",
		"arn:aws:broken": "arn:aws:broken",
	} {
		if got := arnResourceID(arn); got != want {
			t.Errorf("arnResourceID(%q) = %q, want %q", arn, got, want)
		}
	}
}

func TestStripDateSuffix(t *testing.T) {
	for in, want := range map[string]string{
		"CreateFunction20150331":          "CreateFunction",
		"UpdateFunctionCode20150331v2":    "UpdateFunctionCode",
		"CreateFunctionUrlConfig20211031": "CreateFunctionUrlConfig",
		"RunInstances":                    "RunInstances",
		"Invoke":                          "Invoke",
		"v2":                              "v2",
		"GetObjectv2":                     "GetObjectv2",
		"20150331":                        "20150331",
	} {
		if got := stripDateSuffix(in); got != want {
			t.Errorf("stripDateSuffix(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every rule must be well formed: a known payload root, a role, a type.
func TestResourceRulesWellFormed(t *testing.T) {
	for _, r := range ResourceRules() {
		root, _, _ := strings.Cut(r.Path, ".")
		switch root {
		case "requestParameters", "responseElements", "serviceEventDetails":
		default:
			t.Errorf("%s %s: path %q has no known root", r.Source, r.Name, r.Path)
		}
		if r.Type == "" || r.Role == "" || !strings.HasSuffix(r.Source, ".amazonaws.com") {
			t.Errorf("%s %s: incomplete rule %+v", r.Source, r.Name, r)
		}
	}
}
