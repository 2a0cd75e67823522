package sim

import (
	"slices"
	"time"
)

// heartbeatEvery is how often the SSM agent reports
// (UpdateInstanceInformation) on a managed instance.
const heartbeatEvery = 5 * time.Minute

// agentHeartbeats has the SSM agent on x report every five minutes, a few
// seconds either way, from from to until. It is silent while the instance is
// stopped or booting, and reports as soon as it has booted, as the agent does
// when it starts. That rhythm, and its gaps, are what tell `cairn why` when
// an instance was down: the ordinary traffic's heartbeats are drawn at random
// and would not. Overlapping spans share one rhythm.
func (s *stream) agentHeartbeats(x *res, from, until time.Time) {
	role := s.o.personaByName("web-ec2-role")
	a := apiByName("UpdateInstanceInformation")
	if role == nil || a == nil || !role.worksIn(s.ai) {
		return
	}
	if from.Before(s.o.start) {
		from = s.o.start
	}
	if until.After(s.o.end) {
		until = s.o.end
	}
	if !from.Before(until) {
		return
	}
	running := len(x.agent) > 0
	x.agent = append(x.agent, span{from, until})
	slices.SortFunc(x.agent, func(a, b span) int { return a.from.Compare(b.from) })
	if running {
		return
	}
	var beat func(t time.Time)
	beat = func(t time.Time) {
		for len(x.agent) > 0 && !t.Before(x.agent[0].until) {
			x.agent = x.agent[1:]
		}
		if len(x.agent) == 0 {
			x.agent = nil
			return
		}
		next := t.Add(heartbeatEvery + time.Duration(s.r.IntN(7000)-3500)*time.Millisecond)
		switch {
		case t.Before(x.agent[0].from):
			next = x.agent[0].from
		case !x.running:
			next = t.Add(time.Minute) // look again: it may have been started
		case t.Before(x.bootedAt):
			next = x.bootedAt.Add(time.Duration(2000+s.r.IntN(9000)) * time.Millisecond)
		default:
			id := s.instanceIdent(role, x, t)
			s.call(t, a, &id, true, "")
		}
		s.schedule(next, beat)
	}
	s.schedule(from, beat)
}

// instanceIdent is the identity of instance x's own calls at t: its
// instance profile's role session, named after it, from its address.
func (s *stream) instanceIdent(role *persona, x *res, t time.Time) ident {
	id := s.newIdent(role, t)
	id.session, id.ip = x.id, x.ip
	id.key = s.accessKey("ASIA", role, x.id, t.Unix()/3600)
	return id
}
