package sim

import (
	"math/rand/v2"
	"time"
)

// rkind is a kind of simulated resource.
type rkind uint8

const (
	rInstance rkind = iota
	rVolume
	rSnapshot
	rBucket
	rDB
	rFunction
	rNAT
	rLB
	rASG
	rStack
	rTable
	rSecGroup
	rLogGroup
	nKinds
)

// res is one live resource of a stream.
type res struct {
	kind      rkind
	id        string // i-…, vol-…, bucket name, DB identifier, function name, …
	arn       string
	typ       string // instance type, volume type, DB class, …
	size      int    // GiB, memory MB, desired capacity
	running   bool
	az        string
	created   time.Time
	createdBy string // the aws:createdBy tag value, "" when untagged
	parent    *res   // the Auto Scaling group or stack that made it
	children  []*res
	attached  *res      // a volume's instance
	life      int       // index of the open lifetime interval, -1 when none
	pinned    bool      // reserved by a scenario: ordinary lifecycles leave it alone
	ip        string    // an instance's private address, which its own calls come from
	bootedAt  time.Time // an instance is booting, or down, until then: it makes no calls
	agent     []span    // when an instance's SSM agent reports on its rhythm, in time order
}

// span is a stretch of time, until exclusive.
type span struct{ from, until time.Time }

// awake reports whether instance x runs and can call at t.
func (x *res) awake(t time.Time) bool { return x.running && !t.Before(x.bootedAt) }

// lifetime is one billable interval of a resource: what the cost report is
// made from.
type lifetime struct {
	kind       rkind
	id, arn    string
	typ        string
	size       int
	start      time.Time
	end        time.Time // zero while open; the period's end when never closed
	createdBy  string
	parentTag  string // aws:autoscaling:groupName or aws:cloudformation:stack-name
	parentKind rkind
}

// state is a stream's live resources and the cost intervals so far.
type state struct {
	live  [nKinds][]*res
	lives []lifetime
}

func (st *state) pick(k rkind, r *rand.Rand) *res {
	l := st.live[k]
	if len(l) == 0 {
		return nil
	}
	return l[r.IntN(len(l))]
}

// pickFree picks a resource that is not pinned by a scenario and not owned
// by a stack or group, or nil.
func (st *state) pickFree(k rkind, r *rand.Rand, ok func(*res) bool) *res {
	return st.pickWhere(k, r, func(x *res) bool { return !x.pinned && x.parent == nil && (ok == nil || ok(x)) })
}

// pickWhere picks a resource for which ok holds, or nil.
func (st *state) pickWhere(k rkind, r *rand.Rand, ok func(*res) bool) *res {
	l := st.live[k]
	if len(l) == 0 {
		return nil
	}
	off := r.IntN(len(l))
	for i := range l {
		if x := l[(off+i)%len(l)]; ok(x) {
			return x
		}
	}
	return nil
}

func (st *state) add(x *res, t time.Time, billable bool) {
	x.life = -1
	st.live[x.kind] = append(st.live[x.kind], x)
	if billable {
		st.open(x, t)
	}
}

func (st *state) open(x *res, t time.Time) {
	if x.life >= 0 {
		return
	}
	pt, pk := "", rkind(0)
	if x.parent != nil && (x.parent.kind == rASG || x.parent.kind == rStack) {
		pt, pk = x.parent.id, x.parent.kind
	}
	st.lives = append(st.lives, lifetime{kind: x.kind, id: x.id, arn: x.arn, typ: x.typ, size: x.size, start: t, createdBy: x.createdBy, parentTag: pt, parentKind: pk})
	x.life = len(st.lives) - 1
}

func (st *state) close(x *res, t time.Time) {
	if x.life < 0 {
		return
	}
	st.lives[x.life].end = t
	x.life = -1
}

func (st *state) remove(x *res, t time.Time) {
	st.close(x, t)
	l := st.live[x.kind]
	for i, y := range l {
		if y == x {
			l[i] = l[len(l)-1]
			l[len(l)-1] = nil
			st.live[x.kind] = l[:len(l)-1]
			break
		}
	}
	if x.parent != nil {
		p := x.parent
		for i, c := range p.children {
			if c == x {
				p.children = append(p.children[:i], p.children[i+1:]...)
				break
			}
		}
	}
}

// Prices per hour (or per GB-month for storage), us-east-1 on-demand list
// prices, rounded. Good enough for a simulation; the cost report uses the
// same table so that cost and CloudTrail agree.
var instancePrice = map[string]float64{
	"t3.micro": 0.0104, "t3.small": 0.0208, "t3.medium": 0.0416, "t3.large": 0.0832,
	"m5.large": 0.096, "m5.xlarge": 0.192, "m5.2xlarge": 0.384, "c5.large": 0.085, "c5.xlarge": 0.17,
	"r5.large": 0.126, "r5.xlarge": 0.252, "c5.24xlarge": 4.08, "p3.16xlarge": 24.48, "p3.8xlarge": 12.24, "g5.xlarge": 1.006,
}

var dbPrice = map[string]float64{"db.t3.micro": 0.017, "db.t3.medium": 0.068, "db.m5.large": 0.171, "db.r5.large": 0.25, "db.r5.xlarge": 0.50}

var everydayTypes = []string{"t3.micro", "t3.small", "t3.medium", "t3.medium", "t3.large", "m5.large", "m5.large", "m5.xlarge", "c5.large", "c5.xlarge", "r5.large", "m5.2xlarge", "g5.xlarge"}

var dbClasses = []string{"db.t3.micro", "db.t3.medium", "db.t3.medium", "db.m5.large", "db.r5.large"}

const (
	ebsGp3PerGBMonth  = 0.08
	ebsGp2PerGBMonth  = 0.10
	snapPerGBMonth    = 0.05
	s3PerGBMonth      = 0.023
	natPerHour        = 0.045
	albPerHour        = 0.0225
	lambdaPerGBSecond = 0.0000166667
	ddbPerHour        = 0.0125 // a small provisioned table
	hoursPerMonth     = 730.0
)
