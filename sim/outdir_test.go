package sim

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"testing"
)

// TestGenerateWritesOnlyIntoAFolderOfItsOwn: Generate refuses a folder that
// holds anything but an earlier generation, refuses that too unless told
// to replace it, and a replaced generation leaves nothing of itself behind.
func TestGenerateWritesOnlyIntoAFolderOfItsOwn(t *testing.T) {
	small := func(out string, days int) Config {
		cfg := DefaultConfig()
		cfg.Out, cfg.Days, cfg.Events, cfg.Accounts, cfg.Regions = out, days, 2000, 1, []string{"us-east-1"}
		return cfg
	}
	generate := func(t *testing.T, cfg Config) error {
		t.Helper()
		_, err := Generate(context.Background(), cfg)
		return err
	}
	earlier := func(t *testing.T) string {
		t.Helper()
		dir := t.TempDir()
		if err := generate(t, small(dir, 3)); err != nil {
			t.Fatal(err)
		}
		return dir
	}

	t.Run("an earlier generation is kept without Replace", func(t *testing.T) {
		dir := earlier(t)
		before := treeHashes(t, dir)
		if err := generate(t, small(dir, 1)); !errors.Is(err, ErrOutNotEmpty) {
			t.Fatalf("got %v, want ErrOutNotEmpty", err)
		}
		if after := treeHashes(t, dir); !maps.Equal(before, after) {
			t.Error("the refused generation changed the folder")
		}
	})

	t.Run("Replace leaves nothing of the earlier generation", func(t *testing.T) {
		dir := earlier(t)
		cfg := small(dir, 1)
		cfg.Replace, cfg.NoCost = true, true
		if err := generate(t, cfg); err != nil {
			t.Fatal(err)
		}
		fresh := small(t.TempDir(), 1)
		fresh.NoCost = true
		if err := generate(t, fresh); err != nil {
			t.Fatal(err)
		}
		got, want := treeHashes(t, dir), treeHashes(t, fresh.Out)
		for name := range got {
			if _, ok := want[name]; !ok {
				t.Fatalf("%s left over from the earlier generation (%d files, a fresh one has %d)", name, len(got), len(want))
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("replaced: %d files, fresh: %d, or their contents differ", len(got), len(want))
		}
	})

	t.Run("an interrupted generation can be replaced", func(t *testing.T) {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "AWSLogs", "o-abc"), 0o755)
		os.WriteFile(filepath.Join(dir, scenariosFile), []byte("[]\n"), 0o644)
		cfg := small(dir, 1)
		cfg.Replace = true
		if err := generate(t, cfg); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, "AWSLogs", "o-abc")); err == nil {
			t.Error("the interrupted generation's logs are still there")
		}
	})

	for name, plant := range map[string]func(dir string){
		"someone's file": func(dir string) { os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644) },
		// A copy of a real trail has AWSLogs/ but no scenarios.json.
		"a real trail": func(dir string) {
			os.MkdirAll(filepath.Join(dir, "AWSLogs", "o-abc"), 0o755)
			os.WriteFile(filepath.Join(dir, "AWSLogs", "o-abc", "log.json.gz"), []byte("mine"), 0o644)
		},
		"an earlier generation among other files": func(dir string) {
			os.WriteFile(filepath.Join(dir, scenariosFile), []byte("[]\n"), 0o644)
			os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
		},
	} {
		t.Run("Replace refuses "+name, func(t *testing.T) {
			dir := t.TempDir()
			plant(dir)
			before := treeHashes(t, dir)
			cfg := small(dir, 1)
			cfg.Replace = true
			if err := generate(t, cfg); !errors.Is(err, ErrOutNotEmpty) {
				t.Fatalf("got %v, want ErrOutNotEmpty", err)
			}
			if after := treeHashes(t, dir); !maps.Equal(before, after) {
				t.Error("the refused generation changed the folder")
			}
		})
	}
}
