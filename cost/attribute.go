package cost

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
)

// How an amount was attributed, from the strongest evidence to none.
const (
	MethodCreation     = "creation-event"            // the CloudTrail call that created the resource
	MethodParentASG    = "parent:auto-scaling-group" // created by Auto Scaling for a group; the group's creator
	MethodParentStack  = "parent:stack"              // created by CloudFormation for a stack; the stack's creator
	MethodCreatedByTag = "tag:aws:createdBy"         // AWS's creator tag, where CloudTrail has no creation call
	MethodOwnerTag     = "tag:owner"                 // the configured owner tag
	MethodUnattributed = "unattributed"              // a resource nothing names a creator for
	MethodShared       = "shared"                    // a cost without a resource or creator tag (support, tax, fees, …)
)

// Labels of the amounts that no principal carries.
const (
	LabelUnattributed = "(unattributed)"
	LabelShared       = "(shared)"
)

// Creator is the CloudTrail call that created a resource and who made it.
type Creator struct {
	ResourceID string
	ARN        string
	Type       string
	Account    string
	Region     string
	Time       time.Time
	EventID    string
	EventName  string
	// Principal is who made the call, as the attribution names them: the
	// person for a person's session, the role for a pipeline's.
	Principal string
	// PrincipalID is userIdentity.principalId, what aws:createdBy names.
	PrincipalID string
	// Role is the role of an assumed-role session (ROLE of
	// arn:aws:sts::ACCT:assumed-role/ROLE/SESSION); the start of its
	// PrincipalID is the role's ID, which aws:createdBy names.
	Role string
	// Service is set when an AWS service made the call (Auto Scaling,
	// CloudFormation).
	Service string
	// Parents are the Auto Scaling groups and stacks the creating call
	// names in its tags.
	Parents []cairn.ResourceRef
}

// creatorTypes leaves out what is created by the million and never billed
// on its own.
var skippedCreated = map[string]bool{"AWS::S3::Object": true, "AWS::DynamoDB::Item": true}

// LoadCreators reads every successful creating call from the index. The
// calls that create only what skippedCreated leaves out are left in the
// engine: over make bench's 2,000,000 events they are three quarters of the
// 262,000 creating calls (S3 PutObject), and reading them out, 50,000 a
// query, made cairn cost report take 4.6 s; now 1.2 s.
func LoadCreators(ctx context.Context, idx Querier) ([]Creator, error) {
	const page = 200_000
	var skipped []string
	for t := range skippedCreated {
		skipped = append(skipped, "'"+t+"'")
	}
	slices.Sort(skipped)
	var out []Creator
	after := time.Time{}
	afterID := ""
	for {
		// coalesce: segments written before absent strings were pointers
		// may hold an empty errorCode.
		q := fmt.Sprintf(`SELECT eventTime, eventID, eventName, recipientAccountId, awsRegion, userType, principalId, userArn,
			userName, roleArn, sessionName, sourceIdentity, invokedBy, resources
			FROM events WHERE coalesce(errorCode, '') = ''
			  AND len(list_filter(resources, r -> r.role = 'created' AND r.type NOT IN (%s))) > 0
			  AND (eventTime, eventID) > ('%s'::TIMESTAMPTZ, '%s')
			ORDER BY eventTime, eventID LIMIT %d`, strings.Join(skipped, ", "), after.UTC().Format(time.RFC3339Nano), strings.ReplaceAll(afterID, "'", "''"), page)
		tab, err := idx.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("read creation events: %w", err)
		}
		for _, row := range tab.Rows {
			out = append(out, creatorsOf(row)...)
		}
		if len(tab.Rows) < page {
			return out, nil
		}
		last := tab.Rows[len(tab.Rows)-1]
		after, _ = time.Parse(time.RFC3339Nano, cairn.CellText(last[0]))
		afterID = cairn.CellText(last[1])
	}
}

// LoadRoles names every role whose sessions the trail shows, by the role's
// unique ID (the AROA… that starts a session's principalId and that
// aws:createdBy gives): a person's Identity Center session may have
// created nothing the trail holds, yet its tag names the role it came
// through.
func LoadRoles(ctx context.Context, idx Querier) (map[string]string, error) {
	tab, err := idx.Query(ctx, `SELECT split_part(principalId, ':', 1), max(userArn) FROM events
		WHERE userType = 'AssumedRole' AND contains(principalId, ':') AND userArn IS NOT NULL GROUP BY 1`)
	if err != nil {
		return nil, fmt.Errorf("read the trail's roles: %w", err)
	}
	roles := map[string]string{}
	for _, row := range tab.Rows {
		if name := roleFromARN(cairn.CellText(row[1])); name != "" {
			roles[cairn.CellText(row[0])] = name
		}
	}
	return roles, nil
}

// Querier runs SQL over the events view; cairn.Index and cairn's server
// client both do.
type Querier = cairn.Querier

func creatorsOf(row []any) []Creator {
	col := func(i int) string { return cairn.CellText(row[i]) }
	t, _ := time.Parse(time.RFC3339Nano, col(0))
	p := cairn.Principal{
		Type: col(5), PrincipalID: col(6), ARN: col(7), UserName: col(8),
		RoleARN: col(9), SessionName: col(10), SourceIdentity: col(11), InvokedBy: col(12),
	}
	base := Creator{
		Time: t, EventID: col(1), EventName: col(2), Account: col(3), Region: col(4),
		Principal: principalLabel(&p), PrincipalID: p.PrincipalID,
	}
	if p.Type == "AssumedRole" {
		base.Role = sessionRole(&p)
	}
	if p.InvokedBy != "" && strings.HasSuffix(p.InvokedBy, ".amazonaws.com") {
		base.Service = p.InvokedBy
	}
	refs := resourceRefs(row[13])
	for _, r := range refs {
		if r.Role == cairn.RoleReferenced && (r.Type == typeASG || r.Type == typeStack) {
			base.Parents = append(base.Parents, r)
		}
	}
	var out []Creator
	for _, r := range refs {
		if r.Role != cairn.RoleCreated || skippedCreated[r.Type] {
			continue
		}
		c := base
		c.ResourceID, c.ARN, c.Type = r.ID, r.ARN, r.Type
		if r.Account != "" {
			c.Account = r.Account
		}
		if r.Region != "" {
			c.Region = r.Region
		}
		out = append(out, c)
	}
	return out
}

const (
	typeASG   = "AWS::AutoScaling::AutoScalingGroup"
	typeStack = "AWS::CloudFormation::Stack"
)

// principalLabel names who made a call for cost reports: a person by the
// name they are known by, a pipeline by its role, a service by its name.
func principalLabel(p *cairn.Principal) string {
	switch p.Type {
	case "AssumedRole":
		if p.SourceIdentity != "" {
			return p.SourceIdentity
		}
		if personLike(p.SessionName) {
			return p.SessionName
		}
		if strings.HasSuffix(p.InvokedBy, ".amazonaws.com") {
			return p.InvokedBy // a service's own session (Auto Scaling, CloudFormation)
		}
		return "role/" + sessionRole(p)
	case "AWSService":
		return p.InvokedBy
	case "Root":
		return "root"
	}
	return p.Name()
}

func personLike(session string) bool { return strings.Contains(session, "@") }

// sessionRole is the role an assumed-role session belongs to.
func sessionRole(p *cairn.Principal) string {
	if p.UserName != "" {
		return p.UserName // sessionContext.sessionIssuer.userName
	}
	return roleFromARN(p.ARN)
}

func roleFromARN(arn string) string {
	// arn:aws:sts::123:assumed-role/Role/session
	parts := strings.Split(arn, "/")
	if len(parts) >= 3 {
		return parts[1]
	}
	return arn
}

// resourceRefs reads the resources column of a query row.
func resourceRefs(v any) []cairn.ResourceRef {
	list, _ := v.([]any)
	out := make([]cairn.ResourceRef, 0, len(list))
	for _, e := range list {
		m, _ := e.(map[string]any)
		field := func(k string) string { return cairn.CellText(m[k]) }
		out = append(out, cairn.ResourceRef{
			ID: field("id"), ARN: field("arn"), Type: field("type"),
			Account: field("account"), Region: field("region"), Role: cairn.Role(field("role")),
		})
	}
	return out
}

// Attribution is who an amount goes to and why.
type Attribution struct {
	Principal string `json:"principal"`
	Method    string `json:"method"`
	// Creator is who made the creating call when it differs from
	// Principal: a service acting for a group's creator, or the role
	// session an aws:createdBy tag names (assumed-role/ROLE/SESSION).
	Creator string `json:"creator,omitempty"`
	// EventID is the CloudTrail event the attribution rests on.
	EventID string `json:"eventId,omitempty"`
	// Via names the parent resource walked through.
	Via string `json:"via,omitempty"`

	// creatorID is the principalId of the call that created the resource,
	// for comparing with aws:createdBy.
	creatorID string
	// role is the IAM role the creating call came through ("" for a user,
	// root, or a role the trail never shows), for the report by role: a
	// pipeline's cost is billed to the person who ran it, and shows there.
	role string
}

// Attributor matches cost rows' resources to their creators.
type Attributor struct {
	byKey map[string][]*Creator // account|id and arn, each sorted by time
	// What the creating calls tell about the role sessions that
	// aws:createdBy names by the role's unique ID (AROA…).
	sessionLabel map[string]string    // principalId (AROA…:session) → its principal's label
	roleByID     map[string]roleOfIDs // AROA… → the role
}

// roleOfIDs is a role as its sessions' creating calls show it.
type roleOfIDs struct {
	name    string // from the sessions' ARNs
	service string // set when an AWS service's sessions use the role
}

// NewAttributor indexes the creators. roles names the roles the trail
// shows by their unique IDs (LoadRoles), for the aws:createdBy tags of
// sessions that created nothing in it.
func NewAttributor(creators []Creator, roles map[string]string) *Attributor {
	a := &Attributor{byKey: map[string][]*Creator{}, sessionLabel: map[string]string{}, roleByID: map[string]roleOfIDs{}}
	for id, name := range roles {
		a.roleByID[id] = roleOfIDs{name: name}
	}
	for i := range creators {
		c := &creators[i]
		for _, k := range creatorKeys(c) {
			a.byKey[k] = append(a.byKey[k], c)
		}
		if roleID, _, ok := strings.Cut(c.PrincipalID, ":"); ok && c.Role != "" {
			a.sessionLabel[c.PrincipalID] = c.Principal
			r := a.roleByID[roleID]
			r.name = c.Role
			if c.Principal == c.Service {
				r.service = c.Service // the service's own session, not a pipeline's call through it
			}
			a.roleByID[roleID] = r
		}
	}
	for _, list := range a.byKey {
		slices.SortFunc(list, func(x, y *Creator) int { return x.Time.Compare(y.Time) })
	}
	return a
}

func creatorKeys(c *Creator) []string {
	keys := []string{c.Account + "|" + strings.ToLower(c.ResourceID)}
	if c.ARN != "" {
		keys = append(keys, strings.ToLower(c.ARN))
	}
	return keys
}

// costKeys are the keys a cost row's resource ID may match, most specific
// first: the ARN itself, then the ID inside it, scoped to the account. An
// ARN names its region too, which the creating call must have been made in
// (a function of the same name in another region is another function).
func costKeys(account, resourceID string) (keys []string, region string) {
	id := strings.ToLower(resourceID)
	if !strings.HasPrefix(id, "arn:") {
		return []string{account + "|" + id}, ""
	}
	keys = []string{id}
	parts := strings.SplitN(id, ":", 6)
	if len(parts) == 6 {
		region = parts[3]
		if parts[4] != "" {
			account = parts[4]
		}
		rest := parts[5]
		// loadbalancer/app/name/id keeps its path; other resources are the
		// last element of type/id or type:id.
		if strings.HasPrefix(rest, "loadbalancer/") {
			keys = append(keys, account+"|"+strings.TrimPrefix(rest, "loadbalancer/"))
		}
		if i := strings.LastIndexAny(rest, "/:"); i >= 0 {
			keys = append(keys, account+"|"+rest[i+1:])
		}
		keys = append(keys, account+"|"+rest)
	}
	return keys, region
}

// creationsOf returns the creations of a cost row's resource, oldest first:
// those under the first of its keys that has any in the resource's region.
func (a *Attributor) creationsOf(account, resourceID string) []*Creator {
	keys, region := costKeys(account, resourceID)
	for _, k := range keys {
		list := a.byKey[k]
		if region != "" {
			list = slices.DeleteFunc(slices.Clone(list), func(c *Creator) bool { return c.Region != "" && !strings.EqualFold(c.Region, region) })
		}
		if len(list) > 0 {
			return list
		}
	}
	return nil
}

// find returns the creator of the resource that existed at t: names are
// reused (buckets, DB identifiers), so the latest creation not after t. A
// resource named by an ARN is looked for in the ARN's region; one named by
// its ID alone, in region when that is given (an Auto Scaling group's name
// is unique only within its account and region).
func (a *Attributor) find(account, resourceID, region string, t time.Time) *Creator {
	keys, arnRegion := costKeys(account, resourceID)
	region = cmp.Or(arnRegion, region)
	for _, k := range keys {
		var best *Creator
		for _, c := range a.byKey[k] {
			if !t.IsZero() && c.Time.After(t) {
				break
			}
			if region == "" || c.Region == "" || strings.EqualFold(c.Region, region) {
				best = c
			}
		}
		if best != nil {
			return best
		}
	}
	return nil
}

// Span is the attribution of a resource's cost over a period: names are
// reused, so a bucket's cost may go to one person until the bucket is
// deleted and to another once they create a bucket of the same name.
type Span struct {
	From, To    time.Time // zero From or To: unbounded
	Attribution Attribution
}

// Clues are what a cost row says, besides its resource's ID, of whose the
// resource is: the tags AWS puts on what it creates, and the owner tag.
type Clues struct {
	Region    string // where the usage was
	CreatedBy string // aws:createdBy
	ASG       string // aws:autoscaling:groupName
	Stack     string // aws:cloudformation:stack-name
	Owner     string // the configured owner tag's value
}

// Spans attributes a resource's cost over time: before its first creation
// call in the trail (a resource older than the trail) by the fallbacks,
// then to each creation's principal until the next.
func (a *Attributor) Spans(account, resourceID string, clues Clues) []Span {
	if resourceID == "" {
		return []Span{{Attribution: a.withoutResource(account, clues)}}
	}
	list := a.creationsOf(account, resourceID)
	if len(list) == 0 {
		return []Span{{Attribution: a.fallback(account, clues)}}
	}
	// Usage is billed from the start of the hour or day it began in, so a
	// creation's span starts at the start of its UTC day.
	start := func(c *Creator) time.Time { return c.Time.UTC().Truncate(24 * time.Hour) }
	spans := []Span{{To: start(list[0]), Attribution: a.fallback(account, clues)}}
	for i, c := range list {
		sp := Span{From: start(c), Attribution: a.ofCreator(c)}
		if i+1 < len(list) {
			sp.To = start(list[i+1])
		}
		if !sp.To.IsZero() && !sp.To.After(sp.From) {
			continue // re-created the same day: the later creation takes the day
		}
		spans = append(spans, sp)
	}
	return spans
}

// Attribute says who a resource's cost goes to. until is the end of the
// usage being attributed; the clues come from the cost row.
func (a *Attributor) Attribute(account, resourceID string, until time.Time, clues Clues) Attribution {
	if resourceID == "" {
		return a.withoutResource(account, clues)
	}
	if c := a.find(account, resourceID, "", until); c != nil {
		return a.ofCreator(c)
	}
	return a.fallback(account, clues)
}

// withoutResource attributes a cost row without a resource ID by the tags
// AWS put on its resource (a NAT gateway's hours, or any row of a report
// exported without resource IDs), and when it has none as shared (support,
// tax, fees), which nobody created.
func (a *Attributor) withoutResource(account string, clues Clues) Attribution {
	clues.Owner = "" // a row without a resource is someone's only by AWS's tags
	if clues.CreatedBy == "" && clues.ASG == "" && clues.Stack == "" {
		return Attribution{Principal: LabelShared, Method: MethodShared}
	}
	return a.fallback(account, clues)
}

// ofCreator attributes to a creating call's principal, or, when a service
// made the call for a group or stack, to whoever created that.
func (a *Attributor) ofCreator(c *Creator) Attribution {
	if c.Service != "" {
		for _, parent := range c.Parents {
			pc := a.find(cmp.Or(parent.Account, c.Account), parent.ID, cmp.Or(parent.Region, c.Region), c.Time)
			if pc == nil {
				continue
			}
			method := MethodParentASG
			if parent.Type == typeStack {
				method = MethodParentStack
			}
			return Attribution{Principal: pc.Principal, Method: method, Creator: c.Principal, EventID: pc.EventID, Via: parent.Type + " " + parent.ID, creatorID: c.PrincipalID, role: pc.Role}
		}
	}
	return Attribution{Principal: c.Principal, Method: MethodCreation, Creator: c.session(), EventID: c.EventID, creatorID: c.PrincipalID, role: c.Role}
}

// session names the role session a creating call came through
// (assumed-role/GitHubActionsDeploy/gha-run-42) when its principal is named
// otherwise (the person a pipeline's source identity names, also when the
// pipeline's call went through CloudFormation), as the attributions by
// aws:createdBy name it; "" when the principal says it all (a person's own
// session, a role, a service).
func (c *Creator) session() string {
	_, name, ok := strings.Cut(c.PrincipalID, ":")
	if c.Role == "" || !ok || c.Principal == c.Service || c.Principal == name || c.Principal == "role/"+c.Role {
		return ""
	}
	return "assumed-role/" + c.Role + "/" + name
}

// fallback attributes by the tags when no creation call is known: by
// aws:createdBy, unless it names an AWS service, which acted for whoever
// created the group or stack the resource is tagged with (an Auto Scaling
// group's instances' root volumes); then by the owner tag.
func (a *Attributor) fallback(account string, clues Clues) Attribution {
	var tagged Attribution
	if clues.CreatedBy != "" {
		principal, session, role := a.createdByLabel(clues.CreatedBy)
		tagged = Attribution{Principal: principal, Method: MethodCreatedByTag, Creator: session, role: role}
		if !strings.HasSuffix(principal, ".amazonaws.com") {
			return tagged
		}
	}
	for _, parent := range []struct{ name, typ, method string }{
		{clues.ASG, typeASG, MethodParentASG},
		{clues.Stack, typeStack, MethodParentStack},
	} {
		if parent.name == "" {
			continue
		}
		if pc := a.find(account, parent.name, clues.Region, time.Time{}); pc != nil {
			return Attribution{Principal: pc.Principal, Method: parent.method, Creator: tagged.Principal,
				EventID: pc.EventID, Via: parent.typ + " " + parent.name, role: pc.Role}
		}
	}
	if tagged.Principal != "" {
		return tagged
	}
	if clues.Owner != "" {
		return Attribution{Principal: clues.Owner, Method: MethodOwnerTag}
	}
	return Attribution{Principal: LabelUnattributed, Method: MethodUnattributed}
}

// createdByLabel names the principal of an aws:createdBy value as the
// creating calls' principals are named, so that one session's resources
// go to one principal whether the trail holds their creation or only the
// tag names it:
//
//	IAMUser:AIDA…:hank                  hank
//	Root:123…                           root
//	AssumedRole:AROA…:dana@example.com  dana@example.com (a person's session)
//	AssumedRole:AROA…:gha-run-42        that session's principal when it created something in the trail
//	                                    (its source identity), else its role's: role/GitHubActionsDeploy,
//	                                    or autoscaling.amazonaws.com for the role of a service's sessions
//	AssumedRole:AROAUNSEEN:x            role AROAUNSEEN (a role the trail never shows)
//
// An assumed role's session is returned too, as assumed-role/ROLE/SESSION,
// unless the principal is the session's person, and so is the role's name
// when the trail shows it.
func (a *Attributor) createdByLabel(v string) (principal, session, roleName string) {
	parts := strings.SplitN(v, ":", 3)
	switch {
	case len(parts) == 3 && parts[0] == "AssumedRole":
		roleID, name := parts[1], parts[2]
		role, known := a.roleByID[roleID]
		if personLike(name) {
			return name, "", role.name
		}
		if !known {
			return "role " + roleID, "assumed-role/" + roleID + "/" + name, ""
		}
		session = "assumed-role/" + role.name + "/" + name
		if p := a.sessionLabel[roleID+":"+name]; p != "" {
			return p, session, role.name
		}
		if role.service != "" {
			return role.service, session, role.name
		}
		return "role/" + role.name, session, role.name
	case len(parts) == 3:
		return parts[2], "", ""
	case len(parts) >= 1 && parts[0] == "Root":
		return "root", "", ""
	}
	return v, "", ""
}
