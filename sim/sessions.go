package sim

import (
	"time"
)

// Sign-ins and session creation: console logins, Identity Center's
// AssumeRoleWithSAML, GitHub Actions' AssumeRoleWithWebIdentity, and the
// occasional root login. They are logged by the global stream of each
// account, at the times every stream derives for the sessions.

const ssoUA = "aws-internal/3 aws-sdk-java/1.12.652 Linux/5.10.210-178.855.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+8-LTS java/17.0.10 vendor/Amazon.com_Inc. cfg/retry-mode/standard"

var (
	apiSAML = &api{src: "sts", name: "AssumeRoleWithSAML", ro: true,
		req:  tmpl(`"sAMLAssertionID":"_$U","roleSessionName":"$E","durationSeconds":43200,"roleArn":"arn:aws:iam::$a:role/aws-reserved/sso.amazonaws.com/$1","principalArn":"arn:aws:iam::$a:saml-provider/AWSSSO_$3_DO_NOT_DELETE"`),
		resp: tmpl(`"credentials":{"accessKeyId":"$4","sessionToken":"IQoJb3JpZ2luX2VjE$H$H$H$H$H$H$H$H$H$H$H$H$H$H$H$H$H$H","expiration":"$Y"},"assumedRoleUser":{"assumedRoleId":"$5:$E","arn":"arn:aws:sts::$a:assumed-role/$1/$E"},"subject":"$E","subjectType":"persistent","issuer":"https://portal.sso.$r.amazonaws.com/saml/assertion/$H","audience":"https://signin.aws.amazon.com/saml","nameQualifier":"$H="`),
		res:  tmpl(`{"accountId":"$a","type":"AWS::IAM::Role","ARN":"arn:aws:iam::$a:role/aws-reserved/sso.amazonaws.com/$1"},{"accountId":"$a","type":"AWS::IAM::SAMLProvider","ARN":"arn:aws:iam::$a:saml-provider/AWSSSO_$3_DO_NOT_DELETE"}`)}
	apiWebID = &api{src: "sts", name: "AssumeRoleWithWebIdentity", ro: true,
		req:   tmpl(`"roleArn":"arn:aws:iam::$a:role/GitHubActionsDeploy","roleSessionName":"$1","durationSeconds":3600,"sourceIdentity":"$3"`),
		resp:  tmpl(`"credentials":{"accessKeyId":"$4","sessionToken":"IQoJb3JpZ2luX2VjE$H$H$H$H$H$H$H$H$H$H$H$H$H$H$H$H","expiration":"$D"},"subjectFromWebIdentityToken":"repo:acme-corp/orders:ref:refs/heads/main","assumedRoleUser":{"assumedRoleId":"$5:$1","arn":"arn:aws:sts::$a:assumed-role/GitHubActionsDeploy/$1"},"provider":"arn:aws:iam::$a:oidc-provider/token.actions.githubusercontent.com","audience":"sts.amazonaws.com","sourceIdentity":"$3"`),
		extra: tmpl(`"identityProviderConnectionVerificationMethod":"IAMTrustStore","RoleSessionName":"$1"`),
		res:   tmpl(`{"accountId":"$a","type":"AWS::IAM::Role","ARN":"arn:aws:iam::$a:role/GitHubActionsDeploy"}`)}
	apiLogin = &api{src: "signin", name: "ConsoleLogin",
		resp:  tmpl(`"ConsoleLogin":"$1"`),
		extra: tmpl(`"LoginTo":"https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_$r_$H","MobileVersion":"No","MFAUsed":"$3"`)}
	apiCheckMfa = &api{src: "signin", name: "CheckMfa",
		resp:  tmpl(`"CheckMfa":"Success"`),
		extra: tmpl(`"MfaType":"Virtual MFA device"`)}
)

// sessionsForDay schedules the sign-ins of the UTC day starting at d.
func (s *stream) sessionsForDay(d time.Time) {
	if !s.global {
		return
	}
	end := d.Add(24 * time.Hour)
	for _, p := range s.actors {
		switch p.kind {
		case kSSO, kIAMUser:
			if p.kind == kIAMUser && !p.console {
				continue
			}
			for k := -1; k <= 1; k++ {
				local := d.Add(time.Duration(k) * 24 * time.Hour)
				if weekendDay(local) {
					continue
				}
				st := s.sessionOfDay(p, local)
				if st.Before(d) || !st.Before(end) || st.Before(s.o.start) {
					continue
				}
				p := p
				s.schedule(st, func(t time.Time) { s.signIn(t, p) })
			}
		case kRoot:
			h := hash(s.o.seed, 29, uint64(d.Unix()))
			if h%12 == 0 {
				t := d.Add(time.Duration(10*3600+h%(5*3600)) * time.Second)
				p := p
				s.schedule(t, func(t time.Time) { s.rootVisit(t, p) })
			}
		case kCI:
			for b := d; b.Before(end); b = b.Add(15 * time.Minute) {
				if !s.ciActive(b) {
					continue
				}
				_, st, _ := s.ciRun(b)
				p := p
				s.schedule(st, func(t time.Time) { s.ciAssume(t, p) })
			}
		}
	}
}

func (s *stream) signIn(t time.Time, p *persona) {
	id := s.newIdent(p, t)
	switch p.kind {
	case kSSO:
		role := s.ssoRole(p)
		idpHash := charsFrom(hash(s.o.seed, 31, hashStr(s.acct.id)), mixedAlnum, 27) + "="
		saml := id
		saml.noTLS = true
		saml.ua = ssoUA
		saml.uiFn = func(s *stream) {
			w := &s.w
			w.str("type", "SAMLUser")
			w.str("principalId", idpHash+":"+p.name)
			w.str("userName", p.name)
			w.str("identityProvider", idpHash)
		}
		s.resetCur()
		s.v1, s.v2, s.v3 = role, 0, charsFrom(hash(s.o.seed, 37, hashStr(s.acct.id)), "0123456789abcdef", 16)
		s.v5 = s.roleID(role)
		// The credentials issued are the ones the session's calls carry.
		s.callSpecial(t, apiSAML, &saml)
		if p.prof == profConsole || s.r.IntN(3) == 0 {
			con := id
			con.console = true
			con.ua = browserUAs[p.idx%len(browserUAs)]
			s.login(t.Add(time.Duration(2+s.r.IntN(5))*time.Second), &con, true, "No")
		}
	case kIAMUser:
		con := id
		con.console = true
		con.ua = browserUAs[p.idx%len(browserUAs)]
		if s.r.IntN(25) == 0 {
			s.login(t.Add(-time.Duration(20+s.r.IntN(60))*time.Second), &con, false, "No")
		}
		mfa := "No"
		if p.mfa {
			mfa = "Yes"
			s.checkMfa(t.Add(-3*time.Second), &con)
		}
		s.login(t, &con, true, mfa)
	}
}

// callSpecial writes a sign-in record whose $1/$2/$3 scratch values are set.
func (s *stream) callSpecial(t time.Time, a *api, id *ident) {
	s.now = t
	s.curID = id
	if a == apiSAML {
		s.v2s = s.accessKey("ASIA", id.p, "sso", t.Unix())
	}
	c := call{t: t, src: a.src, name: a.name, ro: a.ro, id: id, req: a.req, resp: a.resp, res: a.res, extra: a.extra, special: true, scen: s.scenTag}
	s.emit(&c)
}

func (s *stream) login(t time.Time, id *ident, ok bool, mfa string) {
	if id.p.kind != kSSO && id.uiFn == nil {
		// Sign-in records carry the bare user, without key or session.
		p, acct := id.p, id.acct.id
		cp := *id
		cp.uiFn = func(s *stream) {
			w := &s.w
			if p.kind == kRoot {
				w.str("type", "Root")
				w.str("principalId", acct)
				w.str("arn", "arn:aws:iam::"+acct+":root")
				w.str("accountId", acct)
				return
			}
			w.str("type", "IAMUser")
			w.str("principalId", s.uniqueID("AIDA", p, ""))
			w.str("arn", "arn:aws:iam::"+acct+":user/"+p.name)
			w.str("accountId", acct)
			w.str("userName", p.name)
		}
		id = &cp
	}
	s.resetCur()
	s.now = t
	s.curID = id
	s.v1, s.v3 = "Success", mfa
	c := call{t: t, src: "signin", name: "ConsoleLogin", id: id, resp: apiLogin.resp, extra: apiLogin.extra, evType: "AwsConsoleSignIn", special: true, host: "signin.aws.amazon.com", noReqID: true, scen: s.scenTag}
	if !ok {
		s.v1 = "Failure"
		c.errMsg = "Failed authentication"
	}
	s.emit(&c)
}

func (s *stream) checkMfa(t time.Time, id *ident) {
	if id.uiFn == nil {
		p, acct := id.p, id.acct.id
		cp := *id
		cp.uiFn = func(s *stream) {
			w := &s.w
			w.str("type", map[bool]string{true: "Root", false: "IAMUser"}[p.kind == kRoot])
			w.str("principalId", map[bool]string{true: acct, false: s.uniqueID("AIDA", p, "")}[p.kind == kRoot])
			w.str("accountId", acct)
		}
		id = &cp
	}
	s.resetCur()
	s.now = t
	s.curID = id
	c := call{t: t, src: "signin", name: "CheckMfa", id: id, resp: apiCheckMfa.resp, extra: apiCheckMfa.extra, evType: "AwsConsoleSignIn", special: true, host: "signin.aws.amazon.com", noReqID: true}
	s.emit(&c)
}

func (s *stream) ciAssume(t time.Time, p *persona) {
	run, st, dev := s.ciRun(t)
	id := s.newIdent(p, t)
	web := id
	provider := "arn:aws:iam::" + s.acct.id + ":oidc-provider/token.actions.githubusercontent.com"
	web.uiFn = func(s *stream) {
		w := &s.w
		w.str("type", "WebIdentityUser")
		w.str("principalId", provider+":sts.amazonaws.com:repo:acme-corp/orders:ref:refs/heads/main")
		w.str("userName", "repo:acme-corp/orders:ref:refs/heads/main")
		w.str("identityProvider", provider)
	}
	web.ua = configureCredentialsUA
	s.resetCur()
	s.v1, s.v3 = "gha-run-"+itoa(int(run)), dev.name
	s.v2s = s.accessKey("ASIA", p, "ci", run)
	s.v5 = s.roleID(p.name)
	s.now = st
	s.curID = &web
	c := call{t: t, src: "sts", name: apiWebID.name, ro: true, id: &web, req: apiWebID.req, resp: apiWebID.resp, res: apiWebID.res, extra: apiWebID.extra, special: true}
	s.emit(&c)
}

// rootVisit is the rare root sign-in and a few calls made as root.
func (s *stream) rootVisit(t time.Time, p *persona) {
	id := s.newIdent(p, t)
	id.console = true
	id.created = t
	id.key = s.accessKey("ASIA", p, "root", t.Unix())
	id.ua = browserUAs[0]
	s.checkMfa(t.Add(-4*time.Second), &id)
	s.login(t, &id, true, "Yes")
	names := []string{"GetAccountSummary", "ListUsers", "DescribeRegions", "GetCostAndUsage", "DescribeOrganization", "ListBuckets"}
	at := t
	for i := 0; i < 3+s.r.IntN(5); i++ {
		at = at.Add(time.Duration(5+s.r.IntN(120)) * time.Second)
		a := apiByName(names[s.r.IntN(len(names))])
		if a != nil {
			s.call(at, a, &id, true, "")
		}
	}
}

var apiIndex = func() map[string]*api {
	m := map[string]*api{}
	for _, a := range catalog {
		if _, ok := m[a.name]; !ok {
			m[a.name] = a
		}
	}
	return m
}()

func apiByName(name string) *api { return apiIndex[name] }
