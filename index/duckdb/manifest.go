package duckdb

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cairn-audit/cairn/blob/file"
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
	return file.WriteAtomic(filepath.Join(dir, manifestName), b, 0o644)
}
