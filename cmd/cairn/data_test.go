package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A key pair that other users may read is refused, by the server and by
// the commands that talk to it, with what to do; once it is 0600 again it
// serves. The data folder cairn makes is its owner's alone.
func TestCredentialsOthersCanReadAreRefused(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	e := &env{getenv: func(string) string { return "" }}
	made, created, err := loadCredentials(e, data, true)
	if err != nil || !created {
		t.Fatalf("first serve: %v, %v", created, err)
	}
	if fi, err := os.Stat(data); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("data folder made with %v, %v", fi.Mode(), err)
	}
	path := filepath.Join(data, credentialsFile)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials made with %v, %v", fi.Mode(), err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, create := range []bool{true, false} {
		_, _, err := loadCredentials(e, data, create)
		if err == nil || !strings.Contains(err.Error(), "mode 0644") || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("credentials of mode 0644 (create %v): %v", create, err)
		}
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, _, err := loadCredentials(e, data, false); err != nil || got != made {
		t.Errorf("after chmod 600: %v, %v", got, err)
	}
}
