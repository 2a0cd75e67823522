package cairn

import "strings"

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

// Names reports whether id, a resource as people give it (its ID or its
// ARN), names r. An IAM user's, role's or group's ARN names it whatever
// path the ARN holds, since the name is unique in its account: records
// mostly name such an entity by name alone (GetUser's userName), and an ARN
// typed for it should find those too.
func (r *ResourceRef) Names(id string) bool {
	if r.ID == id || (r.ARN != "" && r.ARN == id) {
		return true
	}
	e, ok := iamEntityOf(id)
	return ok && r.ID == e.name && r.Account == e.account && r.Type == e.typ
}

// ResourceSQL is the condition, over the events view, that an event touched
// the resource id names, as ResourceRef.Names decides.
func ResourceSQL(id string) string {
	c := "contains(resourceKeys, " + SQLString("|"+id+"|") + ")"
	e, ok := iamEntityOf(id)
	if !ok {
		return c
	}
	// resourceKeys rules out most rows before the resources are read.
	return "(" + c + " OR (contains(resourceKeys, " + SQLString("|"+e.name+"|") + ") AND " +
		"len(list_filter(resources, r -> r.id = " + SQLString(e.name) + " AND r.account = " + SQLString(e.account) +
		" AND r.type = " + SQLString(e.typ) + ")) > 0))"
}

// IAMName is the name an IAM user's, role's or group's ARN ends with, or ""
// when id is not such an ARN: the value records name the entity by.
func IAMName(id string) string {
	if e, ok := iamEntityOf(id); ok {
		return e.name
	}
	return ""
}

type iamEntity struct{ account, typ, name string }

// iamEntityOf reads arn:PARTITION:iam::ACCOUNT:user/PATH/NAME (and role/,
// group/).
func iamEntityOf(arn string) (iamEntity, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || parts[3] != "" || parts[4] == "" {
		return iamEntity{}, false
	}
	kind, rest, _ := strings.Cut(parts[5], "/")
	e := iamEntity{account: parts[4], name: rest[strings.LastIndexByte(rest, '/')+1:]}
	switch kind {
	case "user":
		e.typ = "AWS::IAM::User"
	case "role":
		e.typ = "AWS::IAM::Role"
	case "group":
		e.typ = "AWS::IAM::Group"
	}
	return e, e.typ != "" && e.name != ""
}
