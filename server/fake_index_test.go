package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/cairn-audit/cairn"
)

// fakeIndex is an in-memory cairn.Index over a slice: it filters and pages
// exactly as the Index contract says, and nothing more.
type fakeIndex struct {
	mu     sync.Mutex
	events []cairn.Event
	// searches counts Search calls, to check that tokens are honoured.
	searches int
	failWith error
}

var _ cairn.Index = (*fakeIndex)(nil)

func newFakeIndex(events []cairn.Event) *fakeIndex {
	es := slices.Clone(events)
	slices.SortFunc(es, func(a, b cairn.Event) int { return compareDesc(&a, &b) })
	return &fakeIndex{events: es}
}

// compareDesc orders newest first by (EventTime, DedupKey).
func compareDesc(a, b *cairn.Event) int {
	if c := b.EventTime.Compare(a.EventTime); c != 0 {
		return c
	}
	return cmp.Compare(b.DedupKey(), a.DedupKey())
}

func (x *fakeIndex) Commit(context.Context, *cairn.Batch) (cairn.CommitResult, error) {
	return cairn.CommitResult{}, errors.New("fakeIndex: read-only")
}

func (x *fakeIndex) Objects(context.Context, string) (map[string]cairn.ObjectState, error) {
	return map[string]cairn.ObjectState{}, nil
}

func (x *fakeIndex) ObjectStates(context.Context, string, []string) (map[string]cairn.ObjectState, error) {
	return map[string]cairn.ObjectState{}, nil
}

func (x *fakeIndex) Search(ctx context.Context, f cairn.Filter, after cairn.Cursor, limit int) (cairn.Page, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.searches++
	if x.failWith != nil {
		return cairn.Page{}, x.failWith
	}
	var page cairn.Page
	for i := range x.events {
		e := &x.events[i]
		if !after.IsZero() {
			// Skip up to and including the cursor position.
			if c := after.EventTime.Compare(e.EventTime); c < 0 || c == 0 && e.DedupKey() >= after.Key {
				continue
			}
		}
		if !matches(&f, e) {
			continue
		}
		if len(page.Events) == limit {
			last := &page.Events[len(page.Events)-1]
			page.Next = cairn.Cursor{EventTime: last.EventTime, Key: last.DedupKey()}
			break
		}
		page.Events = append(page.Events, *e)
	}
	return page, nil
}

func matches(f *cairn.Filter, e *cairn.Event) bool {
	p := &e.Principal
	switch {
	case f.EventID != "" && f.EventID != e.EventID,
		f.EventName != "" && f.EventName != e.EventName,
		f.EventSource != "" && f.EventSource != e.EventSource,
		f.AccessKeyID != "" && f.AccessKeyID != p.AccessKeyID,
		f.SourceIP != "" && f.SourceIP != e.SourceIPAddress,
		f.Account != "" && f.Account != e.RecipientAccountID,
		f.Region != "" && f.Region != e.AWSRegion,
		f.ReadOnly.Known() && f.ReadOnly != e.ReadOnly,
		!f.Since.IsZero() && e.EventTime.Before(f.Since),
		!f.Until.IsZero() && !e.EventTime.Before(f.Until),
		f.Text != "" && !strings.Contains(strings.ToLower(string(e.Raw)), strings.ToLower(f.Text)):
		return false
	}
	if f.ErrorCode == cairn.ErrorAny && !e.Failed() || f.ErrorCode != "" && f.ErrorCode != cairn.ErrorAny && f.ErrorCode != e.ErrorCode {
		return false
	}
	if f.User != "" && !p.Named(f.User) {
		return false
	}
	if f.ResourceID != "" || f.ResourceType != "" {
		return slices.ContainsFunc(e.Resources, func(r cairn.ResourceRef) bool {
			return (f.ResourceID == "" || f.ResourceID == r.ID || f.ResourceID == r.ARN) &&
				(f.ResourceType == "" || f.ResourceType == r.Type)
		})
	}
	return true
}

func (x *fakeIndex) Query(ctx context.Context, sql string) (*cairn.Table, error) {
	switch sql {
	case "SELECT count(*) AS n FROM events":
		return &cairn.Table{Columns: []string{"n"}, Rows: [][]any{{int64(len(x.events))}}}, nil
	case "SELECT kinds":
		return &cairn.Table{
			Columns: []string{"i", "f", "s", "t", "b", "null", "list", "map", "big"},
			Rows: [][]any{{int64(1) << 60, 1.5, "x", time.Date(2026, 3, 14, 3, 10, 0, 0, time.UTC), true, nil,
				[]any{int32(1), "a"}, map[any]any{1: "one"}, uint64(1) << 63}},
		}, nil
	case "SELECT sleep":
		// Blocks until the request is cancelled.
		<-ctx.Done()
		return nil, ctx.Err()
	case "SELECT boom":
		return nil, errors.New("duckdb: /var/lib/secret/path is on fire")
	}
	return nil, fmt.Errorf("%w: only SELECT statements over events are allowed", cairn.ErrQueryRefused)
}

func (x *fakeIndex) Stats(context.Context) (cairn.IndexStats, error) {
	st := cairn.IndexStats{Events: int64(len(x.events)), Files: 1, Bytes: 1234, Objects: 2}
	if len(x.events) > 0 {
		st.Newest, st.Oldest = x.events[0].EventTime, x.events[len(x.events)-1].EventTime
	}
	return st, nil
}

func (x *fakeIndex) Close() error { return nil }

// testEvents builds n events, one a minute back from base, with every third
// pair sharing a time so that ties are broken by key. Principals rotate
// through an IAM user, an assumed role and the root user.
func testEvents(n int, base time.Time) []cairn.Event {
	names := []string{"RunInstances", "DescribeInstances", "DeleteBucket", "GetObject"}
	var out []cairn.Event
	for i := range n {
		t := base.Add(-time.Duration(i) * time.Minute)
		if i%3 == 1 {
			t = base.Add(-time.Duration(i-1) * time.Minute)
		}
		e := cairn.Event{
			EventID:            fmt.Sprintf("ev-%04d", i),
			EventTime:          t,
			EventVersion:       "1.11",
			EventSource:        []string{"ec2.amazonaws.com", "s3.amazonaws.com"}[i%2],
			EventName:          names[i%len(names)],
			AWSRegion:          "eu-west-1",
			RecipientAccountID: "111122223333",
			SourceIPAddress:    fmt.Sprintf("198.51.100.%d", i%5),
			ReadOnly:           cairn.BoolOf(i%4 == 1 || i%4 == 3),
			EventType:          "AwsApiCall",
			ManagementEvent:    cairn.BoolTrue,
			EventCategory:      "Management",
		}
		if i%7 == 0 {
			e.ErrorCode, e.ErrorMessage = "AccessDenied", "denied"
		}
		switch i % 3 {
		case 0:
			e.Principal = cairn.Principal{Type: "IAMUser", ARN: "arn:aws:iam::111122223333:user/alice",
				AccountID: "111122223333", AccessKeyID: "AKIAALICE", UserName: "alice", PrincipalID: "AIDAALICE"}
		case 1:
			e.Principal = cairn.Principal{Type: "AssumedRole", ARN: "arn:aws:sts::111122223333:assumed-role/Deploy/bob",
				AccountID: "111122223333", AccessKeyID: "ASIABOB", UserName: "Deploy", SessionName: "bob",
				RoleARN: "arn:aws:iam::111122223333:role/Deploy", MFAAuthenticated: cairn.BoolFalse}
		case 2:
			e.Principal = cairn.Principal{Type: "Root", ARN: "arn:aws:iam::111122223333:root",
				AccountID: "111122223333", AccessKeyID: "AKIAROOT"}
		}
		id := fmt.Sprintf("i-%04d", i%10)
		e.Resources = []cairn.ResourceRef{{ID: id, Type: "AWS::EC2::Instance", Account: "111122223333",
			Region: "eu-west-1", Role: cairn.RoleModified, ARN: "arn:aws:ec2:eu-west-1:111122223333:instance/" + id}}
		e.Raw = rawRecord(&e)
		out = append(out, e)
	}
	return out
}

// rawRecord writes a CloudTrail-shaped record for e, indented and with an
// escaped character, so that byte-exact transport is tested.
func rawRecord(e *cairn.Event) []byte {
	rec := map[string]any{
		"eventVersion": e.EventVersion, "eventID": e.EventID,
		"eventTime":   e.EventTime.UTC().Format(time.RFC3339),
		"eventSource": e.EventSource, "eventName": e.EventName, "awsRegion": e.AWSRegion,
		"sourceIPAddress": e.SourceIPAddress, "recipientAccountId": e.RecipientAccountID,
		"readOnly": e.ReadOnly.True(), "userAgent": "aws-cli/2 caf\u00e9 <x>",
		"userIdentity": map[string]any{"type": e.Principal.Type, "arn": e.Principal.ARN,
			"accessKeyId": e.Principal.AccessKeyID, "userName": e.Principal.UserName},
	}
	if e.ErrorCode != "" {
		rec["errorCode"] = e.ErrorCode
	}
	b, err := json.Marshal(rec, json.Deterministic(true))
	if err != nil {
		panic(err)
	}
	return append([]byte("{\n  \"x\": \"caf\\u00e9\",\n  "), b[1:]...)
}
