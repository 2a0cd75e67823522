//go:build !unix

package sim

import "os"

func writeNewFile(path string, data []byte) error { return os.WriteFile(path, data, 0o644) }
