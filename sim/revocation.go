package sim

import (
	"strings"
	"time"
)

// A revocation is a stretch of time when a role lacks the permission for
// some calls: a scenario detached the policy that granted it. IAM is
// global, so every region's stream of the account keeps it.
type revocation struct {
	role        string // the role persona's name
	src         string // the service whose calls it covers
	prefix      string // the calls' names start with it
	from, until time.Time
}

// permissionGap is how long the orders functions go without their
// parameters in the permission-removed scenario.
const permissionGap = 95 * time.Minute

var (
	lcDetachParams = L("iam", "DetachRolePolicy", RW, `"roleName":"orders-lambda-role","policyArn":"arn:aws:iam::$a:policy/orders-parameters-read"`, "")
	lcAttachParams = L("iam", "AttachRolePolicy", RW, `"roleName":"orders-lambda-role","policyArn":"arn:aws:iam::$a:policy/orders-parameters-read"`, "")
)

// revoked reports whether id may not make call a at t.
func (s *stream) revoked(id *ident, a *api, t time.Time) bool {
	for _, r := range s.revocations {
		if id.p.name == r.role && a.src == r.src && strings.HasPrefix(a.name, r.prefix) && !t.Before(r.from) && t.Before(r.until) {
			return true
		}
	}
	return false
}

// denyRevoked fails c as IAM refuses a call no policy allows, naming the
// SSM parameter the request asks for.
func (s *stream) denyRevoked(c *call, a *api, id *ident) {
	resource := ""
	if a.src == "ssm" {
		resource = "arn:aws:ssm:" + s.region + ":" + s.acct.id + ":parameter"
		if a.name == "GetParametersByPath" {
			resource += "/orders/prod/"
		} else {
			resource += string(s.placeholder(nil, 'P')) // drawn now, it is the request's too
		}
	}
	c.errCode = "AccessDeniedException"
	c.errMsg = notAuthorized(s.principalARN(id), iamPrefix(a.src)+":"+actionName(a.name), resource, false)
}

// scenPermission: an administrator detaches the policy that lets the
// orders functions read their SSM parameters; they are refused until
// another administrator attaches it again.
func (s *stream) scenPermission(pl scenarioPlan, t time.Time) {
	role := s.o.personaByName("orders-lambda-role")
	get := apiByName("GetParameter")
	if role == nil || get == nil || !role.worksIn(s.ai) {
		return
	}
	admin := s.person(kSSO, "ivan.petrov@acme-corp.example")
	id := s.newIdent(admin, t)
	id.console, id.ua = false, admin.uas[0]
	s.scenTag = pl.id
	detach := s.lc(t, &id, lcDetachParams)
	s.scenTag = ""
	var refused []string
	end := t.Add(permissionGap)
	// The functions run every few minutes, as a queue's consumers do: each
	// run is refused, at a rate that stands out from the week before.
	for at := t.Add(2*time.Minute + 17*time.Second); at.Before(end); at = at.Add(4*time.Minute + time.Duration(s.r.IntN(90))*time.Second) {
		s.schedule(at, func(ct time.Time) {
			fn := s.newIdent(role, ct)
			s.call(ct, get, &fn, true, pl.id)
			refused = append(refused, s.lastEventID())
		})
	}
	s.schedule(end, func(et time.Time) {
		mender := s.person(kSSO, "dana.kowalski@acme-corp.example")
		mid := s.newIdent(mender, et)
		mid.console = true
		s.scenTag = pl.id
		attach := s.lc(et, &mid, lcAttachParams)
		at := et.Add(3*time.Minute + 41*time.Second)
		fn := s.newIdent(role, at)
		allowed := s.lc(at, &fn, get)
		s.scenTag = ""
		s.addScenario(Scenario{ID: pl.id, Kind: pl.kind, Time: t.Truncate(time.Second), End: et.Truncate(time.Second),
			Resource: "orders-lambda-role", Resources: []string{"orders-lambda-role"}, Principal: s.principalARN(&id), SourceIP: id.ip,
			EventIDs: append(append([]string{detach}, refused...), attach, allowed),
			Description: admin.display + " detached the policy orders-parameters-read from orders-lambda-role; the orders functions were refused their SSM parameters (" +
				itoa(len(refused)) + " scripted calls, and the ordinary ones) until " + mender.display + " attached it again " + itoa(int(permissionGap.Minutes())) + " minutes later.",
			Expect: "why -event " + firstOr(refused, "") + ": no identity-based policy of orders-lambda-role allows ssm:GetParameter; before it DetachRolePolicy by " +
				admin.name + ", after it AttachRolePolicy by " + mender.name})
	})
}

func firstOr(s []string, or string) string {
	if len(s) == 0 {
		return or
	}
	return s[0]
}
