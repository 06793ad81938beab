// Package safefile writes files that must never be half-written or silently
// replaced: private keys, certificate requests, PFX files, ACME account keys.
//
// Write creates each file as a temporary file in the destination folder,
// writes and syncs it, and only then puts it in place under its final name.
// Without Options.Force the final step is a hard link, which fails if the
// name exists, so an existing file is never replaced, not even by a
// concurrent writer; with Force it is a rename, which replaces atomically.
// Several files written in one call are one unit: if any of them fails,
// every file this call created is removed and every file it replaced is put
// back. A failure therefore leaves the folder as it was (bar a crash of the
// process, which can leave a hidden temporary file behind, never a
// half-written file under the final name).
//
// The package does not create folders and does not print anything.
package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// DefaultPerm is the permission of a file whose Perm is zero: readable and
// writable by the owner only, as a private key must be.
const DefaultPerm fs.FileMode = 0o600

// File is one file to write.
type File struct {
	Name string      // the final path
	Data []byte      // the complete contents
	Perm fs.FileMode // permission bits; zero means DefaultPerm (0600)
}

// Options control Write.
type Options struct {
	// Force allows replacing existing files. Without it Write fails with
	// fs.ErrExist if any of the names exists.
	Force bool
}

// The file-system calls, replaced by tests to simulate failures.
var (
	createTemp = os.CreateTemp
	link       = os.Link
	rename     = os.Rename
	remove     = os.Remove
	lstat      = os.Lstat
	writeData  = func(f *os.File, b []byte) error { _, err := f.Write(b); return err }
)

// Write writes files as one unit, as the package documentation describes.
//
// Every error is an *fs.PathError whose Path is the final name of the file
// that failed and whose Err is the cause: fs.ErrExist (errors.Is(err,
// fs.ErrExist)) when a name exists and opts.Force is off, or the operating
// system's error (fs.ErrPermission, fs.ErrNotExist for a missing folder,
// "is a directory", disk full, …). On error nothing that Write created
// remains and nothing it replaced is lost.
func Write(opts Options, files ...File) (err error) {
	seen := map[string]bool{}
	for _, f := range files {
		clean := filepath.Clean(f.Name)
		if f.Name == "" || seen[clean] {
			return &fs.PathError{Op: "write", Path: f.Name, Err: errors.New("file named twice or not named")}
		}
		seen[clean] = true
		if err := checkTarget(f.Name, opts.Force); err != nil {
			return err
		}
	}

	staged := make([]*stagedFile, 0, len(files))
	defer func() {
		if err != nil {
			// Undo in reverse order: put back what was replaced, remove
			// what was created.
			for i := len(staged) - 1; i >= 0; i-- {
				staged[i].undo()
			}
			return
		}
		for _, s := range staged {
			s.commit()
		}
		syncDirs(files)
	}()
	for _, f := range files {
		s, err := stage(f)
		if s != nil {
			staged = append(staged, s)
		}
		if err != nil {
			return err
		}
	}
	for _, s := range staged {
		if err := s.place(opts.Force); err != nil {
			return err
		}
	}
	return nil
}

// checkTarget fails early, before any temporary file exists, for the common
// case of a name that exists (and, with force, for a directory, which a
// rename might otherwise move aside). The hard link in place is what
// guarantees that nothing is replaced; this only makes the usual failure
// cheap.
func checkTarget(name string, force bool) error {
	st, err := lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return pathError(name, err)
	case st.IsDir():
		return &fs.PathError{Op: "write", Path: name, Err: errors.New("is a directory")}
	case !force:
		return &fs.PathError{Op: "write", Path: name, Err: fs.ErrExist}
	}
	return nil
}

// stagedFile is a file written to a temporary name, waiting to be placed.
type stagedFile struct {
	name   string
	tmp    string      // the temporary file; "" once removed
	info   fs.FileInfo // of the temporary file, to recognise it after placing
	placed bool        // name now holds our file
	backup string      // the replaced file, kept until commit; "" if none
	linked bool        // backup is a second link: the old file is still under name too
}

// stage writes f to a temporary file in its folder. The returned stagedFile
// is non-nil whenever a temporary file exists, even on error, so the caller
// can remove it.
func stage(f File) (*stagedFile, error) {
	perm := f.Perm
	if perm == 0 {
		perm = DefaultPerm
	}
	dir, base := filepath.Split(f.Name)
	if dir == "" {
		dir = "."
	}
	// CreateTemp opens with O_EXCL and mode 0600, so the data is never
	// readable by others, even before the Chmod below.
	tf, err := createTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, pathError(f.Name, err)
	}
	s := &stagedFile{name: f.Name, tmp: tf.Name()}
	fail := func(err error) (*stagedFile, error) {
		tf.Close()
		return s, pathError(f.Name, err)
	}
	if err := writeData(tf, f.Data); err != nil {
		return fail(err)
	}
	// Set the mode explicitly: CreateTemp's 0600 is filtered by the umask.
	// Windows has no permission bits beyond read-only.
	if err := tf.Chmod(perm); err != nil && runtime.GOOS != "windows" {
		return fail(err)
	}
	if err := tf.Sync(); err != nil {
		return fail(err)
	}
	// Windows cannot link or rename a file that is still open.
	if err := tf.Close(); err != nil {
		return s, pathError(f.Name, err)
	}
	if s.info, err = lstat(s.tmp); err != nil {
		return s, pathError(f.Name, err)
	}
	// On Windows SameFile reads the file's identity lazily, by path; read
	// it now, while the temporary name still exists.
	os.SameFile(s.info, s.info)
	return s, nil
}

// place puts the staged file under its final name.
func (s *stagedFile) place(force bool) error {
	if force {
		return s.replace()
	}
	err := link(s.tmp, s.name)
	if err == nil {
		s.placed = true
		return nil
	}
	if errors.Is(err, fs.ErrExist) {
		return &fs.PathError{Op: "write", Path: s.name, Err: fs.ErrExist}
	}
	// The file system has no hard links (FAT, some network shares). Claim
	// the name with an exclusive create, then move the complete file over
	// the placeholder, which is ours.
	ph, err := os.OpenFile(s.name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return pathError(s.name, err)
	}
	ph.Close()
	if err := rename(s.tmp, s.name); err != nil {
		remove(s.name)
		return pathError(s.name, err)
	}
	s.tmp = ""
	s.placed = true
	return nil
}

// replace moves the staged file over the final name, keeping whatever was
// there as a backup until the whole unit has been written.
func (s *stagedFile) replace() error {
	bak := s.tmp + ".old"
	err := link(s.name, bak)
	switch {
	case err == nil:
		s.backup, s.linked = bak, true
	case errors.Is(err, fs.ErrNotExist):
		// Nothing to replace.
	default:
		// No hard links here: move the old file aside instead.
		if err := rename(s.name, bak); err == nil {
			s.backup = bak
		} else if !errors.Is(err, fs.ErrNotExist) {
			return pathError(s.name, err)
		}
	}
	if err := rename(s.tmp, s.name); err != nil {
		return pathError(s.name, err)
	}
	s.tmp = ""
	s.placed = true
	return nil
}

// undo removes what this file's write created and restores what it replaced.
func (s *stagedFile) undo() {
	if s.placed {
		if s.backup != "" {
			if rename(s.backup, s.name) == nil {
				s.backup = ""
			}
		} else if st, err := lstat(s.name); err == nil && os.SameFile(st, s.info) {
			// Remove the final name only while it is still our file.
			remove(s.name)
		}
	} else if s.backup != "" {
		if s.linked {
			// The old file never left its name; drop the extra link.
			remove(s.backup)
			s.backup = ""
		} else if rename(s.backup, s.name) == nil {
			// Moved aside but not replaced: put it back.
			s.backup = ""
		}
	}
	if s.tmp != "" {
		remove(s.tmp)
	}
}

// commit drops the temporary name and the backup once every file is placed.
func (s *stagedFile) commit() {
	if s.tmp != "" {
		remove(s.tmp)
	}
	if s.backup != "" {
		remove(s.backup)
	}
}

// syncDirs flushes the folders' entries so the new names survive a power
// failure. Best effort: Windows cannot sync a folder, and the data itself is
// already synced.
func syncDirs(files []File) {
	if runtime.GOOS == "windows" {
		return
	}
	done := map[string]bool{}
	for _, f := range files {
		dir := filepath.Dir(f.Name)
		if done[dir] {
			continue
		}
		done[dir] = true
		if d, err := os.Open(dir); err == nil {
			d.Sync()
			d.Close()
		}
	}
}

// pathError reports err about the final name, keeping only the cause from
// the *fs.PathError or *os.LinkError of a temporary name.
func pathError(name string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	if err == nil {
		err = fmt.Errorf("unknown error")
	}
	return &fs.PathError{Op: "write", Path: name, Err: err}
}
