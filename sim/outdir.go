package sim

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/cairn-audit/cairn"
)

// The output folder. Generate writes into an empty folder only, so that two
// simulations (or a simulation and someone's own files) are never mixed in
// one folder: an ingest of it would read both. The one exception is a
// folder that holds nothing but an earlier generation, which
// Config.Replace removes before writing.

// ErrOutNotEmpty is returned by Generate when Config.Out holds files and is
// not an earlier generation that Config.Replace may remove.
var ErrOutNotEmpty = errors.New("output folder is not empty")

// outputs are the names Generate writes at the top of Config.Out.
var outputs = []string{"AWSLogs", "health", "cost", scenariosFile, digestKeyFile}

// scenariosFile marks a folder as a generation's: Generate writes it, empty,
// before anything else, and its contents at the end, so that an interrupted
// generation is recognised as one too. A folder that holds AWSLogs/ alone is
// more likely someone's copy of a real trail.
const scenariosFile = "scenarios.json"

// prepareOut makes cfg.Out ready to write into and marks it as a
// generation's: it creates the folder, or empties it of an earlier
// generation when cfg.Replace is set, and refuses any other folder that
// holds something.
func prepareOut(cfg *Config) error {
	entries, err := os.ReadDir(cfg.Out)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read output folder: %w", err)
	}
	if len(entries) > 0 {
		if err := removeEarlierGeneration(cfg, entries); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return fmt.Errorf("create output folder: %w", err)
	}
	return os.WriteFile(filepath.Join(cfg.Out, scenariosFile), []byte("[]\n"), 0o644)
}

// removeEarlierGeneration removes what an earlier generation wrote into
// cfg.Out, given its entries, when cfg.Replace allows it and the folder
// holds nothing else.
func removeEarlierGeneration(cfg *Config, entries []fs.DirEntry) error {
	marked := false
	for _, e := range entries {
		if !slices.Contains(outputs, e.Name()) {
			return cairn.WithHint(fmt.Errorf("%w: %s holds %s, which cairn gen does not write", ErrOutNotEmpty, cfg.Out, e.Name()),
				"choose an empty or new folder, or remove "+cfg.Out)
		}
		marked = marked || e.Name() == scenariosFile
	}
	if !marked {
		return cairn.WithHint(fmt.Errorf("%w: %s holds no %s, so it is no earlier generation", ErrOutNotEmpty, cfg.Out, scenariosFile),
			"choose an empty or new folder, or remove "+cfg.Out)
	}
	if !cfg.Replace {
		return cairn.WithHint(fmt.Errorf("%w: %s holds an earlier generation", ErrOutNotEmpty, cfg.Out),
			"add -replace to replace it, or choose an empty or new folder")
	}
	for _, name := range outputs {
		if err := os.RemoveAll(filepath.Join(cfg.Out, name)); err != nil {
			return fmt.Errorf("remove the earlier generation: %w", err)
		}
	}
	return nil
}
