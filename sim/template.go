package sim

import (
	"strconv"
	"strings"
	"time"
)

// A template is the inside of a JSON object (or the elements of an array)
// with $x placeholders that are filled per record from the stream's live
// resources. Writing request and response shapes as templates keeps the
// catalogue of APIs readable and the record loop fast.
//
// Placeholders:
//
//	$i instance id     $v volume id      $s snapshot id   $b bucket name
//	$d DB identifier   $f function name  $n NAT gateway   $l load balancer name
//	$L load balancer ARN                 $T target group ARN
//	$g Auto Scaling group                $k stack name    $t DynamoDB table
//	$G security group  $o log group      $a account id    $r region
//	$R IAM role name   $u IAM user name  $K KMS key ARN   $N a number 1–999
//	$U a random UUID   $D the event's date (RFC 3339)     $P SSM parameter
//	$S secret name     $Q SQS queue URL  $Z hosted zone id
//	$H 40 hex chars    $E the caller's e-mail or name     $O the caller's ARN
//	$M epoch milliseconds of the event
//	$F 16 base32 chars (an access key's)  $J 16 hex chars  $9 a number 1–999
//	$C the account's CloudFront distribution  $V the ARN of secret $S
//	$W the ID of role $R
//	$I a UUID, one per record             $h a SHA-256 digest (64 hex chars)
//	$y the account's GuardDuty detector in the region
//
// $R $u $P $S $Q $F $J $9 $K $I and $h stand for one value per record, so
// that a request, its answer and its resources name the same role, secret,
// key or ID, as AWS's records do; $U, $H and $N draw anew each time, for
// values that differ within a record (a request ID and a client token).
type template struct {
	parts []tpart
}

type tpart struct {
	lit []byte
	ph  byte
}

func tmpl(s string) func(*stream) {
	if s == "" {
		return nil
	}
	if s == "~" {
		return func(*stream) {}
	}
	var t template
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 || i+1 >= len(s) {
			t.parts = append(t.parts, tpart{lit: []byte(s)})
			break
		}
		t.parts = append(t.parts, tpart{lit: []byte(s[:i]), ph: s[i+1]})
		s = s[i+2:]
	}
	return t.write
}

func (t template) write(s *stream) {
	b := s.w.b
	for _, p := range t.parts {
		b = append(b, p.lit...)
		if p.ph != 0 {
			b = s.placeholder(b, p.ph)
		}
	}
	s.w.b = b
}

// perRecord are the placeholders that stand for one value per record: a
// call about one role, secret, key or session names the same one in its
// request, its answer and its resources.
const perRecord = "RuPSQFJ9KIh"

func (s *stream) placeholder(b []byte, ph byte) []byte {
	slot := strings.IndexByte(perRecord, ph)
	if slot < 0 {
		return s.fill(b, ph)
	}
	if s.recordSet[slot] {
		return append(b, s.record[slot]...)
	}
	start := len(b)
	b = s.fill(b, ph)
	s.pin(ph, b[start:])
	return b
}

// pin makes the per-record placeholder ph stand for v in the rest of the
// record: a request that names a thing by another name (a key by its alias)
// pins what its resources name.
func (s *stream) pin(ph byte, v []byte) {
	slot := strings.IndexByte(perRecord, ph)
	s.record[slot] = append(s.record[slot][:0], v...)
	s.recordSet[slot] = true
}

// fill appends a new value for placeholder ph.
func (s *stream) fill(b []byte, ph byte) []byte {
	switch ph {
	case '$':
		return append(b, '$')
	case '1':
		return append(b, s.v1...)
	case '2':
		return strconv.AppendInt(b, int64(s.v2), 10)
	case '3':
		return append(b, s.v3...)
	case '4':
		return append(b, s.v2s...)
	case '5':
		return append(b, s.v5...)
	case '7':
		// An S3 object's key, the same wherever the record repeats it: an
		// order's document, filed under a day of the month before the call.
		if !s.key7set {
			s.key7set = true
			day := s.now.Add(-time.Duration(s.r.IntN(30*24)) * time.Hour)
			s.key7 = day.UTC().AppendFormat(append(s.key7[:0], "orders/"...), "2006/01/02/")
			s.key7 = appendUUID(s.key7, s.r)
			s.key7 = append(s.key7, ".json"...)
		}
		return append(b, s.key7...)
	case '8':
		if s.key8 == 0 {
			s.key8 = 1_700_000_000 + s.r.Int64N(99_999_999)
		}
		b = append(b, "botocore-session-"...)
		return strconv.AppendInt(b, s.key8, 10)
	case 'X':
		return s.now.Add(time.Hour).AppendFormat(b, "Jan 2, 2006, 3:04:05 PM")
	case 'Y':
		return s.now.Add(12*time.Hour).AppendFormat(b, "Jan 2, 2006, 3:04:05 PM")
	case 'A':
		return append(b, s.az()...)
	case 'i':
		return append(b, s.idOf(rInstance)...)
	case 'v':
		return append(b, s.idOf(rVolume)...)
	case 's':
		return append(b, s.idOf(rSnapshot)...)
	case 'b':
		return append(b, s.idOf(rBucket)...)
	case 'd':
		return append(b, s.idOf(rDB)...)
	case 'f':
		return append(b, s.idOf(rFunction)...)
	case 'n':
		return append(b, s.idOf(rNAT)...)
	case 'l':
		return append(b, s.idOf(rLB)...)
	case 'L':
		if x := s.the(rLB); x != nil {
			return append(b, x.arn...)
		}
		return append(b, "arn:aws:elasticloadbalancing:"+s.region+":"+s.acct.id+":loadbalancer/app/web-alb/50dc6c495c0c9188"...)
	case 'T':
		n := "web-tg"
		if x := s.the(rLB); x != nil {
			n = x.id + "-tg"
		}
		b = append(b, "arn:aws:elasticloadbalancing:"...)
		b = append(b, s.region...)
		b = append(b, ':')
		b = append(b, s.acct.id...)
		b = append(b, ":targetgroup/"...)
		b = append(b, n...)
		b = append(b, '/')
		return append(b, charsFrom(hashStr(n+s.acct.id), "0123456789abcdef", 16)...)
	case 'g':
		return append(b, s.idOf(rASG)...)
	case 'k':
		return append(b, s.idOf(rStack)...)
	case 't':
		return append(b, s.idOf(rTable)...)
	case 'G':
		return append(b, s.idOf(rSecGroup)...)
	case 'o':
		return append(b, s.idOf(rLogGroup)...)
	case 'a':
		return append(b, s.acct.id...)
	case 'r':
		return append(b, s.region...)
	case 'R':
		return append(b, roleNames[s.r.IntN(len(roleNames))]...)
	case 'u':
		return append(b, userNames[s.r.IntN(len(userNames))]...)
	case 'K':
		return s.appendKMSKey(b, s.r.IntN(len(s.kmsKeys)))
	case 'I':
		return appendUUID(b, s.r)
	case 'h':
		return appendHex(b, s.r, 64)
	case 'N':
		return strconv.AppendInt(b, int64(1+s.r.IntN(999)), 10)
	case 'U':
		return appendUUID(b, s.r)
	case 'D':
		return appendTime(b, s.now)
	case 'M':
		return strconv.AppendInt(b, s.now.UnixMilli()-int64(s.r.IntN(3600000)), 10)
	case 'P':
		return append(b, ssmParams[s.r.IntN(len(ssmParams))]...)
	case 'S':
		return append(b, secretNames[s.r.IntN(len(secretNames))]...)
	case 'Q':
		b = append(b, "https://sqs."...)
		b = append(b, s.region...)
		b = append(b, ".amazonaws.com/"...)
		b = append(b, s.acct.id...)
		b = append(b, '/')
		return append(b, queueNames[s.r.IntN(len(queueNames))]...)
	case 'Z':
		return append(append(b, 'Z'), charsFrom(hash(s.o.seed, hashStr(s.acct.id), 99), upperAlnum[:26]+"0123456789", 20)...)
	case 'H':
		return appendHex(b, s.r, 40)
	case 'F':
		for i := 0; i < 16; i++ {
			b = append(b, upperAlnum[s.r.IntN(len(upperAlnum))])
		}
		return b
	case 'J':
		return appendHex(b, s.r, 16)
	case 'y':
		// GuardDuty has one detector per account and region: every call
		// names the same one.
		return append(b, charsFrom(hash(s.o.seed, hashStr(s.acct.id), hashStr(s.region), 103), "0123456789abcdef", 32)...)
	case '9':
		return strconv.AppendInt(b, int64(1+s.r.IntN(999)), 10)
	case 'W':
		// The record's role, drawn (or recalled) past the end of b, names
		// the ID written in its place.
		role := string(s.placeholder(b, 'R')[len(b):])
		return append(b, s.roleID(role)...)
	case 'C':
		return append(append(b, 'E'), charsFrom(hash(s.o.seed, hashStr(s.acct.id), 101), upperAlnum[:26]+"0123456789", 13)...)
	case 'V':
		b = append(b, "arn:aws:secretsmanager:"...)
		b = append(append(append(append(b, s.region...), ':'), s.acct.id...), ":secret:"...)
		name := len(b)
		b = s.placeholder(b, 'S')
		suffix := charsFrom(hash(hashStr(string(b[name:])), hashStr(s.acct.id)), mixedAlnum, 6)
		return append(append(b, '-'), suffix...)
	case 'E':
		if s.curID != nil {
			return append(b, s.curID.p.name...)
		}
		return b
	case 'O':
		if s.curID != nil {
			return append(b, s.principalARN(s.curID)...)
		}
		return b
	}
	return append(b, '$', ph)
}

var (
	roleNames   = []string{"orders-lambda-role", "web-ec2-role", "GitHubActionsDeploy", "data-pipeline-role", "OrganizationAccountAccessRole", "AWSServiceRoleForAutoScaling", "ecsTaskExecutionRole", "reporting-readonly"}
	userNames   = []string{"alice.nguyen", "bob.martin", "carol.diaz", "svc-backup", "terraform-legacy", "jenkins"}
	ssmParams   = []string{"/orders/prod/db-host", "/orders/prod/feature-flags", "/shared/datadog/api-key", "/orders/prod/stripe-webhook-secret", "/platform/vpc/id", "/ami/amazon-linux-2023/latest"}
	secretNames = []string{"prod/orders/db", "prod/orders/stripe", "shared/github-app-key", "data/warehouse/readonly"}
	queueNames  = []string{"orders-events", "orders-events-dlq", "email-outbox", "ingest-jobs"}
)

// appendKMSKey appends the ARN of the account's i-th KMS key in the region.
func (s *stream) appendKMSKey(b []byte, i int) []byte {
	b = append(b, "arn:aws:kms:"...)
	b = append(b, s.region...)
	b = append(b, ':')
	b = append(b, s.acct.id...)
	b = append(b, ":key/"...)
	return append(b, s.kmsKeys[i]...)
}

// the returns the live resource of kind k for the current record, picking
// one on first use so that request, response and resources agree.
func (s *stream) the(k rkind) *res {
	if !s.curSet[k] {
		s.curSet[k] = true
		s.cur[k] = s.st.pick(k, s.r)
	}
	return s.cur[k]
}

// idOf is the current resource's id, or a plausible id of a resource
// outside the simulation's live set (long-lived infrastructure).
func (s *stream) idOf(k rkind) string {
	if x := s.the(k); x != nil {
		return x.id
	}
	return s.fallback[k]
}

func (s *stream) resetCur() {
	s.curSet = [nKinds]bool{}
	s.recordSet = [len(perRecord)]bool{}
	s.key7set = false
	s.key8 = 0
}
