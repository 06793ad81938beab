package lint

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// skipDirs are the version-control folders a walk never enters: they hold
// history, not the certificates that get deployed.
var skipDirs = map[string]bool{".git": true, ".hg": true, ".svn": true}

// entryKind says what the walk found at a path.
type entryKind int

const (
	entryFile       entryKind = iota // a regular file, or a symbolic link to one
	entryNotRegular                  // a pipe, socket or device: never opened
	entryError                       // could not be examined: err says why
	entryOutside                     // a symbolic link to a file outside the roots: never opened
)

// A job is one path for a worker, numbered in walk order.
type job struct {
	seq    int
	path   string
	kind   entryKind
	mode   fs.FileMode // for entryNotRegular
	err    error       // for entryError
	target string      // for entryOutside: where the link points
	key    string      // the .key file next to it, or ""
	paired bool        // a .key file with a certificate file of its name next to it
}

// walkOptions say what a walk covers.
type walkOptions struct {
	paths, exclude []string
	// followOutside opens links whose target is outside every path.
	followOutside bool
}

// PathError is returned by Run for a path on the command line that does not
// exist or cannot be examined at all; problems found during the walk are
// findings instead.
type PathError struct {
	Path string
	Err  error
}

func (e *PathError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *PathError) Unwrap() error { return e.Err }

// checkPaths makes sure every path given exists, before any output is
// written: a mistyped path is a usage error, not a finding.
func checkPaths(paths []string) error {
	for _, p := range paths {
		if _, err := os.Lstat(p); err != nil {
			return &PathError{Path: p, Err: describe(err)}
		}
	}
	return nil
}

// walk sends a job for every file under paths, in order: paths in the
// order given, each folder's entries sorted by name (the order of
// fs.WalkDir), depth first. It lists each folder once, which also finds
// the .key file next to each certificate file without a lookup per file.
// emit returns false when the run is cancelled.
func walk(ctx context.Context, wo walkOptions, emit func(job) bool) error {
	w := walker{exclude: wo.exclude, emit: emit}
	if !wo.followOutside {
		w.inside = insideRoots(wo.paths)
	}
	for _, root := range wo.paths {
		st, err := os.Stat(root) // a root given as a symbolic link is followed
		switch {
		case err != nil:
			w.send(job{path: root, kind: entryError, err: linkError(root, err)})
		case st.IsDir():
			w.dir(root, root)
		default:
			j := fileJob(root, st.Mode())
			j.key = siblingKey(root)
			if fi, err := os.Lstat(j.key); j.key != "" && err == nil && fi.Mode()&fs.ModeSymlink != 0 {
				if _, out := w.outside(j.key); out {
					j.key = ""
				}
			}
			w.send(j)
		}
		if w.stopped {
			return ctx.Err()
		}
	}
	return nil
}

type walker struct {
	exclude []string
	inside  func(target string) bool // nil: every link target is allowed
	emit    func(job) bool
	seq     int
	stopped bool
}

func (w *walker) send(j job) {
	if w.stopped {
		return
	}
	j.seq = w.seq
	w.seq++
	w.stopped = !w.emit(j)
}

// dir sends the jobs of folder d below root.
func (w *walker) dir(root, d string) {
	ents, err := os.ReadDir(d) // sorted by name
	if err != nil {
		// A folder that cannot be listed (or vanished): report it and go
		// on with what was listed, if anything, and its siblings.
		w.send(job{path: d, kind: entryError, err: describe(err)})
	}
	keys := map[string]string{}
	stems := map[string]bool{} // of the other files, to tell a key file paired
	for _, e := range ents {
		if name := e.Name(); !e.IsDir() && !isKeyName(name) {
			stems[strings.TrimSuffix(name, filepath.Ext(name))] = true
		}
		if name := e.Name(); !e.IsDir() && isKeyName(name) {
			// A key file that links outside the roots is never read to
			// pair it with its certificate.
			if e.Type()&fs.ModeSymlink != 0 {
				if _, ok := w.outside(filepath.Join(d, name)); ok {
					continue
				}
			}
			keys[strings.TrimSuffix(name, filepath.Ext(name))] = name
		}
	}
	for _, e := range ents {
		if w.stopped {
			return
		}
		name := e.Name()
		p := filepath.Join(d, name)
		if excluded(root, p, name, w.exclude) {
			continue
		}
		withKey := func(j job) job {
			stem := strings.TrimSuffix(name, filepath.Ext(name))
			if k, ok := keys[stem]; ok && !isKeyName(name) {
				j.key = filepath.Join(d, k)
			}
			j.paired = isKeyName(name) && stems[stem]
			return j
		}
		switch t := e.Type(); {
		case e.IsDir():
			if !skipDirs[name] {
				w.dir(root, p)
			}
		case t&fs.ModeSymlink != 0:
			// Follow links to files, never to folders: a link to a
			// parent folder would loop, and a link to another tree would
			// check files that are not part of this one.
			st, err := os.Stat(p)
			switch {
			case err != nil:
				w.send(job{path: p, kind: entryError, err: linkError(p, err)})
			case st.IsDir():
			default:
				// Nor to files outside the paths given, unless asked:
				// their facts would be published as this tree's.
				if target, out := w.outside(p); out {
					w.send(job{path: p, kind: entryOutside, target: target})
					continue
				}
				w.send(withKey(fileJob(p, st.Mode())))
			}
		default:
			w.send(withKey(fileJob(p, t)))
		}
	}
}

// outside reports whether the symbolic link p resolves to a file outside
// every root, and where it points.
func (w *walker) outside(p string) (string, bool) {
	if w.inside == nil {
		return "", false
	}
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", false // reported as unreadable by the caller's Stat
	}
	if abs, err := filepath.Abs(target); err == nil {
		target = abs
	}
	return target, !w.inside(target)
}

// insideRoots returns a test for "target is one of the roots or below a
// root", with every root resolved as the walk sees it (links followed).
func insideRoots(roots []string) func(string) bool {
	var resolved []string
	for _, r := range roots {
		if t, err := filepath.EvalSymlinks(r); err == nil {
			r = t
		}
		if abs, err := filepath.Abs(r); err == nil {
			resolved = append(resolved, abs)
		}
	}
	return func(target string) bool {
		for _, r := range resolved {
			rel, err := filepath.Rel(r, target)
			if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel) {
				return true
			}
		}
		return false
	}
}

// isKeyName reports whether a file name is that of a private key kept next
// to its certificate: exch2.key beside exch2.crt, exch2.pem or exch2.csr.
func isKeyName(name string) bool { return strings.EqualFold(filepath.Ext(name), ".key") }

// siblingKey returns the .key file next to a file given on the command
// line, or "".
func siblingKey(name string) string {
	if isKeyName(name) {
		return ""
	}
	p := strings.TrimSuffix(name, filepath.Ext(name)) + ".key"
	if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
		return p
	}
	return ""
}

func fileJob(p string, mode fs.FileMode) job {
	if mode.IsRegular() {
		return job{path: p, kind: entryFile}
	}
	return job{path: p, kind: entryNotRegular, mode: mode}
}

// excluded reports whether an --exclude pattern matches the entry's name or
// its slash-separated path below the root.
func excluded(root, p, name string, patterns []string) bool {
	if len(patterns) == 0 {
		return false
	}
	rel, err := filepath.Rel(root, p)
	if err != nil {
		rel = p
	}
	rel = filepath.ToSlash(rel)
	for _, pat := range patterns {
		if ok, _ := path.Match(pat, name); ok {
			return true
		}
		if ok, _ := path.Match(pat, rel); ok {
			return true
		}
	}
	return false
}

// ValidateExclude checks --exclude patterns before a run.
func ValidateExclude(patterns []string) error {
	for _, p := range patterns {
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("bad pattern %q: %w", p, err)
		}
	}
	return nil
}

// linkError words the failure to follow a path that may be a symbolic link.
func linkError(p string, err error) error {
	if fi, lerr := os.Lstat(p); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if target, rerr := os.Readlink(p); rerr == nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("broken symbolic link to %s", target)
			}
			return fmt.Errorf("symbolic link to %s: %w", target, describe(err))
		}
	}
	return describe(err)
}

// describe drops the operation and path of an *fs.PathError (the finding
// names the file) and words the common cases plainly.
func describe(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errors.New("no such file or folder")
	case errors.Is(err, fs.ErrPermission):
		return errors.New("permission denied")
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if msg := pe.Err.Error(); strings.Contains(msg, "too many levels of symbolic links") {
			return errors.New("symbolic link loop")
		}
		return pe.Err
	}
	return err
}

// modeName words a non-regular file's type.
func modeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return "not a regular file"
}
