package sim

import (
	"cmp"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

const sizeBuckets = 1 << 17 // record sizes are counted exactly up to 128 KiB

// Stats describes a generated data set.
type Stats struct {
	Out        string
	Asked      int64 // Config.Events
	Events     int64 // unique records written: Asked, or more when sign-ins, lifecycles and incidents need more
	Duplicates int64 // records delivered a second time
	Files      int64 // CloudTrail log files
	Digests    int64 // CloudTrail digest files (Config.Digests)
	RawBytes   int64 // uncompressed bytes of the log files
	GzipBytes  int64 // compressed bytes of the log files
	ReadOnly   int64
	Errors     int64
	Data       int64            // data events
	Names      map[string]int64 // eventName → count
	Sources    map[string]int64 // eventSource → count
	ErrorCodes map[string]int64
	sizes      []int64 // count by record size in bytes
	MaxSize    int
	Scenarios  int
	Health     int // AWS Health events written
	EC2Changes int // EC2 state-change notifications written
	CostRows   int // line items in each cost report
	CostTotal  float64
	Elapsed    time.Duration
	// UserCPU and SystemCPU are the process's CPU time while generating:
	// system time far above user time says the file system, not the
	// generator, set the pace (ext4 allocating inodes among many just
	// deleted took 79 s of system time for 11 s of user time here).
	UserCPU, SystemCPU time.Duration

	writeErr error
}

func newStats() *Stats {
	return &Stats{Names: map[string]int64{}, Sources: map[string]int64{}, ErrorCodes: map[string]int64{}, sizes: make([]int64, sizeBuckets)}
}

func (st *Stats) count(c *call, size int) {
	if st.Names == nil {
		st.Names, st.Sources, st.ErrorCodes = map[string]int64{}, map[string]int64{}, map[string]int64{}
		st.sizes = make([]int64, sizeBuckets)
	}
	st.Events++
	st.Names[c.name]++
	st.Sources[c.src]++
	if c.ro {
		st.ReadOnly++
	}
	if c.errCode != "" {
		st.Errors++
		st.ErrorCodes[c.errCode]++
	}
	if c.data {
		st.Data++
	}
	if size >= sizeBuckets {
		size = sizeBuckets - 1
	}
	st.sizes[size]++
	if size > st.MaxSize {
		st.MaxSize = size
	}
}

func (st *Stats) merge(o *Stats) {
	st.Events += o.Events
	st.Duplicates += o.Duplicates
	st.Files += o.Files
	st.Digests += o.Digests
	st.RawBytes += o.RawBytes
	st.GzipBytes += o.GzipBytes
	st.ReadOnly += o.ReadOnly
	st.Errors += o.Errors
	st.Data += o.Data
	for k, v := range o.Names {
		st.Names[k] += v
	}
	for k, v := range o.Sources {
		st.Sources[k] += v
	}
	for k, v := range o.ErrorCodes {
		st.ErrorCodes[k] += v
	}
	for i, v := range o.sizes {
		st.sizes[i] += v
	}
	st.MaxSize = max(st.MaxSize, o.MaxSize)
}

// SizePercentile returns the record size in bytes at percentile p (0–100).
func (st *Stats) SizePercentile(p float64) int {
	if st.Events == 0 {
		return 0
	}
	want := int64(float64(st.Events)*p/100 + 0.5)
	want = max(want, 1)
	var seen int64
	for size, n := range st.sizes {
		seen += n
		if seen >= want {
			return size
		}
	}
	return len(st.sizes) - 1
}

// ReadOnlyShare is the share of read-only records.
func (st *Stats) ReadOnlyShare() float64 { return ratio(st.ReadOnly, st.Events) }

// ErrorShare is the share of records with an errorCode.
func (st *Stats) ErrorShare() float64 { return ratio(st.Errors, st.Events) }

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

type kv struct {
	k string
	v int64
}

func sortedCounts(m map[string]int64) []kv {
	out := make([]kv, 0, len(m))
	for k, v := range m {
		out = append(out, kv{k, v})
	}
	slices.SortFunc(out, func(a, b kv) int {
		if c := cmp.Compare(b.v, a.v); c != 0 {
			return c
		}
		return strings.Compare(a.k, b.k)
	})
	return out
}

// Print writes the statistics for people.
func (st *Stats) Print(w io.Writer) {
	fmt.Fprintf(w, "wrote %s\n", st.Out)
	rate := 0.0
	if st.Elapsed > 0 {
		rate = float64(st.Events) / st.Elapsed.Seconds()
	}
	fmt.Fprintf(w, "  events           %d (+%d duplicate deliveries, %.2f%%) in %d files, %.1f MB of JSON (%.1f MB gzip), %s (%.0f events/s)\n",
		st.Events, st.Duplicates, 100*ratio(st.Duplicates, st.Events), st.Files, float64(st.RawBytes)/1e6, float64(st.GzipBytes)/1e6, st.Elapsed.Round(time.Millisecond), rate)
	if st.Events > st.Asked {
		fmt.Fprintf(w, "                   more than -events %d: sign-ins, resource lifecycles and scripted incidents are written whatever the number\n", st.Asked)
	}
	if st.UserCPU > 0 {
		fmt.Fprintf(w, "  CPU              %s user, %s system\n", st.UserCPU.Round(time.Millisecond), st.SystemCPU.Round(time.Millisecond))
	}
	fmt.Fprintf(w, "  event names      %d distinct over %d services\n", len(st.Names), len(st.Sources))
	fmt.Fprintf(w, "  read-only        %.1f%%\n", 100*st.ReadOnlyShare())
	fmt.Fprintf(w, "  errors           %.2f%%", 100*st.ErrorShare())
	codes := sortedCounts(st.ErrorCodes)
	for i, c := range codes {
		if i == 5 {
			break
		}
		fmt.Fprintf(w, "  %s %d", c.k, c.v)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  data events      %.1f%%\n", 100*ratio(st.Data, st.Events))
	fmt.Fprintf(w, "  record size      p50 %d B  p90 %d B  p99 %d B  p99.9 %d B  max %d B\n",
		st.SizePercentile(50), st.SizePercentile(90), st.SizePercentile(99), st.SizePercentile(99.9), st.MaxSize)
	if st.Digests > 0 {
		fmt.Fprintf(w, "  digest files     %d, hourly per account and region; check them with cairn verify %s -public-key %s\n",
			st.Digests, st.Out, filepath.Join(st.Out, digestKeyFile))
	}
	fmt.Fprintf(w, "  scenarios        %d (scenarios.json); %d AWS Health events, %d EC2 state changes (health/)\n", st.Scenarios, st.Health, st.EC2Changes)
	if st.CostRows > 0 {
		fmt.Fprintf(w, "  cost report      %d hourly line items, $%.2f (cost/)\n", st.CostRows, st.CostTotal)
	}
	fmt.Fprintf(w, "  top event names:\n")
	for i, c := range sortedCounts(st.Names) {
		if i == 15 {
			break
		}
		fmt.Fprintf(w, "    %-40s %9d  %5.2f%%\n", c.k, c.v, 100*ratio(c.v, st.Events))
	}
}
