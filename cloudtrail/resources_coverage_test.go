package cloudtrail_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail"
	"github.com/cairn-audit/cairn/sim"
)

// The coverage tests hold the resource table to the rule: every
// mutating event whose resource can be known must yield it. They are an
// external test package because the simulator uses cloudtrail.

// coveredSources are the services whose mutating calls the table must cover.
// Calls of other services (sign-in, CloudTrail, …) are not checked.
var coveredSources = map[string]bool{
	"ec2.amazonaws.com":                  true,
	"autoscaling.amazonaws.com":          true,
	"elasticloadbalancing.amazonaws.com": true,
	"s3.amazonaws.com":                   true,
	"iam.amazonaws.com":                  true,
	"sts.amazonaws.com":                  true,
	"rds.amazonaws.com":                  true,
	"lambda.amazonaws.com":               true,
	"dynamodb.amazonaws.com":             true,
	"ecs.amazonaws.com":                  true,
	"eks.amazonaws.com":                  true,
	"cloudformation.amazonaws.com":       true,
	"kms.amazonaws.com":                  true,
	"logs.amazonaws.com":                 true,
	// Stopping or deleting a trail is how an intruder covers their tracks.
	"cloudtrail.amazonaws.com": true,
	// After a leak: who read the secret, who pushed the image.
	"secretsmanager.amazonaws.com": true,
	"ssm.amazonaws.com":            true,
	"ecr.amazonaws.com":            true,
	"sns.amazonaws.com":            true,
	"sqs.amazonaws.com":            true,
}

// namesNoResource are the mutating calls of those services that truly name
// no resource: they change an account-wide setting or the caller's own
// credentials (the principal says who). Keep each with its reason.
var namesNoResource = map[string]string{
	// The caller changes their own password: the user is the principal.
	"iam.amazonaws.com:ChangePassword": "caller's own password",
	// The SSM agent reporting its own instance every five minutes: the
	// instance is the caller (its role session is named after it), and why
	// reads these calls apart; as resources they would bury its timeline.
	"ssm.amazonaws.com:UpdateInstanceInformation": "the instance reporting itself",
	// Account-wide settings.
	"iam.amazonaws.com:UpdateAccountPasswordPolicy":        "account setting",
	"iam.amazonaws.com:DeleteAccountPasswordPolicy":        "account setting",
	"iam.amazonaws.com:CreateAccountAlias":                 "account setting",
	"iam.amazonaws.com:DeleteAccountAlias":                 "account setting",
	"iam.amazonaws.com:SetSecurityTokenServicePreferences": "account setting",
	"iam.amazonaws.com:GenerateCredentialReport":           "account-wide report",
	"ec2.amazonaws.com:EnableEbsEncryptionByDefault":       "account setting",
	"ec2.amazonaws.com:DisableEbsEncryptionByDefault":      "account setting",
	"ec2.amazonaws.com:ModifyEbsDefaultKmsKeyId":           "account setting",
	"ec2.amazonaws.com:ResetEbsDefaultKmsKeyId":            "account setting",
	"ec2.amazonaws.com:EnableSerialConsoleAccess":          "account setting",
	"ec2.amazonaws.com:DisableSerialConsoleAccess":         "account setting",
	"ec2.amazonaws.com:EnableImageBlockPublicAccess":       "account setting",
	"ec2.amazonaws.com:DisableImageBlockPublicAccess":      "account setting",
	"ec2.amazonaws.com:EnableSnapshotBlockPublicAccess":    "account setting",
	"ec2.amazonaws.com:DisableSnapshotBlockPublicAccess":   "account setting",
	"ec2.amazonaws.com:ModifyInstanceMetadataDefaults":     "account setting",
	"ec2.amazonaws.com:ModifyIdFormat":                     "account setting",
	"ec2.amazonaws.com:ModifyIdentityIdFormat":             "account setting",
	"ec2.amazonaws.com:ModifyAvailabilityZoneGroup":        "account setting",
	"s3.amazonaws.com:PutAccountPublicAccessBlock":         "account setting",
	"s3.amazonaws.com:DeleteAccountPublicAccessBlock":      "account setting",
	"ecs.amazonaws.com:PutAccountSetting":                  "account setting",
	"ecs.amazonaws.com:PutAccountSettingDefault":           "account setting",
	"ecs.amazonaws.com:DeleteAccountSetting":               "account setting",
	"logs.amazonaws.com:PutAccountPolicy":                  "account setting",
	"logs.amazonaws.com:DeleteAccountPolicy":               "account setting",
	"logs.amazonaws.com:PutResourcePolicy":                 "account-wide resource policy",
	"logs.amazonaws.com:DeleteResourcePolicy":              "account-wide resource policy",
	"rds.amazonaws.com:ModifyCertificates":                 "account setting",
	// Calls about the caller, or that use no stored resource.
	"sts.amazonaws.com:GetCallerIdentity": "asks who the caller is",
	"kms.amazonaws.com:GenerateRandom":    "uses no key",
	// CloudFormation's registry of extension types, not stacks.
	"cloudformation.amazonaws.com:RegisterType":                  "extension registry",
	"cloudformation.amazonaws.com:DeregisterType":                "extension registry",
	"cloudformation.amazonaws.com:ActivateType":                  "extension registry",
	"cloudformation.amazonaws.com:DeactivateType":                "extension registry",
	"cloudformation.amazonaws.com:SetTypeConfiguration":          "extension registry",
	"cloudformation.amazonaws.com:SetTypeDefaultVersion":         "extension registry",
	"cloudformation.amazonaws.com:ActivateOrganizationsAccess":   "organization setting",
	"cloudformation.amazonaws.com:DeactivateOrganizationsAccess": "organization setting",
}

// callCoverage counts the mutating records of one call.
type callCoverage struct {
	records, withResources int // successful calls
	failed, failedWith     int // calls with an errorCode: what they would have created is unknown
}

// coverage counts mutating records of the covered services by
// eventSource:eventName.
type coverage struct {
	calls map[string]*callCoverage
	other int // mutating records of other services
}

func newCoverage() *coverage { return &coverage{calls: map[string]*callCoverage{}} }

func (c *coverage) add(ev *cairn.Event) {
	if ev.ReadOnly != cairn.BoolFalse {
		return
	}
	if !coveredSources[ev.EventSource] {
		c.other++
		return
	}
	k := ev.EventSource + ":" + ev.EventName
	cc := c.calls[k]
	if cc == nil {
		cc = &callCoverage{}
		c.calls[k] = cc
	}
	has := len(ev.Resources) > 0
	switch {
	case ev.ErrorCode != "":
		cc.failed++
		if has {
			cc.failedWith++
		}
	default:
		cc.records++
		if has {
			cc.withResources++
		}
	}
}

// gaps returns the calls whose successful records yielded no resource at
// all, and the number of successful records without resources (allow-listed
// calls left out of both).
func (c *coverage) gaps() (names []string, records, total int) {
	for k, cc := range c.calls {
		if _, ok := namesNoResource[k]; ok {
			continue
		}
		total += cc.records
		records += cc.records - cc.withResources
		if cc.records > 0 && cc.withResources == 0 {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return names, records, total
}

// table formats the coverage, one line per call.
func (c *coverage) table() string {
	var b strings.Builder
	keys := make([]string, 0, len(c.calls))
	for k := range c.calls {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	fmt.Fprintf(&b, "\n%-75s %9s %9s %7s  %s\n", "eventSource:eventName", "mutating", "with res", "share", "failed calls (with res)")
	var n, with int
	for _, k := range keys {
		cc := c.calls[k]
		n += cc.records
		with += cc.withResources
		share := "-"
		if cc.records > 0 {
			share = fmt.Sprintf("%.1f%%", 100*float64(cc.withResources)/float64(cc.records))
		}
		note := ""
		if cc.failed > 0 {
			note = fmt.Sprintf("%d (%d)", cc.failed, cc.failedWith)
		}
		if why, ok := namesNoResource[k]; ok {
			note += "  allowed: " + why
		}
		fmt.Fprintf(&b, "%-75s %9d %9d %7s  %s\n", k, cc.records, cc.withResources, share, note)
	}
	if n > 0 {
		fmt.Fprintf(&b, "%-75s %9d %9d %6.1f%%  (%d mutating records of other services not checked)\n", "total", n, with, 100*float64(with)/float64(n), c.other)
	}
	return b.String()
}

// readTrail reads every CloudTrail log file under dir into cov. Files that
// are not CloudTrail records (digests, EventBridge events, cost reports) are
// skipped, and so are files the reader refuses; undecodable records are
// skipped one by one.
func readTrail(t *testing.T, dir string, cov *coverage) (files, skipped, badRecords int) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Logf("skip %s: %v", path, err)
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		read, bad, err := readTrailFile(path, cov)
		switch {
		case err != nil:
			t.Logf("skip %s: %v", path, err)
			skipped++
		case !read:
			skipped++
		default:
			files++
		}
		badRecords += bad
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, skipped, badRecords
}

func readTrailFile(path string, cov *coverage) (read bool, badRecords int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return false, 0, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, cloudtrail.SniffSize)
	head, _ := br.Peek(cloudtrail.SniffSize)
	if kind, _ := cloudtrail.Sniff(head); kind != cloudtrail.ContentRecords {
		return false, 0, nil
	}
	r, err := cloudtrail.NewReader(br)
	if err != nil {
		return false, 0, err
	}
	defer r.Close()
	for {
		ev, err := r.NextEvent()
		if err == io.EOF {
			return true, badRecords, nil
		}
		var re *cloudtrail.RecordError
		if errors.As(err, &re) {
			badRecords++
			continue
		}
		if err != nil {
			return true, badRecords, err
		}
		cov.add(&ev)
	}
}

// TestResourceCoverageSimulator checks the table against a simulated
// organisation: every mutating call of the covered services that succeeded
// must yield a resource in at least one of its records.
func TestResourceCoverageSimulator(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a simulated organisation")
	}
	cfg := sim.DefaultConfig()
	cfg.Out = t.TempDir()
	cfg.Days = 3
	cfg.Events = 60_000
	cfg.Seed = 7
	cfg.NoCost = true
	cfg.Delivery = time.Hour // fewer, larger files: the same records
	if _, err := sim.Generate(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	cov := newCoverage()
	files, _, bad := readTrail(t, filepath.Join(cfg.Out, "AWSLogs"), cov)
	if files == 0 || bad > 0 {
		t.Fatalf("read %d log files, %d undecodable records", files, bad)
	}
	t.Logf("%d log files; mutating calls of the covered services:%s", files, cov.table())
	names, records, total := cov.gaps()
	for _, k := range names {
		t.Errorf("%s: no record yields a resource; add a rule (or, if the call truly names none, list it in namesNoResource)", k)
	}
	if records > 0 {
		t.Logf("%d of %d successful mutating records yield no resource", records, total)
	}
	for k, cc := range cov.calls {
		if _, ok := namesNoResource[k]; ok && cc.withResources > 0 {
			t.Errorf("%s is allow-listed as naming no resource, but %d records yield one", k, cc.withResources)
		}
	}
}

// maxCorpusGap is the share of successful mutating records of the covered
// services that may yield no resource in the real corpus. Real trails hold
// calls that nobody here has seen; a new one is logged, and only a broad
// gap fails.
const maxCorpusGap = 0.02

// TestResourceCoverageCorpus reports the table's coverage over the real
// corpus ($CAIRN_CORPUS): the calls that yield nothing are logged, and the
// test fails when more than maxCorpusGap of the records are without
// resources.
func TestResourceCoverageCorpus(t *testing.T) {
	root := os.Getenv("CAIRN_CORPUS")
	if root == "" {
		t.Skip("CAIRN_CORPUS is not set; .ci/run sets it to ../shared/corpus")
	}
	dir := filepath.Join(root, "cloudtrail")
	if _, err := os.Stat(dir); err != nil {
		dir = root
	}
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CAIRN_REQUIRE_CORPUS") == "1" {
			t.Fatalf("no corpus at %s: %v", dir, err)
		}
		t.Skipf("no corpus at %s", dir)
	}
	cov := newCoverage()
	files, skipped, bad := readTrail(t, dir, cov)
	t.Logf("corpus %s: %d CloudTrail files read, %d other files skipped, %d undecodable records skipped", dir, files, skipped, bad)
	t.Logf("mutating calls of the covered services:%s", cov.table())
	names, records, total := cov.gaps()
	if total == 0 {
		t.Log("the corpus holds no successful mutating call of the covered services")
		return
	}
	for _, k := range names {
		cc := cov.calls[k]
		t.Logf("gap: %s yields no resource in %d records", k, cc.records)
	}
	share := float64(records) / float64(total)
	msg := fmt.Sprintf("%d of %d successful mutating records (%.2f%%) of the covered services yield no resource", records, total, 100*share)
	if share > maxCorpusGap {
		t.Errorf("%s; at most %.0f%% may: add rules for the gaps above", msg, 100*maxCorpusGap)
	} else {
		t.Log(msg)
	}
}
