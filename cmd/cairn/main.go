// Command cairn is a self-hosted, CloudTrail-compatible audit trail: it
// ingests CloudTrail logs, records live events, and answers who did what.
// See docs/cli.md for every command.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"syscall"
)

// command is one subcommand. run gets the arguments after the command name.
type command struct {
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

var commands = map[string]command{
	"serve":    {"ingest sources, record events and serve the APIs", runServe},
	"ingest":   {"read CloudTrail logs from folders, files or s3:// URLs into the index", runIngest},
	"search":   {"find events by user, event, service, resource, key, address, error, time", runSearch},
	"sql":      {"run a read-only SQL query over the events view", runSQL},
	"reindex":  {"rebuild the index from the sources it was built from", runReindex},
	"gen":      {"generate a simulated organisation: CloudTrail logs, incidents, cost report", runGen},
	"verify":   {"check a trail's digest chains, signatures and log file hashes", runVerify},
	"timeline": {"every event that touched a resource, who made it and how, with Health and state changes", runTimeline},
	"why":      {"explain a resource's change of state: an API call, an AWS service, or nothing through the API", runWhy},
	"insights": {"APIs whose write calls or errors came unusually fast, as CloudTrail Insights finds them", runInsights},
	"channel":  {"create or list the channels that send events with PutAuditEvents", runChannel},
	"cost":     {"import cost reports (CUR, CUR 2.0, FOCUS); report and explain cost by principal", runCost},
	"version":  {"print cairn's version and the commit it was built from", runVersion},
}

// env is what a command may touch of the process.
type env struct {
	stdout, stderr io.Writer
	stdin          io.Reader
	getenv         func(string) string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdout: os.Stdout, stderr: os.Stderr, stdin: os.Stdin, getenv: os.Getenv}
	if os.Getenv("GOMEMLIMIT") == "" {
		// Keep the Go heap well inside the 1 GiB cairn promises, beside the
		// query engine's own memory limit.
		debug.SetMemoryLimit(640 << 20)
		if os.Getenv("GOGC") == "" {
			// Under that limit, collect less often: ingest spent a tenth of
			// its CPU collecting garbage at the default (2M events: 51.6 →
			// 47.1 s of CPU, the same peak memory).
			debug.SetGCPercent(400)
		}
	}
	stopProfile := startProfile(os.Getenv("CAIRN_CPUPROFILE"))
	code := run(ctx, e, os.Args[1:])
	stopProfile()
	os.Exit(code)
}

// startProfile writes a CPU profile to path when it is set, so that a slow
// command can be profiled as users run it.
func startProfile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cairn: CAIRN_CPUPROFILE: %v\n", err)
		return func() {}
	}
	pprof.StartCPUProfile(f)
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// exitError carries an exit status with an already-printed outcome.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return 2
	}
	if args[0] == "help" && len(args) > 1 {
		// cairn help search: search's flags; cairn help cost report: its
		// subcommand's.
		args = append(slices.Clone(args[1:]), "-h")
	}
	if args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(e.stdout)
		return 0
	}
	if args[0] == "-version" || args[0] == "--version" {
		args[0] = "version"
	}
	cmd, ok := commands[args[0]]
	if !ok {
		if c := closestCommand(args[0]); c != "" {
			fmt.Fprintf(e.stderr, "cairn: unknown command %q; did you mean %s? (cairn help lists them)\n", args[0], c)
			return 2
		}
		fmt.Fprintf(e.stderr, "cairn: unknown command %q; run cairn help for the list\n", args[0])
		return 2
	}
	err := cmd.run(ctx, e, args[1:])
	if err == nil || errors.Is(err, errHelp) {
		return 0
	}
	code := 1
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if errors.Is(err, errUsage) {
		code = 2
	}
	fmt.Fprintf(terminalText(e.stderr), "cairn %s: %s\n", args[0], oneLine(err.Error()))
	return code
}

var (
	// errUsage marks bad command lines (exit status 2).
	errUsage = errors.New("usage")
	// errHelp ends a command after -h printed its usage (exit status 0).
	errHelp = errors.New("help")
)

// textOrJSON checks a -format of text or json, and reads table, which
// search, sql and cost report call their text, as text.
func textOrJSON(format *string) error {
	switch *format {
	case "table":
		*format = "text"
	case "text", "json":
	default:
		return fmt.Errorf("%w: -format takes text or json, not %q", errUsage, *format)
	}
	return nil
}

// tableOr checks a -format of table or one of others, and reads text, which
// why, timeline, verify and cost import call their text, as table.
func tableOr(format *string, others ...string) error {
	if *format == "text" {
		*format = "table"
	}
	if *format == "table" || slices.Contains(others, *format) {
		return nil
	}
	return fmt.Errorf("%w: -format takes table, %s, not %q", errUsage, strings.Join(others, " or "), *format)
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "cairn: a self-hosted, CloudTrail-compatible audit trail")
	fmt.Fprintln(w, "\nUsage: cairn COMMAND [flags] [arguments]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nEvery command but gen and version takes -data DIR (default $CAIRN_DATA, else ./cairn-data).")
	fmt.Fprintln(w, "Run cairn help COMMAND (or cairn COMMAND -h) for its flags.")
}
