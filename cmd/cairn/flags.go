package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/cairn-audit/cairn"
)

// newFlags makes a flag set that reports errors without exiting. The flag
// package writes the usage on every parse error, not only for -h: it goes
// to a buffer that parse prints for -h alone, so that a mistyped flag gets
// one line.
func newFlags(e *env, name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet("cairn "+name, flag.ContinueOnError)
	fs.SetOutput(new(bytes.Buffer))
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: cairn %s [flags] %s\n\nFlags:\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags that may come before or after positional arguments
// (cairn why i-0abc -at T works as typed) and returns the positionals.
// Every flag can also be set in the environment: CAIRN_INGEST_WORKERS sets
// -ingest.workers; the command line wins.
func parse(e *env, fs *flag.FlagSet, args []string) ([]string, error) {
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := "CAIRN_" + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(f.Name))
		if v := e.getenv(name); v != "" && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("%w: invalid value %q of %s for flag -%s: %v", errUsage, v, name, f.Name, err)
			}
		}
	})
	if envErr != nil {
		return nil, envErr
	}
	var pos []string
	text, _ := fs.Output().(*bytes.Buffer)
	for {
		if text != nil {
			text.Reset()
		}
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				// Asked for, the help is the output (cairn search -h | grep
				// since), as cairn -h's is.
				if text != nil {
					e.stdout.Write(text.Bytes())
				}
				return nil, errHelp
			}
			help := "run cairn " + strings.TrimPrefix(fs.Name(), "cairn ") + " -h for help"
			if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
				if meant := closestFlag(fs, strings.TrimPrefix(name, "-")); meant != "" {
					help = "did you mean -" + meant + "? " + help
				}
			}
			return nil, fmt.Errorf("%w: %v (%s)", errUsage, err, help)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// spanFlag is a flag of a positive duration that takes days too (2d).
type spanFlag struct{ d *time.Duration }

func (f spanFlag) String() string {
	if f.d == nil {
		return ""
	}
	return f.d.String()
}

func (f spanFlag) Set(s string) error {
	d, ok := cairn.ParseSpan(s)
	if !ok {
		return fmt.Errorf("%q is not a duration such as 30m, 24h or 2d", s)
	}
	*f.d = d
	return nil
}

// parseTime reads a time or a span back from now (cairn.ParseTime).
func parseTime(s string, now time.Time) (time.Time, error) {
	t, err := cairn.ParseTime(s, now)
	if err != nil {
		return t, fmt.Errorf("%w: %w", errUsage, err)
	}
	return t, nil
}

// parseRange reads -since and -until. A date alone as -until means the end
// of that day, so that -since 2026-03-23 -until 2026-03-23 is that day; a
// range that ends before it begins is a usage error.
func parseRange(since, until string, now time.Time) (from, to time.Time, err error) {
	if from, err = parseTime(since, now); err != nil {
		return
	}
	if to, err = cairn.ParseUntil(until, now); err != nil {
		err = fmt.Errorf("%w: %w", errUsage, err)
		return
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		err = fmt.Errorf("%w: -since %s is not before -until %s", errUsage, since, until)
	}
	return
}

// badFlags marks an error of a configuration's Validate, which checks the
// flags' values, as a bad command line (exit status 2).
func badFlags(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %v", errUsage, err)
}
