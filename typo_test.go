package cairn

import "testing"

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"search", "search", 0}, {"serch", "search", 1}, {"searchx", "search", 1},
		{"saerch", "search", 2}, {"EC2", "AmazonEC2", 6}, {"", "why", 3},
	} {
		if got := EditDistance(c.a, c.b); got != c.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
