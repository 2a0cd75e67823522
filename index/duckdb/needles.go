package duckdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/blob/file"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
	"github.com/zeebo/xxh3"
)

// A needle file, seg-<n>.needles beside its segment, lists for every value
// that a needle search looks for (a resource, a user, an access key, an
// address, with the event name, source, error and read-only flag to narrow
// them) the rows of the segment that hold it, with every row's time to the
// second. A search for one resource then reads a few hundred bytes per
// segment instead of scanning a column of two million strings, and fetches
// only the rows it returns (docs/formats/index.md, "Needle files").
//
// Values are kept as 64-bit hashes of their kind and text: a rare
// collision only adds a candidate row, and every fetched row is checked
// against the whole filter before it is returned.

// Needle kinds: the seed each value is hashed with.
const (
	needleResource = 'r' // a resource's ID or ARN
	needleType     = 't' // a resource's type
	needleUser     = 'u' // any of the principal's names (Filter.User)
	needleKey      = 'k' // accessKeyId
	needleIP       = 'i' // sourceIPAddress
	needleName     = 'n' // eventName
	needleSource   = 's' // eventSource
	needleError    = 'e' // errorCode; "" stands for any error
	needleReadOnly = 'o' // readOnly: "true" or "false"
)

const (
	needleMagic   = "cairnndl"
	needleVersion = 3  // 2 had no user keys for invokedBy and root, 1 no event ID prints; both are still read
	needleHeader  = 32 // magic, version, rows, keys, the times' length, base
)

// needleEventID is the kind an event ID is hashed with for its print.
const needleEventID = 'd'

// idPrint is the 16 bits of an event ID that a needle file keeps for its
// row. Every event ID is different, so a key per ID (14 bytes a row) would
// have nearly doubled the needle files; 2 bytes a row, scanned whole, leave one
// false candidate per 65,536 rows, which its fetch rules out, and find an
// event by its ID in milliseconds where the engine scanned a column of
// every segment (0.1 s of CPU over 2,000,000 events).
func idPrint(eventID string) uint16 { return uint16(needleHash(needleEventID, eventID) >> 48) }

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// s3ARNPrefix starts the ARN of every bucket and object: a third of the
// resources of a busy day are objects, so their ARNs, the ID with this
// prefix, are not kept twice.
const s3ARNPrefix = "arn:aws:s3:::"

// needleHash hashes a kind and a value: XXH3 (64 bits) of the value, seeded
// with the kind. FNV-1a, a byte at a time, cost half the time of building
// the needle files at ingest.
func needleHash(kind byte, value string) uint64 {
	return xxh3.HashStringSeed(value, uint64(kind))
}

// needleBuilder collects the needles of a segment's rows, in row order.
type needleBuilder struct {
	secs  []int64          // each row's eventTime, unix seconds
	ids   []uint16         // each row's idPrint
	lists map[uint64]int32 // a value's hash → its rows in posts
	posts [][]uint32       // the rows of each value
	row   uint32
	// recent finds the rows of a value by its address: a row's values
	// mostly share the memory of values met before (repeats in the
	// decoder, constants), and the rows are alive while the segment is
	// built, so the same address and length is the same value.
	recent [512]recentNeedle
}

type recentNeedle struct {
	p    *byte
	n    int
	kind byte
	list int32
}

func newNeedleBuilder() *needleBuilder {
	return &needleBuilder{lists: map[uint64]int32{}}
}

// list returns the index in b.posts of a value's rows, adding it if new.
func (b *needleBuilder) list(kind byte, v string) int32 {
	p := unsafe.StringData(v)
	slot := &b.recent[(uintptr(unsafe.Pointer(p))>>4^uintptr(kind))%uintptr(len(b.recent))]
	if p != nil && slot.p == p && slot.n == len(v) && slot.kind == kind {
		return slot.list
	}
	h := needleHash(kind, v)
	i, ok := b.lists[h]
	if !ok {
		i = int32(len(b.posts))
		b.lists[h] = i
		b.posts = append(b.posts, nil)
	}
	if p != nil {
		*slot = recentNeedle{p, len(v), kind, i}
	}
	return i
}

// add records the next row.
func (b *needleBuilder) add(r *segmentRow) {
	b.secs = append(b.secs, r.EventTime.Unix())
	b.ids = append(b.ids, idPrint(r.EventID))
	put := func(kind byte, v string) {
		if v == "" && kind != needleError {
			return
		}
		rows := &b.posts[b.list(kind, v)]
		if n := len(*rows); n > 0 && (*rows)[n-1] == b.row {
			return // the same value twice in one row (a user name that is also the session name)
		}
		*rows = append(*rows, b.row)
	}
	for _, res := range r.Resources {
		id, arn := str(res.ID), str(res.ARN)
		put(needleResource, id)
		if id == "" || arn != s3ARNPrefix+id {
			put(needleResource, arn) // an S3 ARN is found through its ID (needleTerms)
		}
		put(needleType, str(res.Type))
	}
	for _, v := range [...]*string{r.UserName, r.SessionName, r.UserArn, r.RoleArn, r.SourceIdentity, r.OnBehalfOf, r.PrincipalID, r.InvokedBy} {
		put(needleUser, str(v))
	}
	if str(r.UserType) == "Root" {
		put(needleUser, cairn.RootUser)
	}
	put(needleKey, str(r.AccessKeyID))
	put(needleIP, str(r.SourceIPAddress))
	put(needleName, str(r.EventName))
	put(needleSource, str(r.EventSource))
	if code := str(r.ErrorCode); code != "" {
		put(needleError, code)
		put(needleError, "")
	} else if str(r.ErrorMessage) != "" { // failed all the same (cairn.Event.Failed)
		put(needleError, "")
	}
	if r.ReadOnly != nil {
		put(needleReadOnly, strconv.FormatBool(*r.ReadOnly))
	}
	b.row++
}

// encode renders the needle file.
func (b *needleBuilder) encode() []byte {
	base := int64(0)
	if len(b.secs) > 0 {
		base = slices.Min(b.secs)
	}
	hashes := slices.Sorted(maps.Keys(b.lists))
	out := make([]byte, needleHeader, needleHeader+4*len(b.secs)+12*len(hashes)+2*int(b.row)+4)
	copy(out, needleMagic)
	le := binary.LittleEndian
	le.PutUint32(out[8:], needleVersion)
	le.PutUint32(out[12:], uint32(len(b.secs)))
	le.PutUint32(out[16:], uint32(len(hashes)))
	le.PutUint64(out[24:], uint64(base))
	// Times as differences from the row before: rows are in time order, so
	// they are small and compress to almost nothing.
	prev := base
	for _, s := range b.secs {
		out = binary.AppendVarint(out, s-prev)
		prev = s
	}
	le.PutUint32(out[20:], uint32(len(out)-needleHeader))
	for _, h := range hashes {
		out = le.AppendUint64(out, h)
	}
	var posts []byte
	for _, h := range hashes {
		prev := uint32(0)
		for i, r := range b.posts[b.lists[h]] {
			if i == 0 {
				posts = binary.AppendUvarint(posts, uint64(r))
			} else {
				posts = binary.AppendUvarint(posts, uint64(r-prev))
			}
			prev = r
		}
		out = le.AppendUint32(out, uint32(len(posts)))
	}
	out = append(out, posts...)
	for _, p := range b.ids {
		out = le.AppendUint16(out, p)
	}
	out = le.AppendUint32(out, crc32.Checksum(out, castagnoli))
	// Everything after the magic and version is zstd-compressed: a third
	// smaller (make bench's segments), and a segment's file is read once
	// and kept. libzstd's level 1, where there is one, takes a fifth of
	// the pure-Go encoder's time, and needle files are a hundredth of the
	// index.
	head := out[:needleMagicLen:needleMagicLen] // full: appending copies it
	if nativeZstd() {
		if b, err := appendLibzstd(head, out[needleMagicLen:], 1); err == nil {
			return b
		}
	}
	return needleZstd.EncodeAll(out[needleMagicLen:], head)
}

// needleMagicLen is the uncompressed start of a needle file: the magic and
// the version.
const needleMagicLen = 12

var (
	needleZstd, _   = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBetterCompression), zstd.WithEncoderConcurrency(1))
	needleUnzstd, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
)

// needles is a parsed needle file.
type needles struct {
	b                     []byte
	rows, keys            int
	base                  int64
	secs                  []uint32 // each row's time, seconds after base
	hashAt, endsAt, posAt int
	idsAt                 int // where the rows' idPrints start; 0 in a version 1 file, which has none
	version               uint32
}

var errNeedles = errors.New("not a needle file")

func parseNeedles(file []byte) (*needles, error) {
	le := binary.LittleEndian
	if len(file) < needleMagicLen || !strings.HasPrefix(string(file[:8]), needleMagic) {
		return nil, errNeedles
	}
	version := le.Uint32(file[8:])
	if version < 1 || version > needleVersion {
		return nil, fmt.Errorf("needle file version %d, this cairn reads 1 to %d", version, needleVersion)
	}
	b, err := needleUnzstd.DecodeAll(file[needleMagicLen:], slices.Clip(file[:needleMagicLen]))
	if err != nil || len(b) < needleHeader+4 {
		return nil, fmt.Errorf("%w: %v", errNeedles, err)
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, castagnoli) != le.Uint32(b[len(b)-4:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", errNeedles)
	}
	n := &needles{b: body, rows: int(le.Uint32(b[12:])), keys: int(le.Uint32(b[16:])), base: int64(le.Uint64(b[24:])), version: version}
	n.hashAt = needleHeader + int(le.Uint32(b[20:]))
	if n.hashAt > len(body) {
		return nil, fmt.Errorf("%w: sizes disagree", errNeedles)
	}
	times := body[needleHeader:n.hashAt]
	n.secs = make([]uint32, n.rows)
	t := n.base
	for i := range n.secs {
		d, w := binary.Varint(times)
		if w <= 0 {
			return nil, fmt.Errorf("%w: times end early", errNeedles)
		}
		times, t = times[w:], t+d
		n.secs[i] = uint32(t - n.base)
	}
	n.endsAt = n.hashAt + 8*n.keys
	n.posAt = n.endsAt + 4*n.keys
	postingsEnd := len(body)
	if version >= 2 {
		postingsEnd -= 2 * n.rows
		n.idsAt = postingsEnd
	}
	if n.posAt > postingsEnd || (n.keys > 0 && n.posAt+int(le.Uint32(body[n.posAt-4:])) != postingsEnd) {
		return nil, fmt.Errorf("%w: sizes disagree", errNeedles)
	}
	return n, nil
}

// withID returns the rows whose event ID has the print of id, ascending
// (the ID's own row and, rarely, others), and false when the file has no
// prints.
func (n *needles) withID(id string) ([]uint32, bool) {
	if n.idsAt == 0 {
		return nil, false
	}
	p := idPrint(id)
	var rows []uint32
	ids := n.b[n.idsAt : n.idsAt+2*n.rows]
	for r := range n.rows {
		if binary.LittleEndian.Uint16(ids[2*r:]) == p {
			rows = append(rows, uint32(r))
		}
	}
	return rows, true
}

// size is the memory the parsed file holds.
func (n *needles) size() int { return len(n.b) + 4*len(n.secs) }

// sec returns a row's eventTime in unix seconds (rounded down).
func (n *needles) sec(row uint32) int64 {
	return n.base + int64(n.secs[row])
}

// lookup returns the rows that hold a hashed value, in ascending order.
func (n *needles) lookup(h uint64) []uint32 {
	le := binary.LittleEndian
	i, j := 0, n.keys
	for i < j {
		m := int(uint(i+j) >> 1)
		if le.Uint64(n.b[n.hashAt+8*m:]) < h {
			i = m + 1
		} else {
			j = m
		}
	}
	if i == n.keys || le.Uint64(n.b[n.hashAt+8*i:]) != h {
		return nil
	}
	start := 0
	if i > 0 {
		start = int(le.Uint32(n.b[n.endsAt+4*(i-1):]))
	}
	end := int(le.Uint32(n.b[n.endsAt+4*i:]))
	p := n.b[n.posAt+start : n.posAt+end]
	var rows []uint32
	var row uint64
	for k := 0; len(p) > 0; k++ {
		d, w := binary.Uvarint(p)
		if w <= 0 {
			return rows // a checksummed file does not get here
		}
		p = p[w:]
		if k == 0 {
			row = d
		} else {
			row += d
		}
		rows = append(rows, uint32(row))
	}
	return rows
}

// lookupAny returns the rows that hold any of the hashed values, in
// ascending order.
func (n *needles) lookupAny(hashes []uint64) []uint32 {
	rows := n.lookup(hashes[0])
	for _, h := range hashes[1:] {
		rows = append(rows, n.lookup(h)...)
	}
	if len(hashes) > 1 {
		slices.Sort(rows)
		rows = slices.Compact(rows)
	}
	return rows
}

// intersect keeps the rows present in both ascending lists.
func intersect(a, b []uint32) []uint32 {
	var out []uint32
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// needlesPath names the needle file of a segment file.
func needlesPath(segmentPath string) string {
	return strings.TrimSuffix(segmentPath, ".parquet") + ".needles"
}

// needleColumns are the columns a needle file is built from: reading them
// alone spares decompressing the records.
type needleColumns struct {
	EventTime       time.Time         `parquet:"eventTime,timestamp(microsecond)"`
	EventID         string            `parquet:"eventID"`
	EventSource     string            `parquet:"eventSource,optional"`
	EventName       string            `parquet:"eventName,optional"`
	SourceIPAddress string            `parquet:"sourceIPAddress,optional"`
	ErrorCode       string            `parquet:"errorCode,optional"`
	ReadOnly        *bool             `parquet:"readOnly,optional"`
	UserArn         string            `parquet:"userArn,optional"`
	PrincipalID     string            `parquet:"principalId,optional"`
	AccessKeyID     string            `parquet:"accessKeyId,optional"`
	UserName        string            `parquet:"userName,optional"`
	RoleArn         string            `parquet:"roleArn,optional"`
	SessionName     string            `parquet:"sessionName,optional"`
	SourceIdentity  string            `parquet:"sourceIdentity,optional"`
	OnBehalfOf      string            `parquet:"onBehalfOf,optional"`
	InvokedBy       string            `parquet:"invokedBy,optional"`
	UserType        string            `parquet:"userType,optional"`
	Resources       []segmentResource `parquet:"resources,list,optional"`
}

// needleFileVersion is the version of the needle file at path, 0 when
// there is none or it is no needle file.
func needleFileVersion(path string) uint32 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	var head [12]byte
	if _, err := io.ReadFull(f, head[:]); err != nil || string(head[:8]) != needleMagic {
		return 0
	}
	return binary.LittleEndian.Uint32(head[8:])
}

// buildNeedles writes the needle file of a segment that has none, or one
// of an earlier version.
func buildNeedles(segmentPath string) error {
	f, err := os.Open(segmentPath)
	if err != nil {
		return err
	}
	defer f.Close()
	r := parquet.NewGenericReader[needleColumns](f)
	defer r.Close()
	b := newNeedleBuilder()
	buf := make([]needleColumns, 1024)
	left := r.NumRows()
	for {
		n, err := readAtMost(r, buf, &left)
		for i := range buf[:n] {
			c := &buf[i]
			b.add(&segmentRow{EventTime: c.EventTime, EventID: c.EventID, EventSource: opt(&c.EventSource), EventName: opt(&c.EventName),
				SourceIPAddress: opt(&c.SourceIPAddress), ErrorCode: opt(&c.ErrorCode), ReadOnly: c.ReadOnly,
				UserArn: opt(&c.UserArn), PrincipalID: opt(&c.PrincipalID), AccessKeyID: opt(&c.AccessKeyID),
				UserName: opt(&c.UserName), RoleArn: opt(&c.RoleArn), SessionName: opt(&c.SessionName),
				SourceIdentity: opt(&c.SourceIdentity), OnBehalfOf: opt(&c.OnBehalfOf), InvokedBy: opt(&c.InvokedBy),
				UserType: opt(&c.UserType), Resources: c.Resources})
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", segmentPath, err)
		}
	}
	return file.WriteAtomic(needlesPath(segmentPath), b.encode(), 0o644)
}
