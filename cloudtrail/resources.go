package cloudtrail

import (
	"bytes"
	"strings"
	"sync"

	"github.com/cairn-audit/cairn"
	"github.com/go-json-experiment/json/jsontext"
)

// ResourceRule says that a call touches the resources found at a path of its
// record. The rules are data: they are matched by (Source, Name) and walked
// over requestParameters, responseElements or serviceEventDetails.
type ResourceRule struct {
	// Source is the eventSource, e.g. "ec2.amazonaws.com".
	Source string
	// Name is the eventName. A trailing "*" matches a prefix; exact rules
	// win over prefix rules. Date suffixes of versioned APIs
	// (CreateFunction20150331, UpdateFunctionCode20150331v2) are stripped
	// before matching.
	Name string
	// Path is dotted, starting at requestParameters, responseElements or
	// serviceEventDetails; "name[]" iterates an array (or takes a lone
	// object). The value found must be a string: an ID or an ARN.
	Path string
	// Join, when set, is a second path whose value is appended after a "/"
	// (an S3 object is bucketName + "/" + key).
	Join string
	// Type is the resource type; "AWS::EC2::*" infers the EC2 type from the
	// ID's prefix (i-, vol-, sg-, …).
	Type string
	Role cairn.Role
}

const ec2Any = "AWS::EC2::*"

const (
	srcEC2    = "ec2.amazonaws.com"
	srcS3     = "s3.amazonaws.com"
	srcIAM    = "iam.amazonaws.com"
	srcSTS    = "sts.amazonaws.com"
	srcRDS    = "rds.amazonaws.com"
	srcLambda = "lambda.amazonaws.com"
	srcDDB    = "dynamodb.amazonaws.com"
	srcELB    = "elasticloadbalancing.amazonaws.com"
	srcEKS    = "eks.amazonaws.com"
	srcASG    = "autoscaling.amazonaws.com"
	srcSSM    = "ssm.amazonaws.com"
)

var (
	created  = cairn.RoleCreated
	modified = cairn.RoleModified
	changed  = cairn.RoleStateChanged
	deleted  = cairn.RoleDeleted
	read     = cairn.RoleRead
	refd     = cairn.RoleReferenced
)

const (
	tInstance = "AWS::EC2::Instance"
	tVolume   = "AWS::EC2::Volume"
	tSnapshot = "AWS::EC2::Snapshot"
	tSG       = "AWS::EC2::SecurityGroup"
	tImage    = "AWS::EC2::Image"
	tNAT      = "AWS::EC2::NatGateway"
	tEIP      = "AWS::EC2::EIP"
	tENI      = "AWS::EC2::NetworkInterface"
	tSubnet   = "AWS::EC2::Subnet"
	tVPC      = "AWS::EC2::VPC"
	tBucket   = "AWS::S3::Bucket"
	tObject   = "AWS::S3::Object"
	tUser     = "AWS::IAM::User"
	tRole     = "AWS::IAM::Role"
	tGroup    = "AWS::IAM::Group"
	tPolicy   = "AWS::IAM::Policy"
	tKey      = "AWS::IAM::AccessKey"
	tDB       = "AWS::RDS::DBInstance"
	tFunction = "AWS::Lambda::Function"
	tCluster  = "AWS::RDS::DBCluster"
	tTable    = "AWS::DynamoDB::Table"
	tLB       = "AWS::ElasticLoadBalancingV2::LoadBalancer"
	tClassic  = "AWS::ElasticLoadBalancing::LoadBalancer"
	tEKS      = "AWS::EKS::Cluster"
	tASG      = "AWS::AutoScaling::AutoScalingGroup"
)

// resourceRules is the table. Keep it sorted by service, then by call.
var resourceRules = []ResourceRule{
	// EC2 instances.
	{srcEC2, "RunInstances", "responseElements.instancesSet.items[].instanceId", "", tInstance, created},
	{srcEC2, "RunInstances", "requestParameters.instancesSet.items[].imageId", "", tImage, refd},
	{srcEC2, "StartInstances", "requestParameters.instancesSet.items[].instanceId", "", tInstance, changed},
	{srcEC2, "StopInstances", "requestParameters.instancesSet.items[].instanceId", "", tInstance, changed},
	{srcEC2, "RebootInstances", "requestParameters.instancesSet.items[].instanceId", "", tInstance, changed},
	{srcEC2, "TerminateInstances", "requestParameters.instancesSet.items[].instanceId", "", tInstance, deleted},
	{srcEC2, "BidEvictedEvent", "serviceEventDetails.instanceIdSet[]", "", tInstance, changed},
	{srcEC2, "ModifyInstanceAttribute", "requestParameters.instanceId", "", tInstance, modified},
	{srcEC2, "ModifyInstancePlacement", "requestParameters.instanceId", "", tInstance, modified},
	{srcEC2, "ModifyInstanceMetadataOptions", "requestParameters.ModifyInstanceMetadataOptionsRequest.InstanceId", "", tInstance, modified},
	{srcEC2, "ModifyInstanceMetadataOptions", "requestParameters.instanceId", "", tInstance, modified},
	{srcEC2, "MonitorInstances", "requestParameters.instancesSet.items[].instanceId", "", tInstance, modified},
	{srcEC2, "UnmonitorInstances", "requestParameters.instancesSet.items[].instanceId", "", tInstance, modified},
	{srcEC2, "AssociateIamInstanceProfile", "requestParameters.AssociateIamInstanceProfileRequest.InstanceId", "", tInstance, modified},
	{srcEC2, "AssociateIamInstanceProfile", "requestParameters.instanceId", "", tInstance, modified},
	{srcEC2, "SendDiagnosticInterrupt", "requestParameters.instanceId", "", tInstance, changed},
	// Volumes and snapshots.
	{srcEC2, "CreateVolume", "responseElements.volumeId", "", tVolume, created},
	{srcEC2, "CreateVolume", "requestParameters.snapshotId", "", tSnapshot, refd},
	{srcEC2, "DeleteVolume", "requestParameters.volumeId", "", tVolume, deleted},
	{srcEC2, "ModifyVolume", "requestParameters.ModifyVolumeRequest.VolumeId", "", tVolume, modified},
	{srcEC2, "AttachVolume", "requestParameters.volumeId", "", tVolume, modified},
	{srcEC2, "AttachVolume", "requestParameters.instanceId", "", tInstance, modified},
	{srcEC2, "DetachVolume", "requestParameters.volumeId", "", tVolume, modified},
	{srcEC2, "DetachVolume", "requestParameters.instanceId", "", tInstance, modified},
	{srcEC2, "CreateSnapshot", "responseElements.snapshotId", "", tSnapshot, created},
	{srcEC2, "CreateSnapshot", "requestParameters.volumeId", "", tVolume, refd},
	{srcEC2, "CopySnapshot", "responseElements.snapshotId", "", tSnapshot, created},
	{srcEC2, "DeleteSnapshot", "requestParameters.snapshotId", "", tSnapshot, deleted},
	// Security groups.
	{srcEC2, "CreateSecurityGroup", "responseElements.groupId", "", tSG, created},
	{srcEC2, "DeleteSecurityGroup", "requestParameters.groupId", "", tSG, deleted},
	{srcEC2, "AuthorizeSecurityGroupIngress", "requestParameters.groupId", "", tSG, modified},
	{srcEC2, "AuthorizeSecurityGroupEgress", "requestParameters.groupId", "", tSG, modified},
	{srcEC2, "RevokeSecurityGroupIngress", "requestParameters.groupId", "", tSG, modified},
	{srcEC2, "RevokeSecurityGroupEgress", "requestParameters.groupId", "", tSG, modified},
	// Images.
	{srcEC2, "CreateImage", "responseElements.imageId", "", tImage, created},
	{srcEC2, "CreateImage", "requestParameters.instanceId", "", tInstance, refd},
	{srcEC2, "CopyImage", "responseElements.imageId", "", tImage, created},
	{srcEC2, "RegisterImage", "responseElements.imageId", "", tImage, created},
	{srcEC2, "DeregisterImage", "requestParameters.imageId", "", tImage, deleted},
	// Tags on anything.
	{srcEC2, "CreateTags", "requestParameters.resourcesSet.items[].resourceId", "", ec2Any, modified},
	{srcEC2, "DeleteTags", "requestParameters.resourcesSet.items[].resourceId", "", ec2Any, modified},
	// Networking.
	{srcEC2, "CreateNatGateway", "responseElements.CreateNatGatewayResponse.natGateway.natGatewayId", "", tNAT, created},
	{srcEC2, "CreateNatGateway", "responseElements.natGateway.natGatewayId", "", tNAT, created},
	{srcEC2, "DeleteNatGateway", "requestParameters.DeleteNatGatewayRequest.NatGatewayId", "", tNAT, deleted},
	{srcEC2, "DeleteNatGateway", "requestParameters.natGatewayId", "", tNAT, deleted},
	{srcEC2, "AllocateAddress", "responseElements.allocationId", "", tEIP, created},
	{srcEC2, "ReleaseAddress", "requestParameters.allocationId", "", tEIP, deleted},
	{srcEC2, "AssociateAddress", "requestParameters.allocationId", "", tEIP, modified},
	{srcEC2, "AssociateAddress", "requestParameters.instanceId", "", tInstance, modified},
	{srcEC2, "CreateNetworkInterface", "responseElements.networkInterface.networkInterfaceId", "", tENI, created},
	{srcEC2, "DeleteNetworkInterface", "requestParameters.networkInterfaceId", "", tENI, deleted},
	{srcEC2, "AttachNetworkInterface", "requestParameters.networkInterfaceId", "", tENI, modified},
	{srcEC2, "AttachNetworkInterface", "requestParameters.instanceId", "", tInstance, modified},
	{srcEC2, "CreateSubnet", "responseElements.subnet.subnetId", "", tSubnet, created},
	{srcEC2, "DeleteSubnet", "requestParameters.subnetId", "", tSubnet, deleted},
	{srcEC2, "CreateVpc", "responseElements.vpc.vpcId", "", tVPC, created},
	{srcEC2, "DeleteVpc", "requestParameters.vpcId", "", tVPC, deleted},

	// S3 buckets: every configuration call names the bucket.
	{srcS3, "CreateBucket", "requestParameters.bucketName", "", tBucket, created},
	{srcS3, "DeleteBucket", "requestParameters.bucketName", "", tBucket, deleted},
	{srcS3, "PutBucket*", "requestParameters.bucketName", "", tBucket, modified},
	{srcS3, "DeleteBucket*", "requestParameters.bucketName", "", tBucket, modified},
	// S3 objects (data events).
	{srcS3, "PutObject", "requestParameters.bucketName", "requestParameters.key", tObject, created},
	{srcS3, "CopyObject", "requestParameters.bucketName", "requestParameters.key", tObject, created},
	{srcS3, "CompleteMultipartUpload", "requestParameters.bucketName", "requestParameters.key", tObject, created},
	{srcS3, "DeleteObject", "requestParameters.bucketName", "requestParameters.key", tObject, deleted},
	{srcS3, "GetObject", "requestParameters.bucketName", "requestParameters.key", tObject, read},
	{srcS3, "HeadObject", "requestParameters.bucketName", "requestParameters.key", tObject, read},
	{srcS3, "PutObjectAcl", "requestParameters.bucketName", "requestParameters.key", tObject, modified},
	{srcS3, "PutObjectTagging", "requestParameters.bucketName", "requestParameters.key", tObject, modified},
	{srcS3, "RestoreObject", "requestParameters.bucketName", "requestParameters.key", tObject, modified},

	// IAM users, roles, groups, policies and keys.
	{srcIAM, "CreateUser", "requestParameters.userName", "", tUser, created},
	{srcIAM, "DeleteUser", "requestParameters.userName", "", tUser, deleted},
	{srcIAM, "UpdateUser", "requestParameters.userName", "", tUser, modified},
	{srcIAM, "CreateLoginProfile", "requestParameters.userName", "", tUser, modified},
	{srcIAM, "UpdateLoginProfile", "requestParameters.userName", "", tUser, modified},
	{srcIAM, "DeleteLoginProfile", "requestParameters.userName", "", tUser, modified},
	{srcIAM, "AttachUserPolicy", "requestParameters.userName", "", tUser, modified},
	{srcIAM, "AttachUserPolicy", "requestParameters.policyArn", "", tPolicy, refd},
	{srcIAM, "DetachUserPolicy", "requestParameters.userName", "", tUser, modified},
	{srcIAM, "DetachUserPolicy", "requestParameters.policyArn", "", tPolicy, refd},
	{srcIAM, "PutUserPolicy", "requestParameters.userName", "", tUser, modified},
	{srcIAM, "DeleteUserPolicy", "requestParameters.userName", "", tUser, modified},
	{srcIAM, "AddUserToGroup", "requestParameters.userName", "", tUser, modified},
	{srcIAM, "AddUserToGroup", "requestParameters.groupName", "", tGroup, modified},
	{srcIAM, "RemoveUserFromGroup", "requestParameters.userName", "", tUser, modified},
	{srcIAM, "RemoveUserFromGroup", "requestParameters.groupName", "", tGroup, modified},
	{srcIAM, "CreateGroup", "requestParameters.groupName", "", tGroup, created},
	{srcIAM, "DeleteGroup", "requestParameters.groupName", "", tGroup, deleted},
	{srcIAM, "CreateRole", "requestParameters.roleName", "", tRole, created},
	{srcIAM, "CreateRole", "responseElements.role.arn", "", tRole, created},
	{srcIAM, "DeleteRole", "requestParameters.roleName", "", tRole, deleted},
	{srcIAM, "UpdateRole", "requestParameters.roleName", "", tRole, modified},
	{srcIAM, "UpdateAssumeRolePolicy", "requestParameters.roleName", "", tRole, modified},
	{srcIAM, "AttachRolePolicy", "requestParameters.roleName", "", tRole, modified},
	{srcIAM, "AttachRolePolicy", "requestParameters.policyArn", "", tPolicy, refd},
	{srcIAM, "DetachRolePolicy", "requestParameters.roleName", "", tRole, modified},
	{srcIAM, "DetachRolePolicy", "requestParameters.policyArn", "", tPolicy, refd},
	{srcIAM, "PutRolePolicy", "requestParameters.roleName", "", tRole, modified},
	{srcIAM, "DeleteRolePolicy", "requestParameters.roleName", "", tRole, modified},
	{srcIAM, "PutRolePermissionsBoundary", "requestParameters.roleName", "", tRole, modified},
	{srcIAM, "AttachGroupPolicy", "requestParameters.groupName", "", tGroup, modified},
	{srcIAM, "PutGroupPolicy", "requestParameters.groupName", "", tGroup, modified},
	{srcIAM, "CreatePolicy", "responseElements.policy.arn", "", tPolicy, created},
	{srcIAM, "CreatePolicyVersion", "requestParameters.policyArn", "", tPolicy, modified},
	{srcIAM, "DeletePolicy", "requestParameters.policyArn", "", tPolicy, deleted},
	{srcIAM, "CreateAccessKey", "responseElements.accessKey.accessKeyId", "", tKey, created},
	{srcIAM, "CreateAccessKey", "requestParameters.userName", "", tUser, refd},
	{srcIAM, "UpdateAccessKey", "requestParameters.accessKeyId", "", tKey, modified},
	{srcIAM, "DeleteAccessKey", "requestParameters.accessKeyId", "", tKey, deleted},

	// STS: the role assumed, and the access key of the session it issued,
	// so that later calls made with that key resolve to this AssumeRole.
	{srcSTS, "AssumeRole", "requestParameters.roleArn", "", tRole, refd},
	{srcSTS, "AssumeRole", "responseElements.credentials.accessKeyId", "", tKey, created},
	{srcSTS, "AssumeRoleWithSAML", "requestParameters.roleArn", "", tRole, refd},
	{srcSTS, "AssumeRoleWithSAML", "responseElements.credentials.accessKeyId", "", tKey, created},
	{srcSTS, "AssumeRoleWithWebIdentity", "requestParameters.roleArn", "", tRole, refd},
	{srcSTS, "AssumeRoleWithWebIdentity", "responseElements.credentials.accessKeyId", "", tKey, created},
	{srcSTS, "GetSessionToken", "responseElements.credentials.accessKeyId", "", tKey, created},
	{srcSTS, "GetFederationToken", "responseElements.credentials.accessKeyId", "", tKey, created},

	// RDS instances.
	{srcRDS, "CreateDBInstance", "requestParameters.dBInstanceIdentifier", "", tDB, created},
	{srcRDS, "CreateDBInstanceReadReplica", "requestParameters.dBInstanceIdentifier", "", tDB, created},
	{srcRDS, "RestoreDBInstanceFromDBSnapshot", "requestParameters.dBInstanceIdentifier", "", tDB, created},
	{srcRDS, "DeleteDBInstance", "requestParameters.dBInstanceIdentifier", "", tDB, deleted},
	{srcRDS, "ModifyDBInstance", "requestParameters.dBInstanceIdentifier", "", tDB, modified},
	{srcRDS, "RebootDBInstance", "requestParameters.dBInstanceIdentifier", "", tDB, changed},
	{srcRDS, "StartDBInstance", "requestParameters.dBInstanceIdentifier", "", tDB, changed},
	{srcRDS, "StopDBInstance", "requestParameters.dBInstanceIdentifier", "", tDB, changed},
	{srcRDS, "CreateDBCluster", "requestParameters.dBClusterIdentifier", "", tCluster, created},
	{srcRDS, "DeleteDBCluster", "requestParameters.dBClusterIdentifier", "", tCluster, deleted},
	{srcRDS, "ModifyDBCluster", "requestParameters.dBClusterIdentifier", "", tCluster, modified},
	{srcRDS, "StartDBCluster", "requestParameters.dBClusterIdentifier", "", tCluster, changed},
	{srcRDS, "StopDBCluster", "requestParameters.dBClusterIdentifier", "", tCluster, changed},
	{srcRDS, "CreateDBInstance", "requestParameters.dBClusterIdentifier", "", tCluster, refd},

	// Lambda functions (event names carry date suffixes, stripped first).
	{srcLambda, "CreateFunction", "requestParameters.functionName", "", tFunction, created},
	{srcLambda, "CreateFunction", "responseElements.functionArn", "", tFunction, created},
	{srcLambda, "DeleteFunction", "requestParameters.functionName", "", tFunction, deleted},
	{srcLambda, "UpdateFunctionCode", "requestParameters.functionName", "", tFunction, modified},
	{srcLambda, "UpdateFunctionConfiguration", "requestParameters.functionName", "", tFunction, modified},
	{srcLambda, "PublishVersion", "requestParameters.functionName", "", tFunction, modified},
	{srcLambda, "AddPermission", "requestParameters.functionName", "", tFunction, modified},
	{srcLambda, "RemovePermission", "requestParameters.functionName", "", tFunction, modified},
	{srcLambda, "PutFunctionConcurrency", "requestParameters.functionName", "", tFunction, modified},
	{srcLambda, "DeleteFunctionConcurrency", "requestParameters.functionName", "", tFunction, modified},
	{srcLambda, "CreateAlias", "requestParameters.functionName", "", tFunction, modified},
	{srcLambda, "UpdateAlias", "requestParameters.functionName", "", tFunction, modified},
	{srcLambda, "DeleteAlias", "requestParameters.functionName", "", tFunction, modified},
	{srcLambda, "CreateFunctionUrlConfig", "requestParameters.functionName", "", tFunction, modified},
	{srcLambda, "CreateEventSourceMapping", "requestParameters.functionName", "", tFunction, modified},

	// DynamoDB tables.
	{srcDDB, "CreateTable", "requestParameters.tableName", "", tTable, created},
	{srcDDB, "DeleteTable", "requestParameters.tableName", "", tTable, deleted},
	{srcDDB, "UpdateTable", "requestParameters.tableName", "", tTable, modified},

	// Load balancers: v2 calls name the ARN, classic ones the name.
	{srcELB, "CreateLoadBalancer", "responseElements.loadBalancers[].loadBalancerArn", "", tLB, created},
	{srcELB, "DeleteLoadBalancer", "requestParameters.loadBalancerArn", "", tLB, deleted},
	{srcELB, "ModifyLoadBalancerAttributes", "requestParameters.loadBalancerArn", "", tLB, modified},
	{srcELB, "CreateLoadBalancer", "requestParameters.loadBalancerName", "", tClassic, created},
	{srcELB, "DeleteLoadBalancer", "requestParameters.loadBalancerName", "", tClassic, deleted},

	// EKS clusters.
	{srcEKS, "CreateCluster", "requestParameters.name", "", tEKS, created},
	{srcEKS, "DeleteCluster", "requestParameters.name", "", tEKS, deleted},
	{srcEKS, "UpdateClusterVersion", "requestParameters.name", "", tEKS, modified},
	{srcEKS, "UpdateClusterConfig", "requestParameters.name", "", tEKS, modified},

	// Auto Scaling: groups, and the instances it terminates on request.
	{srcASG, "CreateAutoScalingGroup", "requestParameters.autoScalingGroupName", "", tASG, created},
	{srcASG, "DeleteAutoScalingGroup", "requestParameters.autoScalingGroupName", "", tASG, deleted},
	{srcASG, "UpdateAutoScalingGroup", "requestParameters.autoScalingGroupName", "", tASG, modified},
	{srcASG, "SetDesiredCapacity", "requestParameters.autoScalingGroupName", "", tASG, modified},
	{srcASG, "TerminateInstanceInAutoScalingGroup", "requestParameters.instanceId", "", tInstance, deleted},
	{srcASG, "SetInstanceHealth", "requestParameters.instanceId", "", tInstance, modified},
	{srcASG, "DetachInstances", "requestParameters.instanceIds[]", "", tInstance, modified},
	{srcASG, "DetachInstances", "requestParameters.autoScalingGroupName", "", tASG, modified},
	{srcASG, "EnterStandby", "requestParameters.instanceIds[]", "", tInstance, changed},
	{srcASG, "ExitStandby", "requestParameters.instanceIds[]", "", tInstance, changed},

	// SSM: commands and sessions on instances (a command may reboot one).
	{srcSSM, "SendCommand", "requestParameters.instanceIds[]", "", tInstance, modified},
	{srcSSM, "StartSession", "requestParameters.target", "", tInstance, refd},
}

// ResourceRules returns a copy of the resource table.
func ResourceRules() []ResourceRule { return append([]ResourceRule(nil), resourceRules...) }

// compiledRule is a rule with its paths split.
type compiledRule struct {
	ResourceRule
	path, join []pathSeg
}

type pathSeg struct {
	name string
	iter bool
}

type ruleIndex struct {
	exact  map[callKey][]*compiledRule
	prefix map[string][]*compiledRule // Source -> prefix rules
}

type callKey struct{ source, name string }

var rules = compileRules(resourceRules)

func compileRules(rs []ResourceRule) ruleIndex {
	idx := ruleIndex{exact: map[callKey][]*compiledRule{}, prefix: map[string][]*compiledRule{}}
	for _, r := range rs {
		c := &compiledRule{ResourceRule: r, path: splitPath(r.Path), join: splitPath(r.Join)}
		if n, ok := strings.CutSuffix(r.Name, "*"); ok {
			c.Name = n
			idx.prefix[r.Source] = append(idx.prefix[r.Source], c)
		} else {
			k := callKey{r.Source, r.Name}
			idx.exact[k] = append(idx.exact[k], c)
		}
	}
	return idx
}

func splitPath(p string) []pathSeg {
	if p == "" {
		return nil
	}
	var segs []pathSeg
	for s := range strings.SplitSeq(p, ".") {
		n, iter := strings.CutSuffix(s, "[]")
		segs = append(segs, pathSeg{n, iter})
	}
	return segs
}

// lookup returns the rules for a call, or nil.
func (idx *ruleIndex) lookup(source, name string) []*compiledRule {
	if rs := idx.exact[callKey{source, name}]; rs != nil {
		return rs
	}
	if base := stripDateSuffix(name); base != name {
		if rs := idx.exact[callKey{source, base}]; rs != nil {
			return rs
		}
		name = base
	}
	var out []*compiledRule
	for _, r := range idx.prefix[source] {
		if strings.HasPrefix(name, r.Name) {
			out = append(out, r)
		}
	}
	return out
}

// stripDateSuffix removes an API version suffix: CreateFunction20150331 and
// UpdateFunctionCode20150331v2 become CreateFunction and UpdateFunctionCode.
func stripDateSuffix(name string) string {
	s := name
	if i := strings.LastIndexByte(s, 'v'); i > 8 && i < len(s)-1 && allDigits(s[i+1:]) {
		s = s[:i]
	}
	if len(s) > 8 && allDigits(s[len(s)-8:]) && (s[len(s)-8] == '1' || s[len(s)-8] == '2') {
		return s[:len(s)-8]
	}
	return name
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// extractResources collects the resources of a record: those found by the
// table's rules first, then resources[]. An entry of resources[] for a
// resource that a rule already found fills in what the rule's ref lacks
// (ARN, type, account) instead of being listed again as referenced.
//
// A call that failed (errorCode set) changed nothing: its rule refs are
// downgraded to referenced, so that a denied TerminateInstances does not
// look like the end of an instance.
func extractResources(ev *cairn.Event, rec *record, raw []byte) []cairn.ResourceRef {
	var refs []cairn.ResourceRef
	if rs := rules.lookup(rec.EventSource, rec.EventName); len(rs) > 0 {
		for _, r := range rs {
			refs = applyRule(refs, r, ev, rec, raw)
		}
		if ev.ErrorCode != "" {
			for i := range refs {
				refs[i].Role = cairn.RoleReferenced
			}
			refs = dedupe(refs)
		}
	}
	for i := range rec.Resources {
		res := &rec.Resources[i]
		arn := res.ARN
		if arn == "" {
			arn = res.ARNLower
		}
		if arn == "" {
			arn = res.ARNPrefix
		}
		if arn == "" {
			continue
		}
		ref := cairn.ResourceRef{
			ID:      arnResourceID(arn),
			ARN:     arn,
			Type:    res.Type,
			Account: string(res.AccountID),
			Region:  arnRegion(arn),
			Role:    cairn.RoleReferenced,
		}
		if ref.Region == "" {
			ref.Region = ev.AWSRegion
		}
		if ref.Account == "" {
			ref.Account = arnAccount(arn)
		}
		refs = mergeRef(refs, ref, true)
	}
	return refs
}

// mergeRef adds ref unless a ref with the same ID and role is present (or,
// with anyRole, the same ID and a compatible type), filling in the present
// ref's missing fields.
func mergeRef(refs []cairn.ResourceRef, ref cairn.ResourceRef, anyRole bool) []cairn.ResourceRef {
	for i := range refs {
		r := &refs[i]
		if r.ID != ref.ID || !(r.Role == ref.Role || anyRole) {
			continue
		}
		if r.Type != "" && ref.Type != "" && r.Type != ref.Type {
			continue
		}
		if r.ARN == "" {
			r.ARN = ref.ARN
		}
		if r.Type == "" {
			r.Type = ref.Type
		}
		if r.Account == "" {
			r.Account = ref.Account
		}
		if r.Region == "" {
			r.Region = ref.Region
		}
		return refs
	}
	return append(refs, ref)
}

// dedupe merges refs that became equal in ID and role.
func dedupe(refs []cairn.ResourceRef) []cairn.ResourceRef {
	out := refs[:0:0]
	for _, r := range refs {
		out = mergeRef(out, r, false)
	}
	return out
}

func applyRule(refs []cairn.ResourceRef, r *compiledRule, ev *cairn.Event, rec *record, raw []byte) []cairn.ResourceRef {
	values := walkPath(r.path, rec, raw)
	if len(values) == 0 {
		return refs
	}
	if r.join != nil {
		suffix := walkPath(r.join, rec, raw)
		if len(values) != 1 || len(suffix) != 1 {
			return refs
		}
		values[0] = values[0] + "/" + suffix[0]
	}
	for _, v := range values {
		if v == "" {
			continue
		}
		refs = mergeRef(refs, makeRef(v, r.Type, r.Role, ev), false)
	}
	return refs
}

// makeRef builds a reference from an ID or ARN found in a payload.
func makeRef(v, typ string, role cairn.Role, ev *cairn.Event) cairn.ResourceRef {
	ref := cairn.ResourceRef{ID: v, Type: typ, Account: ev.RecipientAccountID, Region: ev.AWSRegion, Role: role}
	if strings.HasPrefix(v, "arn:") {
		ref.ARN = v
		ref.ID = arnResourceID(v)
		if a := arnAccount(v); a != "" {
			ref.Account = a
		}
		if rg := arnRegion(v); rg != "" {
			ref.Region = rg
		}
	}
	if typ == ec2Any {
		ref.Type = ec2TypeOf(ref.ID)
	}
	if ref.ARN == "" {
		ref.ARN = deriveARN(ref)
	}
	return ref
}

// walkPath returns the string values at a path.
func walkPath(segs []pathSeg, rec *record, raw []byte) []string {
	if len(segs) == 0 {
		return nil
	}
	var sp span
	switch segs[0].name {
	case "requestParameters":
		sp = rec.RequestParameters
	case "responseElements":
		sp = rec.ResponseElements
	case "serviceEventDetails":
		sp = rec.ServiceEventDetails
	default:
		return nil
	}
	val := sp.bytes(raw)
	if len(val) == 0 {
		return nil
	}
	w := walkers.Get().(*walker)
	defer walkers.Put(w)
	w.out = w.out[:0]
	w.buf.Reset()
	w.buf.Write(val)
	w.dec.Reset(&w.buf, readOptions)
	if err := w.walk(segs[1:], segs[0].iter); err != nil {
		return nil
	}
	return append([]string(nil), w.out...)
}

type walker struct {
	buf bytes.Buffer
	dec *jsontext.Decoder
	out []string
}

var walkers = sync.Pool{New: func() any {
	w := &walker{}
	w.dec = jsontext.NewDecoder(&w.buf, readOptions)
	return w
}}

// walk consumes one value: the value at the current path element. iter says
// the value is an array whose elements each continue the path.
func (w *walker) walk(segs []pathSeg, iter bool) error {
	d := w.dec
	if iter && d.PeekKind() == '[' {
		if _, err := d.ReadToken(); err != nil {
			return err
		}
		for d.PeekKind() != ']' {
			if err := w.walk(segs, false); err != nil {
				return err
			}
		}
		_, err := d.ReadToken()
		return err
	}
	if len(segs) == 0 {
		v, err := d.ReadValue()
		if err != nil {
			return err
		}
		if v.Kind() == '"' {
			w.out = append(w.out, unquote(v))
		}
		return nil
	}
	if d.PeekKind() != '{' {
		return d.SkipValue()
	}
	if _, err := d.ReadToken(); err != nil {
		return err
	}
	for d.PeekKind() != '}' {
		name, err := d.ReadToken()
		if err != nil {
			return err
		}
		if name.String() == segs[0].name {
			if err := w.walk(segs[1:], segs[0].iter); err != nil {
				return err
			}
			continue
		}
		if err := d.SkipValue(); err != nil {
			return err
		}
	}
	_, err := d.ReadToken()
	return err
}

// span is where a value sits in the raw record. Keeping offsets instead of a
// copy makes unused payloads cost one scan and no allocation.
type span struct{ start, end int64 }

func (s *span) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	if v.Kind() == 'n' {
		*s = span{}
		return nil
	}
	s.end = dec.InputOffset()
	s.start = s.end - int64(len(v))
	return nil
}

func (s span) bytes(raw []byte) []byte {
	if s.end <= s.start || s.start < 0 || s.end > int64(len(raw)) {
		return nil
	}
	return raw[s.start:s.end]
}

// arnParts splits arn:partition:service:region:account:resource.
func arnParts(arn string) (partition, service, region, account, res string, ok bool) {
	if !strings.HasPrefix(arn, "arn:") {
		return "", "", "", "", "", false
	}
	p := strings.SplitN(arn, ":", 6)
	if len(p) != 6 {
		return "", "", "", "", "", false
	}
	return p[1], p[2], p[3], p[4], p[5], true
}

func arnRegion(arn string) string {
	_, _, r, _, _, _ := arnParts(arn)
	return r
}

func arnAccount(arn string) string {
	_, _, _, a, _, _ := arnParts(arn)
	return a
}

func arnPartition(arn string) string {
	if p, _, _, _, _, ok := arnParts(arn); ok && p != "" {
		return p
	}
	return "aws"
}

// arnResourceID derives the short ID people type from an ARN: the bucket (or
// bucket/key) for S3, the last path element for IAM and STS (names, not
// paths), the function name for Lambda, and otherwise what follows the
// resource type ("instance/i-0abc" → "i-0abc", "db:mydb" → "mydb").
func arnResourceID(arn string) string {
	_, service, _, _, res, ok := arnParts(arn)
	if !ok || res == "" {
		return arn
	}
	switch service {
	case "s3":
		return res
	case "iam", "sts":
		if i := strings.LastIndexByte(res, '/'); i >= 0 {
			return res[i+1:]
		}
		return res
	case "lambda":
		// function:name[:qualifier]
		if rest, ok := strings.CutPrefix(res, "function:"); ok {
			if i := strings.IndexByte(rest, ':'); i >= 0 {
				rest = rest[:i]
			}
			return rest
		}
	}
	if i := strings.IndexAny(res, "/:"); i >= 0 && i < len(res)-1 {
		return strings.TrimSuffix(res[i+1:], ":*")
	}
	return res
}

var ec2Prefixes = []struct{ prefix, typ string }{
	{"i-", tInstance}, {"vol-", tVolume}, {"snap-", tSnapshot}, {"sg-", tSG}, {"ami-", tImage},
	{"eni-", tENI}, {"nat-", tNAT}, {"eipalloc-", tEIP}, {"subnet-", tSubnet}, {"vpc-", tVPC},
	{"igw-", "AWS::EC2::InternetGateway"}, {"rtb-", "AWS::EC2::RouteTable"},
	{"acl-", "AWS::EC2::NetworkAcl"}, {"lt-", "AWS::EC2::LaunchTemplate"},
	{"vpce-", "AWS::EC2::VPCEndpoint"}, {"tgw-", "AWS::EC2::TransitGateway"},
	{"key-", "AWS::EC2::KeyPair"}, {"dopt-", "AWS::EC2::DHCPOptions"},
}

// ec2TypeOf infers an EC2 resource type from an ID's prefix; "" if unknown.
func ec2TypeOf(id string) string {
	for _, p := range ec2Prefixes {
		if strings.HasPrefix(id, p.prefix) {
			return p.typ
		}
	}
	return ""
}

// deriveARN builds the ARN of a resource known by ID, for the types whose
// ARN follows from ID, region and account alone. IAM ARNs are not derived:
// they include a path that the ID does not carry.
func deriveARN(r cairn.ResourceRef) string {
	p := partitionOf(r.Region)
	switch r.Type {
	case tBucket, tObject:
		return "arn:" + p + ":s3:::" + r.ID
	}
	if r.Region == "" || r.Account == "" {
		return ""
	}
	switch r.Type {
	case tInstance:
		return "arn:" + p + ":ec2:" + r.Region + ":" + r.Account + ":instance/" + r.ID
	case tVolume:
		return "arn:" + p + ":ec2:" + r.Region + ":" + r.Account + ":volume/" + r.ID
	case tSG:
		return "arn:" + p + ":ec2:" + r.Region + ":" + r.Account + ":security-group/" + r.ID
	case tENI:
		return "arn:" + p + ":ec2:" + r.Region + ":" + r.Account + ":network-interface/" + r.ID
	case tNAT:
		return "arn:" + p + ":ec2:" + r.Region + ":" + r.Account + ":natgateway/" + r.ID
	case tEIP:
		return "arn:" + p + ":ec2:" + r.Region + ":" + r.Account + ":elastic-ip/" + r.ID
	case tSubnet:
		return "arn:" + p + ":ec2:" + r.Region + ":" + r.Account + ":subnet/" + r.ID
	case tVPC:
		return "arn:" + p + ":ec2:" + r.Region + ":" + r.Account + ":vpc/" + r.ID
	case tSnapshot:
		return "arn:" + p + ":ec2:" + r.Region + "::snapshot/" + r.ID
	case tImage:
		return "arn:" + p + ":ec2:" + r.Region + "::image/" + r.ID
	case tDB:
		return "arn:" + p + ":rds:" + r.Region + ":" + r.Account + ":db:" + r.ID
	case tFunction:
		return "arn:" + p + ":lambda:" + r.Region + ":" + r.Account + ":function:" + r.ID
	case tCluster:
		return "arn:" + p + ":rds:" + r.Region + ":" + r.Account + ":cluster:" + r.ID
	case tTable:
		return "arn:" + p + ":dynamodb:" + r.Region + ":" + r.Account + ":table/" + r.ID
	case tEKS:
		return "arn:" + p + ":eks:" + r.Region + ":" + r.Account + ":cluster/" + r.ID
	}
	return ""
}

func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}
