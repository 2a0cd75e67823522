package cloudtrail_test

import (
	"context"
	"crypto/rsa"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/blob/file"
	"github.com/cairn-audit/cairn/cloudtrail"
	"github.com/cairn-audit/cairn/cloudtrail/cloudtrailtest"
)

// slowStore answers every read after delay, as S3's first byte comes.
type slowStore struct {
	cairn.BlobStore
	delay time.Duration
}

func (s slowStore) Get(ctx context.Context, key string) (io.ReadCloser, cairn.ObjectInfo, error) {
	time.Sleep(s.delay)
	return s.BlobStore.Get(ctx, key)
}

// BenchmarkValidateSlowStore measures cairn verify over a day of hourly
// digests of ten log files each, on a store whose reads wait 20 ms: with
// ValidateOptions' default of 8 reads at once, and with the 32 that
// cairn verify uses for S3.
func BenchmarkValidateSlowStore(b *testing.B) {
	st, err := file.New(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	cfg := cloudtrailtest.DefaultConfig()
	cfg.Digests, cfg.LogsPerDigest, cfg.EmptyDigests = 24, 10, nil
	if _, err := cloudtrailtest.Write(context.Background(), st, cfg); err != nil {
		b.Fatal(err)
	}
	key := cloudtrailtest.Key()
	keys := map[string]*rsa.PublicKey{cloudtrail.PublicKeyFingerprint(&key.PublicKey): &key.PublicKey}
	for _, workers := range []int{8, 32} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			objects := 0
			for b.Loop() {
				r, err := cloudtrail.Validate(context.Background(), slowStore{st, 20 * time.Millisecond},
					cloudtrail.ValidateOptions{PublicKeys: keys, Bucket: cfg.Bucket, Workers: workers})
				if err != nil || !r.Valid() {
					b.Fatalf("%v %+v", err, r)
				}
				objects += cfg.Digests * (1 + cfg.LogsPerDigest)
			}
			b.ReportMetric(float64(objects)/b.Elapsed().Seconds(), "objects/s")
		})
	}
}
