package cloudtrail

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/klauspost/compress/gzip"
)

// Names and values that digest files use (format reference §3).
const (
	// MetaSignature and MetaSignatureAlgorithm are the S3 user metadata
	// names (x-amz-meta-…) that carry a digest's hex signature and its
	// algorithm.
	MetaSignature          = "signature"
	MetaSignatureAlgorithm = "signature-algorithm"
	// MetaBackfillGenerationTimestamp is the metadata that every backfill
	// digest carries; aws-cli rejects a backfill digest without it.
	MetaBackfillGenerationTimestamp = "backfill-generation-timestamp"

	// SignatureAlgorithm is the only signature algorithm CloudTrail uses:
	// RSA PKCS#1 v1.5 over SHA-256.
	SignatureAlgorithm = "SHA256withRSA"
	// HashAlgorithm is the only hash algorithm digests name.
	HashAlgorithm = "SHA-256"
	// DigestTimeFormat is the layout of digestStartTime and digestEndTime.
	DigestTimeFormat = "2006-01-02T15:04:05Z"
)

// ErrInvalidDigest is wrapped by the errors of ParseDigest.
var ErrInvalidDigest = errors.New("invalid digest file")

// Digest is one digest file: what a trail delivered in one period, with the
// link to the previous digest. Fields carry AWS's JSON names and Marshal
// emits them in AWS's order. Nil pointers are emitted as null, never
// omitted, because aws-cli rejects a digest without the keys.
type Digest struct {
	AWSAccountID string `json:"awsAccountId"`
	// DigestStartTime and DigestEndTime bound the delivery times of the
	// listed log files (DigestTimeFormat). They are kept verbatim because
	// the signature covers the end time's text.
	DigestStartTime            string `json:"digestStartTime"`
	DigestEndTime              string `json:"digestEndTime"`
	DigestS3Bucket             string `json:"digestS3Bucket"`
	DigestS3Object             string `json:"digestS3Object"`
	DigestPublicKeyFingerprint string `json:"digestPublicKeyFingerprint"`
	DigestSignatureAlgorithm   string `json:"digestSignatureAlgorithm"`
	// NewestEventTime and OldestEventTime are null in an empty digest.
	NewestEventTime *string `json:"newestEventTime"`
	OldestEventTime *string `json:"oldestEventTime"`
	// The previous digest's location, the hex SHA-256 of its uncompressed
	// body, and its hex signature; all null at the start of a chain.
	PreviousDigestS3Bucket      *string         `json:"previousDigestS3Bucket"`
	PreviousDigestS3Object      *string         `json:"previousDigestS3Object"`
	PreviousDigestHashValue     *string         `json:"previousDigestHashValue"`
	PreviousDigestHashAlgorithm *string         `json:"previousDigestHashAlgorithm"`
	PreviousDigestSignature     *string         `json:"previousDigestSignature"`
	LogFiles                    []DigestLogFile `json:"logFiles"`
}

// DigestLogFile is one log file that a digest vouches for. HashValue is the
// hex SHA-256 of the uncompressed log file.
type DigestLogFile struct {
	S3Bucket        string `json:"s3Bucket"`
	S3Object        string `json:"s3Object"`
	HashValue       string `json:"hashValue"`
	HashAlgorithm   string `json:"hashAlgorithm"`
	NewestEventTime string `json:"newestEventTime"`
	OldestEventTime string `json:"oldestEventTime"`
}

// IsChainStart reports whether the digest names no previous digest.
func (d *Digest) IsChainStart() bool {
	return d.PreviousDigestS3Bucket == nil && d.PreviousDigestS3Object == nil && d.PreviousDigestHashValue == nil &&
		d.PreviousDigestHashAlgorithm == nil && d.PreviousDigestSignature == nil
}

// AddLogFile lists a log file and widens the digest's oldest and newest
// event times to the file's (DigestTimeFormat sorts as time does).
func (d *Digest) AddLogFile(f DigestLogFile) {
	d.LogFiles = append(d.LogFiles, f)
	if d.OldestEventTime == nil || f.OldestEventTime < *d.OldestEventTime {
		d.OldestEventTime = &f.OldestEventTime
	}
	if d.NewestEventTime == nil || f.NewestEventTime > *d.NewestEventTime {
		d.NewestEventTime = &f.NewestEventTime
	}
}

// SetPrevious links d to the digest before it: prevBody is that digest's
// uncompressed body and prevSignature its hex signature.
func (d *Digest) SetPrevious(prev *Digest, prevBody []byte, prevSignature string) {
	bucket, object, hash, alg, sig := prev.DigestS3Bucket, prev.DigestS3Object, sha256Hex(prevBody), HashAlgorithm, prevSignature
	d.PreviousDigestS3Bucket, d.PreviousDigestS3Object = &bucket, &object
	d.PreviousDigestHashValue, d.PreviousDigestHashAlgorithm, d.PreviousDigestSignature = &hash, &alg, &sig
}

// Times returns the parsed digestStartTime and digestEndTime.
func (d *Digest) Times() (start, end time.Time, err error) {
	if start, err = time.Parse(time.RFC3339, d.DigestStartTime); err != nil {
		return start, end, fmt.Errorf("digestStartTime %q is not a time", d.DigestStartTime)
	}
	if end, err = time.Parse(time.RFC3339, d.DigestEndTime); err != nil {
		return start, end, fmt.Errorf("digestEndTime %q is not a time", d.DigestEndTime)
	}
	return start.UTC(), end.UTC(), nil
}

// marshalOptions make Marshal total: invalid UTF-8 becomes U+FFFD instead of
// an error, so that a writer never fails on a strange object name.
var marshalOptions = json.JoinOptions(jsontext.AllowInvalidUTF8(true), json.FormatNilSliceAsNull(false))

// Marshal returns the digest's uncompressed body: compact JSON, fields in
// AWS's order, the same bytes for the same Digest. A nil LogFiles is
// emitted as [].
func (d *Digest) Marshal() []byte {
	b, err := json.Marshal(d, marshalOptions)
	if err != nil {
		panic("cloudtrail: marshal digest: " + err.Error()) // only strings and slices: cannot fail
	}
	return b
}

// requiredDigestKeys must be present in a digest body, even when null: the
// keys that aws-cli requires, and the list of log files.
var requiredDigestKeys = []string{"digestStartTime", "digestEndTime", "digestS3Bucket", "digestS3Object",
	"digestPublicKeyFingerprint", "previousDigestSignature", "logFiles"}

// ParseDigest reads an uncompressed digest body. It accepts the fields in
// any order and ignores unknown ones (AWS may add some; the signature
// covers the body's bytes, not this struct). Errors wrap ErrInvalidDigest
// and name the first field that is missing or malformed. Duplicate keys are
// refused: two readers could otherwise see two different digests.
func ParseDigest(body []byte) (*Digest, error) {
	var keys map[string]jsontext.Value
	if err := json.Unmarshal(body, &keys); err != nil {
		return nil, digestErr("not a JSON object: %s", oneLineErr(err))
	}
	for _, k := range requiredDigestKeys {
		if _, ok := keys[k]; !ok {
			return nil, digestErr("missing %q", k)
		}
	}
	if keys["logFiles"].Kind() != '[' {
		return nil, digestErr("logFiles is not an array")
	}
	d := new(Digest)
	if err := json.Unmarshal(body, d); err != nil {
		return nil, digestErr("%s", oneLineErr(err))
	}
	for _, f := range []struct{ name, v string }{
		{"digestStartTime", d.DigestStartTime}, {"digestEndTime", d.DigestEndTime},
		{"digestS3Bucket", d.DigestS3Bucket}, {"digestS3Object", d.DigestS3Object},
		{"digestPublicKeyFingerprint", d.DigestPublicKeyFingerprint},
	} {
		if f.v == "" {
			return nil, digestErr("%s is empty or null", f.name)
		}
	}
	if _, _, err := d.Times(); err != nil {
		return nil, digestErr("%s", err)
	}
	if !d.IsChainStart() {
		for _, f := range []struct {
			name string
			v    *string
		}{
			{"previousDigestS3Bucket", d.PreviousDigestS3Bucket}, {"previousDigestS3Object", d.PreviousDigestS3Object},
			{"previousDigestHashValue", d.PreviousDigestHashValue}, {"previousDigestHashAlgorithm", d.PreviousDigestHashAlgorithm},
			{"previousDigestSignature", d.PreviousDigestSignature},
		} {
			if f.v == nil || *f.v == "" {
				return nil, digestErr("%s is empty or null while other previousDigest fields are set", f.name)
			}
		}
		if *d.PreviousDigestHashAlgorithm != HashAlgorithm {
			return nil, digestErr("previousDigestHashAlgorithm %q is not %s", *d.PreviousDigestHashAlgorithm, HashAlgorithm)
		}
	}
	for i, lf := range d.LogFiles {
		switch {
		case lf.S3Bucket == "":
			return nil, digestErr("logFiles[%d].s3Bucket is empty or missing", i)
		case lf.S3Object == "":
			return nil, digestErr("logFiles[%d].s3Object is empty or missing", i)
		case lf.HashValue == "":
			return nil, digestErr("logFiles[%d].hashValue is empty or missing", i)
		case lf.HashAlgorithm != "" && lf.HashAlgorithm != HashAlgorithm:
			return nil, digestErr("logFiles[%d].hashAlgorithm %q is not %s", i, lf.HashAlgorithm, HashAlgorithm)
		}
	}
	if d.LogFiles == nil {
		d.LogFiles = []DigestLogFile{}
	}
	return d, nil
}

func digestErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidDigest}, args...)...)
}

// oneLineErr keeps an error message on one line: callers put it in reports.
func oneLineErr(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// DigestSigningString is the text that a digest's signature covers:
//
//	digestEndTime \n digestS3Bucket/digestS3Object \n hex(SHA-256(body)) \n previousDigestSignature
//
// with the literal "null" for a chain's first digest and no trailing
// newline. body is the uncompressed digest, byte for byte as stored. (A
// previousDigestSignature of the string "null" signs as JSON null does; the
// body's hash still tells the two apart.)
func DigestSigningString(d *Digest, body []byte) string {
	prev := "null" // "must be 'null' to match the Java implementation" (aws-cli)
	if d.PreviousDigestSignature != nil {
		prev = *d.PreviousDigestSignature
	}
	return d.DigestEndTime + "\n" + d.DigestS3Bucket + "/" + d.DigestS3Object + "\n" + sha256Hex(body) + "\n" + prev
}

// SignDigest signs a digest (RSA PKCS#1 v1.5 over SHA-256 of the signing
// string) and returns the lowercase hex signature for MetaSignature. The
// signature is deterministic. body must be d's uncompressed body as it will
// be stored.
func SignDigest(key *rsa.PrivateKey, d *Digest, body []byte) (string, error) {
	sum := sha256.Sum256([]byte(DigestSigningString(d, body)))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign digest %s: %w", d.DigestS3Object, err)
	}
	return hex.EncodeToString(sig), nil
}

// ErrBadSignature is returned by VerifyDigestSignature when the signature
// does not verify.
var ErrBadSignature = errors.New("signature verification failed")

// VerifyDigestSignature checks a digest's hex signature (either case) with
// the public key of its fingerprint. body is the uncompressed digest as
// stored. It returns nil or an error wrapping ErrBadSignature.
func VerifyDigestSignature(pub *rsa.PublicKey, d *Digest, body []byte, hexSig string) error {
	sig, err := hex.DecodeString(hexSig)
	if err != nil || len(sig) == 0 {
		return fmt.Errorf("%w: the signature is not hex", ErrBadSignature)
	}
	sum := sha256.Sum256([]byte(DigestSigningString(d, body)))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return ErrBadSignature
	}
	return nil
}

// PublicKeyFingerprint names a public key as digests do: 32 hex characters,
// the first 16 bytes of the SHA-256 of its PKCS#1 DER encoding. AWS does not
// document its own derivation; only equality with the digest's
// digestPublicKeyFingerprint and ListPublicKeys' Fingerprint matters, so
// cairn's signer and verifier agree on this one.
func PublicKeyFingerprint(pub *rsa.PublicKey) string {
	sum := sha256.Sum256(MarshalPublicKeyDER(pub))
	return hex.EncodeToString(sum[:16])
}

// MarshalPublicKeyDER encodes a public key as PKCS#1 DER, the encoding of
// ListPublicKeys' Value (aws-cli loads it with
// rsa.PublicKey.load_pkcs1(format='DER')).
func MarshalPublicKeyDER(pub *rsa.PublicKey) []byte { return x509.MarshalPKCS1PublicKey(pub) }

// ParsePublicKey reads an RSA public key in any of the forms it is handed
// around in: PEM ("RSA PUBLIC KEY" or "PUBLIC KEY", or the public half of
// an "RSA PRIVATE KEY"), DER (PKCS#1 or
// SubjectPublicKeyInfo; AWS's own docs show both), or either DER as base64,
// as in ListPublicKeys' JSON.
func ParsePublicKey(b []byte) (*rsa.PublicKey, error) {
	trimmed := bytes.TrimSpace(b)
	if bytes.HasPrefix(trimmed, []byte("-----BEGIN")) {
		var types []string
		for rest := trimmed; ; {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil {
				break
			}
			switch block.Type {
			case "RSA PUBLIC KEY", "PUBLIC KEY":
				return parsePublicKeyDER(block.Bytes)
			case "RSA PRIVATE KEY":
				// A signing key file (cairn's DATA/keys/*.pem) stands for
				// its public half.
				if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
					return parsePublicKeyDER(MarshalPublicKeyDER(&k.PublicKey))
				}
			}
			types = append(types, block.Type)
		}
		if len(types) == 0 {
			return nil, errors.New("public key: malformed PEM")
		}
		return nil, fmt.Errorf("public key: PEM holds %s, not RSA PUBLIC KEY or PUBLIC KEY", strings.Join(types, ", "))
	}
	if len(b) > 0 && b[0] == 0x30 { // an ASN.1 SEQUENCE: DER
		return parsePublicKeyDER(b)
	}
	text := strings.Join(strings.Fields(string(trimmed)), "")
	der, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		if der, err = base64.RawStdEncoding.DecodeString(text); err != nil {
			return nil, errors.New("public key: neither PEM, DER nor base64 DER")
		}
	}
	return parsePublicKeyDER(der)
}

// minKeyBits refuses keys that Go's RSA verification refuses anyway, with a
// clearer message.
const minKeyBits = 1024

func parsePublicKeyDER(der []byte) (*rsa.PublicKey, error) {
	pub, err := x509.ParsePKCS1PublicKey(der)
	if err != nil {
		k, err2 := x509.ParsePKIXPublicKey(der)
		if err2 != nil {
			return nil, errors.New("public key: DER is neither PKCS#1 nor SubjectPublicKeyInfo")
		}
		var ok bool
		if pub, ok = k.(*rsa.PublicKey); !ok {
			return nil, fmt.Errorf("public key: a %T, not an RSA key", k)
		}
	}
	if pub.N.BitLen() < minKeyBits {
		return nil, fmt.Errorf("public key: RSA key of %d bits, fewer than %d", pub.N.BitLen(), minKeyBits)
	}
	return pub, nil
}

// Gzip compresses a log or digest body deterministically: the same bytes
// give the same object, because the gzip header carries no time or name.
func Gzip(body []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(body) // writes to a bytes.Buffer do not fail
	w.Close()
	return b.Bytes()
}

// maxDigestSize bounds an uncompressed digest body. An hourly digest lists
// a few hundred log files at most (~400 bytes each); the bound only stops a
// gzip bomb from exhausting memory.
const maxDigestSize = 64 << 20

// Gunzip reads a whole gzip stream (all members) of at most max
// uncompressed bytes. Errors name what is wrong with the stream.
func Gunzip(r io.Reader, max int64) ([]byte, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("gzip: %s", gzipReason(err))
	}
	defer zr.Close()
	b, err := io.ReadAll(io.LimitReader(zr, max+1))
	if err != nil {
		return nil, fmt.Errorf("gzip: %s", gzipReason(err))
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("gzip: more than %d bytes uncompressed", max)
	}
	return b, nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
