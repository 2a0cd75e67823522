package sim

import (
	"math"
	"time"
)

// Lifecycle calls: the records that create, change, stop and delete
// resources. They are written from templates with the target resource set
// as "current", so that $i, $v, … name exactly the resource acted on; $1,
// $2 and $3 are scratch values (a type, a number, a name) set by the caller.

func L(src, name string, ro bool, req, resp string) *api {
	return &api{src: src, name: name, ro: ro, req: tmpl(req), resp: tmpl(resp), key: hash(hashStr(src), hashStr(name))}
}

const instItem = `{"instanceId":"$i","currentState":{"code":$2,"name":"$1"},"previousState":{"code":$2,"name":"$3"}}`

// stackTeam is the team tag of every CloudFormation stack.
const stackTeam = "orders"

var (
	lcStart   = L("ec2", "StartInstances", RW, `"instancesSet":{"items":[{"instanceId":"$i"}]}`, `"requestId":"$U","instancesSet":{"items":[{"instanceId":"$i","currentState":{"code":0,"name":"pending"},"previousState":{"code":80,"name":"stopped"}}]}`)
	lcStop    = L("ec2", "StopInstances", RW, `"instancesSet":{"items":[{"instanceId":"$i"}]},"force":false`, `"requestId":"$U","instancesSet":{"items":[{"instanceId":"$i","currentState":{"code":64,"name":"stopping"},"previousState":{"code":16,"name":"running"}}]}`)
	lcTerm    = L("ec2", "TerminateInstances", RW, `"instancesSet":{"items":[{"instanceId":"$i"}]}`, `"requestId":"$U","instancesSet":{"items":[{"instanceId":"$i","currentState":{"code":32,"name":"shutting-down"},"previousState":{"code":$2,"name":"$1"}}]}`)
	lcReboot  = L("ec2", "RebootInstances", RW, `"instancesSet":{"items":[{"instanceId":"$i"}]}`, `"requestId":"$U","_return":true`)
	lcModType = L("ec2", "ModifyInstanceAttribute", RW, `"instanceId":"$i","instanceType":{"value":"$1"}`, `"requestId":"$U","_return":true`)

	lcCreateVol = L("ec2", "CreateVolume", RW, `"size":$2,"zone":"$A","volumeType":"gp3","encrypted":true,"tagSpecificationSet":{"items":[{"resourceType":"volume","tags":[{"key":"Name","value":"$3"}]}]}`,
		`"requestId":"$U","volumeId":"$v","size":"$2","zone":"$A","status":"creating","createTime":$M,"volumeType":"gp3","iops":3000,"encrypted":true,"masterEncryptionKeyId":"$K","tagSet":{"items":[{"key":"Name","value":"$3"}]},"multiAttachEnabled":false,"throughput":125`)
	lcAttachVol = L("ec2", "AttachVolume", RW, `"volumeId":"$v","instanceId":"$i","device":"/dev/sdf"`, `"requestId":"$U","volumeId":"$v","instanceId":"$i","device":"/dev/sdf","status":"attaching","attachTime":$M,"deleteOnTermination":false`)
	lcDetachVol = L("ec2", "DetachVolume", RW, `"volumeId":"$v","force":false`, `"requestId":"$U","volumeId":"$v","instanceId":"$i","device":"/dev/sdf","status":"detaching","attachTime":$M,"deleteOnTermination":false`)
	lcDeleteVol = L("ec2", "DeleteVolume", RW, `"volumeId":"$v"`, `"requestId":"$U","_return":true`)
	lcModVol    = L("ec2", "ModifyVolume", RW, `"ModifyVolumeRequest":{"VolumeId":"$v","Size":$2}`, `"ModifyVolumeResponse":{"volumeModification":{"modificationState":"modifying","originalSize":$3,"targetSize":$2,"originalVolumeType":"gp3","targetVolumeType":"gp3","originalIops":3000,"targetIops":3000,"originalThroughput":125,"targetThroughput":125,"volumeId":"$v","progress":0,"startTime":"$D"},"requestId":"$U"}`)
	lcSnap      = L("ec2", "CreateSnapshot", RW, `"volumeId":"$v","description":"$3"`, `"requestId":"$U","snapshotId":"$s","volumeId":"$v","status":"pending","startTime":$M,"progress":"","ownerId":"$a","volumeSize":"$2","encrypted":true,"kmsKeyId":"$K","description":"$3","storageTier":"standard"`)
	lcDelSnap   = L("ec2", "DeleteSnapshot", RW, `"snapshotId":"$s"`, `"requestId":"$U","_return":true`)
	lcAlloc     = L("ec2", "AllocateAddress", RW, `"domain":"vpc"`, `"requestId":"$U","publicIp":"$3","domain":"vpc","allocationId":"eipalloc-0$1","networkBorderGroup":"$r","publicIpv4Pool":"amazon"`)
	lcNAT       = L("ec2", "CreateNatGateway", RW, `"CreateNatGatewayRequest":{"SubnetId":"subnet-0$1","AllocationId":"eipalloc-0$1","ClientToken":"$I","ConnectivityType":"public"}`, `"CreateNatGatewayResponse":{"clientToken":"$I","natGateway":{"createTime":"$D","natGatewayAddressSet":{"item":{"allocationId":"eipalloc-0$1","isPrimary":true,"status":"associating"}},"natGatewayId":"$n","state":"pending","subnetId":"subnet-0$1","vpcId":"vpc-0$1","connectivityType":"public"},"requestId":"$U"}`)
	lcDelNAT    = L("ec2", "DeleteNatGateway", RW, `"DeleteNatGatewayRequest":{"NatGatewayId":"$n"}`, `"DeleteNatGatewayResponse":{"natGatewayId":"$n","requestId":"$U"}`)
	lcRelease   = L("ec2", "ReleaseAddress", RW, `"allocationId":"eipalloc-0$1","networkBorderGroup":"$r"`, `"requestId":"$U","_return":true`)

	lcBucket    = L("s3", "CreateBucket", RW, `"CreateBucketConfiguration":{"LocationConstraint":"$r","xmlns":"http://s3.amazonaws.com/doc/2006-03-01/"},"bucketName":"$b","Host":"$b.s3.$r.amazonaws.com","x-amz-object-ownership":"BucketOwnerEnforced"`, "")
	lcDelBucket = L("s3", "DeleteBucket", RW, `"bucketName":"$b","Host":"$b.s3.$r.amazonaws.com"`, "")

	lcDB = L("rds", "CreateDBInstance", RW, `"dBInstanceIdentifier":"$d","allocatedStorage":$2,"dBInstanceClass":"$1","engine":"postgres","masterUsername":"orders","masterUserPassword":"HIDDEN_DUE_TO_SECURITY_REASONS","vpcSecurityGroupIds":["$G"],"dBSubnetGroupName":"default-vpc","multiAZ":false,"engineVersion":"16.3","autoMinorVersionUpgrade":true,"storageEncrypted":true,"storageType":"gp3","backupRetentionPeriod":7,"deletionProtection":false,"copyTagsToSnapshot":true`,
		`"dBInstanceIdentifier":"$d","dBInstanceClass":"$1","engine":"postgres","dBInstanceStatus":"creating","masterUsername":"orders","allocatedStorage":$2,"preferredBackupWindow":"03:17-03:47","backupRetentionPeriod":7,"dBSecurityGroups":[],"vpcSecurityGroups":[{"vpcSecurityGroupId":"$G","status":"active"}],"dBParameterGroups":[{"dBParameterGroupName":"default.postgres16","parameterApplyStatus":"in-sync"}],"dBSubnetGroup":{"dBSubnetGroupName":"default-vpc","subnetGroupStatus":"Complete"},"preferredMaintenanceWindow":"sun:05:21-sun:05:51","pendingModifiedValues":{"masterUserPassword":"****"},"multiAZ":false,"engineVersion":"16.3","autoMinorVersionUpgrade":true,"readReplicaDBInstanceIdentifiers":[],"licenseModel":"postgresql-license","storageType":"gp3","iops":3000,"storageThroughput":125,"optionGroupMemberships":[{"optionGroupName":"default:postgres-16","status":"in-sync"}],"publiclyAccessible":false,"storageEncrypted":true,"kmsKeyId":"$K","dbiResourceId":"db-$3","cACertificateIdentifier":"rds-ca-rsa2048-g1","domainMemberships":[],"copyTagsToSnapshot":true,"monitoringInterval":0,"dBInstanceArn":"arn:aws:rds:$r:$a:db:$d","iAMDatabaseAuthenticationEnabled":false,"performanceInsightsEnabled":false,"deletionProtection":false,"associatedRoles":[],"tagList":[],"customerOwnedIpEnabled":false,"backupTarget":"region","networkType":"IPV4","storageVolumeStatus":"","dedicatedLogVolume":false,"engineLifecycleSupport":"open-source-rds-extended-support"`)
	lcModDB    = L("rds", "ModifyDBInstance", RW, `"dBInstanceIdentifier":"$d","dBInstanceClass":"$1","applyImmediately":true`, `"dBInstanceIdentifier":"$d","dBInstanceClass":"$3","engine":"postgres","dBInstanceStatus":"modifying","pendingModifiedValues":{"dBInstanceClass":"$1"},"dBInstanceArn":"arn:aws:rds:$r:$a:db:$d"`)
	lcRebootDB = L("rds", "RebootDBInstance", RW, `"dBInstanceIdentifier":"$d"`, `"dBInstanceIdentifier":"$d","dBInstanceClass":"$1","engine":"postgres","dBInstanceStatus":"rebooting","dBInstanceArn":"arn:aws:rds:$r:$a:db:$d"`)
	lcStopDB   = L("rds", "StopDBInstance", RW, `"dBInstanceIdentifier":"$d"`, `"dBInstanceIdentifier":"$d","dBInstanceClass":"$1","engine":"postgres","dBInstanceStatus":"stopping","dBInstanceArn":"arn:aws:rds:$r:$a:db:$d"`)
	lcStartDB  = L("rds", "StartDBInstance", RW, `"dBInstanceIdentifier":"$d"`, `"dBInstanceIdentifier":"$d","dBInstanceClass":"$1","engine":"postgres","dBInstanceStatus":"starting","dBInstanceArn":"arn:aws:rds:$r:$a:db:$d"`)
	lcDelDB    = L("rds", "DeleteDBInstance", RW, `"dBInstanceIdentifier":"$d","skipFinalSnapshot":true,"deleteAutomatedBackups":true`, `"dBInstanceIdentifier":"$d","dBInstanceClass":"$1","engine":"postgres","dBInstanceStatus":"deleting","dBInstanceArn":"arn:aws:rds:$r:$a:db:$d"`)

	lcFn       = L("lambda", "CreateFunction20150331", RW, `"functionName":"$f","runtime":"python3.12","role":"arn:aws:iam::$a:role/orders-lambda-role","handler":"app.handler","code":{},"description":"","timeout":30,"memorySize":$2,"publish":false,"environment":{},"architectures":["arm64"]`, `"functionName":"$f","functionArn":"arn:aws:lambda:$r:$a:function:$f","runtime":"python3.12","role":"arn:aws:iam::$a:role/orders-lambda-role","handler":"app.handler","codeSize":48213,"description":"","timeout":30,"memorySize":$2,"lastModified":"$D","codeSha256":"$H=","version":"$$LATEST","tracingConfig":{"mode":"PassThrough"},"revisionId":"$U","state":"Pending","stateReason":"The function is being created.","stateReasonCode":"Creating","packageType":"Zip","architectures":["arm64"],"ephemeralStorage":{"size":512},"snapStart":{"applyOn":"None","optimizationStatus":"Off"},"runtimeVersionConfig":{"runtimeVersionArn":"arn:aws:lambda:$r::runtime:$H"},"loggingConfig":{"logFormat":"Text","logGroup":"/aws/lambda/$f"}`)
	lcFnCode   = L("lambda", "UpdateFunctionCode20150331v2", RW, `"functionName":"$f","publish":false,"dryRun":false,"s3Bucket":"acme-build-artifacts-$a","s3Key":"$f/$H.zip"`, `"functionName":"$f","functionArn":"arn:aws:lambda:$r:$a:function:$f","runtime":"python3.12","role":"arn:aws:iam::$a:role/orders-lambda-role","handler":"app.handler","codeSize":$N$N,"description":"","timeout":30,"memorySize":$2,"lastModified":"$D","codeSha256":"$H=","version":"$$LATEST","tracingConfig":{"mode":"PassThrough"},"revisionId":"$U","state":"Active","lastUpdateStatus":"InProgress","lastUpdateStatusReason":"The function is being created.","lastUpdateStatusReasonCode":"Creating","packageType":"Zip","architectures":["arm64"],"ephemeralStorage":{"size":512}`)
	lcFnConfig = L("lambda", "UpdateFunctionConfiguration20150331v2", RW, `"functionName":"$f","memorySize":$2,"timeout":60`, `"functionName":"$f","functionArn":"arn:aws:lambda:$r:$a:function:$f","runtime":"python3.12","role":"arn:aws:iam::$a:role/orders-lambda-role","handler":"app.handler","codeSize":48213,"description":"","timeout":60,"memorySize":$2,"lastModified":"$D","codeSha256":"$H=","version":"$$LATEST","revisionId":"$U","state":"Active","lastUpdateStatus":"InProgress","packageType":"Zip","architectures":["arm64"]`)
	lcDelFn    = L("lambda", "DeleteFunction20150331", RW, `"functionName":"$f"`, "")
	lcLogGroup = L("logs", "CreateLogGroup", RW, `"logGroupName":"$o"`, "")
	lcDelLog   = L("logs", "DeleteLogGroup", RW, `"logGroupName":"$o"`, "")

	lcLB = (&api{src: "elasticloadbalancing", name: "CreateLoadBalancer", apiVer: "2015-12-01", req: tmpl(`"name":"$l","subnets":["subnet-0$1","subnet-0$3"],"securityGroups":["$G"],"scheme":"internet-facing","type":"application","ipAddressType":"ipv4"`),
		resp: tmpl(`"loadBalancers":[{"loadBalancerArn":"$L","dNSName":"$l-$2.$r.elb.amazonaws.com","canonicalHostedZoneId":"Z35SXDOTRQ7X7K","createdTime":"$D","loadBalancerName":"$l","scheme":"internet-facing","vpcId":"vpc-0$1","state":{"code":"provisioning"},"type":"application","availabilityZones":[{"zoneName":"$A","subnetId":"subnet-0$1","loadBalancerAddresses":[]},{"zoneName":"$A","subnetId":"subnet-0$3","loadBalancerAddresses":[]}],"securityGroups":["$G"],"ipAddressType":"ipv4"}]`)})
	lcTG     = &api{src: "elasticloadbalancing", name: "CreateTargetGroup", apiVer: "2015-12-01", req: tmpl(`"name":"$l-tg","protocol":"HTTP","port":8080,"vpcId":"vpc-0$1","healthCheckPath":"/healthz","targetType":"instance"`), resp: tmpl(`"targetGroups":[{"targetGroupArn":"$T","targetGroupName":"$l-tg","protocol":"HTTP","port":8080,"vpcId":"vpc-0$1","healthCheckProtocol":"HTTP","healthCheckPort":"traffic-port","healthCheckEnabled":true,"healthCheckIntervalSeconds":30,"healthCheckTimeoutSeconds":5,"healthyThresholdCount":5,"unhealthyThresholdCount":2,"healthCheckPath":"/healthz","matcher":{"httpCode":"200"},"targetType":"instance","protocolVersion":"HTTP1","ipAddressType":"ipv4"}]`)}
	lcListen = &api{src: "elasticloadbalancing", name: "CreateListener", apiVer: "2015-12-01", req: tmpl(`"loadBalancerArn":"$L","protocol":"HTTPS","port":443,"certificates":[{"certificateArn":"arn:aws:acm:$r:$a:certificate/$I"}],"defaultActions":[{"type":"forward","targetGroupArn":"$T"}]`), resp: tmpl(`"listeners":[{"listenerArn":"$L/$H","loadBalancerArn":"$L","port":443,"protocol":"HTTPS","certificates":[{"certificateArn":"arn:aws:acm:$r:$a:certificate/$I"}],"sslPolicy":"ELBSecurityPolicy-TLS13-1-2-2021-06","defaultActions":[{"type":"forward","targetGroupArn":"$T"}]}]`)}
	lcDelLB  = &api{src: "elasticloadbalancing", name: "DeleteLoadBalancer", apiVer: "2015-12-01", req: tmpl(`"loadBalancerArn":"$L"`)}

	lcASG    = L("autoscaling", "CreateAutoScalingGroup", RW, `"autoScalingGroupName":"$g","launchTemplate":{"launchTemplateName":"$g-lt","version":"$$Latest"},"minSize":1,"maxSize":8,"desiredCapacity":$2,"vPCZoneIdentifier":"subnet-0$1,subnet-0$3","healthCheckType":"EC2","healthCheckGracePeriod":300,"newInstancesProtectedFromScaleIn":false`, "")
	lcASGCap = L("autoscaling", "SetDesiredCapacity", RW, `"autoScalingGroupName":"$g","desiredCapacity":$2,"honorCooldown":false`, "")
	lcASGUpd = L("autoscaling", "UpdateAutoScalingGroup", RW, `"autoScalingGroupName":"$g","minSize":1,"maxSize":8,"desiredCapacity":$2`, "")
	lcASGDel = L("autoscaling", "DeleteAutoScalingGroup", RW, `"autoScalingGroupName":"$g","forceDelete":true`, "")

	// A stack's tags go to the resources it creates, and so into the cost
	// report as the user tag team.
	lcStack    = L("cloudformation", "CreateStack", RW, `"stackName":"$k","templateURL":"https://acme-cfn-templates-$a.s3.amazonaws.com/$k/$H.yaml","parameters":[{"parameterKey":"Environment","parameterValue":"$1"},{"parameterKey":"MemorySize","parameterValue":"512"}],"capabilities":["CAPABILITY_IAM","CAPABILITY_NAMED_IAM"],"tags":[{"key":"team","value":"`+stackTeam+`"}]`, `"stackId":"arn:aws:cloudformation:$r:$a:stack/$k/$3"`)
	lcStackUpd = L("cloudformation", "UpdateStack", RW, `"stackName":"$k","templateURL":"https://acme-cfn-templates-$a.s3.amazonaws.com/$k/$H.yaml","parameters":[{"parameterKey":"Environment","usePreviousValue":true},{"parameterKey":"MemorySize","parameterValue":"$2"}],"capabilities":["CAPABILITY_IAM","CAPABILITY_NAMED_IAM"]`, `"stackId":"arn:aws:cloudformation:$r:$a:stack/$k/$3"`)
	lcStackDel = L("cloudformation", "DeleteStack", RW, `"stackName":"$k"`, "")

	lcTable    = L("dynamodb", "CreateTable", RW, `"tableName":"$t","attributeDefinitions":[{"attributeName":"pk","attributeType":"S"},{"attributeName":"sk","attributeType":"S"}],"keySchema":[{"attributeName":"pk","keyType":"HASH"},{"attributeName":"sk","keyType":"RANGE"}],"billingMode":"PAY_PER_REQUEST","sSESpecification":{"enabled":true}`, `"tableDescription":{"attributeDefinitions":[{"attributeName":"pk","attributeType":"S"},{"attributeName":"sk","attributeType":"S"}],"tableName":"$t","keySchema":[{"attributeName":"pk","keyType":"HASH"},{"attributeName":"sk","keyType":"RANGE"}],"tableStatus":"CREATING","creationDateTime":"$D","provisionedThroughput":{"numberOfDecreasesToday":0,"readCapacityUnits":0,"writeCapacityUnits":0},"tableSizeBytes":0,"itemCount":0,"tableArn":"arn:aws:dynamodb:$r:$a:table/$t","tableId":"$U","billingModeSummary":{"billingMode":"PAY_PER_REQUEST"},"sSEDescription":{"status":"ENABLED","sSEType":"KMS","kMSMasterKeyArn":"$K"},"deletionProtectionEnabled":false}`)
	lcDelTable = L("dynamodb", "DeleteTable", RW, `"tableName":"$t"`, `"tableDescription":{"tableName":"$t","tableStatus":"DELETING","tableArn":"arn:aws:dynamodb:$r:$a:table/$t","tableId":"$U"}`)
)

const tableRes = `{"accountId":"$a","type":"AWS::DynamoDB::Table","ARN":"arn:aws:dynamodb:$r:$a:table/$t"}`

func init() {
	lcTable.res = tmpl(tableRes)
	lcDelTable.res = tmpl(tableRes)
	lcBucket.res = tmpl(s3BucketRes)
	lcBucket.extra = tmpl(s3Writes)
	lcDelBucket.res = tmpl(s3BucketRes)
	lcDelBucket.extra = tmpl(s3NoBytes)
}

// lc writes a lifecycle record with the given resources as current.
func (s *stream) lc(t time.Time, id *ident, a *api, targets ...*res) string {
	s.resetCur()
	for _, x := range targets {
		if x != nil {
			s.cur[x.kind] = x
			s.curSet[x.kind] = true
		}
	}
	s.now = t
	s.curID = id
	c := call{t: t, src: a.src, name: a.name, ro: a.ro, id: id, req: a.req, resp: a.resp, res: a.res, extra: a.extra, apiVer: a.apiVer, special: true, scen: s.scenTag}
	c.bucketHost = a.src == "s3"

	if s.failNext != "" {
		c.errCode, c.errMsg = s.failNext, s.failMsg
		s.failNext, s.failMsg = "", ""
	}
	s.emit(&c)
	return s.lastEventID()
}

// viaService is the identity CloudFormation uses when it acts for the person
// who created a stack: their session, invoked by the service.
func viaService(id ident, svc string) ident {
	id.invoked = svc
	id.ip = svc
	id.ua = svc
	id.noTLS = true
	id.console = false
	return id
}

func (s *stream) az() string {
	if s.azOverride != "" {
		return s.azOverride
	}
	return s.region + string(rune('a'+s.r.IntN(3)))
}

// --- creation helpers ---

func (s *stream) newInstance(typ string, t time.Time, by string, parent *res) *res {
	x := &res{kind: rInstance, id: hexID(s.r, "i-0", 16), typ: typ, running: true, created: t, createdBy: by, parent: parent, bootedAt: t.Add(bootTime)}
	x.ip = s.drawPrivateIP()
	x.arn = "arn:aws:ec2:" + s.region + ":" + s.acct.id + ":instance/" + x.id
	x.az = s.region + string(rune('a'+s.r.IntN(3)))
	s.st.add(x, t, true)
	root := &res{kind: rVolume, id: hexID(s.r, "vol-0", 16), typ: "gp3", size: 8 + 8*s.r.IntN(4), created: t, createdBy: by, attached: x, az: x.az}
	s.st.add(root, t, true)
	x.children = append(x.children, root)
	if parent != nil {
		parent.children = append(parent.children, x)
	}
	return x
}

// runInstances writes a RunInstances record launching n instances of typ,
// and their state-change notifications.
func (s *stream) runInstances(t time.Time, id *ident, n int, typ string, parent *res, scen string) ([]*res, string) {
	by := s.createdBy(id)
	insts := make([]*res, n)
	for i := range insts {
		insts[i] = s.newInstance(typ, t, by, parent)
	}
	s.resetCur()
	s.now = t
	s.curID = id
	subnet := string(appendHex(nil, s.r, 16))
	sg := s.idOf(rSecGroup)
	ami := hexID(s.r, "ami-0", 16)
	token := uuid(s.r)
	az := insts[0].az
	name := "web"
	if parent != nil {
		name = parent.id
	}
	req := func(s *stream) {
		w := &s.w
		w.obj("instancesSet")
		w.arr("items")
		w.elem()
		w.str("imageId", ami)
		w.int("minCount", int64(n))
		w.int("maxCount", int64(n))
		w.end()
		w.endArr()
		w.end()
		w.str("instanceType", typ)
		w.obj("blockDeviceMapping")
		w.end()
		w.obj("monitoring")
		w.boolean("enabled", false)
		w.end()
		w.str("subnetId", "subnet-0"+subnet)
		w.boolean("disableApiTermination", false)
		w.boolean("disableApiStop", false)
		w.str("clientToken", token)
		w.obj("tagSpecificationSet")
		w.arr("items")
		w.elem()
		w.str("resourceType", "instance")
		w.arr("tags")
		w.elem()
		w.str("key", "Name")
		w.str("value", name)
		w.end()
		if parent != nil {
			w.elem()
			w.str("key", "aws:autoscaling:groupName")
			w.str("value", parent.id)
			w.end()
		}
		w.endArr()
		w.end()
		w.endArr()
		w.end()
		if parent != nil {
			w.obj("launchTemplate")
			w.str("launchTemplateName", parent.id+"-lt")
			w.str("version", "$Latest")
			w.end()
		}
	}
	resp := func(s *stream) {
		w := &s.w
		w.str("requestId", uuid(s.r))
		w.str("reservationId", hexID(s.r, "r-0", 16))
		w.str("ownerId", s.acct.id)
		w.obj("groupSet")
		w.end()
		w.obj("instancesSet")
		w.arr("items")
		for i, x := range insts {
			ip := x.ip
			w.elem()
			w.str("instanceId", x.id)
			w.str("imageId", ami)
			w.str("currentInstanceBootMode", "uefi")
			w.obj("instanceState")
			w.int("code", 0)
			w.str("name", "pending")
			w.end()
			w.str("privateDnsName", privateDNSName(ip, s.region))
			w.int("amiLaunchIndex", int64(i))
			w.obj("productCodes")
			w.end()
			w.str("instanceType", typ)
			w.int("launchTime", t.UnixMilli())
			w.obj("placement")
			w.str("availabilityZone", az)
			w.str("tenancy", "default")
			w.end()
			w.obj("monitoring")
			w.str("state", "disabled")
			w.end()
			w.str("subnetId", "subnet-0"+subnet)
			w.str("vpcId", "vpc-0"+subnet[:16])
			w.str("privateIpAddress", ip)
			w.obj("stateReason")
			w.str("code", "pending")
			w.str("message", "pending")
			w.end()
			w.str("architecture", "x86_64")
			w.str("rootDeviceType", "ebs")
			w.str("rootDeviceName", "/dev/xvda")
			w.obj("blockDeviceMapping")
			w.end()
			w.str("virtualizationType", "hvm")
			w.str("clientToken", token)
			w.obj("groupSet")
			w.arr("items")
			w.elem()
			w.str("groupId", sg)
			w.str("groupName", "web")
			w.end()
			w.endArr()
			w.end()
			w.boolean("sourceDestCheck", true)
			w.obj("networkInterfaceSet")
			w.arr("items")
			w.elem()
			w.str("networkInterfaceId", hexID(s.r, "eni-0", 16))
			w.str("subnetId", "subnet-0"+subnet)
			w.str("vpcId", "vpc-0"+subnet[:16])
			w.str("ownerId", s.acct.id)
			w.str("requesterManaged", "false")
			w.str("status", "in-use")
			w.str("macAddress", "0e:"+string(appendHex(nil, s.r, 2))+":"+string(appendHex(nil, s.r, 2))+":"+string(appendHex(nil, s.r, 2))+":"+string(appendHex(nil, s.r, 2))+":"+string(appendHex(nil, s.r, 2)))
			w.str("privateIpAddress", ip)
			w.str("privateDnsName", privateDNSName(ip, s.region))
			w.boolean("sourceDestCheck", true)
			w.str("interfaceType", "interface")
			w.obj("attachment")
			w.str("attachmentId", hexID(s.r, "eni-attach-0", 16))
			w.int("deviceIndex", 0)
			w.int("networkCardIndex", 0)
			w.str("status", "attaching")
			w.int("attachTime", t.UnixMilli())
			w.boolean("deleteOnTermination", true)
			w.end()
			w.obj("privateIpAddressesSet")
			w.arr("item")
			w.elem()
			w.str("privateIpAddress", ip)
			w.boolean("primary", true)
			w.end()
			w.endArr()
			w.end()
			w.obj("ipv6AddressesSet")
			w.end()
			w.obj("tagSet")
			w.end()
			w.end()
			w.endArr()
			w.end()
			w.boolean("ebsOptimized", false)
			w.boolean("enaSupport", true)
			w.obj("cpuOptions")
			w.int("coreCount", 1)
			w.int("threadsPerCore", 2)
			w.end()
			w.obj("capacityReservationSpecification")
			w.str("capacityReservationPreference", "open")
			w.end()
			w.obj("enclaveOptions")
			w.boolean("enabled", false)
			w.end()
			w.obj("metadataOptions")
			w.str("state", "pending")
			w.str("httpTokens", "required")
			w.int("httpPutResponseHopLimit", 2)
			w.str("httpEndpoint", "enabled")
			w.str("httpProtocolIpv4", "enabled")
			w.str("httpProtocolIpv6", "disabled")
			w.str("instanceMetadataTags", "disabled")
			w.end()
			w.obj("maintenanceOptions")
			w.str("autoRecovery", "default")
			w.end()
			w.obj("privateDnsNameOptions")
			w.str("hostnameType", "ip-name")
			w.boolean("enableResourceNameDnsARecord", false)
			w.boolean("enableResourceNameDnsAAAARecord", false)
			w.end()
			w.end()
		}
		w.endArr()
		w.end()
		if parent != nil {
			w.str("requesterId", "226008221399")
		}
	}
	c := call{t: t, src: "ec2", name: "RunInstances", id: id, req: req, resp: resp, special: true, scen: scen}
	s.emit(&c)
	evID := s.lastEventID()
	for _, x := range insts {
		s.stateChange(t.Add(time.Second), x, "pending")
		s.stateChange(t.Add(time.Duration(15+s.r.IntN(30))*time.Second), x, "running")
	}
	return insts, evID
}

// stateChange records an EC2 Instance State-change Notification.
func (s *stream) stateChange(t time.Time, x *res, state string) {
	var w jw
	w.b = make([]byte, 0, 400)
	w.begin()
	w.str("version", "0")
	w.str("id", uuid(s.r))
	w.str("detail-type", "EC2 Instance State-change Notification")
	w.str("source", "aws.ec2")
	w.str("account", s.acct.id)
	w.time("time", t)
	w.str("region", s.region)
	w.arr("resources")
	w.elemStr(x.arn)
	w.endArr()
	w.obj("detail")
	w.str("instance-id", x.id)
	w.str("state", state)
	w.end()
	w.end()
	s.sideRecs = append(s.sideRecs, sideLine{t: t, source: "aws.ec2", line: w.b})
}

// --- lifecycle operations ---

func (s *stream) stopInstance(t time.Time, id *ident, x *res) string {
	ev := s.lc(t, id, lcStop, x)
	x.running = false
	s.st.close(x, t.Add(40*time.Second))
	s.stateChange(t.Add(time.Second), x, "stopping")
	s.stateChange(t.Add(time.Duration(20+s.r.IntN(60))*time.Second), x, "stopped")
	return ev
}

func (s *stream) startInstance(t time.Time, id *ident, x *res) string {
	ev := s.lc(t, id, lcStart, x)
	x.running, x.bootedAt = true, t.Add(bootTime)
	s.st.open(x, t)
	s.stateChange(t.Add(time.Second), x, "pending")
	s.stateChange(t.Add(time.Duration(15+s.r.IntN(30))*time.Second), x, "running")
	return ev
}

// rebootInstance reboots x: it keeps running, as EC2 sees it, but its
// software is down for the reboot and the boot that follows.
func (s *stream) rebootInstance(t time.Time, id *ident, x *res) string {
	ev := s.lc(t, id, lcReboot, x)
	x.bootedAt = t.Add(rebootTime)
	return ev
}

// How long an instance makes no calls: from its start until its software
// runs, and from a reboot call until it has booted again.
const (
	bootTime   = 70 * time.Second
	rebootTime = 85 * time.Second
)

func (s *stream) terminateInstance(t time.Time, id *ident, x *res) string {
	s.v1, s.v2 = "stopped", 80
	if x.running {
		s.v1, s.v2 = "running", 16
	}
	ev := s.lc(t, id, lcTerm, x)
	s.stateChange(t.Add(time.Second), x, "shutting-down")
	s.stateChange(t.Add(time.Duration(30+s.r.IntN(90))*time.Second), x, "terminated")
	for _, c := range append([]*res(nil), x.children...) {
		s.st.remove(c, t.Add(time.Minute))
	}
	s.st.remove(x, t.Add(time.Minute))
	return ev
}

func (s *stream) newVolume(t time.Time, id *ident, size int, name string) *res {
	v := &res{kind: rVolume, id: hexID(s.r, "vol-0", 16), typ: "gp3", size: size, created: t, createdBy: s.createdBy(id)}
	v.az = s.region + string(rune('a'+s.r.IntN(3)))
	s.st.add(v, t, true)
	s.v2, s.v3 = size, name
	s.azOverride = v.az
	s.lc(t, id, lcCreateVol, v)
	s.azOverride = ""
	return v
}

func (s *stream) newBucket(t time.Time, id *ident, purpose string, parent *res) *res {
	name := "acme-" + s.acct.name + "-" + purpose + "-" + s.region
	if s.bucketNames[name] {
		name += "-" + string(appendHex(nil, s.r, 6))
	}
	s.bucketNames[name] = true
	b := &res{kind: rBucket, id: name, arn: "arn:aws:s3:::" + name, size: 5 + s.r.IntN(800), created: t, createdBy: s.createdBy(id), parent: parent}
	s.st.add(b, t, true)
	if parent != nil {
		parent.children = append(parent.children, b)
	}
	s.lc(t, id, lcBucket, b)
	return b
}

var fnNames = []string{"orders-api", "orders-worker", "invoice-render", "image-resize", "webhook-relay", "nightly-report", "stock-sync", "email-sender", "audit-export", "search-indexer"}

func (s *stream) newFunction(t time.Time, id *ident, parent *res) *res {
	name := fnNames[s.r.IntN(len(fnNames))]
	if s.fnNames[name] {
		name += "-" + string(appendHex(nil, s.r, 4))
	}
	s.fnNames[name] = true
	f := &res{kind: rFunction, id: name, size: []int{128, 256, 512, 1024}[s.r.IntN(4)], created: t, createdBy: s.createdBy(id), parent: parent}
	f.arn = "arn:aws:lambda:" + s.region + ":" + s.acct.id + ":function:" + name
	s.st.add(f, t, true)
	if parent != nil {
		parent.children = append(parent.children, f)
	}
	s.v2 = f.size
	s.lc(t, id, lcFn, f)
	lg := &res{kind: rLogGroup, id: "/aws/lambda/" + name, created: t, parent: f}
	s.st.add(lg, t, false)
	f.children = append(f.children, lg)
	s.lc(t.Add(time.Duration(1+s.r.IntN(3))*time.Second), id, lcLogGroup, lg)
	return f
}

func (s *stream) deleteFunction(t time.Time, id *ident, f *res) {
	s.lc(t, id, lcDelFn, f)
	for _, c := range append([]*res(nil), f.children...) {
		s.st.remove(c, t)
	}
	s.st.remove(f, t)
}

func (s *stream) newTable(t time.Time, id *ident, parent *res) *res {
	name := []string{"orders", "sessions", "inventory", "idempotency-keys", "audit-log", "carts"}[s.r.IntN(6)]
	if s.tableNames[name] {
		name += "-" + string(appendHex(nil, s.r, 4))
	}
	s.tableNames[name] = true
	x := &res{kind: rTable, id: name, arn: "arn:aws:dynamodb:" + s.region + ":" + s.acct.id + ":table/" + name, created: t, createdBy: s.createdBy(id), parent: parent}
	s.st.add(x, t, true)
	if parent != nil {
		parent.children = append(parent.children, x)
	}
	s.lc(t, id, lcTable, x)
	return x
}

var dbNames = []string{"orders-db", "inventory-db", "analytics-db", "billing-db", "auth-db"}

func (s *stream) newDB(t time.Time, id *ident) *res {
	name := dbNames[s.r.IntN(len(dbNames))]
	if s.dbNames[name] {
		name += "-" + itoa(2+s.r.IntN(8))
	}
	s.dbNames[name] = true
	x := &res{kind: rDB, id: name, arn: "arn:aws:rds:" + s.region + ":" + s.acct.id + ":db:" + name, typ: dbClasses[s.r.IntN(len(dbClasses))], size: 20 * (1 + s.r.IntN(10)), running: true, created: t, createdBy: s.createdBy(id)}
	s.st.add(x, t, true)
	s.v1, s.v2, s.v3 = x.typ, x.size, charsFrom(s.r.Uint64(), upperAlnum, 26)
	s.lc(t, id, lcDB, x)
	return x
}

// lifecycleTick runs the resource lifecycles due in the slot starting at
// t0: a few changes per day, at the pace of the people who make them.
func (s *stream) lifecycleTick(t0 time.Time) {
	c := s.wcum[howOf(t0)]
	act := 0.0
	if len(c) > 0 {
		act = c[len(c)-1]
	}
	if s.meanWriter <= 0 {
		return
	}
	expect := s.lifeDay * s.slot.Hours() / 24 * act / s.meanWriter
	n := int(expect)
	if s.r.Float64() < expect-math.Floor(expect) {
		n++
	}
	for i := 0; i < n; i++ {
		s.lifecycleAction(t0.Add(time.Duration(s.r.Int64N(int64(s.slot)))))
	}
}

type op struct {
	w  float64
	fn func(t time.Time, id *ident)
}

// lifecycleAction picks and performs one change.
func (s *stream) lifecycleAction(t time.Time) {
	p := s.pickWriter(t)
	id := s.newIdent(p, t)
	n := func(k rkind) int { return len(s.st.live[k]) }
	free := func(k rkind, ok func(*res) bool) *res { return s.st.pickFree(k, s.r, ok) }
	running := func(x *res) bool { return x.running }
	stopped := func(x *res) bool { return !x.running }
	unattached := func(x *res) bool { return x.attached == nil }
	notRoot := func(x *res) bool { return x.attached == nil || x.attached.kind != rInstance || !isRoot(x) }
	grow := func(k rkind, target float64) float64 {
		return math.Max(0.05, 1.5-float64(n(k))/target)
	}
	shrink := func(k rkind, target float64) float64 {
		return math.Max(0, float64(n(k))/target-0.5)
	}
	ops := []op{
		{3 * grow(rInstance, 14), func(t time.Time, id *ident) {
			typ := everydayTypes[s.r.IntN(len(everydayTypes))]
			s.runInstances(t, id, 1+s.r.IntN(2), typ, nil, "")
		}},
		{2, func(t time.Time, id *ident) {
			if x := free(rInstance, running); x != nil {
				s.stopInstance(t, id, x)
			}
		}},
		{2.5, func(t time.Time, id *ident) {
			if x := free(rInstance, stopped); x != nil {
				s.startInstance(t, id, x)
			}
		}},
		{1, func(t time.Time, id *ident) {
			if x := free(rInstance, running); x != nil {
				s.rebootInstance(t, id, x)
			}
		}},
		{0.5, func(t time.Time, id *ident) {
			if x := free(rInstance, stopped); x != nil {
				x.typ = everydayTypes[s.r.IntN(len(everydayTypes))]
				s.v1 = x.typ
				s.lc(t, id, lcModType, x)
			}
		}},
		{3 * shrink(rInstance, 14), func(t time.Time, id *ident) {
			if x := free(rInstance, nil); x != nil {
				s.terminateInstance(t, id, x)
			}
		}},
		{1.5 * grow(rVolume, 24), func(t time.Time, id *ident) {
			v := s.newVolume(t, id, []int{20, 50, 100, 200, 500}[s.r.IntN(5)], "data")
			if x := free(rInstance, running); x != nil && s.r.IntN(3) > 0 {
				v.attached = x
				s.lc(t.Add(time.Duration(5+s.r.IntN(60))*time.Second), id, lcAttachVol, v, x)
			}
		}},
		{0.7, func(t time.Time, id *ident) {
			if v := free(rVolume, func(x *res) bool { return x.attached != nil && !isRoot(x) }); v != nil {
				s.lc(t, id, lcDetachVol, v, v.attached)
				v.attached = nil
			}
		}},
		{1.5 * shrink(rVolume, 24), func(t time.Time, id *ident) {
			if v := free(rVolume, unattached); v != nil {
				s.lc(t, id, lcDeleteVol, v)
				s.st.remove(v, t)
			}
		}},
		{0.3, func(t time.Time, id *ident) {
			if v := free(rVolume, notRoot); v != nil {
				s.v3 = itoa(v.size)
				v.size *= 2
				s.v2 = v.size
				s.st.close(v, t)
				s.st.open(v, t)
				s.lc(t, id, lcModVol, v)
			}
		}},
		{1.5 * grow(rSnapshot, 16), func(t time.Time, id *ident) {
			if v := free(rVolume, nil); v != nil {
				sn := &res{kind: rSnapshot, id: hexID(s.r, "snap-0", 16), size: v.size, created: t, createdBy: s.createdBy(id)}
				sn.arn = "arn:aws:ec2:" + s.region + ":" + s.acct.id + ":snapshot/" + sn.id
				s.st.add(sn, t, true)
				s.v2, s.v3 = v.size, "backup of "+v.id
				s.lc(t, id, lcSnap, v, sn)
			}
		}},
		{1.5 * shrink(rSnapshot, 16), func(t time.Time, id *ident) {
			if sn := free(rSnapshot, nil); sn != nil {
				s.lc(t, id, lcDelSnap, sn)
				s.st.remove(sn, t)
			}
		}},
		{0.6 * grow(rBucket, 8), func(t time.Time, id *ident) {
			s.newBucket(t, id, []string{"assets", "exports", "logs", "backups", "uploads", "reports", "tmp"}[s.r.IntN(7)], nil)
		}},
		{0.5 * shrink(rBucket, 8), func(t time.Time, id *ident) {
			if b := free(rBucket, nil); b != nil {
				s.lc(t, id, lcDelBucket, b)
				s.st.remove(b, t)
			}
		}},
		{0.3 * grow(rDB, 2), func(t time.Time, id *ident) { s.newDB(t, id) }},
		{0.4, func(t time.Time, id *ident) {
			if x := free(rDB, running); x != nil {
				s.v1 = x.typ
				s.lc(t, id, lcRebootDB, x)
			}
		}},
		{0.3, func(t time.Time, id *ident) {
			if x := free(rDB, running); x != nil {
				s.v3 = x.typ
				x.typ = dbClasses[s.r.IntN(len(dbClasses))]
				s.v1 = x.typ
				s.lc(t, id, lcModDB, x)
				s.st.close(x, t)
				s.st.open(x, t)
			}
		}},
		{0.3, func(t time.Time, id *ident) {
			if x := free(rDB, running); x != nil && s.acct.name != "prod" {
				s.v1 = x.typ
				s.lc(t, id, lcStopDB, x)
				x.running = false
				s.st.close(x, t)
			}
		}},
		{0.5, func(t time.Time, id *ident) {
			if x := free(rDB, stopped); x != nil {
				s.v1 = x.typ
				s.lc(t, id, lcStartDB, x)
				x.running = true
				s.st.open(x, t)
			}
		}},
		{0.3 * shrink(rDB, 2), func(t time.Time, id *ident) {
			if x := free(rDB, nil); x != nil {
				s.v1 = x.typ
				s.lc(t, id, lcDelDB, x)
				s.st.remove(x, t)
			}
		}},
		{1 * grow(rFunction, 8), func(t time.Time, id *ident) { s.newFunction(t, id, nil) }},
		{2.5, func(t time.Time, id *ident) {
			if f := free(rFunction, nil); f != nil {
				s.v2 = f.size
				s.lc(t, id, lcFnCode, f)
			}
		}},
		{0.6, func(t time.Time, id *ident) {
			if f := free(rFunction, nil); f != nil {
				f.size = []int{128, 256, 512, 1024, 2048}[s.r.IntN(5)]
				s.v2 = f.size
				s.lc(t, id, lcFnConfig, f)
			}
		}},
		{0.8 * shrink(rFunction, 8), func(t time.Time, id *ident) {
			if f := free(rFunction, nil); f != nil {
				s.deleteFunction(t, id, f)
			}
		}},
		{0.15 * grow(rNAT, 1.5), func(t time.Time, id *ident) { s.newNAT(t, id) }},
		{0.15 * shrink(rNAT, 1.5), func(t time.Time, id *ident) {
			if x := free(rNAT, nil); x != nil {
				s.v1 = x.typ
				s.lc(t, id, lcDelNAT, x)
				s.lc(t.Add(2*time.Minute), id, lcRelease, x)
				s.st.remove(x, t)
			}
		}},
		{0.2 * grow(rLB, 2), func(t time.Time, id *ident) { s.newLB(t, id) }},
		{0.2 * shrink(rLB, 2), func(t time.Time, id *ident) {
			if x := free(rLB, nil); x != nil {
				s.lc(t, id, lcDelLB, x)
				s.st.remove(x, t)
			}
		}},
		{0.3 * grow(rASG, 2), func(t time.Time, id *ident) { s.newASG(t, id) }},
		{1.2, func(t time.Time, id *ident) {
			if g := free(rASG, nil); g != nil {
				s.scaleASG(t, id, g, 1+s.r.IntN(5))
			}
		}},
		{0.2 * shrink(rASG, 2), func(t time.Time, id *ident) {
			if g := free(rASG, nil); g != nil {
				s.deleteASG(t, id, g)
			}
		}},
		{0.4 * grow(rStack, 3), func(t time.Time, id *ident) { s.newStack(t, id) }},
		{0.8, func(t time.Time, id *ident) {
			if k := free(rStack, nil); k != nil {
				s.updateStack(t, id, k)
			}
		}},
		{0.3 * shrink(rStack, 3), func(t time.Time, id *ident) {
			if k := free(rStack, nil); k != nil {
				s.deleteStack(t, id, k)
			}
		}},
		{0.3 * grow(rTable, 3), func(t time.Time, id *ident) { s.newTable(t, id, nil) }},
		{0.2 * shrink(rTable, 3), func(t time.Time, id *ident) {
			if x := free(rTable, nil); x != nil {
				s.lc(t, id, lcDelTable, x)
				s.st.remove(x, t)
			}
		}},
	}
	var total float64
	for _, o := range ops {
		total += o.w
	}
	x := s.r.Float64() * total
	for _, o := range ops {
		if x < o.w {
			o.fn(t, &id)
			return
		}
		x -= o.w
	}
}

func isRoot(v *res) bool {
	if v.attached == nil {
		return false
	}
	for _, c := range v.attached.children {
		if c == v {
			return true
		}
	}
	return false
}

func (s *stream) newNAT(t time.Time, id *ident) *res {
	x := &res{kind: rNAT, id: hexID(s.r, "nat-0", 16), created: t, createdBy: s.createdBy(id)}
	x.arn = "arn:aws:ec2:" + s.region + ":" + s.acct.id + ":natgateway/" + x.id
	x.typ = string(appendHex(nil, s.r, 16))
	s.st.add(x, t, true)
	s.v1 = x.typ
	s.v3 = "3." + itoa(200+s.r.IntN(50)) + "." + itoa(s.r.IntN(256)) + "." + itoa(1+s.r.IntN(250))
	s.lc(t, id, lcAlloc, x)
	s.lc(t.Add(time.Duration(10+s.r.IntN(50))*time.Second), id, lcNAT, x)
	return x
}

var lbNames = []string{"web-alb", "api-alb", "internal-alb", "admin-alb"}

func (s *stream) newLB(t time.Time, id *ident) *res {
	name := lbNames[s.r.IntN(len(lbNames))]
	if s.lbNames[name] {
		name += "-" + itoa(2+s.r.IntN(90))
	}
	s.lbNames[name] = true
	x := &res{kind: rLB, id: name, created: t, createdBy: s.createdBy(id)}
	x.arn = "arn:aws:elasticloadbalancing:" + s.region + ":" + s.acct.id + ":loadbalancer/app/" + name + "/" + string(appendHex(nil, s.r, 16))
	s.st.add(x, t, true)
	s.v1, s.v2, s.v3 = string(appendHex(nil, s.r, 16)), 100000000+s.r.IntN(900000000), string(appendHex(nil, s.r, 16))
	s.lc(t, id, lcLB, x)
	s.lc(t.Add(3*time.Second), id, lcTG, x)
	s.lc(t.Add(6*time.Second), id, lcListen, x)
	return x
}

var asgNames = []string{"web-asg", "worker-asg", "batch-asg", "ci-runners-asg"}

// asgIdent is the Auto Scaling service-linked role acting for a group.
func (s *stream) asgIdent(t time.Time) ident {
	for _, p := range s.o.personas {
		if p.svcHost == "autoscaling.amazonaws.com" {
			return s.newIdent(p, t)
		}
	}
	panic("sim: no Auto Scaling persona")
}

func (s *stream) newASG(t time.Time, id *ident) *res {
	name := asgNames[s.r.IntN(len(asgNames))]
	if s.asgNames[name] {
		name += "-" + itoa(2+s.r.IntN(90))
	}
	s.asgNames[name] = true
	g := &res{kind: rASG, id: name, created: t, createdBy: s.createdBy(id), size: 1 + s.r.IntN(3)}
	g.arn = "arn:aws:autoscaling:" + s.region + ":" + s.acct.id + ":autoScalingGroup:" + uuid(s.r) + ":autoScalingGroupName/" + name
	g.typ = []string{"t3.medium", "m5.large", "c5.large"}[s.r.IntN(3)]
	s.st.add(g, t, false)
	s.v1, s.v2, s.v3 = string(appendHex(nil, s.r, 16)), g.size, string(appendHex(nil, s.r, 16))
	s.lc(t, id, lcASG, g)
	svc := s.asgIdent(t)
	s.runInstances(t.Add(time.Duration(20+s.r.IntN(40))*time.Second), &svc, g.size, g.typ, g, "")
	return g
}

// scaleASG sets a group's desired capacity; the service then launches or
// terminates instances under its own role.
func (s *stream) scaleASG(t time.Time, id *ident, g *res, want int) {
	s.v2 = want
	if s.r.IntN(2) == 0 {
		s.lc(t, id, lcASGCap, g)
	} else {
		s.lc(t, id, lcASGUpd, g)
	}
	s.fitASG(t, g, want)
}

func (s *stream) fitASG(t time.Time, g *res, want int) {
	g.size = want
	var members []*res
	for _, c := range g.children {
		if c.kind == rInstance {
			members = append(members, c)
		}
	}
	svc := s.asgIdent(t)
	at := t.Add(time.Duration(20+s.r.IntN(60)) * time.Second)
	if len(members) < want {
		s.runInstances(at, &svc, want-len(members), g.typ, g, "")
	}
	for i := want; i < len(members); i++ {
		s.terminateInstance(at.Add(time.Duration(i)*time.Second), &svc, members[i])
	}
}

func (s *stream) deleteASG(t time.Time, id *ident, g *res) {
	s.lc(t, id, lcASGDel, g)
	s.fitASG(t, g, 0)
	s.st.remove(g, t)
}

var stackNames = []string{"orders-service", "image-pipeline", "reporting", "webhooks", "search", "notifications"}

func (s *stream) newStack(t time.Time, id *ident) *res {
	name := stackNames[s.r.IntN(len(stackNames))]
	if s.stackNames[name] {
		name += "-" + itoa(2+s.r.IntN(90))
	}
	s.stackNames[name] = true
	k := &res{kind: rStack, id: name, typ: uuid(s.r), created: t, createdBy: s.createdBy(id)}
	k.arn = "arn:aws:cloudformation:" + s.region + ":" + s.acct.id + ":stack/" + name + "/" + k.typ
	s.st.add(k, t, false)
	s.v1, s.v3 = s.acct.name, k.typ
	s.lc(t, id, lcStack, k)
	// CloudFormation creates the stack's resources with the caller's
	// credentials, invoked by the service.
	cf := viaService(*id, "cloudformation.amazonaws.com")
	at := t.Add(time.Duration(5+s.r.IntN(20)) * time.Second)
	s.newBucket(at, &cf, name, k)
	s.newFunction(at.Add(time.Duration(10+s.r.IntN(30))*time.Second), &cf, k)
	if s.r.IntN(2) == 0 {
		s.newTable(at.Add(time.Duration(5+s.r.IntN(30))*time.Second), &cf, k)
	}
	return k
}

func (s *stream) updateStack(t time.Time, id *ident, k *res) {
	s.v2, s.v3 = []int{256, 512, 1024}[s.r.IntN(3)], k.typ
	s.lc(t, id, lcStackUpd, k)
	cf := viaService(*id, "cloudformation.amazonaws.com")
	for _, c := range k.children {
		if c.kind == rFunction {
			c.size = s.v2
			s.lc(t.Add(time.Duration(10+s.r.IntN(30))*time.Second), &cf, lcFnConfig, c)
		}
	}
}

func (s *stream) deleteStack(t time.Time, id *ident, k *res) {
	s.lc(t, id, lcStackDel, k)
	cf := viaService(*id, "cloudformation.amazonaws.com")
	at := t.Add(time.Duration(5+s.r.IntN(20)) * time.Second)
	for _, c := range append([]*res(nil), k.children...) {
		at = at.Add(time.Duration(2+s.r.IntN(10)) * time.Second)
		switch c.kind {
		case rBucket:
			s.lc(at, &cf, lcDelBucket, c)
			s.st.remove(c, at)
		case rFunction:
			s.deleteFunction(at, &cf, c)
		case rTable:
			s.lc(at, &cf, lcDelTable, c)
			s.st.remove(c, at)
		}
	}
	s.st.remove(k, at)
}

// seedResources creates the infrastructure that exists before the period
// starts: no creation records, but it is billed and referenced.
func (s *stream) seedResources() {
	t := s.o.start
	s.bucketNames, s.fnNames, s.tableNames, s.dbNames = map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	s.lbNames, s.asgNames, s.stackNames = map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i := 0; i < 3; i++ {
		s.kmsKeys = append(s.kmsKeys, uuid(s.r))
	}
	var humans []*persona
	for _, p := range s.actors {
		if p.kind == kSSO || p.kind == kIAMUser && p.console {
			humans = append(humans, p)
		}
	}
	by := func() string {
		if len(humans) == 0 || s.r.IntN(5) == 0 {
			return "" // created before aws:createdBy was activated
		}
		p := humans[s.r.IntN(len(humans))]
		id := ident{p: p, acct: s.acct, session: p.name}
		return s.createdBy(&id)
	}
	for i := 0; i < 4; i++ {
		sg := &res{kind: rSecGroup, id: hexID(s.r, "sg-0", 16)}
		s.st.add(sg, t, false)
	}
	s.fallback = [nKinds]string{
		rInstance: hexID(s.r, "i-0", 16), rVolume: hexID(s.r, "vol-0", 16), rSnapshot: hexID(s.r, "snap-0", 16),
		rBucket: "acme-" + s.acct.name + "-cloudtrail-" + s.region, rDB: "orders-db", rFunction: "orders-api",
		rNAT: hexID(s.r, "nat-0", 16), rLB: "web-alb", rASG: "web-asg", rStack: "network-base", rTable: "orders",
		rSecGroup: hexID(s.r, "sg-0", 16), rLogGroup: "/aws/lambda/orders-api",
	}
	mk := func(k rkind, id, arn, typ string, size int) *res {
		x := &res{kind: k, id: id, arn: arn, typ: typ, size: size, running: true, created: t, createdBy: by()}
		s.st.add(x, t, k != rSecGroup && k != rLogGroup && k != rStack && k != rASG)
		return x
	}
	scale := 1
	if s.acct.name == "prod" {
		scale = 2
	}
	if s.ri > 1 && scale > 1 {
		scale = 1
	}
	for i := 0; i < 4*scale; i++ {
		x := mk(rInstance, hexID(s.r, "i-0", 16), "", everydayTypes[s.r.IntN(len(everydayTypes))], 0)
		x.arn = "arn:aws:ec2:" + s.region + ":" + s.acct.id + ":instance/" + x.id
		x.az = s.region + string(rune('a'+s.r.IntN(3)))
		x.ip = s.drawPrivateIP()
		root := mk(rVolume, hexID(s.r, "vol-0", 16), "", "gp3", 8+8*s.r.IntN(4))
		root.attached = x
		root.createdBy = x.createdBy
		x.children = append(x.children, root)
	}
	for i := 0; i < 3; i++ {
		mk(rVolume, hexID(s.r, "vol-0", 16), "", "gp2", []int{50, 100, 500}[i])
	}
	for i := 0; i < 4; i++ {
		id := hexID(s.r, "snap-0", 16)
		mk(rSnapshot, id, "arn:aws:ec2:"+s.region+":"+s.acct.id+":snapshot/"+id, "", 50+50*i)
	}
	for _, purpose := range []string{"cloudtrail", "assets", "data-lake"}[:1+s.r.IntN(3)] {
		name := "acme-" + s.acct.name + "-" + purpose + "-" + s.region
		s.bucketNames[name] = true
		mk(rBucket, name, "arn:aws:s3:::"+name, "", 50+s.r.IntN(2000))
	}
	if s.ri == 0 || s.acct.name == "prod" {
		name := dbNames[s.ai%len(dbNames)]
		s.dbNames[name] = true
		mk(rDB, name, "arn:aws:rds:"+s.region+":"+s.acct.id+":db:"+name, dbClasses[1+s.r.IntN(len(dbClasses)-1)], 100)
	}
	for i := 0; i < 3; i++ {
		name := fnNames[(s.ai+s.ri+i)%len(fnNames)]
		s.fnNames[name] = true
		f := mk(rFunction, name, "arn:aws:lambda:"+s.region+":"+s.acct.id+":function:"+name, "", 512)
		lg := &res{kind: rLogGroup, id: "/aws/lambda/" + name, parent: f}
		s.st.add(lg, t, false)
		f.children = append(f.children, lg)
	}
	// The ARN goes in with the ID: mk opens the gateway's billed lifetime,
	// which keeps the ARN the cost report names it by.
	natID := hexID(s.r, "nat-0", 16)
	mk(rNAT, natID, "arn:aws:ec2:"+s.region+":"+s.acct.id+":natgateway/"+natID, string(appendHex(nil, s.r, 16)), 0)
	s.lbNames["web-alb"] = true
	mk(rLB, "web-alb", "arn:aws:elasticloadbalancing:"+s.region+":"+s.acct.id+":loadbalancer/app/web-alb/"+string(appendHex(nil, s.r, 16)), "", 0)
	s.stackNames["network-base"] = true
	mk(rStack, "network-base", "arn:aws:cloudformation:"+s.region+":"+s.acct.id+":stack/network-base/"+uuid(s.r), "", 0)
	s.tableNames["orders"] = true
	mk(rTable, "orders", "arn:aws:dynamodb:"+s.region+":"+s.acct.id+":table/orders", "", 0)
}
