package duckdb

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
	"unsafe"

	"github.com/cairn-audit/cairn"
	"github.com/parquet-go/parquet-go"
)

// segmentRow is one event as a segment stores it. Segments are written in
// Go rather than through the engine's appender and COPY: measured on a batch
// of 50,000 realistic events, that path cost about 21 µs an event on one
// core, and this one about 4. Absent fields are NULL, as CloudTrail Lake
// shows them (see opt); dict marks the columns whose values repeat, which
// dictionary encoding shrinks. The column names and types are those of
// `columns` (schema.go). segmentEncoder writes them, in the schema that
// parquet-go gives this struct (segment_layout.go); parquet-go reads them.
//
// Every column takes the encoder's compression, zstd at level 1 (zstd.go).
type segmentRow struct {
	EventTime          time.Time         `parquet:"eventTime,timestamp(microsecond)"`
	EventID            string            `parquet:"eventID"`
	RecipientAccountID *string           `parquet:"recipientAccountId,optional,dict"`
	EventVersion       *string           `parquet:"eventVersion,optional,dict"`
	EventSource        *string           `parquet:"eventSource,optional,dict"`
	EventName          *string           `parquet:"eventName,optional,dict"`
	AWSRegion          *string           `parquet:"awsRegion,optional,dict"`
	SourceIPAddress    *string           `parquet:"sourceIPAddress,optional,dict"`
	UserAgent          *string           `parquet:"userAgent,optional,dict"`
	ErrorCode          *string           `parquet:"errorCode,optional,dict"`
	ErrorMessage       *string           `parquet:"errorMessage,optional"`
	ReadOnly           *bool             `parquet:"readOnly,optional"`
	EventType          *string           `parquet:"eventType,optional,dict"`
	EventCategory      *string           `parquet:"eventCategory,optional,dict"`
	ManagementEvent    *bool             `parquet:"managementEvent,optional"`
	RequestID          *string           `parquet:"requestID,optional"`
	SharedEventID      *string           `parquet:"sharedEventID,optional"`
	VPCEndpointID      *string           `parquet:"vpcEndpointId,optional,dict"`
	UserType           *string           `parquet:"userType,optional,dict"`
	UserArn            *string           `parquet:"userArn,optional,dict"`
	PrincipalID        *string           `parquet:"principalId,optional,dict"`
	UserAccountID      *string           `parquet:"userAccountId,optional,dict"`
	AccessKeyID        *string           `parquet:"accessKeyId,optional,dict"`
	UserName           *string           `parquet:"userName,optional,dict"`
	RoleArn            *string           `parquet:"roleArn,optional,dict"`
	SessionName        *string           `parquet:"sessionName,optional,dict"`
	SourceIdentity     *string           `parquet:"sourceIdentity,optional,dict"`
	InvokedBy          *string           `parquet:"invokedBy,optional,dict"`
	OnBehalfOf         *string           `parquet:"onBehalfOf,optional,dict"`
	MFAAuthenticated   *bool             `parquet:"mfaAuthenticated,optional"`
	PrincipalKey       *string           `parquet:"principalKey,optional,dict"`
	Principal          *string           `parquet:"principal,optional,dict"`
	Resources          []segmentResource `parquet:"resources,list,optional"`
	ResourceKeys       *string           `parquet:"resourceKeys,optional,dict"`
	EventJSON          string            `parquet:"eventJson"`
}

type segmentResource struct {
	ID      *string `parquet:"id,optional"`
	ARN     *string `parquet:"arn,optional"`
	Type    *string `parquet:"type,optional"`
	Account *string `parquet:"account,optional"`
	Region  *string `parquet:"region,optional"`
	Role    *string `parquet:"role,optional"`
}

var (
	boolTrue, boolFalse = true, false
)

func optBool(b cairn.Bool) *bool {
	switch b {
	case cairn.BoolTrue:
		return &boolTrue
	case cairn.BoolFalse:
		return &boolFalse
	}
	return nil
}

// rowStrings holds the optional strings of a segment's rows column by column,
// for the rows' pointers to point at. The encoder goes through the rows a
// column at a time, and when the pointers went into the events, scattered
// over the batch, perf annotate put two thirds of its string adding on the
// load of each value. From here it reads each column's values from
// consecutive memory (make bench's week: addString 5.2% → 1.9% of the
// samples, the rows' making 1.6% → 2.2%). The strings themselves still share
// the events' memory.
type rowStrings struct {
	rows int
	vals []string // rowStringColumns × rows
	// names keeps the key and display name rendered for recent principals:
	// the rows of one principal's calls then share one copy of its name
	// instead of each concatenating its own, which the encoder's dictionary
	// then had to hash.
	names [256]principalNames
}

type principalNames struct {
	p         cairn.Principal
	key, name string
	filled    bool
}

// principal returns p's key and display name.
func (s *rowStrings) principal(p *cairn.Principal) (key, name string) {
	// The decoder gives the events of one identity the same strings, so
	// the ARN's address picks the slot; the whole principal decides.
	at := uintptr(unsafe.Pointer(unsafe.StringData(cmp.Or(p.ARN, p.PrincipalID, p.InvokedBy, p.AccountID))))
	slot := &s.names[(at>>4)%uintptr(len(s.names))]
	if !slot.filled || slot.p != *p {
		*slot = principalNames{*p, p.Key(), p.Name(), true}
	}
	return slot.key, slot.name
}

// rowStringColumns is the number of strings rowInto keeps a row.
const rowStringColumns = 28

func newRowStrings(rows int) *rowStrings {
	return &rowStrings{rows: rows, vals: make([]string, rowStringColumns*rows)}
}

// rowSlots hands out a row's slots, one column after the other.
type rowSlots struct {
	s   *rowStrings
	row int
	col int
}

// opt keeps s in the row's next column and points to it, or is nil (NULL)
// when s is empty.
func (c *rowSlots) opt(s string) *string {
	p := &c.s.vals[c.col*c.s.rows+c.row]
	c.col++
	if s == "" {
		return nil
	}
	*p = s
	return p
}

// rowInto renders an event as row row of a segment whose strings are in
// strs. Rows live only while the batch they came from is being committed.
func rowInto(e *cairn.Event, strs *rowStrings, row int) segmentRow {
	p := &e.Principal
	c := rowSlots{s: strs, row: row}
	key, name := strs.principal(p)
	r := segmentRow{
		EventTime: e.EventTime.UTC(), EventID: e.EventID, RecipientAccountID: c.opt(e.RecipientAccountID),
		EventVersion: c.opt(e.EventVersion), EventSource: c.opt(e.EventSource), EventName: c.opt(e.EventName),
		AWSRegion: c.opt(e.AWSRegion), SourceIPAddress: c.opt(e.SourceIPAddress), UserAgent: c.opt(e.UserAgent),
		ErrorCode: c.opt(e.ErrorCode), ErrorMessage: c.opt(e.ErrorMessage), ReadOnly: optBool(e.ReadOnly),
		EventType: c.opt(e.EventType), EventCategory: c.opt(e.EventCategory), ManagementEvent: optBool(e.ManagementEvent),
		RequestID: c.opt(e.RequestID), SharedEventID: c.opt(e.SharedEventID), VPCEndpointID: c.opt(e.VPCEndpointID),
		UserType: c.opt(p.Type), UserArn: c.opt(p.ARN), PrincipalID: c.opt(p.PrincipalID), UserAccountID: c.opt(p.AccountID),
		AccessKeyID: c.opt(p.AccessKeyID), UserName: c.opt(p.UserName), RoleArn: c.opt(p.RoleARN),
		SessionName: c.opt(p.SessionName), SourceIdentity: c.opt(p.SourceIdentity), InvokedBy: c.opt(p.InvokedBy),
		OnBehalfOf: c.opt(p.OnBehalfOf), MFAAuthenticated: optBool(p.MFAAuthenticated),
		PrincipalKey: c.opt(key), Principal: c.opt(name), ResourceKeys: c.opt(resourceKeys(e.Resources)),
		// The raw record is shared, not copied, as the strings are.
		EventJSON: unsafe.String(unsafe.SliceData(e.Raw), len(e.Raw)),
	}
	if len(e.Resources) > 0 {
		r.Resources = make([]segmentResource, len(e.Resources))
		for i := range e.Resources {
			x := &e.Resources[i]
			r.Resources[i] = segmentResource{ID: opt(&x.ID), ARN: opt(&x.ARN), Type: opt(&x.Type), Account: opt(&x.Account),
				Region: opt(&x.Region), Role: opt((*string)(&x.Role))}
		}
	}
	return r
}

// opt renders an optional string: nil (NULL) when empty. Optional columns
// are pointers because parquet-go v0.32.0 stores some empty strings of a
// string field marked optional as present (writeRowsFuncOfOptional tests
// the end of a run of values against the wrong mask): in make bench's data,
// 0.6% of the rows without an errorCode had an empty one, in runs of up to
// 62 rows. Pointers take another path, which is right.
func opt(s *string) *string {
	if *s == "" {
		return nil
	}
	return s
}

// str reads an optional string.
func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// resourceKeys renders the resourceKeys column: "|id|arn|…|", or "" (NULL).
func resourceKeys(refs []cairn.ResourceRef) string {
	if len(refs) == 0 {
		return ""
	}
	// Sized first, so that a row's keys are allocated once, not grown and
	// copied.
	n := 1
	for _, r := range refs {
		if r.ID != "" {
			n += len(r.ID) + 1
		}
		if r.ARN != "" && r.ARN != r.ID {
			n += len(r.ARN) + 1
		}
	}
	var keys strings.Builder
	keys.Grow(n)
	keys.WriteByte('|')
	for _, r := range refs {
		if r.ID != "" {
			keys.WriteString(r.ID)
			keys.WriteByte('|')
		}
		if r.ARN != "" && r.ARN != r.ID {
			keys.WriteString(r.ARN)
			keys.WriteByte('|')
		}
	}
	return keys.String()
}

// rowGroupRows bounds a row group: time-bounded queries skip whole row
// groups by their eventTime statistics, and the encoder holds one row group
// in memory. Fetching an event reads one page of its record (rows.go), so
// the size of a row group no longer matters to it (the engine decompressed
// the row group of every column: 10.5 ms an event at 16,384 rows, 6.3 ms at
// 4,096). Over make bench's 2,000,000 events, 4,096 rows against 16,384:
// the index 651 → 627 MB with needle files, the group-by 83 → 55 ms, the
// timelines unchanged (89 → 86 ms).
const rowGroupRows = 16 * 1024

// segmentWriter writes rows, already in time order, as a zstd Parquet file
// with its needle file beside it.
type segmentWriter struct {
	f       *os.File
	w       *segmentEncoder
	needles *needleBuilder
}

func newSegmentWriter(path string) (*segmentWriter, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	var w *segmentEncoder
	select {
	case w = <-segmentEncoders:
	default:
		w = newSegmentEncoder()
	}
	w.reset(f)
	return &segmentWriter{f: f, w: w, needles: newNeedleBuilder()}, nil
}

// segmentEncoders keeps encoders from one segment to the next, with the
// buffers and dictionaries they grew: made afresh for each segment, an
// encoder would grow them again to a row group's worth (the raw records'
// chunk alone is megabytes), copying as it went.
var segmentEncoders = make(chan *segmentEncoder, runtime.GOMAXPROCS(0))

// write writes rows and takes their needles.
func (s *segmentWriter) write(rows []segmentRow) error {
	for i := range rows {
		s.needles.add(&rows[i])
	}
	return s.writeRows(rows)
}

// writeRows writes rows whose needles are taken already.
func (s *segmentWriter) writeRows(rows []segmentRow) error {
	if err := s.w.write(rows); err != nil {
		return fmt.Errorf("write segment %s: %w", s.f.Name(), err)
	}
	return nil
}

// close finishes both files and fsyncs them.
func (s *segmentWriter) close() error {
	if err := s.w.close(); err != nil {
		s.abort()
		return fmt.Errorf("write segment %s: %w", s.f.Name(), err)
	}
	if err := s.f.Sync(); err != nil {
		s.abort()
		return err
	}
	if err := s.f.Close(); err != nil {
		s.abort()
		return err
	}
	s.w.reset(nil) // holds on to no file
	select {
	case segmentEncoders <- s.w:
	default:
	}
	s.w = nil
	if err := writeSynced(needlesPath(s.f.Name()), s.needles.encode()); err != nil {
		s.abort()
		return fmt.Errorf("write needles of %s: %w", s.f.Name(), err)
	}
	return nil
}

// abort abandons partly written files.
func (s *segmentWriter) abort() {
	s.f.Close()
	removeSegment(s.f.Name())
}

// removeSegment deletes a segment file and its needle file.
func removeSegment(path string) error {
	err := os.Remove(path)
	if err2 := os.Remove(needlesPath(path)); err2 != nil && !os.IsNotExist(err2) && err == nil {
		err = err2
	}
	return err
}

// writeSynced writes a new file and fsyncs it; its folder is synced when
// the file is installed.
func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeSegment writes the events at idx, in time order, as a segment file.
// A row's needles are taken as the row is made, while its event is in the
// cache: taken after the Parquet writer had been through the rows, reading
// the events again missed it (ingest of make bench's week: 9.46 → 9.17 s
// of CPU, mean of 4).
func writeSegment(path string, events []cairn.Event, idx []int) error {
	w, err := newSegmentWriter(path)
	if err != nil {
		return err
	}
	rows := make([]segmentRow, len(idx))
	strs := newRowStrings(len(idx))
	for j, e := range idx {
		rows[j] = rowInto(&events[e], strs, j)
		w.needles.add(&rows[j])
	}
	if err := w.writeRows(rows); err != nil {
		w.abort()
		return err
	}
	return w.close()
}

// mergeSegmentFiles merges segment files, each in time order, into one:
// a streaming k-way merge that holds a few thousand rows per input, so
// that compacting a day costs little memory however large the day is.
func mergeSegmentFiles(out string, inputs []string) (rows int64, err error) {
	type input struct {
		f    *os.File
		r    *parquet.GenericReader[segmentRow]
		left int64 // rows not read yet
		buf  []segmentRow
		next int
		done bool
	}
	const chunk = 1024
	ins := make([]*input, 0, len(inputs))
	defer func() {
		for _, in := range ins {
			in.r.Close()
			in.f.Close()
		}
	}()
	fill := func(in *input) error {
		n, err := readAtMost(in.r, in.buf[:chunk], &in.left)
		in.buf, in.next = in.buf[:n], 0
		if n == 0 {
			if err != nil && err != io.EOF {
				return fmt.Errorf("read segment %s: %w", in.f.Name(), err)
			}
			in.done = true
		}
		return nil
	}
	for _, path := range inputs {
		f, err := os.Open(path)
		if err != nil {
			return 0, err
		}
		r := parquet.NewGenericReader[segmentRow](f)
		in := &input{f: f, r: r, left: r.NumRows(), buf: make([]segmentRow, chunk)}
		ins = append(ins, in)
		if err := fill(in); err != nil {
			return 0, err
		}
	}
	w, err := newSegmentWriter(out)
	if err != nil {
		return 0, err
	}
	batch := make([]segmentRow, 0, chunk)
	for {
		var best *input
		for _, in := range ins {
			if !in.done && (best == nil || in.buf[in.next].EventTime.Before(best.buf[best.next].EventTime)) {
				best = in
			}
		}
		if best == nil {
			break
		}
		batch = append(batch, best.buf[best.next])
		best.next++
		if best.next == len(best.buf) {
			if err := fill(best); err != nil {
				w.abort()
				return 0, err
			}
		}
		if len(batch) == chunk {
			if err := w.write(batch); err != nil {
				w.abort()
				return 0, err
			}
			rows += int64(len(batch))
			batch = batch[:0]
		}
	}
	if err := w.write(batch); err != nil {
		w.abort()
		return 0, err
	}
	rows += int64(len(batch))
	return rows, w.close()
}

// readAtMost reads rows into buf, but never more than left, the rows the
// reader has not returned yet, which it counts down. Asked for more rows
// than a file has left, parquet-go v0.32.0 reads every column's pages
// again for each missing row: a 50-row segment read into a 1024-row buffer
// took 42,824 allocations instead of 3,844, and the merges of compaction
// spent four fifths of their time there.
func readAtMost[T any](r *parquet.GenericReader[T], buf []T, left *int64) (int, error) {
	if *left == 0 {
		return 0, io.EOF
	}
	n, err := r.Read(buf[:min(int64(len(buf)), *left)])
	*left -= int64(n)
	if err == nil && *left == 0 {
		err = io.EOF
	}
	return n, err
}
