package cairn

// Role says what an event did to a resource.
type Role string

const (
	RoleCreated      Role = "created"
	RoleModified     Role = "modified"
	RoleStateChanged Role = "state-changed"
	RoleDeleted      Role = "deleted"
	RoleRead         Role = "read"
	RoleReferenced   Role = "referenced"
)

// ResourceRef is one resource an event touched.
type ResourceRef struct {
	// ID is the resource's short identifier as people type it: an instance
	// ID, a bucket name, a role name, a function name. It is the ARN when
	// nothing shorter identifies the resource.
	ID string
	// ARN is the full ARN when the record gives it or it can be derived.
	ARN     string
	Type    string // CloudFormation-style type, e.g. AWS::EC2::Instance
	Account string
	Region  string
	Role    Role
}
