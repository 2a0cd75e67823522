package cloudtrail

import (
	"strings"
	"time"
)

// KeyKind is what a key of a trail's bucket holds, judged by its layout.
type KeyKind int

const (
	KeyOther   KeyKind = iota // not in a trail's layout
	KeyLog                    // AWSLogs/…/CloudTrail/…
	KeyDigest                 // AWSLogs/…/CloudTrail-Digest/…
	KeyInsight                // AWSLogs/…/CloudTrail-Insight/…
)

func (k KeyKind) String() string {
	switch k {
	case KeyLog:
		return "log"
	case KeyDigest:
		return "digest"
	case KeyInsight:
		return "insight"
	}
	return "other"
}

// dirName is the folder of each kind under the account.
func (k KeyKind) dirName() string {
	switch k {
	case KeyLog:
		return "CloudTrail"
	case KeyDigest:
		return "CloudTrail-Digest"
	case KeyInsight:
		return "CloudTrail-Insight"
	}
	return ""
}

// KeyInfo is what a key says about its object (format reference §2):
//
//	[Prefix/]AWSLogs/[OrgID/]Account/CloudTrail/Region/YYYY/MM/DD/Account_CloudTrail_Region_YYYYMMDDTHHmmZ_Unique.json.gz
//	[Prefix/]AWSLogs/[OrgID/]Account/CloudTrail-Digest/Region/YYYY/MM/DD/Account_CloudTrail-Digest_Region_Trail_HomeRegion_YYYYMMDDTHHMMSSZ[_backfill].json.gz
type KeyInfo struct {
	Kind KeyKind
	// Prefix is the trail's S3KeyPrefix: everything before "AWSLogs/",
	// without the trailing slash.
	Prefix  string
	OrgID   string // o-…, for organization trails
	Account string
	Region  string // the delivering region
	Date    time.Time
	// Time is the time in the file name: the delivery time (to the minute)
	// of a log or Insights file, the end time (to the second) of a digest.
	// Zero when the file name does not follow the layout.
	Time time.Time
	// Unique is the log file name's random part.
	Unique string
	// TrailName and HomeRegion come from digest file names.
	TrailName  string
	HomeRegion string
	// Backfill marks a backfill digest (…_backfill.json.gz).
	Backfill bool
}

// Layout returns the layout the key belongs to.
func (k KeyInfo) Layout() Layout { return Layout{Prefix: k.Prefix, OrgID: k.OrgID} }

// ParseKey reads a key of a trail's bucket (or a path below a folder that
// mirrors one). Kind is KeyOther unless the folders follow the layout and the
// file name ends in .json.gz or .json; the file name's fields are filled when
// it follows the layout too.
func ParseKey(key string) KeyInfo {
	info, kind, name, ok := parseFolders(key)
	if !ok {
		return KeyInfo{}
	}
	base, ok := strings.CutSuffix(name, ".json.gz")
	if !ok {
		if base, ok = strings.CutSuffix(name, ".json"); !ok {
			return KeyInfo{}
		}
	}
	info.Kind = kind
	parseFileName(&info, base)
	return info
}

// ParseDayFolder reads a folder that holds one day of an account's files
// in one region (…AWSLogs/[o-…/]account/CloudTrail/region/YYYY/MM/DD/,
// the trailing slash optional): the fields that ParseKey reads from the
// folders of the files in it. ok is false for any other folder.
func ParseDayFolder(prefix string) (info KeyInfo, ok bool) {
	info, kind, name, ok := parseFolders(strings.TrimSuffix(prefix, "/") + "/")
	if !ok || name != "" {
		return KeyInfo{}, false
	}
	info.Kind = kind
	return info, true
}

// ParseDateFolder reads a folder that holds a year, a month or a day of an
// account's files in one region (…/region/YYYY/, …/region/YYYY/MM/ or
// …/region/YYYY/MM/DD/ in the layout, the trailing slash optional), and
// returns the days it holds: from its first up to, not including, until.
// ok is false for any other folder.
func ParseDateFolder(prefix string) (from, until time.Time, ok bool) {
	prefix = strings.TrimSuffix(prefix, "/") + "/"
	// A month or a year is read as the folder of its first day; each shape
	// matches the layout in one of these ways only.
	if day, ok := ParseDayFolder(prefix); ok {
		return day.Date, day.Date.AddDate(0, 0, 1), true
	}
	if month, ok := ParseDayFolder(prefix + "01/"); ok {
		return month.Date, month.Date.AddDate(0, 1, 0), true
	}
	if year, ok := ParseDayFolder(prefix + "01/01/"); ok {
		return year.Date, year.Date.AddDate(1, 0, 0), true
	}
	return time.Time{}, time.Time{}, false
}

// parseFolders reads the folders of a key in the layout, and returns what
// follows the day's folder.
func parseFolders(key string) (info KeyInfo, kind KeyKind, name string, ok bool) {
	at := -1
	for i := 0; ; {
		j := strings.Index(key[i:], "AWSLogs/")
		if j < 0 {
			break
		}
		if j+i == 0 || key[i+j-1] == '/' {
			at = i + j
			break
		}
		i += j + 1
	}
	if at < 0 {
		return KeyInfo{}, 0, "", false
	}
	info.Prefix = strings.TrimSuffix(key[:at], "/")
	parts := strings.Split(key[at+len("AWSLogs/"):], "/")
	if len(parts) > 0 && strings.HasPrefix(parts[0], "o-") {
		info.OrgID = parts[0]
		parts = parts[1:]
	}
	if len(parts) != 7 || !isAccountID(parts[0]) {
		return KeyInfo{}, 0, "", false
	}
	info.Account = parts[0]
	switch parts[1] {
	case "CloudTrail":
		kind = KeyLog
	case "CloudTrail-Digest":
		kind = KeyDigest
	case "CloudTrail-Insight":
		kind = KeyInsight
	default:
		return KeyInfo{}, 0, "", false
	}
	info.Region = parts[2]
	if info.Region == "" {
		return KeyInfo{}, 0, "", false
	}
	day, err := time.Parse("2006/01/02", parts[3]+"/"+parts[4]+"/"+parts[5])
	// 0001/01/01 parses to the zero time, which callers take for no date.
	if err != nil || day.IsZero() || len(parts[3]) != 4 || len(parts[4]) != 2 || len(parts[5]) != 2 {
		return KeyInfo{}, 0, "", false
	}
	info.Date = day
	return info, kind, parts[6], true
}

// parseFileName fills the fields carried by a file name (without its
// extension) when it matches the folders it is in.
func parseFileName(info *KeyInfo, base string) {
	head := info.Account + "_" + info.Kind.dirName() + "_" + info.Region + "_"
	rest, ok := strings.CutPrefix(base, head)
	if !ok {
		return
	}
	switch info.Kind {
	case KeyLog, KeyInsight:
		ts, unique, ok := strings.Cut(rest, "_")
		if !ok {
			return
		}
		t, err := time.Parse("20060102T1504Z", ts)
		if err != nil {
			return
		}
		info.Time, info.Unique = t, unique
	case KeyDigest:
		if r, ok := strings.CutSuffix(rest, "_backfill"); ok {
			rest = r
			info.Backfill = true
		}
		// Trail names may contain underscores; regions and the time do not.
		i := strings.LastIndexByte(rest, '_')
		if i < 0 {
			return
		}
		t, err := time.Parse("20060102T150405Z", rest[i+1:])
		if err != nil {
			return
		}
		rest = rest[:i]
		j := strings.LastIndexByte(rest, '_')
		if j <= 0 {
			return
		}
		info.Time, info.TrailName, info.HomeRegion = t, rest[:j], rest[j+1:]
	}
}

func isAccountID(s string) bool { return len(s) == 12 && allDigits(s) }

// Layout is where a trail writes in its bucket: an optional key prefix and,
// for organization trails, the organization's ID.
type Layout struct {
	Prefix string
	OrgID  string
}

// AccountPrefix is "[Prefix/]AWSLogs/[OrgID/]Account/". An empty account
// gives the prefix of every account: "[Prefix/]AWSLogs/[OrgID/]".
func (l Layout) AccountPrefix(account string) string {
	var b strings.Builder
	if p := strings.TrimSuffix(l.Prefix, "/"); p != "" {
		b.WriteString(p)
		b.WriteByte('/')
	}
	b.WriteString("AWSLogs/")
	if l.OrgID != "" {
		b.WriteString(l.OrgID)
		b.WriteByte('/')
	}
	if account != "" {
		b.WriteString(account)
		b.WriteByte('/')
	}
	return b.String()
}

// ListPrefix is the prefix to list the objects of one kind, narrowed as far
// as the arguments go: "…/Account/CloudTrail/Region/YYYY/MM/DD/" with a day,
// "…/Account/CloudTrail/Region/" without, "…/Account/CloudTrail/" without a
// region.
func (l Layout) ListPrefix(kind KeyKind, account, region string, day time.Time) string {
	s := l.AccountPrefix(account) + kind.dirName() + "/"
	if region == "" {
		return s
	}
	s += region + "/"
	if day.IsZero() {
		return s
	}
	return s + day.UTC().Format("2006/01/02") + "/"
}

// LogKey is the key of a log file delivered at t (kept to the minute).
func (l Layout) LogKey(account, region string, t time.Time, unique string) string {
	t = t.UTC()
	return l.ListPrefix(KeyLog, account, region, t) +
		account + "_CloudTrail_" + region + "_" + t.Format("20060102T1504Z") + "_" + unique + ".json.gz"
}

// DigestKey is the key of a digest file whose digestEndTime is end.
func (l Layout) DigestKey(account, region, trail, homeRegion string, end time.Time, backfill bool) string {
	end = end.UTC()
	s := l.ListPrefix(KeyDigest, account, region, end) +
		account + "_CloudTrail-Digest_" + region + "_" + trail + "_" + homeRegion + "_" + end.Format("20060102T150405Z")
	if backfill {
		s += "_backfill"
	}
	return s + ".json.gz"
}
