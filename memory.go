package cairn

import (
	"errors"
	"regexp"
	"strings"
)

// MemorySize is a memory limit flag as the query engine reads one, a number
// and a unit of bytes (2GB, 512MiB): checked when the flag is set, rather
// than by the engine when it starts, whose message names its own SET
// statement.
type MemorySize string

var memorySizePattern = regexp.MustCompile(`^(?i)\s*[0-9]+(\.[0-9]+)?\s*(b|bytes?|[kmgt]i?b)\s*$`)

func (m *MemorySize) String() string { return string(*m) }

// Set implements flag.Value.
func (m *MemorySize) Set(s string) error {
	if !memorySizePattern.MatchString(s) {
		return errors.New("give a size with its unit, such as 2GB or 512MiB")
	}
	*m = MemorySize(strings.TrimSpace(s))
	return nil
}
