package cairn

import (
	"fmt"
	"math/big"
	"strconv"
)

// CellText reads a Table cell as text: a string as it is, NULL as "", any
// other value as fmt prints it.
func CellText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// CellInt reads a Table cell as an integer, whichever way the table
// travelled: the index gives int64 (and *big.Int for HUGEINT, a sum), the
// server's client float64, as JSON numbers are; text is parsed, and
// anything else is 0.
func CellInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case uint64:
		return int64(x)
	case float64:
		return int64(x)
	case *big.Int:
		return x.Int64()
	}
	n, _ := strconv.ParseInt(CellText(v), 10, 64)
	return n
}
