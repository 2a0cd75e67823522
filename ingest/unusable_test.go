package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cairn-audit/cairn"
)

// TestUnusableRecordsAreLeftOut: a record that is JSON but no usable
// CloudTrail record (no eventTime, a time that is none, a field of the
// wrong type) is left out and named, and the other records of its file are
// kept, in each format ingest reads; a file with no usable record is
// quarantined.
func TestUnusableRecordsAreLeftOut(t *testing.T) {
	ctx := context.Background()
	const acct = "111122223333"
	noTime := `{"eventVersion":"1.09","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","eventID":"00000000-0000-4000-8000-0000000000aa","recipientAccountId":"111122223333"}`
	badTime := strings.Replace(record(901, acct), `"eventTime":"2026-03-14T03:01:00Z"`, `"eventTime":"not a time"`, 1)
	badType := strings.Replace(record(902, acct), `"eventName":"DescribeInstances"`, `"eventName":42`, 1)
	if badTime == record(901, acct) || badType == record(902, acct) {
		t.Fatal("the test's records did not change")
	}
	root := t.TempDir()
	// Records 1, 3 and 5 of each file are usable.
	mixed := func(base int) []string {
		return []string{record(base+1, acct), noTime, record(base+3, acct), badTime, record(base+5, acct), badType}
	}
	write(t, root, "logs/records.json.gz", gz(`{"Records":[`+strings.Join(mixed(0), ",")+`]}`))
	write(t, root, "logs/records.json", []byte(`{"Records":[`+strings.Join(mixed(10), ",\n")+`]}`))
	write(t, root, "logs/array.json", []byte(`[`+strings.Join(mixed(20), ",")+`]`))
	write(t, root, "logs/lines.jsonl", []byte(strings.Join(mixed(30), "\n")+"\n"))
	write(t, root, "logs/none.json", []byte(`{"Records":[`+noTime+`,`+badTime+`]}`))

	idx := openIndex(t)
	sum, notices, err := ingestNoting(t, idx, root)
	if !errors.Is(err, ErrFailedObjects) {
		t.Fatalf("want ErrFailedObjects, got %v", err)
	}
	if sum.Events != 12 || sum.New != 12 || sum.UnusableRecords != 12 || sum.Failed != 1 {
		t.Fatalf("summary: %+v", sum)
	}
	if !strings.Contains(sum.String(), "1 failed (and 12 unusable records left out of files read in part)") {
		t.Errorf("summary line: %s", sum)
	}
	for _, key := range []string{"logs/records.json.gz", "logs/records.json", "logs/array.json", "logs/lines.jsonl"} {
		st := notices[key]
		want := `read in part: 3 of 6 records were left out as unusable (the first: record 2 (offset `
		if st.Status != cairn.ObjectDone || st.Events != 3 || !strings.HasPrefix(st.Reason, want) ||
			!strings.HasSuffix(st.Reason, `has no eventTime); the other 3 were read`) {
			t.Errorf("%s: %+v", key, st)
		}
	}
	if st := notices["logs/none.json"]; st.Status != cairn.ObjectQuarantined || !strings.Contains(st.Reason, "has no eventTime") {
		t.Errorf("a file of unusable records: %+v", st)
	}
	for base := 0; base <= 30; base += 10 {
		for _, id := range []int{base + 1, base + 3, base + 5} {
			f := cairn.Filter{EventID: fmt.Sprintf("00000000-0000-4000-8000-%012d", id)}
			if page, err := idx.Search(ctx, f, cairn.Cursor{}, 10); err != nil || len(page.Events) != 1 {
				t.Errorf("usable record %d: %d events, %v", id, len(page.Events), err)
			}
		}
	}
	// The states are kept with their reasons: a second run reads nothing.
	sum, _, err = ingestNoting(t, idx, root)
	if err != nil || sum.Objects != 0 || sum.Unchanged != 5 || sum.StillQuarantined != 1 {
		t.Fatalf("second run: %+v %v", sum, err)
	}
	objs, err := idx.Objects(ctx, "file://"+root)
	if err != nil || !strings.HasPrefix(objs["logs/lines.jsonl"].Reason, "read in part: 3 of 6") {
		t.Errorf("stored state: %+v %v", objs["logs/lines.jsonl"], err)
	}
}
