package acme

import (
	"fmt"
	"os"
	"path/filepath"
)

// writeNew creates name with data and mode, refusing to replace anything:
// the data goes to a temporary file in the same folder, which is synced
// and then linked into place (link fails if name exists), so a reader
// never sees half a file and an existing file is never touched.
func writeNew(name string, data []byte, mode os.FileMode) (err error) {
	dir := filepath.Dir(name)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	if err := tmp.Chmod(mode); err != nil && !isWindows {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), name); err != nil {
		if _, serr := os.Lstat(name); serr == nil {
			return fmt.Errorf("%s already exists; it is not replaced", name)
		}
		return err
	}
	return nil
}
