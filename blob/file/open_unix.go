//go:build unix

package file

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// openRegular opens a regular file for reading through plain system calls.
// os.Open tries to register every file with the runtime's poller, which a
// regular file refuses: strace of an ingest counted four fcntl calls and a
// failed epoll_ctl a file, five calls of ten that ingest, reading a
// hundred thousand small files, does not need.
// O_NONBLOCK keeps a FIFO from blocking the open; a file that is not
// regular is reported as such and closed.
func openRegular(path string) (io.ReadCloser, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		syscall.Close(fd)
		return nil, errNotRegular
	}
	return &regularFile{fd: fd, path: path}, nil
}

// regularFile reads an open regular file.
type regularFile struct {
	fd   int
	path string
}

func (f *regularFile) Read(p []byte) (int, error) {
	if f.fd < 0 {
		return 0, os.ErrClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	for {
		n, err := syscall.Read(f.fd, p)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return 0, &fs.PathError{Op: "read", Path: f.path, Err: err}
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func (f *regularFile) Close() error {
	if f.fd < 0 {
		return os.ErrClosed
	}
	err := syscall.Close(f.fd)
	f.fd = -1
	if err != nil {
		return &fs.PathError{Op: "close", Path: f.path, Err: err}
	}
	return nil
}

var errNotRegular = errors.New("not a regular file")
