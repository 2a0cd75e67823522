package duckdb

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/ingest"
	"github.com/cairn-audit/cairn/sim"
)

func TestNeedleFileRoundTrip(t *testing.T) {
	b := newNeedleBuilder()
	sp := optValue
	rows := []segmentRow{
		{EventTime: t0, EventName: sp("RunInstances"), UserName: sp("alice"), AccessKeyID: sp("AKIA1"), ReadOnly: &boolFalse,
			Resources: []segmentResource{{ID: sp("i-1"), ARN: sp("arn:aws:ec2:us-east-1:1:instance/i-1"), Type: sp("AWS::EC2::Instance")}}},
		{EventTime: t0.Add(90 * time.Second), EventName: sp("DescribeInstances"), UserName: sp("bob"), SessionName: sp("bob"), ErrorCode: sp("AccessDenied"),
			Resources: []segmentResource{{ID: sp("logs/a.txt"), ARN: sp("arn:aws:s3:::logs/a.txt")}, {ID: sp("bucket:logs"), ARN: sp("arn:aws:s3:::logs")}}},
		{EventTime: t0.Add(3 * time.Hour), EventName: sp("RunInstances"), UserName: sp("alice"),
			Resources: []segmentResource{{ID: sp("i-1")}, {ID: sp("i-1")}}}, // the same resource twice in one row
	}
	for i := range rows {
		rows[i].EventID = fmt.Sprintf("ev-%d", i)
		b.add(&rows[i])
	}
	n, err := parseNeedles(b.encode())
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if got, ok := n.withID(rows[i].EventID); !ok || !slices.Contains(got, uint32(i)) {
			t.Errorf("event ID of row %d: rows %v (%v)", i, got, ok)
		}
	}
	for _, c := range []struct {
		kind  byte
		value string
		want  []uint32
	}{
		{needleResource, "i-1", []uint32{0, 2}},
		{needleResource, "arn:aws:ec2:us-east-1:1:instance/i-1", []uint32{0}},
		{needleResource, "arn:aws:s3:::logs", []uint32{1}}, // an ARN that is not the ID's
		{needleResource, "logs/a.txt", []uint32{1}},
		{needleResource, "arn:aws:s3:::logs/a.txt", nil}, // found through its ID
		{needleUser, "alice", []uint32{0, 2}},
		{needleUser, "bob", []uint32{1}},
		{needleName, "RunInstances", []uint32{0, 2}},
		{needleError, "", []uint32{1}},
		{needleError, "AccessDenied", []uint32{1}},
		{needleReadOnly, "false", []uint32{0}},
		{needleKey, "AKIA2", nil},
	} {
		if got := n.lookup(needleHash(c.kind, c.value)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%c %q: rows %v, want %v", c.kind, c.value, got, c.want)
		}
	}
	if n.sec(1) != t0.Unix()+90 || n.sec(2) != t0.Unix()+3*3600 {
		t.Errorf("times: %d %d", n.sec(1)-t0.Unix(), n.sec(2)-t0.Unix())
	}
	// A damaged file is refused, never misread.
	bad := b.encode()
	bad[needleHeader+1] ^= 1
	if _, err := parseNeedles(bad); err == nil {
		t.Error("a damaged needle file was accepted")
	}
}

// simIndex ingests a small simulated organisation into a fresh index.
func simIndex(t *testing.T) *Index {
	t.Helper()
	ctx := context.Background()
	trail := t.TempDir()
	cfg := sim.DefaultConfig()
	cfg.Out, cfg.Events, cfg.Seed, cfg.Days, cfg.NoCost = trail, 20000, 5, 6, true
	if _, err := sim.Generate(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	x := openTest(t, t.TempDir())
	src, err := ingest.OpenSource(ctx, trail)
	if err != nil {
		t.Fatal(err)
	}
	icfg := ingest.DefaultConfig()
	icfg.Workers, icfg.Listers, icfg.BatchEvents = 2, 2, 3000
	if _, err := ingest.Run(ctx, icfg, x, src); err != nil {
		t.Fatal(err)
	}
	return x
}

// The needle files must give exactly the pages the engine gives: the same
// events, in the same order, decoded the same, with the same cursors.
func TestNeedleSearchAgreesWithEngine(t *testing.T) {
	ctx := context.Background()
	x := simIndex(t)
	pick := func(q string) []string {
		tab, err := x.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range tab.Rows {
			out = append(out, fmt.Sprint(r[0]))
		}
		return out
	}
	var filters []cairn.Filter
	for _, id := range pick("SELECT r.id FROM (SELECT unnest(resources) AS r FROM events) WHERE r.id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 6") {
		filters = append(filters, cairn.Filter{ResourceID: id}, cairn.Filter{ResourceID: id, ReadOnly: cairn.BoolFalse})
	}
	for _, arn := range pick("SELECT r.arn FROM (SELECT unnest(resources) AS r FROM events) WHERE r.arn LIKE 'arn:aws:s3:::%' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 3") {
		filters = append(filters, cairn.Filter{ResourceID: arn})
	}
	for _, u := range pick("SELECT coalesce(sessionName, userName) FROM events WHERE coalesce(sessionName, userName) IS NOT NULL GROUP BY 1 ORDER BY 1 LIMIT 5") {
		filters = append(filters, cairn.Filter{User: u}, cairn.Filter{User: u, ErrorCode: cairn.ErrorAny},
			cairn.Filter{User: u, EventSource: "s3.amazonaws.com", Text: "bucket"})
	}
	// The service that made a call, and the root user of every account,
	// are users too.
	for _, u := range pick("SELECT invokedBy FROM events WHERE invokedBy IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2") {
		filters = append(filters, cairn.Filter{User: u})
	}
	var roots []cairn.Event
	for i := range 3 {
		roots = append(roots, testEvent(900_000+i, func(e *cairn.Event) {
			e.Principal = cairn.Principal{Type: "Root", ARN: "arn:aws:iam::111122223333:root", AccountID: "111122223333",
				AccessKeyID: "AKIAROOT", UserName: "acme-management"}
			e.ReadOnly = cairn.BoolOf(i == 0)
		}))
	}
	if _, err := x.Commit(ctx, &cairn.Batch{Events: roots}); err != nil {
		t.Fatal(err)
	}
	if p, err := x.Search(ctx, cairn.Filter{User: cairn.RootUser}, cairn.Cursor{}, 10); err != nil || len(p.Events) != 3 {
		t.Fatalf("the root user's events: %d, %v", len(p.Events), err)
	}
	filters = append(filters, cairn.Filter{User: cairn.RootUser}, cairn.Filter{User: cairn.RootUser, ReadOnly: cairn.BoolFalse})
	for _, k := range pick("SELECT accessKeyId FROM events WHERE accessKeyId IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 3") {
		filters = append(filters, cairn.Filter{AccessKeyID: k})
	}
	for _, ip := range pick("SELECT sourceIPAddress FROM events GROUP BY 1 ORDER BY count(*) DESC LIMIT 3") {
		mid := time.Date(2026, 3, 3, 12, 0, 0, 500, time.UTC)
		filters = append(filters, cairn.Filter{SourceIP: ip}, cairn.Filter{SourceIP: ip, Since: mid, Until: mid.Add(26 * time.Hour)})
	}
	for _, id := range pick("SELECT eventID FROM events USING SAMPLE 5 ROWS (reservoir, 7)") {
		filters = append(filters, cairn.Filter{EventID: id}, cairn.Filter{EventID: id, ReadOnly: cairn.BoolFalse})
	}
	filters = append(filters, cairn.Filter{EventID: "no-such-event"})
	if len(filters) < 43 {
		t.Fatalf("only %d filters picked", len(filters))
	}
	for _, f := range filters {
		if needleTerms(criteria{Filter: f}) == nil {
			t.Fatalf("%+v would not use the needle files", f)
		}
		var cur cairn.Cursor
		for page := 0; page < 4; page++ {
			got, err := x.Search(ctx, f, cur, 7)
			if err != nil {
				t.Fatal(err)
			}
			ids, err := x.userAliases(ctx, f.User)
			if err != nil {
				t.Fatal(err)
			}
			want, err := x.engineSearch(ctx, criteria{Filter: f, userIDs: ids}, cur, 7)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				for i := range min(len(got.Events), len(want.Events)) {
					if g, w := got.Events[i], want.Events[i]; !reflect.DeepEqual(g, w) {
						t.Errorf("event %s:\nneedles %+v\nengine  %+v", g.EventID, g, w)
					}
				}
				t.Fatalf("%+v page %d:\nneedles %s\nengine  %s", f, page, pageIDs(got), pageIDs(want))
			}
			if got.Next.IsZero() {
				break
			}
			cur = got.Next
		}
	}
}

func pageIDs(p cairn.Page) string {
	s := ""
	for _, e := range p.Events {
		s += e.EventTime.Format("02T15:04:05 ") + e.EventID[:8] + " "
	}
	return s + fmt.Sprintf("next %v", p.Next)
}

// An index written before needle files existed is searched through the
// engine, and gets them when a writer opens it.
func TestSegmentsWithoutNeedles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	x := openTest(t, dir)
	var events []cairn.Event
	for i := range 40 {
		events = append(events, testEvent(i, nil))
	}
	if _, err := x.Commit(ctx, &cairn.Batch{Events: events}); err != nil {
		t.Fatal(err)
	}
	x.Close()
	needleFiles, _ := filepath.Glob(filepath.Join(dir, "events", "*", "*.needles"))
	if len(needleFiles) == 0 {
		t.Fatal("no needle files written")
	}
	for _, p := range needleFiles {
		os.Remove(p)
	}
	r := openReader(t, dir)
	f := cairn.Filter{User: "alice"}
	if _, ok, _ := r.needleSearch(ctx, criteria{Filter: f}, cairn.Cursor{}, 10); ok {
		t.Fatal("searched needle files that do not exist")
	}
	if p, err := r.Search(ctx, f, cairn.Cursor{}, 100); err != nil || len(p.Events) != 40 {
		t.Fatalf("engine search: %d events, %v", len(p.Events), err)
	}
	w := openTest(t, dir)
	if _, ok, err := w.needleSearch(ctx, criteria{Filter: f}, cairn.Cursor{}, 10); !ok || err != nil {
		t.Fatalf("the writer did not build the missing needle files (%v)", err)
	}
	if err := w.refreshView(ctx); err != nil { // as Search does first
		t.Fatal(err)
	}
	byID := criteria{Filter: cairn.Filter{EventID: events[7].EventID}}
	if got, ok, err := w.needleSearch(ctx, byID, cairn.Cursor{}, 10); !ok || err != nil || len(got) != 1 {
		t.Fatalf("the needle files built do not find an event by its ID: %d events, ok %v, %v", len(got), ok, err)
	}
}

// commitHourly commits an event an hour for some days from t0, and
// returns them.
func commitHourly(t *testing.T, x *Index, days int) []cairn.Event {
	t.Helper()
	var events []cairn.Event
	for i := range days * 24 {
		events = append(events, testEvent(i*60, nil))
	}
	if _, err := x.Commit(context.Background(), &cairn.Batch{Events: events}); err != nil {
		t.Fatal(err)
	}
	return events
}

// Needle files are read newest day first, as far as a search goes: one
// that ends in the newest days never reads an older day's, and one that
// reaches a day without needles is searched again through the engine.
func TestNeedleSearchReadsTheDaysItNeeds(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	x := openTest(t, dir)
	events := commitHourly(t, x, 5)
	x.Close()
	oldest := t0.UTC().Format("2006-01-02")
	needleFiles, _ := filepath.Glob(filepath.Join(dir, "events", "day="+oldest, "*.needles"))
	if len(needleFiles) == 0 {
		t.Fatalf("no needle file for %s", oldest)
	}
	for _, p := range needleFiles {
		os.Remove(p)
	}
	r := openReader(t, dir)
	f := cairn.Filter{User: "alice"}
	got, ok, err := r.needleSearch(ctx, criteria{Filter: f}, cairn.Cursor{}, 10)
	if err != nil || !ok || len(got) != 10 || got[0].EventID != events[len(events)-1].EventID {
		t.Fatalf("the newest 10: %d events, ok %v, %v", len(got), ok, err)
	}
	if _, ok, _ := r.needleSearch(ctx, criteria{Filter: f}, cairn.Cursor{}, 100); ok {
		t.Fatal("a search that reaches the day without needles used them")
	}
	if p, err := r.Search(ctx, f, cairn.Cursor{}, 200); err != nil || len(p.Events) != len(events) {
		t.Fatalf("through the engine: %d events, %v", len(p.Events), err)
	}
}

// An event is found by its ID through the needle files' prints; in an
// index whose needle files are version 1, without prints (or the user keys
// of version 3), through the engine, while the other needles still serve;
// and a writer that opens such an index writes its needle files anew.
func TestEventIDThroughNeedles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	x := openTest(t, dir)
	events := commitHourly(t, x, 3)
	id := events[30].EventID
	if err := x.refreshView(ctx); err != nil { // as Search does first
		t.Fatal(err)
	}
	got, ok, err := x.needleSearch(ctx, criteria{Filter: cairn.Filter{EventID: id}}, cairn.Cursor{}, 10)
	if err != nil || !ok || len(got) != 1 || got[0].EventID != id {
		t.Fatalf("event %s through the needles: %d events, ok %v, %v", id, len(got), ok, err)
	}
	x.Close()

	files, _ := filepath.Glob(filepath.Join(dir, "events", "*", "*.needles"))
	for _, p := range files {
		downgradeNeedles(t, p)
	}
	r := openReader(t, dir)
	if _, ok, _ := r.needleSearch(ctx, criteria{Filter: cairn.Filter{EventID: id}}, cairn.Cursor{}, 10); ok {
		t.Fatal("version 1 needle files, which have no prints, were used for an event ID")
	}
	if p, err := r.Search(ctx, cairn.Filter{EventID: id}, cairn.Cursor{}, 10); err != nil || len(p.Events) != 1 {
		t.Fatalf("event %s through the engine: %d events, %v", id, len(p.Events), err)
	}
	if _, ok, _ := r.needleSearch(ctx, criteria{Filter: cairn.Filter{User: "alice"}}, cairn.Cursor{}, 10); ok {
		t.Fatal("version 1 needle files, which have no keys for invokedBy and root, were used for a user")
	}
	byKey := cairn.Filter{AccessKeyID: events[0].Principal.AccessKeyID}
	if _, ok, err := r.needleSearch(ctx, criteria{Filter: byKey}, cairn.Cursor{}, 10); !ok || err != nil {
		t.Fatalf("version 1 needle files are no longer read (%v)", err)
	}
	r.Close()

	w := openTest(t, dir)
	for _, p := range files {
		if v := needleFileVersion(p); v != needleVersion {
			t.Errorf("%s: version %d after a writer opened the index, want %d", p, v, needleVersion)
		}
	}
	if _, ok, err := w.needleSearch(ctx, criteria{Filter: cairn.Filter{EventID: id}}, cairn.Cursor{}, 10); !ok || err != nil {
		t.Fatalf("rebuilt needle files not used for an event ID (%v)", err)
	}
}

// downgradeNeedles rewrites a needle file as version 1 wrote it: without
// the rows' event ID prints.
func downgradeNeedles(t *testing.T, path string) {
	t.Helper()
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := needleUnzstd.DecodeAll(file[needleMagicLen:], slices.Clone(file[:needleMagicLen]))
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	rows := int(le.Uint32(b[12:]))
	body := b[:len(b)-4-2*rows]
	le.PutUint32(body[8:], 1)
	body = le.AppendUint32(body, crc32.Checksum(body, castagnoli))
	if err := os.WriteFile(path, needleZstd.EncodeAll(body[needleMagicLen:], body[:needleMagicLen:needleMagicLen]), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A damaged needle file is never misread: searches of its day go through
// the engine and still find everything.
func TestDamagedNeedleFile(t *testing.T) {
	ctx := context.Background()
	x := openTest(t, t.TempDir())
	var events []cairn.Event
	for i := range 30 {
		events = append(events, testEvent(i, nil))
	}
	if _, err := x.Commit(ctx, &cairn.Batch{Events: events}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(x.dir, "events", "*", "*.needles"))
	if len(files) != 1 {
		t.Fatalf("%d needle files", len(files))
	}
	b, _ := os.ReadFile(files[0])
	b[len(b)-3] ^= 0xff
	if err := os.WriteFile(files[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	f := cairn.Filter{User: "alice"}
	if err := x.refreshView(ctx); err != nil { // as Search does first
		t.Fatal(err)
	}
	if _, ok, _ := x.needleSearch(ctx, criteria{Filter: f}, cairn.Cursor{}, 10); ok {
		t.Fatal("a damaged needle file was used")
	}
	if p, err := x.Search(ctx, f, cairn.Cursor{}, 100); err != nil || len(p.Events) != 30 {
		t.Fatalf("search over a damaged needle file: %d events, %v", len(p.Events), err)
	}
}
