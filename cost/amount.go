package cost

import (
	"math/big"
	"strings"
)

// amountScale is the store's precision: costs are DECIMAL(38,10).
const amountScale = 10

// scaled is an exact amount in units of 10⁻¹⁰. Adding them needs no common
// denominator, as big.Rat's additions do: normalising the sums of a
// resource report over 10,000,000 rows (14,000 resources) took a quarter
// of it.
type scaled = big.Int

// parseScaled reads an exact decimal the engine printed ("-12.3400000000",
// "7"). A value with more decimals than the store keeps, or not a number,
// is read through big.Rat, rounding to the store's precision.
func parseScaled(s string) *scaled {
	digits, neg := strings.CutPrefix(s, "-")
	whole, frac, _ := strings.Cut(digits, ".")
	if len(frac) > amountScale || whole == "" && frac == "" {
		return ratScaled(s)
	}
	buf := make([]byte, 0, len(whole)+amountScale+1)
	if neg {
		buf = append(buf, '-')
	}
	buf = append(buf, whole...)
	buf = append(buf, frac...)
	for range amountScale - len(frac) {
		buf = append(buf, '0')
	}
	v, ok := new(scaled).SetString(string(buf), 10)
	if !ok {
		return ratScaled(s)
	}
	return v
}

// ratScaled is parseScaled's slow path.
func ratScaled(s string) *scaled {
	r := mustRat(s)
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(amountScale), nil)))
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if new(big.Int).Lsh(m.Abs(m), 1).Cmp(r.Denom()) >= 0 { // half or more: away from zero, as FloatString rounds
		q.Add(q, big.NewInt(int64(r.Num().Sign())))
	}
	return q
}

// scaledString prints v as decimalString prints: ten decimals at most,
// trailing zeros cut.
func scaledString(v *scaled) string {
	s := new(big.Int).Abs(v).String()
	if len(s) <= amountScale {
		s = strings.Repeat("0", amountScale-len(s)+1) + s
	}
	whole, frac := s[:len(s)-amountScale], strings.TrimRight(s[len(s)-amountScale:], "0")
	out := whole
	if frac != "" {
		out += "." + frac
	}
	if v.Sign() < 0 && out != "0" {
		out = "-" + out
	}
	return out
}

// Cents is an exact amount for people: rounded to cents, with thousands
// separators (38,866.62), as the web UI writes its counts. JSON and CSV
// keep every digit.
func Cents(amount string) string {
	r, ok := new(big.Rat).SetString(amount)
	if !ok {
		return amount
	}
	s := r.FloatString(2)
	sign, digits := "", s
	if strings.HasPrefix(s, "-") {
		digits = s[1:]
		if strings.Trim(digits, "0.") != "" { // no -0.00 for a credit under a cent
			sign = "-"
		}
	}
	whole, frac, _ := strings.Cut(digits, ".")
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	b.WriteString("." + frac)
	return b.String()
}
