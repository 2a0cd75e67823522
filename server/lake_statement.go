package server

import (
	"strings"
	"unicode"
)

// lakeStatement reads a Lake query's event data store, named by its ID
// (EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE) where a table goes (after FROM or
// JOIN, or after a comma in a FROM list), as the lake view. Such an ID is
// not a table name SQL could otherwise mean: it holds dashes. Quoted text
// and comments are left as they are.
//
// A statement that names eventData asks an integration's event data store
// (the events applications record with PutAuditEvents), which Lake keeps
// apart with that schema: its IDs are read as the activity view instead.
func lakeStatement(q string) string {
	var stores [][2]int // where the IDs are, to be replaced
	namesEventData := false
	afterTableWord := false // a table name may come next
	// inFrom[d] says whether the FROM list of the query at parenthesis
	// depth d is being read, where a comma comes before another table.
	inFrom := []bool{false}
	for i := 0; i < len(q); {
		c := q[i]
		depth := len(inFrom) - 1
		switch {
		case c == '\'':
			i, afterTableWord = quotedEnd(q, i, '\''), false
		case c == '"':
			j := quotedEnd(q, i, '"')
			// A name glued to what follows ("a-b"-c) is no table's.
			glued := j < len(q) && (isWordByte(q[j]) || q[j] == '-')
			closed := j-1 > i && q[j-1] == '"'
			if afterTableWord && closed && !glued && isDataStoreID(q[i+1:j-1]) {
				stores = append(stores, [2]int{i, j})
			}
			namesEventData = namesEventData || closed && strings.EqualFold(q[i+1:j-1], "eventData")
			i, afterTableWord = j, false
		case strings.HasPrefix(q[i:], "--"):
			if j := strings.IndexByte(q[i:], '\n'); j >= 0 {
				i += j
			} else {
				i = len(q)
			}
		case strings.HasPrefix(q[i:], "/*"):
			if j := strings.Index(q[i+2:], "*/"); j >= 0 {
				i += 2 + j + 2
			} else {
				i = len(q)
			}
		case isWordByte(c):
			// A run of words joined by single dashes, read once: an ID
			// where a table goes, or else words and minus signs (whose
			// last word is the one that counts).
			j := i
			for {
				for j < len(q) && isWordByte(q[j]) {
					j++
				}
				if j+1 < len(q) && q[j] == '-' && isWordByte(q[j+1]) {
					j++
					continue
				}
				break
			}
			run := q[i:j]
			namesEventData = namesEventData || strings.EqualFold(run, "eventData")
			if afterTableWord && isDataStoreID(run) {
				stores = append(stores, [2]int{i, j})
				afterTableWord = false
			} else {
				word := run[strings.LastIndexByte(run, '-')+1:]
				upper := strings.ToUpper(word)
				afterTableWord = upper == "FROM" || upper == "JOIN"
				if upper == "FROM" {
					inFrom[depth] = true
				} else if fromListEnds[upper] {
					inFrom[depth] = false
				}
			}
			i = j
		default:
			switch {
			case c == '(':
				inFrom = append(inFrom, false)
			case c == ')' && depth > 0:
				inFrom = inFrom[:depth]
			}
			if !unicode.IsSpace(rune(c)) {
				afterTableWord = c == ',' && inFrom[len(inFrom)-1]
			}
			i++
		}
	}
	view := "lake"
	if namesEventData {
		view = "activity"
	}
	var b strings.Builder
	last := 0
	for _, at := range stores {
		b.WriteString(q[last:at[0]])
		b.WriteString(view)
		last = at[1]
	}
	b.WriteString(q[last:])
	return b.String()
}

// fromListEnds are the words after which a comma no longer separates
// tables.
var fromListEnds = map[string]bool{
	"WHERE": true, "GROUP": true, "HAVING": true, "ORDER": true, "LIMIT": true, "OFFSET": true, "UNION": true,
	"EXCEPT": true, "INTERSECT": true, "WINDOW": true, "QUALIFY": true, "ON": true, "USING": true, "SELECT": true,
}

// quotedEnd returns where the quoted text that starts at i ends (past its
// closing quote; a doubled quote is part of the text).
func quotedEnd(q string, i int, quote byte) int {
	for j := i + 1; j < len(q); j++ {
		if q[j] == quote {
			if j+1 < len(q) && q[j+1] == quote {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(q)
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// isDataStoreID reports whether s has the shape of an event data store's
// ID: letters and digits in groups joined by dashes.
func isDataStoreID(s string) bool {
	groups := strings.Split(s, "-")
	if len(groups) < 2 {
		return false
	}
	for _, g := range groups {
		if g == "" || strings.IndexFunc(g, func(r rune) bool { return !(r < 0x80 && isWordByte(byte(r))) || r == '_' }) >= 0 {
			return false
		}
	}
	return true
}
