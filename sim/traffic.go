package sim

import (
	"strconv"
	"strings"
	"time"
)

// ordinary writes one call of the everyday traffic at t.
func (s *stream) ordinary(t time.Time) {
	p := s.pickActor(t)
	if p == nil {
		p = s.actors[0]
	}
	// No pipeline running in this quarter hour: someone else calls.
	for k := 0; p.kind == kCI && !s.ciActive(t); k++ {
		if k == 20 {
			p = s.nonCI()
			break
		}
		p = s.pickActor(t)
	}
	// The identity lives in the stream, not on the heap: this is the hot path.
	s.idBuf = s.newIdent(p, t)
	id := &s.idBuf
	prof := p.prof
	switch p.kind {
	case kIAMUser, kSSO, kRoot:
		if id.console {
			prof = profConsole
		} else if prof == profConsole {
			prof = profCLI
		}
	}
	i := pickCum(s.apiCum[prof], s.r)
	if i < 0 {
		i = pickCum(s.apiCum[profConsole], s.r)
		prof = profConsole
	}
	a := s.apiList[prof][i]
	// A call that only one persona makes is drawn again for the others.
	for k := 0; a.caller != "" && a.caller != p.name && k < 64; k++ {
		a = s.apiList[prof][pickCum(s.apiCum[prof], s.r)]
	}
	s.call(t, a, id, false, "")
}

func (s *stream) nonCI() *persona {
	for _, p := range s.actors {
		if p.kind != kCI {
			return p
		}
	}
	return s.actors[0]
}

// call writes api a as called by id.
func (s *stream) call(t time.Time, a *api, id *ident, special bool, scen string) {
	s.resetCur()
	s.now = t
	s.curID = id
	c := call{t: t, src: a.src, name: a.name, ro: a.ro, data: a.data, id: id, req: a.req, resp: a.resp, res: a.res, extra: a.extra, apiVer: a.apiVer, special: special, scen: scen, ua: a.ua}
	if a.big != nil {
		c.req = a.big
	}
	if a.src == "s3" && a.name != "ListBuckets" {
		c.bucketHost = true
	}
	s.maybeFail(&c, a, id)
	s.emit(&c)
}

// ciActive reports whether a pipeline runs in t's quarter hour.
func (s *stream) ciActive(t time.Time) bool {
	b := t.Unix() / 900
	h := hash(s.o.seed, 23, uint64(b), hashStr(s.acct.id))
	how := howOf(t)
	hour := how % 24
	p := uint64(4)
	if hour >= 7 && hour < 19 && how < 120 {
		p = 45
	}
	return h%100 < p
}

// errorRate is the chance that a call fails with an authorisation or
// throttling error, by who calls.
func errorRate(id *ident, ro bool) float64 {
	if id.attacker {
		return 0.35
	}
	switch id.p.kind {
	case kIAMUser, kSSO, kRoot:
		if id.p.readOnly() && !ro {
			return 1 // its permissions allow no change
		}
		if ro {
			return 0.012
		}
		return 0.05
	case kCI:
		return 0.012
	case kAppRole:
		return 0.006
	}
	return 0.004
}

func (s *stream) maybeFail(c *call, a *api, id *ident) {
	if len(s.revocations) > 0 && s.revoked(id, a, c.t) {
		s.denyRevoked(c, a, id)
		return
	}
	if a.nf != "" && s.r.Float64() < a.nfRate {
		c.errCode = a.nf
		c.errMsg = notFoundMessage(a, s)
		return
	}
	rate := errorRate(id, a.ro)
	// AWS services acting through their own roles are not denied; they are
	// throttled like anyone else. A third of the others' failed reads are
	// throttled too, at random; the rest of their failures are denials.
	service := id.p.kind == kService
	throttled := 0.0
	switch {
	case service && a.ro:
		throttled = rate
	case !service && a.ro:
		throttled = rate / 3
	}
	if throttled > 0 && s.r.Float64() < throttled {
		switch a.src {
		case "ec2":
			c.errCode, c.errMsg = "Client.RequestLimitExceeded", "Request limit exceeded."
		case "s3":
			c.errCode, c.errMsg = "SlowDown", "Please reduce your request rate."
		default:
			c.errCode, c.errMsg = "ThrottlingException", "Rate exceeded"
		}
		return
	}
	if service || !s.lacksPermission(id, a, rate-throttled, c.t) {
		return
	}
	// An administrator's permissions allow everything: what stops them is
	// one of the organisation's service control policies.
	msg := notAuthorized(s.principalARN(id), iamPrefix(a.src)+":"+actionName(a.name), "", id.p.permSet == "AdministratorAccess")
	switch a.src {
	case "ec2":
		c.errCode = "Client.UnauthorizedOperation"
		c.errMsg = "You are not authorized to perform this operation. " + msg
	case "s3":
		c.errCode, c.errMsg = "AccessDenied", "Access Denied"
	default:
		c.errCode = "AccessDenied"
		if a.src == "kms" || a.src == "dynamodb" || a.src == "ecs" || a.src == "lambda" || a.src == "ssm" || a.src == "secretsmanager" || a.src == "logs" {
			c.errCode = "AccessDeniedException"
		}
		c.errMsg = msg
	}
}

// notAuthorized is IAM's message for a denied call: arn may not perform
// action (on resource, when given), because no identity-based policy allows
// it or, with scp, because a service control policy denies it.
func notAuthorized(arn, action, resource string, scp bool) string {
	msg := "User: " + arn + " is not authorized to perform: " + action
	if resource != "" {
		msg += " on resource: " + resource
	}
	if scp {
		return msg + " with an explicit deny in a service control policy"
	}
	return msg + " because no identity-based policy allows the " + action + " action"
}

// lacksPermission reports whether id's role (or user) may not make call a
// in this account on t's day. The draw is fixed for that day, as a missing
// permission is until someone grants it: a call denied once is denied all
// day, and about share of the kinds of call are. Identity Center users
// share their permission set's. An attacker probing with a stolen key is
// the exception: its failures fall at random.
func (s *stream) lacksPermission(id *ident, a *api, share float64, t time.Time) bool {
	if id.attacker {
		return s.r.Float64() < share
	}
	who := uint64(id.p.idx)
	if id.p.kind == kSSO {
		who = hashStr(id.p.permSet)
	}
	h := hash(s.o.seed, 29, who, a.key, uint64(s.ai), uint64(t.Unix()/86400))
	return float64(h%1_000_000) < share*1_000_000
}

func notFoundMessage(a *api, s *stream) string {
	switch a.nf {
	case "NoSuchBucketPolicy":
		return "The bucket policy does not exist"
	case "NoSuchTagSet":
		return "The TagSet does not exist"
	case "NoSuchLifecycleConfiguration":
		return "The lifecycle configuration does not exist"
	case "NoSuchKey":
		return "The specified key does not exist."
	case "NoSuchEntity":
		return "The role with name " + roleNames[0] + "-old cannot be found."
	case "ResourceNotFoundException":
		return "Function not found: arn:aws:lambda:" + s.region + ":" + s.acct.id + ":function:" + s.idOf(rFunction)
	case "ParameterNotFound":
		return ""
	case "InvalidInput":
		return "Service role name AWSServiceRoleForElasticLoadBalancing has been taken in this account, please try a different suffix."
	case "InsightNotEnabledException":
		return "Trail arn:aws:cloudtrail:us-east-1:" + s.acct.id + ":trail/org-trail does not have Insights enabled."
	case "DBInstanceNotFound":
		return "DBInstance " + s.idOf(rDB) + "-old not found."
	case "ValidationError":
		return "Stack with id " + s.idOf(rStack) + "-old does not exist"
	}
	return ""
}

// iamPrefix is the IAM action prefix of a service.
func iamPrefix(src string) string {
	switch src {
	case "monitoring":
		return "cloudwatch"
	case "elasticloadbalancing":
		return "elasticloadbalancing"
	}
	return src
}

// actionName strips Lambda's API version suffixes.
func actionName(name string) string {
	for _, v := range []string{"2015", "2017"} {
		if i := strings.Index(name, v); i > 0 {
			return name[:i]
		}
	}
	return name
}

// bigBucketPolicy writes a PutBucketPolicy request with a long policy: a
// few kilobytes, as real bucket policies with many principals are.
func bigBucketPolicy(s *stream) {
	w := &s.w
	b := s.idOf(rBucket)
	w.str("bucketName", b)
	w.str("Host", b+".s3."+s.region+".amazonaws.com")
	w.obj("bucketPolicy")
	w.str("Version", "2012-10-17")
	w.arr("Statement")
	n := 4 + s.r.IntN(20)
	for i := 0; i < n; i++ {
		w.elem()
		w.str("Sid", "AllowAccount"+strconv.Itoa(i))
		w.str("Effect", "Allow")
		w.obj("Principal")
		w.str("AWS", "arn:aws:iam::"+s.o.accounts[i%len(s.o.accounts)].id+":role/"+roleNames[i%len(roleNames)])
		w.end()
		w.arr("Action")
		w.elemStr("s3:GetObject")
		w.elemStr("s3:PutObject")
		w.elemStr("s3:ListBucket")
		w.endArr()
		w.arr("Resource")
		w.elemStr("arn:aws:s3:::" + b)
		w.elemStr("arn:aws:s3:::" + b + "/*")
		w.endArr()
		w.obj("Condition")
		w.obj("StringEquals")
		w.str("aws:PrincipalOrgID", s.o.id)
		w.end()
		w.end()
		w.end()
	}
	w.endArr()
	w.end()
	w.str("policy", "")
}

// bigTaskDefinition writes a RegisterTaskDefinition request: container
// definitions with many environment variables make these records tens of
// kilobytes, among the largest in real trails.
func bigTaskDefinition(s *stream) {
	w := &s.w
	w.str("family", "orders-api")
	w.arr("containerDefinitions")
	containers := 1 + s.r.IntN(3)
	for c := 0; c < containers; c++ {
		w.elem()
		name := []string{"orders-api", "datadog-agent", "envoy"}[c]
		w.str("name", name)
		w.str("image", s.acct.id+".dkr.ecr."+s.region+".amazonaws.com/"+name+":"+string(appendHex(nil, s.r, 12)))
		w.int("cpu", 256)
		w.int("memory", 512)
		w.boolean("essential", c == 0)
		w.arr("portMappings")
		w.elem()
		w.int("containerPort", 8080)
		w.str("protocol", "tcp")
		w.end()
		w.endArr()
		w.arr("environment")
		nenv := 20 + s.r.IntN(160)
		for e := 0; e < nenv; e++ {
			w.elem()
			w.str("name", "ORDERS_SETTING_"+strconv.Itoa(e))
			w.key("value")
			w.b = append(w.b, '"')
			w.b = appendHex(w.b, s.r, 8+s.r.IntN(40))
			w.b = append(w.b, '"')
			w.end()
		}
		w.endArr()
		w.arr("secrets")
		for e := 0; e < 5; e++ {
			w.elem()
			w.str("name", "SECRET_"+strconv.Itoa(e))
			w.str("valueFrom", "arn:aws:secretsmanager:"+s.region+":"+s.acct.id+":secret:"+secretNames[e%len(secretNames)])
			w.end()
		}
		w.endArr()
		w.obj("logConfiguration")
		w.str("logDriver", "awslogs")
		w.obj("options")
		w.str("awslogs-group", "/ecs/orders-api")
		w.str("awslogs-region", s.region)
		w.str("awslogs-stream-prefix", name)
		w.end()
		w.end()
		w.end()
	}
	w.endArr()
	w.str("executionRoleArn", "arn:aws:iam::"+s.acct.id+":role/ecsTaskExecutionRole")
	w.str("networkMode", "awsvpc")
	w.arr("requiresCompatibilities")
	w.elemStr("FARGATE")
	w.endArr()
	w.str("cpu", "1024")
	w.str("memory", "2048")
}
