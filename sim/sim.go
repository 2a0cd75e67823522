// Package sim is the simulated organisation behind `cairn gen` and
// `cairn serve -demo`: a deterministic generator of what AWS would deliver
// for a small company over a period, realistic enough to test, demonstrate
// and benchmark cairn without anyone's private CloudTrail.
//
// Generate writes, under Config.Out:
//
//	AWSLogs/<o-id>/<account>/CloudTrail/<region>/YYYY/MM/DD/
//	    <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 chars>.json.gz
//	                                 CloudTrail log files, {"Records":[…]}, one
//	                                 per account and region per 5 minutes
//	                                 (Config.Delivery) with activity, the name
//	                                 carrying the delivery time; records
//	                                 unordered within a file;
//	                                 about 0.1% of records delivered a second
//	                                 time (same eventID) in a later file.
//	health/aws.health.jsonl          AWS Health events in EventBridge form
//	                                 ("source":"aws.health"), JSON lines.
//	health/aws.ec2.jsonl             EC2 Instance State-change Notifications
//	                                 ("source":"aws.ec2"), JSON lines.
//	scenarios.json                   the scripted incidents and their ground
//	                                 truth (see Scenario): an API reboot, a
//	                                 restart by hardware failure with no API
//	                                 call, a scheduled retirement, a leaked
//	                                 access key used at night, logging stopped
//	                                 (StopLogging, DeleteTrail), a cost spike.
//	cost/cur/cairn-sim-cur/YYYYMMDD-YYYYMMDD/<assemblyId>/cairn-sim-cur-1.csv.gz
//	cost/cur/cairn-sim-cur/YYYYMMDD-YYYYMMDD/<assemblyId>/cairn-sim-cur-Manifest.json
//	cost/cur/cairn-sim-cur/YYYYMMDD-YYYYMMDD/cairn-sim-cur-Manifest.json
//	                                 the legacy hourly Cost and Usage Report
//	                                 with resource IDs, one per billing month,
//	                                 and its manifest (also the latest copy).
//	cost/focus/cairn-sim-focus/data/BILLING_PERIOD=YYYY-MM/cairn-sim-focus-00001.csv.gz
//	                                 the same line items as a FOCUS 1.0 export
//	                                 (gzip CSV, as AWS Data Exports writes it).
//
// Every record has the fields CloudTrail always writes; eventVersion is
// 1.09, 1.10 or 1.11 by service; eventIDs are version-4 UUIDs from the
// seeded generator. Health events' startTime and endTime use the RFC 1123
// form AWS Health uses ("Tue, 17 Feb 2026 09:05:28 GMT").
//
// The organisation has several accounts (management, prod, staging, dev, …)
// and regions, and about twenty principals: IAM users with and without
// console access and MFA, Identity Center users who arrive through
// AssumeRoleWithSAML sessions named by their e-mail, a GitHub Actions role
// (sessions gha-run-N with a sourceIdentity), Lambda and EC2 application
// roles, AWS services (Auto Scaling, AWS Config, CloudFormation acting for
// the person who created a stack) and, rarely, root. People keep working
// hours in their own time zones.
//
// Generation is split into independent streams, one per account and region,
// each with its own seeded PCG generator and its own live resource state,
// so streams run in parallel and the output is the same bytes for the same
// Config whatever the scheduling. Values that several streams must agree on
// (a person's session of the day, a CI run) are hashes of their coordinates.
// Global services (IAM, STS, sign-in, Organizations, Route 53, CloudFront)
// are logged as us-east-1 in the stream of the us-east-1 region, or of the
// first region when us-east-1 is not simulated.
//
// Memory is bounded: a stream keeps one delivery's file in memory and its
// live resources, and a goroutine of its own writes finished files; resource
// lifecycles are paced by time, not by the event count, so -events only
// changes the volume of ordinary calls (and the cost report does not grow
// with it). Sign-ins, lifecycles and incidents are written whatever -events
// says: below about 130 records a day (the default organisation) they are
// all there is, and the statistics say so.
//
// Generate writes into a new or empty folder, or, with Config.Replace, over
// an earlier generation: never among other files (see outdir.go).
package sim

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Config says what to simulate.
type Config struct {
	Out  string // output directory: new, empty, or an earlier generation to Replace
	Days int    // length of the period
	// Events is how many records to write (duplicate deliveries aside).
	// Sign-ins, resource lifecycles and the scripted incidents are part of
	// it and are written whatever its value: they set a floor of about 130
	// records a day for the default organisation, and ordinary calls fill
	// the rest.
	Events   int64
	Seed     int64    // the same seed and config give the same bytes
	Accounts int      // number of accounts in the organisation
	Regions  []string // regions simulated; global services are logged as us-east-1
	// Start is the beginning of the period. The zero value means Days days
	// before DefaultEnd, so output never depends on the clock.
	Start time.Time
	// Delivery is how often a log file is delivered per account and region
	// with activity: CloudTrail's "about every 5 minutes" by default. Longer
	// intervals give fewer, larger files.
	Delivery time.Duration
	// Workers is how many streams run at once; 0 means GOMAXPROCS.
	Workers int
	// NoCost skips the cost report.
	NoCost bool
	// Replace lets Generate remove an earlier generation from Out before
	// writing; without it Generate refuses an Out that holds anything.
	Replace bool
	// Digests writes the trail's digest files too, hourly per account and
	// region, signed with a key made from the seed whose public half is
	// written to Out/digest-public-key.pem.
	Digests bool

	discard bool // compress log files but do not write them (benchmarks)
}

// DefaultEnd is the end of the simulated period when Config.Start is zero.
var DefaultEnd = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)

// ErrInvalidConfig is returned by Validate.
var ErrInvalidConfig = errors.New("invalid simulation config")

// DefaultConfig returns a month (March 2026) of a small organisation.
func DefaultConfig() Config {
	return Config{
		Out:      "",
		Days:     31,
		Events:   500_000,
		Seed:     1,
		Accounts: 4,
		Regions:  []string{"us-east-1", "us-west-2", "eu-west-1"},
		Delivery: 5 * time.Minute,
	}
}

// RegisterFlags binds the config to flags: -out, -days, -events, -seed,
// -accounts, -regions, -start, -delivery, -workers, -no-cost, -replace,
// -digests.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Out, "out", c.Out, "output `directory`: new, empty, or an earlier generation to -replace")
	fs.IntVar(&c.Days, "days", c.Days, "days to simulate")
	fs.Int64Var(&c.Events, "events", c.Events, "`number` of events to write; sign-ins, resource lifecycles and the scripted incidents\n"+
		"count among them and are written whatever the number (about 130 a day for the default organisation)")
	fs.Int64Var(&c.Seed, "seed", c.Seed, "random seed: the same seed gives the same output")
	fs.IntVar(&c.Accounts, "accounts", c.Accounts, "number of accounts")
	fs.Func("regions", "comma-separated `list` of regions (default "+strings.Join(c.Regions, ",")+")", func(s string) error {
		c.Regions = nil
		for _, r := range strings.Split(s, ",") {
			if r = strings.TrimSpace(r); r != "" {
				c.Regions = append(c.Regions, r)
			}
		}
		return nil
	})
	fs.Func("start", "start of the period, a date or RFC 3339 time (default: -days before "+DefaultEnd.Format(time.DateOnly)+")", func(s string) error {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			if t, err = time.Parse(time.DateOnly, s); err != nil {
				return fmt.Errorf("%q is not a date (2026-03-01) or an RFC 3339 time (2026-03-01T00:00:00Z)", s)
			}
		}
		c.Start = t.UTC()
		return nil
	})
	fs.DurationVar(&c.Delivery, "delivery", c.Delivery, "log file delivery `interval` per account and region (1m to 1h)")
	fs.IntVar(&c.Workers, "workers", c.Workers, "streams generated at once (0: one per CPU)")
	fs.BoolVar(&c.NoCost, "no-cost", c.NoCost, "skip the cost report")
	fs.BoolVar(&c.Replace, "replace", c.Replace, "remove an earlier generation from the -out directory before writing")
	fs.BoolVar(&c.Digests, "digests", c.Digests, "write the trail's digest files too, hourly per account and region, signed with a key\n"+
		"whose public half goes to DIR/"+digestKeyFile+" (for cairn verify -public-key)")
}

// Validate checks the config.
func (c *Config) Validate() error {
	switch {
	case c.Out == "":
		return fmt.Errorf("%w: -out is required: the directory to write into", ErrInvalidConfig)
	case c.Days < 1 || c.Days > 3660:
		return fmt.Errorf("%w: -days %d: use 1 to 3660", ErrInvalidConfig, c.Days)
	case c.Events < 0:
		return fmt.Errorf("%w: -events %d: must not be negative", ErrInvalidConfig, c.Events)
	case c.Accounts < 1 || c.Accounts > 100:
		return fmt.Errorf("%w: -accounts %d: use 1 to 100", ErrInvalidConfig, c.Accounts)
	case len(c.Regions) == 0:
		return fmt.Errorf("%w: -regions is empty: name at least one region, e.g. us-east-1", ErrInvalidConfig)
	case c.Delivery != 0 && (c.Delivery < time.Minute || c.Delivery > time.Hour || time.Hour%c.Delivery != 0):
		return fmt.Errorf("%w: -delivery %s: use an interval from 1m to 1h that divides an hour, e.g. 5m", ErrInvalidConfig, c.Delivery)
	case c.Workers < 0:
		return fmt.Errorf("%w: -workers %d: must not be negative", ErrInvalidConfig, c.Workers)
	}
	seen := map[string]bool{}
	for _, r := range c.Regions {
		if !validRegion(r) {
			return fmt.Errorf("%w: region %q does not look like an AWS region (e.g. eu-west-1)", ErrInvalidConfig, r)
		}
		if seen[r] {
			return fmt.Errorf("%w: region %q listed twice", ErrInvalidConfig, r)
		}
		seen[r] = true
	}
	return nil
}

func validRegion(r string) bool {
	parts := strings.Split(r, "-")
	if len(parts) < 3 {
		return false
	}
	for _, c := range r {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func (c *Config) normalise() {
	if c.Start.IsZero() {
		c.Start = DefaultEnd.Add(-time.Duration(c.Days) * 24 * time.Hour)
	}
	if c.Delivery == 0 {
		c.Delivery = 5 * time.Minute
	}
	c.Start = c.Start.UTC().Truncate(c.Delivery)
	if c.Workers == 0 {
		// Each stream writes its log files on a goroutine of its own.
		c.Workers = runtime.GOMAXPROCS(0)
	}
}

// Period returns the simulated period [start, end) that Generate covers.
func (c Config) Period() (start, end time.Time) {
	c.normalise()
	return c.Start, c.Start.Add(time.Duration(c.Days) * 24 * time.Hour)
}

// Generate writes the simulated organisation's data under cfg.Out and
// returns statistics about it. It is deterministic for a Config.
func Generate(ctx context.Context, cfg Config) (*Stats, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.normalise()
	if err := prepareOut(&cfg); err != nil {
		return nil, err
	}
	began := time.Now()
	user0, sys0 := processCPU()
	o := newOrg(&cfg)
	plan := planScenarios(o, &cfg)
	streams := newStreams(o, &cfg, plan)
	if cfg.Digests && !cfg.discard {
		signer, err := newDigestSigner(o, &cfg)
		if err != nil {
			return nil, err
		}
		for _, s := range streams {
			s.digests = newStreamDigests(signer, s)
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		firstEr error
		next    = make(chan *stream)
	)
	for w := 0; w < min(cfg.Workers, len(streams)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range next {
				if err := s.run(ctx); err != nil {
					mu.Lock()
					if firstEr == nil {
						firstEr = err
						cancel()
					}
					mu.Unlock()
				}
			}
		}()
	}
	// The busiest streams start first, so that the last ones to finish are
	// short and no core waits long for the others at the end.
	order := slices.Clone(streams)
	slices.SortStableFunc(order, func(a, b *stream) int { return cmp.Compare(b.budget, a.budget) })
feed:
	for _, s := range order {
		select {
		case next <- s:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstEr != nil {
		return nil, firstEr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	st := newStats()
	for _, s := range streams {
		st.merge(&s.stats)
	}
	if err := writeSideFiles(&cfg, streams, st); err != nil {
		return nil, err
	}
	if !cfg.NoCost {
		if err := writeCost(o, &cfg, streams, st); err != nil {
			return nil, err
		}
	}
	st.Elapsed = time.Since(began)
	user1, sys1 := processCPU()
	st.UserCPU, st.SystemCPU = user1-user0, sys1-sys0
	st.Out, st.Asked = cfg.Out, cfg.Events
	return st, nil
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
