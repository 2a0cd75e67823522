package cloudtrail

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/klauspost/compress/gzip"
)

// Content is what a file holds, judged from its first bytes.
type Content int

const (
	ContentUnknown     Content = iota
	ContentRecords             // CloudTrail records, in any shape Reader reads
	ContentDigest              // a CloudTrail digest file
	ContentEventBridge         // EventBridge events (AWS Health, EC2 state changes, …)
	ContentOtherJSON           // valid JSON, but none of the above
	ContentNotJSON             // text or binary that is not JSON, or empty
	ContentCorrupt             // gzip data that does not decompress
)

func (c Content) String() string {
	switch c {
	case ContentRecords:
		return "cloudtrail-records"
	case ContentDigest:
		return "cloudtrail-digest"
	case ContentEventBridge:
		return "eventbridge"
	case ContentOtherJSON:
		return "other-json"
	case ContentNotJSON:
		return "not-json"
	case ContentCorrupt:
		return "corrupt"
	}
	return "unknown"
}

// SniffSize is how much of a file Sniff wants; more is fine, less may not
// reach the keys that decide.
const SniffSize = 8 << 10

// Sniff classifies a file from its first bytes (decompressed; gzip data is
// decompressed as far as it goes) and describes it in one line for a notice,
// e.g. "EventBridge events from aws.health (AWS Health Event)". It looks at
// the top-level keys of the first object (or of the first element of a
// top-level array); a head cut in the middle of a value is fine.
func Sniff(head []byte) (Content, string) {
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(head))
		if err != nil {
			return ContentCorrupt, "corrupt gzip data"
		}
		out, _ := io.ReadAll(io.LimitReader(zr, 4*SniffSize))
		if len(out) == 0 {
			return ContentCorrupt, "gzip data that decompresses to nothing readable"
		}
		head = out
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) == 0 {
		return ContentNotJSON, "empty file"
	}
	if trimmed[0] != '{' && trimmed[0] != '[' {
		return ContentNotJSON, fmt.Sprintf("not JSON (starts with %q)", firstBytes(trimmed, 16))
	}
	s := sniffKeys(trimmed)
	switch {
	case s.has("Records"):
		return ContentRecords, "CloudTrail log (Records envelope)"
	case s.has("digestStartTime") || s.has("logFiles") || s.has("digestS3Object"):
		desc := "CloudTrail digest file"
		if a := s.str["awsAccountId"]; a != "" {
			desc += " of account " + a
		}
		if st, en := s.str["digestStartTime"], s.str["digestEndTime"]; st != "" && en != "" {
			desc += " for " + st + " to " + en
		}
		return ContentDigest, desc
	case s.has("detail-type") && s.has("source"):
		desc := "EventBridge event"
		if s.array || s.multi {
			desc += "s"
		}
		if src := s.str["source"]; src != "" {
			desc += " from " + src
		}
		if dt := s.str["detail-type"]; dt != "" {
			desc += " (" + dt + ")"
		}
		return ContentEventBridge, desc
	// Every CloudTrail record carries eventVersion and a time; other JSON
	// that merely mentions event fields (a report, a scenario list) is not
	// a record.
	case s.has("eventVersion") || ((s.has("eventTime") || s.has("@timestamp")) && (s.has("eventID") || s.has("eventName"))):
		shape := "single event"
		switch {
		case s.array:
			shape = "JSON array"
		case s.multi:
			shape = "JSON lines"
		}
		return ContentRecords, "CloudTrail records (" + shape + ")"
	}
	if s.array && len(s.keys) == 0 {
		if s.empty {
			return ContentOtherJSON, "empty JSON array"
		}
		return ContentOtherJSON, "JSON array whose first element is not an object"
	}
	if len(s.keys) == 0 {
		return ContentOtherJSON, "JSON without keys"
	}
	keys := s.keys
	if len(keys) > 5 {
		keys = keys[:5]
	}
	return ContentOtherJSON, "JSON object with keys " + strings.Join(keys, ", ")
}

type sniffed struct {
	keys  []string
	set   map[string]bool
	str   map[string]string // string values of top-level keys
	array bool              // the top level is an array
	empty bool              // … and it is empty
	multi bool              // a second top-level value follows the first
}

func (s *sniffed) has(k string) bool { return s.set[k] }

// sniffKeys reads the top-level members of the first object, stopping
// quietly where the head ends or turns invalid.
func sniffKeys(b []byte) sniffed {
	s := sniffed{set: map[string]bool{}, str: map[string]string{}}
	d := jsontext.NewDecoder(bytes.NewReader(b), readOptions)
	if d.PeekKind() == '[' {
		s.array = true
		if _, err := d.ReadToken(); err != nil {
			return s
		}
		if d.PeekKind() == ']' {
			s.empty = true
			return s
		}
	}
	if d.PeekKind() != '{' {
		return s
	}
	if _, err := d.ReadToken(); err != nil {
		return s
	}
	for d.PeekKind() != '}' {
		tok, err := d.ReadToken()
		if err != nil || tok.Kind() != '"' {
			return s
		}
		name := tok.String()
		s.keys = append(s.keys, name)
		s.set[name] = true
		v, err := d.ReadValue()
		if err != nil {
			return s
		}
		if v.Kind() == '"' && len(v) < 200 {
			s.str[name] = unquote(v)
		}
	}
	if _, err := d.ReadToken(); err != nil {
		return s
	}
	if !s.array {
		// Another top-level object means JSON lines.
		s.multi = d.PeekKind() == '{'
	}
	return s
}

func firstBytes(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}
