package record

import (
	"os"
	"strings"
	"testing"
	"time"
)

// The signing key is made 0600 and used again; a key that other users may
// read is refused, since digests signed with it prove nothing.
func TestSigningKeyOthersCanReadIsRefused(t *testing.T) {
	dir := t.TempDir()
	keys, err := LoadOrCreateKeys(dir, time.Now())
	if err != nil || len(keys) != 1 {
		t.Fatalf("make key: %v, %v", keys, err)
	}
	again, err := LoadOrCreateKeys(dir, time.Now())
	if err != nil || len(again) != 1 || again[0].Fingerprint != keys[0].Fingerprint {
		t.Fatalf("load key: %v, %v", again, err)
	}
	if err := os.Chmod(keys[0].Path, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKeys(dir, time.Now()); err == nil || !strings.Contains(err.Error(), "mode 0640") {
		t.Fatalf("a key of mode 0640: %v", err)
	}
}
