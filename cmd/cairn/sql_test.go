package main

import "testing"

// A number in cairn sql's table is written out, as the engine writes it;
// only the very large or small keep an exponent.
func TestCellNumbers(t *testing.T) {
	for v, want := range map[any]string{
		1772323200.0: "1772323200", 2.5: "2.5", 0.0: "0", -0.125: "-0.125", 1e30: "1e+30", 1e-9: "1e-09",
		int64(42): "42", nil: "NULL", true: "true",
	} {
		if got := cell(v); got != want {
			t.Errorf("cell(%v) = %q, want %q", v, got, want)
		}
	}
}
