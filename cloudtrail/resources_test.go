package cloudtrail

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cairn-audit/cairn"
	"github.com/go-json-experiment/json"
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
			[]cairn.ResourceRef{ref("nat-1", tNAT, created), ref("subnet-1", tSubnet, refd)}},
		{"AllocateAddress", call(srcEC2, "AllocateAddress", `{"domain":"vpc"}`, `{"publicIp":"198.51.100.1","allocationId":"eipalloc-1"}`, ""),
			[]cairn.ResourceRef{ref("eipalloc-1", tEIP, created)}},
		{"CreateNetworkInterface", call(srcEC2, "CreateNetworkInterface", `{"subnetId":"subnet-1"}`, `{"networkInterface":{"networkInterfaceId":"eni-1"}}`, ""),
			[]cairn.ResourceRef{ref("eni-1", tENI, created), ref("subnet-1", tSubnet, refd)}},
		{"DescribeInstances reads the instances it names", call(srcEC2, "DescribeInstances", `{"instancesSet":`+items("instanceId", "i-1")+`}`, "", ""),
			[]cairn.ResourceRef{ref("i-1", tInstance, read)}},
		{"DescribeInstances by filter names none", call(srcEC2, "DescribeInstances",
			`{"instancesSet":{},"filterSet":{"items":[{"name":"tag:Name","valueSet":{"items":[{"value":"web"}]}}]}}`, "", ""), nil},
		{"a call without rules names none", call(srcEC2, "DescribeRegions", `{"regionSet":{},"allRegions":false}`, "", ""), nil},

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
			[]cairn.ResourceRef{ref("b1/k", tObject, deleted), ref("b1", tBucket, refd)}},
		{"ListObjects: ARNPrefix in resources[]", call(srcS3, "ListObjects", `{"bucketName":"b1","prefix":"logs/"}`, "",
			`,"resources":[{"type":"AWS::S3::Object","ARNPrefix":"arn:aws:s3:::b1/logs/"},{"accountId":"123456789012","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::b1"}]`),
			// resources[] gives no account for objects, and an S3 ARN has none.
			[]cairn.ResourceRef{ref("b1", tBucket, read), {ID: "b1/logs/", ARN: "arn:aws:s3:::b1/logs/", Type: tObject, Region: region, Role: refd}}},

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
			[]cairn.ResourceRef{{ID: "Audit", ARN: "arn:aws:iam::999988887777:role/Audit", Type: tRole, Account: "999988887777", Region: region, Role: refd}, ref("ASIAISSUED", tKey, refd)}},
		{"GetSessionToken", call(srcSTS, "GetSessionToken", "", `{"credentials":{"accessKeyId":"ASIAGST"}}`, ""),
			[]cairn.ResourceRef{ref("ASIAGST", tKey, refd)}},

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
			[]cairn.ResourceRef{ref("i-1", tInstance, changed)}},
		{"DetachInstances", call(srcASG, "DetachInstances", `{"instanceIds":["i-1","i-2"],"autoScalingGroupName":"web-asg"}`, "", ""),
			[]cairn.ResourceRef{ref("i-1", tInstance, modified), ref("i-2", tInstance, modified), ref("web-asg", tASG, modified)}},
		{"SendCommand", call(srcSSM, "SendCommand", `{"instanceIds":["i-1"],"documentName":"AWS-RunShellScript"}`, "", ""),
			[]cairn.ResourceRef{ref("i-1", tInstance, modified)}},
		{"CreateDBInstance in a cluster", call(srcRDS, "CreateDBInstance", `{"dBInstanceIdentifier":"db2","dBClusterIdentifier":"c1"}`, "", ""),
			[]cairn.ResourceRef{ref("db2", tDB, created), ref("c1", tCluster, refd)}},

		// Secrets, parameters, images and topics: who read or changed them.
		{"GetSecretValue", call(srcSecret, "GetSecretValue", `{"secretId":"prod/orders/db"}`, "null", ""),
			[]cairn.ResourceRef{ref("prod/orders/db", tSecret, read)}},
		{"GetParameters", call(srcSSM, "GetParameters", `{"names":["/app/db-url","/app/api-key"],"withDecryption":true}`, "", ""),
			[]cairn.ResourceRef{ref("/app/db-url", tParameter, read), ref("/app/api-key", tParameter, read)}},
		{"PutImage", call(srcECR, "PutImage", `{"repositoryName":"orders-api","imageTag":"v1"}`, "", ""),
			[]cairn.ResourceRef{ref("orders-api", tRepo, modified)}},

		{"SendMessage by queue URL", call(srcSQS, "SendMessage", `{"queueUrl":"https://sqs.eu-west-1.amazonaws.com/444455556666/orders-events","messageBody":"HIDDEN_DUE_TO_SECURITY_REASONS"}`, "", ""),
			[]cairn.ResourceRef{{ID: "orders-events", ARN: "arn:aws:sqs:eu-west-1:444455556666:orders-events", Type: tQueue, Account: "444455556666", Region: "eu-west-1", Role: refd}}},
		{"GetQueueUrl by name", call(srcSQS, "GetQueueUrl", `{"queueName":"orders-events"}`, `{"queueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/orders-events"}`, ""),
			[]cairn.ResourceRef{ref("orders-events", tQueue, refd)}},

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
		"arn:aws:ec2:us-east-1:123456789012:instance/i-0abc":                                           "i-0abc",
		"arn:aws:s3:::bucket":                                                                          "bucket",
		"arn:aws:s3:::bucket/key/with/slashes":                                                         "bucket/key/with/slashes",
		"arn:aws:iam::123456789012:role/service-role/MyRole":                                           "MyRole",
		"arn:aws:iam::123456789012:user/bob":                                                           "bob",
		"arn:aws:sts::123456789012:assumed-role/R/sess":                                                "sess",
		"arn:aws:lambda:us-east-1:123456789012:function:fn":                                            "fn",
		"arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST":                                    "fn",
		"arn:aws:rds:us-east-1:123456789012:db:mydb":                                                   "mydb",
		"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:*":                               "/aws/lambda/fn",
		"arn:aws:dynamodb:us-east-1:123456789012:table/Orders":                                         "Orders",
		"arn:aws:sns:us-east-1:123456789012:topic":                                                     "topic",
		"arn:aws:cloudformation:us-east-1:123456789012:stack/web/5c2f0e10-3cb9-11ef-9f77-0affd3e6a1b5": "web",
		"arn:aws:cloudformation:us-east-1:123456789012:stackset/org-baseline:0a1b2c3d":                 "org-baseline",
		"arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:8e0f6a3c-1b2d-4c5e-9f00-112233445566:autoScalingGroupName/web-asg": "web-asg",
		"arn:aws:eks:us-east-1:123456789012:cluster/prod":                                           "prod",
		"arn:aws:eks:us-east-1:123456789012:nodegroup/prod/ng-1/a1b2":                               "ng-1",
		"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab":               "1234abcd-12ab-34cd-56ef-1234567890ab",
		"arn:aws:kms:us-east-1:123456789012:alias/app":                                              "alias/app",
		"arn:aws:ecs:us-east-1:123456789012:service/prod/api":                                       "api",
		"arn:aws:ecs:us-east-1:123456789012:task/prod/0123abcd":                                     "0123abcd",
		"arn:aws:ecs:us-east-1:123456789012:task-definition/web:7":                                  "web:7",
		"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:log-stream:2026/x":            "/aws/lambda/fn:log-stream:2026/x",
		"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188": "app/web/50dc6c495c0c9188",
		"not-an-arn":     "not-an-arn",
		"arn:aws:broken": "arn:aws:broken",
		// ARNs that name nothing are their own IDs (FuzzReader found the first).
		"arn::lambda:::function:":         "arn::lambda:::function:",
		"arn:aws:iam::123456789012:role/": "arn:aws:iam::123456789012:role/",
		"arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/": "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/",
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

// Every rule must be well formed: a known payload root, a role, a type,
// filters that parse, a join only where the type says how to join, and no
// rule twice.
func TestResourceRulesWellFormed(t *testing.T) {
	seen := map[ResourceRule]bool{}
	for _, r := range ResourceRules() {
		for _, p := range []string{r.Path, r.Join} {
			if p == "" {
				continue
			}
			root, _, _ := strings.Cut(p, ".")
			switch root {
			case "requestParameters", "responseElements", "serviceEventDetails":
			default:
				t.Errorf("%s %s: path %q has no known root", r.Source, r.Name, p)
			}
			for _, seg := range splitPath(p) {
				if seg.name == "" || strings.ContainsAny(seg.name, "[]=") || (seg.fkey != "") != (seg.fval != "") {
					t.Errorf("%s %s: path %q has a bad element %+v", r.Source, r.Name, p, seg)
				}
			}
		}
		if r.Join != "" && r.Type != tObject && r.Type != tLogStream {
			t.Errorf("%s %s: a join for %s, whose IDs are not joined", r.Source, r.Name, r.Type)
		}
		if r.Type == "" || r.Role == "" || !strings.HasSuffix(r.Source, ".amazonaws.com") {
			t.Errorf("%s %s: incomplete rule %+v", r.Source, r.Name, r)
		}
		if strings.TrimSuffix(r.Name, "*") != stripDateSuffix(strings.TrimSuffix(r.Name, "*")) {
			t.Errorf("%s %s: names in the table carry no date suffix", r.Source, r.Name)
		}
		if seen[r] {
			t.Errorf("rule listed twice: %+v", r)
		}
		seen[r] = true
	}
}

// arnRef is a reference whose ARN the record gives: ID, account and region
// come from the ARN (the event's region for global ARNs).
func arnRef(arn, typ string, role cairn.Role) cairn.ResourceRef {
	r := cairn.ResourceRef{ID: arnResourceID(arn), ARN: arn, Type: typ, Account: arnAccount(arn), Region: arnRegion(arn), Role: role}
	if r.Region == "" {
		r.Region = region
	}
	return r
}

// One realistic record per family of rules: payload shapes as CloudTrail
// writes them (or as the simulator does, where noted).
func TestResourceRuleFamilies(t *testing.T) {
	const (
		tgARN    = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/6d0ecf831eec9f09"
		lbARN    = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
		keyID    = "1234abcd-12ab-34cd-56ef-1234567890ab"
		keyARN   = "arn:aws:kms:us-east-1:123456789012:key/" + keyID
		stackARN = "arn:aws:cloudformation:us-east-1:123456789012:stack/web-stack/5c2f0e10-3cb9-11ef-9f77-0affd3e6a1b5"
	)
	for _, tc := range []struct {
		name string
		rec  string
		want []cairn.ResourceRef
	}{
		// EC2 instances: an Auto Scaling launch that a stack's group made.
		// The second tag lists value before key.
		{"RunInstances by a group of a stack", call(srcEC2, "RunInstances",
			`{"instancesSet":{"items":[{"imageId":"ami-0abc","minCount":2,"maxCount":2}]},"instanceType":"t3.medium","subnetId":"subnet-0aa",`+
				`"groupSet":{"items":[{"groupId":"sg-0bb"}]},"iamInstanceProfile":{"arn":"arn:aws:iam::123456789012:instance-profile/web"},`+
				`"launchTemplate":{"launchTemplateId":"lt-0cc","version":"$Latest"},"tagSpecificationSet":{"items":[`+
				`{"resourceType":"instance","tags":[{"key":"Name","value":"web-asg"},{"value":"web-asg","key":"aws:autoscaling:groupName"},{"key":"aws:cloudformation:stack-name","value":"web-stack"}]},`+
				`{"resourceType":"volume","tags":[{"key":"aws:autoscaling:groupName","value":"web-asg"}]}]}}`,
			`{"requestId":"r","reservationId":"r-0","instancesSet":{"items":[`+
				`{"instanceId":"i-0a","imageId":"ami-0abc","instanceState":{"code":0,"name":"pending"},"networkInterfaceSet":{"items":[{"networkInterfaceId":"eni-0a","subnetId":"subnet-0aa"}]}},`+
				`{"instanceId":"i-0b","imageId":"ami-0abc","instanceState":{"code":0,"name":"pending"},"networkInterfaceSet":{"items":[{"networkInterfaceId":"eni-0b","subnetId":"subnet-0aa"}]}}]}}`,
			`,"userIdentity":{"type":"AssumedRole","invokedBy":"autoscaling.amazonaws.com"}`),
			[]cairn.ResourceRef{
				ref("i-0a", tInstance, created), ref("i-0b", tInstance, created), ref("ami-0abc", tImage, refd),
				ref("eni-0a", tENI, created), ref("eni-0b", tENI, created), ref("subnet-0aa", tSubnet, refd),
				ref("sg-0bb", tSG, refd), ref("lt-0cc", tLT, refd),
				arnRef("arn:aws:iam::123456789012:instance-profile/web", tProfile, refd),
				ref("web-asg", tASG, refd), ref("web-stack", tStack, refd),
			}},
		{"RunInstances tags that name no parent", call(srcEC2, "RunInstances", `{"tagSpecificationSet":{"items":[{"resourceType":"instance","tags":[{"key":"Name","value":"x"},{"key":"aws:autoscaling:groupName","value":7}]}]}}`, "", ""),
			nil},
		{"ModifyInstanceMaintenanceOptions (wrapped request)", call(srcEC2, "ModifyInstanceMaintenanceOptions", `{"ModifyInstanceMaintenanceOptionsRequest":{"InstanceId":"i-0a","AutoRecovery":"disabled"}}`,
			`{"ModifyInstanceMaintenanceOptionsResponse":{"instanceId":"i-0a","autoRecovery":"disabled","requestId":"r"}}`, ""),
			[]cairn.ResourceRef{ref("i-0a", tInstance, modified)}},
		{"SendDiagnosticInterrupt", call(srcEC2, "SendDiagnosticInterrupt", `{"SendDiagnosticInterruptRequest":{"InstanceId":"i-0a"}}`, "", ""),
			[]cairn.ResourceRef{ref("i-0a", tInstance, changed)}},
		{"UnmonitorInstances", call(srcEC2, "UnmonitorInstances", `{"instancesSet":{"items":[{"instanceId":"i-0a"}]}}`, "", ""),
			[]cairn.ResourceRef{ref("i-0a", tInstance, modified)}},
		{"ReplaceIamInstanceProfileAssociation names the instance in its response", call(srcEC2, "ReplaceIamInstanceProfileAssociation",
			`{"ReplaceIamInstanceProfileAssociationRequest":{"AssociationId":"iip-assoc-1","IamInstanceProfile":{"Name":"admin"}}}`,
			`{"ReplaceIamInstanceProfileAssociationResponse":{"iamInstanceProfileAssociation":{"associationId":"iip-assoc-2","instanceId":"i-0a","state":"associating"},"requestId":"r"}}`, ""),
			[]cairn.ResourceRef{ref("i-0a", tInstance, modified), ref("admin", tProfile, refd)}},
		{"CreateReplaceRootVolumeTask", call(srcEC2, "CreateReplaceRootVolumeTask", `{"CreateReplaceRootVolumeTaskRequest":{"InstanceId":"i-0a","SnapshotId":"snap-1"}}`, "", ""),
			[]cairn.ResourceRef{ref("i-0a", tInstance, changed)}},

		// Volumes, snapshots, images.
		{"DetachVolume names the instance in its response", call(srcEC2, "DetachVolume", `{"volumeId":"vol-1","force":false}`,
			`{"requestId":"r","volumeId":"vol-1","instanceId":"i-0a","device":"/dev/sdf","status":"detaching"}`, ""),
			[]cairn.ResourceRef{ref("vol-1", tVolume, modified), ref("i-0a", tInstance, modified)}},
		{"ModifyVolume (simulator)", call(srcEC2, "ModifyVolume", `{"ModifyVolumeRequest":{"VolumeId":"vol-1","Size":200}}`,
			`{"ModifyVolumeResponse":{"volumeModification":{"modificationState":"modifying","volumeId":"vol-1"},"requestId":"r"}}`, ""),
			[]cairn.ResourceRef{ref("vol-1", tVolume, modified)}},
		{"CopySnapshot", call(srcEC2, "CopySnapshot", `{"sourceRegion":"us-east-1","sourceSnapshotId":"snap-1","encrypted":true}`, `{"requestId":"r","snapshotId":"snap-2"}`, ""),
			[]cairn.ResourceRef{ref("snap-2", tSnapshot, created), ref("snap-1", tSnapshot, refd)}},
		{"ModifySnapshotAttribute", call(srcEC2, "ModifySnapshotAttribute", `{"snapshotId":"snap-1","createVolumePermission":{"add":{"items":[{"userId":"999988887777"}]}},"attributeType":"CREATE_VOLUME_PERMISSION"}`, "", ""),
			[]cairn.ResourceRef{ref("snap-1", tSnapshot, modified)}},
		{"CopyImage", call(srcEC2, "CopyImage", `{"sourceRegion":"us-east-1","sourceImageId":"ami-1","name":"copy"}`, `{"requestId":"r","imageId":"ami-2"}`, ""),
			[]cairn.ResourceRef{ref("ami-2", tImage, created), ref("ami-1", tImage, refd)}},
		{"RegisterImage", call(srcEC2, "RegisterImage", `{"name":"img","rootDeviceName":"/dev/xvda","blockDeviceMapping":{"items":[{"deviceName":"/dev/xvda","ebs":{"snapshotId":"snap-1"}}]}}`, `{"requestId":"r","imageId":"ami-3"}`, ""),
			[]cairn.ResourceRef{ref("ami-3", tImage, created), ref("snap-1", tSnapshot, refd)}},
		{"ModifyImageAttribute", call(srcEC2, "ModifyImageAttribute", `{"imageId":"ami-3","launchPermission":{"add":{"items":[{"group":"all"}]}}}`, "", ""),
			[]cairn.ResourceRef{ref("ami-3", tImage, modified)}},

		// Security groups, interfaces, addresses, endpoints, templates.
		{"ModifySecurityGroupRules (wrapped request)", call(srcEC2, "ModifySecurityGroupRules",
			`{"ModifySecurityGroupRulesRequest":{"GroupId":"sg-1","SecurityGroupRule":{"SecurityGroupRuleId":"sgr-1","SecurityGroupRule":{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIpv4":"10.0.0.0/8"}}}}`, "", ""),
			[]cairn.ResourceRef{ref("sg-1", tSG, modified)}},
		{"DetachNetworkInterface names the attachment only", call(srcEC2, "DetachNetworkInterface", `{"attachmentId":"eni-attach-0a","force":false}`, "", ""),
			[]cairn.ResourceRef{ref("eni-attach-0a", tENIAttach, deleted)}},
		{"ModifyNetworkInterfaceAttribute", call(srcEC2, "ModifyNetworkInterfaceAttribute", `{"networkInterfaceId":"eni-1","sourceDestCheck":{"value":false}}`, "", ""),
			[]cairn.ResourceRef{ref("eni-1", tENI, modified)}},
		{"AssociateAddress", call(srcEC2, "AssociateAddress", `{"allocationId":"eipalloc-1","instanceId":"i-0a","allowReassociation":false}`, `{"requestId":"r","associationId":"eipassoc-1"}`, ""),
			[]cairn.ResourceRef{ref("eipalloc-1", tEIP, modified), ref("i-0a", tInstance, modified), ref("eipassoc-1", tEIPAssoc, created)}},
		{"DisassociateAddress", call(srcEC2, "DisassociateAddress", `{"associationId":"eipassoc-1"}`, "", ""),
			[]cairn.ResourceRef{ref("eipassoc-1", tEIPAssoc, deleted)}},
		{"DeleteVpcEndpoints (list members as content objects)", call(srcEC2, "DeleteVpcEndpoints",
			`{"DeleteVpcEndpointsRequest":{"VpcEndpointId":[{"content":"vpce-1","tag":1},{"content":"vpce-2","tag":2}]}}`, "", ""),
			[]cairn.ResourceRef{ref("vpce-1", tVPCE, deleted), ref("vpce-2", tVPCE, deleted)}},
		{"DeleteVpcEndpoints (a lone member)", call(srcEC2, "DeleteVpcEndpoints", `{"DeleteVpcEndpointsRequest":{"VpcEndpointId":{"content":"vpce-3","tag":1}}}`, "", ""),
			[]cairn.ResourceRef{ref("vpce-3", tVPCE, deleted)}},
		{"CreateLaunchTemplateVersion (simulator)", call(srcEC2, "CreateLaunchTemplateVersion",
			`{"CreateLaunchTemplateVersionRequest":{"LaunchTemplateName":"web-asg-lt","SourceVersion":"$Latest","LaunchTemplateData":{"ImageId":"ami-0abc","InstanceType":"m5.large"}}}`,
			`{"CreateLaunchTemplateVersionResponse":{"requestId":"r","launchTemplateVersion":{"launchTemplateId":"lt-0cc","launchTemplateName":"web-asg-lt","versionNumber":4}}}`, ""),
			[]cairn.ResourceRef{ref("lt-0cc", tLT, modified)}},
		{"CreateSubnet", call(srcEC2, "CreateSubnet", `{"vpcId":"vpc-1","cidrBlock":"10.0.1.0/24"}`, `{"subnet":{"subnetId":"subnet-1","vpcId":"vpc-1"}}`, ""),
			[]cairn.ResourceRef{ref("subnet-1", tSubnet, created), ref("vpc-1", tVPC, refd)}},

		// Auto Scaling.
		{"CreateAutoScalingGroup", call(srcASG, "CreateAutoScalingGroup",
			`{"autoScalingGroupName":"web-asg","launchTemplate":{"launchTemplateId":"lt-0cc","version":"$Latest"},"minSize":1,"maxSize":4,"targetGroupARNs":["`+tgARN+`"],"vPCZoneIdentifier":"subnet-1,subnet-2"}`, "", ""),
			[]cairn.ResourceRef{ref("web-asg", tASG, created), ref("lt-0cc", tLT, refd), arnRef(tgARN, tTargetGroup, refd)}},
		{"TerminateInstanceInAutoScalingGroup names the group in its response", call(srcASG, "TerminateInstanceInAutoScalingGroup",
			`{"instanceId":"i-0a","shouldDecrementDesiredCapacity":true}`,
			`{"activity":{"activityId":"a","autoScalingGroupName":"web-asg","description":"Terminating EC2 instance: i-0a","statusCode":"InProgress"}}`, ""),
			[]cairn.ResourceRef{ref("i-0a", tInstance, changed), ref("web-asg", tASG, modified)}},
		{"EnterStandby", call(srcASG, "EnterStandby", `{"instanceIds":["i-0a"],"autoScalingGroupName":"web-asg","shouldDecrementDesiredCapacity":true}`, "", ""),
			[]cairn.ResourceRef{ref("i-0a", tInstance, changed), ref("web-asg", tASG, modified)}},
		{"SetDesiredCapacity (simulator)", call(srcASG, "SetDesiredCapacity", `{"autoScalingGroupName":"web-asg","desiredCapacity":3,"honorCooldown":false}`, "", ""),
			[]cairn.ResourceRef{ref("web-asg", tASG, modified)}},
		{"PutScalingPolicy", call(srcASG, "PutScalingPolicy", `{"autoScalingGroupName":"web-asg","policyName":"cpu","policyType":"TargetTrackingScaling"}`, `{"policyARN":"arn:aws:autoscaling:…"}`, ""),
			[]cairn.ResourceRef{ref("web-asg", tASG, modified)}},
		{"CreateOrUpdateTags", call(srcASG, "CreateOrUpdateTags", `{"tags":[{"resourceId":"web-asg","resourceType":"auto-scaling-group","key":"team","value":"web","propagateAtLaunch":true}]}`, "", ""),
			[]cairn.ResourceRef{ref("web-asg", tASG, modified)}},
		{"CreateLaunchConfiguration", call(srcASG, "CreateLaunchConfiguration", `{"launchConfigurationName":"web-lc","imageId":"ami-0abc","instanceType":"t3.micro"}`, "", ""),
			[]cairn.ResourceRef{ref("web-lc", tLaunchConf, created), ref("ami-0abc", tImage, refd)}},

		// Load balancers.
		{"CreateTargetGroup (simulator)", call(srcELB, "CreateTargetGroup", `{"name":"web-tg","protocol":"HTTP","port":8080,"vpcId":"vpc-1"}`,
			`{"targetGroups":[{"targetGroupArn":"`+tgARN+`","targetGroupName":"web-tg"}]}`, ""),
			[]cairn.ResourceRef{arnRef(tgARN, tTargetGroup, created)}},
		{"RegisterTargets keeps instances, not addresses", call(srcELB, "RegisterTargets", `{"targetGroupArn":"`+tgARN+`","targets":[{"id":"i-0a","port":80},{"id":"10.0.0.5","port":80}]}`, "", ""),
			[]cairn.ResourceRef{arnRef(tgARN, tTargetGroup, modified), ref("i-0a", tInstance, refd)}},
		{"CreateListener", call(srcELB, "CreateListener", `{"loadBalancerArn":"`+lbARN+`","protocol":"HTTPS","port":443,"defaultActions":[{"type":"forward","targetGroupArn":"`+tgARN+`"}]}`,
			`{"listeners":[{"listenerArn":"arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2","loadBalancerArn":"`+lbARN+`","port":443}]}`, ""),
			[]cairn.ResourceRef{
				arnRef("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2", tListener, created),
				arnRef(lbARN, tLB, modified), arnRef(tgARN, tTargetGroup, refd),
			}},
		{"AddTags infers the types from the ARNs", call(srcELB, "AddTags", `{"resourceArns":["`+lbARN+`","`+tgARN+`"],"tags":[{"key":"team","value":"web"}]}`, "", ""),
			[]cairn.ResourceRef{arnRef(lbARN, tLB, modified), arnRef(tgARN, tTargetGroup, modified)}},
		{"RegisterInstancesWithLoadBalancer (classic)", call(srcELB, "RegisterInstancesWithLoadBalancer", `{"loadBalancerName":"old-web","instances":[{"instanceId":"i-0a"}]}`, `{"instances":[{"instanceId":"i-0a"}]}`, ""),
			[]cairn.ResourceRef{ref("old-web", tClassic, modified), ref("i-0a", tInstance, refd)}},

		// S3.
		{"GetBucketAcl reads the bucket (prefix rule)", call(srcS3, "GetBucketAcl", `{"bucketName":"b1","Host":"b1.s3.us-east-1.amazonaws.com","acl":""}`, "",
			`,"resources":[{"accountId":"123456789012","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::b1"}]`),
			[]cairn.ResourceRef{ref("b1", tBucket, read)}},
		{"GetObjectAcl (prefix rule)", call(srcS3, "GetObjectAcl", `{"bucketName":"b1","key":"a/b","acl":""}`, "", ""),
			[]cairn.ResourceRef{ref("b1/a/b", tObject, read), ref("b1", tBucket, refd)}},
		{"GetObject of another account's bucket: its owner from resources[]", call(srcS3, "GetObject", `{"bucketName":"shared","key":"k"}`, "",
			`,"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::shared/k"},{"accountId":"999988887777","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::shared"}]`),
			[]cairn.ResourceRef{ref("shared/k", tObject, read), {ID: "shared", ARN: "arn:aws:s3:::shared", Type: tBucket, Account: "999988887777", Region: region, Role: refd}}},
		{"CreateMultipartUpload creates nothing yet", call(srcS3, "CreateMultipartUpload", `{"bucketName":"b1","key":"big.bin","uploads":""}`, `{"uploadId":"u"}`, ""),
			[]cairn.ResourceRef{ref("b1/big.bin", tObject, refd), ref("b1", tBucket, refd)}},
		{"PutBucketTagging by a stack", call(srcS3, "PutBucketTagging",
			`{"bucketName":"b1","Tagging":{"TagSet":{"Tag":[{"Key":"aws:cloudformation:stack-name","Value":"web-stack"},{"Key":"aws:cloudformation:logical-id","Value":"Bucket"}]},"xmlns":"http://s3.amazonaws.com/doc/2006-03-01/"},"tagging":""}`, "", ""),
			[]cairn.ResourceRef{ref("b1", tBucket, modified), ref("web-stack", tStack, refd)}},
		{"PutBucketTagging (simulator)", call(srcS3, "PutBucketTagging", `{"bucketName":"b1","Host":"b1.s3.us-east-1.amazonaws.com","tagging":""}`, "", ""),
			[]cairn.ResourceRef{ref("b1", tBucket, modified)}},
		{"DeleteObjects", call(srcS3, "DeleteObjects", `{"bucketName":"b1","delete":""}`, "", ""),
			[]cairn.ResourceRef{ref("b1", tBucket, modified)}},

		// IAM.
		{"CreateInstanceProfile", call(srcIAM, "CreateInstanceProfile", `{"instanceProfileName":"web","path":"/"}`,
			`{"instanceProfile":{"path":"/","instanceProfileName":"web","instanceProfileId":"AIPA1","arn":"arn:aws:iam::123456789012:instance-profile/web","roles":[]}}`, ""),
			[]cairn.ResourceRef{withARN(ref("web", tProfile, created), "arn:aws:iam::123456789012:instance-profile/web")}},
		{"AddRoleToInstanceProfile", call(srcIAM, "AddRoleToInstanceProfile", `{"instanceProfileName":"web","roleName":"web-role"}`, "", ""),
			[]cairn.ResourceRef{ref("web", tProfile, modified), ref("web-role", tRole, refd)}},
		{"TagRole (simulator)", call(srcIAM, "TagRole", `{"roleName":"R","tags":[{"key":"team","value":"platform"}]}`, "", ""),
			[]cairn.ResourceRef{ref("R", tRole, modified)}},
		{"CreatePolicy", call(srcIAM, "CreatePolicy", `{"policyName":"p","path":"/team/","policyDocument":"{}"}`, `{"policy":{"policyName":"p","arn":"arn:aws:iam::123456789012:policy/team/p"}}`, ""),
			[]cairn.ResourceRef{arnRef("arn:aws:iam::123456789012:policy/team/p", tPolicy, created)}},
		{"UpdateAccessKey", call(srcIAM, "UpdateAccessKey", `{"userName":"bob","accessKeyId":"AKIA1","status":"Inactive"}`, "", ""),
			[]cairn.ResourceRef{ref("AKIA1", tKey, modified), ref("bob", tUser, refd)}},

		// STS.
		{"AssumeRoleWithSAML", call(srcSTS, "AssumeRoleWithSAML", `{"roleArn":"arn:aws:iam::123456789012:role/Admin","principalArn":"arn:aws:iam::123456789012:saml-provider/Okta","durationSeconds":3600}`,
			`{"credentials":{"accessKeyId":"ASIASAML","sessionToken":"t"},"assumedRoleUser":{"arn":"arn:aws:sts::123456789012:assumed-role/Admin/alice@example.com"}}`, ""),
			[]cairn.ResourceRef{
				arnRef("arn:aws:iam::123456789012:role/Admin", tRole, refd),
				arnRef("arn:aws:iam::123456789012:saml-provider/Okta", tSAML, refd),
				ref("ASIASAML", tKey, refd),
			}},

		// RDS.
		{"CreateDBInstance lower-cases the identifier", call(srcRDS, "CreateDBInstance", `{"dBInstanceIdentifier":"MyDB","engine":"postgres"}`,
			`{"dBInstanceIdentifier":"mydb","dBInstanceArn":"arn:aws:rds:us-east-1:123456789012:db:mydb"}`, ""),
			[]cairn.ResourceRef{ref("mydb", tDB, created)}},
		{"CreateDBSnapshot (simulator)", call(srcRDS, "CreateDBSnapshot", `{"dBSnapshotIdentifier":"orders-db-manual-1","dBInstanceIdentifier":"orders-db"}`,
			`{"dBSnapshotIdentifier":"orders-db-manual-1","dBInstanceIdentifier":"orders-db","status":"creating","dBSnapshotArn":"arn:aws:rds:us-east-1:123456789012:snapshot:orders-db-manual-1"}`, ""),
			[]cairn.ResourceRef{ref("orders-db-manual-1", tDBSnapshot, created), ref("orders-db", tDB, refd)}},
		{"DeleteDBInstance with a final snapshot", call(srcRDS, "DeleteDBInstance", `{"dBInstanceIdentifier":"db1","skipFinalSnapshot":false,"finalDBSnapshotIdentifier":"db1-final"}`, "", ""),
			[]cairn.ResourceRef{ref("db1", tDB, deleted), ref("db1-final", tDBSnapshot, created)}},
		{"FailoverDBCluster", call(srcRDS, "FailoverDBCluster", `{"dBClusterIdentifier":"aurora-1","targetDBInstanceIdentifier":"aurora-1-b"}`, "", ""),
			[]cairn.ResourceRef{ref("aurora-1", tCluster, changed), ref("aurora-1-b", tDB, changed)}},
		{"AddTagsToResource infers the type from the ARN", call(srcRDS, "AddTagsToResource", `{"resourceName":"arn:aws:rds:us-east-1:123456789012:cluster:aurora-1","tags":[{"key":"team","value":"db"}]}`, "", ""),
			[]cairn.ResourceRef{ref("aurora-1", tCluster, modified)}},

		// Lambda.
		{"CreateFunction20150331 by a stack", call(srcLambda, "CreateFunction20150331",
			`{"functionName":"fn","runtime":"python3.12","role":"arn:aws:iam::123456789012:role/fn-role","tags":{"aws:cloudformation:stack-name":"web-stack","team":"web"}}`,
			`{"functionName":"fn","functionArn":"arn:aws:lambda:us-east-1:123456789012:function:fn"}`, ""),
			[]cairn.ResourceRef{ref("fn", tFunction, created), arnRef("arn:aws:iam::123456789012:role/fn-role", tRole, refd), ref("web-stack", tStack, refd)}},
		{"AddPermission20150331v2 (simulator)", call(srcLambda, "AddPermission20150331v2", `{"functionName":"fn","statementId":"s3","action":"lambda:InvokeFunction","principal":"s3.amazonaws.com"}`, `{"statement":"{}"}`, ""),
			[]cairn.ResourceRef{ref("fn", tFunction, modified)}},
		{"TagResource20170331", call(srcLambda, "TagResource20170331", `{"resource":"arn:aws:lambda:us-east-1:123456789012:function:fn","tags":{"team":"web"}}`, "", ""),
			[]cairn.ResourceRef{ref("fn", tFunction, modified)}},
		{"CreateEventSourceMapping20150331", call(srcLambda, "CreateEventSourceMapping20150331", `{"functionName":"fn","eventSourceArn":"arn:aws:sqs:us-east-1:123456789012:jobs","batchSize":10}`,
			`{"uUID":"a1b2c3","functionArn":"arn:aws:lambda:us-east-1:123456789012:function:fn","state":"Creating"}`, ""),
			[]cairn.ResourceRef{ref("a1b2c3", tESM, created), ref("fn", tFunction, modified), arnRef("arn:aws:sqs:us-east-1:123456789012:jobs", "AWS::SQS::Queue", refd)}},
		{"Invoke (data event)", call(srcLambda, "Invoke", `{"functionName":"arn:aws:lambda:us-east-1:123456789012:function:fn","invocationType":"Event"}`, "",
			`,"resources":[{"accountId":"123456789012","type":"AWS::Lambda::Function","ARN":"arn:aws:lambda:us-east-1:123456789012:function:fn"}]`),
			[]cairn.ResourceRef{ref("fn", tFunction, refd)}},

		// DynamoDB.
		{"CreateTable by a stack", call(srcDDB, "CreateTable", `{"tableName":"Orders","billingMode":"PAY_PER_REQUEST","tags":[{"key":"aws:cloudformation:stack-name","value":"web-stack"}]}`,
			`{"tableDescription":{"tableName":"Orders","tableArn":"arn:aws:dynamodb:us-east-1:123456789012:table/Orders"}}`, ""),
			[]cairn.ResourceRef{ref("Orders", tTable, created), ref("web-stack", tStack, refd)}},
		{"UpdateTimeToLive", call(srcDDB, "UpdateTimeToLive", `{"tableName":"Orders","timeToLiveSpecification":{"enabled":true,"attributeName":"ttl"}}`, "", ""),
			[]cairn.ResourceRef{ref("Orders", tTable, modified)}},
		{"PutItem (data event)", call(srcDDB, "PutItem", `{"tableName":"Orders","key":{"pk":"HIDDEN_DUE_TO_SECURITY_REASONS"}}`, "",
			`,"resources":[{"accountId":"123456789012","type":"AWS::DynamoDB::Table","ARN":"arn:aws:dynamodb:us-east-1:123456789012:table/Orders"}]`),
			[]cairn.ResourceRef{ref("Orders", tTable, refd)}},

		// ECS.
		{"RegisterTaskDefinition", call(srcECS, "RegisterTaskDefinition", `{"family":"web","taskRoleArn":"arn:aws:iam::123456789012:role/web-task","containerDefinitions":[]}`,
			`{"taskDefinition":{"taskDefinitionArn":"arn:aws:ecs:us-east-1:123456789012:task-definition/web:7","family":"web","revision":7}}`, ""),
			[]cairn.ResourceRef{ref("web:7", tTaskDef, created), ref("web", tTaskDef, modified), arnRef("arn:aws:iam::123456789012:role/web-task", tRole, refd)}},
		{"CreateService", call(srcECS, "CreateService", `{"cluster":"prod","serviceName":"api","taskDefinition":"web:7","desiredCount":2}`,
			`{"service":{"serviceArn":"arn:aws:ecs:us-east-1:123456789012:service/prod/api","serviceName":"api","clusterArn":"arn:aws:ecs:us-east-1:123456789012:cluster/prod"}}`, ""),
			[]cairn.ResourceRef{withARN(ref("api", tECSService, created), "arn:aws:ecs:us-east-1:123456789012:service/prod/api"), ref("prod", tECSCluster, refd), ref("web:7", tTaskDef, refd)}},
		{"UpdateService (simulator)", call(srcECS, "UpdateService", `{"cluster":"orders","service":"orders-api","taskDefinition":"arn:aws:ecs:us-east-1:123456789012:task-definition/orders-api:773","forceNewDeployment":false}`,
			`{"service":{"serviceArn":"arn:aws:ecs:us-east-1:123456789012:service/orders/orders-api","serviceName":"orders-api"}}`, ""),
			[]cairn.ResourceRef{withARN(ref("orders-api", tECSService, modified), "arn:aws:ecs:us-east-1:123456789012:service/orders/orders-api"), ref("orders", tECSCluster, refd), ref("orders-api:773", tTaskDef, refd)}},
		{"RunTask", call(srcECS, "RunTask", `{"cluster":"prod","taskDefinition":"web:7","count":1,"launchType":"FARGATE"}`,
			`{"tasks":[{"taskArn":"arn:aws:ecs:us-east-1:123456789012:task/prod/0123abcd","clusterArn":"arn:aws:ecs:us-east-1:123456789012:cluster/prod"}],"failures":[]}`, ""),
			[]cairn.ResourceRef{arnRef("arn:aws:ecs:us-east-1:123456789012:task/prod/0123abcd", tTask, created), ref("prod", tECSCluster, refd), ref("web:7", tTaskDef, refd)}},
		{"StopTask", call(srcECS, "StopTask", `{"cluster":"prod","task":"0123abcd","reason":"deploy"}`, "", ""),
			[]cairn.ResourceRef{ref("0123abcd", tTask, deleted), ref("prod", tECSCluster, refd)}},

		// EKS.
		{"CreateCluster (EKS)", call(srcEKS, "CreateCluster", `{"name":"prod","roleArn":"arn:aws:iam::123456789012:role/eks","version":"1.30"}`,
			`{"cluster":{"name":"prod","arn":"arn:aws:eks:us-east-1:123456789012:cluster/prod","status":"CREATING"}}`, ""),
			[]cairn.ResourceRef{ref("prod", tEKS, created), arnRef("arn:aws:iam::123456789012:role/eks", tRole, refd)}},
		{"CreateNodegroup", call(srcEKS, "CreateNodegroup", `{"clusterName":"prod","nodegroupName":"ng-1","nodeRole":"arn:aws:iam::123456789012:role/node"}`,
			`{"nodegroup":{"nodegroupName":"ng-1","nodegroupArn":"arn:aws:eks:us-east-1:123456789012:nodegroup/prod/ng-1/a1b2","clusterName":"prod"}}`, ""),
			[]cairn.ResourceRef{withARN(ref("ng-1", tNodegroup, created), "arn:aws:eks:us-east-1:123456789012:nodegroup/prod/ng-1/a1b2"), ref("prod", tEKS, modified), arnRef("arn:aws:iam::123456789012:role/node", tRole, refd)}},

		// CloudFormation.
		{"CreateStack", call(srcCFN, "CreateStack", `{"stackName":"web-stack","templateURL":"https://t.example/x.yaml"}`, `{"stackId":"`+stackARN+`"}`, ""),
			[]cairn.ResourceRef{withARN(ref("web-stack", tStack, created), stackARN)}},
		{"DeleteStack by stack ID", call(srcCFN, "DeleteStack", `{"stackName":"`+stackARN+`"}`, "", ""),
			[]cairn.ResourceRef{arnRef(stackARN, tStack, deleted)}},
		{"CreateChangeSet (simulator)", call(srcCFN, "CreateChangeSet", `{"stackName":"web-stack","changeSetName":"deploy-1","changeSetType":"UPDATE"}`,
			`{"id":"arn:aws:cloudformation:us-east-1:123456789012:changeSet/deploy-1/9a1f","stackId":"`+stackARN+`"}`, ""),
			[]cairn.ResourceRef{arnRef("arn:aws:cloudformation:us-east-1:123456789012:changeSet/deploy-1/9a1f", tChangeSet, created), withARN(ref("web-stack", tStack, refd), stackARN)}},
		{"ExecuteChangeSet", call(srcCFN, "ExecuteChangeSet", `{"changeSetName":"arn:aws:cloudformation:us-east-1:123456789012:changeSet/deploy-1/9a1f","stackName":"web-stack"}`, "", ""),
			[]cairn.ResourceRef{ref("web-stack", tStack, modified), arnRef("arn:aws:cloudformation:us-east-1:123456789012:changeSet/deploy-1/9a1f", tChangeSet, refd)}},

		// KMS.
		{"CreateKey", call(srcKMS, "CreateKey", `{"description":"","keyUsage":"ENCRYPT_DECRYPT","keySpec":"SYMMETRIC_DEFAULT","origin":"AWS_KMS"}`,
			`{"keyMetadata":{"AWSAccountId":"123456789012","keyId":"`+keyID+`","arn":"`+keyARN+`","keyState":"Enabled"}}`, ""),
			[]cairn.ResourceRef{ref(keyID, tKMSKey, created)}},
		{"ScheduleKeyDeletion", call(srcKMS, "ScheduleKeyDeletion", `{"keyId":"`+keyID+`","pendingWindowInDays":7}`, `{"keyId":"`+keyARN+`","keyState":"PendingDeletion"}`,
			`,"resources":[{"accountId":"123456789012","type":"AWS::KMS::Key","ARN":"`+keyARN+`"}]`),
			[]cairn.ResourceRef{ref(keyID, tKMSKey, changed)}},
		{"DeleteKey (service event)", call(srcKMS, "DeleteKey", "", "",
			`,"serviceEventDetails":{"keyId":"`+keyID+`"},"resources":[{"accountId":"123456789012","type":"AWS::KMS::Key","ARN":"`+keyARN+`"}]`),
			[]cairn.ResourceRef{ref(keyID, tKMSKey, deleted)}},
		{"CreateAlias", call(srcKMS, "CreateAlias", `{"aliasName":"alias/app","targetKeyId":"`+keyID+`"}`, "", ""),
			[]cairn.ResourceRef{ref("alias/app", tAlias, created), ref(keyID, tKMSKey, refd)}},
		{"Encrypt through an alias", call(srcKMS, "Encrypt", `{"keyId":"alias/app","encryptionAlgorithm":"SYMMETRIC_DEFAULT"}`, "",
			`,"resources":[{"accountId":"123456789012","type":"AWS::KMS::Key","ARN":"`+keyARN+`"}]`),
			[]cairn.ResourceRef{ref("alias/app", tAlias, refd), arnRef(keyARN, tKMSKey, refd)}},

		// CloudWatch Logs.
		{"CreateLogGroup (simulator)", call(srcLogs, "CreateLogGroup", `{"logGroupName":"/aws/lambda/fn"}`, "", ""),
			[]cairn.ResourceRef{ref("/aws/lambda/fn", tLogGroup, created)}},
		{"CreateLogStream", call(srcLogs, "CreateLogStream", `{"logGroupName":"/aws/lambda/fn","logStreamName":"2026/03/14/[$LATEST]abc"}`, "", ""),
			[]cairn.ResourceRef{ref("/aws/lambda/fn:log-stream:2026/03/14/[$LATEST]abc", tLogStream, created), ref("/aws/lambda/fn", tLogGroup, refd)}},
		{"TagResource of a log group by ARN", call(srcLogs, "TagResource", `{"resourceArn":"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn","tags":{"team":"web"}}`, "", ""),
			[]cairn.ResourceRef{ref("/aws/lambda/fn", tLogGroup, modified)}},

		// CloudTrail (simulator: the trail by ARN).
		{"StopLogging", call(srcCT, "StopLogging", `{"name":"arn:aws:cloudtrail:us-east-1:123456789012:trail/audit"}`, "", ""),
			[]cairn.ResourceRef{ref("audit", tTrail, changed)}},
		{"DeleteTrail by name", call(srcCT, "DeleteTrail", `{"name":"audit"}`, "", ""),
			[]cairn.ResourceRef{ref("audit", tTrail, deleted)}},

		// Reads that name what they read.
		{"DescribeAutoScalingGroups", call(srcASG, "DescribeAutoScalingGroups", `{"autoScalingGroupNames":["web-asg","batch-asg"]}`, "", ""),
			[]cairn.ResourceRef{ref("web-asg", tASG, read), ref("batch-asg", tASG, read)}},
		{"DescribeTable", call(srcDDB, "DescribeTable", `{"tableName":"Orders"}`, "",
			`,"resources":[{"accountId":"123456789012","type":"AWS::DynamoDB::Table","ARN":"arn:aws:dynamodb:us-east-1:123456789012:table/Orders"}]`),
			[]cairn.ResourceRef{ref("Orders", tTable, read)}},
		{"DescribeServices", call(srcECS, "DescribeServices", `{"cluster":"orders","services":["orders-api"]}`, "", ""),
			[]cairn.ResourceRef{ref("orders-api", tECSService, read), ref("orders", tECSCluster, read)}},
		{"DescribeNatGateways (simulator)", call(srcEC2, "DescribeNatGateways", `{"DescribeNatGatewaysRequest":{"NatGatewayId":{"content":"nat-1","tag":1}}}`, "", ""),
			[]cairn.ResourceRef{ref("nat-1", tNAT, read)}},
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

func TestARNType(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:ec2:us-east-1:123456789012:instance/i-0abc": tInstance,
		"arn:aws:s3:::bucket":                                tBucket,
		"arn:aws:s3:::bucket/key":                            tObject,
		"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188": tLB,
		"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/old-web":                  tClassic,
		"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/6d0ecf831eec9f09":   tTargetGroup,
		"arn:aws:rds:us-east-1:123456789012:cluster-snapshot:c1-final":                              tDBClusterSnap,
		"arn:aws:dynamodb:us-east-1:123456789012:table/Orders/backup/01700000000000-abcdef12":       tDDBBackup,
		"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:*":                            tLogGroup,
		"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:log-stream:s":                 tLogStream,
		"arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:8e0f:autoScalingGroupName/a":   tASG,
		"arn:aws:iam::123456789012:instance-profile/web":                                            tProfile,
		"arn:aws:sqs:us-east-1:123456789012:jobs":                                                   "AWS::SQS::Queue",
		"arn:aws:foo:us-east-1:123456789012:bar/baz":                                                "",
		"not-an-arn": "",
	} {
		if got := arnType(arn); got != want {
			t.Errorf("arnType(%q) = %q, want %q", arn, got, want)
		}
	}
}

// A derived ARN must lead back to the same ID and type: the ID of a
// resource is the same whether a record names it by ID or by ARN.
func TestDeriveARNRoundTrip(t *testing.T) {
	for typ, id := range map[string]string{
		tInstance: "i-0abc", tVolume: "vol-1", tSnapshot: "snap-1", tImage: "ami-1", tSG: "sg-1", tENI: "eni-1",
		tNAT: "nat-1", tEIP: "eipalloc-1", tSubnet: "subnet-1", tVPC: "vpc-1", tIGW: "igw-1", tRTB: "rtb-1",
		tVPCE: "vpce-1", tLT: "lt-1", tBucket: "b1", tObject: "b1/k/x", tDB: "db1", tCluster: "c1",
		tDBSnapshot: "s1", tDBClusterSnap: "cs1", tFunction: "fn", tTable: "Orders", tEKS: "prod",
		tECSCluster: "prod", tTaskDef: "web:7", tClassic: "old-web", tLB: "app/web/50dc6c495c0c9188",
		tTargetGroup: "web-tg/6d0ecf831eec9f09", tListener: "app/web/50dc6c495c0c9188/f2f7dc8efc522ab2",
		tKMSKey: "1234abcd-12ab-34cd-56ef-1234567890ab", tAlias: "alias/app", tLogGroup: "/aws/lambda/fn",
		tLogStream: "/aws/lambda/fn:log-stream:2026/03/14/[$LATEST]abc", tTrail: "audit",
	} {
		arn := deriveARN(cairn.ResourceRef{ID: id, Type: typ, Account: acct, Region: region})
		if arn == "" {
			t.Errorf("%s %s: no ARN", typ, id)
			continue
		}
		if got := arnResourceID(arn); got != id {
			t.Errorf("%s: arnResourceID(%q) = %q, want %q", typ, arn, got, id)
		}
		if got := arnType(arn); got != typ {
			t.Errorf("arnType(%q) = %q, want %q", arn, got, typ)
		}
	}
}

// Paths with filters and arrays: what the walker keeps and skips.
func TestResourcePathWalk(t *testing.T) {
	rs := compileRules([]ResourceRule{
		{srcEC2, "X", rq + "tags" + tagASG, "", tASG, refd},
		{srcEC2, "X", rq + "a.b[].c", "", ec2Any, modified},
		{srcEC2, "X", rq + "a.b[]", "", ec2Any, read},
		{srcEC2, "X", rs + "deep.list[]", "", ec2Any, created},
	})
	for _, tc := range []struct {
		name, req, resp string
		want            []string // role:ID
	}{
		{"filter on an array", `{"tags":[{"key":"aws:autoscaling:groupName","value":"g1"},{"key":"other","value":"no"}]}`, "", []string{"referenced:g1"}},
		{"filter ignores a lone object", `{"tags":{"key":"aws:autoscaling:groupName","value":"g1"}}`, "", nil},
		{"filter needs a string key", `{"tags":[{"key":["aws:autoscaling:groupName"],"value":"g1"}]}`, "", nil},
		{"filter with escapes", `{"tags":[{"key":"aws:autoscaling:group\u004eame","value":"g\u0031"}]}`, "", []string{"referenced:g1"}},
		{"array of objects and of strings share a node", `{"a":{"b":[{"c":"i-1"},"vol-1",{"c":"i-2","d":"x"}]}}`, "", []string{"modified:i-1", "modified:i-2", "read:vol-1"}},
		{"lone value for an array node", `{"a":{"b":"vol-2"}}`, "", []string{"read:vol-2"}},
		{"arrays in arrays are not entered", "", `{"deep":{"list":[["i-1","i-2"],"i-3",[["i-4"]]]}}`, []string{"created:i-3"}},
		{"wrong shapes are skipped", `{"a":[{"b":"vol-9"}],"tags":"x"}`, `{"deep":"i-1"}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := call(srcEC2, "X", tc.req, tc.resp, "")
			var r record
			if err := json.Unmarshal([]byte(rec), &r, decodeOptions); err != nil {
				t.Fatal(err)
			}
			ev := &cairn.Event{RecipientAccountID: acct, AWSRegion: region}
			var refs []cairn.ResourceRef
			for _, s := range rs.lookup(srcEC2, "X") {
				refs = s.apply(refs, ev, &r, []byte(rec))
			}
			var got []string
			for _, ref := range refs {
				got = append(got, string(ref.Role)+":"+ref.ID)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// FuzzResources: whatever the payloads hold, extraction must not panic, and
// every resource it yields has an ID and a role.
func FuzzResources(f *testing.F) {
	for _, rec := range []string{
		call(srcEC2, "RunInstances", `{"instancesSet":{"items":[{"imageId":"ami-1"}]},"tagSpecificationSet":{"items":[{"tags":[{"key":"aws:autoscaling:groupName","value":"g"},{"value":"s","key":"aws:cloudformation:stack-name"}]}]}}`,
			`{"instancesSet":{"items":[{"instanceId":"i-1","networkInterfaceSet":{"items":[{"networkInterfaceId":"eni-1"}]}}]}}`, ""),
		call(srcEC2, "DeleteVpcEndpoints", `{"DeleteVpcEndpointsRequest":{"VpcEndpointId":[{"content":"vpce-1","tag":1}]}}`, "", ""),
		call(srcS3, "PutObject", `{"bucketName":"b","key":"k"}`, "", `,"resources":[{"type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::b","accountId":"1"}]`),
		call(srcLogs, "CreateLogStream", `{"logGroupName":"g","logStreamName":"s"}`, "", ""),
		call(srcKMS, "Encrypt", `{"keyId":"alias/a"}`, "", ""),
		call(srcECS, "RunTask", `{"cluster":"c"}`, `{"tasks":[{"taskArn":"arn:aws:ecs:r:1:task/c/t"}]}`, ""),
		call(srcELB, "AddTags", `{"resourceArns":["arn:aws:elasticloadbalancing:r:1:targetgroup/t/1"]}`, "", ""),
	} {
		f.Add([]byte(rec))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := Decode(raw)
		if err != nil {
			return
		}
		for _, r := range ev.Resources {
			if r.ID == "" || r.Role == "" {
				t.Fatalf("resource without ID or role: %+v", r)
			}
		}
	})
}
