package duckdb

import (
	"cmp"
	"context"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
	"golang.org/x/sync/errgroup"
)

// needleTerms returns the hashed values that rows matching f must hold
// (each term one of its hashes), or nil when f names nothing selective to
// start from: an event ID (whose rows come from its prints, not a term), a
// resource, a user, an access key or an address. Other searches (a time
// range, an event name alone) scan columns through the engine, which does
// that well.
func needleTerms(f criteria) [][]uint64 {
	var terms [][]uint64
	selective := false
	add := func(kind byte, v string, sel bool) {
		if v != "" {
			terms = append(terms, []uint64{needleHash(kind, v)})
			selective = selective || sel
		}
	}
	add(needleResource, f.ResourceID, true)
	// Needle files leave out a bucket's ARN, which its name gives, and
	// records name most IAM users and roles by name alone.
	if id, ok := strings.CutPrefix(f.ResourceID, s3ARNPrefix); ok && id != "" {
		last := &terms[len(terms)-1]
		*last = append(*last, needleHash(needleResource, id))
	} else if name := cairn.IAMName(f.ResourceID); name != "" {
		last := &terms[len(terms)-1]
		*last = append(*last, needleHash(needleResource, name))
	}
	add(needleUser, f.User, true)
	if f.User != "" {
		last := &terms[len(terms)-1]
		for _, id := range f.userIDs {
			*last = append(*last, needleHash(needleUser, id))
		}
	}
	add(needleKey, f.AccessKeyID, true)
	add(needleIP, f.SourceIP, true)
	add(needleType, f.ResourceType, false)
	add(needleName, f.EventName, false)
	add(needleSource, f.EventSource, false)
	switch f.ErrorCode {
	case "":
	case cairn.ErrorAny:
		terms = append(terms, []uint64{needleHash(needleError, "")})
	default:
		add(needleError, f.ErrorCode, false)
	}
	if f.ReadOnly.Known() {
		add(needleReadOnly, strconv.FormatBool(f.ReadOnly.True()), false)
	}
	switch {
	case f.EventID != "" && terms == nil:
		return [][]uint64{} // the rows come from the event ID's prints (needles.withID)
	case f.EventID != "":
		return terms
	case !selective:
		return nil
	}
	return terms
}

// candidate is a row whose needles match, not yet checked against the
// whole filter.
type candidate struct {
	rowAt
	sec int64 // eventTime, unix seconds rounded down
}

// needleSearch returns the first n events matching f after the cursor, in
// result order, found through the segments' needle files. ok is false when
// a segment in range has no needle file (written by an earlier version):
// the caller then searches through the engine.
//
// Days are read newest first, and a day's events are all newer than the
// next day's, so a search for what someone did lately reads a day or two.
// The needle files give the candidate rows and their times to the second;
// candidates are fetched newest first, each batch extended to the end of
// its last second, and checked against the whole filter, until n events
// pass. Every candidate left is then older than every event kept, so the
// order is exact although the needle files' times are not.
func (x *Index) needleSearch(ctx context.Context, f criteria, after cairn.Cursor, n int) (events []cairn.Event, ok bool, err error) {
	terms := needleTerms(f)
	if terms == nil {
		return nil, false, nil
	}
	until := f.Until
	if !after.IsZero() && (until.IsZero() || after.EventTime.Before(until)) {
		until = after.EventTime.Add(time.Microsecond)
	}
	days := x.searchDays(f.Since, until)
	// Every segment in range must have its needle file, or none is used.
	// They are read a file per core, newest days first and a few days at a
	// time, twice as many each time: a search for what someone did lately
	// reads a day or two of them, not a month's 150 files (30 MB), which
	// took a new process's search 300 ms of CPU.
	parsed := make([][]*needles, len(days))
	loaded := 0 // days parsed
	load := func(upTo int) bool {
		var g errgroup.Group
		g.SetLimit(runtime.GOMAXPROCS(0))
		for i := loaded; i < upTo; i++ {
			parsed[i] = make([]*needles, len(days[i].files))
			for k, path := range days[i].files {
				g.Go(func() error {
					parsed[i][k] = x.segs.needlesOf(path)
					return nil
				})
			}
		}
		g.Wait()
		for i := loaded; i < upTo; i++ {
			for k, nd := range parsed[i] {
				if nd == nil || int64(nd.rows) != days[i].rows[k] || (f.EventID != "" && nd.idsAt == 0) || (f.User != "" && nd.version < 3) {
					return false
				}
			}
		}
		loaded = upTo
		return true
	}
	var files []string
	var cands []candidate
	for i, d := range days {
		if i == loaded && !load(min(len(days), max(2*loaded, 2))) {
			return nil, false, nil // the engine searches again, from the start
		}
		for k, nd := range parsed[i] {
			var rows []uint32
			rest := terms
			if f.EventID != "" {
				rows, _ = nd.withID(f.EventID) // every file has prints (load)
			} else {
				rows, rest = nd.lookupAny(terms[0]), terms[1:]
			}
			for _, t := range rest {
				if len(rows) == 0 {
					break
				}
				rows = intersect(rows, nd.lookupAny(t))
			}
			if len(rows) == 0 {
				continue
			}
			fi := len(files)
			files = append(files, d.files[k])
			for _, r := range rows {
				if sec := nd.sec(r); mayMatchTime(sec, f.Filter, after) {
					cands = append(cands, candidate{rowAt{fi, r}, sec})
				}
			}
		}
		// Fetch once enough candidates are known (or none are left to
		// find), so that a rare value's rows, a few a day, are fetched
		// together, a file per core.
		if len(cands) < n-len(events) && i < len(days)-1 {
			continue
		}
		if events, err = x.fetchNewest(ctx, files, cands, f, after, n, events); err != nil {
			return nil, true, err
		}
		if len(events) >= n {
			break
		}
		cands = cands[:0]
	}
	sortResults(events)
	if len(events) > n {
		events = events[:n]
	}
	return events, true, nil
}

// fetchNewest fetches candidates newest first, adding those that match to
// events, until events holds n (or the candidates run out).
func (x *Index) fetchNewest(ctx context.Context, files []string, cands []candidate, f criteria, after cairn.Cursor, n int, events []cairn.Event) ([]cairn.Event, error) {
	slices.SortFunc(cands, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(b.sec, a.sec), cmp.Compare(b.file, a.file), cmp.Compare(b.row, a.row))
	})
	batch := max(n-len(events), 16)
	for i := 0; i < len(cands) && len(events) < n; batch *= 2 {
		j := min(i+batch, len(cands))
		for j < len(cands) && cands[j].sec == cands[j-1].sec {
			j++
		}
		at := make([]rowAt, j-i)
		for k, c := range cands[i:j] {
			at[k] = c.rowAt
		}
		got, err := x.readAt(ctx, files, at)
		if err != nil {
			return nil, err
		}
		for k := range got {
			if e := &got[k]; matches(e, f) && isAfter(e, after) {
				events = append(events, *e)
			}
		}
		i = j
	}
	return events, nil
}

// sortResults puts events in result order: newest first, then by key.
func sortResults(events []cairn.Event) {
	slices.SortFunc(events, func(a, b cairn.Event) int {
		return cmp.Or(b.EventTime.Compare(a.EventTime), strings.Compare(b.DedupKey(), a.DedupKey()))
	})
}

// mayMatchTime reports whether an event of the second sec can lie within
// the filter's time bounds and before the cursor.
func mayMatchTime(sec int64, f cairn.Filter, after cairn.Cursor) bool {
	start := time.Unix(sec, 0)
	if !f.Since.IsZero() && !start.Add(time.Second).After(f.Since) {
		return false
	}
	if !f.Until.IsZero() && !start.Before(f.Until) {
		return false
	}
	return after.IsZero() || !start.After(after.EventTime)
}

// isAfter reports whether e comes after the cursor in result order.
func isAfter(e *cairn.Event, after cairn.Cursor) bool {
	if after.IsZero() {
		return true
	}
	if c := e.EventTime.Compare(after.EventTime); c != 0 {
		return c < 0
	}
	return e.DedupKey() < after.Key
}
