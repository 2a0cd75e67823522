package main

import (
	"flag"
	"maps"
	"slices"
)

// closestCommand is the command a mistyped name most likely meant, or "":
// one letter wrong, missing, extra or two swapped.
func closestCommand(name string) string {
	for _, c := range slices.Sorted(maps.Keys(commands)) {
		if editDistance(name, c) <= 1 || swapped(name, c) {
			return c
		}
	}
	return ""
}

// closestFlag is the flag of fs a mistyped name most likely meant, or "".
func closestFlag(fs *flag.FlagSet, name string) string {
	meant := ""
	fs.VisitAll(func(f *flag.Flag) {
		if meant == "" && (editDistance(name, f.Name) <= 1 || swapped(name, f.Name)) {
			meant = f.Name
		}
	})
	return meant
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
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
