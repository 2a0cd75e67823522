package main

import (
	"flag"
	"maps"
	"slices"

	"github.com/cairn-audit/cairn"
)

// closestCommand is the command a mistyped name most likely meant, or "":
// one letter wrong, missing, extra or two swapped.
func closestCommand(name string) string {
	for _, c := range slices.Sorted(maps.Keys(commands)) {
		if nearly(name, c) {
			return c
		}
	}
	return ""
}

// closestFlag is the flag of fs a mistyped name most likely meant, or "",
// as closestCommand judges.
func closestFlag(fs *flag.FlagSet, name string) string {
	if other, ok := otherToolsFlags[name]; ok && fs.Lookup(other) != nil {
		return other
	}
	meant := ""
	fs.VisitAll(func(f *flag.Flag) {
		if meant == "" && nearly(name, f.Name) {
			meant = f.Name
		}
	})
	return meant
}

// otherToolsFlags are the names other servers give cairn's flags.
var otherToolsFlags = map[string]string{"addr": "listen", "address": "listen", "bind": "listen", "port": "listen"}

// nearly reports whether typed is name with one letter wrong, missing,
// extra, or two swapped.
func nearly(typed, name string) bool {
	return cairn.EditDistance(typed, name) <= 1 || swapped(typed, name)
}

// swapped reports whether a is b with two neighbouring letters swapped.
func swapped(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i+1 < len(a); i++ {
		if a[i] != b[i] {
			return a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
		}
	}
	return false
}
