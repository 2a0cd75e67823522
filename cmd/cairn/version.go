package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "")
	pos, err := parse(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("%w: version takes no arguments", errUsage)
	}
	fmt.Fprintln(e.stdout, version())
	return nil
}

// version is the module's version and the commit it was built from, as Go
// records them in the binary.
func version() string {
	v, commit, dirty := "(devel)", "", false
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	s := "cairn " + v
	if commit != "" {
		s += ", commit " + commit[:min(len(commit), 12)]
		if dirty {
			s += " with local changes"
		}
	}
	return s + ", " + runtime.Version()
}
