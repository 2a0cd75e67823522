package sim

import (
	"math/rand/v2"
	"time"
)

// kind is what sort of principal a persona is.
type kind uint8

const (
	kIAMUser  kind = iota // IAM user: console and/or access key
	kSSO                  // Identity Center user: AssumeRoleWithSAML session named by e-mail
	kCI                   // GitHub Actions role: web-identity session gha-run-N with a sourceIdentity
	kAppRole              // Lambda or EC2 instance role session
	kService              // AWS service acting (AWSService or a service-linked role)
	kRoot                 // the account's root user
	kAttacker             // a leaked access key, only in the leaked-key scenario
)

// Traffic profiles: which mix of API calls a principal makes.
const (
	profConsole = iota // a person in the console: reads, some writes
	profCLI            // a person with the CLI, Terraform or an SDK
	profCI             // a deployment pipeline
	profApp            // application code under a role: data-plane calls
	profSvc            // AWS services' roles on their own behalf (AWS Config, Access Analyzer)
	profAWS            // AWS services as AWSService principals: role assumption, KMS
	nProf
)

// persona is one principal of the organisation.
type persona struct {
	idx     int
	kind    kind
	name    string // IAM user name, e-mail, role name or service principal
	display string
	prof    int     // main traffic profile
	cliProb float64 // share of calls made from the CLI instead of the console
	console bool
	mfa     bool
	weight  float64
	tz      int // UTC offset in hours of the person's working day
	start   int // local working hours [start, end)
	end     int
	weekend float64 // activity factor on weekends
	night   float64 // activity factor outside working hours
	accts   []int   // accounts the persona works in (indices)
	ips     []string
	uas     []string
	permSet string // Identity Center permission set
	svcHost string // service principal for kService
}

type account struct {
	idx   int
	id    string
	name  string
	alias string
	email string
	w     float64
}

// org is the simulated organisation: read-only once built, shared by all
// streams.
type org struct {
	id       string // o-xxxxxxxxxx
	mgmt     int
	accounts []account
	regions  []string
	personas []*persona
	seed     uint64
	idStore  string // Identity Center identity store id
	start    time.Time
	end      time.Time
}

var accountNames = []string{"management", "prod", "staging", "dev", "data", "security", "sandbox", "shared-services", "analytics", "qa", "edge", "ml"}

var accountWeights = map[string]float64{"management": 0.5, "prod": 2.2, "staging": 1.0, "dev": 1.4, "data": 1.2, "security": 0.6, "sandbox": 0.7}

func newOrg(cfg *Config) *org {
	seed := uint64(cfg.Seed)
	r := rand.New(rand.NewPCG(seed, 0x0a6))
	o := &org{seed: seed, regions: cfg.Regions, start: cfg.Start, end: cfg.Start.Add(time.Duration(cfg.Days) * 24 * time.Hour)}
	o.id = "o-" + randChars(r, lowerAlnum, 10)
	o.idStore = "d-" + randChars(r, "0123456789abcdef", 10)
	for i := 0; i < cfg.Accounts; i++ {
		name := accountNames[i%len(accountNames)]
		if i >= len(accountNames) {
			name += "-" + itoa(i/len(accountNames)+1)
		}
		id := make([]byte, 12)
		for j := range id {
			id[j] = byte('0' + r.IntN(10))
		}
		if id[0] == '0' {
			id[0] = '1' + byte(r.IntN(9))
		}
		w, ok := accountWeights[name]
		if !ok {
			w = 0.6
		}
		o.accounts = append(o.accounts, account{idx: i, id: string(id), name: name, alias: "acme-" + name, email: "aws+" + name + "@acme-corp.example", w: w})
	}
	o.buildPersonas(r)
	return o
}

// globalRegion is the stream region that carries global-service events
// (IAM, STS global endpoint, sign-in, Organizations, Route 53, CloudFront).
// They are logged as us-east-1.
func (o *org) globalRegion() int {
	for i, r := range o.regions {
		if r == "us-east-1" {
			return i
		}
	}
	return 0
}

func (o *org) acctIdx(name string) int {
	for _, a := range o.accounts {
		if a.name == name {
			return a.idx
		}
	}
	return -1
}

func (o *org) buildPersonas(r *rand.Rand) {
	n := len(o.accounts)
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	pick := func(names ...string) []int {
		var out []int
		for _, nm := range names {
			if i := o.acctIdx(nm); i >= 0 {
				out = append(out, i)
			}
		}
		if len(out) == 0 {
			out = []int{0}
		}
		return out
	}
	nonMgmt := all
	if n > 1 {
		nonMgmt = all[1:]
	}
	ip := func() string {
		// Residential and office addresses in a few public ranges.
		bases := [][2]int{{81, 2}, {86, 12}, {92, 184}, {73, 15}, {24, 130}, {98, 207}, {151, 40}, {188, 114}, {49, 207}, {122, 161}}
		b := bases[r.IntN(len(bases))]
		return itoa(b[0]) + "." + itoa(b[1]+r.IntN(3)) + "." + itoa(r.IntN(254)+1) + "." + itoa(r.IntN(254)+1)
	}
	office := ip()
	add := func(p *persona) {
		p.idx = len(o.personas)
		if len(p.ips) == 0 && p.kind != kAppRole && p.kind != kService {
			p.ips = []string{office, ip()}
		}
		o.personas = append(o.personas, p)
	}
	cli := func(i int) []string {
		return []string{
			[]string{"aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/macos#23.3.0 md/arch#arm64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off",
				"aws-cli/2.17.2 md/awscrt#0.20.11 ua/2.0 os/linux#6.5.0-1016-aws md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.22 md/prompt#off",
				"aws-cli/2.13.5 Python/3.11.4 Darwin/22.6.0 exe/x86_64 prompt/off"}[i%3],
			"APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io) terraform-provider-aws/5.40.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.2 ua/2.0 os/linux lang/go#1.22.0 md/GOOS#linux md/GOARCH#amd64",
			"Boto3/1.34.51 md/Botocore#1.34.51 ua/2.0 os/macos#23.3.0 md/arch#arm64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.51",
		}
	}
	// IAM users: the older way in, kept for a few people and machines.
	add(&persona{kind: kIAMUser, name: "alice.nguyen", display: "Alice Nguyen", prof: profConsole, cliProb: 0.3, console: true, mfa: true, weight: 1.0, tz: 1, start: 8, end: 18, weekend: 0.03, night: 0.03, accts: pick("management", "security"), uas: cli(0)})
	add(&persona{kind: kIAMUser, name: "bob.martin", display: "Bob Martin", prof: profConsole, cliProb: 0.2, console: true, mfa: false, weight: 0.7, tz: -5, start: 9, end: 17, weekend: 0.02, night: 0.02, accts: pick("dev", "sandbox"), uas: cli(1)})
	add(&persona{kind: kIAMUser, name: "carol.diaz", display: "Carol Diaz", prof: profCLI, cliProb: 0.8, console: true, mfa: true, weight: 0.9, tz: -8, start: 9, end: 18, weekend: 0.05, night: 0.04, accts: pick("dev", "staging"), uas: cli(2)})
	add(&persona{kind: kIAMUser, name: "svc-backup", display: "svc-backup", prof: profCLI, cliProb: 1, weight: 0.6, tz: 0, start: 1, end: 4, weekend: 1, night: 0.01, accts: pick("prod"), ips: []string{"52.44.18.201"}, uas: []string{"Boto3/1.28.57 md/Botocore#1.31.57 ua/2.0 os/linux#5.10.192-183.736.amzn2.x86_64 md/arch#x86_64 lang/python#3.9.16 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.31.57"}})
	add(&persona{kind: kIAMUser, name: "terraform-legacy", display: "terraform-legacy", prof: profCLI, cliProb: 1, weight: 0.4, tz: 1, start: 9, end: 17, weekend: 0.01, night: 0.01, accts: pick("staging"), uas: []string{cli(0)[1]}})
	add(&persona{kind: kIAMUser, name: "jenkins", display: "jenkins", prof: profCI, cliProb: 1, weight: 0.5, tz: 0, start: 0, end: 24, weekend: 0.5, night: 0.6, accts: pick("dev"), ips: []string{"35.171.44.12"}, uas: []string{"aws-sdk-java/1.12.529 Linux/5.15.0-1045-aws OpenJDK_64-Bit_Server_VM/17.0.8+7-LTS java/17.0.8 vendor/Eclipse_Adoptium cfg/retry-mode/standard"}})

	// Identity Center users, the usual way in.
	sso := []struct {
		email, display, perm string
		prof                 int
		tz, start, end       int
		w                    float64
		accts                []int
	}{
		{"dana.kowalski@acme-corp.example", "Dana Kowalski", "AdministratorAccess", profConsole, 1, 8, 17, 1.4, all},
		{"erik.johansson@acme-corp.example", "Erik Johansson", "PowerUserAccess", profCLI, 1, 9, 18, 1.6, nonMgmt},
		{"farah.haddad@acme-corp.example", "Farah Haddad", "PowerUserAccess", profCLI, 0, 8, 17, 1.3, pick("dev", "staging", "prod")},
		{"george.okafor@acme-corp.example", "George Okafor", "ReadOnlyAccess", profConsole, -5, 9, 17, 0.8, all},
		{"hana.suzuki@acme-corp.example", "Hana Suzuki", "DataScientist", profCLI, 9, 9, 19, 1.0, pick("data", "dev")},
		{"ivan.petrov@acme-corp.example", "Ivan Petrov", "AdministratorAccess", profCLI, 2, 8, 18, 1.2, all},
		{"julia.santos@acme-corp.example", "Julia Santos", "PowerUserAccess", profConsole, -3, 9, 18, 0.9, pick("prod", "staging")},
		{"kiran.rao@acme-corp.example", "Kiran Rao", "SecurityAudit", profConsole, 5, 10, 19, 0.7, pick("security", "management", "prod")},
	}
	for i, s := range sso {
		add(&persona{kind: kSSO, name: s.email, display: s.display, permSet: s.perm, prof: s.prof, cliProb: map[int]float64{profConsole: 0.25, profCLI: 0.8}[s.prof], weight: s.w, tz: s.tz, start: s.start, end: s.end, weekend: 0.04, night: 0.03, accts: s.accts, uas: cli(i)})
	}
	// The deployment pipeline.
	add(&persona{kind: kCI, name: "GitHubActionsDeploy", display: "GitHub Actions", prof: profCI, cliProb: 1, weight: 1.6, tz: 1, start: 8, end: 19, weekend: 0.1, night: 0.15, accts: nonMgmt,
		ips: []string{"20.102.35.120", "4.227.210.14", "52.234.44.7", "172.183.51.86"}, uas: []string{"aws-cli/2.15.57 md/awscrt#0.19.19 ua/2.0 os/linux#6.5.0-1021-azure md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython exec-env/GitHubActions cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.22 md/prompt#off"}})
	// Application roles: code running in Lambda and on EC2.
	add(&persona{kind: kAppRole, name: "orders-lambda-role", display: "orders-lambda-role", prof: profApp, cliProb: 1, weight: 4.0, tz: 0, start: 0, end: 24, weekend: 0.7, night: 0.5, accts: pick("prod", "staging", "dev", "data"),
		uas: []string{"Boto3/1.34.51 md/Botocore#1.34.51 ua/2.0 os/linux#5.10.210-201.852.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.51", "aws-sdk-nodejs/2.1550.0 linux/v18.19.0 exec-env/AWS_Lambda_nodejs18.x promise"}})
	add(&persona{kind: kAppRole, name: "web-ec2-role", display: "web-ec2-role", prof: profApp, cliProb: 1, weight: 3.0, tz: 0, start: 0, end: 24, weekend: 0.8, night: 0.6, accts: nonMgmt,
		uas: []string{"aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/s3#1.53.0"}})
	// AWS services acting for themselves or for people.
	add(&persona{kind: kService, name: "autoscaling.amazonaws.com", display: "Auto Scaling", prof: profSvc, svcHost: "autoscaling.amazonaws.com", weight: 0.25, tz: 0, start: 0, end: 24, weekend: 1, night: 1, accts: nonMgmt})
	add(&persona{kind: kService, name: "config.amazonaws.com", display: "AWS Config", prof: profSvc, svcHost: "config.amazonaws.com", weight: 0.9, tz: 0, start: 0, end: 24, weekend: 1, night: 1, accts: all})
	add(&persona{kind: kService, name: "access-analyzer.amazonaws.com", display: "IAM Access Analyzer", prof: profSvc, svcHost: "access-analyzer.amazonaws.com", weight: 0.3, tz: 0, start: 0, end: 24, weekend: 1, night: 1, accts: all})
	add(&persona{kind: kService, name: "lambda.amazonaws.com", display: "Lambda", prof: profAWS, svcHost: "lambda.amazonaws.com", weight: 0.5, tz: 0, start: 0, end: 24, weekend: 0.7, night: 0.5, accts: pick("prod", "staging", "dev", "data")})
	// The root user, rarely.
	add(&persona{kind: kRoot, name: "root", display: "root", prof: profConsole, cliProb: 0, console: true, mfa: true, weight: 0.004, tz: 1, start: 10, end: 16, weekend: 0, night: 0, accts: pick("management")})
}

// activity is a persona's relative activity at UTC hour-of-week how
// (0 = Monday 00:00 UTC).
func (p *persona) activity(how int) float64 {
	local := (how + p.tz + 168) % 168
	day, hour := local/24, local%24
	f := 1.0
	if day >= 5 {
		f = p.weekend
	}
	in := hour >= p.start && hour < p.end
	if !in {
		f *= p.night
	} else if p.end-p.start >= 6 && p.end-p.start < 24 {
		// A dip at lunch and a slow start.
		switch {
		case hour == p.start:
			f *= 0.6
		case hour == (p.start+p.end)/2:
			f *= 0.7
		}
	}
	return p.weight * f
}

// readOnly reports whether p's permissions only read: p makes no changes,
// and its attempts fail.
func (p *persona) readOnly() bool {
	return p.permSet == "ReadOnlyAccess" || p.permSet == "SecurityAudit"
}

func (p *persona) worksIn(acct int) bool {
	for _, a := range p.accts {
		if a == acct {
			return true
		}
	}
	return false
}

// howOf returns the UTC hour of the week, Monday 00:00 = 0.
func howOf(t time.Time) int {
	wd := (int(t.Weekday()) + 6) % 7
	return wd*24 + t.Hour()
}
