package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// CreateOutput opens where an export goes: stdout for "-", else a new
// file written beside path and renamed to it once complete, so that a
// failed export never leaves a file that looks whole. done(err) finishes
// it (removing the partial file when err is not nil) and returns err or
// its own error.
func CreateOutput(path string, stdout io.Writer) (io.Writer, func(error) error, error) {
	if path == "-" || path == "" {
		return stdout, func(err error) error { return err }, nil
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".part")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("export: %w", err)
	}
	return f, func(err error) error {
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp, path)
		}
		if err != nil {
			os.Remove(tmp)
		}
		return err
	}, nil
}
