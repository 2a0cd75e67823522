package cairn

import (
	"math/big"
	"testing"
)

// A cell reads the same whether it came from the index or, as JSON, from
// the server's client.
func TestCellReaders(t *testing.T) {
	for _, c := range []struct {
		v    any
		n    int64
		text string
	}{
		{int64(42), 42, "42"},
		{float64(42), 42, "42"},
		{big.NewInt(42), 42, "42"},
		{"42", 42, "42"},
		{nil, 0, ""},
		{"orders", 0, "orders"},
	} {
		if got := CellInt(c.v); got != c.n {
			t.Errorf("CellInt(%#v) = %d, want %d", c.v, got, c.n)
		}
		if got := CellText(c.v); got != c.text {
			t.Errorf("CellText(%#v) = %q, want %q", c.v, got, c.text)
		}
	}
}
