package sim

import (
	"context"
	"os"
	"strconv"
	"testing"
)

// TestManualGenerate writes a data set where SIM_OUT says, for looking at.
func TestManualGenerate(t *testing.T) {
	out := os.Getenv("SIM_OUT")
	if out == "" {
		t.Skip("set SIM_OUT to a directory to write a data set")
	}
	cfg := DefaultConfig()
	cfg.Out = out
	if n, err := strconv.ParseInt(os.Getenv("SIM_EVENTS"), 10, 64); err == nil {
		cfg.Events = n
	}
	if n, err := strconv.Atoi(os.Getenv("SIM_WORKERS")); err == nil {
		cfg.Workers = n
	}
	st, err := Generate(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	st.Print(os.Stdout)
}
