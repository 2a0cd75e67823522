package sim

// api is one API call the ordinary traffic makes.
type api struct {
	src, name string
	ro        bool
	glob      bool // a global service, logged as us-east-1
	mgmtOnly  bool // only in the management account
	data      bool // an S3 data event
	w         [nProf]float64
	req       func(*stream)
	resp      func(*stream)
	res       func(*stream)
	extra     func(*stream)
	nf        string  // a not-found style error this call sometimes returns
	nfRate    float64 // how often
	apiVer    string
	big       func(*stream) // replaces req for large requests
	caller    string        // the only persona that makes this call, when set
	ua        string        // the user agent of the only tool that makes it, when set
	key       uint64        // a hash of the service and name, for draws fixed per call
}

func w(console, cli, ci, app, svc float64) [nProf]float64 {
	return [nProf]float64{console, cli, ci, app, svc, 0}
}

// AWS services appear as AWSService principals mostly when they assume a
// role for a function or an instance, and when they use KMS keys.
func init() {
	for name, wt := range map[string]float64{"AssumeRole": 10, "Decrypt": 1.5, "GenerateDataKey": 1} {
		a := apiByName(name)
		a.w[profAWS] = wt
		if name == "AssumeRole" {
			a.w[profSvc] = 0
		}
	}
}

const (
	RO = true
	RW = false
)

func A(src, name string, ro bool, wt [nProf]float64, req, resp string) *api {
	return &api{src: src, name: name, ro: ro, w: wt, req: tmpl(req), resp: tmpl(resp), glob: globalSrc[src], key: hash(hashStr(src), hashStr(name))}
}

func (a *api) notFound(code string, rate float64) *api { a.nf, a.nfRate = code, rate; return a }
func (a *api) resources(t string) *api                 { a.res = tmpl(t); return a }
func (a *api) extraData(t string) *api                 { a.extra = tmpl(t); return a }
func (a *api) mgmt() *api                              { a.mgmtOnly = true; return a }
func (a *api) version(v string) *api                   { a.apiVer = v; return a }
func (a *api) bigReq(f func(*stream)) *api             { a.big = f; return a }
func (a *api) request(f func(*stream)) *api            { a.req = f; return a }
func (a *api) calledBy(persona, ua string) *api        { a.caller, a.ua = persona, ua; return a }

// s3Extra is the additionalEventData of an S3 call that carries in bytes
// in its request and out in its answer: a write's bytes go in, a read's come
// out.
func s3Extra(in, out string) string {
	return `"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":` + in +
		`,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"$H$H=","bytesTransferredOut":` + out
}

// The sizes of S3 calls' requests and answers.
var (
	s3Reads   = s3Extra("0", "$N")
	s3Writes  = s3Extra("$N", "0")
	s3NoBytes = s3Extra("0", "0")
)

const s3BucketRes = `{"accountId":"$a","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::$b"}`

func s3b(name, sub string, ro bool, wt [nProf]float64) *api {
	q := `"bucketName":"$b","Host":"$b.s3.$r.amazonaws.com"`
	if sub != "" {
		q += `,"` + sub + `":""`
	}
	a := A("s3", name, ro, wt, q, "").resources(s3BucketRes).extraData(s3Reads)
	if !ro {
		a.resp = tmpl("")
		a.extra = tmpl(s3Writes)
	}
	return a
}

func s3o(name string, ro bool, wt [nProf]float64, resp string) *api {
	a := A("s3", name, ro, wt, `"bucketName":"$b","Host":"$b.s3.$r.amazonaws.com","key":"$7"`, resp)
	a.data = true
	a.res = tmpl(`{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::$b/$7"},` + s3BucketRes)
	switch name {
	case "GetObject":
		a.extra = tmpl(s3Reads)
	case "PutObject":
		a.extra = tmpl(s3Writes)
	default:
		a.extra = tmpl(s3NoBytes)
	}
	return a
}

// catalog is the ordinary traffic: reads and small changes. Resource
// lifecycles (create, stop, delete, …) are in lifecycle.go.
var catalog = []*api{
	// EC2
	A("ec2", "DescribeInstances", RO, w(9, 6, 2, 0.5, 3), `"instancesSet":{"items":[{"instanceId":"$i"}]},"filterSet":{}`, ""),
	A("ec2", "DescribeInstanceStatus", RO, w(3, 2, 0, 0, 2), `"instancesSet":{},"filterSet":{},"includeAllInstances":true`, ""),
	A("ec2", "DescribeVolumes", RO, w(3, 2, 0, 0, 2), `"volumeSet":{"items":[{"volumeId":"$v"}]},"filterSet":{}`, ""),
	A("ec2", "DescribeSnapshots", RO, w(1.5, 1, 0, 0, 1), `"snapshotSet":{},"ownersSet":{"items":[{"owner":"self"}]},"sharedUsersSet":{},"filterSet":{}`, ""),
	A("ec2", "DescribeSecurityGroups", RO, w(3, 2, 1, 0, 2), `"securityGroupSet":{},"securityGroupIdSet":{"items":[{"groupId":"$G"}]},"filterSet":{}`, ""),
	A("ec2", "DescribeSubnets", RO, w(2, 2, 1, 0, 1), `"subnetSet":{},"filterSet":{"items":[{"name":"vpc-id","valueSet":{"items":[{"value":"vpc-0$J"}]}}]}`, ""),
	A("ec2", "DescribeVpcs", RO, w(2, 1.5, 1, 0, 1), `"vpcSet":{},"filterSet":{}`, ""),
	A("ec2", "DescribeImages", RO, w(1, 1.5, 1, 0, 0.5), `"executableBySet":{},"imagesSet":{},"ownersSet":{"items":[{"owner":"self"}]},"availabilityZoneSet":{},"filterSet":{}`, ""),
	A("ec2", "DescribeNetworkInterfaces", RO, w(1.5, 1, 0, 0, 2), `"networkInterfaceIdSet":{},"filterSet":{"items":[{"name":"attachment.instance-id","valueSet":{"items":[{"value":"$i"}]}}]}`, ""),
	A("ec2", "DescribeAddresses", RO, w(1, 0.5, 0, 0, 1), `"publicIpsSet":{},"allocationIdsSet":{},"filterSet":{}`, ""),
	A("ec2", "DescribeKeyPairs", RO, w(0.5, 0.5, 0, 0, 0.5), `"keySet":{},"keyPairIdSet":{},"filterSet":{}`, ""),
	A("ec2", "DescribeRouteTables", RO, w(1, 0.5, 0.5, 0, 1), `"routeTableIdSet":{},"filterSet":{}`, ""),
	A("ec2", "DescribeNatGateways", RO, w(0.5, 0.5, 0, 0, 0.5), `"DescribeNatGatewaysRequest":{"NatGatewayId":{"content":"$n","tag":1}}`, ""),
	A("ec2", "DescribeTags", RO, w(1, 1, 0.5, 0, 0.5), `"filterSet":{"items":[{"name":"resource-id","valueSet":{"items":[{"value":"$i"}]}}]}`, ""),
	A("ec2", "DescribeAvailabilityZones", RO, w(0.5, 1, 1, 0, 0), `"availabilityZoneSet":{},"availabilityZoneIdSet":{}`, ""),
	A("ec2", "DescribeRegions", RO, w(1.5, 0.5, 0, 0, 0.2), `"regionSet":{},"allRegions":false`, ""),
	A("ec2", "DescribeLaunchTemplates", RO, w(0.5, 0.5, 0.5, 0, 0), `"DescribeLaunchTemplatesRequest":{"MaxResults":200}`, ""),
	A("ec2", "DescribeInstanceTypes", RO, w(0.5, 0.5, 0, 0, 0), `"DescribeInstanceTypesRequest":{"InstanceType":{"content":"m5.large","tag":1}}`, ""),
	A("ec2", "GetConsoleOutput", RO, w(0.3, 0.2, 0, 0, 0), `"instanceId":"$i"`, ""),
	A("ec2", "DescribeAccountAttributes", RO, w(1, 0.5, 0.5, 0, 0), `"accountAttributeNameSet":{"items":[{"attributeName":"supported-platforms"}]},"filterSet":{}`, ""),
	A("ec2", "CreateTags", RW, w(0.6, 0.6, 0.5, 0, 0.1), `"resourcesSet":{"items":[{"resourceId":"$i"}]},"tagSet":{"items":[{"key":"Owner","value":"$E"}]}`, `"requestId":"$U","_return":true`),
	A("ec2", "DeleteTags", RW, w(0.1, 0.1, 0, 0, 0), `"resourcesSet":{"items":[{"resourceId":"$i"}]},"tagSet":{"items":[{"key":"tmp"}]}`, `"requestId":"$U","_return":true`),
	A("ec2", "AuthorizeSecurityGroupIngress", RW, w(0.2, 0.2, 0.2, 0, 0), `"groupId":"$G","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":443,"toPort":443,"groups":{},"ipRanges":{"items":[{"cidrIp":"10.0.0.0/16"}]},"ipv6Ranges":{},"prefixListIds":{}}]}`, `"requestId":"$U","_return":true,"securityGroupRuleSet":{"items":[{"groupOwnerId":"$a","groupId":"$G","securityGroupRuleId":"sgr-0$H","isEgress":false,"ipProtocol":"tcp","fromPort":443,"toPort":443,"cidrIpv4":"10.0.0.0/16"}]}`),
	A("ec2", "RevokeSecurityGroupIngress", RW, w(0.1, 0.1, 0.1, 0, 0), `"groupId":"$G","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"groups":{},"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]},"ipv6Ranges":{},"prefixListIds":{}}]}`, `"requestId":"$U","_return":true`),
	A("ec2", "ModifyInstanceMetadataOptions", RW, w(0.1, 0.2, 0.1, 0, 0), `"ModifyInstanceMetadataOptionsRequest":{"HttpTokens":"required","InstanceId":"$i","HttpEndpoint":"enabled"}`, `"ModifyInstanceMetadataOptionsResponse":{"instanceId":"$i","instanceMetadataOptions":{"httpTokens":"required","httpPutResponseHopLimit":2,"httpEndpoint":"enabled","state":"pending","instanceMetadataTags":"disabled","httpProtocolIpv6":"disabled"},"requestId":"$U"}`),
	A("ec2", "MonitorInstances", RW, w(0.05, 0.1, 0, 0, 0), `"instancesSet":{"items":[{"instanceId":"$i"}]}`, `"requestId":"$U","instancesSet":{"items":[{"instanceId":"$i","monitoring":{"state":"pending"}}]}`),
	A("ec2", "CreateLaunchTemplateVersion", RW, w(0, 0.1, 0.3, 0, 0), `"CreateLaunchTemplateVersionRequest":{"LaunchTemplateName":"$g-lt","SourceVersion":"$$Latest","LaunchTemplateData":{"ImageId":"ami-0$H","InstanceType":"m5.large","UserData":"<sensitiveDataRemoved>"}}`, `"CreateLaunchTemplateVersionResponse":{"requestId":"$U","launchTemplateVersion":{"launchTemplateId":"lt-0$H","launchTemplateName":"$g-lt","versionNumber":$N,"createTime":"$D","createdBy":"$O","defaultVersion":false}}`),
	A("ec2", "DescribeLaunchTemplateVersions", RO, w(0.2, 0.3, 0.5, 0, 0.2), `"DescribeLaunchTemplateVersionsRequest":{"LaunchTemplateName":"$g-lt","LaunchTemplateVersion":{"content":"$$Latest","tag":1}}`, ""),

	// S3 (management and data events)
	A("s3", "ListBuckets", RO, w(4, 2, 0.5, 0, 1), `"Host":"s3.$r.amazonaws.com"`, "").extraData(s3Reads),
	s3b("GetBucketLocation", "location", RO, w(2, 2, 1, 0.5, 2)),
	s3b("GetBucketPolicy", "policy", RO, w(1, 0.5, 0.3, 0, 1.5)).notFound("NoSuchBucketPolicy", 0.5),
	s3b("GetBucketAcl", "acl", RO, w(1.5, 0.5, 0, 0, 2)),
	s3b("GetBucketVersioning", "versioning", RO, w(1, 0.3, 0.3, 0, 1.5)),
	s3b("GetBucketEncryption", "encryption", RO, w(1, 0.3, 0, 0, 1.5)),
	s3b("GetBucketTagging", "tagging", RO, w(1, 0.3, 0.3, 0, 1.5)).notFound("NoSuchTagSet", 0.4),
	s3b("GetBucketPublicAccessBlock", "publicAccessBlock", RO, w(1, 0.2, 0, 0, 1.5)),
	s3b("GetBucketLogging", "logging", RO, w(0.5, 0.1, 0, 0, 1.2)),
	s3b("GetBucketLifecycle", "lifecycle", RO, w(0.3, 0.1, 0.2, 0, 1)).notFound("NoSuchLifecycleConfiguration", 0.6),
	s3b("PutBucketTagging", "tagging", RW, w(0.1, 0.1, 0.2, 0, 0)),
	s3b("PutBucketVersioning", "versioning", RW, w(0.05, 0.05, 0.05, 0, 0)),
	s3b("PutBucketEncryption", "encryption", RW, w(0.05, 0.05, 0.05, 0, 0)),
	s3b("PutBucketPublicAccessBlock", "publicAccessBlock", RW, w(0.05, 0.05, 0.05, 0, 0)).request(tmpl(
		`"bucketName":"$b","Host":"$b.s3.$r.amazonaws.com","publicAccessBlock":"","PublicAccessBlockConfiguration":{"xmlns":"http://s3.amazonaws.com/doc/2006-03-01/","RestrictPublicBuckets":true,"BlockPublicPolicy":true,"BlockPublicAcls":true,"IgnorePublicAcls":true}`)),
	s3b("PutBucketLifecycle", "lifecycle", RW, w(0.03, 0.05, 0.05, 0, 0)),
	s3b("PutBucketPolicy", "policy", RW, w(0.05, 0.05, 0.1, 0, 0)).bigReq(bigBucketPolicy),
	s3o("GetObject", RO, w(1, 3, 3, 26, 0), "").notFound("NoSuchKey", 0.02),
	s3o("HeadObject", RO, w(0.5, 1, 2, 7, 0), ""),
	s3o("PutObject", RW, w(0.5, 2, 6, 26, 0), `"x-amz-server-side-encryption":"AES256","x-amz-version-id":"$H"`),
	s3o("DeleteObject", RW, w(0.1, 0.3, 0.5, 4, 0), ""),
	A("s3", "ListObjects", RO, w(2, 3, 2, 6, 0), `"list-type":"2","bucketName":"$b","prefix":"orders/2026/","Host":"$b.s3.$r.amazonaws.com"`, "").resources(s3BucketRes).extraData(s3Reads),

	// IAM (global)
	A("iam", "ListUsers", RO, w(1.5, 0.5, 0, 0, 1), "", ""),
	A("iam", "ListRoles", RO, w(2, 1, 0.5, 0, 1.5), "", ""),
	A("iam", "GetRole", RO, w(2, 2, 2, 0, 3), `"roleName":"$R"`, "").notFound("NoSuchEntity", 0.03),
	A("iam", "GetUser", RO, w(1, 0.5, 0, 0, 1), `"userName":"$u"`, ""),
	A("iam", "ListPolicies", RO, w(1, 0.5, 0.3, 0, 1), `"scope":"Local","onlyAttached":false,"maxItems":100`, ""),
	A("iam", "GetPolicy", RO, w(1, 1, 1, 0, 2), `"policyArn":"arn:aws:iam::$a:policy/orders-app-access"`, ""),
	A("iam", "GetPolicyVersion", RO, w(1, 1, 1, 0, 2), `"policyArn":"arn:aws:iam::$a:policy/orders-app-access","versionId":"v$N"`, ""),
	A("iam", "ListAttachedRolePolicies", RO, w(1, 1, 1, 0, 2), `"roleName":"$R"`, ""),
	A("iam", "ListRolePolicies", RO, w(0.5, 1, 1, 0, 2), `"roleName":"$R"`, ""),
	A("iam", "ListAccessKeys", RO, w(0.8, 0.3, 0, 0, 1), `"userName":"$u"`, ""),
	A("iam", "GetAccountSummary", RO, w(1.5, 0.2, 0, 0, 0.5), "", ""),
	A("iam", "ListGroups", RO, w(0.5, 0.2, 0, 0, 0.5), "", ""),
	A("iam", "ListMFADevices", RO, w(0.8, 0.2, 0, 0, 0.5), `"userName":"$u"`, ""),
	A("iam", "GenerateCredentialReport", RO, w(0.2, 0.1, 0, 0, 0.3), "", ""),
	A("iam", "GetAccountPasswordPolicy", RO, w(0.3, 0.1, 0, 0, 0.5), "", "").notFound("NoSuchEntity", 0.7),
	A("iam", "ListInstanceProfilesForRole", RO, w(0.3, 0.5, 0.5, 0, 0.5), `"roleName":"$R"`, ""),
	A("iam", "AttachRolePolicy", RW, w(0.05, 0.1, 0.2, 0, 0), `"roleName":"$R","policyArn":"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"`, ""),
	A("iam", "DetachRolePolicy", RW, w(0.03, 0.05, 0.1, 0, 0), `"roleName":"$R","policyArn":"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"`, ""),
	A("iam", "PutRolePolicy", RW, w(0.03, 0.1, 0.2, 0, 0), `"roleName":"$R","policyName":"inline-s3-access","policyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],\"Resource\":\"arn:aws:s3:::$b/*\"}]}"`, ""),
	A("iam", "CreatePolicyVersion", RW, w(0.02, 0.05, 0.2, 0, 0), `"policyArn":"arn:aws:iam::$a:policy/orders-app-access","policyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"dynamodb:GetItem\",\"dynamodb:PutItem\",\"dynamodb:Query\"],\"Resource\":\"arn:aws:dynamodb:$r:$a:table/$t\"},{\"Effect\":\"Allow\",\"Action\":\"sqs:SendMessage\",\"Resource\":\"arn:aws:sqs:$r:$a:orders-events\"}]}","setAsDefault":true`, `"policyVersion":{"versionId":"v$N","isDefaultVersion":true,"createDate":"$D"}`),
	A("iam", "TagRole", RW, w(0.02, 0.05, 0.1, 0, 0), `"roleName":"$R","tags":[{"key":"team","value":"platform"}]`, ""),
	A("iam", "UpdateAssumeRolePolicy", RW, w(0.01, 0.03, 0.05, 0, 0), `"roleName":"$R","policyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"`, ""),
	A("iam", "CreateServiceLinkedRole", RW, w(0.01, 0.01, 0.02, 0, 0), `"aWSServiceName":"elasticloadbalancing.amazonaws.com"`, "").notFound("InvalidInput", 0.8),

	// STS
	A("sts", "AssumeRole", RO, w(0, 0.5, 1, 3, 4), `"roleArn":"arn:aws:iam::$a:role/$R","roleSessionName":"$8","durationSeconds":3600`, `"credentials":{"accessKeyId":"ASIA$F","sessionToken":"IQoJb3JpZ2luX2VjE$H$H$H$H$H$H$H$H$H$H$H$H$H$H$H$H","expiration":"$X"},"assumedRoleUser":{"assumedRoleId":"$W:$8","arn":"arn:aws:sts::$a:assumed-role/$R/$8"}`).
		resources(`{"accountId":"$a","type":"AWS::IAM::Role","ARN":"arn:aws:iam::$a:role/$R"}`),
	A("sts", "GetSessionToken", RO, w(0, 0.2, 0, 0, 0), `"durationSeconds":43200,"serialNumber":"arn:aws:iam::$a:mfa/$E"`, `"credentials":{"accessKeyId":"ASIA$F","sessionToken":"IQoJb3JpZ2luX2VjE$H$H$H$H$H$H$H$H","expiration":"$D"}`),
	A("sts", "GetAccessKeyInfo", RO, w(0.05, 0.1, 0, 0, 0), `"accessKeyId":"AKIA$F"`, ""),
	A("sts", "DecodeAuthorizationMessage", RO, w(0.05, 0.1, 0.05, 0, 0), `"encodedMessage":"HIDDEN_DUE_TO_SECURITY_REASONS"`, ""),

	// Lambda
	A("lambda", "ListFunctions20150331", RO, w(2, 1, 0.5, 0, 1), "", ""),
	A("lambda", "GetFunction20150331v2", RO, w(1.5, 1, 2, 0, 0.5), `"functionName":"$f"`, "").notFound("ResourceNotFoundException", 0.02),
	A("lambda", "GetFunctionConfiguration20150331v2", RO, w(1, 1, 2, 0, 1), `"functionName":"$f"`, ""),
	A("lambda", "ListVersionsByFunction20150331", RO, w(0.5, 0.5, 1, 0, 0.3), `"functionName":"$f"`, ""),
	A("lambda", "GetPolicy20150331v2", RO, w(0.5, 0.2, 0.5, 0, 1), `"functionName":"$f"`, "").notFound("ResourceNotFoundException", 0.3),
	A("lambda", "ListEventSourceMappings20150331", RO, w(0.5, 0.5, 0.5, 0, 0.5), `"functionName":"$f"`, ""),
	A("lambda", "ListTags20170331", RO, w(0.5, 0.2, 0.5, 0, 1), `"resource":"arn:aws:lambda:$r:$a:function:$f"`, ""),
	A("lambda", "GetFunctionUrlConfig", RO, w(0.2, 0.1, 0.3, 0, 0.2), `"functionName":"$f"`, "").notFound("ResourceNotFoundException", 0.7),
	A("lambda", "AddPermission20150331v2", RW, w(0.02, 0.05, 0.2, 0, 0), `"functionName":"$f","statementId":"s3-invoke-$N","action":"lambda:InvokeFunction","principal":"s3.amazonaws.com","sourceArn":"arn:aws:s3:::$b"`, `"statement":"{\"Sid\":\"s3-invoke\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"s3.amazonaws.com\"},\"Action\":\"lambda:InvokeFunction\",\"Resource\":\"arn:aws:lambda:$r:$a:function:$f\"}"`),
	A("lambda", "PublishVersion20150331", RW, w(0, 0.05, 0.5, 0, 0), `"functionName":"$f"`, `"functionName":"$f","functionArn":"arn:aws:lambda:$r:$a:function:$f:$9","runtime":"python3.12","role":"arn:aws:iam::$a:role/orders-lambda-role","handler":"app.handler","codeSize":$N$N,"timeout":30,"memorySize":512,"version":"$9","state":"Active"`),

	// RDS
	A("rds", "DescribeDBInstances", RO, w(2.5, 1, 0.5, 0, 2), `"dBInstanceIdentifier":"$d"`, "").notFound("DBInstanceNotFound", 0.02),
	A("rds", "DescribeDBClusters", RO, w(1, 0.5, 0, 0, 1), `"includeShared":false`, ""),
	A("rds", "DescribeDBSnapshots", RO, w(0.5, 0.5, 0, 0, 1), `"dBInstanceIdentifier":"$d","includeShared":false,"includePublic":false`, ""),
	A("rds", "DescribeDBParameterGroups", RO, w(0.3, 0.2, 0, 0, 0.5), "", ""),
	A("rds", "DescribeDBEngineVersions", RO, w(0.3, 0.3, 0, 0, 0), `"engine":"postgres","defaultOnly":false`, ""),
	A("rds", "DescribeEvents", RO, w(0.5, 0.2, 0, 0, 0.5), `"sourceIdentifier":"$d","sourceType":"db-instance","duration":1440`, ""),
	A("rds", "ListTagsForResource", RO, w(0.5, 0.2, 0.2, 0, 1.5), `"resourceName":"arn:aws:rds:$r:$a:db:$d"`, ""),
	A("rds", "CreateDBSnapshot", RW, w(0.02, 0.03, 0, 0, 0), `"dBSnapshotIdentifier":"$d-manual-$9","dBInstanceIdentifier":"$d"`, `"dBSnapshotIdentifier":"$d-manual-$9","dBInstanceIdentifier":"$d","status":"creating","engine":"postgres","allocatedStorage":100,"dBSnapshotArn":"arn:aws:rds:$r:$a:snapshot:$d-manual-$9"`),

	// Elastic Load Balancing v2
	A("elasticloadbalancing", "DescribeLoadBalancers", RO, w(2, 1, 1, 0, 1.5), `"names":["$l"]`, "").version("2015-12-01"),
	A("elasticloadbalancing", "DescribeTargetGroups", RO, w(1.5, 1, 1, 0, 1), `"loadBalancerArn":"$L"`, "").version("2015-12-01"),
	A("elasticloadbalancing", "DescribeTargetHealth", RO, w(2, 1, 1.5, 0, 0.5), `"targetGroupArn":"$T"`, "").version("2015-12-01"),
	A("elasticloadbalancing", "DescribeListeners", RO, w(1, 0.5, 0.5, 0, 1), `"loadBalancerArn":"$L"`, "").version("2015-12-01"),
	A("elasticloadbalancing", "DescribeTags", RO, w(0.5, 0.3, 0.5, 0, 1), `"resourceArns":["$L"]`, "").version("2015-12-01"),
	A("elasticloadbalancing", "DescribeLoadBalancerAttributes", RO, w(0.5, 0.3, 0.5, 0, 1), `"loadBalancerArn":"$L"`, "").version("2015-12-01"),
	A("elasticloadbalancing", "RegisterTargets", RW, w(0.05, 0.1, 0.3, 0, 0), `"targetGroupArn":"$T","targets":[{"id":"$i","port":8080}]`, "").version("2015-12-01"),
	A("elasticloadbalancing", "DeregisterTargets", RW, w(0.03, 0.05, 0.2, 0, 0), `"targetGroupArn":"$T","targets":[{"id":"$i","port":8080}]`, "").version("2015-12-01"),
	A("elasticloadbalancing", "ModifyTargetGroup", RW, w(0.02, 0.05, 0.05, 0, 0), `"targetGroupArn":"$T","healthCheckPath":"/healthz","healthCheckIntervalSeconds":15`, `"targetGroups":[{"targetGroupArn":"$T","protocol":"HTTP","port":8080,"healthCheckPath":"/healthz","healthCheckIntervalSeconds":15,"healthyThresholdCount":3,"unhealthyThresholdCount":3,"targetType":"instance"}]`).version("2015-12-01"),

	// Auto Scaling
	A("autoscaling", "DescribeAutoScalingGroups", RO, w(1.5, 1, 1.5, 0, 2), `"autoScalingGroupNames":["$g"]`, ""),
	A("autoscaling", "DescribeScalingActivities", RO, w(1, 0.5, 0.5, 0, 0.5), `"autoScalingGroupName":"$g"`, ""),
	A("autoscaling", "DescribeLaunchConfigurations", RO, w(0.3, 0.2, 0, 0, 1), "", ""),
	A("autoscaling", "DescribePolicies", RO, w(0.3, 0.2, 0.2, 0, 0.5), `"autoScalingGroupName":"$g"`, ""),
	A("autoscaling", "DescribeAutoScalingInstances", RO, w(0.3, 0.3, 0.5, 0, 0.5), "", ""),
	A("autoscaling", "DescribeLifecycleHooks", RO, w(0.2, 0.1, 0.3, 0, 0.3), `"autoScalingGroupName":"$g"`, ""),

	// CloudFormation
	A("cloudformation", "DescribeStacks", RO, w(3, 2, 4, 0, 1), `"stackName":"$k"`, "").notFound("ValidationError", 0.02),
	A("cloudformation", "ListStacks", RO, w(1, 0.5, 0.5, 0, 0.5), `"stackStatusFilter":["CREATE_COMPLETE","UPDATE_COMPLETE","UPDATE_ROLLBACK_COMPLETE"]`, ""),
	A("cloudformation", "DescribeStackEvents", RO, w(1.5, 1, 3, 0, 0), `"stackName":"$k"`, ""),
	A("cloudformation", "DescribeStackResources", RO, w(0.5, 0.5, 1, 0, 0.3), `"stackName":"$k"`, ""),
	A("cloudformation", "ListStackResources", RO, w(1, 0.5, 1, 0, 0.5), `"stackName":"$k"`, ""),
	A("cloudformation", "GetTemplate", RO, w(0.5, 0.3, 1, 0, 0.2), `"stackName":"$k","templateStage":"Original"`, ""),
	A("cloudformation", "GetTemplateSummary", RO, w(0.3, 0.3, 1, 0, 0), `"stackName":"$k"`, ""),
	A("cloudformation", "DescribeChangeSet", RO, w(0.2, 0.3, 1.5, 0, 0), `"changeSetName":"deploy-$N","stackName":"$k"`, ""),
	A("cloudformation", "CreateChangeSet", RW, w(0.02, 0.1, 0.8, 0, 0), `"stackName":"$k","templateURL":"https://acme-cfn-templates-$a.s3.amazonaws.com/$k/$H.yaml","parameters":[{"parameterKey":"Environment","parameterValue":"prod"},{"parameterKey":"ImageTag","parameterValue":"$H"}],"capabilities":["CAPABILITY_IAM","CAPABILITY_NAMED_IAM"],"changeSetName":"deploy-$9","changeSetType":"UPDATE"`, `"id":"arn:aws:cloudformation:$r:$a:changeSet/deploy-$9/$U","stackId":"arn:aws:cloudformation:$r:$a:stack/$k/$U"`),
	A("cloudformation", "ValidateTemplate", RO, w(0.1, 0.3, 0.8, 0, 0), `"templateURL":"https://acme-cfn-templates-$a.s3.amazonaws.com/$k/$H.yaml"`, ""),

	// CloudTrail
	A("cloudtrail", "DescribeTrails", RO, w(1, 0.3, 0, 0, 1.5), `"trailNameList":[],"includeShadowTrails":true`, ""),
	A("cloudtrail", "GetTrailStatus", RO, w(0.5, 0.2, 0, 0, 1.5), `"name":"arn:aws:cloudtrail:us-east-1:$a:trail/org-trail"`, ""),
	A("cloudtrail", "LookupEvents", RO, w(2, 0.5, 0, 0, 0), "", "").request(lookupEventsRequest),
	A("cloudtrail", "GetEventSelectors", RO, w(0.3, 0.1, 0, 0, 1), `"trailName":"arn:aws:cloudtrail:us-east-1:$a:trail/org-trail"`, ""),
	A("cloudtrail", "ListTrails", RO, w(0.3, 0.1, 0, 0, 0.5), "", ""),
	A("cloudtrail", "GetInsightSelectors", RO, w(0.1, 0, 0, 0, 0.15), `"trailName":"arn:aws:cloudtrail:us-east-1:$a:trail/org-trail"`, "").notFound("InsightNotEnabledException", 0.9),

	// KMS
	A("kms", "Decrypt", RO, w(0.2, 0.5, 1, 11, 0), "", "").request(decryptRequest).resources(`{"accountId":"$a","type":"AWS::KMS::Key","ARN":"$K"}`),
	A("kms", "Encrypt", RO, w(0, 0.2, 0.2, 2, 0), "", "").request(encryptRequest).resources(`{"accountId":"$a","type":"AWS::KMS::Key","ARN":"$K"}`),
	A("kms", "GenerateDataKey", RO, w(0, 0.2, 0.5, 8, 0), `"keyId":"$K","keySpec":"AES_256","encryptionContext":{"aws:s3:arn":"arn:aws:s3:::$b"}`, "").resources(`{"accountId":"$a","type":"AWS::KMS::Key","ARN":"$K"}`),
	A("kms", "DescribeKey", RO, w(0.5, 0.5, 0.5, 0.5, 1), `"keyId":"$K"`, "").resources(`{"accountId":"$a","type":"AWS::KMS::Key","ARN":"$K"}`),
	A("kms", "ListKeys", RO, w(0.5, 0.2, 0, 0, 1), "", ""),
	A("kms", "ListAliases", RO, w(1, 0.5, 0.2, 0, 1), "", ""),
	A("kms", "GetKeyPolicy", RO, w(0.2, 0.1, 0, 0, 1), `"keyId":"$K","policyName":"default"`, "").resources(`{"accountId":"$a","type":"AWS::KMS::Key","ARN":"$K"}`),
	A("kms", "GetKeyRotationStatus", RO, w(0.1, 0.1, 0, 0, 1), `"keyId":"$K"`, "").resources(`{"accountId":"$a","type":"AWS::KMS::Key","ARN":"$K"}`),

	// Systems Manager
	A("ssm", "GetParameter", RO, w(0.5, 1.5, 2, 8, 0), `"name":"$P","withDecryption":true`, "").notFound("ParameterNotFound", 0.01),
	A("ssm", "GetParameters", RO, w(0.2, 0.5, 2, 4, 0), `"names":["$P"],"withDecryption":true`, ""),
	A("ssm", "GetParametersByPath", RO, w(0.2, 0.5, 1, 2, 0), `"path":"/orders/prod/","recursive":true,"withDecryption":true`, ""),
	A("ssm", "DescribeInstanceInformation", RO, w(1, 0.5, 0, 0, 1), `"maxResults":50`, ""),
	A("ssm", "UpdateInstanceInformation", RW, w(0, 0, 0, 11, 0), "", "").request(heartbeatRequest).calledBy("web-ec2-role", ssmAgentUA),
	A("ssm", "PutParameter", RW, w(0.05, 0.2, 0.5, 0, 0), `"name":"$P","type":"SecureString","overwrite":true,"keyId":"alias/aws/ssm","tier":"Standard"`, `"version":$N,"tier":"Standard"`),
	A("ssm", "StartSession", RW, w(0.2, 0.5, 0, 0, 0), `"target":"$i"`, `"sessionId":"$E-0$J","tokenValue":"Value hidden due to security reasons.","streamUrl":"wss://ssmmessages.$r.amazonaws.com/v1/data-channel/$E-0$J?role=publish_subscribe&cell-number=AAEAAQ"`),
	A("ssm", "SendCommand", RW, w(0.05, 0.2, 0.3, 0, 0), `"instanceIds":["$i"],"documentName":"AWS-RunShellScript","parameters":"HIDDEN_DUE_TO_SECURITY_REASONS","interactive":false`, `"command":{"commandId":"$U","documentName":"AWS-RunShellScript","documentVersion":"$$DEFAULT","comment":"","expiresAfter":"$D","parameters":"HIDDEN_DUE_TO_SECURITY_REASONS","instanceIds":["$i"],"targets":[],"requestedDateTime":"$D","status":"Pending","statusDetails":"Pending","outputS3Region":"$r","maxConcurrency":"50","maxErrors":"0","targetCount":1,"completedCount":0,"errorCount":0,"deliveryTimedOutCount":0,"serviceRole":"","notificationConfig":{"notificationArn":"","notificationEvents":[],"notificationType":""},"interactive":false}`),
	A("ssm", "ListCommands", RO, w(0.2, 0.2, 0.2, 0, 0), "", ""),
	A("ssm", "DescribeParameters", RO, w(0.5, 0.3, 0.2, 0, 0.5), `"maxResults":50`, ""),

	// Secrets Manager
	A("secretsmanager", "GetSecretValue", RO, w(0.2, 0.5, 1, 6, 0), `"secretId":"$S"`, ""),
	A("secretsmanager", "DescribeSecret", RO, w(0.5, 0.3, 0.5, 0.5, 1), `"secretId":"$S"`, ""),
	A("secretsmanager", "ListSecrets", RO, w(1, 0.3, 0, 0, 0.5), "", ""),
	A("secretsmanager", "PutSecretValue", RW, w(0.02, 0.05, 0.1, 0, 0), `"secretId":"$S","clientRequestToken":"$I"`, `"arn":"$V","name":"$S","versionId":"$I","versionStages":["AWSCURRENT"]`),
	A("secretsmanager", "RotateSecret", RW, w(0.01, 0.02, 0, 0, 0), `"secretId":"$S","clientRequestToken":"$I","rotateImmediately":true`, `"arn":"$V","name":"$S","versionId":"$I"`),

	// CloudWatch Logs
	A("logs", "DescribeLogGroups", RO, w(2, 1, 0.5, 0, 1), `"logGroupNamePrefix":"/aws/lambda/"`, ""),
	A("logs", "DescribeLogStreams", RO, w(1.5, 1, 0.3, 0, 0), `"logGroupName":"$o","orderBy":"LastEventTime","descending":true,"limit":50`, ""),
	A("logs", "CreateLogStream", RW, w(0, 0, 0, 9, 0), "", "").request(createLogStreamRequest),
	A("logs", "PutRetentionPolicy", RW, w(0.02, 0.05, 0.2, 0, 0), `"logGroupName":"$o","retentionInDays":30`, ""),
	A("logs", "FilterLogEvents", RO, w(1.5, 1, 0, 0, 0), `"logGroupName":"$o","startTime":$M,"filterPattern":"ERROR","interleaved":true`, ""),
	A("logs", "GetLogEvents", RO, w(1.5, 0.5, 0, 0, 0), "", "").request(getLogEventsRequest),
	A("logs", "StartQuery", RO, w(0.5, 0.3, 0, 0, 0), "", `"queryId":"$U"`).request(startQueryRequest),
	A("logs", "GetQueryResults", RO, w(1, 0.5, 0, 0, 0), `"queryId":"$U"`, ""),

	// CloudWatch
	A("monitoring", "DescribeAlarms", RO, w(3, 0.5, 0.5, 0, 1), `"maxRecords":100`, ""),
	A("monitoring", "GetMetricData", RO, w(4, 0.5, 0, 0, 0.5), `"metricDataQueries":[{"id":"m1","metricStat":{"metric":{"namespace":"AWS/EC2","metricName":"CPUUtilization","dimensions":[{"name":"InstanceId","value":"$i"}]},"period":300,"stat":"Average"},"returnData":true}],"startTime":"$D","endTime":"$D"`, ""),
	A("monitoring", "ListMetrics", RO, w(1, 0.3, 0, 0, 0.5), `"namespace":"AWS/EC2"`, ""),
	A("monitoring", "GetMetricStatistics", RO, w(0.5, 0.5, 0, 0.5, 0), `"namespace":"AWS/RDS","metricName":"CPUUtilization","dimensions":[{"name":"DBInstanceIdentifier","value":"$d"}],"startTime":"$D","endTime":"$D","period":300,"statistics":["Average"]`, ""),
	A("monitoring", "PutMetricAlarm", RW, w(0.05, 0.1, 0.3, 0, 0), `"alarmName":"$i-cpu-high","alarmActions":["arn:aws:sns:$r:$a:ops-alerts"],"metricName":"CPUUtilization","namespace":"AWS/EC2","statistic":"Average","dimensions":[{"name":"InstanceId","value":"$i"}],"period":300,"evaluationPeriods":2,"threshold":80.0,"comparisonOperator":"GreaterThanThreshold"`, ""),
	A("monitoring", "DeleteAlarms", RW, w(0.02, 0.05, 0.1, 0, 0), `"alarmNames":["$i-cpu-high"]`, ""),
	A("monitoring", "DescribeAlarmHistory", RO, w(0.5, 0.1, 0, 0, 0), `"alarmName":"$i-cpu-high","maxRecords":50`, ""),

	// DynamoDB (management events)
	A("dynamodb", "DescribeTable", RO, w(1, 1, 1, 2, 1), `"tableName":"$t"`, "").resources(`{"accountId":"$a","type":"AWS::DynamoDB::Table","ARN":"arn:aws:dynamodb:$r:$a:table/$t"}`),
	A("dynamodb", "ListTables", RO, w(1, 0.5, 0.2, 0, 1), "", ""),
	A("dynamodb", "DescribeContinuousBackups", RO, w(0.3, 0.1, 0, 0, 1), `"tableName":"$t"`, "").resources(`{"accountId":"$a","type":"AWS::DynamoDB::Table","ARN":"arn:aws:dynamodb:$r:$a:table/$t"}`),
	A("dynamodb", "DescribeTimeToLive", RO, w(0.3, 0.2, 0.3, 0, 0.5), `"tableName":"$t"`, "").resources(`{"accountId":"$a","type":"AWS::DynamoDB::Table","ARN":"arn:aws:dynamodb:$r:$a:table/$t"}`),
	A("dynamodb", "UpdateTable", RW, w(0.02, 0.05, 0.1, 0, 0), `"tableName":"$t","billingMode":"PAY_PER_REQUEST"`, `"tableDescription":{"tableName":"$t","tableStatus":"UPDATING","tableArn":"arn:aws:dynamodb:$r:$a:table/$t","billingModeSummary":{"billingMode":"PAY_PER_REQUEST"}}`).resources(`{"accountId":"$a","type":"AWS::DynamoDB::Table","ARN":"arn:aws:dynamodb:$r:$a:table/$t"}`),

	// ECR
	A("ecr", "GetAuthorizationToken", RO, w(0.1, 0.5, 4, 2, 0), `"registryIds":["$a"]`, ""),
	A("ecr", "BatchCheckLayerAvailability", RO, w(0, 0.2, 3, 0, 0), `"repositoryName":"orders-api","registryId":"$a","layerDigests":["sha256:$H$H","sha256:$H$H","sha256:$H$H"]`, ""),
	A("ecr", "InitiateLayerUpload", RW, w(0, 0.1, 1.5, 0, 0), `"repositoryName":"orders-api","registryId":"$a"`, `"uploadId":"$U","partSize":20971520`),
	A("ecr", "CompleteLayerUpload", RW, w(0, 0.1, 1.5, 0, 0), `"repositoryName":"orders-api","registryId":"$a","uploadId":"$I","layerDigests":["sha256:$h"]`, `"registryId":"$a","repositoryName":"orders-api","uploadId":"$I","layerDigest":"sha256:$h"`),
	A("ecr", "PutImage", RW, w(0, 0.1, 1, 0, 0), `"repositoryName":"orders-api","registryId":"$a","imageTag":"$J","imageManifest":"{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",\n   \"config\": {\n      \"mediaType\": \"application/vnd.docker.container.image.v1+json\",\n      \"size\": 7023,\n      \"digest\": \"sha256:$H$H\"\n   },\n   \"layers\": [\n      {\"mediaType\": \"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\": 32654,\"digest\": \"sha256:$H$H\"},\n      {\"mediaType\": \"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\": 16724,\"digest\": \"sha256:$H$H\"},\n      {\"mediaType\": \"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\": 73109,\"digest\": \"sha256:$H$H\"}\n   ]\n}"`, `"image":{"registryId":"$a","repositoryName":"orders-api","imageId":{"imageDigest":"sha256:$H$H","imageTag":"$J"}}`),
	A("ecr", "BatchGetImage", RO, w(0, 0.2, 1, 3, 0), `"repositoryName":"orders-api","registryId":"$a","imageIds":[{"imageTag":"latest"}],"acceptedMediaTypes":["application/vnd.docker.distribution.manifest.v1+json","application/vnd.docker.distribution.manifest.v2+json","application/vnd.oci.image.manifest.v1+json"]`, ""),
	A("ecr", "GetDownloadUrlForLayer", RO, w(0, 0.1, 0.5, 3, 0), `"repositoryName":"orders-api","registryId":"$a","layerDigest":"sha256:$H$H"`, ""),
	A("ecr", "DescribeRepositories", RO, w(0.5, 0.3, 0.5, 0, 0.5), "", ""),
	A("ecr", "DescribeImages", RO, w(0.5, 0.5, 1, 0, 0), `"repositoryName":"orders-api","imageIds":[{"imageTag":"$H"}]`, ""),
	A("ecr", "DescribeImageScanFindings", RO, w(0.3, 0.2, 0.5, 0, 0), `"repositoryName":"orders-api","imageId":{"imageTag":"latest"}`, ""),

	// ECS
	A("ecs", "DescribeServices", RO, w(1.5, 1, 3, 0, 0.5), `"cluster":"orders","services":["orders-api"]`, ""),
	A("ecs", "DescribeClusters", RO, w(1, 0.5, 0.5, 0, 0.5), `"clusters":["orders"]`, ""),
	A("ecs", "ListTasks", RO, w(1, 1, 1, 0, 0), `"cluster":"orders","serviceName":"orders-api"`, ""),
	A("ecs", "DescribeTasks", RO, w(1, 1, 1, 0, 0), `"cluster":"orders","tasks":["arn:aws:ecs:$r:$a:task/orders/$H"]`, ""),
	A("ecs", "ListServices", RO, w(0.5, 0.5, 0.5, 0, 0.5), `"cluster":"orders"`, ""),
	A("ecs", "DescribeTaskDefinition", RO, w(0.5, 0.5, 1.5, 0, 0), `"taskDefinition":"orders-api"`, ""),
	A("ecs", "RegisterTaskDefinition", RW, w(0, 0.02, 0.6, 0, 0), "", "").bigReq(bigTaskDefinition),
	A("ecs", "UpdateService", RW, w(0.02, 0.05, 0.6, 0, 0), `"cluster":"orders","service":"orders-api","taskDefinition":"arn:aws:ecs:$r:$a:task-definition/orders-api:$9","forceNewDeployment":false`, `"service":{"serviceArn":"arn:aws:ecs:$r:$a:service/orders/orders-api","serviceName":"orders-api","clusterArn":"arn:aws:ecs:$r:$a:cluster/orders","status":"ACTIVE","desiredCount":3,"runningCount":3,"pendingCount":0,"launchType":"FARGATE","taskDefinition":"arn:aws:ecs:$r:$a:task-definition/orders-api:$9","deployments":[{"id":"ecs-svc/$N$N$N","status":"PRIMARY","desiredCount":3,"createdAt":"$D","updatedAt":"$D","rolloutState":"IN_PROGRESS"}]}`),

	// SNS and SQS
	A("sns", "ListTopics", RO, w(1, 0.3, 0, 0, 0.5), "", ""),
	A("sns", "GetTopicAttributes", RO, w(0.5, 0.3, 0.3, 0, 1), `"topicArn":"arn:aws:sns:$r:$a:ops-alerts"`, ""),
	A("sns", "ListSubscriptionsByTopic", RO, w(0.3, 0.2, 0, 0, 0.5), `"topicArn":"arn:aws:sns:$r:$a:ops-alerts"`, ""),
	A("sns", "Subscribe", RW, w(0.02, 0.02, 0, 0, 0), `"topicArn":"arn:aws:sns:$r:$a:ops-alerts","protocol":"email","endpoint":"$E","returnSubscriptionArn":false`, `"subscriptionArn":"pending confirmation"`),
	A("sqs", "ListQueues", RO, w(1, 0.3, 0.2, 0, 0.5), "", ""),
	A("sqs", "GetQueueAttributes", RO, w(1, 0.5, 0.5, 1, 1), `"queueUrl":"$Q","attributeNames":["All"]`, ""),
	A("sqs", "SetQueueAttributes", RW, w(0.02, 0.05, 0.2, 0, 0), `"queueUrl":"$Q","attributes":{"VisibilityTimeout":"120"}`, ""),
	A("sqs", "GetQueueUrl", RO, w(0.2, 0.3, 0.5, 1, 0), `"queueName":"orders-events"`, ""),

	// Route 53 (global)
	A("route53", "ListHostedZones", RO, w(1, 0.5, 0.5, 0, 0.5), "", ""),
	A("route53", "GetHostedZone", RO, w(0.5, 0.5, 1, 0, 0.5), `"id":"$Z"`, ""),
	A("route53", "ListResourceRecordSets", RO, w(1, 0.5, 1, 0, 0), `"hostedZoneId":"$Z"`, ""),
	A("route53", "ChangeResourceRecordSets", RW, w(0.03, 0.05, 0.3, 0, 0), `"hostedZoneId":"$Z","changeBatch":{"changes":[{"action":"UPSERT","resourceRecordSet":{"name":"api-$N.acme-corp.example","type":"CNAME","tTL":300,"resourceRecords":[{"value":"$l-$N.$r.elb.amazonaws.com"}]}}]}`, `"changeInfo":{"id":"/change/C$F","status":"PENDING","submittedAt":"$D"}`),
	A("route53", "GetChange", RO, w(0, 0.1, 0.5, 0, 0), `"id":"C$F"`, ""),

	// Organizations, Cost Explorer, Health, CloudFront (global)
	A("organizations", "DescribeOrganization", RO, w(1, 0.2, 0, 0, 2), "", ""),
	A("organizations", "ListAccounts", RO, w(1, 0.3, 0, 0, 1), "", "").mgmt(),
	A("organizations", "DescribeAccount", RO, w(0.5, 0.2, 0, 0, 1), `"accountId":"$a"`, "").mgmt(),
	A("organizations", "ListPoliciesForTarget", RO, w(0.3, 0.1, 0, 0, 0.5), `"targetId":"$a","filter":"SERVICE_CONTROL_POLICY"`, "").mgmt(),
	A("organizations", "ListRoots", RO, w(0.3, 0.1, 0, 0, 0.5), "", "").mgmt(),
	A("ce", "GetCostAndUsage", RO, w(1, 0.2, 0, 0, 0), `"timePeriod":{"start":"2026-02-01","end":"2026-03-01"},"granularity":"DAILY","metrics":["UnblendedCost"],"groupBy":[{"type":"DIMENSION","key":"SERVICE"}]`, ""),
	A("ce", "GetCostForecast", RO, w(0.3, 0, 0, 0, 0), `"timePeriod":{"start":"2026-03-01","end":"2026-04-01"},"metric":"UNBLENDED_COST","granularity":"MONTHLY"`, ""),
	A("health", "DescribeEventAggregates", RO, w(0.5, 0, 0, 0, 0), `"aggregateField":"eventTypeCategory","filter":{"eventStatusCodes":["open","upcoming"]}`, ""),
	A("health", "DescribeEvents", RO, w(0.3, 0.1, 0, 0, 0.2), `"filter":{"eventStatusCodes":["open","upcoming"]},"maxResults":10`, ""),
	A("cloudfront", "ListDistributions", RO, w(0.5, 0.3, 0.3, 0, 0.5), "", "").version("2020_05_31"),
	A("cloudfront", "GetDistribution", RO, w(0.3, 0.3, 0.5, 0, 0.5), `"id":"$C"`, "").version("2020_05_31"),
	A("cloudfront", "CreateInvalidation", RW, w(0.02, 0.05, 0.5, 0, 0), `"distributionId":"$C","invalidationBatch":{"paths":{"quantity":1,"items":["/*"]},"callerReference":"$J"}`, `"location":"https://cloudfront.amazonaws.com/2020-05-31/distribution/$C/invalidation/I$F","invalidation":{"id":"I$F","status":"InProgress","createTime":"$D","invalidationBatch":{"paths":{"quantity":1,"items":["/*"]},"callerReference":"$J"}}`).version("2020_05_31"),

	// Security services
	A("guardduty", "ListDetectors", RO, w(0.5, 0.1, 0, 0, 1), "", ""),
	A("guardduty", "GetDetector", RO, w(0.3, 0.1, 0, 0, 1), `"detectorId":"$y"`, ""),
	A("guardduty", "ListFindings", RO, w(1, 0.1, 0, 0, 0.5), `"detectorId":"$y","findingCriteria":{"criterion":{"service.archived":{"eq":["false"]}}},"maxResults":50`, ""),
	A("guardduty", "GetFindings", RO, w(0.8, 0.1, 0, 0, 0.5), `"detectorId":"$y","findingIds":["$H"]`, ""),
	A("access-analyzer", "ListAnalyzers", RO, w(0.3, 0.1, 0, 0, 1), "", ""),
	A("access-analyzer", "ListFindings", RO, w(0.3, 0.1, 0, 0, 1), `"analyzerArn":"arn:aws:access-analyzer:$r:$a:analyzer/org-analyzer"`, ""),
	A("config", "DescribeConfigRules", RO, w(0.5, 0.1, 0, 0, 1), "", ""),
	A("config", "DescribeConfigurationRecorderStatus", RO, w(0.2, 0.1, 0, 0, 1), "", ""),
	A("config", "PutEvaluations", RW, w(0, 0, 0, 1.5, 3), `"evaluations":[{"complianceResourceType":"AWS::EC2::Instance","complianceResourceId":"$i","complianceType":"COMPLIANT","orderingTimestamp":"$D"}],"resultToken":"HIDDEN_DUE_TO_SECURITY_REASONS","testMode":false`, ""),
	A("config", "GetComplianceDetailsByConfigRule", RO, w(0.3, 0.1, 0, 0, 0.3), `"configRuleName":"required-tags","limit":100`, ""),
	A("securityhub", "GetFindings", RO, w(0.8, 0.1, 0, 0, 0.3), `"filters":{"RecordState":[{"Value":"ACTIVE","Comparison":"EQUALS"}]},"maxResults":100`, ""),
	A("securityhub", "BatchImportFindings", RW, w(0, 0, 0, 0, 0.5), `"findings":[{"id":"$U","productArn":"arn:aws:securityhub:$r::product/aws/guardduty"}]`, `"failedCount":0,"successCount":1`),
}
