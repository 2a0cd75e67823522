package sim

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// mix is splitmix64's finaliser. The simulator derives values that several
// streams must agree on (a person's session of the day, a CI run's id) from
// hashes of their coordinates rather than from a shared random source, so
// streams can run in parallel and still be deterministic.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// hash combines values into one 64-bit hash.
func hash(vs ...uint64) uint64 {
	h := uint64(0x243f6a8885a308d3)
	for _, v := range vs {
		h = mix(h ^ v)
	}
	return h
}

func hashStr(s string) uint64 {
	h := uint64(1469598103934665603)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return mix(h)
}

const (
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	upperHex   = "0123456789ABCDEF"
	mixedAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// hexID returns prefix followed by n lowercase hex digits from r.
func hexID(r *rand.Rand, prefix string, n int) string {
	b := make([]byte, 0, len(prefix)+n)
	b = append(b, prefix...)
	return string(appendHex(b, r, n))
}

func appendHex(b []byte, r *rand.Rand, n int) []byte {
	var x uint64
	for i := 0; i < n; i++ {
		if i%16 == 0 {
			x = r.Uint64()
		}
		b = append(b, hexDigits[x&0xf])
		x >>= 4
	}
	return b
}

// charsFrom returns n characters of alphabet chosen by h (deterministic).
func charsFrom(h uint64, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		if i > 0 && i%10 == 0 {
			h = mix(h)
		}
		b[i] = alphabet[h%uint64(len(alphabet))]
		h /= uint64(len(alphabet))
	}
	return string(b)
}

func randChars(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// appendUUID appends a random UUID in version-4 form.
func appendUUID(b []byte, r *rand.Rand) []byte {
	hi, lo := r.Uint64(), r.Uint64()
	hi = hi&^(0xf<<12) | 0x4<<12
	lo = lo&^(0x3<<62) | 0x2<<62
	var u [16]byte
	for i := 0; i < 8; i++ {
		u[i] = byte(hi >> (56 - 8*i))
		u[8+i] = byte(lo >> (56 - 8*i))
	}
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return b
}

func uuid(r *rand.Rand) string { return string(appendUUID(make([]byte, 0, 36), r)) }

// hashUUID is a deterministic UUID from a hash.
func hashUUID(h uint64) string {
	return uuid(rand.New(rand.NewPCG(h, mix(h))))
}

func itoa(v int) string { return strconv.Itoa(v) }

func fmtTime(t time.Time) string { return string(appendTime(nil, t)) }
