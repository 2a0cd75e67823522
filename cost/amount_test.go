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

// TestCents: amounts for people are rounded to cents and grouped by
// thousands, negative ones (credits) too.
func TestCents(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0.00", "7": "7.00", "999.994": "999.99", "999.995": "1,000.00", "38866.6249": "38,866.62",
		"1234567.891": "1,234,567.89", "-1234.5": "-1,234.50", "-0.001": "0.00", "123456": "123,456.00", "not a number": "not a number",
	} {
		if got := Cents(in); got != want {
			t.Errorf("Cents(%q) = %q, want %q", in, got, want)
		}
	}
}
