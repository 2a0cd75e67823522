package sim

import (
	"net/http"
	"sort"
	"strings"
	"time"
)

// Scenario is one scripted incident and its ground truth, as written to
// scenarios.json (a JSON array sorted by time). Tests and demos check that
// cairn finds and explains each one.
//
//	{
//	  "id":          "hardware-restart-1",       stable for a seed
//	  "kind":        "api-reboot" | "hardware-restart" | "scheduled-retirement" |
//	                 "leaked-access-key" | "logging-stopped" | "cost-spike" |
//	                 "permission-removed",
//	  "description": "…",                        what happened, in a sentence
//	  "time":        "2026-02-14T03:10:00Z",     when it happened (RFC 3339)
//	  "end":         "…",                        when it ended, if it lasted
//	  "account":     "123456789012",
//	  "region":      "us-east-1",
//	  "resource":    "i-0abc…",                  the main resource, if any
//	  "resources":   ["i-…", …],                 every resource involved
//	  "principal":   "arn:aws:sts::…:assumed-role/…/dana@…", who, when a principal acted
//	  "accessKeyId": "AKIA…",                    the key used, when it matters
//	  "sourceIPAddress": "45.…",
//	  "eventIds":    ["…"],                      CloudTrail eventIDs of the records involved
//	                                             ([] when no API call was made)
//	  "healthEventIds": ["…"],                   ids of the AWS Health events (health/aws.health.jsonl)
//	  "stateChangeIds": ["…"],                   ids of EC2 state-change notifications (health/aws.ec2.jsonl)
//	  "expect":      "…"                         what `cairn why`/search should conclude
//	}
type Scenario struct {
	ID             string    `json:"id"`
	Kind           string    `json:"kind"`
	Description    string    `json:"description"`
	Time           time.Time `json:"time"`
	End            time.Time `json:"end,omitzero"`
	Account        string    `json:"account"`
	Region         string    `json:"region"`
	Resource       string    `json:"resource,omitempty"`
	Resources      []string  `json:"resources,omitempty"`
	Principal      string    `json:"principal,omitempty"`
	AccessKeyID    string    `json:"accessKeyId,omitempty"`
	SourceIP       string    `json:"sourceIPAddress,omitempty"`
	EventIDs       []string  `json:"eventIds"`
	HealthEventIDs []string  `json:"healthEventIds,omitempty"`
	StateChangeIDs []string  `json:"stateChangeIds,omitempty"`
	Expect         string    `json:"expect"`
}

// scenarioPlan places a scenario (or its part in one region) in a stream.
type scenarioPlan struct {
	id      string
	kind    string
	acct    int
	region  int
	t       time.Time
	primary bool // this stream writes the Scenario record
}

// weekdayNear is d when it is a weekday, else the first weekday after it
// before end, else the last one before it from start on, else d.
func weekdayNear(d, start, end time.Time) time.Time {
	weekend := func(t time.Time) bool { return t.Weekday() == time.Saturday || t.Weekday() == time.Sunday }
	for next := d; next.Before(end); next = next.Add(24 * time.Hour) {
		if !weekend(next) {
			return next
		}
	}
	for prev := d; !prev.Before(start); prev = prev.Add(-24 * time.Hour) {
		if !weekend(prev) {
			return prev
		}
	}
	return d
}

// planScenarios decides, from the seed, when and where each incident
// happens.
func planScenarios(o *org, cfg *Config) []scenarioPlan {
	period := o.end.Sub(o.start)
	at := func(frac float64, hour, minute int) time.Time {
		d := o.start.Add(time.Duration(frac * float64(period))).Truncate(24 * time.Hour)
		// Keep incidents on weekdays, where people are around to react:
		// the next one in the period, else the one before; a period of a
		// weekend alone keeps its day (moving back and forth between two
		// days of it never ended).
		d = weekdayNear(d, o.start.Truncate(24*time.Hour), o.end)
		if d.Before(o.start) {
			d = o.start.Truncate(24 * time.Hour)
		}
		t := d.Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute + time.Duration(hash(o.seed, uint64(hour), uint64(minute))%50)*time.Second)
		if t.Before(o.start) {
			t = o.start.Add(time.Hour)
		}
		return t
	}
	pick := func(names ...string) int {
		for _, n := range names {
			if i := o.acctIdx(n); i >= 0 {
				return i
			}
		}
		return len(o.accounts) - 1
	}
	prod := pick("prod")
	r2 := 0
	if len(o.regions) > 1 {
		r2 = 1
	}
	gr := o.globalRegion()
	victim := o.personaByName("terraform-legacy")
	leakAcct := pick("staging")
	if victim != nil && !victim.worksIn(leakAcct) {
		leakAcct = victim.accts[0]
	}
	plans := []scenarioPlan{
		{id: "api-reboot-1", kind: "api-reboot", acct: prod, region: gr, t: at(0.3, 14, 22), primary: true},
		{id: "hardware-restart-1", kind: "hardware-restart", acct: prod, region: r2, t: at(0.45, 3, 10), primary: true},
		{id: "scheduled-retirement-1", kind: "scheduled-retirement", acct: prod, region: gr, t: at(0.2, 9, 5), primary: true},
		{id: "cost-spike-1", kind: "cost-spike", acct: pick("data", "dev"), region: gr, t: at(0.8, 15, 5), primary: true},
	}
	leakT := at(0.65, 1, 37)
	for ri := range o.regions {
		plans = append(plans, scenarioPlan{id: "leaked-access-key-1", kind: "leaked-access-key", acct: leakAcct, region: ri, t: leakT.Add(time.Duration(ri) * 3 * time.Minute), primary: ri == gr})
	}
	plans = append(plans, scenarioPlan{id: "logging-stopped-1", kind: "logging-stopped", acct: leakAcct, region: gr, t: leakT.Add(41 * time.Minute), primary: true})
	permT := at(0.55, 10, 40)
	for ri := range o.regions {
		plans = append(plans, scenarioPlan{id: "permission-removed-1", kind: "permission-removed", acct: prod, region: ri, t: permT, primary: ri == gr})
	}
	return plans
}

func (o *org) personaByName(name string) *persona {
	for _, p := range o.personas {
		if p.name == name {
			return p
		}
	}
	return nil
}

// replaceAfterIncident has the team terminate an incident's instance just
// after its SSM agent's last heartbeat, at agentEnd. The agent reports only
// around the incident (all month long, its heartbeats would outnumber a
// small organisation's other calls); an instance that fell silent while
// running would read, to cairn why, as an outage nobody caused. Nothing
// random is drawn here, so the rest of the simulation stays as it was.
func (s *stream) replaceAfterIncident(x *res, agentEnd time.Time) {
	at := agentEnd.Add(2 * time.Minute)
	if !at.Before(s.o.end.Add(-time.Minute)) {
		return // the period ends first: its trail ends there too
	}
	s.schedule(at, func(t time.Time) {
		if !x.running {
			return
		}
		p := s.person(kSSO, "dana.kowalski@acme-corp.example")
		id := s.newIdent(p, t)
		s.terminateInstance(t, &id, x)
		x.running = false
	})
}

// planScenarios reserves the resources the stream's scenarios act on and
// schedules them.
func (s *stream) planScenarios() {
	for _, pl := range s.scen {
		pl := pl
		switch pl.kind {
		case "api-reboot", "hardware-restart", "scheduled-retirement":
			x := s.st.pickFree(rInstance, s.r, func(x *res) bool { return x.running })
			if x == nil {
				x = s.newInstance("m5.large", s.o.start, "", nil)
			}
			x.pinned = true
			// Its SSM agent reports, so that its silence shows when it was
			// down: from the start of the period, as an agent reports all
			// along, and not from shortly before the incident, whose sudden
			// heartbeats Insights took for an unusual rate of calls.
			s.agentHeartbeats(x, s.o.start, pl.t.Add(2*time.Hour))
			switch pl.kind {
			case "api-reboot":
				s.schedule(pl.t, func(t time.Time) { s.scenReboot(pl, x, t) })
				s.replaceAfterIncident(x, pl.t.Add(2*time.Hour))
			case "hardware-restart":
				s.schedule(pl.t, func(t time.Time) { s.scenHardware(pl, x, t) })
				s.replaceAfterIncident(x, pl.t.Add(2*time.Hour))
			case "scheduled-retirement":
				s.schedule(pl.t, func(t time.Time) { s.scenRetirement(pl, x, t) })
			}
		case "leaked-access-key":
			s.schedule(pl.t, func(t time.Time) { s.scenLeak(pl, t) })
		case "logging-stopped":
			s.schedule(pl.t, func(t time.Time) { s.scenStopLogging(pl, t) })
		case "cost-spike":
			s.schedule(pl.t, func(t time.Time) { s.scenSpike(pl, t) })
		case "permission-removed":
			s.revocations = append(s.revocations, revocation{role: "orders-lambda-role", src: "ssm", prefix: "GetParameter", from: pl.t, until: pl.t.Add(permissionGap)})
			if pl.primary {
				s.schedule(pl.t, func(t time.Time) { s.scenPermission(pl, t) })
			}
		}
	}
}

func (s *stream) person(kind kind, prefer string) *persona {
	for _, p := range s.actors {
		if p.name == prefer {
			return p
		}
	}
	for _, p := range s.actors {
		if p.kind == kind {
			return p
		}
	}
	return s.actors[0]
}

func (s *stream) addScenario(sc Scenario) {
	sc.Account = s.acct.id
	sc.Region = s.region
	s.scenOut = append(s.scenOut, sc)
}

func (s *stream) scenReboot(pl scenarioPlan, x *res, t time.Time) {
	p := s.person(kSSO, "julia.santos@acme-corp.example")
	id := s.newIdent(p, t)
	id.console = false
	id.ua = p.uas[0]
	s.scenTag = pl.id
	s.lc(t, &id, apiByName("DescribeInstances"), x)
	s.rebootInstance(t.Add(47*time.Second), &id, x)
	s.scenTag = ""
	s.addScenario(Scenario{ID: pl.id, Kind: pl.kind, Time: t.Add(47 * time.Second).Truncate(time.Second), Resource: x.id, Resources: []string{x.id}, Principal: s.principalARN(&id), SourceIP: id.ip,
		Description: p.display + " rebooted instance " + x.id + " with the AWS CLI (RebootInstances).",
		Expect:      "why " + x.id + " at this time: an API call, RebootInstances by " + p.name + " from " + id.ip})
}

func httpTime(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

// healthEvent records an AWS Health event in EventBridge form.
func (s *stream) healthEvent(published time.Time, code, category string, x *res, start, end time.Time, status, desc string) string {
	var w jw
	w.b = make([]byte, 0, 1200)
	id := uuid(s.r)
	w.begin()
	w.str("version", "0")
	w.str("id", id)
	w.str("detail-type", "AWS Health Event")
	w.str("source", "aws.health")
	w.str("account", s.acct.id)
	w.time("time", published)
	w.str("region", s.region)
	w.arr("resources")
	w.elemStr(x.id)
	w.endArr()
	w.obj("detail")
	w.str("eventArn", "arn:aws:health:"+s.region+"::event/EC2/"+code+"/"+code+"_"+string(appendHex(nil, s.r, 8))+"-"+string(appendHex(nil, s.r, 4))+"-"+string(appendHex(nil, s.r, 4)))
	w.str("service", "EC2")
	w.str("eventTypeCode", code)
	w.str("eventTypeCategory", category)
	w.str("eventScopeCode", "ACCOUNT_SPECIFIC")
	w.str("communicationId", string(appendHex(nil, s.r, 32))+"-1")
	w.str("startTime", httpTime(start))
	if !end.IsZero() {
		w.str("endTime", httpTime(end))
	}
	w.str("lastUpdatedTime", httpTime(published))
	w.str("statusCode", status)
	w.str("eventRegion", s.region)
	w.arr("eventDescription")
	w.elem()
	w.str("language", "en_US")
	w.str("latestDescription", desc)
	w.end()
	w.endArr()
	w.arr("affectedEntities")
	w.elem()
	w.str("entityValue", x.id)
	w.end()
	w.endArr()
	w.end()
	w.end()
	s.sideRecs = append(s.sideRecs, sideLine{t: published, source: "aws.health", line: w.b})
	return id
}

// stateChangeIDs returns the ids of the state-change notifications added
// since index from.
func (s *stream) stateChangeIDs(from int, x *res) []string {
	var ids []string
	needle := `"instance-id":"` + x.id + `"`
	for _, l := range s.sideRecs[from:] {
		if l.source == "aws.ec2" && strings.Contains(string(l.line), needle) {
			// The id is the first string value after "id":".
			b := l.line
			for i := 0; i+6 < len(b); i++ {
				if string(b[i:i+6]) == `"id":"` {
					ids = append(ids, string(b[i+6:i+6+36]))
					break
				}
			}
		}
	}
	return ids
}

func (s *stream) scenHardware(pl scenarioPlan, x *res, t time.Time) {
	from := len(s.sideRecs)
	// The host fails; EC2 recovers the instance onto new hardware. No API
	// call is made, so CloudTrail has nothing; the state-change
	// notifications and the Health event tell the story.
	s.stateChange(t, x, "stopping")
	s.stateChange(t.Add(2*time.Minute+13*time.Second), x, "stopped")
	s.stateChange(t.Add(4*time.Minute+2*time.Second), x, "pending")
	s.stateChange(t.Add(4*time.Minute+48*time.Second), x, "running")
	s.st.close(x, t)
	s.st.open(x, t.Add(4*time.Minute+2*time.Second))
	x.bootedAt = t.Add(4*time.Minute + 48*time.Second + bootTime)
	desc := "Your instance " + x.id + " was successfully recovered by simplified automatic recovery after a loss of network connectivity or system power caused by an underlying hardware failure on the host. The instance was moved to healthy hardware and restarted; it keeps its instance ID, private and Elastic IP addresses and EBS volumes. Data in RAM was lost."
	hid := s.healthEvent(t.Add(9*time.Minute), "AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_SUCCESS", "issue", x, t, t.Add(4*time.Minute+48*time.Second), "closed", desc)
	s.addScenario(Scenario{ID: pl.id, Kind: pl.kind, Time: t.Truncate(time.Second), End: t.Add(4*time.Minute + 48*time.Second).Truncate(time.Second), Resource: x.id, Resources: []string{x.id},
		Description:    "Instance " + x.id + " restarted at night with no API call: a hardware failure on its host, recovered by EC2 simplified automatic recovery.",
		EventIDs:       []string{},
		HealthEventIDs: []string{hid}, StateChangeIDs: s.stateChangeIDs(from, x),
		Expect: "why " + x.id + " at this time: no API call in CloudTrail; AWS Health AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_SUCCESS (hardware failure)"})
}

func (s *stream) scenRetirement(pl scenarioPlan, x *res, t time.Time) {
	from := len(s.sideRecs)
	period := s.o.end.Sub(s.o.start)
	retire := t.Add(period * 4 / 10)
	if retire.After(s.o.end.Add(-12 * time.Hour)) {
		retire = s.o.end.Add(-12 * time.Hour)
	}
	if !retire.After(t) {
		retire = t.Add(2 * time.Hour)
	}
	desc := "EC2 has detected degradation of the underlying hardware hosting your Amazon EC2 instance " + x.id + " in the " + s.region + " region. Due to this degradation your instance could already be unreachable. We will stop your instance after " + httpTime(retire) + ". Please stop and start your instance before then to migrate it to healthy hardware."
	hid := s.healthEvent(t, "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED", "scheduledChange", x, retire, retire.Add(time.Hour), "upcoming", desc)
	if !retire.Before(s.o.end.Add(-time.Hour)) {
		// The period ends before the retirement: only the notice is seen.
		s.addScenario(Scenario{ID: pl.id, Kind: pl.kind, Time: t.Truncate(time.Second), Resource: x.id, Resources: []string{x.id},
			Description:    "AWS Health announced the retirement of " + x.id + " for " + httpTime(retire) + ", after the end of the period.",
			EventIDs:       []string{},
			HealthEventIDs: []string{hid},
			Expect:         "the Health event is linked to " + x.id + "; no API call"})
		s.replaceAfterIncident(x, pl.t.Add(2*time.Hour))
		return
	}
	s.agentHeartbeats(x, t, retire.Add(time.Hour)) // on from the notice, without a gap
	s.schedule(retire, func(rt time.Time) {
		// AWS stops the instance: no CloudTrail record.
		s.stateChange(rt, x, "stopping")
		s.stateChange(rt.Add(95*time.Second), x, "stopped")
		x.running = false
		s.st.close(x, rt.Add(95*time.Second))
		// The owner starts it again the next working morning.
		next := rt.Truncate(24 * time.Hour).Add(24*time.Hour + 9*time.Hour + 12*time.Minute)
		for next.Weekday() == time.Saturday || next.Weekday() == time.Sunday {
			next = next.Add(24 * time.Hour)
		}
		if next.After(s.o.end.Add(-time.Minute)) {
			next = rt.Add(30 * time.Minute)
		}
		s.agentHeartbeats(x, next.Add(-30*time.Minute), next.Add(2*time.Hour))
		s.replaceAfterIncident(x, next.Add(2*time.Hour))
		s.schedule(next, func(st time.Time) {
			p := s.person(kSSO, "dana.kowalski@acme-corp.example")
			id := s.newIdent(p, st)
			s.scenTag = pl.id
			ev := s.startInstance(st, &id, x)
			s.scenTag = ""
			s.addScenario(Scenario{ID: pl.id, Kind: pl.kind, Time: rt.Truncate(time.Second), End: st.Truncate(time.Second), Resource: x.id, Resources: []string{x.id}, Principal: s.principalARN(&id),
				Description:    "AWS Health announced the retirement of " + x.id + "; EC2 stopped it at the scheduled time with no API call, and " + p.display + " started it again the next morning (StartInstances).",
				EventIDs:       []string{ev},
				HealthEventIDs: []string{hid}, StateChangeIDs: s.stateChangeIDs(from, x),
				Expect: "why " + x.id + " at the stop: no API call; AWS Health AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED. At the start: StartInstances by " + p.name})
		})
	})
}

const attackerIP = "45.142.120.19"
const attackerUA = "Boto3/1.26.137 Python/3.11.2 Linux/6.1.0-kali9-amd64 Botocore/1.29.137"

func (s *stream) attacker(t time.Time) (ident, bool) {
	v := s.o.personaByName("terraform-legacy")
	if v == nil || !v.worksIn(s.ai) {
		v = nil
		for _, p := range s.actors {
			if p.kind == kIAMUser {
				v = p
				break
			}
		}
	}
	if v == nil {
		return ident{}, false
	}
	id := ident{p: v, acct: s.acct, ip: attackerIP, ua: attackerUA, key: s.accessKey("AKIA", v, "key1", 0), attacker: true}
	return id, true
}

func (s *stream) scenLeak(pl scenarioPlan, t time.Time) {
	id, ok := s.attacker(t)
	if !ok {
		return
	}
	s.scenTag = pl.id
	seq := []string{"DescribeInstances", "DescribeSecurityGroups", "DescribeVpcs", "ListFunctions20150331", "DescribeDBInstances"}
	if s.global {
		seq = append([]string{"ListBuckets", "ListUsers", "ListRoles", "GetAccountSummary", "DescribeRegions", "ListAccessKeys", "GetUser", "ListAttachedRolePolicies", "ListSecrets", "GetSecretValue"}, seq...)
	}
	at := t
	for _, name := range seq {
		at = at.Add(time.Duration(1+s.r.IntN(9)) * time.Second)
		if a := apiByName(name); a != nil {
			s.call(at, a, &id, true, pl.id)
		}
	}
	if s.global {
		// Persistence: a second access key for the same user, and a new user
		// that the key is not allowed to create.
		at = at.Add(40 * time.Second)
		ck := L("iam", "CreateAccessKey", RW, `"userName":"$E"`, `"accessKey":{"userName":"$E","accessKeyId":"AKIA$3","status":"Active","createDate":"$D"}`)
		s.v3 = charsFrom(s.r.Uint64(), upperAlnum, 16)
		s.lc(at, &id, ck)
		s.failNext = "AccessDenied"
		s.failMsg = notAuthorized(s.principalARN(&id), "iam:CreateUser", "arn:aws:iam::"+s.acct.id+":user/support-admin", false)
		cu := L("iam", "CreateUser", RW, `"userName":"support-admin"`, "")
		s.lc(at.Add(12*time.Second), &id, cu)
		s.addScenario(Scenario{ID: pl.id, Kind: pl.kind, Time: t.Truncate(time.Second), End: at.Add(12 * time.Second).Truncate(time.Second), Principal: s.principalARN(&id), AccessKeyID: id.key, SourceIP: attackerIP,
			Description: "The access key of IAM user " + id.p.name + " was used at night from an address never seen before (" + attackerIP + "), with a Kali Linux boto3 user agent, to enumerate the account in every region, read secrets and create a second access key.",
			Expect:      "search -access-key " + id.key + " shows calls from " + attackerIP + " outside working hours; the user's usual addresses differ"})
	}
	s.scenTag = ""
}

func (s *stream) scenStopLogging(pl scenarioPlan, t time.Time) {
	id, ok := s.attacker(t)
	if !ok {
		return
	}
	trail := "arn:aws:cloudtrail:" + s.region + ":" + s.acct.id + ":trail/" + s.acct.name + "-audit"
	s.scenTag = pl.id
	s.v3 = trail
	s.lc(t, &id, L("cloudtrail", "DescribeTrails", RO, `"trailNameList":[],"includeShadowTrails":true`, ""))
	s.lc(t.Add(20*time.Second), &id, L("cloudtrail", "StopLogging", RW, `"name":"$3"`, ""))
	s.lc(t.Add(95*time.Second), &id, L("cloudtrail", "DeleteTrail", RW, `"name":"$3"`, ""))
	s.scenTag = ""
	s.addScenario(Scenario{ID: pl.id, Kind: pl.kind, Time: t.Add(20 * time.Second).Truncate(time.Second), Resource: trail, Resources: []string{trail}, Principal: s.principalARN(&id), AccessKeyID: id.key, SourceIP: attackerIP,
		Description: "With the leaked key, the account's own trail " + s.acct.name + "-audit was stopped (StopLogging) and deleted (DeleteTrail). The organisation trail kept recording.",
		Expect:      "search -event StopLogging and -event DeleteTrail find both calls by " + id.p.name + " from " + attackerIP})
}

func (s *stream) scenSpike(pl scenarioPlan, t time.Time) {
	p := s.person(kSSO, "hana.suzuki@acme-corp.example")
	id := s.newIdent(p, t)
	id.console = false
	id.ua = p.uas[0]
	s.scenTag = pl.id
	gpu, ev1 := s.runInstances(t, &id, 12, "p3.16xlarge", nil, pl.id)
	cpu, ev2 := s.runInstances(t.Add(3*time.Minute), &id, 8, "c5.24xlarge", nil, pl.id)
	s.scenTag = ""
	all := append(gpu, cpu...)
	ids := []string{}
	for _, x := range all {
		x.pinned = true
		ids = append(ids, x.id)
	}
	sort.Strings(ids)
	hours := 20 + s.r.IntN(10)
	end := t.Add(time.Duration(hours) * time.Hour)
	if end.After(s.o.end.Add(-10 * time.Minute)) {
		end = s.o.end.Add(-10 * time.Minute)
	}
	var cost float64
	for _, x := range all {
		cost += instancePrice[x.typ] * end.Sub(t).Hours()
	}
	sc := Scenario{ID: pl.id, Kind: pl.kind, Time: t.Truncate(time.Second), End: end.Truncate(time.Second), Resource: gpu[0].id, Resources: ids, Principal: s.principalARN(&id), SourceIP: id.ip,
		EventIDs:    []string{ev1, ev2},
		Description: p.display + " launched 12 p3.16xlarge and 8 c5.24xlarge instances for a training run and left them running about " + itoa(int(end.Sub(t).Hours())) + " hours: roughly $" + itoa(int(cost)) + " of on-demand compute.",
		Expect:      "cost report -by principal shows the spike attributed to " + p.name + " through the RunInstances calls and aws:createdBy"}
	s.schedule(end, func(et time.Time) {
		q := s.person(kSSO, "ivan.petrov@acme-corp.example")
		qid := s.newIdent(q, et)
		s.scenTag = pl.id
		for _, x := range all {
			ev := s.terminateInstance(et, &qid, x)
			sc.EventIDs = append(sc.EventIDs, ev)
			et = et.Add(time.Second)
		}
		s.scenTag = ""
		s.addScenario(sc)
	})
}
