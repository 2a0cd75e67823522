package cloudtrail

import (
	"bytes"
	"cmp"
	"slices"
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
	// serviceEventDetails. "name[]" iterates an array (or takes a lone
	// value); "name[key=v]" iterates an array and keeps only the elements
	// whose member key is the string v, which picks a tag by its key:
	// "tags[key=aws:autoscaling:groupName].value". A filter value holds no
	// "." and no "]". The value found must be a string: an ID or an ARN.
	Path string
	// Join, when set, is a second path whose value is appended after a
	// separator: an S3 object is bucketName + "/" + key, a log stream
	// logGroupName + ":log-stream:" + logStreamName (as in their ARNs).
	Join string
	// Type is the resource type. Three values are inferred per resource
	// instead: ec2Any from the EC2 ID's prefix (i-, vol-, sg-, …), kmsAny
	// (an alias or a key), anyType from the ARN's service and resource type
	// (or else an EC2 ID's prefix). A value for an EC2 type whose IDs have a
	// fixed prefix (AWS::EC2::Instance: i-) is kept only with that prefix:
	// a target group's targets may be IP addresses, an SSM target a managed
	// instance (mi-…).
	Type string
	Role cairn.Role
}

// Types inferred per resource; see ResourceRule.Type.
const (
	ec2Any  = "AWS::EC2::*"
	kmsAny  = "AWS::KMS::*"
	anyType = "*"
)

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
	srcECS    = "ecs.amazonaws.com"
	srcASG    = "autoscaling.amazonaws.com"
	srcCFN    = "cloudformation.amazonaws.com"
	srcKMS    = "kms.amazonaws.com"
	srcLogs   = "logs.amazonaws.com"
	srcSSM    = "ssm.amazonaws.com"
	srcCT     = "cloudtrail.amazonaws.com"
	srcSecret = "secretsmanager.amazonaws.com"
	srcECR    = "ecr.amazonaws.com"
	srcSNS    = "sns.amazonaws.com"
	srcSQS    = "sqs.amazonaws.com"
)

// Path prefixes, to keep the table's lines short.
const (
	rq = "requestParameters."
	rs = "responseElements."
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
	tInstance  = "AWS::EC2::Instance"
	tVolume    = "AWS::EC2::Volume"
	tSnapshot  = "AWS::EC2::Snapshot"
	tSG        = "AWS::EC2::SecurityGroup"
	tImage     = "AWS::EC2::Image"
	tNAT       = "AWS::EC2::NatGateway"
	tEIP       = "AWS::EC2::EIP"
	tEIPAssoc  = "AWS::EC2::EIPAssociation"
	tENI       = "AWS::EC2::NetworkInterface"
	tENIAttach = "AWS::EC2::NetworkInterfaceAttachment"
	tSubnet    = "AWS::EC2::Subnet"
	tVPC       = "AWS::EC2::VPC"
	tIGW       = "AWS::EC2::InternetGateway"
	tRTB       = "AWS::EC2::RouteTable"
	tVPCE      = "AWS::EC2::VPCEndpoint"
	tLT        = "AWS::EC2::LaunchTemplate"
	tKeyPair   = "AWS::EC2::KeyPair"
	tFleet     = "AWS::EC2::EC2Fleet"
	tSpotReq   = "AWS::EC2::SpotInstanceRequest"

	tBucket = "AWS::S3::Bucket"
	tObject = "AWS::S3::Object"

	tUser      = "AWS::IAM::User"
	tRole      = "AWS::IAM::Role"
	tGroup     = "AWS::IAM::Group"
	tPolicy    = "AWS::IAM::Policy"
	tKey       = "AWS::IAM::AccessKey"
	tProfile   = "AWS::IAM::InstanceProfile"
	tSAML      = "AWS::IAM::SAMLProvider"
	tOIDC      = "AWS::IAM::OIDCProvider"
	tMFADevice = "AWS::IAM::VirtualMFADevice"

	tDB            = "AWS::RDS::DBInstance"
	tCluster       = "AWS::RDS::DBCluster"
	tDBSnapshot    = "AWS::RDS::DBSnapshot"
	tDBClusterSnap = "AWS::RDS::DBClusterSnapshot"
	tDBSubnetGroup = "AWS::RDS::DBSubnetGroup"
	tDBParamGroup  = "AWS::RDS::DBParameterGroup"
	tDBCParamGroup = "AWS::RDS::DBClusterParameterGroup"
	tOptionGroup   = "AWS::RDS::OptionGroup"

	tFunction = "AWS::Lambda::Function"
	tLayer    = "AWS::Lambda::LayerVersion"
	tESM      = "AWS::Lambda::EventSourceMapping"

	tTable       = "AWS::DynamoDB::Table"
	tGlobalTable = "AWS::DynamoDB::GlobalTable"
	tDDBBackup   = "AWS::DynamoDB::Backup"

	tLB           = "AWS::ElasticLoadBalancingV2::LoadBalancer"
	tTargetGroup  = "AWS::ElasticLoadBalancingV2::TargetGroup"
	tListener     = "AWS::ElasticLoadBalancingV2::Listener"
	tListenerRule = "AWS::ElasticLoadBalancingV2::ListenerRule"
	tClassic      = "AWS::ElasticLoadBalancing::LoadBalancer"

	tEKS           = "AWS::EKS::Cluster"
	tNodegroup     = "AWS::EKS::Nodegroup"
	tFargateProf   = "AWS::EKS::FargateProfile"
	tAddon         = "AWS::EKS::Addon"
	tECSCluster    = "AWS::ECS::Cluster"
	tECSService    = "AWS::ECS::Service"
	tTaskDef       = "AWS::ECS::TaskDefinition"
	tTask          = "AWS::ECS::Task"
	tCapProvider   = "AWS::ECS::CapacityProvider"
	tContainerInst = "AWS::ECS::ContainerInstance"

	tASG        = "AWS::AutoScaling::AutoScalingGroup"
	tLaunchConf = "AWS::AutoScaling::LaunchConfiguration"

	tStack     = "AWS::CloudFormation::Stack"
	tStackSet  = "AWS::CloudFormation::StackSet"
	tChangeSet = "AWS::CloudFormation::ChangeSet"

	tKMSKey = "AWS::KMS::Key"
	tAlias  = "AWS::KMS::Alias"

	tLogGroup  = "AWS::Logs::LogGroup"
	tLogStream = "AWS::Logs::LogStream"

	tTrail = "AWS::CloudTrail::Trail"

	tSecret    = "AWS::SecretsManager::Secret"
	tParameter = "AWS::SSM::Parameter"
	tRepo      = "AWS::ECR::Repository"
	tTopic     = "AWS::SNS::Topic"
	tQueue     = "AWS::SQS::Queue"
)

// The tags by which AWS marks what an Auto Scaling group or a CloudFormation
// stack launched: the instance (or volume, table, …) can then be traced to
// its parent.
const (
	tagASG   = "[key=aws:autoscaling:groupName].value"
	tagStack = "[key=aws:cloudformation:stack-name].value"
)

// resourceRules is the table, grouped by service. Where CloudTrail spells a
// payload two ways (EC2's newer APIs wrap the request in "XxxRequest" with
// capitalised members; old and new vintages differ), both paths are listed:
// the record has one of them, and the same resource found twice is kept
// once.
//
// Roles: a call that ends a resource deletes it (TerminateInstances too: the
// instance is gone for good, and its cost ends; the investigator counts
// deleted as a state change); one that changes whether it runs changes its
// state (stop, start, reboot, Auto Scaling's terminate request, a KMS key's
// disable or scheduled deletion); a configuration change modifies it; a
// read of what the call names (DescribeInstances with instance IDs, not one
// that filters) reads it; what a call merely names (the AMI of RunInstances,
// the role of AssumeRole, the group that launched an instance) is
// referenced.
var resourceRules = []ResourceRule{
	// EC2 instances.
	{srcEC2, "RunInstances", rs + "instancesSet.items[].instanceId", "", tInstance, created},
	{srcEC2, "RunInstances", rq + "instancesSet.items[].imageId", "", tImage, refd},
	// The network interfaces come with the instances; the cost report keys
	// in-use public IPv4 addresses by them.
	{srcEC2, "RunInstances", rs + "instancesSet.items[].networkInterfaceSet.items[].networkInterfaceId", "", tENI, created},
	{srcEC2, "RunInstances", rq + "subnetId", "", tSubnet, refd},
	{srcEC2, "RunInstances", rq + "groupSet.items[].groupId", "", tSG, refd},
	{srcEC2, "RunInstances", rq + "networkInterfaceSet.items[].subnetId", "", tSubnet, refd},
	{srcEC2, "RunInstances", rq + "networkInterfaceSet.items[].groupSet.items[].groupId", "", tSG, refd},
	{srcEC2, "RunInstances", rq + "launchTemplate.launchTemplateId", "", tLT, refd},
	{srcEC2, "RunInstances", rq + "iamInstanceProfile.arn", "", tProfile, refd},
	{srcEC2, "RunInstances", rq + "iamInstanceProfile.name", "", tProfile, refd},
	// Who launched it on someone's behalf: an Auto Scaling group or a stack.
	{srcEC2, "RunInstances", rq + "tagSpecificationSet.items[].tags" + tagASG, "", tASG, refd},
	{srcEC2, "RunInstances", rq + "tagSpecificationSet.items[].tags" + tagStack, "", tStack, refd},
	{srcEC2, "StartInstances", rq + "instancesSet.items[].instanceId", "", tInstance, changed},
	{srcEC2, "StopInstances", rq + "instancesSet.items[].instanceId", "", tInstance, changed},
	{srcEC2, "RebootInstances", rq + "instancesSet.items[].instanceId", "", tInstance, changed},
	{srcEC2, "TerminateInstances", rq + "instancesSet.items[].instanceId", "", tInstance, deleted},
	{srcEC2, "BidEvictedEvent", "serviceEventDetails.instanceIdSet[]", "", tInstance, changed},
	{srcEC2, "SendDiagnosticInterrupt", rq + "instanceId", "", tInstance, changed},
	{srcEC2, "SendDiagnosticInterrupt", rq + "SendDiagnosticInterruptRequest.InstanceId", "", tInstance, changed},
	// Replacing the root volume reboots the instance.
	{srcEC2, "CreateReplaceRootVolumeTask", rq + "CreateReplaceRootVolumeTaskRequest.InstanceId", "", tInstance, changed},
	{srcEC2, "CreateReplaceRootVolumeTask", rq + "instanceId", "", tInstance, changed},
	{srcEC2, "ModifyInstanceAttribute", rq + "instanceId", "", tInstance, modified},
	{srcEC2, "ModifyInstanceAttribute", rq + "groupSet.items[].groupId", "", tSG, refd},
	{srcEC2, "ResetInstanceAttribute", rq + "instanceId", "", tInstance, modified},
	{srcEC2, "ModifyInstancePlacement", rq + "instanceId", "", tInstance, modified},
	{srcEC2, "ModifyInstancePlacement", rq + "ModifyInstancePlacementRequest.InstanceId", "", tInstance, modified},
	{srcEC2, "ModifyInstanceMetadataOptions", rq + "ModifyInstanceMetadataOptionsRequest.InstanceId", "", tInstance, modified},
	{srcEC2, "ModifyInstanceMetadataOptions", rq + "instanceId", "", tInstance, modified},
	{srcEC2, "ModifyInstanceMaintenanceOptions", rq + "ModifyInstanceMaintenanceOptionsRequest.InstanceId", "", tInstance, modified},
	{srcEC2, "ModifyInstanceMaintenanceOptions", rq + "instanceId", "", tInstance, modified},
	{srcEC2, "ModifyInstanceCreditSpecification", rq + "ModifyInstanceCreditSpecificationRequest.InstanceCreditSpecification[].InstanceId", "", tInstance, modified},
	{srcEC2, "ModifyInstanceCreditSpecification", rs + "ModifyInstanceCreditSpecificationResponse.successfulInstanceCreditSpecificationSet.item[].instanceId", "", tInstance, modified},
	{srcEC2, "ModifyInstanceCapacityReservationAttributes", rq + "ModifyInstanceCapacityReservationAttributesRequest.InstanceId", "", tInstance, modified},
	{srcEC2, "ModifyInstanceCapacityReservationAttributes", rq + "instanceId", "", tInstance, modified},
	{srcEC2, "ModifyInstanceEventStartTime", rq + "ModifyInstanceEventStartTimeRequest.InstanceId", "", tInstance, modified},
	{srcEC2, "ModifyInstanceEventStartTime", rq + "instanceId", "", tInstance, modified},
	{srcEC2, "ModifyPrivateDnsNameOptions", rq + "ModifyPrivateDnsNameOptionsRequest.InstanceId", "", tInstance, modified},
	{srcEC2, "MonitorInstances", rq + "instancesSet.items[].instanceId", "", tInstance, modified},
	{srcEC2, "UnmonitorInstances", rq + "instancesSet.items[].instanceId", "", tInstance, modified},
	{srcEC2, "AssociateIamInstanceProfile", rq + "AssociateIamInstanceProfileRequest.InstanceId", "", tInstance, modified},
	{srcEC2, "AssociateIamInstanceProfile", rq + "instanceId", "", tInstance, modified},
	{srcEC2, "AssociateIamInstanceProfile", rq + "AssociateIamInstanceProfileRequest.IamInstanceProfile.Arn", "", tProfile, refd},
	{srcEC2, "AssociateIamInstanceProfile", rq + "AssociateIamInstanceProfileRequest.IamInstanceProfile.Name", "", tProfile, refd},
	// Replace and disassociate name only the association (iip-assoc-…); the
	// response names the instance.
	{srcEC2, "ReplaceIamInstanceProfileAssociation", rs + "ReplaceIamInstanceProfileAssociationResponse.iamInstanceProfileAssociation.instanceId", "", tInstance, modified},
	{srcEC2, "ReplaceIamInstanceProfileAssociation", rs + "iamInstanceProfileAssociation.instanceId", "", tInstance, modified},
	{srcEC2, "ReplaceIamInstanceProfileAssociation", rq + "ReplaceIamInstanceProfileAssociationRequest.IamInstanceProfile.Arn", "", tProfile, refd},
	{srcEC2, "ReplaceIamInstanceProfileAssociation", rq + "ReplaceIamInstanceProfileAssociationRequest.IamInstanceProfile.Name", "", tProfile, refd},
	{srcEC2, "DisassociateIamInstanceProfile", rs + "DisassociateIamInstanceProfileResponse.iamInstanceProfileAssociation.instanceId", "", tInstance, modified},
	{srcEC2, "DisassociateIamInstanceProfile", rs + "iamInstanceProfileAssociation.instanceId", "", tInstance, modified},
	// Fleets and Spot requests launch instances too.
	{srcEC2, "CreateFleet", rs + "CreateFleetResponse.fleetId", "", tFleet, created},
	{srcEC2, "CreateFleet", rs + "CreateFleetResponse.fleetInstanceSet.item[].instanceIds.item[]", "", tInstance, created},
	{srcEC2, "DeleteFleets", rq + "DeleteFleetsRequest.FleetId[]", "", tFleet, deleted},
	{srcEC2, "DeleteFleets", rq + "DeleteFleetsRequest.FleetId[].content", "", tFleet, deleted},
	{srcEC2, "RequestSpotInstances", rs + "spotInstanceRequestSet.items[].spotInstanceRequestId", "", tSpotReq, created},
	{srcEC2, "CancelSpotInstanceRequests", rq + "spotInstanceRequestIdSet.items[].spotInstanceRequestId", "", tSpotReq, deleted},

	// EBS volumes.
	{srcEC2, "CreateVolume", rs + "volumeId", "", tVolume, created},
	{srcEC2, "CreateVolume", rq + "snapshotId", "", tSnapshot, refd},
	{srcEC2, "CreateVolume", rq + "tagSpecificationSet.items[].tags" + tagStack, "", tStack, refd},
	{srcEC2, "DeleteVolume", rq + "volumeId", "", tVolume, deleted},
	{srcEC2, "ModifyVolume", rq + "ModifyVolumeRequest.VolumeId", "", tVolume, modified},
	{srcEC2, "ModifyVolume", rq + "volumeId", "", tVolume, modified},
	{srcEC2, "ModifyVolumeAttribute", rq + "volumeId", "", tVolume, modified},
	{srcEC2, "EnableVolumeIO", rq + "volumeId", "", tVolume, modified},
	{srcEC2, "AttachVolume", rq + "volumeId", "", tVolume, modified},
	{srcEC2, "AttachVolume", rq + "instanceId", "", tInstance, modified},
	// DetachVolume may name the volume only; the response names both.
	{srcEC2, "DetachVolume", rq + "volumeId", "", tVolume, modified},
	{srcEC2, "DetachVolume", rq + "instanceId", "", tInstance, modified},
	{srcEC2, "DetachVolume", rs + "instanceId", "", tInstance, modified},

	// EBS snapshots.
	{srcEC2, "CreateSnapshot", rs + "snapshotId", "", tSnapshot, created},
	{srcEC2, "CreateSnapshot", rq + "volumeId", "", tVolume, refd},
	{srcEC2, "CreateSnapshots", rs + "CreateSnapshotsResponse.snapshotSet.item[].snapshotId", "", tSnapshot, created},
	{srcEC2, "CreateSnapshots", rs + "snapshotSet.items[].snapshotId", "", tSnapshot, created},
	{srcEC2, "CreateSnapshots", rq + "CreateSnapshotsRequest.InstanceSpecification.InstanceId", "", tInstance, refd},
	{srcEC2, "CopySnapshot", rs + "snapshotId", "", tSnapshot, created},
	{srcEC2, "CopySnapshot", rq + "sourceSnapshotId", "", tSnapshot, refd},
	{srcEC2, "DeleteSnapshot", rq + "snapshotId", "", tSnapshot, deleted},
	{srcEC2, "ModifySnapshotAttribute", rq + "snapshotId", "", tSnapshot, modified},
	{srcEC2, "ResetSnapshotAttribute", rq + "snapshotId", "", tSnapshot, modified},
	{srcEC2, "ModifySnapshotTier", rq + "ModifySnapshotTierRequest.SnapshotId", "", tSnapshot, modified},
	{srcEC2, "RestoreSnapshotTier", rq + "RestoreSnapshotTierRequest.SnapshotId", "", tSnapshot, modified},
	{srcEC2, "LockSnapshot", rq + "LockSnapshotRequest.SnapshotId", "", tSnapshot, modified},
	{srcEC2, "UnlockSnapshot", rq + "UnlockSnapshotRequest.SnapshotId", "", tSnapshot, modified},

	// Images. CreateImage reboots the instance unless noReboot, but the
	// reboot is not the call's purpose: the instance is referenced.
	{srcEC2, "CreateImage", rs + "imageId", "", tImage, created},
	{srcEC2, "CreateImage", rq + "instanceId", "", tInstance, refd},
	{srcEC2, "CopyImage", rs + "imageId", "", tImage, created},
	{srcEC2, "CopyImage", rq + "sourceImageId", "", tImage, refd},
	{srcEC2, "RegisterImage", rs + "imageId", "", tImage, created},
	{srcEC2, "RegisterImage", rq + "blockDeviceMapping.items[].ebs.snapshotId", "", tSnapshot, refd},
	{srcEC2, "DeregisterImage", rq + "imageId", "", tImage, deleted},
	{srcEC2, "ModifyImageAttribute", rq + "imageId", "", tImage, modified},
	{srcEC2, "ResetImageAttribute", rq + "imageId", "", tImage, modified},
	{srcEC2, "EnableImageDeprecation", rq + "EnableImageDeprecationRequest.ImageId", "", tImage, modified},
	{srcEC2, "DisableImageDeprecation", rq + "DisableImageDeprecationRequest.ImageId", "", tImage, modified},

	// Tags on anything.
	{srcEC2, "CreateTags", rq + "resourcesSet.items[].resourceId", "", ec2Any, modified},
	{srcEC2, "DeleteTags", rq + "resourcesSet.items[].resourceId", "", ec2Any, modified},

	// Security groups.
	{srcEC2, "CreateSecurityGroup", rs + "groupId", "", tSG, created},
	{srcEC2, "CreateSecurityGroup", rq + "vpcId", "", tVPC, refd},
	{srcEC2, "CreateSecurityGroup", rq + "tagSpecificationSet.items[].tags" + tagStack, "", tStack, refd},
	{srcEC2, "DeleteSecurityGroup", rq + "groupId", "", tSG, deleted},
	{srcEC2, "AuthorizeSecurityGroupIngress", rq + "groupId", "", tSG, modified},
	{srcEC2, "AuthorizeSecurityGroupEgress", rq + "groupId", "", tSG, modified},
	{srcEC2, "RevokeSecurityGroupIngress", rq + "groupId", "", tSG, modified},
	{srcEC2, "RevokeSecurityGroupEgress", rq + "groupId", "", tSG, modified},
	{srcEC2, "ModifySecurityGroupRules", rq + "ModifySecurityGroupRulesRequest.GroupId", "", tSG, modified},
	{srcEC2, "ModifySecurityGroupRules", rq + "groupId", "", tSG, modified},
	{srcEC2, "UpdateSecurityGroupRuleDescriptionsIngress", rq + "groupId", "", tSG, modified},
	{srcEC2, "UpdateSecurityGroupRuleDescriptionsEgress", rq + "groupId", "", tSG, modified},

	// Network interfaces.
	{srcEC2, "CreateNetworkInterface", rs + "networkInterface.networkInterfaceId", "", tENI, created},
	{srcEC2, "CreateNetworkInterface", rq + "subnetId", "", tSubnet, refd},
	{srcEC2, "DeleteNetworkInterface", rq + "networkInterfaceId", "", tENI, deleted},
	{srcEC2, "AttachNetworkInterface", rq + "networkInterfaceId", "", tENI, modified},
	{srcEC2, "AttachNetworkInterface", rq + "instanceId", "", tInstance, modified},
	{srcEC2, "AttachNetworkInterface", rs + "attachmentId", "", tENIAttach, created},
	// DetachNetworkInterface names only the attachment (eni-attach-…),
	// which AttachNetworkInterface's response named.
	{srcEC2, "DetachNetworkInterface", rq + "attachmentId", "", tENIAttach, deleted},
	{srcEC2, "ModifyNetworkInterfaceAttribute", rq + "networkInterfaceId", "", tENI, modified},
	{srcEC2, "AssignPrivateIpAddresses", rq + "networkInterfaceId", "", tENI, modified},
	{srcEC2, "UnassignPrivateIpAddresses", rq + "networkInterfaceId", "", tENI, modified},
	{srcEC2, "AssignIpv6Addresses", rq + "networkInterfaceId", "", tENI, modified},
	{srcEC2, "UnassignIpv6Addresses", rq + "networkInterfaceId", "", tENI, modified},
	{srcEC2, "CreateNetworkInterfacePermission", rq + "CreateNetworkInterfacePermissionRequest.NetworkInterfaceId", "", tENI, modified},

	// Elastic IP addresses.
	{srcEC2, "AllocateAddress", rs + "allocationId", "", tEIP, created},
	{srcEC2, "ReleaseAddress", rq + "allocationId", "", tEIP, deleted},
	{srcEC2, "AssociateAddress", rq + "allocationId", "", tEIP, modified},
	{srcEC2, "AssociateAddress", rq + "instanceId", "", tInstance, modified},
	{srcEC2, "AssociateAddress", rq + "networkInterfaceId", "", tENI, modified},
	{srcEC2, "AssociateAddress", rs + "associationId", "", tEIPAssoc, created},
	// DisassociateAddress names only the association (eipassoc-…).
	{srcEC2, "DisassociateAddress", rq + "associationId", "", tEIPAssoc, deleted},

	// NAT gateways.
	{srcEC2, "CreateNatGateway", rs + "CreateNatGatewayResponse.natGateway.natGatewayId", "", tNAT, created},
	{srcEC2, "CreateNatGateway", rs + "natGateway.natGatewayId", "", tNAT, created},
	{srcEC2, "CreateNatGateway", rq + "CreateNatGatewayRequest.SubnetId", "", tSubnet, refd},
	{srcEC2, "CreateNatGateway", rq + "CreateNatGatewayRequest.AllocationId", "", tEIP, refd},
	{srcEC2, "DeleteNatGateway", rq + "DeleteNatGatewayRequest.NatGatewayId", "", tNAT, deleted},
	{srcEC2, "DeleteNatGateway", rq + "natGatewayId", "", tNAT, deleted},

	// VPCs, subnets, gateways, route tables, endpoints.
	{srcEC2, "CreateVpc", rs + "vpc.vpcId", "", tVPC, created},
	{srcEC2, "CreateDefaultVpc", rs + "vpc.vpcId", "", tVPC, created},
	{srcEC2, "DeleteVpc", rq + "vpcId", "", tVPC, deleted},
	{srcEC2, "ModifyVpcAttribute", rq + "vpcId", "", tVPC, modified},
	{srcEC2, "CreateSubnet", rs + "subnet.subnetId", "", tSubnet, created},
	{srcEC2, "CreateSubnet", rq + "vpcId", "", tVPC, refd},
	{srcEC2, "CreateDefaultSubnet", rs + "subnet.subnetId", "", tSubnet, created},
	{srcEC2, "DeleteSubnet", rq + "subnetId", "", tSubnet, deleted},
	{srcEC2, "ModifySubnetAttribute", rq + "subnetId", "", tSubnet, modified},
	{srcEC2, "CreateInternetGateway", rs + "internetGateway.internetGatewayId", "", tIGW, created},
	{srcEC2, "DeleteInternetGateway", rq + "internetGatewayId", "", tIGW, deleted},
	{srcEC2, "AttachInternetGateway", rq + "internetGatewayId", "", tIGW, modified},
	{srcEC2, "AttachInternetGateway", rq + "vpcId", "", tVPC, modified},
	{srcEC2, "DetachInternetGateway", rq + "internetGatewayId", "", tIGW, modified},
	{srcEC2, "DetachInternetGateway", rq + "vpcId", "", tVPC, modified},
	{srcEC2, "CreateRouteTable", rs + "routeTable.routeTableId", "", tRTB, created},
	{srcEC2, "CreateRouteTable", rq + "vpcId", "", tVPC, refd},
	{srcEC2, "DeleteRouteTable", rq + "routeTableId", "", tRTB, deleted},
	{srcEC2, "CreateRoute", rq + "routeTableId", "", tRTB, modified},
	{srcEC2, "ReplaceRoute", rq + "routeTableId", "", tRTB, modified},
	{srcEC2, "DeleteRoute", rq + "routeTableId", "", tRTB, modified},
	{srcEC2, "AssociateRouteTable", rq + "routeTableId", "", tRTB, modified},
	{srcEC2, "AssociateRouteTable", rq + "subnetId", "", tSubnet, refd},
	{srcEC2, "CreateVpcEndpoint", rs + "CreateVpcEndpointResponse.vpcEndpoint.vpcEndpointId", "", tVPCE, created},
	{srcEC2, "CreateVpcEndpoint", rq + "CreateVpcEndpointRequest.VpcId", "", tVPC, refd},
	{srcEC2, "ModifyVpcEndpoint", rq + "ModifyVpcEndpointRequest.VpcEndpointId", "", tVPCE, modified},
	{srcEC2, "DeleteVpcEndpoints", rq + "DeleteVpcEndpointsRequest.VpcEndpointId[]", "", tVPCE, deleted},
	{srcEC2, "DeleteVpcEndpoints", rq + "DeleteVpcEndpointsRequest.VpcEndpointId[].content", "", tVPCE, deleted},

	// Launch templates and key pairs. A key pair's ID is its name, which
	// every call carries.
	{srcEC2, "CreateLaunchTemplate", rs + "CreateLaunchTemplateResponse.launchTemplate.launchTemplateId", "", tLT, created},
	{srcEC2, "CreateLaunchTemplateVersion", rs + "CreateLaunchTemplateVersionResponse.launchTemplateVersion.launchTemplateId", "", tLT, modified},
	{srcEC2, "CreateLaunchTemplateVersion", rq + "CreateLaunchTemplateVersionRequest.LaunchTemplateId", "", tLT, modified},
	{srcEC2, "ModifyLaunchTemplate", rs + "ModifyLaunchTemplateResponse.launchTemplate.launchTemplateId", "", tLT, modified},
	{srcEC2, "ModifyLaunchTemplate", rq + "ModifyLaunchTemplateRequest.LaunchTemplateId", "", tLT, modified},
	{srcEC2, "DeleteLaunchTemplate", rs + "DeleteLaunchTemplateResponse.launchTemplate.launchTemplateId", "", tLT, deleted},
	{srcEC2, "DeleteLaunchTemplate", rq + "DeleteLaunchTemplateRequest.LaunchTemplateId", "", tLT, deleted},
	{srcEC2, "DeleteLaunchTemplateVersions", rq + "DeleteLaunchTemplateVersionsRequest.LaunchTemplateId", "", tLT, modified},
	{srcEC2, "CreateKeyPair", rq + "keyName", "", tKeyPair, created},
	{srcEC2, "ImportKeyPair", rq + "keyName", "", tKeyPair, created},
	{srcEC2, "DeleteKeyPair", rq + "keyName", "", tKeyPair, deleted},

	// EC2 reads that name what they read. Most Describe calls list
	// everything or filter; only the IDs they name count.
	{srcEC2, "DescribeInstances", rq + "instancesSet.items[].instanceId", "", tInstance, read},
	{srcEC2, "DescribeInstanceStatus", rq + "instancesSet.items[].instanceId", "", tInstance, read},
	{srcEC2, "DescribeInstanceAttribute", rq + "instanceId", "", tInstance, read},
	{srcEC2, "GetConsoleOutput", rq + "instanceId", "", tInstance, read},
	{srcEC2, "GetConsoleScreenshot", rq + "instanceId", "", tInstance, read},
	{srcEC2, "GetPasswordData", rq + "instanceId", "", tInstance, read},
	{srcEC2, "DescribeVolumes", rq + "volumeSet.items[].volumeId", "", tVolume, read},
	{srcEC2, "DescribeSnapshots", rq + "snapshotSet.items[].snapshotId", "", tSnapshot, read},
	{srcEC2, "DescribeSnapshotAttribute", rq + "snapshotId", "", tSnapshot, read},
	{srcEC2, "DescribeImages", rq + "imagesSet.items[].imageId", "", tImage, read},
	{srcEC2, "DescribeImageAttribute", rq + "imageId", "", tImage, read},
	{srcEC2, "DescribeSecurityGroups", rq + "securityGroupIdSet.items[].groupId", "", tSG, read},
	{srcEC2, "DescribeNetworkInterfaces", rq + "networkInterfaceIdSet.items[].networkInterfaceId", "", tENI, read},
	{srcEC2, "DescribeAddresses", rq + "allocationIdsSet.items[].allocationId", "", tEIP, read},
	{srcEC2, "DescribeNatGateways", rq + "DescribeNatGatewaysRequest.NatGatewayId[]", "", tNAT, read},
	{srcEC2, "DescribeNatGateways", rq + "DescribeNatGatewaysRequest.NatGatewayId[].content", "", tNAT, read},
	{srcEC2, "DescribeSubnets", rq + "subnetSet.items[].subnetId", "", tSubnet, read},
	{srcEC2, "DescribeVpcs", rq + "vpcSet.items[].vpcId", "", tVPC, read},

	// Auto Scaling groups and launch configurations. TerminateInstance… asks
	// the group to terminate an instance (the group's own TerminateInstances
	// follows), so the instance's state changes here and ends there.
	{srcASG, "CreateAutoScalingGroup", rq + "autoScalingGroupName", "", tASG, created},
	{srcASG, "CreateAutoScalingGroup", rq + "launchConfigurationName", "", tLaunchConf, refd},
	{srcASG, "CreateAutoScalingGroup", rq + "launchTemplate.launchTemplateId", "", tLT, refd},
	{srcASG, "CreateAutoScalingGroup", rq + "mixedInstancesPolicy.launchTemplate.launchTemplateSpecification.launchTemplateId", "", tLT, refd},
	{srcASG, "CreateAutoScalingGroup", rq + "targetGroupARNs[]", "", tTargetGroup, refd},
	{srcASG, "CreateAutoScalingGroup", rq + "tags" + tagStack, "", tStack, refd},
	{srcASG, "UpdateAutoScalingGroup", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "UpdateAutoScalingGroup", rq + "launchConfigurationName", "", tLaunchConf, refd},
	{srcASG, "UpdateAutoScalingGroup", rq + "launchTemplate.launchTemplateId", "", tLT, refd},
	{srcASG, "DeleteAutoScalingGroup", rq + "autoScalingGroupName", "", tASG, deleted},
	{srcASG, "SetDesiredCapacity", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "TerminateInstanceInAutoScalingGroup", rq + "instanceId", "", tInstance, changed},
	{srcASG, "TerminateInstanceInAutoScalingGroup", rs + "activity.autoScalingGroupName", "", tASG, modified},
	{srcASG, "SetInstanceHealth", rq + "instanceId", "", tInstance, modified},
	{srcASG, "SetInstanceProtection", rq + "instanceIds[]", "", tInstance, modified},
	{srcASG, "SetInstanceProtection", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "AttachInstances", rq + "instanceIds[]", "", tInstance, modified},
	{srcASG, "AttachInstances", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "DetachInstances", rq + "instanceIds[]", "", tInstance, modified},
	{srcASG, "DetachInstances", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "EnterStandby", rq + "instanceIds[]", "", tInstance, changed},
	{srcASG, "EnterStandby", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "ExitStandby", rq + "instanceIds[]", "", tInstance, changed},
	{srcASG, "ExitStandby", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "CompleteLifecycleAction", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "CompleteLifecycleAction", rq + "instanceId", "", tInstance, refd},
	{srcASG, "RecordLifecycleActionHeartbeat", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "RecordLifecycleActionHeartbeat", rq + "instanceId", "", tInstance, refd},
	{srcASG, "AttachLoadBalancerTargetGroups", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "AttachLoadBalancerTargetGroups", rq + "targetGroupARNs[]", "", tTargetGroup, refd},
	{srcASG, "DetachLoadBalancerTargetGroups", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "DetachLoadBalancerTargetGroups", rq + "targetGroupARNs[]", "", tTargetGroup, refd},
	{srcASG, "AttachLoadBalancers", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "AttachLoadBalancers", rq + "loadBalancerNames[]", "", tClassic, refd},
	{srcASG, "DetachLoadBalancers", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "DetachLoadBalancers", rq + "loadBalancerNames[]", "", tClassic, refd},
	// The many calls that configure a group name it and nothing else.
	{srcASG, "PutScalingPolicy", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "DeletePolicy", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "ExecutePolicy", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "PutScheduledUpdateGroupAction", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "BatchPutScheduledUpdateGroupAction", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "DeleteScheduledAction", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "BatchDeleteScheduledAction", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "PutLifecycleHook", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "DeleteLifecycleHook", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "PutNotificationConfiguration", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "DeleteNotificationConfiguration", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "SuspendProcesses", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "ResumeProcesses", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "EnableMetricsCollection", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "DisableMetricsCollection", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "AttachTrafficSources", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "DetachTrafficSources", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "StartInstanceRefresh", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "CancelInstanceRefresh", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "RollbackInstanceRefresh", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "PutWarmPool", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "DeleteWarmPool", rq + "autoScalingGroupName", "", tASG, modified},
	{srcASG, "CreateOrUpdateTags", rq + "tags[].resourceId", "", tASG, modified},
	{srcASG, "DeleteTags", rq + "tags[].resourceId", "", tASG, modified},
	{srcASG, "CreateLaunchConfiguration", rq + "launchConfigurationName", "", tLaunchConf, created},
	{srcASG, "CreateLaunchConfiguration", rq + "imageId", "", tImage, refd},
	{srcASG, "DeleteLaunchConfiguration", rq + "launchConfigurationName", "", tLaunchConf, deleted},
	{srcASG, "DescribeAutoScalingGroups", rq + "autoScalingGroupNames[]", "", tASG, read},
	{srcASG, "DescribeScalingActivities", rq + "autoScalingGroupName", "", tASG, read},
	{srcASG, "DescribePolicies", rq + "autoScalingGroupName", "", tASG, read},
	{srcASG, "DescribeLifecycleHooks", rq + "autoScalingGroupName", "", tASG, read},
	{srcASG, "DescribeAutoScalingInstances", rq + "instanceIds[]", "", tInstance, read},

	// Load balancers: v2 calls (API 2015-12-01) name ARNs, classic ones
	// (2012-06-01) names; both share the event source and some call names.
	{srcELB, "CreateLoadBalancer", rs + "loadBalancers[].loadBalancerArn", "", tLB, created},
	{srcELB, "CreateLoadBalancer", rq + "loadBalancerName", "", tClassic, created},
	{srcELB, "CreateLoadBalancer", rq + "securityGroups[]", "", tSG, refd},
	{srcELB, "DeleteLoadBalancer", rq + "loadBalancerArn", "", tLB, deleted},
	{srcELB, "DeleteLoadBalancer", rq + "loadBalancerName", "", tClassic, deleted},
	{srcELB, "ModifyLoadBalancerAttributes", rq + "loadBalancerArn", "", tLB, modified},
	{srcELB, "ModifyLoadBalancerAttributes", rq + "loadBalancerName", "", tClassic, modified},
	{srcELB, "SetSecurityGroups", rq + "loadBalancerArn", "", tLB, modified},
	{srcELB, "SetSubnets", rq + "loadBalancerArn", "", tLB, modified},
	{srcELB, "SetIpAddressType", rq + "loadBalancerArn", "", tLB, modified},
	{srcELB, "AddTags", rq + "resourceArns[]", "", anyType, modified},
	{srcELB, "AddTags", rq + "loadBalancerNames[]", "", tClassic, modified},
	{srcELB, "RemoveTags", rq + "resourceArns[]", "", anyType, modified},
	{srcELB, "RemoveTags", rq + "loadBalancerNames[]", "", tClassic, modified},
	{srcELB, "CreateTargetGroup", rs + "targetGroups[].targetGroupArn", "", tTargetGroup, created},
	{srcELB, "DeleteTargetGroup", rq + "targetGroupArn", "", tTargetGroup, deleted},
	{srcELB, "ModifyTargetGroup", rq + "targetGroupArn", "", tTargetGroup, modified},
	{srcELB, "ModifyTargetGroupAttributes", rq + "targetGroupArn", "", tTargetGroup, modified},
	// Targets are instances, IP addresses or functions; only instances are
	// kept (see ResourceRule.Type).
	{srcELB, "RegisterTargets", rq + "targetGroupArn", "", tTargetGroup, modified},
	{srcELB, "RegisterTargets", rq + "targets[].id", "", tInstance, refd},
	{srcELB, "DeregisterTargets", rq + "targetGroupArn", "", tTargetGroup, modified},
	{srcELB, "DeregisterTargets", rq + "targets[].id", "", tInstance, refd},
	{srcELB, "CreateListener", rs + "listeners[].listenerArn", "", tListener, created},
	{srcELB, "CreateListener", rq + "loadBalancerArn", "", tLB, modified},
	{srcELB, "CreateListener", rq + "defaultActions[].targetGroupArn", "", tTargetGroup, refd},
	{srcELB, "ModifyListener", rq + "listenerArn", "", tListener, modified},
	{srcELB, "ModifyListener", rq + "defaultActions[].targetGroupArn", "", tTargetGroup, refd},
	{srcELB, "DeleteListener", rq + "listenerArn", "", tListener, deleted},
	{srcELB, "AddListenerCertificates", rq + "listenerArn", "", tListener, modified},
	{srcELB, "RemoveListenerCertificates", rq + "listenerArn", "", tListener, modified},
	{srcELB, "CreateRule", rs + "rules[].ruleArn", "", tListenerRule, created},
	{srcELB, "CreateRule", rq + "listenerArn", "", tListener, modified},
	{srcELB, "ModifyRule", rq + "ruleArn", "", tListenerRule, modified},
	{srcELB, "DeleteRule", rq + "ruleArn", "", tListenerRule, deleted},
	{srcELB, "SetRulePriorities", rq + "rulePriorities[].ruleArn", "", tListenerRule, modified},
	// Classic load balancers.
	{srcELB, "RegisterInstancesWithLoadBalancer", rq + "loadBalancerName", "", tClassic, modified},
	{srcELB, "RegisterInstancesWithLoadBalancer", rq + "instances[].instanceId", "", tInstance, refd},
	{srcELB, "DeregisterInstancesFromLoadBalancer", rq + "loadBalancerName", "", tClassic, modified},
	{srcELB, "DeregisterInstancesFromLoadBalancer", rq + "instances[].instanceId", "", tInstance, refd},
	{srcELB, "ConfigureHealthCheck", rq + "loadBalancerName", "", tClassic, modified},
	{srcELB, "CreateLoadBalancerListeners", rq + "loadBalancerName", "", tClassic, modified},
	{srcELB, "DeleteLoadBalancerListeners", rq + "loadBalancerName", "", tClassic, modified},
	{srcELB, "CreateLoadBalancerPolicy", rq + "loadBalancerName", "", tClassic, modified},
	{srcELB, "DeleteLoadBalancerPolicy", rq + "loadBalancerName", "", tClassic, modified},
	{srcELB, "SetLoadBalancerPoliciesOfListener", rq + "loadBalancerName", "", tClassic, modified},
	{srcELB, "SetLoadBalancerPoliciesForBackendServer", rq + "loadBalancerName", "", tClassic, modified},
	{srcELB, "SetLoadBalancerListenerSSLCertificate", rq + "loadBalancerName", "", tClassic, modified},
	{srcELB, "ApplySecurityGroupsToLoadBalancer", rq + "loadBalancerName", "", tClassic, modified},
	{srcELB, "AttachLoadBalancerToSubnets", rq + "loadBalancerName", "", tClassic, modified},
	{srcELB, "DetachLoadBalancerFromSubnets", rq + "loadBalancerName", "", tClassic, modified},
	{srcELB, "EnableAvailabilityZonesForLoadBalancer", rq + "loadBalancerName", "", tClassic, modified},
	{srcELB, "DisableAvailabilityZonesForLoadBalancer", rq + "loadBalancerName", "", tClassic, modified},
	// Reads. DescribeLoadBalancers by name is left out: a v2 load balancer's
	// ID is app/name/id, which a name alone does not give.
	{srcELB, "DescribeLoadBalancers", rq + "loadBalancerArns[]", "", tLB, read},
	{srcELB, "DescribeLoadBalancerAttributes", rq + "loadBalancerArn", "", tLB, read},
	{srcELB, "DescribeListeners", rq + "loadBalancerArn", "", tLB, read},
	{srcELB, "DescribeTargetGroups", rq + "loadBalancerArn", "", tLB, read},
	{srcELB, "DescribeTargetGroups", rq + "targetGroupArns[]", "", tTargetGroup, read},
	{srcELB, "DescribeTargetHealth", rq + "targetGroupArn", "", tTargetGroup, read},
	{srcELB, "DescribeTargetGroupAttributes", rq + "targetGroupArn", "", tTargetGroup, read},
	{srcELB, "DescribeTags", rq + "resourceArns[]", "", anyType, read},

	// S3 buckets: every configuration call names the bucket.
	{srcS3, "CreateBucket", rq + "bucketName", "", tBucket, created},
	{srcS3, "DeleteBucket", rq + "bucketName", "", tBucket, deleted},
	{srcS3, "PutBucket*", rq + "bucketName", "", tBucket, modified},
	{srcS3, "DeleteBucket*", rq + "bucketName", "", tBucket, modified},
	{srcS3, "GetBucket*", rq + "bucketName", "", tBucket, read},
	// CloudFormation tags a bucket it created right after creating it.
	{srcS3, "PutBucketTagging", rq + "bucketName", "", tBucket, modified},
	{srcS3, "PutBucketTagging", rq + "Tagging.TagSet.Tag[Key=aws:cloudformation:stack-name].Value", "", tStack, refd},
	{srcS3, "PutAccelerateConfiguration", rq + "bucketName", "", tBucket, modified},
	{srcS3, "PutObjectLockConfiguration", rq + "bucketName", "", tBucket, modified},
	{srcS3, "DeleteObjects", rq + "bucketName", "", tBucket, modified},
	{srcS3, "ListObjects", rq + "bucketName", "", tBucket, read},
	{srcS3, "ListObjectsV2", rq + "bucketName", "", tBucket, read},
	{srcS3, "ListObjectVersions", rq + "bucketName", "", tBucket, read},
	{srcS3, "ListMultipartUploads", rq + "bucketName", "", tBucket, read},
	// S3 objects (data events): the object is bucket/key, and its bucket is
	// referenced (resources[] lists it too, with the owner's account).
	{srcS3, "PutObject", rq + "bucketName", rq + "key", tObject, created},
	{srcS3, "PutObject", rq + "bucketName", "", tBucket, refd},
	{srcS3, "CopyObject", rq + "bucketName", rq + "key", tObject, created},
	{srcS3, "CopyObject", rq + "bucketName", "", tBucket, refd},
	{srcS3, "CompleteMultipartUpload", rq + "bucketName", rq + "key", tObject, created},
	{srcS3, "CompleteMultipartUpload", rq + "bucketName", "", tBucket, refd},
	{srcS3, "DeleteObject", rq + "bucketName", rq + "key", tObject, deleted},
	{srcS3, "DeleteObject", rq + "bucketName", "", tBucket, refd},
	{srcS3, "GetObject", rq + "bucketName", rq + "key", tObject, read},
	{srcS3, "GetObject", rq + "bucketName", "", tBucket, refd},
	{srcS3, "HeadObject", rq + "bucketName", rq + "key", tObject, read},
	{srcS3, "HeadObject", rq + "bucketName", "", tBucket, refd},
	{srcS3, "GetObject*", rq + "bucketName", rq + "key", tObject, read},
	{srcS3, "GetObject*", rq + "bucketName", "", tBucket, refd},
	{srcS3, "SelectObjectContent", rq + "bucketName", rq + "key", tObject, read},
	{srcS3, "SelectObjectContent", rq + "bucketName", "", tBucket, refd},
	{srcS3, "PutObjectAcl", rq + "bucketName", rq + "key", tObject, modified},
	{srcS3, "PutObjectAcl", rq + "bucketName", "", tBucket, refd},
	{srcS3, "PutObjectTagging", rq + "bucketName", rq + "key", tObject, modified},
	{srcS3, "PutObjectTagging", rq + "bucketName", "", tBucket, refd},
	{srcS3, "DeleteObjectTagging", rq + "bucketName", rq + "key", tObject, modified},
	{srcS3, "DeleteObjectTagging", rq + "bucketName", "", tBucket, refd},
	{srcS3, "PutObjectRetention", rq + "bucketName", rq + "key", tObject, modified},
	{srcS3, "PutObjectRetention", rq + "bucketName", "", tBucket, refd},
	{srcS3, "PutObjectLegalHold", rq + "bucketName", rq + "key", tObject, modified},
	{srcS3, "PutObjectLegalHold", rq + "bucketName", "", tBucket, refd},
	{srcS3, "RestoreObject", rq + "bucketName", rq + "key", tObject, modified},
	{srcS3, "RestoreObject", rq + "bucketName", "", tBucket, refd},
	// A multipart upload creates its object only when it completes.
	{srcS3, "CreateMultipartUpload", rq + "bucketName", rq + "key", tObject, refd},
	{srcS3, "CreateMultipartUpload", rq + "bucketName", "", tBucket, refd},
	{srcS3, "UploadPart", rq + "bucketName", rq + "key", tObject, refd},
	{srcS3, "UploadPart", rq + "bucketName", "", tBucket, refd},
	{srcS3, "UploadPartCopy", rq + "bucketName", rq + "key", tObject, refd},
	{srcS3, "UploadPartCopy", rq + "bucketName", "", tBucket, refd},
	{srcS3, "AbortMultipartUpload", rq + "bucketName", rq + "key", tObject, refd},
	{srcS3, "AbortMultipartUpload", rq + "bucketName", "", tBucket, refd},

	// IAM users.
	{srcIAM, "CreateUser", rq + "userName", "", tUser, created},
	{srcIAM, "CreateUser", rs + "user.arn", "", tUser, created},
	{srcIAM, "DeleteUser", rq + "userName", "", tUser, deleted},
	{srcIAM, "UpdateUser", rq + "userName", "", tUser, modified},
	{srcIAM, "UpdateUser", rq + "newUserName", "", tUser, modified},
	{srcIAM, "TagUser", rq + "userName", "", tUser, modified},
	{srcIAM, "UntagUser", rq + "userName", "", tUser, modified},
	{srcIAM, "CreateLoginProfile", rq + "userName", "", tUser, modified},
	{srcIAM, "UpdateLoginProfile", rq + "userName", "", tUser, modified},
	{srcIAM, "DeleteLoginProfile", rq + "userName", "", tUser, modified},
	{srcIAM, "AttachUserPolicy", rq + "userName", "", tUser, modified},
	{srcIAM, "AttachUserPolicy", rq + "policyArn", "", tPolicy, refd},
	{srcIAM, "DetachUserPolicy", rq + "userName", "", tUser, modified},
	{srcIAM, "DetachUserPolicy", rq + "policyArn", "", tPolicy, refd},
	{srcIAM, "PutUserPolicy", rq + "userName", "", tUser, modified},
	{srcIAM, "DeleteUserPolicy", rq + "userName", "", tUser, modified},
	{srcIAM, "PutUserPermissionsBoundary", rq + "userName", "", tUser, modified},
	{srcIAM, "PutUserPermissionsBoundary", rq + "permissionsBoundary", "", tPolicy, refd},
	{srcIAM, "DeleteUserPermissionsBoundary", rq + "userName", "", tUser, modified},
	{srcIAM, "EnableMFADevice", rq + "userName", "", tUser, modified},
	{srcIAM, "DeactivateMFADevice", rq + "userName", "", tUser, modified},
	{srcIAM, "ResyncMFADevice", rq + "userName", "", tUser, modified},
	{srcIAM, "UploadSSHPublicKey", rq + "userName", "", tUser, modified},
	{srcIAM, "UpdateSSHPublicKey", rq + "userName", "", tUser, modified},
	{srcIAM, "DeleteSSHPublicKey", rq + "userName", "", tUser, modified},
	{srcIAM, "UploadSigningCertificate", rq + "userName", "", tUser, modified},
	{srcIAM, "UpdateSigningCertificate", rq + "userName", "", tUser, modified},
	{srcIAM, "DeleteSigningCertificate", rq + "userName", "", tUser, modified},
	{srcIAM, "CreateServiceSpecificCredential", rq + "userName", "", tUser, modified},
	{srcIAM, "UpdateServiceSpecificCredential", rq + "userName", "", tUser, modified},
	{srcIAM, "DeleteServiceSpecificCredential", rq + "userName", "", tUser, modified},
	{srcIAM, "ResetServiceSpecificCredential", rq + "userName", "", tUser, modified},
	{srcIAM, "CreateVirtualMFADevice", rs + "virtualMFADevice.serialNumber", "", tMFADevice, created},
	{srcIAM, "DeleteVirtualMFADevice", rq + "serialNumber", "", tMFADevice, deleted},
	// Groups.
	{srcIAM, "CreateGroup", rq + "groupName", "", tGroup, created},
	{srcIAM, "DeleteGroup", rq + "groupName", "", tGroup, deleted},
	{srcIAM, "UpdateGroup", rq + "groupName", "", tGroup, modified},
	{srcIAM, "UpdateGroup", rq + "newGroupName", "", tGroup, modified},
	{srcIAM, "AddUserToGroup", rq + "userName", "", tUser, modified},
	{srcIAM, "AddUserToGroup", rq + "groupName", "", tGroup, modified},
	{srcIAM, "RemoveUserFromGroup", rq + "userName", "", tUser, modified},
	{srcIAM, "RemoveUserFromGroup", rq + "groupName", "", tGroup, modified},
	{srcIAM, "AttachGroupPolicy", rq + "groupName", "", tGroup, modified},
	{srcIAM, "AttachGroupPolicy", rq + "policyArn", "", tPolicy, refd},
	{srcIAM, "DetachGroupPolicy", rq + "groupName", "", tGroup, modified},
	{srcIAM, "DetachGroupPolicy", rq + "policyArn", "", tPolicy, refd},
	{srcIAM, "PutGroupPolicy", rq + "groupName", "", tGroup, modified},
	{srcIAM, "DeleteGroupPolicy", rq + "groupName", "", tGroup, modified},
	// Roles.
	{srcIAM, "CreateRole", rq + "roleName", "", tRole, created},
	{srcIAM, "CreateRole", rs + "role.arn", "", tRole, created},
	{srcIAM, "CreateServiceLinkedRole", rs + "role.arn", "", tRole, created},
	{srcIAM, "DeleteRole", rq + "roleName", "", tRole, deleted},
	{srcIAM, "DeleteServiceLinkedRole", rq + "roleName", "", tRole, deleted},
	{srcIAM, "UpdateRole", rq + "roleName", "", tRole, modified},
	{srcIAM, "UpdateRoleDescription", rq + "roleName", "", tRole, modified},
	{srcIAM, "UpdateAssumeRolePolicy", rq + "roleName", "", tRole, modified},
	{srcIAM, "TagRole", rq + "roleName", "", tRole, modified},
	{srcIAM, "UntagRole", rq + "roleName", "", tRole, modified},
	{srcIAM, "AttachRolePolicy", rq + "roleName", "", tRole, modified},
	{srcIAM, "AttachRolePolicy", rq + "policyArn", "", tPolicy, refd},
	{srcIAM, "DetachRolePolicy", rq + "roleName", "", tRole, modified},
	{srcIAM, "DetachRolePolicy", rq + "policyArn", "", tPolicy, refd},
	{srcIAM, "PutRolePolicy", rq + "roleName", "", tRole, modified},
	{srcIAM, "DeleteRolePolicy", rq + "roleName", "", tRole, modified},
	{srcIAM, "PutRolePermissionsBoundary", rq + "roleName", "", tRole, modified},
	{srcIAM, "PutRolePermissionsBoundary", rq + "permissionsBoundary", "", tPolicy, refd},
	{srcIAM, "DeleteRolePermissionsBoundary", rq + "roleName", "", tRole, modified},
	// Managed policies.
	{srcIAM, "CreatePolicy", rs + "policy.arn", "", tPolicy, created},
	{srcIAM, "CreatePolicyVersion", rq + "policyArn", "", tPolicy, modified},
	{srcIAM, "DeletePolicyVersion", rq + "policyArn", "", tPolicy, modified},
	{srcIAM, "SetDefaultPolicyVersion", rq + "policyArn", "", tPolicy, modified},
	{srcIAM, "TagPolicy", rq + "policyArn", "", tPolicy, modified},
	{srcIAM, "UntagPolicy", rq + "policyArn", "", tPolicy, modified},
	{srcIAM, "DeletePolicy", rq + "policyArn", "", tPolicy, deleted},
	// Access keys: the key, and the user it belongs to.
	{srcIAM, "CreateAccessKey", rs + "accessKey.accessKeyId", "", tKey, created},
	{srcIAM, "CreateAccessKey", rq + "userName", "", tUser, refd},
	{srcIAM, "UpdateAccessKey", rq + "accessKeyId", "", tKey, modified},
	{srcIAM, "UpdateAccessKey", rq + "userName", "", tUser, refd},
	{srcIAM, "DeleteAccessKey", rq + "accessKeyId", "", tKey, deleted},
	{srcIAM, "DeleteAccessKey", rq + "userName", "", tUser, refd},
	// Instance profiles.
	{srcIAM, "CreateInstanceProfile", rq + "instanceProfileName", "", tProfile, created},
	{srcIAM, "CreateInstanceProfile", rs + "instanceProfile.arn", "", tProfile, created},
	{srcIAM, "DeleteInstanceProfile", rq + "instanceProfileName", "", tProfile, deleted},
	{srcIAM, "AddRoleToInstanceProfile", rq + "instanceProfileName", "", tProfile, modified},
	{srcIAM, "AddRoleToInstanceProfile", rq + "roleName", "", tRole, refd},
	{srcIAM, "RemoveRoleFromInstanceProfile", rq + "instanceProfileName", "", tProfile, modified},
	{srcIAM, "RemoveRoleFromInstanceProfile", rq + "roleName", "", tRole, refd},
	{srcIAM, "TagInstanceProfile", rq + "instanceProfileName", "", tProfile, modified},
	{srcIAM, "UntagInstanceProfile", rq + "instanceProfileName", "", tProfile, modified},
	// Identity providers.
	{srcIAM, "CreateSAMLProvider", rs + "sAMLProviderArn", "", tSAML, created},
	{srcIAM, "UpdateSAMLProvider", rq + "sAMLProviderArn", "", tSAML, modified},
	{srcIAM, "DeleteSAMLProvider", rq + "sAMLProviderArn", "", tSAML, deleted},
	{srcIAM, "CreateOpenIDConnectProvider", rs + "openIDConnectProviderArn", "", tOIDC, created},
	{srcIAM, "DeleteOpenIDConnectProvider", rq + "openIDConnectProviderArn", "", tOIDC, deleted},
	{srcIAM, "UpdateOpenIDConnectProviderThumbprint", rq + "openIDConnectProviderArn", "", tOIDC, modified},
	{srcIAM, "AddClientIDToOpenIDConnectProvider", rq + "openIDConnectProviderArn", "", tOIDC, modified},
	{srcIAM, "RemoveClientIDFromOpenIDConnectProvider", rq + "openIDConnectProviderArn", "", tOIDC, modified},
	// Common reads that name one principal or policy.
	{srcIAM, "GetUser", rq + "userName", "", tUser, read},
	{srcIAM, "GetRole", rq + "roleName", "", tRole, read},
	{srcIAM, "GetPolicy", rq + "policyArn", "", tPolicy, read},
	{srcIAM, "GetPolicyVersion", rq + "policyArn", "", tPolicy, read},
	{srcIAM, "GetRolePolicy", rq + "roleName", "", tRole, read},
	{srcIAM, "ListRolePolicies", rq + "roleName", "", tRole, read},
	{srcIAM, "ListAttachedRolePolicies", rq + "roleName", "", tRole, read},
	{srcIAM, "ListInstanceProfilesForRole", rq + "roleName", "", tRole, read},
	{srcIAM, "GetUserPolicy", rq + "userName", "", tUser, read},
	{srcIAM, "ListUserPolicies", rq + "userName", "", tUser, read},
	{srcIAM, "ListAttachedUserPolicies", rq + "userName", "", tUser, read},
	{srcIAM, "ListAccessKeys", rq + "userName", "", tUser, read},
	{srcIAM, "ListMFADevices", rq + "userName", "", tUser, read},
	{srcIAM, "GetLoginProfile", rq + "userName", "", tUser, read},
	{srcIAM, "GetInstanceProfile", rq + "instanceProfileName", "", tProfile, read},

	// STS: the role assumed, and the access key of the session it issued,
	// so that later calls made with that key resolve to this AssumeRole.
	// Issuing a session creates no resource that anyone manages or pays
	// for: the key is referenced.
	{srcSTS, "AssumeRole", rq + "roleArn", "", tRole, refd},
	{srcSTS, "AssumeRole", rs + "credentials.accessKeyId", "", tKey, refd},
	{srcSTS, "AssumeRoleWithSAML", rq + "roleArn", "", tRole, refd},
	{srcSTS, "AssumeRoleWithSAML", rq + "principalArn", "", tSAML, refd},
	{srcSTS, "AssumeRoleWithSAML", rs + "credentials.accessKeyId", "", tKey, refd},
	{srcSTS, "AssumeRoleWithWebIdentity", rq + "roleArn", "", tRole, refd},
	{srcSTS, "AssumeRoleWithWebIdentity", rs + "credentials.accessKeyId", "", tKey, refd},
	{srcSTS, "GetSessionToken", rs + "credentials.accessKeyId", "", tKey, refd},
	{srcSTS, "GetFederationToken", rs + "credentials.accessKeyId", "", tKey, refd},

	// RDS DB instances. Identifiers are case-insensitive (RDS stores them in
	// lower case); they are lower-cased here too.
	{srcRDS, "CreateDBInstance", rq + "dBInstanceIdentifier", "", tDB, created},
	{srcRDS, "CreateDBInstance", rs + "dBInstanceArn", "", tDB, created},
	{srcRDS, "CreateDBInstance", rq + "dBClusterIdentifier", "", tCluster, refd},
	{srcRDS, "CreateDBInstanceReadReplica", rq + "dBInstanceIdentifier", "", tDB, created},
	{srcRDS, "CreateDBInstanceReadReplica", rq + "sourceDBInstanceIdentifier", "", tDB, refd},
	{srcRDS, "RestoreDBInstanceFromDBSnapshot", rq + "dBInstanceIdentifier", "", tDB, created},
	{srcRDS, "RestoreDBInstanceFromDBSnapshot", rq + "dBSnapshotIdentifier", "", tDBSnapshot, refd},
	{srcRDS, "RestoreDBInstanceFromS3", rq + "dBInstanceIdentifier", "", tDB, created},
	{srcRDS, "RestoreDBInstanceToPointInTime", rq + "targetDBInstanceIdentifier", "", tDB, created},
	{srcRDS, "RestoreDBInstanceToPointInTime", rq + "sourceDBInstanceIdentifier", "", tDB, refd},
	{srcRDS, "DeleteDBInstance", rq + "dBInstanceIdentifier", "", tDB, deleted},
	{srcRDS, "DeleteDBInstance", rq + "finalDBSnapshotIdentifier", "", tDBSnapshot, created},
	// A rename (newDBInstanceIdentifier) changes the ID: both are listed.
	{srcRDS, "ModifyDBInstance", rq + "dBInstanceIdentifier", "", tDB, modified},
	{srcRDS, "ModifyDBInstance", rq + "newDBInstanceIdentifier", "", tDB, modified},
	{srcRDS, "PromoteReadReplica", rq + "dBInstanceIdentifier", "", tDB, modified},
	{srcRDS, "RebootDBInstance", rq + "dBInstanceIdentifier", "", tDB, changed},
	{srcRDS, "StartDBInstance", rq + "dBInstanceIdentifier", "", tDB, changed},
	{srcRDS, "StopDBInstance", rq + "dBInstanceIdentifier", "", tDB, changed},
	{srcRDS, "StopDBInstance", rq + "dBSnapshotIdentifier", "", tDBSnapshot, created},
	// DB clusters.
	{srcRDS, "CreateDBCluster", rq + "dBClusterIdentifier", "", tCluster, created},
	{srcRDS, "CreateDBCluster", rs + "dBClusterArn", "", tCluster, created},
	{srcRDS, "RestoreDBClusterFromSnapshot", rq + "dBClusterIdentifier", "", tCluster, created},
	{srcRDS, "RestoreDBClusterFromSnapshot", rq + "snapshotIdentifier", "", tDBClusterSnap, refd},
	{srcRDS, "RestoreDBClusterFromS3", rq + "dBClusterIdentifier", "", tCluster, created},
	{srcRDS, "RestoreDBClusterToPointInTime", rq + "dBClusterIdentifier", "", tCluster, created},
	{srcRDS, "RestoreDBClusterToPointInTime", rq + "sourceDBClusterIdentifier", "", tCluster, refd},
	{srcRDS, "DeleteDBCluster", rq + "dBClusterIdentifier", "", tCluster, deleted},
	{srcRDS, "DeleteDBCluster", rq + "finalDBSnapshotIdentifier", "", tDBClusterSnap, created},
	{srcRDS, "ModifyDBCluster", rq + "dBClusterIdentifier", "", tCluster, modified},
	{srcRDS, "ModifyDBCluster", rq + "newDBClusterIdentifier", "", tCluster, modified},
	{srcRDS, "PromoteReadReplicaDBCluster", rq + "dBClusterIdentifier", "", tCluster, modified},
	{srcRDS, "StartDBCluster", rq + "dBClusterIdentifier", "", tCluster, changed},
	{srcRDS, "StopDBCluster", rq + "dBClusterIdentifier", "", tCluster, changed},
	{srcRDS, "RebootDBCluster", rq + "dBClusterIdentifier", "", tCluster, changed},
	// A failover restarts the cluster's writer and the instance promoted.
	{srcRDS, "FailoverDBCluster", rq + "dBClusterIdentifier", "", tCluster, changed},
	{srcRDS, "FailoverDBCluster", rq + "targetDBInstanceIdentifier", "", tDB, changed},
	{srcRDS, "AddRoleToDBCluster", rq + "dBClusterIdentifier", "", tCluster, modified},
	{srcRDS, "AddRoleToDBCluster", rq + "roleArn", "", tRole, refd},
	{srcRDS, "RemoveRoleFromDBCluster", rq + "dBClusterIdentifier", "", tCluster, modified},
	{srcRDS, "AddRoleToDBInstance", rq + "dBInstanceIdentifier", "", tDB, modified},
	{srcRDS, "RemoveRoleFromDBInstance", rq + "dBInstanceIdentifier", "", tDB, modified},
	// Snapshots.
	{srcRDS, "CreateDBSnapshot", rq + "dBSnapshotIdentifier", "", tDBSnapshot, created},
	{srcRDS, "CreateDBSnapshot", rq + "dBInstanceIdentifier", "", tDB, refd},
	{srcRDS, "CopyDBSnapshot", rq + "targetDBSnapshotIdentifier", "", tDBSnapshot, created},
	{srcRDS, "CopyDBSnapshot", rq + "sourceDBSnapshotIdentifier", "", tDBSnapshot, refd},
	{srcRDS, "DeleteDBSnapshot", rq + "dBSnapshotIdentifier", "", tDBSnapshot, deleted},
	{srcRDS, "ModifyDBSnapshot", rq + "dBSnapshotIdentifier", "", tDBSnapshot, modified},
	{srcRDS, "ModifyDBSnapshotAttribute", rq + "dBSnapshotIdentifier", "", tDBSnapshot, modified},
	{srcRDS, "CreateDBClusterSnapshot", rq + "dBClusterSnapshotIdentifier", "", tDBClusterSnap, created},
	{srcRDS, "CreateDBClusterSnapshot", rq + "dBClusterIdentifier", "", tCluster, refd},
	{srcRDS, "CopyDBClusterSnapshot", rq + "targetDBClusterSnapshotIdentifier", "", tDBClusterSnap, created},
	{srcRDS, "CopyDBClusterSnapshot", rq + "sourceDBClusterSnapshotIdentifier", "", tDBClusterSnap, refd},
	{srcRDS, "DeleteDBClusterSnapshot", rq + "dBClusterSnapshotIdentifier", "", tDBClusterSnap, deleted},
	{srcRDS, "ModifyDBClusterSnapshotAttribute", rq + "dBClusterSnapshotIdentifier", "", tDBClusterSnap, modified},
	// Tags name the resource by ARN.
	{srcRDS, "AddTagsToResource", rq + "resourceName", "", anyType, modified},
	{srcRDS, "RemoveTagsFromResource", rq + "resourceName", "", anyType, modified},
	// Subnet, parameter and option groups.
	{srcRDS, "CreateDBSubnetGroup", rq + "dBSubnetGroupName", "", tDBSubnetGroup, created},
	{srcRDS, "ModifyDBSubnetGroup", rq + "dBSubnetGroupName", "", tDBSubnetGroup, modified},
	{srcRDS, "DeleteDBSubnetGroup", rq + "dBSubnetGroupName", "", tDBSubnetGroup, deleted},
	{srcRDS, "CreateDBParameterGroup", rq + "dBParameterGroupName", "", tDBParamGroup, created},
	{srcRDS, "ModifyDBParameterGroup", rq + "dBParameterGroupName", "", tDBParamGroup, modified},
	{srcRDS, "ResetDBParameterGroup", rq + "dBParameterGroupName", "", tDBParamGroup, modified},
	{srcRDS, "DeleteDBParameterGroup", rq + "dBParameterGroupName", "", tDBParamGroup, deleted},
	{srcRDS, "CreateDBClusterParameterGroup", rq + "dBClusterParameterGroupName", "", tDBCParamGroup, created},
	{srcRDS, "ModifyDBClusterParameterGroup", rq + "dBClusterParameterGroupName", "", tDBCParamGroup, modified},
	{srcRDS, "ResetDBClusterParameterGroup", rq + "dBClusterParameterGroupName", "", tDBCParamGroup, modified},
	{srcRDS, "DeleteDBClusterParameterGroup", rq + "dBClusterParameterGroupName", "", tDBCParamGroup, deleted},
	{srcRDS, "CreateOptionGroup", rq + "optionGroupName", "", tOptionGroup, created},
	{srcRDS, "ModifyOptionGroup", rq + "optionGroupName", "", tOptionGroup, modified},
	{srcRDS, "DeleteOptionGroup", rq + "optionGroupName", "", tOptionGroup, deleted},
	// Reads.
	{srcRDS, "DescribeDBInstances", rq + "dBInstanceIdentifier", "", tDB, read},
	{srcRDS, "DescribeDBClusters", rq + "dBClusterIdentifier", "", tCluster, read},
	{srcRDS, "DescribeDBSnapshots", rq + "dBSnapshotIdentifier", "", tDBSnapshot, read},
	{srcRDS, "DescribeDBSnapshots", rq + "dBInstanceIdentifier", "", tDB, read},
	{srcRDS, "DescribeDBClusterSnapshots", rq + "dBClusterSnapshotIdentifier", "", tDBClusterSnap, read},
	{srcRDS, "DescribeDBClusterSnapshots", rq + "dBClusterIdentifier", "", tCluster, read},
	{srcRDS, "ListTagsForResource", rq + "resourceName", "", anyType, read},

	// Lambda functions (event names carry date suffixes, stripped first).
	// functionName may be a name, a partial or full ARN, with a qualifier.
	{srcLambda, "CreateFunction", rq + "functionName", "", tFunction, created},
	{srcLambda, "CreateFunction", rs + "functionArn", "", tFunction, created},
	{srcLambda, "CreateFunction", rq + "role", "", tRole, refd},
	{srcLambda, "CreateFunction", rq + "tags.aws:cloudformation:stack-name", "", tStack, refd},
	{srcLambda, "DeleteFunction", rq + "functionName", "", tFunction, deleted},
	{srcLambda, "UpdateFunctionCode", rq + "functionName", "", tFunction, modified},
	{srcLambda, "UpdateFunctionConfiguration", rq + "functionName", "", tFunction, modified},
	{srcLambda, "UpdateFunctionConfiguration", rq + "role", "", tRole, refd},
	{srcLambda, "PublishVersion", rq + "functionName", "", tFunction, modified},
	{srcLambda, "AddPermission", rq + "functionName", "", tFunction, modified},
	{srcLambda, "RemovePermission", rq + "functionName", "", tFunction, modified},
	{srcLambda, "PutFunctionConcurrency", rq + "functionName", "", tFunction, modified},
	{srcLambda, "DeleteFunctionConcurrency", rq + "functionName", "", tFunction, modified},
	{srcLambda, "PutProvisionedConcurrencyConfig", rq + "functionName", "", tFunction, modified},
	{srcLambda, "DeleteProvisionedConcurrencyConfig", rq + "functionName", "", tFunction, modified},
	{srcLambda, "PutFunctionEventInvokeConfig", rq + "functionName", "", tFunction, modified},
	{srcLambda, "UpdateFunctionEventInvokeConfig", rq + "functionName", "", tFunction, modified},
	{srcLambda, "DeleteFunctionEventInvokeConfig", rq + "functionName", "", tFunction, modified},
	{srcLambda, "PutFunctionCodeSigningConfig", rq + "functionName", "", tFunction, modified},
	{srcLambda, "DeleteFunctionCodeSigningConfig", rq + "functionName", "", tFunction, modified},
	{srcLambda, "PutRuntimeManagementConfig", rq + "functionName", "", tFunction, modified},
	{srcLambda, "PutFunctionRecursionConfig", rq + "functionName", "", tFunction, modified},
	{srcLambda, "CreateAlias", rq + "functionName", "", tFunction, modified},
	{srcLambda, "UpdateAlias", rq + "functionName", "", tFunction, modified},
	{srcLambda, "DeleteAlias", rq + "functionName", "", tFunction, modified},
	{srcLambda, "CreateFunctionUrlConfig", rq + "functionName", "", tFunction, modified},
	{srcLambda, "UpdateFunctionUrlConfig", rq + "functionName", "", tFunction, modified},
	{srcLambda, "DeleteFunctionUrlConfig", rq + "functionName", "", tFunction, modified},
	{srcLambda, "TagResource", rq + "resource", "", anyType, modified},
	{srcLambda, "UntagResource", rq + "resource", "", anyType, modified},
	// Event source mappings: created with a function name, later named by
	// their UUID; the response names the function again.
	{srcLambda, "CreateEventSourceMapping", rs + "uUID", "", tESM, created},
	{srcLambda, "CreateEventSourceMapping", rq + "functionName", "", tFunction, modified},
	{srcLambda, "CreateEventSourceMapping", rq + "eventSourceArn", "", anyType, refd},
	{srcLambda, "UpdateEventSourceMapping", rq + "uUID", "", tESM, modified},
	{srcLambda, "UpdateEventSourceMapping", rs + "functionArn", "", tFunction, modified},
	{srcLambda, "DeleteEventSourceMapping", rq + "uUID", "", tESM, deleted},
	{srcLambda, "DeleteEventSourceMapping", rs + "functionArn", "", tFunction, modified},
	{srcLambda, "PublishLayerVersion", rq + "layerName", "", tLayer, created},
	{srcLambda, "DeleteLayerVersion", rq + "layerName", "", tLayer, deleted},
	{srcLambda, "AddLayerVersionPermission", rq + "layerName", "", tLayer, modified},
	{srcLambda, "RemoveLayerVersionPermission", rq + "layerName", "", tLayer, modified},
	// Invoke is a data event: the function runs, it does not change.
	{srcLambda, "Invoke", rq + "functionName", "", tFunction, refd},
	{srcLambda, "InvokeAsync", rq + "functionName", "", tFunction, refd},
	{srcLambda, "GetFunction", rq + "functionName", "", tFunction, read},
	{srcLambda, "GetFunctionConfiguration", rq + "functionName", "", tFunction, read},
	{srcLambda, "GetPolicy", rq + "functionName", "", tFunction, read},
	{srcLambda, "GetFunctionConcurrency", rq + "functionName", "", tFunction, read},
	{srcLambda, "GetFunctionUrlConfig", rq + "functionName", "", tFunction, read},
	{srcLambda, "ListVersionsByFunction", rq + "functionName", "", tFunction, read},
	{srcLambda, "ListAliases", rq + "functionName", "", tFunction, read},
	{srcLambda, "ListTags", rq + "resource", "", anyType, read},

	// DynamoDB tables.
	{srcDDB, "CreateTable", rq + "tableName", "", tTable, created},
	{srcDDB, "CreateTable", rs + "tableDescription.tableArn", "", tTable, created},
	{srcDDB, "CreateTable", rq + "tags" + tagStack, "", tStack, refd},
	{srcDDB, "DeleteTable", rq + "tableName", "", tTable, deleted},
	{srcDDB, "UpdateTable", rq + "tableName", "", tTable, modified},
	{srcDDB, "UpdateTimeToLive", rq + "tableName", "", tTable, modified},
	{srcDDB, "UpdateContinuousBackups", rq + "tableName", "", tTable, modified},
	{srcDDB, "UpdateContributorInsights", rq + "tableName", "", tTable, modified},
	{srcDDB, "UpdateTableReplicaAutoScaling", rq + "tableName", "", tTable, modified},
	{srcDDB, "EnableKinesisStreamingDestination", rq + "tableName", "", tTable, modified},
	{srcDDB, "DisableKinesisStreamingDestination", rq + "tableName", "", tTable, modified},
	{srcDDB, "UpdateKinesisStreamingDestination", rq + "tableName", "", tTable, modified},
	{srcDDB, "TagResource", rq + "resourceArn", "", anyType, modified},
	{srcDDB, "UntagResource", rq + "resourceArn", "", anyType, modified},
	{srcDDB, "PutResourcePolicy", rq + "resourceArn", "", anyType, modified},
	{srcDDB, "DeleteResourcePolicy", rq + "resourceArn", "", anyType, modified},
	{srcDDB, "CreateBackup", rs + "backupDetails.backupArn", "", tDDBBackup, created},
	{srcDDB, "CreateBackup", rq + "tableName", "", tTable, refd},
	{srcDDB, "DeleteBackup", rq + "backupArn", "", tDDBBackup, deleted},
	{srcDDB, "RestoreTableFromBackup", rq + "targetTableName", "", tTable, created},
	{srcDDB, "RestoreTableFromBackup", rq + "backupArn", "", tDDBBackup, refd},
	{srcDDB, "RestoreTableToPointInTime", rq + "targetTableName", "", tTable, created},
	{srcDDB, "RestoreTableToPointInTime", rq + "sourceTableName", "", tTable, refd},
	{srcDDB, "RestoreTableToPointInTime", rq + "sourceTableArn", "", tTable, refd},
	{srcDDB, "ImportTable", rq + "tableCreationParameters.tableName", "", tTable, created},
	{srcDDB, "ExportTableToPointInTime", rq + "tableArn", "", tTable, refd},
	{srcDDB, "CreateGlobalTable", rq + "globalTableName", "", tGlobalTable, created},
	{srcDDB, "UpdateGlobalTable", rq + "globalTableName", "", tGlobalTable, modified},
	{srcDDB, "UpdateGlobalTableSettings", rq + "globalTableName", "", tGlobalTable, modified},
	// Item-level data events: items are not tracked, so writes reference
	// the table and reads read it. Batch and transaction calls name their
	// tables as map keys, which resources[] lists.
	{srcDDB, "PutItem", rq + "tableName", "", tTable, refd},
	{srcDDB, "UpdateItem", rq + "tableName", "", tTable, refd},
	{srcDDB, "DeleteItem", rq + "tableName", "", tTable, refd},
	{srcDDB, "GetItem", rq + "tableName", "", tTable, read},
	{srcDDB, "Query", rq + "tableName", "", tTable, read},
	{srcDDB, "Scan", rq + "tableName", "", tTable, read},
	{srcDDB, "DescribeTable", rq + "tableName", "", tTable, read},
	{srcDDB, "DescribeContinuousBackups", rq + "tableName", "", tTable, read},
	{srcDDB, "DescribeTimeToLive", rq + "tableName", "", tTable, read},

	// ECS. Clusters, services and tasks are named by name, ID or ARN; the ID
	// is the last element of the ARN (service/cluster/name → name), a task
	// definition's is family:revision.
	{srcECS, "CreateCluster", rq + "clusterName", "", tECSCluster, created},
	{srcECS, "CreateCluster", rs + "cluster.clusterArn", "", tECSCluster, created},
	{srcECS, "DeleteCluster", rq + "cluster", "", tECSCluster, deleted},
	{srcECS, "UpdateCluster", rq + "cluster", "", tECSCluster, modified},
	{srcECS, "UpdateClusterSettings", rq + "cluster", "", tECSCluster, modified},
	{srcECS, "PutClusterCapacityProviders", rq + "cluster", "", tECSCluster, modified},
	{srcECS, "CreateService", rq + "serviceName", "", tECSService, created},
	{srcECS, "CreateService", rs + "service.serviceArn", "", tECSService, created},
	{srcECS, "CreateService", rq + "cluster", "", tECSCluster, refd},
	{srcECS, "CreateService", rq + "taskDefinition", "", tTaskDef, refd},
	{srcECS, "UpdateService", rq + "service", "", tECSService, modified},
	{srcECS, "UpdateService", rs + "service.serviceArn", "", tECSService, modified},
	{srcECS, "UpdateService", rq + "cluster", "", tECSCluster, refd},
	{srcECS, "UpdateService", rq + "taskDefinition", "", tTaskDef, refd},
	{srcECS, "DeleteService", rq + "service", "", tECSService, deleted},
	{srcECS, "DeleteService", rs + "service.serviceArn", "", tECSService, deleted},
	{srcECS, "DeleteService", rq + "cluster", "", tECSCluster, refd},
	{srcECS, "CreateTaskSet", rq + "service", "", tECSService, modified},
	{srcECS, "UpdateTaskSet", rq + "service", "", tECSService, modified},
	{srcECS, "DeleteTaskSet", rq + "service", "", tECSService, modified},
	{srcECS, "UpdateServicePrimaryTaskSet", rq + "service", "", tECSService, modified},
	// Registering adds a revision to a family: the revision is created, the
	// family (named even when the response is left out) modified.
	{srcECS, "RegisterTaskDefinition", rs + "taskDefinition.taskDefinitionArn", "", tTaskDef, created},
	{srcECS, "RegisterTaskDefinition", rq + "family", "", tTaskDef, modified},
	{srcECS, "RegisterTaskDefinition", rq + "taskRoleArn", "", tRole, refd},
	{srcECS, "RegisterTaskDefinition", rq + "executionRoleArn", "", tRole, refd},
	{srcECS, "DeregisterTaskDefinition", rq + "taskDefinition", "", tTaskDef, deleted},
	{srcECS, "DeleteTaskDefinitions", rq + "taskDefinitions[]", "", tTaskDef, deleted},
	// A stopped task never runs again, like a terminated instance.
	{srcECS, "RunTask", rs + "tasks[].taskArn", "", tTask, created},
	{srcECS, "RunTask", rq + "cluster", "", tECSCluster, refd},
	{srcECS, "RunTask", rq + "taskDefinition", "", tTaskDef, refd},
	{srcECS, "StartTask", rs + "tasks[].taskArn", "", tTask, created},
	{srcECS, "StartTask", rq + "cluster", "", tECSCluster, refd},
	{srcECS, "StartTask", rq + "taskDefinition", "", tTaskDef, refd},
	{srcECS, "StopTask", rq + "task", "", tTask, deleted},
	{srcECS, "StopTask", rq + "cluster", "", tECSCluster, refd},
	{srcECS, "ExecuteCommand", rq + "task", "", tTask, refd},
	{srcECS, "ExecuteCommand", rq + "cluster", "", tECSCluster, refd},
	{srcECS, "UpdateTaskProtection", rq + "tasks[]", "", tTask, modified},
	{srcECS, "UpdateTaskProtection", rq + "cluster", "", tECSCluster, refd},
	// The container agent reports task state changes.
	{srcECS, "SubmitTaskStateChange", rq + "task", "", tTask, changed},
	{srcECS, "SubmitTaskStateChange", rq + "cluster", "", tECSCluster, refd},
	{srcECS, "SubmitContainerStateChange", rq + "task", "", tTask, refd},
	{srcECS, "SubmitContainerStateChange", rq + "cluster", "", tECSCluster, refd},
	{srcECS, "SubmitAttachmentStateChanges", rq + "cluster", "", tECSCluster, refd},
	{srcECS, "RegisterContainerInstance", rs + "containerInstance.containerInstanceArn", "", tContainerInst, created},
	{srcECS, "RegisterContainerInstance", rq + "cluster", "", tECSCluster, refd},
	{srcECS, "DeregisterContainerInstance", rq + "containerInstance", "", tContainerInst, deleted},
	{srcECS, "DeregisterContainerInstance", rq + "cluster", "", tECSCluster, refd},
	{srcECS, "UpdateContainerInstancesState", rq + "containerInstances[]", "", tContainerInst, modified},
	{srcECS, "UpdateContainerAgent", rq + "containerInstance", "", tContainerInst, modified},
	{srcECS, "PutAttributes", rq + "cluster", "", tECSCluster, refd},
	{srcECS, "DeleteAttributes", rq + "cluster", "", tECSCluster, refd},
	{srcECS, "CreateCapacityProvider", rq + "name", "", tCapProvider, created},
	{srcECS, "UpdateCapacityProvider", rq + "name", "", tCapProvider, modified},
	{srcECS, "DeleteCapacityProvider", rq + "capacityProvider", "", tCapProvider, deleted},
	{srcECS, "TagResource", rq + "resourceArn", "", anyType, modified},
	{srcECS, "UntagResource", rq + "resourceArn", "", anyType, modified},
	{srcECS, "DescribeClusters", rq + "clusters[]", "", tECSCluster, read},
	{srcECS, "DescribeServices", rq + "services[]", "", tECSService, read},
	{srcECS, "DescribeServices", rq + "cluster", "", tECSCluster, read},
	{srcECS, "DescribeTasks", rq + "tasks[]", "", tTask, read},
	{srcECS, "DescribeTasks", rq + "cluster", "", tECSCluster, read},
	{srcECS, "DescribeTaskDefinition", rq + "taskDefinition", "", tTaskDef, read},

	// EKS clusters and what hangs off them. Calls on a cluster's parts name
	// it "clusterName" in the request, calls on the cluster itself "name".
	{srcEKS, "CreateCluster", rq + "name", "", tEKS, created},
	{srcEKS, "CreateCluster", rs + "cluster.arn", "", tEKS, created},
	{srcEKS, "CreateCluster", rq + "roleArn", "", tRole, refd},
	{srcEKS, "DeleteCluster", rq + "name", "", tEKS, deleted},
	{srcEKS, "UpdateClusterVersion", rq + "name", "", tEKS, modified},
	{srcEKS, "UpdateClusterConfig", rq + "name", "", tEKS, modified},
	{srcEKS, "AssociateEncryptionConfig", rq + "clusterName", "", tEKS, modified},
	{srcEKS, "AssociateIdentityProviderConfig", rq + "clusterName", "", tEKS, modified},
	{srcEKS, "DisassociateIdentityProviderConfig", rq + "clusterName", "", tEKS, modified},
	{srcEKS, "CreateNodegroup", rq + "nodegroupName", "", tNodegroup, created},
	{srcEKS, "CreateNodegroup", rs + "nodegroup.nodegroupArn", "", tNodegroup, created},
	{srcEKS, "CreateNodegroup", rq + "clusterName", "", tEKS, modified},
	{srcEKS, "CreateNodegroup", rq + "nodeRole", "", tRole, refd},
	{srcEKS, "DeleteNodegroup", rq + "nodegroupName", "", tNodegroup, deleted},
	{srcEKS, "DeleteNodegroup", rq + "clusterName", "", tEKS, modified},
	{srcEKS, "UpdateNodegroupConfig", rq + "nodegroupName", "", tNodegroup, modified},
	{srcEKS, "UpdateNodegroupConfig", rq + "clusterName", "", tEKS, refd},
	{srcEKS, "UpdateNodegroupVersion", rq + "nodegroupName", "", tNodegroup, modified},
	{srcEKS, "UpdateNodegroupVersion", rq + "clusterName", "", tEKS, refd},
	{srcEKS, "CreateFargateProfile", rq + "fargateProfileName", "", tFargateProf, created},
	{srcEKS, "CreateFargateProfile", rq + "clusterName", "", tEKS, modified},
	{srcEKS, "DeleteFargateProfile", rq + "fargateProfileName", "", tFargateProf, deleted},
	{srcEKS, "DeleteFargateProfile", rq + "clusterName", "", tEKS, modified},
	{srcEKS, "CreateAddon", rq + "addonName", "", tAddon, created},
	{srcEKS, "CreateAddon", rq + "clusterName", "", tEKS, modified},
	{srcEKS, "UpdateAddon", rq + "addonName", "", tAddon, modified},
	{srcEKS, "UpdateAddon", rq + "clusterName", "", tEKS, refd},
	{srcEKS, "DeleteAddon", rq + "addonName", "", tAddon, deleted},
	{srcEKS, "DeleteAddon", rq + "clusterName", "", tEKS, modified},
	{srcEKS, "CreateAccessEntry", rq + "clusterName", "", tEKS, modified},
	{srcEKS, "CreateAccessEntry", rq + "principalArn", "", anyType, refd},
	{srcEKS, "UpdateAccessEntry", rq + "clusterName", "", tEKS, modified},
	{srcEKS, "UpdateAccessEntry", rq + "principalArn", "", anyType, refd},
	{srcEKS, "DeleteAccessEntry", rq + "clusterName", "", tEKS, modified},
	{srcEKS, "DeleteAccessEntry", rq + "principalArn", "", anyType, refd},
	{srcEKS, "AssociateAccessPolicy", rq + "clusterName", "", tEKS, modified},
	{srcEKS, "AssociateAccessPolicy", rq + "principalArn", "", anyType, refd},
	{srcEKS, "DisassociateAccessPolicy", rq + "clusterName", "", tEKS, modified},
	{srcEKS, "DisassociateAccessPolicy", rq + "principalArn", "", anyType, refd},
	{srcEKS, "CreatePodIdentityAssociation", rq + "clusterName", "", tEKS, modified},
	{srcEKS, "UpdatePodIdentityAssociation", rq + "clusterName", "", tEKS, modified},
	{srcEKS, "DeletePodIdentityAssociation", rq + "clusterName", "", tEKS, modified},
	{srcEKS, "TagResource", rq + "resourceArn", "", anyType, modified},
	{srcEKS, "UntagResource", rq + "resourceArn", "", anyType, modified},
	{srcEKS, "DescribeCluster", rq + "name", "", tEKS, read},
	{srcEKS, "DescribeNodegroup", rq + "nodegroupName", "", tNodegroup, read},
	{srcEKS, "DescribeNodegroup", rq + "clusterName", "", tEKS, read},

	// CloudFormation stacks: stackName is a name or a stack ARN (the ID is
	// the name either way). A change set changes its stack only when
	// executed.
	{srcCFN, "CreateStack", rq + "stackName", "", tStack, created},
	{srcCFN, "CreateStack", rs + "stackId", "", tStack, created},
	{srcCFN, "UpdateStack", rq + "stackName", "", tStack, modified},
	{srcCFN, "UpdateStack", rs + "stackId", "", tStack, modified},
	{srcCFN, "DeleteStack", rq + "stackName", "", tStack, deleted},
	{srcCFN, "CreateChangeSet", rs + "id", "", tChangeSet, created},
	{srcCFN, "CreateChangeSet", rq + "stackName", "", tStack, refd},
	{srcCFN, "CreateChangeSet", rs + "stackId", "", tStack, refd},
	{srcCFN, "ExecuteChangeSet", rq + "stackName", "", tStack, modified},
	{srcCFN, "ExecuteChangeSet", rq + "changeSetName", "", tChangeSet, refd},
	{srcCFN, "DeleteChangeSet", rq + "changeSetName", "", tChangeSet, deleted},
	{srcCFN, "DeleteChangeSet", rq + "stackName", "", tStack, refd},
	{srcCFN, "CancelUpdateStack", rq + "stackName", "", tStack, modified},
	{srcCFN, "ContinueUpdateRollback", rq + "stackName", "", tStack, modified},
	{srcCFN, "RollbackStack", rq + "stackName", "", tStack, modified},
	{srcCFN, "SetStackPolicy", rq + "stackName", "", tStack, modified},
	{srcCFN, "UpdateTerminationProtection", rq + "stackName", "", tStack, modified},
	{srcCFN, "SignalResource", rq + "stackName", "", tStack, modified},
	{srcCFN, "DetectStackDrift", rq + "stackName", "", tStack, refd},
	{srcCFN, "DetectStackResourceDrift", rq + "stackName", "", tStack, refd},
	{srcCFN, "CreateStackSet", rq + "stackSetName", "", tStackSet, created},
	{srcCFN, "UpdateStackSet", rq + "stackSetName", "", tStackSet, modified},
	{srcCFN, "DeleteStackSet", rq + "stackSetName", "", tStackSet, deleted},
	{srcCFN, "CreateStackInstances", rq + "stackSetName", "", tStackSet, modified},
	{srcCFN, "UpdateStackInstances", rq + "stackSetName", "", tStackSet, modified},
	{srcCFN, "DeleteStackInstances", rq + "stackSetName", "", tStackSet, modified},
	{srcCFN, "ImportStacksToStackSet", rq + "stackSetName", "", tStackSet, modified},
	{srcCFN, "DetectStackSetDrift", rq + "stackSetName", "", tStackSet, refd},
	{srcCFN, "DescribeStacks", rq + "stackName", "", tStack, read},
	{srcCFN, "DescribeStackEvents", rq + "stackName", "", tStack, read},
	{srcCFN, "DescribeStackResources", rq + "stackName", "", tStack, read},
	{srcCFN, "ListStackResources", rq + "stackName", "", tStack, read},
	{srcCFN, "GetTemplate", rq + "stackName", "", tStack, read},
	{srcCFN, "GetTemplateSummary", rq + "stackName", "", tStack, read},
	{srcCFN, "DescribeChangeSet", rq + "stackName", "", tStack, read},
	{srcCFN, "DescribeChangeSet", rq + "changeSetName", "", tChangeSet, read},

	// KMS keys and aliases. keyId may be a key ID, a key ARN, an alias name
	// or an alias ARN (kmsAny tells them apart). A key scheduled for
	// deletion can still be restored: its state changes; the DeleteKey
	// service event, weeks later, deletes it.
	{srcKMS, "CreateKey", rs + "keyMetadata.keyId", "", tKMSKey, created},
	{srcKMS, "CreateKey", rs + "keyMetadata.arn", "", tKMSKey, created},
	{srcKMS, "ReplicateKey", rs + "replicaKeyMetadata.arn", "", tKMSKey, created},
	{srcKMS, "ReplicateKey", rq + "keyId", "", kmsAny, refd},
	{srcKMS, "ScheduleKeyDeletion", rq + "keyId", "", kmsAny, changed},
	{srcKMS, "CancelKeyDeletion", rq + "keyId", "", kmsAny, changed},
	{srcKMS, "DisableKey", rq + "keyId", "", kmsAny, changed},
	{srcKMS, "EnableKey", rq + "keyId", "", kmsAny, changed},
	{srcKMS, "DeleteKey", "serviceEventDetails.keyId", "", tKMSKey, deleted},
	{srcKMS, "DeleteKey", rs + "keyId", "", tKMSKey, deleted},
	{srcKMS, "EnableKeyRotation", rq + "keyId", "", kmsAny, modified},
	{srcKMS, "DisableKeyRotation", rq + "keyId", "", kmsAny, modified},
	{srcKMS, "RotateKeyOnDemand", rq + "keyId", "", kmsAny, modified},
	{srcKMS, "RotateKey", "serviceEventDetails.keyId", "", tKMSKey, modified},
	{srcKMS, "PutKeyPolicy", rq + "keyId", "", kmsAny, modified},
	{srcKMS, "UpdateKeyDescription", rq + "keyId", "", kmsAny, modified},
	{srcKMS, "UpdatePrimaryRegion", rq + "keyId", "", kmsAny, modified},
	{srcKMS, "ImportKeyMaterial", rq + "keyId", "", kmsAny, modified},
	{srcKMS, "DeleteImportedKeyMaterial", rq + "keyId", "", kmsAny, modified},
	{srcKMS, "TagResource", rq + "keyId", "", kmsAny, modified},
	{srcKMS, "UntagResource", rq + "keyId", "", kmsAny, modified},
	{srcKMS, "CreateGrant", rq + "keyId", "", kmsAny, modified},
	{srcKMS, "RetireGrant", rq + "keyId", "", kmsAny, modified},
	{srcKMS, "RevokeGrant", rq + "keyId", "", kmsAny, modified},
	{srcKMS, "CreateAlias", rq + "aliasName", "", tAlias, created},
	{srcKMS, "CreateAlias", rq + "targetKeyId", "", kmsAny, refd},
	{srcKMS, "UpdateAlias", rq + "aliasName", "", tAlias, modified},
	{srcKMS, "UpdateAlias", rq + "targetKeyId", "", kmsAny, refd},
	{srcKMS, "DeleteAlias", rq + "aliasName", "", tAlias, deleted},
	// Cryptographic operations reference the key they use (Decrypt names it
	// in resources[] only: the ciphertext carries it).
	{srcKMS, "Encrypt", rq + "keyId", "", kmsAny, refd},
	{srcKMS, "Decrypt", rq + "keyId", "", kmsAny, refd},
	{srcKMS, "ReEncrypt", rq + "sourceKeyId", "", kmsAny, refd},
	{srcKMS, "ReEncrypt", rq + "destinationKeyId", "", kmsAny, refd},
	{srcKMS, "GenerateDataKey", rq + "keyId", "", kmsAny, refd},
	{srcKMS, "GenerateDataKeyWithoutPlaintext", rq + "keyId", "", kmsAny, refd},
	{srcKMS, "GenerateDataKeyPair", rq + "keyId", "", kmsAny, refd},
	{srcKMS, "GenerateDataKeyPairWithoutPlaintext", rq + "keyId", "", kmsAny, refd},
	{srcKMS, "Sign", rq + "keyId", "", kmsAny, refd},
	{srcKMS, "Verify", rq + "keyId", "", kmsAny, refd},
	{srcKMS, "GenerateMac", rq + "keyId", "", kmsAny, refd},
	{srcKMS, "VerifyMac", rq + "keyId", "", kmsAny, refd},
	{srcKMS, "GetPublicKey", rq + "keyId", "", kmsAny, refd},
	{srcKMS, "DescribeKey", rq + "keyId", "", kmsAny, read},
	{srcKMS, "GetKeyPolicy", rq + "keyId", "", kmsAny, read},
	{srcKMS, "GetKeyRotationStatus", rq + "keyId", "", kmsAny, read},
	{srcKMS, "ListResourceTags", rq + "keyId", "", kmsAny, read},
	{srcKMS, "ListGrants", rq + "keyId", "", kmsAny, read},

	// CloudWatch Logs: log groups, and streams (group:log-stream:stream, as
	// in their ARN). logGroupIdentifier is a name or an ARN.
	{srcLogs, "CreateLogGroup", rq + "logGroupName", "", tLogGroup, created},
	{srcLogs, "CreateLogGroup", rq + "kmsKeyId", "", kmsAny, refd},
	{srcLogs, "DeleteLogGroup", rq + "logGroupName", "", tLogGroup, deleted},
	{srcLogs, "PutRetentionPolicy", rq + "logGroupName", "", tLogGroup, modified},
	{srcLogs, "DeleteRetentionPolicy", rq + "logGroupName", "", tLogGroup, modified},
	{srcLogs, "AssociateKmsKey", rq + "logGroupName", "", tLogGroup, modified},
	{srcLogs, "AssociateKmsKey", rq + "kmsKeyId", "", kmsAny, refd},
	{srcLogs, "DisassociateKmsKey", rq + "logGroupName", "", tLogGroup, modified},
	{srcLogs, "TagLogGroup", rq + "logGroupName", "", tLogGroup, modified},
	{srcLogs, "UntagLogGroup", rq + "logGroupName", "", tLogGroup, modified},
	{srcLogs, "TagResource", rq + "resourceArn", "", anyType, modified},
	{srcLogs, "UntagResource", rq + "resourceArn", "", anyType, modified},
	{srcLogs, "PutSubscriptionFilter", rq + "logGroupName", "", tLogGroup, modified},
	{srcLogs, "DeleteSubscriptionFilter", rq + "logGroupName", "", tLogGroup, modified},
	{srcLogs, "PutMetricFilter", rq + "logGroupName", "", tLogGroup, modified},
	{srcLogs, "DeleteMetricFilter", rq + "logGroupName", "", tLogGroup, modified},
	{srcLogs, "PutDataProtectionPolicy", rq + "logGroupIdentifier", "", tLogGroup, modified},
	{srcLogs, "DeleteDataProtectionPolicy", rq + "logGroupIdentifier", "", tLogGroup, modified},
	{srcLogs, "PutIndexPolicy", rq + "logGroupIdentifier", "", tLogGroup, modified},
	{srcLogs, "DeleteIndexPolicy", rq + "logGroupIdentifier", "", tLogGroup, modified},
	{srcLogs, "PutTransformer", rq + "logGroupIdentifier", "", tLogGroup, modified},
	{srcLogs, "DeleteTransformer", rq + "logGroupIdentifier", "", tLogGroup, modified},
	{srcLogs, "CreateExportTask", rq + "logGroupName", "", tLogGroup, read},
	{srcLogs, "CreateLogStream", rq + "logGroupName", rq + "logStreamName", tLogStream, created},
	{srcLogs, "CreateLogStream", rq + "logGroupName", "", tLogGroup, refd},
	{srcLogs, "DeleteLogStream", rq + "logGroupName", rq + "logStreamName", tLogStream, deleted},
	{srcLogs, "DeleteLogStream", rq + "logGroupName", "", tLogGroup, refd},
	{srcLogs, "PutLogEvents", rq + "logGroupName", rq + "logStreamName", tLogStream, modified},
	{srcLogs, "PutLogEvents", rq + "logGroupName", "", tLogGroup, refd},
	{srcLogs, "GetLogEvents", rq + "logGroupName", "", tLogGroup, read},
	{srcLogs, "FilterLogEvents", rq + "logGroupName", "", tLogGroup, read},
	{srcLogs, "StartQuery", rq + "logGroupNames[]", "", tLogGroup, read},
	{srcLogs, "StartLiveTail", rq + "logGroupIdentifiers[]", "", tLogGroup, read},
	{srcLogs, "DescribeLogStreams", rq + "logGroupName", "", tLogGroup, read},
	{srcLogs, "DescribeSubscriptionFilters", rq + "logGroupName", "", tLogGroup, read},
	{srcLogs, "DescribeMetricFilters", rq + "logGroupName", "", tLogGroup, read},

	// CloudTrail trails: stopping or deleting one is how an intruder hides.
	// name is a trail name or ARN.
	{srcCT, "CreateTrail", rq + "name", "", tTrail, created},
	{srcCT, "CreateTrail", rs + "trailARN", "", tTrail, created},
	{srcCT, "CreateTrail", rq + "s3BucketName", "", tBucket, refd},
	{srcCT, "UpdateTrail", rq + "name", "", tTrail, modified},
	{srcCT, "DeleteTrail", rq + "name", "", tTrail, deleted},
	{srcCT, "StartLogging", rq + "name", "", tTrail, changed},
	{srcCT, "StopLogging", rq + "name", "", tTrail, changed},
	{srcCT, "PutEventSelectors", rq + "trailName", "", tTrail, modified},
	{srcCT, "PutInsightSelectors", rq + "trailName", "", tTrail, modified},
	{srcCT, "AddTags", rq + "resourceId", "", tTrail, modified},
	{srcCT, "RemoveTags", rq + "resourceId", "", tTrail, modified},
	{srcCT, "GetTrail", rq + "name", "", tTrail, read},
	{srcCT, "GetTrailStatus", rq + "name", "", tTrail, read},
	{srcCT, "GetEventSelectors", rq + "trailName", "", tTrail, read},
	{srcCT, "GetInsightSelectors", rq + "trailName", "", tTrail, read},
	{srcCT, "DescribeTrails", rq + "trailNameList[]", "", tTrail, read},

	// SSM: commands and sessions on instances (a command may reboot one).
	{srcSSM, "SendCommand", rq + "instanceIds[]", "", tInstance, modified},
	{srcSSM, "StartSession", rq + "target", "", tInstance, refd},

	// Secrets and parameters: "who else read this secret?" is a responder's
	// first question after a leak. secretId is a name or an ARN.
	{srcSecret, "CreateSecret", rq + "name", "", tSecret, created},
	{srcSecret, "CreateSecret", rs + "arn", "", tSecret, created},
	{srcSecret, "GetSecretValue", rq + "secretId", "", tSecret, read},
	{srcSecret, "BatchGetSecretValue", rq + "secretIdList[]", "", tSecret, read},
	{srcSecret, "DescribeSecret", rq + "secretId", "", tSecret, read},
	{srcSecret, "GetResourcePolicy", rq + "secretId", "", tSecret, read},
	{srcSecret, "ListSecretVersionIds", rq + "secretId", "", tSecret, read},
	{srcSecret, "PutSecretValue", rq + "secretId", "", tSecret, modified},
	{srcSecret, "UpdateSecret", rq + "secretId", "", tSecret, modified},
	{srcSecret, "UpdateSecretVersionStage", rq + "secretId", "", tSecret, modified},
	{srcSecret, "RotateSecret", rq + "secretId", "", tSecret, modified},
	{srcSecret, "CancelRotateSecret", rq + "secretId", "", tSecret, modified},
	{srcSecret, "PutResourcePolicy", rq + "secretId", "", tSecret, modified},
	{srcSecret, "DeleteResourcePolicy", rq + "secretId", "", tSecret, modified},
	{srcSecret, "TagResource", rq + "secretId", "", tSecret, modified},
	{srcSecret, "UntagResource", rq + "secretId", "", tSecret, modified},
	{srcSecret, "RestoreSecret", rq + "secretId", "", tSecret, modified},
	{srcSecret, "ReplicateSecretToRegions", rq + "secretId", "", tSecret, modified},
	{srcSecret, "DeleteSecret", rq + "secretId", "", tSecret, deleted},
	{srcSSM, "GetParameter", rq + "name", "", tParameter, read},
	{srcSSM, "GetParameters", rq + "names[]", "", tParameter, read},
	{srcSSM, "GetParameterHistory", rq + "name", "", tParameter, read},
	{srcSSM, "PutParameter", rq + "name", "", tParameter, modified},
	{srcSSM, "LabelParameterVersion", rq + "name", "", tParameter, modified},
	{srcSSM, "DeleteParameter", rq + "name", "", tParameter, deleted},
	{srcSSM, "DeleteParameters", rq + "names[]", "", tParameter, deleted},

	// Container images: who pushed and who pulled.
	{srcECR, "CreateRepository", rq + "repositoryName", "", tRepo, created},
	{srcECR, "DeleteRepository", rq + "repositoryName", "", tRepo, deleted},
	{srcECR, "PutImage", rq + "repositoryName", "", tRepo, modified},
	{srcECR, "BatchDeleteImage", rq + "repositoryName", "", tRepo, modified},
	{srcECR, "InitiateLayerUpload", rq + "repositoryName", "", tRepo, modified},
	{srcECR, "UploadLayerPart", rq + "repositoryName", "", tRepo, modified},
	{srcECR, "CompleteLayerUpload", rq + "repositoryName", "", tRepo, modified},
	{srcECR, "SetRepositoryPolicy", rq + "repositoryName", "", tRepo, modified},
	{srcECR, "DeleteRepositoryPolicy", rq + "repositoryName", "", tRepo, modified},
	{srcECR, "PutLifecyclePolicy", rq + "repositoryName", "", tRepo, modified},
	{srcECR, "PutImageTagMutability", rq + "repositoryName", "", tRepo, modified},
	{srcECR, "PutImageScanningConfiguration", rq + "repositoryName", "", tRepo, modified},
	{srcECR, "BatchGetImage", rq + "repositoryName", "", tRepo, read},
	{srcECR, "GetDownloadUrlForLayer", rq + "repositoryName", "", tRepo, read},
	{srcECR, "BatchCheckLayerAvailability", rq + "repositoryName", "", tRepo, read},
	{srcECR, "DescribeImages", rq + "repositoryName", "", tRepo, read},
	{srcECR, "DescribeImageScanFindings", rq + "repositoryName", "", tRepo, read},
	{srcECR, "ListImages", rq + "repositoryName", "", tRepo, read},
	{srcECR, "GetRepositoryPolicy", rq + "repositoryName", "", tRepo, read},
	{srcECR, "DescribeRepositories", rq + "repositoryNames[]", "", tRepo, read},

	// Topics: who subscribed an address to the alerts.
	{srcSNS, "CreateTopic", rs + "topicArn", "", tTopic, created},
	{srcSNS, "DeleteTopic", rq + "topicArn", "", tTopic, deleted},
	{srcSNS, "Subscribe", rq + "topicArn", "", tTopic, modified},
	{srcSNS, "SetTopicAttributes", rq + "topicArn", "", tTopic, modified},
	{srcSNS, "AddPermission", rq + "topicArn", "", tTopic, modified},
	{srcSNS, "RemovePermission", rq + "topicArn", "", tTopic, modified},
	{srcSNS, "Publish", rq + "topicArn", "", tTopic, refd},
	{srcSNS, "GetTopicAttributes", rq + "topicArn", "", tTopic, read},
	{srcSNS, "ListSubscriptionsByTopic", rq + "topicArn", "", tTopic, read},

	// Queues, named by URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME),
	// which makeRef turns into the queue's name and ARN.
	{srcSQS, "CreateQueue", rq + "queueName", "", tQueue, created},
	{srcSQS, "CreateQueue", rs + "queueUrl", "", tQueue, created},
	{srcSQS, "GetQueueUrl", rq + "queueName", "", tQueue, refd},
	{srcSQS, "DeleteQueue", rq + "queueUrl", "", tQueue, deleted},
	{srcSQS, "PurgeQueue", rq + "queueUrl", "", tQueue, modified},
	{srcSQS, "SetQueueAttributes", rq + "queueUrl", "", tQueue, modified},
	{srcSQS, "TagQueue", rq + "queueUrl", "", tQueue, modified},
	{srcSQS, "UntagQueue", rq + "queueUrl", "", tQueue, modified},
	{srcSQS, "AddPermission", rq + "queueUrl", "", tQueue, modified},
	{srcSQS, "RemovePermission", rq + "queueUrl", "", tQueue, modified},
	{srcSQS, "GetQueueAttributes", rq + "queueUrl", "", tQueue, read},
	{srcSQS, "ListQueueTags", rq + "queueUrl", "", tQueue, read},
	{srcSQS, "SendMessage", rq + "queueUrl", "", tQueue, refd},
	{srcSQS, "SendMessageBatch", rq + "queueUrl", "", tQueue, refd},
	{srcSQS, "ReceiveMessage", rq + "queueUrl", "", tQueue, read},
	{srcSQS, "DeleteMessage", rq + "queueUrl", "", tQueue, refd},
	{srcSQS, "DeleteMessageBatch", rq + "queueUrl", "", tQueue, refd},
	{srcSQS, "ChangeMessageVisibility", rq + "queueUrl", "", tQueue, refd},
}

// ResourceRules returns a copy of the resource table.
func ResourceRules() []ResourceRule { return append([]ResourceRule(nil), resourceRules...) }

// The payloads a path can start at, in the order of record's spans.
const (
	rootRequest = iota
	rootResponse
	rootService
	nRoots
)

var rootNames = [nRoots]string{"requestParameters", "responseElements", "serviceEventDetails"}

func (rec *record) root(i int) span {
	switch i {
	case rootRequest:
		return rec.RequestParameters
	case rootResponse:
		return rec.ResponseElements
	}
	return rec.ServiceEventDetails
}

// ruleSet holds the rules of one call (or of one name prefix), their paths
// merged into one tree per payload, so that a payload is scanned once
// however many rules read it: RunInstances has a dozen.
type ruleSet struct {
	rules []*compiledRule
	roots [nRoots]*pathNode // nil when no rule reads that payload
	// leaves holds, per payload, the quoted member names that paths end
	// at: a payload that contains none of them is not scanned (most
	// DescribeInstances calls filter and name no instance). CloudTrail
	// does not escape the letters of member names.
	leaves [nRoots][][]byte
	slots  int            // value slots: one per distinct path
	paths  map[string]int // path → slot, while compiling
}

// compiledRule is a rule with its paths resolved to value slots.
type compiledRule struct {
	ResourceRule
	path, join int    // slots; join is -1 without Join
	sep        string // Join's separator
	prefix     string // ID prefix a value must have; "" for any
}

// pathNode is one step of the merged paths.
type pathNode struct {
	seg   pathSeg
	kids  []*pathNode
	slots []int // the slots that take the strings found here
}

type pathSeg struct {
	name       string
	iter       bool   // name[]: each element of an array, or a lone value
	fkey, fval string // name[key=v]: the array's elements whose key is v
}

type ruleIndex struct {
	exact  map[callKey][]*ruleSet // one set per call
	prefix map[string][]*ruleSet  // Source -> one set per name prefix
}

type callKey struct{ source, name string }

var rules = compileRules(resourceRules)

func compileRules(list []ResourceRule) ruleIndex {
	idx := ruleIndex{exact: map[callKey][]*ruleSet{}, prefix: map[string][]*ruleSet{}}
	byPrefix := map[callKey]*ruleSet{}
	for _, r := range list {
		var set *ruleSet
		if n, ok := strings.CutSuffix(r.Name, "*"); ok {
			k := callKey{r.Source, n}
			if set = byPrefix[k]; set == nil {
				set = &ruleSet{paths: map[string]int{}}
				byPrefix[k] = set
				idx.prefix[r.Source] = append(idx.prefix[r.Source], set)
			}
			r.Name = n
		} else {
			k := callKey{r.Source, r.Name}
			if sets := idx.exact[k]; sets != nil {
				set = sets[0]
			} else {
				set = &ruleSet{paths: map[string]int{}}
				idx.exact[k] = []*ruleSet{set}
			}
		}
		set.add(r)
	}
	for _, sets := range idx.exact {
		sets[0].paths = nil
	}
	for _, set := range byPrefix {
		set.paths = nil
	}
	return idx
}

// add compiles r into the set. A path with an unknown root is never found
// (TestResourceRulesWellFormed reports it).
func (s *ruleSet) add(r ResourceRule) {
	c := &compiledRule{ResourceRule: r, path: s.slot(r.Path), join: -1, prefix: ec2IDPrefix[r.Type]}
	if r.Join != "" {
		c.join = s.slot(r.Join)
		c.sep = "/"
		if r.Type == tLogStream {
			c.sep = ":log-stream:"
		}
	}
	s.rules = append(s.rules, c)
}

// slot returns the value slot of a path, adding the path to the tree.
func (s *ruleSet) slot(path string) int {
	if i, ok := s.paths[path]; ok {
		return i
	}
	i := s.slots
	s.slots++
	s.paths[path] = i
	segs := splitPath(path)
	root := -1
	for j, name := range rootNames {
		if len(segs) > 0 && segs[0].name == name {
			root = j
		}
	}
	if root < 0 {
		return i
	}
	if s.roots[root] == nil {
		s.roots[root] = &pathNode{seg: segs[0]}
	}
	n := s.roots[root]
	for _, seg := range segs[1:] {
		var next *pathNode
		for _, k := range n.kids {
			if k.seg == seg {
				next = k
				break
			}
		}
		if next == nil {
			next = &pathNode{seg: seg}
			n.kids = append(n.kids, next)
		}
		n = next
	}
	n.slots = append(n.slots, i)
	leaf := []byte(`"` + n.seg.name + `"`)
	if !slices.ContainsFunc(s.leaves[root], func(b []byte) bool { return bytes.Equal(b, leaf) }) {
		s.leaves[root] = append(s.leaves[root], leaf)
	}
	return i
}

// splitPath splits a dotted path; a filter's value holds no "." (see
// ResourceRule.Path).
func splitPath(p string) []pathSeg {
	if p == "" {
		return nil
	}
	var segs []pathSeg
	for s := range strings.SplitSeq(p, ".") {
		seg := pathSeg{name: s}
		if n, ok := strings.CutSuffix(s, "[]"); ok {
			seg = pathSeg{name: n, iter: true}
		} else if i := strings.IndexByte(s, '['); i > 0 && strings.HasSuffix(s, "]") {
			k, v, _ := strings.Cut(s[i+1:len(s)-1], "=")
			seg = pathSeg{name: s[:i], iter: true, fkey: k, fval: v}
		}
		segs = append(segs, seg)
	}
	return segs
}

// lookup returns the rule sets of a call: its own, or else those of the
// prefixes its name has; nil when none.
func (idx *ruleIndex) lookup(source, name string) []*ruleSet {
	if sets := idx.exact[callKey{source, name}]; sets != nil {
		return sets
	}
	if base := stripDateSuffix(name); base != name {
		if sets := idx.exact[callKey{source, base}]; sets != nil {
			return sets
		}
		name = base
	}
	var out []*ruleSet
	for _, s := range idx.prefix[source] {
		if strings.HasPrefix(name, s.rules[0].Name) {
			out = append(out, s)
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
// (ARN, type) instead of being listed again as referenced; its accountId,
// the owner's, wins over the recipient account a rule assumed.
//
// A call that failed (errorCode set) changed nothing: its rule refs are
// downgraded to referenced, so that a denied TerminateInstances does not
// look like the end of an instance.
func extractResources(ev *cairn.Event, rec *record, raw []byte) []cairn.ResourceRef {
	var refs []cairn.ResourceRef
	if sets := rules.lookup(rec.EventSource, rec.EventName); len(sets) > 0 {
		for _, s := range sets {
			refs = s.apply(refs, ev, rec, raw)
		}
		if ev.Failed() {
			for i := range refs {
				refs[i].Role = cairn.RoleReferenced
			}
			refs = dedupe(refs)
		}
	}
	if refs == nil && len(rec.Resources) > 0 {
		refs = make([]cairn.ResourceRef, 0, max(len(rec.Resources), 2))
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
		n := len(refs)
		var at int
		refs, at = mergeRef(refs, ref, true)
		if len(refs) == n && res.AccountID != "" {
			refs[at].Account = string(res.AccountID)
		}
	}
	if len(refs) == 0 {
		return nil
	}
	return refs
}

// mergeRef adds ref unless a ref with the same ID and role is present (or,
// with anyRole, the same ID and a compatible type), filling in the present
// ref's missing fields. It returns the ref's index.
func mergeRef(refs []cairn.ResourceRef, ref cairn.ResourceRef, anyRole bool) ([]cairn.ResourceRef, int) {
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
		return refs, i
	}
	return append(refs, ref), len(refs)
}

// dedupe merges refs that became equal in ID and role.
func dedupe(refs []cairn.ResourceRef) []cairn.ResourceRef {
	out := refs[:0:0]
	for _, r := range refs {
		out, _ = mergeRef(out, r, false)
	}
	return out
}

// apply walks the payloads the set's rules read, once each, and adds the
// resources found, in the order of the table.
func (s *ruleSet) apply(refs []cairn.ResourceRef, ev *cairn.Event, rec *record, raw []byte) []cairn.ResourceRef {
	w := walkers.Get().(*walker)
	defer walkers.Put(w)
	w.reset(s.slots)
	for i, root := range s.roots {
		if root == nil {
			continue
		}
		val := rec.root(i).bytes(raw)
		if len(val) == 0 || !containsAny(val, s.leaves[i]) {
			continue
		}
		base := len(w.stack)
		w.stack = append(w.stack, nodeRef{n: root})
		// A payload that fails to parse midway keeps what was found
		// before; records reach here already validated.
		c := cursor{b: val, ok: true}
		w.visit(&c, w.stack[base:])
		w.stack = w.stack[:base]
	}
	for _, r := range s.rules {
		vals := w.vals[r.path]
		if r.join >= 0 {
			suffix := w.vals[r.join]
			if len(vals) != 1 || len(suffix) != 1 || vals[0] == "" || suffix[0] == "" {
				continue
			}
			refs = r.add(refs, vals[0]+r.sep+suffix[0], ev)
			continue
		}
		for _, v := range vals {
			if v != "" {
				refs = r.add(refs, v, ev)
			}
		}
	}
	return refs
}

func containsAny(b []byte, subs [][]byte) bool {
	for _, sub := range subs {
		if bytes.Contains(b, sub) {
			return true
		}
	}
	return false
}

// add adds the resource a rule found.
func (r *compiledRule) add(refs []cairn.ResourceRef, v string, ev *cairn.Event) []cairn.ResourceRef {
	if r.prefix != "" && !strings.HasPrefix(v, r.prefix) && !strings.HasPrefix(arnResourceID(v), r.prefix) {
		return refs
	}
	if refs == nil {
		// Most calls name one or two resources (an S3 object and its
		// bucket): room for two saves growing the slice.
		refs = make([]cairn.ResourceRef, 0, 2)
	}
	refs, _ = mergeRef(refs, makeRef(v, r.Type, r.Role, ev), false)
	return refs
}

// makeRef builds a reference from an ID or ARN found in a payload.
func makeRef(v, typ string, role cairn.Role, ev *cairn.Event) cairn.ResourceRef {
	ref := cairn.ResourceRef{ID: v, Type: typ, Account: ev.RecipientAccountID, Region: ev.AWSRegion, Role: role}
	if region, account, name, ok := queueURL(v); ok {
		ref.ID, ref.Account, ref.Region = name, account, cmp.Or(region, ref.Region)
		return withDerivedARN(ref)
	}
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
	switch typ {
	case ec2Any:
		ref.Type = ec2TypeOf(ref.ID)
	case anyType:
		ref.Type = arnType(ref.ARN)
		if ref.Type == "" {
			ref.Type = ec2TypeOf(ref.ID)
		}
	case kmsAny:
		ref.Type = tKMSKey
		if strings.HasPrefix(ref.ID, "alias/") {
			ref.Type = tAlias
		}
	}
	if lowerCaseIDs[ref.Type] {
		ref.ID = strings.ToLower(ref.ID)
	}
	return withDerivedARN(ref)
}

// withDerivedARN sets the ARN of a resource known by ID, where it follows.
func withDerivedARN(ref cairn.ResourceRef) cairn.ResourceRef {
	if ref.ARN == "" {
		ref.ARN = deriveARN(ref)
	}
	return ref
}

// queueURL reads an SQS queue URL: https://sqs.REGION.amazonaws.com/ACCOUNT/NAME,
// or the legacy https://queue.amazonaws.com/ACCOUNT/NAME (region unsaid).
func queueURL(v string) (region, account, name string, ok bool) {
	rest, found := strings.CutPrefix(v, "https://")
	if !found {
		return "", "", "", false
	}
	host, path, _ := strings.Cut(rest, "/")
	switch {
	case host == "queue.amazonaws.com":
	case strings.HasPrefix(host, "sqs.") && strings.HasSuffix(host, ".amazonaws.com"):
		region = strings.TrimSuffix(strings.TrimPrefix(host, "sqs."), ".amazonaws.com")
	default:
		return "", "", "", false
	}
	account, name, found = strings.Cut(path, "/")
	if !found || account == "" || name == "" || strings.Contains(name, "/") {
		return "", "", "", false
	}
	return region, account, name, true
}

// lowerCaseIDs are the types whose identifiers are case-insensitive and
// stored in lower case, so that "MyDB" in a request and "mydb" in its
// response are one resource.
var lowerCaseIDs = map[string]bool{
	tDB: true, tCluster: true, tDBSnapshot: true, tDBClusterSnap: true,
	tDBSubnetGroup: true, tDBParamGroup: true, tDBCParamGroup: true, tOptionGroup: true,
}

// walker scans payloads with the cursor that read the record (scan.go).
// Walkers are pooled: extraction runs for every event.
type walker struct {
	stack []nodeRef  // scratch: the node sets of the values being visited
	vals  [][]string // per slot, the strings found
}

// nodeRef is a path node that the value being visited belongs to. elem says
// that the node's array was entered already: the value is an element.
type nodeRef struct {
	n    *pathNode
	elem bool
}

var walkers = sync.Pool{New: func() any { return &walker{} }}

func (w *walker) reset(slots int) {
	if cap(w.vals) < slots {
		w.vals = append(w.vals[:cap(w.vals)], make([][]string, slots-cap(w.vals))...)
	}
	w.vals = w.vals[:slots]
	for i := range w.vals {
		w.vals[i] = w.vals[i][:0]
	}
	w.stack = w.stack[:0]
}

// visit passes over one value, which is the value of every node in ns: it
// keeps a string for the nodes that end paths, and descends into objects
// and arrays for the nodes that go on.
func (w *walker) visit(c *cursor, ns []nodeRef) {
	switch c.peek() {
	case '"':
		q, _ := c.quoted()
		if !c.ok {
			return
		}
		var s string
		for _, r := range ns {
			if len(r.n.slots) == 0 || r.n.seg.fkey != "" {
				continue
			}
			if s == "" {
				s = unquote(q)
			}
			for _, i := range r.n.slots {
				w.vals[i] = append(w.vals[i], s)
			}
		}
	case '{':
		if !w.descends(ns) {
			c.skip()
			return
		}
		c.i++
		for first := true; c.ok; first = false {
			name, more := c.key(first)
			if !more {
				return
			}
			base := len(w.stack)
			for _, r := range ns {
				if r.n.seg.fkey != "" && !r.elem {
					continue // a filter applies to an array's elements
				}
				for _, k := range r.n.kids {
					if k.seg.name == string(name) {
						w.stack = append(w.stack, nodeRef{n: k})
					}
				}
			}
			if len(w.stack) == base {
				c.skip()
			} else {
				w.visit(c, w.stack[base:])
			}
			w.stack = w.stack[:base]
		}
	case '[':
		base := len(w.stack)
		filtered := false
		for _, r := range ns {
			if r.n.seg.iter && !r.elem {
				w.stack = append(w.stack, nodeRef{n: r.n, elem: r.n.seg.fkey == ""})
				filtered = filtered || r.n.seg.fkey != ""
			}
		}
		w.visitArray(c, w.stack[base:], filtered)
		w.stack = w.stack[:base]
	default:
		c.skip()
	}
}

// visitArray passes over an array whose elements each are the value of
// every node in ns.
func (w *walker) visitArray(c *cursor, ns []nodeRef, filtered bool) {
	if len(ns) == 0 {
		c.skip()
		return
	}
	c.i++
	for first := true; c.ok && c.element(first); first = false {
		if filtered {
			w.visitFiltered(c, ns)
		} else {
			w.visit(c, ns)
		}
	}
}

// descends reports whether a node of ns goes on into an object.
func (w *walker) descends(ns []nodeRef) bool {
	for _, r := range ns {
		if len(r.n.kids) > 0 && (r.n.seg.fkey == "" || r.elem) {
			return true
		}
	}
	return false
}

// visitFiltered visits an array element for ns, where the filter nodes
// (not yet marked elem) take the element only if its member fkey is fval.
// The element is passed over first, then scanned twice: for the filters,
// then for the paths.
func (w *walker) visitFiltered(c *cursor, ns []nodeRef) {
	if c.peek() != '{' {
		w.visit(c, ns)
		return
	}
	start := c.i
	if c.skip(); !c.ok {
		return
	}
	obj := c.b[start:c.i]
	base := len(w.stack)
	for _, r := range ns {
		if r.n.seg.fkey == "" {
			w.stack = append(w.stack, r)
		} else if memberIs(obj, r.n.seg.fkey, r.n.seg.fval) {
			w.stack = append(w.stack, nodeRef{n: r.n, elem: true})
		}
	}
	if len(w.stack) > base {
		w.visit(&cursor{b: obj, ok: true}, w.stack[base:])
	}
	w.stack = w.stack[:base]
}

// memberIs reports whether the object obj has the string value want at key.
func memberIs(obj []byte, key, want string) bool {
	c := cursor{b: obj, ok: true, i: 1} // after the '{'
	for first := true; c.ok; first = false {
		name, more := c.key(first)
		if !more {
			return false
		}
		if string(name) != key {
			c.skip()
			continue
		}
		if c.peek() != '"' {
			return false
		}
		q, _ := c.quoted()
		return c.ok && unquote(q) == want
	}
	return false
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

// arnParts splits arn:partition:service:region:account:resource. It runs
// several times for every ARN a record names, so it does not allocate.
func arnParts(arn string) (partition, service, region, account, res string, ok bool) {
	rest, ok := strings.CutPrefix(arn, "arn:")
	if !ok {
		return "", "", "", "", "", false
	}
	var p [4]string
	for i := range p {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return "", "", "", "", "", false
		}
		p[i], rest = rest[:j], rest[j+1:]
	}
	return p[0], p[1], p[2], p[3], rest, true
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
// paths) and for ECS (service/cluster/name → name), the function name for
// Lambda, the name for CloudFormation stacks, Auto Scaling groups and EKS
// nodegroups, "alias/name" for KMS aliases, and otherwise what follows the
// resource type ("instance/i-0abc" → "i-0abc", "db:mydb" → "mydb"). An ARN
// whose name is empty ("function:", "role/") is its own ID.
func arnResourceID(arn string) string {
	if id := arnName(arn); id != "" {
		return id
	}
	return arn
}

// arnName is arnResourceID's short ID, or "" when the ARN names nothing.
func arnName(arn string) string {
	_, service, _, _, res, ok := arnParts(arn)
	if !ok || res == "" {
		return arn
	}
	switch service {
	case "s3":
		return res
	case "iam", "sts", "ecs":
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
	case "kms":
		if strings.HasPrefix(res, "alias/") {
			return res
		}
	case "cloudformation":
		// stack/name/uuid, stackset/name:uuid, changeSet/name/uuid
		if p := strings.Split(res, "/"); len(p) >= 2 && p[1] != "" {
			name, _, _ := strings.Cut(p[1], ":")
			return name
		}
	case "autoscaling":
		// autoScalingGroup:uuid:autoScalingGroupName/name
		if i := strings.Index(res, "Name/"); i >= 0 {
			return res[i+len("Name/"):]
		}
	case "eks":
		// cluster/name, nodegroup/cluster/name/uuid, addon/cluster/name/uuid
		if p := strings.Split(res, "/"); len(p) >= 3 && p[2] != "" {
			return p[2]
		}
	}
	if i := strings.IndexAny(res, "/:"); i >= 0 && i < len(res)-1 {
		return strings.TrimSuffix(res[i+1:], ":*")
	}
	return res
}

// arnTypes maps "service:resource-type" of an ARN to a resource type.
var arnTypes = map[string]string{
	"ec2:instance": tInstance, "ec2:volume": tVolume, "ec2:snapshot": tSnapshot, "ec2:image": tImage,
	"ec2:security-group": tSG, "ec2:network-interface": tENI, "ec2:natgateway": tNAT,
	"ec2:elastic-ip": tEIP, "ec2:subnet": tSubnet, "ec2:vpc": tVPC, "ec2:internet-gateway": tIGW,
	"ec2:route-table": tRTB, "ec2:vpc-endpoint": tVPCE, "ec2:launch-template": tLT, "ec2:key-pair": tKeyPair,
	"elasticloadbalancing:targetgroup": tTargetGroup, "elasticloadbalancing:listener": tListener,
	"elasticloadbalancing:listener-rule": tListenerRule, "logs:log-group": tLogGroup,
	"rds:db": tDB, "rds:cluster": tCluster, "rds:snapshot": tDBSnapshot, "rds:cluster-snapshot": tDBClusterSnap,
	"rds:subgrp": tDBSubnetGroup, "rds:pg": tDBParamGroup, "rds:cluster-pg": tDBCParamGroup, "rds:og": tOptionGroup,
	"lambda:function": tFunction, "lambda:layer": tLayer, "lambda:event-source-mapping": tESM,
	"dynamodb:table": tTable, "dynamodb:global-table": tGlobalTable, "kms:key": tKMSKey, "kms:alias": tAlias,
	"iam:user": tUser, "iam:role": tRole, "iam:group": tGroup, "iam:policy": tPolicy,
	"iam:instance-profile": tProfile, "iam:saml-provider": tSAML, "iam:oidc-provider": tOIDC, "iam:mfa": tMFADevice,
	"ecs:cluster": tECSCluster, "ecs:service": tECSService, "ecs:task": tTask, "ecs:task-definition": tTaskDef,
	"ecs:container-instance": tContainerInst, "ecs:capacity-provider": tCapProvider,
	"eks:cluster": tEKS, "eks:nodegroup": tNodegroup, "eks:addon": tAddon, "eks:fargateprofile": tFargateProf,
	"autoscaling:autoScalingGroup": tASG, "autoscaling:launchConfiguration": tLaunchConf,
	"cloudformation:stack": tStack, "cloudformation:stackset": tStackSet, "cloudformation:changeSet": tChangeSet,
	"cloudtrail:trail": tTrail,
}

// arnType infers a resource type from an ARN; "" if unknown.
func arnType(arn string) string {
	_, service, _, _, res, ok := arnParts(arn)
	if !ok {
		return ""
	}
	kind := res
	if i := strings.IndexAny(res, "/:"); i >= 0 {
		kind = res[:i]
	}
	switch {
	case service == "s3" && strings.Contains(res, "/"):
		return tObject
	case service == "s3":
		return tBucket
	case service == "elasticloadbalancing" && kind == "loadbalancer":
		if strings.HasPrefix(res, "loadbalancer/app/") || strings.HasPrefix(res, "loadbalancer/net/") || strings.HasPrefix(res, "loadbalancer/gwy/") {
			return tLB
		}
		return tClassic
	case service == "dynamodb" && strings.Contains(res, "/backup/"):
		return tDDBBackup
	case service == "logs" && strings.Contains(res, ":log-stream:"):
		return tLogStream
	case service == "sqs":
		return tQueue
	case service == "sns":
		return tTopic
	case service == "kinesis" && kind == "stream":
		return "AWS::Kinesis::Stream"
	}
	return arnTypes[service+":"+kind]
}

// ec2Prefixes maps EC2 ID prefixes to types; longer prefixes first where one
// extends another (eni-attach- before eni-).
var ec2Prefixes = []struct{ prefix, typ string }{
	{"i-", tInstance}, {"vol-", tVolume}, {"snap-", tSnapshot}, {"sg-", tSG}, {"ami-", tImage},
	{"eni-attach-", tENIAttach}, {"eni-", tENI}, {"nat-", tNAT}, {"eipalloc-", tEIP}, {"eipassoc-", tEIPAssoc},
	{"subnet-", tSubnet}, {"vpc-", tVPC}, {"igw-", tIGW}, {"rtb-", tRTB},
	{"acl-", "AWS::EC2::NetworkAcl"}, {"lt-", tLT}, {"vpce-", tVPCE}, {"tgw-", "AWS::EC2::TransitGateway"},
	{"key-", tKeyPair}, {"dopt-", "AWS::EC2::DHCPOptions"}, {"fleet-", tFleet}, {"sir-", tSpotReq},
	{"eigw-", "AWS::EC2::EgressOnlyInternetGateway"}, {"pcx-", "AWS::EC2::VPCPeeringConnection"},
}

// ec2IDPrefix is the prefix that every ID of an EC2 type has, for the types
// that rules name directly (a key pair is named by its name: not here).
var ec2IDPrefix = func() map[string]string {
	m := map[string]string{}
	for _, p := range ec2Prefixes {
		if p.typ != tKeyPair && m[p.typ] == "" {
			m[p.typ] = p.prefix
		}
	}
	return m
}()

// ec2TypeOf infers an EC2 resource type from an ID's prefix; "" if unknown.
func ec2TypeOf(id string) string {
	for _, p := range ec2Prefixes {
		if strings.HasPrefix(id, p.prefix) {
			return p.typ
		}
	}
	return ""
}

// ec2ARNKinds is the resource-type part of the ARNs of EC2 types.
var ec2ARNKinds = map[string]string{
	tInstance: "instance", tVolume: "volume", tSG: "security-group", tENI: "network-interface",
	tNAT: "natgateway", tEIP: "elastic-ip", tSubnet: "subnet", tVPC: "vpc", tIGW: "internet-gateway",
	tRTB: "route-table", tVPCE: "vpc-endpoint", tLT: "launch-template", tFleet: "fleet",
	tSpotReq: "spot-instances-request",
}

// deriveARN builds the ARN of a resource known by ID, for the types whose
// ARN follows from ID, region and account alone. IAM ARNs are not derived:
// they include a path that the ID does not carry; nor are those that carry
// a generated suffix (stacks, Auto Scaling groups, nodegroups) or a parent
// (ECS services and tasks).
func deriveARN(r cairn.ResourceRef) string {
	p := partitionOf(r.Region)
	switch r.Type {
	case tBucket, tObject:
		return "arn:" + p + ":s3:::" + r.ID
	}
	if r.Region == "" || r.Account == "" {
		return ""
	}
	if kind := ec2ARNKinds[r.Type]; kind != "" {
		return "arn:" + p + ":ec2:" + r.Region + ":" + r.Account + ":" + kind + "/" + r.ID
	}
	switch r.Type {
	case tSnapshot:
		return "arn:" + p + ":ec2:" + r.Region + "::snapshot/" + r.ID
	case tImage:
		return "arn:" + p + ":ec2:" + r.Region + "::image/" + r.ID
	case tDB:
		return "arn:" + p + ":rds:" + r.Region + ":" + r.Account + ":db:" + r.ID
	case tCluster:
		return "arn:" + p + ":rds:" + r.Region + ":" + r.Account + ":cluster:" + r.ID
	case tDBSnapshot:
		return "arn:" + p + ":rds:" + r.Region + ":" + r.Account + ":snapshot:" + r.ID
	case tDBClusterSnap:
		return "arn:" + p + ":rds:" + r.Region + ":" + r.Account + ":cluster-snapshot:" + r.ID
	case tFunction:
		return "arn:" + p + ":lambda:" + r.Region + ":" + r.Account + ":function:" + r.ID
	case tTable:
		return "arn:" + p + ":dynamodb:" + r.Region + ":" + r.Account + ":table/" + r.ID
	case tEKS:
		return "arn:" + p + ":eks:" + r.Region + ":" + r.Account + ":cluster/" + r.ID
	case tECSCluster:
		return "arn:" + p + ":ecs:" + r.Region + ":" + r.Account + ":cluster/" + r.ID
	case tTaskDef:
		if strings.Contains(r.ID, ":") { // family:revision; a family alone has no ARN
			return "arn:" + p + ":ecs:" + r.Region + ":" + r.Account + ":task-definition/" + r.ID
		}
	case tClassic:
		return "arn:" + p + ":elasticloadbalancing:" + r.Region + ":" + r.Account + ":loadbalancer/" + r.ID
	case tLB:
		return "arn:" + p + ":elasticloadbalancing:" + r.Region + ":" + r.Account + ":loadbalancer/" + r.ID
	case tTargetGroup:
		return "arn:" + p + ":elasticloadbalancing:" + r.Region + ":" + r.Account + ":targetgroup/" + r.ID
	case tListener:
		return "arn:" + p + ":elasticloadbalancing:" + r.Region + ":" + r.Account + ":listener/" + r.ID
	case tKMSKey:
		return "arn:" + p + ":kms:" + r.Region + ":" + r.Account + ":key/" + r.ID
	case tAlias:
		return "arn:" + p + ":kms:" + r.Region + ":" + r.Account + ":" + r.ID
	case tLogGroup, tLogStream:
		return "arn:" + p + ":logs:" + r.Region + ":" + r.Account + ":log-group:" + r.ID
	case tTrail:
		return "arn:" + p + ":cloudtrail:" + r.Region + ":" + r.Account + ":trail/" + r.ID
	case tQueue:
		return "arn:" + p + ":sqs:" + r.Region + ":" + r.Account + ":" + r.ID
	case tTopic:
		return "arn:" + p + ":sns:" + r.Region + ":" + r.Account + ":" + r.ID
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
