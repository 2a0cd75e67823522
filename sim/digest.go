package sim

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/cairn-audit/cairn/blob/file"
	"github.com/cairn-audit/cairn/cloudtrail"
)

// The organisation trail that delivers the simulated logs, as its digest
// files name it, and the file that holds the public key they verify with.
const (
	digestTrail   = "org-trail"
	digestKeyFile = "digest-public-key.pem"
)

// digestSigner is what every stream's digests share: the trail's signing
// key and where its files are said to be.
type digestSigner struct {
	key         *rsa.PrivateKey
	fingerprint string
	bucket      string
	homeRegion  string
	layout      cloudtrail.Layout
}

// newDigestSigner derives the trail's key from the seed, so that a seed
// gives the same digests, and writes its public half to DIR/digestKeyFile.
func newDigestSigner(o *org, cfg *Config) (*digestSigner, error) {
	key, err := seededRSAKey(uint64(cfg.Seed))
	if err != nil {
		return nil, err
	}
	pub := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&key.PublicKey)})
	if err := writeFile(filepath.Join(cfg.Out, digestKeyFile), pub); err != nil {
		return nil, err
	}
	return &digestSigner{
		key:         key,
		fingerprint: cloudtrail.PublicKeyFingerprint(&key.PublicKey),
		bucket:      fmt.Sprintf("aws-cloudtrail-logs-%s-%08x", o.accounts[o.mgmt].id, uint32(hash(o.seed, 73))),
		homeRegion:  o.regions[o.globalRegion()],
		layout:      cloudtrail.Layout{OrgID: o.id},
	}, nil
}

// seededRSAKey makes a 2048-bit RSA key from seed alone. crypto/rsa's
// GenerateKey takes its randomness from the system whatever it is given,
// and a key that changed from run to run would change every signature.
// The key signs simulated digests only: it is no secret.
func seededRSAKey(seed uint64) (*rsa.PrivateKey, error) {
	r := rand.New(rand.NewPCG(seed, 0x6469676573746b))
	prime := func() *big.Int {
		b := make([]byte, 128)
		for {
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			b[0] |= 0xc0 // two top bits: p·q has 2048 bits
			b[len(b)-1] |= 1
			if p := new(big.Int).SetBytes(b); p.ProbablyPrime(20) {
				return p
			}
		}
	}
	e := big.NewInt(65537)
	one := big.NewInt(1)
	for range 16 {
		p, q := prime(), prime()
		if p.Cmp(q) == 0 {
			continue
		}
		phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
		d := new(big.Int).ModInverse(e, phi)
		if d == nil {
			continue
		}
		key := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: new(big.Int).Mul(p, q), E: 65537}, D: d, Primes: []*big.Int{p, q}}
		if key.Validate() != nil {
			continue
		}
		key.Precompute()
		return key, nil
	}
	return nil, fmt.Errorf("no RSA key from seed %d", seed)
}

// streamDigests is one account and region's digest chain: hourly digests
// of the log files delivered in each hour, empty hours included, each
// linked to the one before, as CloudTrail delivers them when log file
// validation is on.
type streamDigests struct {
	signer *digestSigner
	start  time.Time // of the next digest
	end    time.Time // of the next digest
	files  []digestedFile
	prev   *cloudtrail.Digest
	body   []byte // prev's
	sig    string // prev's
}

type digestedFile struct {
	delivered time.Time
	entry     cloudtrail.DigestLogFile
}

// newStreamDigests begins the chain at the start of the period. Its hours
// end at an offset of the chain's own, as AWS's do, drawn from the seed
// and not from the stream's random numbers, which must not change.
func newStreamDigests(signer *digestSigner, s *stream) *streamDigests {
	offset := time.Duration(hash(s.o.seed, 79, uint64(s.ai), uint64(s.ri))%3600) * time.Second
	end := s.o.start.Truncate(time.Hour).Add(offset)
	for !end.After(s.o.start) {
		end = end.Add(time.Hour)
	}
	return &streamDigests{signer: signer, start: s.o.start, end: end}
}

// delivered notes a log file: key is its path under the output folder,
// body its uncompressed content.
func (sd *streamDigests) delivered(key string, at time.Time, body []byte, oldest, newest time.Time) {
	sum := sha256.Sum256(body)
	sd.files = append(sd.files, digestedFile{delivered: at, entry: cloudtrail.DigestLogFile{
		S3Bucket:        sd.signer.bucket,
		S3Object:        key,
		HashValue:       hex.EncodeToString(sum[:]),
		HashAlgorithm:   cloudtrail.HashAlgorithm,
		NewestEventTime: newest.UTC().Format(cloudtrail.DigestTimeFormat),
		OldestEventTime: oldest.UTC().Format(cloudtrail.DigestTimeFormat),
	}})
}

// writeUntil writes the digests of every hour that ends by t: no file
// delivered later can belong in them.
func (sd *streamDigests) writeUntil(s *stream, t time.Time) error {
	for !sd.end.After(t) {
		if err := sd.write(s); err != nil {
			return err
		}
	}
	return nil
}

// writeAll writes the digests of every hour up to the last delivery.
func (sd *streamDigests) writeAll(s *stream) error {
	for len(sd.files) > 0 {
		if err := sd.write(s); err != nil {
			return err
		}
	}
	return nil
}

// write writes the next digest: the files delivered before its end.
func (sd *streamDigests) write(s *stream) error {
	sg := sd.signer
	key := sg.layout.DigestKey(s.acct.id, s.region, digestTrail, sg.homeRegion, sd.end, false)
	d := &cloudtrail.Digest{
		AWSAccountID:               s.acct.id,
		DigestStartTime:            sd.start.UTC().Format(cloudtrail.DigestTimeFormat),
		DigestEndTime:              sd.end.UTC().Format(cloudtrail.DigestTimeFormat),
		DigestS3Bucket:             sg.bucket,
		DigestS3Object:             key,
		DigestPublicKeyFingerprint: sg.fingerprint,
		DigestSignatureAlgorithm:   cloudtrail.SignatureAlgorithm,
		LogFiles:                   []cloudtrail.DigestLogFile{},
	}
	kept := sd.files[:0]
	for _, f := range sd.files {
		if f.delivered.Before(sd.end) {
			d.AddLogFile(f.entry)
		} else {
			kept = append(kept, f)
		}
	}
	sd.files = kept
	if sd.prev != nil {
		d.SetPrevious(sd.prev, sd.body, sd.sig)
	}
	body := d.Marshal()
	sig, err := cloudtrail.SignDigest(sg.key, d, body)
	if err != nil {
		return fmt.Errorf("sign digest %s: %w", key, err)
	}
	path := filepath.Join(s.cfg.Out, filepath.FromSlash(key))
	if err := s.makeDir(filepath.Dir(path)); err != nil {
		return err
	}
	meta := map[string]string{cloudtrail.MetaSignature: sig, cloudtrail.MetaSignatureAlgorithm: cloudtrail.SignatureAlgorithm}
	if err := file.WriteUnsynced(path, cloudtrail.Gzip(body), "application/json", meta); err != nil {
		return fmt.Errorf("write digest: %w", err)
	}
	sd.prev, sd.body, sd.sig = d, body, sig
	sd.start, sd.end = sd.end, sd.end.Add(time.Hour)
	s.stats.Digests++
	return nil
}
