package duckdb

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/go-json-experiment/json"
)

// manifest is the committed set of segments (docs/formats/index.md).
type manifest struct {
	Version     int64     `json:"version"`
	Segments    []segment `json:"segments"`
	Retired     []retired `json:"retired,omitempty"`
	NextSegment int64     `json:"nextSegment"`
}

type segment struct {
	Path    string    `json:"path"` // relative to the index folder, with "/"
	Day     string    `json:"day"`
	Rows    int64     `json:"rows"`
	Bytes   int64     `json:"bytes"`
	MinTime time.Time `json:"minTime"`
	MaxTime time.Time `json:"maxTime"`
}

type retired struct {
	Path string    `json:"path"`
	At   time.Time `json:"at"`
}

const manifestName = "manifest.json"

// readManifest reads the manifest; a missing one is an empty index.
func readManifest(dir string) (*manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if os.IsNotExist(err) {
		return &manifest{}, nil
	}
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Join(dir, manifestName), err)
	}
	return &m, nil
}

// writeManifest replaces the manifest atomically and durably.
func writeManifest(dir string, m *manifest) error {
	b, err := json.Marshal(m, json.Deterministic(true))
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, manifestName), b)
}

// writeFileAtomic writes temp → fsync → rename → fsync dir, so that a crash
// leaves either the old file or the new one.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
