package cloudtrail

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParseKey(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want KeyInfo
	}{
		{"AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz", KeyInfo{
			Kind: KeyLog, Account: "111122223333", Region: "us-east-2", Date: day(2015, 8, 1),
			Time: time.Date(2015, 8, 1, 2, 10, 0, 0, time.UTC), Unique: "Mu0KsOhtH1ar15ZZ",
		}},
		{"my/prefix/AWSLogs/o-exampleorgid/111122223333/CloudTrail/eu-west-1/2024/02/29/111122223333_CloudTrail_eu-west-1_20240229T2355Z_abcdefghijklmnop.json.gz", KeyInfo{
			Kind: KeyLog, Prefix: "my/prefix", OrgID: "o-exampleorgid", Account: "111122223333", Region: "eu-west-1", Date: day(2024, 2, 29),
			Time: time.Date(2024, 2, 29, 23, 55, 0, 0, time.UTC), Unique: "abcdefghijklmnop",
		}},
		{"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz", KeyInfo{
			Kind: KeyDigest, Account: "111122223333", Region: "us-east-2", Date: day(2015, 8, 17),
			Time: time.Date(2015, 8, 17, 15, 1, 31, 0, time.UTC), TrailName: "your-trail-name", HomeRegion: "us-east-2",
		}},
		{"p/AWSLogs/o-abc/111122223333/CloudTrail-Digest/ap-south-1/2025/01/02/111122223333_CloudTrail-Digest_ap-south-1_org_trail_v2_us-east-1_20250102T030405Z_backfill.json.gz", KeyInfo{
			Kind: KeyDigest, Prefix: "p", OrgID: "o-abc", Account: "111122223333", Region: "ap-south-1", Date: day(2025, 1, 2),
			Time: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), TrailName: "org_trail_v2", HomeRegion: "us-east-1", Backfill: true,
		}},
		{"AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2024/05/06/111122223333_CloudTrail-Insight_us-east-1_20240506T0700Z_r4nd0m.json.gz", KeyInfo{
			Kind: KeyInsight, Account: "111122223333", Region: "us-east-1", Date: day(2024, 5, 6),
			Time: time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC), Unique: "r4nd0m",
		}},
		// Layout folders, odd file name: the kind stands, the name's fields are empty.
		{"AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/06/export.json", KeyInfo{
			Kind: KeyLog, Account: "111122223333", Region: "us-east-1", Date: day(2024, 5, 6),
		}},
		// A local path mirroring a bucket.
		{"/data/trail/AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/06/111122223333_CloudTrail_us-east-1_20240506T0700Z_x.json.gz", KeyInfo{
			Kind: KeyLog, Prefix: "/data/trail", Account: "111122223333", Region: "us-east-1", Date: day(2024, 5, 6),
			Time: time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC), Unique: "x",
		}},
	} {
		t.Run(tc.key, func(t *testing.T) {
			if d := cmp.Diff(tc.want, ParseKey(tc.key)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	for _, other := range []string{
		"",
		"README.md",
		"AWSLogs/",
		"AWSLogs/111122223333/",
		"AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/06/",
		"AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/06/file.txt",
		"AWSLogs/111122223333/CloudTrail/us-east-1/2024/13/06/x.json.gz",
		"AWSLogs/1111/CloudTrail/us-east-1/2024/05/06/x.json.gz",
		"AWSLogs/111122223333/Config/us-east-1/2024/05/06/x.json.gz",
		"AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/06/extra/x.json.gz",
		"notAWSLogs/111122223333/CloudTrail/us-east-1/2024/05/06/x.json.gz",
		"AWSLogs/111122223333/CloudTrail//2024/05/06/x.json.gz",
	} {
		if got := ParseKey(other); got.Kind != KeyOther {
			t.Errorf("ParseKey(%q).Kind = %v, want other", other, got.Kind)
		}
	}
}

func TestParseDayFolder(t *testing.T) {
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for prefix, want := range map[string]KeyInfo{
		"AWSLogs/o-abc/111122223333/CloudTrail/us-east-1/2026/03/01/":    {Kind: KeyLog, OrgID: "o-abc", Account: "111122223333", Region: "us-east-1", Date: day},
		"trails/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/01":    {Kind: KeyLog, Prefix: "trails", Account: "111122223333", Region: "eu-west-1", Date: day},
		"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/03/01/":   {Kind: KeyDigest, Account: "111122223333", Region: "us-east-1", Date: day},
		"AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/":             {},
		"AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/01/extra/":    {},
		"AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/01/x.json.gz": {},
		"exports/2026/03/01/": {},
	} {
		got, ok := ParseDayFolder(prefix)
		if ok != (want != KeyInfo{}) || got != want {
			t.Errorf("ParseDayFolder(%q) = %+v, %v; want %+v", prefix, got, ok, want)
		}
	}
}

func TestParseDateFolder(t *testing.T) {
	date := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	for prefix, want := range map[string][2]time.Time{
		"AWSLogs/o-abc/111122223333/CloudTrail/us-east-1/2024/02/29/": {date(2024, 2, 29), date(2024, 3, 1)},
		"trails/AWSLogs/111122223333/CloudTrail/eu-west-1/2024/02":    {date(2024, 2, 1), date(2024, 3, 1)},
		"AWSLogs/111122223333/CloudTrail/eu-west-1/2025/12/":          {date(2025, 12, 1), date(2026, 1, 1)},
		"AWSLogs/111122223333/CloudTrail/eu-west-1/2025/":             {date(2025, 1, 1), date(2026, 1, 1)},
		"AWSLogs/111122223333/CloudTrail/eu-west-1/":                  {},
		"AWSLogs/111122223333/CloudTrail/eu-west-1/2025/13/":          {},
		"AWSLogs/111122223333/CloudTrail/eu-west-1/25/":               {},
		"AWSLogs/111122223333/CloudTrail/eu-west-1/2025/03/01/extra/": {},
		"exports/2025/03/": {},
	} {
		from, until, ok := ParseDateFolder(prefix)
		if ok != !want[0].IsZero() || !from.Equal(want[0]) || !until.Equal(want[1]) {
			t.Errorf("ParseDateFolder(%q) = %v, %v, %v; want %v", prefix, from, until, ok, want)
		}
	}
}

func TestLayout(t *testing.T) {
	l := Layout{Prefix: "my/prefix/", OrgID: "o-exampleorgid"}
	d := time.Date(2024, 2, 29, 23, 55, 42, 0, time.UTC)
	for _, tc := range []struct{ got, want string }{
		{l.AccountPrefix(""), "my/prefix/AWSLogs/o-exampleorgid/"},
		{l.AccountPrefix("111122223333"), "my/prefix/AWSLogs/o-exampleorgid/111122223333/"},
		{l.ListPrefix(KeyLog, "111122223333", "", time.Time{}), "my/prefix/AWSLogs/o-exampleorgid/111122223333/CloudTrail/"},
		{l.ListPrefix(KeyLog, "111122223333", "eu-west-1", time.Time{}), "my/prefix/AWSLogs/o-exampleorgid/111122223333/CloudTrail/eu-west-1/"},
		{l.ListPrefix(KeyDigest, "111122223333", "eu-west-1", d), "my/prefix/AWSLogs/o-exampleorgid/111122223333/CloudTrail-Digest/eu-west-1/2024/02/29/"},
		{Layout{}.ListPrefix(KeyInsight, "111122223333", "us-east-1", d), "AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2024/02/29/"},
		{Layout{}.LogKey("111122223333", "us-east-2", time.Date(2015, 8, 1, 2, 10, 59, 0, time.UTC), "Mu0KsOhtH1ar15ZZ"),
			"AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz"},
		{Layout{}.DigestKey("111122223333", "us-east-2", "your-trail-name", "us-east-2", time.Date(2015, 8, 17, 15, 1, 31, 0, time.UTC), false),
			"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz"},
	} {
		if tc.got != tc.want {
			t.Errorf("got  %s\nwant %s", tc.got, tc.want)
		}
	}
	// Keys built by a Layout parse back.
	k := l.DigestKey("111122223333", "eu-west-1", "a_b", "us-east-1", d, true)
	info := ParseKey(k)
	if info.Kind != KeyDigest || info.Layout() != (Layout{Prefix: "my/prefix", OrgID: "o-exampleorgid"}) || info.TrailName != "a_b" ||
		info.HomeRegion != "us-east-1" || !info.Backfill || !info.Time.Equal(d) {
		t.Errorf("round trip of %s: %+v", k, info)
	}
}

func FuzzParseKey(f *testing.F) {
	for _, s := range []string{
		"AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz",
		"p/AWSLogs/o-abc/111122223333/CloudTrail-Digest/ap-south-1/2025/01/02/111122223333_CloudTrail-Digest_ap-south-1_org_trail_v2_us-east-1_20250102T030405Z_backfill.json.gz",
		"AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2024/05/06/111122223333_CloudTrail-Insight_us-east-1_20240506T0700Z_r4nd0m.json.gz",
		"AWSLogs/AWSLogs/", "xAWSLogs/AWSLogs/1/", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		info := ParseKey(key)
		if info.Kind == KeyOther {
			if info != (KeyInfo{}) {
				t.Fatalf("other key with fields: %+v", info)
			}
			return
		}
		if !isAccountID(info.Account) || info.Region == "" || info.Date.IsZero() {
			t.Fatalf("incomplete %+v", info)
		}
		// The listing prefix (below the key prefix) of a parsed key leads to it.
		p := Layout{OrgID: info.OrgID}.ListPrefix(info.Kind, info.Account, info.Region, info.Date)
		if !strings.Contains(key, p) {
			t.Fatalf("ListPrefix %q does not lead to %q", p, key)
		}
		// Its folder is a day folder that reads the same.
		dir := key[:strings.LastIndexByte(key, '/')+1]
		folder, ok := ParseDayFolder(dir)
		want := KeyInfo{Kind: info.Kind, Prefix: info.Prefix, OrgID: info.OrgID, Account: info.Account, Region: info.Region, Date: info.Date}
		if !ok || folder != want {
			t.Fatalf("ParseDayFolder(%q) = %+v, %v; want %+v", dir, folder, ok, want)
		}
		// Its day, month and year folders hold its date, so that ingest's
		// Since never leaves out a folder with a later day in it.
		for f := dir; ; {
			from, until, ok := ParseDateFolder(f)
			if !ok {
				break
			}
			if info.Date.Before(from) || !info.Date.Before(until) {
				t.Fatalf("ParseDateFolder(%q) = %v to %v, which leaves out %v", f, from, until, info.Date)
			}
			f = f[:strings.LastIndexByte(strings.TrimSuffix(f, "/"), '/')+1]
		}
	})
}
