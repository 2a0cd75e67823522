package cairn

import "testing"

func TestMemorySize(t *testing.T) {
	for _, c := range []struct {
		given, want string
		ok          bool
	}{
		{"2GB", "2GB", true},
		{" 512 MiB ", "512 MiB", true},
		{"1.5gb", "1.5gb", true},
		{"100bytes", "100bytes", true},
		{"lots", "", false},
		{"100", "", false}, // no unit: bytes or megabytes?
		{"1GB'; ATTACH 'x", "", false},
		{"-1GB", "", false},
	} {
		var m MemorySize
		err := m.Set(c.given)
		if (err == nil) != c.ok || string(m) != c.want {
			t.Errorf("%q: %q, %v", c.given, m, err)
		}
	}
}
