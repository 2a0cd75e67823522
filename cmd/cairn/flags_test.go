package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFlagErrorsAreOneLine: a mistyped flag gets the one line that names
// it, not the command's whole usage; -h still prints the usage.
func TestFlagErrorsAreOneLine(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		code    int
		oneLine bool
		want    string
	}{
		{[]string{"search", "-usr", "bob"}, 2, true, "flag provided but not defined: -usr"},
		{[]string{"why", "i-0abc", "-at", "yesterday"}, 2, true, "neither a time"},
		{[]string{"search", "-limit", "many"}, 2, true, "invalid value"},
		{[]string{"search", "-since", "2026-03-24", "-until", "2026-03-23"}, 2, true, "is not before -until"},
		{[]string{"search", "-ip", "45.142.120.0/24"}, 2, true, "not a network"},
	} {
		var stdout, stderr bytes.Buffer
		e := &env{stdout: &stdout, stderr: &stderr, stdin: strings.NewReader(""), getenv: func(string) string { return "" }}
		code := run(context.Background(), e, tc.args)
		lines := strings.Count(stderr.String(), "\n")
		if code != tc.code || !strings.Contains(stderr.String(), tc.want) || tc.oneLine != (lines == 1) {
			t.Errorf("cairn %s: exit %d, %d lines on stderr, want exit %d, %q, one line %v:\n%s",
				strings.Join(tc.args, " "), code, lines, tc.code, tc.want, tc.oneLine, stderr.String())
		}
	}
}

// TestHelpIsOutput: a command's -h, asked for, prints its usage on stdout,
// as cairn -h does, so that it can be piped to grep or less.
func TestHelpIsOutput(t *testing.T) {
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, stdin: strings.NewReader(""), getenv: func(string) string { return "" }}
	for _, tc := range []struct {
		args        []string
		usage, flag string
	}{
		{[]string{"search", "-h"}, "Usage: cairn search", "-since"},
		{[]string{"help", "search"}, "Usage: cairn search", "-since"},
		{[]string{"help", "cost", "report"}, "Usage: cairn cost report", "-by"},
	} {
		stdout.Reset()
		if code := run(context.Background(), e, tc.args); code != 0 || !strings.Contains(stdout.String(), tc.usage) ||
			!strings.Contains(stdout.String(), tc.flag) || stderr.Len() != 0 {
			t.Errorf("cairn %v: exit %d\nstdout:\n%s\nstderr:\n%s", tc.args, code, stdout.String(), stderr.String())
		}
	}
}

// TestTextFormatIsTable: -format table, as search and sql call their text,
// is text wherever a command prints text for people.
func TestTextFormatIsTable(t *testing.T) {
	for _, f := range []string{"text", "table", "json"} {
		format := f
		if err := textOrJSON(&format); err != nil || (f == "json") != (format == "json") || (f != "json" && format != "text") {
			t.Errorf("-format %s: %q, %v", f, format, err)
		}
	}
	format := "csv"
	if err := textOrJSON(&format); !errors.Is(err, errUsage) {
		t.Errorf("-format csv: %v, want a usage error", err)
	}
	// And text is table where the text is called a table.
	for _, f := range []string{"text", "table", "csv"} {
		format := f
		if err := tableOr(&format, "json", "csv"); err != nil || format != f && format != "table" {
			t.Errorf("table or json or csv, -format %s: %q, %v", f, format, err)
		}
	}
	format = "xml"
	if err := tableOr(&format, "json"); !errors.Is(err, errUsage) {
		t.Errorf("-format xml: %v, want a usage error", err)
	}
	// Every command that prints a table takes -format text.
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, stdin: strings.NewReader(""), getenv: func(string) string { return "" }}
	data := t.TempDir()
	for _, args := range [][]string{
		{"sql", "-data", data, "-format", "text", "SELECT 1"},
		{"channel", "list", "-data", data, "-format", "text"},
		{"cost", "report", "-data", data, "-format", "text"},
		{"cost", "spikes", "-data", data, "-format", "text"},
	} {
		stderr.Reset()
		if code := run(context.Background(), e, args); code == 2 {
			t.Errorf("cairn %v: a usage error\n%s", args, stderr.String())
		}
	}
}

// A negative span, a time in the future, is refused rather than searched.
func TestNegativeSinceRefused(t *testing.T) {
	if _, err := parseTime("-5d", time.Now()); err == nil {
		t.Error("-since -5d was taken as a time")
	}
}

// TestBadIngestCommandLines: a flag value out of range is a bad command line
// (exit 2), and a source that does not open leaves no data folder behind.
func TestBadIngestCommandLines(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	for _, args := range [][]string{
		{"ingest", "-data", data, "-ingest.workers", "0", dir},
		{"ingest", "-data", data, "-ingest.batch", "-5", dir},
		{"serve", "-data", data, "-delivery.interval", "0"},
		{"serve", "-data", data, "-index.memory-limit", "lots"},
	} {
		if r := runCairn(t, nil, args...); r.code != 2 || !strings.Contains(r.stderr, "usage: ") {
			t.Errorf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
	}
	if r := runCairn(t, nil, "ingest", "-data", data, filepath.Join(dir, "nowhere")); r.code != 1 {
		t.Errorf("a missing source: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("a failed ingest left a data folder: %v", err)
	}
}

// TestBadEnvironmentValue: a flag's value from the environment that does
// not parse names the variable and the flag it sets.
func TestBadEnvironmentValue(t *testing.T) {
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, stdin: strings.NewReader(""), getenv: func(k string) string {
		if k == "CAIRN_LIMIT" {
			return "abc"
		}
		return ""
	}}
	if code := run(context.Background(), e, []string{"search", "-data", t.TempDir()}); code != 2 ||
		!strings.Contains(stderr.String(), `invalid value "abc" of CAIRN_LIMIT for flag -limit`) {
		t.Errorf("CAIRN_LIMIT=abc: exit %d: %s", code, stderr.String())
	}
}
