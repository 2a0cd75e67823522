package file

import (
	"fmt"
	"os"
	"runtime"

	"github.com/cairn-audit/cairn"
)

// CheckPrivate refuses a secret (a key pair, a signing key) that other
// users may read: cairn writes its secrets with mode 0600, so a wider mode
// was set by someone else, and the secret may have been read. As ssh does
// with a private key, cairn then stops rather than use it. Windows keeps
// no such mode bits.
func CheckPrivate(path string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if mode := fi.Mode().Perm(); mode&0o077 != 0 {
		return cairn.WithHint(fmt.Errorf("%s can be read by other users (mode %04o)", path, mode),
			"chmod 600 it; if others could have read it, delete it to have a new one made")
	}
	return nil
}
