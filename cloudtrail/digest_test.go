package cloudtrail

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testKey is testdata/digest-key.pem, made with openssl genrsa; the
// signature in testdata/digest.json.sig was made from it by openssl and
// checked with python-rsa as aws-cli checks signatures.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	b, err := os.ReadFile("testdata/digest-key.pem")
	if err != nil {
		panic(err)
	}
	block, _ := pem.Decode(b)
	k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		panic(err)
	}
	return k
})

var otherKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func str(s string) *string { return &s }

func TestParseDigestAWSSample(t *testing.T) {
	body, err := os.ReadFile("testdata/digest.json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseDigest(body)
	if err != nil {
		t.Fatal(err)
	}
	want := &Digest{
		AWSAccountID:    "111122223333",
		DigestStartTime: "2015-08-17T14:01:31Z", DigestEndTime: "2015-08-17T15:01:31Z",
		DigestS3Bucket:             "S3-bucket-name",
		DigestS3Object:             "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz",
		DigestPublicKeyFingerprint: "31e8b5433410dfb61a9dc45cc65b22ff",
		DigestSignatureAlgorithm:   "SHA256withRSA",
		NewestEventTime:            str("2015-08-17T14:52:27Z"), OldestEventTime: str("2015-08-17T14:42:27Z"),
		LogFiles: []DigestLogFile{{
			S3Bucket:        "S3-bucket-name",
			S3Object:        "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/17/111122223333_CloudTrail_us-east-2_20150817T1445Z_9nYN7gp2eWAJHIfT.json.gz",
			HashValue:       "9bb6196fc6b84d6f075a56548feca262bd99ba3c2de41b618e5b6e22c1fc71f6",
			HashAlgorithm:   "SHA-256",
			NewestEventTime: "2015-08-17T14:52:27Z", OldestEventTime: "2015-08-17T14:42:27Z",
		}},
	}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Fatalf("ParseDigest (-want +got):\n%s", diff)
	}
	if !d.IsChainStart() {
		t.Error("IsChainStart = false for a digest with null previous fields")
	}
	// The key in digestS3Object is the key layout's.
	info := ParseKey(d.DigestS3Object)
	if info.Kind != KeyDigest || info.TrailName != "your-trail-name" || info.Time.Format(DigestTimeFormat) != d.DigestEndTime {
		t.Errorf("ParseKey(digestS3Object) = %+v", info)
	}
}

// TestDigestSigningStringKnownAnswer pins the signing string byte for byte
// (format reference §3.3), and the signature over it to one made by
// openssl and verified by python-rsa, the library aws-cli uses.
func TestDigestSigningStringKnownAnswer(t *testing.T) {
	body, err := os.ReadFile("testdata/digest.json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseDigest(body)
	if err != nil {
		t.Fatal(err)
	}
	want := "2015-08-17T15:01:31Z\n" +
		"S3-bucket-name/AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz\n" +
		"0ca491c34158bbbfda175a56d350197cd97ad0cdb3a0184f21e83a7e0d208eb5\n" + // sha256sum testdata/digest.json
		"null"
	if got := DigestSigningString(d, body); got != want {
		t.Fatalf("DigestSigningString =\n%q\nwant\n%q", got, want)
	}
	d.PreviousDigestSignature = str("50887c")
	if got := DigestSigningString(d, body); !strings.HasSuffix(got, "eb5\n50887c") {
		t.Errorf("with a previous signature: %q", got)
	}
	d.PreviousDigestSignature = nil

	wantSig, err := os.ReadFile("testdata/digest.json.sig")
	if err != nil {
		t.Fatal(err)
	}
	sig, err := SignDigest(testKey(), d, body)
	if err != nil {
		t.Fatal(err)
	}
	if sig != strings.TrimSpace(string(wantSig)) {
		t.Fatalf("SignDigest = %s\nwant (openssl) %s", sig, wantSig)
	}
	if err := VerifyDigestSignature(&testKey().PublicKey, d, body, sig); err != nil {
		t.Fatal(err)
	}
}

func newTestDigest() *Digest {
	return &Digest{
		AWSAccountID:    "111122223333",
		DigestStartTime: "2026-03-10T00:00:31Z", DigestEndTime: "2026-03-10T01:00:31Z",
		DigestS3Bucket:             "b",
		DigestS3Object:             "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/03/10/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20260310T010031Z.json.gz",
		DigestPublicKeyFingerprint: PublicKeyFingerprint(&testKey().PublicKey),
		DigestSignatureAlgorithm:   SignatureAlgorithm,
	}
}

func TestDigestMarshal(t *testing.T) {
	d := newTestDigest()
	body := d.Marshal()
	// AWS's order, nulls kept, an empty list and not null.
	want := `{"awsAccountId":"111122223333","digestStartTime":"2026-03-10T00:00:31Z","digestEndTime":"2026-03-10T01:00:31Z",` +
		`"digestS3Bucket":"b","digestS3Object":"` + d.DigestS3Object + `","digestPublicKeyFingerprint":"` + d.DigestPublicKeyFingerprint + `",` +
		`"digestSignatureAlgorithm":"SHA256withRSA","newestEventTime":null,"oldestEventTime":null,"previousDigestS3Bucket":null,` +
		`"previousDigestS3Object":null,"previousDigestHashValue":null,"previousDigestHashAlgorithm":null,"previousDigestSignature":null,"logFiles":[]}`
	if string(body) != want {
		t.Fatalf("Marshal =\n%s\nwant\n%s", body, want)
	}
	if !bytes.Equal(d.Marshal(), body) {
		t.Fatal("Marshal is not deterministic")
	}
	back, err := ParseDigest(body)
	if err != nil {
		t.Fatal(err)
	}
	d.LogFiles = []DigestLogFile{}
	if diff := cmp.Diff(d, back); diff != "" {
		t.Fatalf("round trip (-want +got):\n%s", diff)
	}

	// A linked digest with log files round-trips too.
	sig, err := SignDigest(testKey(), d, body)
	if err != nil {
		t.Fatal(err)
	}
	next := newTestDigest()
	next.SetPrevious(d, body, sig)
	next.LogFiles = []DigestLogFile{{S3Bucket: "b", S3Object: "k", HashValue: "00", HashAlgorithm: HashAlgorithm, NewestEventTime: "n", OldestEventTime: "o"}}
	if *next.PreviousDigestHashValue != sha256Hex(body) || *next.PreviousDigestSignature != sig || next.IsChainStart() {
		t.Fatalf("SetPrevious: %+v", next)
	}
	back, err = ParseDigest(next.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(next, back); diff != "" {
		t.Fatalf("round trip (-want +got):\n%s", diff)
	}
}

func TestParseDigestErrors(t *testing.T) {
	valid := string(newTestDigest().Marshal())
	for _, tc := range []struct {
		name, body, want string
	}{
		{"not JSON", `{"awsAccountId":`, "not a JSON object"},
		{"an array", `[]`, "not a JSON object"},
		{"missing end time", strings.Replace(valid, `"digestEndTime":"2026-03-10T01:00:31Z",`, "", 1), `missing "digestEndTime"`},
		{"missing previous signature", strings.Replace(valid, `"previousDigestSignature":null,`, "", 1), `missing "previousDigestSignature"`},
		{"missing logFiles", strings.Replace(valid, `,"logFiles":[]`, "", 1), `missing "logFiles"`},
		{"null logFiles", strings.Replace(valid, `"logFiles":[]`, `"logFiles":null`, 1), "logFiles is not an array"},
		{"null bucket", strings.Replace(valid, `"digestS3Bucket":"b"`, `"digestS3Bucket":null`, 1), "digestS3Bucket is empty or null"},
		{"bad time", strings.Replace(valid, `"2026-03-10T01:00:31Z"`, `"yesterday"`, 1), `digestEndTime "yesterday" is not a time`},
		{"number for string", strings.Replace(valid, `"digestS3Bucket":"b"`, `"digestS3Bucket":7`, 1), "digestS3Bucket"},
		{"duplicate key", strings.Replace(valid, `"digestS3Bucket":"b"`, `"digestS3Bucket":"b","digestS3Bucket":"c"`, 1), "duplicate"},
		{"half a link", strings.Replace(valid, `"previousDigestSignature":null`, `"previousDigestSignature":"ab"`, 1), "previousDigestS3Bucket is empty or null while"},
		{"log without hash", strings.Replace(valid, `"logFiles":[]`, `"logFiles":[{"s3Bucket":"b","s3Object":"k"}]`, 1), "logFiles[0].hashValue"},
		{"log hashed with MD5", strings.Replace(valid, `"logFiles":[]`, `"logFiles":[{"s3Bucket":"b","s3Object":"k","hashValue":"00","hashAlgorithm":"MD5"}]`, 1), `"MD5" is not SHA-256`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDigest([]byte(tc.body))
			if err == nil {
				t.Fatalf("ParseDigest(%s) succeeded", tc.body)
			}
			if !errors.Is(err, ErrInvalidDigest) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want it to wrap ErrInvalidDigest and contain %q", err, tc.want)
			}
			checkOneLine(t, err)
		})
	}
	// Unknown keys and any order are fine.
	if _, err := ParseDigest([]byte(`{"futureField":{"x":1},` + valid[1:])); err != nil {
		t.Fatalf("unknown field: %v", err)
	}
}

func TestSignVerifyDigest(t *testing.T) {
	d := newTestDigest()
	body := d.Marshal()
	pub := &testKey().PublicKey
	sig, err := SignDigest(testKey(), d, body)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := SignDigest(testKey(), d, body); again != sig {
		t.Fatal("SignDigest is not deterministic")
	}
	if err := VerifyDigestSignature(pub, d, body, sig); err != nil {
		t.Fatal(err)
	}
	if err := VerifyDigestSignature(pub, d, body, strings.ToUpper(sig)); err != nil {
		t.Fatalf("upper-case hex: %v", err)
	}
	other, _ := SignDigest(otherKey(), d, body)
	moved := newTestDigest()
	moved.DigestS3Object = strings.Replace(moved.DigestS3Object, "010031Z", "020031Z", 1)
	for name, check := range map[string]error{
		"another body":       VerifyDigestSignature(pub, d, append(bytes.Clone(body), ' '), sig),
		"another location":   VerifyDigestSignature(pub, moved, body, sig),
		"another key's":      VerifyDigestSignature(pub, d, body, other),
		"verified by other":  VerifyDigestSignature(&otherKey().PublicKey, d, body, sig),
		"not hex":            VerifyDigestSignature(pub, d, body, "zz"),
		"empty":              VerifyDigestSignature(pub, d, body, ""),
		"previous sig added": VerifyDigestSignature(pub, &Digest{DigestEndTime: d.DigestEndTime, DigestS3Bucket: d.DigestS3Bucket, DigestS3Object: d.DigestS3Object, PreviousDigestSignature: str("00")}, body, sig),
	} {
		if !errors.Is(check, ErrBadSignature) {
			t.Errorf("%s: %v, want ErrBadSignature", name, check)
		}
	}
}

func TestPublicKeyFingerprint(t *testing.T) {
	fp := PublicKeyFingerprint(&testKey().PublicKey)
	if len(fp) != 32 || strings.Trim(fp, "0123456789abcdef") != "" {
		t.Fatalf("fingerprint %q is not 32 lowercase hex characters", fp)
	}
	if PublicKeyFingerprint(&testKey().PublicKey) != fp || PublicKeyFingerprint(&otherKey().PublicKey) == fp {
		t.Fatal("fingerprints are not stable and distinct")
	}
}

func TestParsePublicKey(t *testing.T) {
	pub := &testKey().PublicKey
	pkcs1 := MarshalPublicKeyDER(pub)
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString
	wrapped := b64(spki)
	wrapped = wrapped[:64] + "\n" + wrapped[64:] + "\n"
	for name, in := range map[string][]byte{
		"PKCS#1 DER":         pkcs1,
		"SPKI DER":           spki,
		"PKCS#1 base64":      []byte(b64(pkcs1)),
		"SPKI base64 lines":  []byte(wrapped),
		"unpadded base64":    []byte(base64.RawStdEncoding.EncodeToString(pkcs1)),
		"RSA PUBLIC KEY PEM": pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: pkcs1}),
		"PUBLIC KEY PEM":     append([]byte("\n"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki})...),
	} {
		got, err := ParsePublicKey(in)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !got.Equal(pub) {
			t.Errorf("%s: another key", name)
		}
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	priv, _ := os.ReadFile("testdata/digest-key.pem")
	small := &rsa.PublicKey{N: new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 511), big.NewInt(1)), E: 65537}
	// A signing key's file stands for its public half.
	block, _ := pem.Decode(priv)
	signer, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ParsePublicKey(priv); err != nil || !got.Equal(&signer.PublicKey) {
		t.Errorf("private key PEM: %v", err)
	}
	for name, tc := range map[string]struct {
		in   []byte
		want string
	}{
		"EC private key PEM": {pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: []byte{1}}), "PEM holds EC PRIVATE KEY"},
		"EC key":             {ecDER, "not an RSA key"},
		"garbage":            {[]byte("hello, world"), "neither PEM, DER nor base64"},
		"bad DER":            {[]byte{0x30, 1, 2}, "neither PKCS#1 nor SubjectPublicKeyInfo"},
		"empty":              {nil, "neither PKCS#1 nor SubjectPublicKeyInfo"},
		"512 bits":           {MarshalPublicKeyDER(small), "512 bits"},
	} {
		_, err := ParsePublicKey(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, tc.want)
		}
	}
}

func TestGzip(t *testing.T) {
	body := []byte(strings.Repeat(`{"Records":[]}`, 100))
	z := Gzip(body)
	if !bytes.Equal(Gzip(body), z) {
		t.Fatal("Gzip is not deterministic")
	}
	back, err := Gunzip(bytes.NewReader(z), int64(len(body)))
	if err != nil || !bytes.Equal(back, body) {
		t.Fatalf("Gunzip = %q, %v", back, err)
	}
	if _, err := Gunzip(bytes.NewReader(z), int64(len(body)-1)); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("Gunzip over the limit: %v", err)
	}
	if _, err := Gunzip(bytes.NewReader(z[:len(z)-5]), 1<<20); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("Gunzip of a truncated stream: %v", err)
	}
	if _, err := Gunzip(strings.NewReader("{}"), 1<<20); err == nil {
		t.Fatal("Gunzip of plain JSON succeeded")
	}
}

// FuzzParseDigest: nothing panics, errors are one line, and what parses
// survives Marshal and ParseDigest unchanged.
func FuzzParseDigest(f *testing.F) {
	sample, err := os.ReadFile("testdata/digest.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample)
	d := newTestDigest()
	f.Add(d.Marshal())
	next := newTestDigest()
	next.SetPrevious(d, d.Marshal(), "abcd")
	next.LogFiles = []DigestLogFile{{S3Bucket: "b", S3Object: "k", HashValue: "00"}}
	f.Add(next.Marshal())
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := ParseDigest(body)
		if err != nil {
			checkOneLine(t, err)
			return
		}
		if d.DigestS3Object == "" || d.DigestEndTime == "" || d.LogFiles == nil {
			t.Fatalf("parsed digest lacks required fields: %+v", d)
		}
		if _, _, err := d.Times(); err != nil {
			t.Fatal(err)
		}
		back, err := ParseDigest(d.Marshal())
		if err != nil {
			t.Fatalf("Marshal output does not parse: %v\n%s", err, d.Marshal())
		}
		if diff := cmp.Diff(d, back); diff != "" {
			t.Fatalf("round trip (-parsed +again):\n%s", diff)
		}
		_ = DigestSigningString(d, body)
	})
}

// FuzzParsePublicKey: nothing panics, errors are one line, and a key that
// parses survives MarshalPublicKeyDER and ParsePublicKey.
func FuzzParsePublicKey(f *testing.F) {
	pub := &testKey().PublicKey
	pkcs1 := MarshalPublicKeyDER(pub)
	spki, _ := x509.MarshalPKIXPublicKey(pub)
	f.Add(pkcs1)
	f.Add(spki)
	f.Add([]byte(base64.StdEncoding.EncodeToString(pkcs1)))
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}))
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: pkcs1}))
	f.Add([]byte("-----BEGIN"))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParsePublicKey(b)
		if err != nil {
			checkOneLine(t, err)
			return
		}
		back, err := ParsePublicKey(MarshalPublicKeyDER(k))
		if err != nil || !back.Equal(k) {
			t.Fatalf("round trip: %v", err)
		}
		if len(PublicKeyFingerprint(k)) != 32 {
			t.Fatal("fingerprint is not 32 characters")
		}
	})
}

// AddLogFile widens the digest's event times to its files', in whatever
// order they come.
func TestDigestAddLogFile(t *testing.T) {
	var d Digest
	for _, f := range []DigestLogFile{
		{S3Object: "b", OldestEventTime: "2026-03-14T10:05:00Z", NewestEventTime: "2026-03-14T10:09:00Z"},
		{S3Object: "a", OldestEventTime: "2026-03-14T09:58:00Z", NewestEventTime: "2026-03-14T10:01:00Z"},
		{S3Object: "c", OldestEventTime: "2026-03-14T10:00:00Z", NewestEventTime: "2026-03-14T10:04:00Z"},
	} {
		d.AddLogFile(f)
	}
	if len(d.LogFiles) != 3 || d.LogFiles[0].S3Object != "b" || *d.OldestEventTime != "2026-03-14T09:58:00Z" || *d.NewestEventTime != "2026-03-14T10:09:00Z" {
		t.Errorf("files %v, oldest %s, newest %s", d.LogFiles, *d.OldestEventTime, *d.NewestEventTime)
	}
}
