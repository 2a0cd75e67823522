package sim

import "time"

// ident is the caller of one record.
type ident struct {
	p        *persona
	acct     *account
	console  bool   // credentials from a console session
	ip, ua   string // sourceIPAddress and userAgent
	session  string // role session name
	srcID    string // sourceIdentity
	invoked  string // userIdentity.invokedBy
	key      string // accessKeyId
	created  time.Time
	noTLS    bool // an AWS service called on the caller's behalf
	attacker bool
	uiFn     func(*stream) // writes a userIdentity that is not the persona's usual one
}

// Deterministic per-principal identifiers.

// idKey memoises derived identifiers: they are needed for every record and
// building them allocates.
type idKey struct {
	prefix string
	p      int
	extra  string
	n      int64
}

func (s *stream) uniqueID(prefix string, p *persona, extra string) string {
	k := idKey{prefix, p.idx, extra, -1}
	if v, ok := s.idCache[k]; ok {
		return v
	}
	v := prefix + charsFrom(hash(s.o.seed, uint64(p.idx), hashStr(s.acct.id), hashStr(extra)), upperAlnum[:26]+"234567", 17)
	s.idCache[k] = v
	return v
}

// roleID is the unique ID (AROA…) of a role of the stream's account: the
// same for every session of the role.
func (s *stream) roleID(role string) string {
	k := idKey{"AROA", -1, role, -3}
	if v, ok := s.idCache[k]; ok {
		return v
	}
	v := "AROA" + charsFrom(hash(s.o.seed, 41, hashStr(s.acct.id), hashStr(role)), upperAlnum[:26]+"234567", 17)
	s.idCache[k] = v
	return v
}

func (s *stream) accessKey(prefix string, p *persona, extra string, day int64) string {
	k := idKey{prefix, p.idx, extra, day}
	if v, ok := s.idCache[k]; ok {
		return v
	}
	if len(s.idCache) > 50000 {
		clear(s.idCache)
	}
	v := prefix + charsFrom(hash(s.o.seed, 7, uint64(p.idx), hashStr(s.acct.id), hashStr(extra), uint64(day)), upperAlnum, 16)
	s.idCache[k] = v
	return v
}

func (s *stream) ssoRole(p *persona) string {
	k := idKey{"sso", p.idx, p.permSet, -2}
	if v, ok := s.idCache[k]; ok {
		return v
	}
	v := "AWSReservedSSO_" + p.permSet + "_" + charsFrom(hash(s.o.seed, hashStr(p.permSet), hashStr(s.acct.id)), "0123456789abcdef", 16)
	s.idCache[k] = v
	return v
}

// sessionOfDay is when a person's session began on a local working day in
// the stream's account: half an hour before their working day, with
// jitter. Every stream of the account computes the same value, and the
// global stream logs the sign-in. localDay is local midnight expressed in
// UTC digits.
func (s *stream) sessionOfDay(p *persona, localDay time.Time) time.Time {
	h := hash(s.o.seed, 11, uint64(p.idx), hashStr(s.acct.id), uint64(localDay.Unix()))
	return localDay.Add(time.Duration(p.start)*time.Hour - 40*time.Minute + time.Duration(h%3600)*time.Second).Add(-time.Duration(p.tz) * time.Hour)
}

func weekendDay(localDay time.Time) bool {
	wd := localDay.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// sessionStart is the start of the session a person uses at t: the latest
// weekday session that began before t.
func (s *stream) sessionStart(p *persona, t time.Time) time.Time {
	day := t.Add(time.Duration(p.tz) * time.Hour).Truncate(24 * time.Hour)
	for i := 0; i < 8; i++ {
		if !weekendDay(day) {
			if st := s.sessionOfDay(p, day); !st.After(t) {
				return st
			}
		}
		day = day.Add(-24 * time.Hour)
	}
	return s.sessionOfDay(p, day)
}

// ciRun is the GitHub Actions run active in the 15-minute bucket of t. It
// takes its role in the minute before the bucket, so that none of its calls
// comes before its session, but not before the simulated period.
func (s *stream) ciRun(t time.Time) (run int64, start time.Time, actor *persona) {
	b := t.Unix() / 900
	run = 8_000_000_000 + b*7 + int64(hash(s.o.seed, 13, uint64(b))%7)
	start = time.Unix(b*900, 0).UTC().Add(-time.Duration(1+hash(s.o.seed, 17, uint64(b))%60) * time.Second)
	if start.Before(s.o.start) {
		start = s.o.start
	}
	var devs []*persona
	for _, p := range s.o.personas {
		if p.kind == kSSO && (p.prof == profCLI) {
			devs = append(devs, p)
		}
	}
	actor = devs[hash(s.o.seed, 19, uint64(b))%uint64(len(devs))]
	return
}

// newIdent builds the identity of persona p calling at t.
func (s *stream) newIdent(p *persona, t time.Time) ident {
	id := ident{p: p, acct: s.acct}
	r := s.r
	if len(p.ips) > 0 {
		id.ip = p.ips[0]
		if len(p.ips) > 1 && r.IntN(8) == 0 {
			id.ip = p.ips[1+r.IntN(len(p.ips)-1)]
		}
	}
	if len(p.uas) > 0 {
		id.ua = p.uas[r.IntN(len(p.uas))]
	}
	day := t.Unix() / 86400
	switch p.kind {
	case kIAMUser, kRoot:
		id.console = p.console && r.Float64() >= p.cliProb
		if id.console {
			id.key = s.accessKey("ASIA", p, "console", day)
			id.created = s.sessionStart(p, t)
		} else if p.kind == kIAMUser {
			id.key = s.accessKey("AKIA", p, "key1", 0)
		}
	case kSSO:
		id.console = r.Float64() >= p.cliProb
		id.created = s.sessionStart(p, t)
		id.session = p.name
		id.key = s.accessKey("ASIA", p, "sso", id.created.Unix())
	case kCI:
		run, st, dev := s.ciRun(t)
		id.session = "gha-run-" + itoa(int(run))
		// The workflow sets the source identity to whoever started the
		// run, as they sign in, so that their pipeline's calls and their
		// own are known as one person's.
		id.srcID = dev.name
		id.created = st
		id.key = s.accessKey("ASIA", p, "ci", run)
		id.ip = p.ips[run%int64(len(p.ips))]
	case kAppRole:
		id.created = t.Truncate(time.Hour)
		if p.name == "web-ec2-role" {
			// EC2 names an instance profile's session after its instance,
			// which calls from its own address, and only while it runs.
			if in := s.st.pickWhere(rInstance, r, func(x *res) bool { return x.awake(t) }); in != nil {
				id.session, id.ip = in.id, in.ip
			} else {
				id.session = "i-0" + charsFrom(hash(s.o.seed, hashStr(s.acct.id)), "0123456789abcdef", 16)
				id.ip = s.privateIP()
			}
		} else {
			if fn := s.st.pick(rFunction, r); fn != nil {
				id.session = fn.id
			} else {
				id.session = "orders-api"
			}
			id.ip = s.lambdaIP()
		}
		id.key = s.accessKey("ASIA", p, id.session, t.Unix()/3600)
	case kService:
		id.invoked = p.svcHost
		id.ip = p.svcHost
		id.ua = p.svcHost
		id.noTLS = true
		id.created = t.Truncate(time.Hour)
		switch p.svcHost {
		case "autoscaling.amazonaws.com":
			id.session = "AutoScaling"
		case "config.amazonaws.com":
			id.session = "AWSConfig-Describe"
		case "access-analyzer.amazonaws.com":
			id.session = "access-analyzer"
		}
		if id.session != "" {
			id.key = s.accessKey("ASIA", p, "svc", t.Unix()/3600)
		}
	}
	if id.console {
		id.ua = consoleUA(p, r)
	}
	return id
}

var browserUAs = []string{
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36 Edg/121.0.0.0",
	"Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
}

func consoleUA(p *persona, r interface{ IntN(int) int }) string {
	if r.IntN(3) == 0 {
		return "AWS Internal"
	}
	return browserUAs[p.idx%len(browserUAs)]
}

func (s *stream) privateIP() string { return s.ipPool[0][s.r.IntN(len(s.ipPool[0]))] }

// drawPrivateIP draws an address in the account's and region's VPC.
func (s *stream) drawPrivateIP() string {
	return "10." + itoa(s.ai%200+10) + "." + itoa(s.ri*16+s.r.IntN(16)) + "." + itoa(1+s.r.IntN(250))
}

func (s *stream) lambdaIP() string { return s.ipPool[1][s.r.IntN(len(s.ipPool[1]))] }

// writeIdentity appends "userIdentity":{…}.
func (s *stream) writeIdentity(id *ident) {
	w := &s.w
	p := id.p
	acct := id.acct.id
	w.obj("userIdentity")
	if id.uiFn != nil {
		id.uiFn(s)
		w.end()
		return
	}
	switch p.kind {
	case kIAMUser, kAttacker:
		w.str("type", "IAMUser")
		w.str("principalId", s.uniqueID("AIDA", p, ""))
		w.strs("arn", "arn:aws:iam::", acct, ":user/", p.name)
		w.str("accountId", acct)
		w.str("accessKeyId", id.key)
		w.str("userName", p.name)
		if id.console {
			w.obj("sessionContext")
			w.obj("sessionIssuer")
			w.end()
			w.obj("webIdFederationData")
			w.end()
			w.obj("attributes")
			w.time("creationDate", id.created)
			w.str("mfaAuthenticated", boolStr(p.mfa))
			w.end()
			w.end()
		}
	case kRoot:
		w.str("type", "Root")
		w.str("principalId", acct)
		w.str("arn", "arn:aws:iam::"+acct+":root")
		w.str("accountId", acct)
		if id.key != "" {
			w.str("accessKeyId", id.key)
		}
		w.str("userName", id.acct.alias)
		if id.console {
			w.obj("sessionContext")
			w.obj("sessionIssuer")
			w.end()
			w.obj("webIdFederationData")
			w.end()
			w.obj("attributes")
			w.time("creationDate", id.created)
			w.str("mfaAuthenticated", "true")
			w.end()
			w.end()
		}
	case kService:
		if id.session == "" {
			w.str("type", "AWSService")
			w.str("invokedBy", p.svcHost)
			break
		}
		role := serviceRoles[p.svcHost]
		s.writeAssumed(id, role, "aws-service-role/"+p.svcHost+"/", false, false)
	case kSSO:
		s.writeAssumed(id, s.ssoRole(p), "aws-reserved/sso.amazonaws.com/", false, false)
	case kCI:
		s.writeAssumed(id, p.name, "", false, true)
	case kAppRole:
		s.writeAssumed(id, p.name, "", p.name == "web-ec2-role", false)
	}
	if id.invoked != "" && p.kind != kService {
		w.str("invokedBy", id.invoked)
	}
	w.end()
}

var serviceRoles = map[string]string{"autoscaling.amazonaws.com": "AWSServiceRoleForAutoScaling", "config.amazonaws.com": "AWSServiceRoleForConfig", "access-analyzer.amazonaws.com": "AWSServiceRoleForAccessAnalyzer"}

// writeAssumed writes the fields of an AssumedRole identity. The role's
// ARN is arn:aws:iam::<account>:role/<path><role>.
func (s *stream) writeAssumed(id *ident, role, path string, ec2, webID bool) {
	w := &s.w
	acct := id.acct.id
	roleID := s.roleID(role)
	w.str("type", "AssumedRole")
	w.strs("principalId", roleID, ":", id.session)
	w.strs("arn", "arn:aws:sts::", acct, ":assumed-role/", role, "/", id.session)
	w.str("accountId", acct)
	w.str("accessKeyId", id.key)
	w.obj("sessionContext")
	w.obj("sessionIssuer")
	w.str("type", "Role")
	w.str("principalId", roleID)
	w.strs("arn", "arn:aws:iam::", acct, ":role/", path, role)
	w.str("accountId", acct)
	w.str("userName", role)
	w.end()
	w.obj("webIdFederationData")
	if webID {
		w.strs("federatedProvider", "arn:aws:iam::", acct, ":oidc-provider/token.actions.githubusercontent.com")
		w.obj("attributes")
		w.end()
	}
	w.end()
	w.obj("attributes")
	w.time("creationDate", id.created)
	w.str("mfaAuthenticated", "false")
	w.end()
	if id.srcID != "" {
		w.str("sourceIdentity", id.srcID)
	}
	if ec2 {
		w.str("ec2RoleDelivery", "2.0")
	}
	w.end()
	if id.p.kind == kService {
		w.str("invokedBy", id.p.svcHost)
	}
}

// createdBy is the aws:createdBy cost allocation tag for resources this
// identity creates.
func (s *stream) createdBy(id *ident) string {
	switch id.p.kind {
	case kIAMUser, kAttacker:
		return "IAMUser:" + s.uniqueID("AIDA", id.p, "") + ":" + id.p.name
	case kRoot:
		return "Root:" + id.acct.id
	case kSSO:
		return "AssumedRole:" + s.roleID(s.ssoRole(id.p)) + ":" + id.session
	case kCI, kAppRole:
		return "AssumedRole:" + s.roleID(id.p.name) + ":" + id.session
	case kService:
		if id.session != "" {
			role := serviceRoles[id.p.svcHost]
			return "AssumedRole:" + s.roleID(role) + ":" + id.session
		}
	}
	return ""
}

// principalARN is the caller's ARN as it appears in userIdentity.arn.
func (s *stream) principalARN(id *ident) string {
	acct := id.acct.id
	switch id.p.kind {
	case kIAMUser, kAttacker:
		return "arn:aws:iam::" + acct + ":user/" + id.p.name
	case kRoot:
		return "arn:aws:iam::" + acct + ":root"
	case kSSO:
		return "arn:aws:sts::" + acct + ":assumed-role/" + s.ssoRole(id.p) + "/" + id.session
	case kCI, kAppRole:
		return "arn:aws:sts::" + acct + ":assumed-role/" + id.p.name + "/" + id.session
	}
	return id.p.name
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
