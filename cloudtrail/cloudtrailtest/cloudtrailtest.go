// Package cloudtrailtest writes small synthetic trails in AWS's layout, with
// log files and a chain of signed digest files, for the tests of the
// validator and of the commands that use it:
//
//	st, _ := file.New(t.TempDir())
//	tr, err := cloudtrailtest.Write(ctx, st, cloudtrailtest.DefaultConfig())
//
// and helpers to tamper with them the way an attacker with write access to
// the bucket (but not the signing key) would.
package cloudtrailtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail"
)

// Config describes a synthetic trail.
type Config struct {
	Layout                             cloudtrail.Layout
	Account, Region, Trail, HomeRegion string
	Bucket                             string
	// BucketPrefix is put in front of the keys that digests name, but not
	// of the keys written: the store plays s3://Bucket/BucketPrefix.
	BucketPrefix string
	// Start is the first digest's start; digest i covers
	// [Start+i·Period, Start+(i+1)·Period].
	Start   time.Time
	Period  time.Duration
	Digests int
	// LogsPerDigest log files are delivered in each period, except in the
	// periods listed in EmptyDigests, whose digests list none.
	LogsPerDigest int
	EmptyDigests  []int
	// PendingLogs log files are delivered after the last digest's end.
	PendingLogs int
	// Key signs the digests; nil means Key().
	Key *rsa.PrivateKey
	// Backfill writes a backfill chain (…_backfill.json.gz).
	Backfill bool
}

// DefaultConfig is five hourly digests of three log files each, the fourth
// digest empty, and one log file delivered after the last digest.
func DefaultConfig() Config {
	return Config{
		Account: "111122223333", Region: "us-east-1", Trail: "cairn-test", HomeRegion: "us-east-1",
		Bucket: "cairn-test-bucket",
		Start:  time.Date(2026, 3, 10, 0, 0, 31, 0, time.UTC), Period: time.Hour,
		Digests: 5, LogsPerDigest: 3, EmptyDigests: []int{3}, PendingLogs: 1,
	}
}

// Trail is what Write wrote. Keys are the store's keys.
type Trail struct {
	Config
	Digests []string   // oldest first
	Logs    [][]string // the log files each digest lists
	Pending []string   // log files after the last digest
}

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
)

// Key returns a 2048-bit RSA key made once per process.
func Key() *rsa.PrivateKey {
	keyOnce.Do(func() { key = NewKey() })
	return key
}

// NewKey makes a new 2048-bit RSA key (an attacker's, say).
func NewKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

// Write writes the trail into the store: log files first, then each
// digest, signed, with the signature in its metadata as CloudTrail does.
func Write(ctx context.Context, st cairn.BlobStore, cfg Config) (*Trail, error) {
	if cfg.Key == nil {
		cfg.Key = Key()
	}
	tr := &Trail{Config: cfg}
	empty := map[int]bool{}
	for _, i := range cfg.EmptyDigests {
		empty[i] = true
	}
	var prev *cloudtrail.Digest
	var prevBody []byte
	var prevSig string
	for i := range cfg.Digests {
		start := cfg.Start.Add(time.Duration(i) * cfg.Period)
		end := start.Add(cfg.Period)
		key := cfg.Layout.DigestKey(cfg.Account, cfg.Region, cfg.Trail, cfg.HomeRegion, end, cfg.Backfill)
		d := &cloudtrail.Digest{
			AWSAccountID:               cfg.Account,
			DigestStartTime:            start.Format(cloudtrail.DigestTimeFormat),
			DigestEndTime:              end.Format(cloudtrail.DigestTimeFormat),
			DigestS3Bucket:             cfg.Bucket,
			DigestS3Object:             cfg.BucketPrefix + key,
			DigestPublicKeyFingerprint: cloudtrail.PublicKeyFingerprint(&cfg.Key.PublicKey),
			DigestSignatureAlgorithm:   cloudtrail.SignatureAlgorithm,
			LogFiles:                   []cloudtrail.DigestLogFile{},
		}
		var logs []string
		if !empty[i] {
			for j := range cfg.LogsPerDigest {
				at := start.Add(time.Duration(j+1) * cfg.Period / time.Duration(cfg.LogsPerDigest+1))
				lf, err := tr.writeLog(ctx, st, at, fmt.Sprintf("cairntest%03d%04d", i, j))
				if err != nil {
					return nil, err
				}
				d.LogFiles = append(d.LogFiles, lf)
				logs = append(logs, lf.S3Object[len(cfg.BucketPrefix):])
				if d.OldestEventTime == nil {
					d.OldestEventTime = &d.LogFiles[0].OldestEventTime
				}
				d.NewestEventTime = &d.LogFiles[len(d.LogFiles)-1].NewestEventTime
			}
		}
		if prev != nil {
			d.SetPrevious(prev, prevBody, prevSig)
		}
		body := d.Marshal()
		sig, err := cloudtrail.SignDigest(cfg.Key, d, body)
		if err != nil {
			return nil, err
		}
		if err := PutDigest(ctx, st, key, body, sig); err != nil {
			return nil, err
		}
		tr.Digests = append(tr.Digests, key)
		tr.Logs = append(tr.Logs, logs)
		prev, prevBody, prevSig = d, body, sig
	}
	end := cfg.Start.Add(time.Duration(cfg.Digests) * cfg.Period)
	for j := range cfg.PendingLogs {
		lf, err := tr.writeLog(ctx, st, end.Add(time.Duration(j+1)*5*time.Minute), fmt.Sprintf("cairnpending%04d", j))
		if err != nil {
			return nil, err
		}
		tr.Pending = append(tr.Pending, lf.S3Object[len(cfg.BucketPrefix):])
	}
	return tr, nil
}

// writeLog writes one log file of two events delivered at at.
func (tr *Trail) writeLog(ctx context.Context, st cairn.BlobStore, at time.Time, unique string) (cloudtrail.DigestLogFile, error) {
	key := tr.Layout.LogKey(tr.Account, tr.Region, at, unique)
	oldest, newest := at.Add(-4*time.Minute).Format(cloudtrail.DigestTimeFormat), at.Add(-time.Minute).Format(cloudtrail.DigestTimeFormat)
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	for n, t := range []string{oldest, newest} {
		if n > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"eventVersion":"1.11","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::%[1]s:user/alice","accountId":"%[1]s","userName":"alice"},`+
			`"eventTime":"%[2]s","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"%[3]s","sourceIPAddress":"198.51.100.7",`+
			`"userAgent":"aws-cli/2.15.0","requestParameters":null,"responseElements":null,"requestID":"%[4]s-%[5]d","eventID":"%[4]s-%[5]d",`+
			`"readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"%[1]s","eventCategory":"Management"}`,
			tr.Account, t, tr.Region, unique, n)
	}
	b.WriteString(`]}`)
	if err := st.Put(ctx, key, bytes.NewReader(cloudtrail.Gzip(b.Bytes())), cairn.PutOptions{ContentType: "application/json"}); err != nil {
		return cloudtrail.DigestLogFile{}, err
	}
	sum := sha256.Sum256(b.Bytes())
	return cloudtrail.DigestLogFile{
		S3Bucket: tr.Bucket, S3Object: tr.BucketPrefix + key,
		HashValue: hex.EncodeToString(sum[:]), HashAlgorithm: cloudtrail.HashAlgorithm,
		NewestEventTime: newest, OldestEventTime: oldest,
	}, nil
}

// PutDigest stores a digest body, gzip-compressed, with its signature in
// the metadata, and the generation time that backfill digests carry.
func PutDigest(ctx context.Context, st cairn.BlobStore, key string, body []byte, sig string) error {
	meta := map[string]string{cloudtrail.MetaSignature: sig, cloudtrail.MetaSignatureAlgorithm: cloudtrail.SignatureAlgorithm}
	if cloudtrail.ParseKey(key).Backfill {
		meta[cloudtrail.MetaBackfillGenerationTimestamp] = "2026-03-11T00:00:00Z"
	}
	return st.Put(ctx, key, bytes.NewReader(cloudtrail.Gzip(body)), cairn.PutOptions{ContentType: "application/json", Metadata: meta})
}

// Read returns an object's uncompressed content and its metadata.
func Read(ctx context.Context, st cairn.BlobStore, key string) ([]byte, map[string]string, error) {
	rc, info, err := st.Get(ctx, key)
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	b, err := cloudtrail.Gunzip(rc, 1<<30)
	return b, info.Metadata, err
}

// Rewrite replaces an object's uncompressed content with edit's result,
// keeping its metadata.
func Rewrite(ctx context.Context, st cairn.BlobStore, key string, edit func([]byte) []byte) error {
	b, meta, err := Read(ctx, st, key)
	if err != nil {
		return err
	}
	return st.Put(ctx, key, bytes.NewReader(cloudtrail.Gzip(edit(b))), cairn.PutOptions{Metadata: meta})
}

// Move moves an object to another key, metadata and all.
func Move(ctx context.Context, st cairn.BlobStore, from, to string) error {
	rc, info, err := st.Get(ctx, from)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return err
	}
	if err := st.Put(ctx, to, bytes.NewReader(b), cairn.PutOptions{Metadata: info.Metadata}); err != nil {
		return err
	}
	return st.Delete(ctx, from)
}

// Resign signs a digest again with another key, after edit (nil for none)
// changed it; setFingerprint names the new key in the digest, as a forger
// who cannot hide the key change would.
func Resign(ctx context.Context, st cairn.BlobStore, key string, signer *rsa.PrivateKey, setFingerprint bool, edit func(*cloudtrail.Digest)) error {
	body, _, err := Read(ctx, st, key)
	if err != nil {
		return err
	}
	d, err := cloudtrail.ParseDigest(body)
	if err != nil {
		return err
	}
	if setFingerprint {
		d.DigestPublicKeyFingerprint = cloudtrail.PublicKeyFingerprint(&signer.PublicKey)
	}
	if edit != nil {
		edit(d)
	}
	body = d.Marshal()
	sig, err := cloudtrail.SignDigest(signer, d, body)
	if err != nil {
		return err
	}
	return PutDigest(ctx, st, key, body, sig)
}
