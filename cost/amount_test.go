package cost

import (
	"math/big"
	"testing"
)

// Scaled amounts print as big.Rat's did, and add exactly.
func TestScaledAmounts(t *testing.T) {
	for _, s := range []string{"0", "-0", "7", "-7", "0.0000000001", "-0.0000000001", "12.3400000000", "-12.34",
		"33687.3260765485", "123456789012345678901234567.8901234567", "0.5", ".5", "-.25", "1.00000000005", "x"} {
		want := decimalString(mustRat(s))
		if s == "1.00000000005" {
			want = "1.0000000001" // rounded to the store's precision
		}
		if got := scaledString(parseScaled(s)); got != want {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
	sum, want := new(scaled), new(big.Rat)
	for _, s := range []string{"0.1", "0.2", "-0.0000000003", "1000000000000.9999999999"} {
		sum.Add(sum, parseScaled(s))
		want.Add(want, mustRat(s))
	}
	if scaledString(sum) != decimalString(want) {
		t.Errorf("sum %s, want %s", scaledString(sum), decimalString(want))
	}
}
