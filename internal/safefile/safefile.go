// Package safefile writes files that must never be half-written or silently
// replaced: private keys, certificate requests, PFX files, ACME account keys.
//
// Write creates each file as a temporary file in the destination folder,
// writes and syncs it, and only then puts it in place under its final name.
// Without Options.Force the final step is a hard link, which fails if the
// name exists, so an existing file is never replaced, not even by a
// concurrent writer; with Force it is a rename, which replaces atomically.
// Several files written in one call are one unit: if any of them fails, or
// Options.Verify rejects what was written, every file this call created is
// removed and every file it replaced is put back.
//
// A crash (or a kill) cannot be undone at once, so Write leaves a record
// that the next Write (or Recover) naming a file in the same folder reads:
// every temporary name, backup and marker of one call is
// ".NAME.tmp-PID-RANDOM" plus a suffix, and a ".pending" marker exists from
// before the first file is placed until the unit is complete. A unit found
// pending is rolled back (backups restored, files it created removed); a
// complete one only loses its leftover backups. Either way the folder holds
// the old or the new complete set, never a mix, and no temporary copy of a
// key survives the next run.
//
// Secrets (a permission without group or other bits) are private from the
// moment they exist: mode 0600 on Unix; on Windows a protected access list
// for the owner, SYSTEM and Administrators, set by CreateFile itself (see
// SDDL). MkdirSecret makes folders the same way.
//
// The package prints nothing; Options.Notify hears what a recovery did.
package safefile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
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
	// Verify, when set, is called once every file is in place under its
	// final name and before any replaced file is dropped. An error rolls
	// the whole unit back (the replaced files come back) and is returned.
	Verify func() error
	// Notify, when set, is told (one line each) what the recovery of an
	// earlier interrupted Write did.
	Notify func(string)
}

// The file-system calls, replaced by tests to simulate failures.
var (
	createFile = openNew
	link       = os.Link
	rename     = os.Rename
	remove     = os.Remove
	lstat      = os.Lstat
	writeData  = func(f *os.File, b []byte) error { _, err := f.Write(b); return err }
	alive      = processAlive
)

// Suffixes of a unit's leftovers after the ".NAME.tmp-PID-RANDOM" stem: none
// for a temporary file, and:
const (
	sufBackup  = ".old"     // the file that was replaced, kept until the unit is complete
	sufCreated = ".new"     // marker: NAME did not exist before this unit
	sufPending = ".pending" // marker: the unit is not complete yet
)

// leftover matches the names Write gives its temporary files, backups and
// markers: base, process id, random token, suffix.
var leftover = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\.(.+)\.tmp-([0-9]+)-([0-9a-f]{16})(\.old|\.new|\.pending)?$`)
})

// legacyTemp matches the temporary files of earlier versions
// (".NAME.tmp-DIGITS"): a complete copy that was never placed, or already
// linked into place, so removing it never loses anything.
var legacyTemp = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\..+\.tmp-[0-9]+$`) })

// legacyBackup matches the --force backups of earlier versions
// (".NAME.tmp-DIGITS.old"). Without a marker nothing tells whether the run
// that made it finished, and it may be the only copy of an earlier key, so
// it is reported, never removed.
var legacyBackup = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\.(.+)\.tmp-[0-9]+\.old$`) })

// Write writes files as one unit, as the package documentation describes.
//
// Every error is an *fs.PathError whose Path is the final name of the file
// that failed and whose Err is the cause: fs.ErrExist (errors.Is(err,
// fs.ErrExist)) when a name exists and opts.Force is off, or the operating
// system's error (fs.ErrPermission, fs.ErrNotExist for a missing folder,
// "is a directory", disk full, …), or the error of opts.Verify. On error
// nothing that Write created remains and nothing it replaced is lost.
func Write(opts Options, files ...File) (err error) {
	seen := map[string]bool{}
	names := make([]string, 0, len(files))
	for _, f := range files {
		clean := filepath.Clean(f.Name)
		if f.Name == "" || seen[clean] {
			return &fs.PathError{Op: "write", Path: f.Name, Err: errors.New("file named twice or not named")}
		}
		seen[clean] = true
		names = append(names, f.Name)
	}
	Recover(opts.Notify, names...)
	for _, f := range files {
		if err := checkTarget(f.Name, opts.Force); err != nil {
			return err
		}
	}

	u := &unit{token: newToken()}
	defer func() {
		if err != nil {
			u.undo()
			return
		}
		u.commit()
	}()
	for _, f := range files {
		s, err := u.stage(f)
		if s != nil {
			u.files = append(u.files, s)
		}
		if err != nil {
			return err
		}
	}
	// From here on a crash leaves a unit that the next run rolls back: a
	// marker in each folder, so that each folder's recovery knows.
	marked := map[string]bool{}
	for _, f := range files {
		if dir := filepath.Dir(f.Name); !marked[dir] {
			marked[dir] = true
			if err := u.markPending(f.Name); err != nil {
				return err
			}
		}
	}
	syncDirs(names)
	for _, s := range u.files {
		if err := s.place(opts.Force); err != nil {
			return err
		}
	}
	syncDirs(names)
	if opts.Verify != nil {
		if err := opts.Verify(); err != nil {
			return &fs.PathError{Op: "verify", Path: files[0].Name, Err: err}
		}
	}
	return nil
}

// newToken names one call's leftovers: its process id, so that a recovery
// leaves the files of a running writer alone, and a random part.
func newToken() string {
	b := make([]byte, 8)
	rand.Read(b)
	return strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b)
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

// unit is the files of one Write call.
type unit struct {
	token   string
	files   []*stagedFile
	pending []string // the pending markers, one per folder
}

// stem is the common start of every leftover of name in this unit.
func (u *unit) stem(name string) string {
	dir, base := filepath.Split(name)
	return filepath.Join(dir, "."+base+".tmp-"+u.token)
}

// markPending creates the marker, next to name, that says the unit is not
// complete.
func (u *unit) markPending(name string) error {
	p := u.stem(name) + sufPending
	f, err := createFile(p, true)
	if err != nil {
		return pathError(name, err)
	}
	u.pending = append(u.pending, p)
	if err := f.Close(); err != nil {
		return pathError(name, err)
	}
	return nil
}

func (u *unit) undo() {
	// Undo in reverse order: put back what was replaced, remove what was
	// created.
	for i := len(u.files) - 1; i >= 0; i-- {
		u.files[i].undo()
	}
	for _, p := range u.pending {
		remove(p)
	}
}

// commit drops the pending marker (the unit is complete from then on),
// then the backups and markers.
func (u *unit) commit() {
	for _, p := range u.pending {
		remove(p)
	}
	u.pending = nil
	for _, s := range u.files {
		s.commit()
	}
}

// stagedFile is a file written to a temporary name, waiting to be placed.
type stagedFile struct {
	name    string
	stem    string      // the unit's stem for this name
	tmp     string      // the temporary file; "" once gone
	info    fs.FileInfo // of the temporary file, to recognise it after placing
	placed  bool        // name now holds our file
	backup  string      // the replaced file, kept until commit; "" if none
	linked  bool        // backup is a second link: the old file is still under name too
	created string      // marker that name is new; "" if none
}

// stage writes f to a temporary file in its folder. The returned stagedFile
// is non-nil whenever a temporary file exists, even on error, so the caller
// can remove it.
func (u *unit) stage(f File) (*stagedFile, error) {
	perm := f.Perm
	if perm == 0 {
		perm = DefaultPerm
	}
	s := &stagedFile{name: f.Name, stem: u.stem(f.Name)}
	// openNew creates the file exclusively, readable by the owner only
	// (mode 0600, or on Windows the access list of a secret) when perm
	// says it is one, so the data is never readable by others.
	tf, err := createFile(s.stem, perm&0o077 == 0)
	if err != nil {
		return nil, pathError(f.Name, err)
	}
	s.tmp = tf.Name()
	fail := func(err error) (*stagedFile, error) {
		tf.Close()
		return s, pathError(f.Name, err)
	}
	if err := writeData(tf, f.Data); err != nil {
		return fail(err)
	}
	// Set the mode explicitly: the create mode is filtered by the umask.
	// Windows has no permission bits beyond read-only; its access list was
	// set when the file was created.
	if runtime.GOOS != "windows" {
		if err := tf.Chmod(perm); err != nil {
			return fail(err)
		}
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

// markCreated records that name did not exist, so that a recovery of an
// interrupted unit removes it.
func (s *stagedFile) markCreated() error {
	p := s.stem + sufCreated
	f, err := createFile(p, true)
	if err != nil {
		return pathError(s.name, err)
	}
	s.created = p
	if err := f.Close(); err != nil {
		return pathError(s.name, err)
	}
	return nil
}

// place puts the staged file under its final name.
func (s *stagedFile) place(force bool) error {
	if force {
		return s.replace()
	}
	if err := s.markCreated(); err != nil {
		return err
	}
	err := link(s.tmp, s.name)
	if err == nil {
		s.placed = true
		// The final name exists: the temporary name goes at once, so
		// no second copy of a key waits for the end of the unit.
		if remove(s.tmp) == nil {
			s.tmp = ""
		}
		return nil
	}
	if errors.Is(err, fs.ErrExist) {
		return &fs.PathError{Op: "write", Path: s.name, Err: fs.ErrExist}
	}
	// The file system has no hard links (FAT, some network shares). Claim
	// the name with an exclusive create, then move the complete file over
	// the placeholder, which is ours.
	ph, err := createFile(s.name, true)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return &fs.PathError{Op: "write", Path: s.name, Err: fs.ErrExist}
		}
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
	bak := s.stem + sufBackup
	err := link(s.name, bak)
	switch {
	case err == nil:
		s.backup, s.linked = bak, true
	case errors.Is(err, fs.ErrNotExist):
		// Nothing to replace.
		if err := s.markCreated(); err != nil {
			return err
		}
	default:
		// No hard links here: move the old file aside instead.
		if err := rename(s.name, bak); err == nil {
			s.backup = bak
		} else if !errors.Is(err, fs.ErrNotExist) {
			return pathError(s.name, err)
		} else if err := s.markCreated(); err != nil {
			return err
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
	if s.created != "" {
		remove(s.created)
	}
}

// commit drops the temporary name, the backup and the marker once every
// file is placed.
func (s *stagedFile) commit() {
	for _, p := range []string{s.tmp, s.backup, s.created} {
		if p != "" {
			remove(p)
		}
	}
}

// Recover finishes what interrupted Write calls left in the folders of
// names: a unit whose ".pending" marker (or a temporary file) remains is
// rolled back, restoring each backup to its name and removing each file it
// created; a complete unit's leftover backups and markers are removed.
// Leftovers of a process that is still running are left alone. notify,
// when not nil, hears one line per action. Recover is best effort: a
// leftover it cannot handle stays and is reported to notify.
func Recover(notify func(string), names ...string) {
	if notify == nil {
		notify = func(string) {}
	}
	dirs := map[string]bool{}
	for _, n := range names {
		dirs[filepath.Dir(n)] = true
	}
	for dir := range dirs {
		recoverDir(dir, notify)
	}
}

// leftoverUnit is what one interrupted call left in a folder.
type leftoverUnit struct {
	pid                           int
	temps, backups, created, mark []string // leftover paths
}

func recoverDir(dir string, notify func(string)) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	units := map[string]*leftoverUnit{}
	var tokens []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, ".") || !strings.Contains(name, ".tmp-") || e.IsDir() {
			continue
		}
		path := filepath.Join(dir, name)
		m := leftover().FindStringSubmatch(name)
		if m == nil {
			if legacyTemp().MatchString(name) && remove(path) == nil {
				notify(fmt.Sprintf("removed %s, a temporary file left by an interrupted run", path))
			}
			if b := legacyBackup().FindStringSubmatch(name); b != nil {
				notify(fmt.Sprintf("kept %s, a backup of %s left by an interrupted run of an earlier version: compare the two and delete the one you do not need", path, filepath.Join(dir, b[1])))
			}
			continue
		}
		token := m[2] + "-" + m[3]
		u := units[token]
		if u == nil {
			pid, _ := strconv.Atoi(m[2])
			u = &leftoverUnit{pid: pid}
			units[token] = u
			tokens = append(tokens, token)
		}
		switch m[4] {
		case "":
			u.temps = append(u.temps, path)
		case sufBackup:
			u.backups = append(u.backups, path)
		case sufCreated:
			u.created = append(u.created, path)
		case sufPending:
			u.mark = append(u.mark, path)
		}
	}
	sort.Strings(tokens)
	for _, token := range tokens {
		u := units[token]
		if alive(u.pid) {
			notify(fmt.Sprintf("left alone the temporary files of process %d in %s, which is still running", u.pid, dir))
			continue
		}
		u.recover(dir, token, notify)
	}
}

// final is the name a leftover path belongs to.
func final(dir, path, token string) string {
	base := filepath.Base(path)
	base = strings.TrimPrefix(base, ".")
	base = base[:strings.LastIndex(base, ".tmp-"+token)]
	return filepath.Join(dir, base)
}

func (u *leftoverUnit) recover(dir, token string, notify func(string)) {
	incomplete := len(u.mark) > 0 || len(u.temps) > 0
	report := func(err error, done string) {
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			notify(fmt.Sprintf("could not clean up after an interrupted run: %v", err))
			return
		}
		if err == nil {
			notify(done)
		}
	}
	if incomplete {
		for _, b := range u.backups {
			name := final(dir, b, token)
			// A backup made as a second link while the old file still
			// had its name: rename of two links to one file does
			// nothing (and succeeds), so drop the extra link instead.
			if bi, err := lstat(b); err == nil {
				if ni, err := lstat(name); err == nil && os.SameFile(bi, ni) {
					report(remove(b), fmt.Sprintf("removed %s, left by an interrupted run", b))
					continue
				}
			}
			report(rename(b, name), fmt.Sprintf("restored %s, which an interrupted run had replaced", name))
		}
		for _, c := range u.created {
			name := final(dir, c, token)
			report(remove(name), fmt.Sprintf("removed %s, written by an interrupted run that did not finish", name))
			remove(c)
		}
	} else {
		for _, p := range append(u.backups, u.created...) {
			report(remove(p), fmt.Sprintf("removed %s, left by an interrupted run", p))
		}
	}
	for _, t := range u.temps {
		report(remove(t), fmt.Sprintf("removed %s, a temporary file left by an interrupted run", t))
	}
	// The marker goes last: until then a second recovery would still roll
	// the unit back.
	for _, m := range u.mark {
		remove(m)
	}
}

// MkdirSecret creates dir and any missing parents, each created folder
// readable by the owner only (mode 0700; on Windows the access list of
// SDDL for a folder). Folders that exist are left as they are.
func MkdirSecret(dir string) error {
	dir = filepath.Clean(dir)
	st, err := os.Stat(dir)
	if err == nil {
		if !st.IsDir() {
			return &fs.PathError{Op: "mkdir", Path: dir, Err: errors.New("not a folder")}
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := MkdirSecret(parent); err != nil {
			return err
		}
	}
	if err := mkdirSecret(dir); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}

// syncDirs flushes the folders' entries so the new names survive a power
// failure. Best effort: Windows cannot sync a folder, and the data itself is
// already synced.
func syncDirs(names []string) {
	if runtime.GOOS == "windows" {
		return
	}
	done := map[string]bool{}
	for _, n := range names {
		dir := filepath.Dir(n)
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
