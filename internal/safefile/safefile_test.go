package safefile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// listDir returns the names in dir, sorted, hidden temporary files included.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hook replaces a package variable for the duration of the test.
func hook[T any](t *testing.T, v *T, f T) {
	old := *v
	*v = f
	t.Cleanup(func() { *v = old })
}

func TestWriteCreates(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "exch2.acme.com.key")
	csr := filepath.Join(dir, "exch2.acme.com.csr")
	if err := Write(Options{}, File{Name: key, Data: []byte("KEY")}, File{Name: csr, Data: []byte("CSR"), Perm: 0o644}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, key); string(got) != "KEY" {
		t.Errorf("key = %q", got)
	}
	if got := readFile(t, csr); string(got) != "CSR" {
		t.Errorf("csr = %q", got)
	}
	if got, want := listDir(t, dir), []string{"exch2.acme.com.csr", "exch2.acme.com.key"}; !slices.Equal(got, want) {
		t.Errorf("folder holds %q, want %q (no temporary files)", got, want)
	}
	if runtime.GOOS != "windows" {
		for name, want := range map[string]fs.FileMode{key: 0o600, csr: 0o644} {
			st, err := os.Stat(name)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != want {
				t.Errorf("%s has mode %04o, want %04o", filepath.Base(name), st.Mode().Perm(), want)
			}
		}
	}
}

func TestWriteRefusesExisting(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "k.key")
	orig := []byte("-----BEGIN PRIVATE KEY-----\noriginal\n-----END PRIVATE KEY-----\n")
	if err := os.WriteFile(key, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	err := Write(Options{}, File{Name: key, Data: []byte("new")})
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("err = %v, want fs.ErrExist", err)
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Path != key {
		t.Errorf("err = %#v, want a *fs.PathError naming %s", err, key)
	}
	if got := readFile(t, key); !bytes.Equal(got, orig) {
		t.Errorf("existing file changed to %q", got)
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"k.key"}) {
		t.Errorf("folder holds %q", got)
	}
}

// The early check can be raced: a file that appears between the check and
// the link must still not be replaced.
func TestWriteRefusesFileCreatedMeanwhile(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "k.key")
	hook(t, &writeData, func(f *os.File, b []byte) error {
		if err := os.WriteFile(key, []byte("other writer"), 0o600); err != nil {
			return err
		}
		_, err := f.Write(b)
		return err
	})
	err := Write(Options{}, File{Name: key, Data: []byte("new")})
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("err = %v, want fs.ErrExist", err)
	}
	if got := readFile(t, key); string(got) != "other writer" {
		t.Errorf("file = %q, want the other writer's", got)
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"k.key"}) {
		t.Errorf("folder holds %q", got)
	}
}

func TestWriteRefusesWhenAnyExists(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "k.key")
	csr := filepath.Join(dir, "k.csr")
	if err := os.WriteFile(csr, []byte("old csr"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Write(Options{}, File{Name: key, Data: []byte("key")}, File{Name: csr, Data: []byte("csr")})
	var pe *fs.PathError
	if !errors.Is(err, fs.ErrExist) || !errors.As(err, &pe) || pe.Path != csr {
		t.Fatalf("err = %v, want fs.ErrExist about %s", err, csr)
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"k.csr"}) {
		t.Errorf("folder holds %q, want only the old k.csr", got)
	}
}

func TestWriteForceReplaces(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "k.key")
	if err := os.WriteFile(key, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(Options{Force: true}, File{Name: key, Data: []byte("new")}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, key); string(got) != "new" {
		t.Errorf("file = %q, want new", got)
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"k.key"}) {
		t.Errorf("folder holds %q (backup or temporary file left)", got)
	}
	if runtime.GOOS != "windows" {
		st, _ := os.Stat(key)
		if st.Mode().Perm() != 0o600 {
			t.Errorf("mode %04o, want 0600", st.Mode().Perm())
		}
	}
}

func TestWriteNeverReplacesDirectory(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "k.key")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, force := range []bool{false, true} {
		err := Write(Options{Force: force}, File{Name: sub, Data: []byte("x")})
		if err == nil || !strings.Contains(err.Error(), "is a directory") {
			t.Errorf("force=%v: err = %v, want \"is a directory\"", force, err)
		}
		if st, err := os.Stat(sub); err != nil || !st.IsDir() {
			t.Errorf("force=%v: directory gone", force)
		}
	}
}

// A failure half-way through writing the data leaves nothing behind.
func TestWriteFailsMidWrite(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "k.key")
	errDisk := errors.New("no space left on device")
	hook(t, &writeData, func(f *os.File, b []byte) error {
		f.Write(b[:len(b)/2])
		return errDisk
	})
	err := Write(Options{}, File{Name: key, Data: []byte("0123456789")})
	if !errors.Is(err, errDisk) {
		t.Fatalf("err = %v, want the write error", err)
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Path != key {
		t.Errorf("err = %v, want it to name %s", err, key)
	}
	if got := listDir(t, dir); len(got) != 0 {
		t.Errorf("folder holds %q after a failed write, want nothing", got)
	}
}

// When the second file of a unit fails, the first (created by this call) is
// removed, and an existing file is untouched.
func TestWriteUnitRollsBack(t *testing.T) {
	for _, stage := range []string{"write", "place"} {
		t.Run(stage, func(t *testing.T) {
			dir := t.TempDir()
			key := filepath.Join(dir, "k.key")
			csr := filepath.Join(dir, "k.csr")
			other := filepath.Join(dir, "other.txt")
			if err := os.WriteFile(other, []byte("keep"), 0o644); err != nil {
				t.Fatal(err)
			}
			errBoom := errors.New("boom")
			switch stage {
			case "write":
				hook(t, &writeData, func(f *os.File, b []byte) error {
					if string(b) == "csr" {
						return errBoom
					}
					_, err := f.Write(b)
					return err
				})
			case "place":
				hook(t, &link, func(old, new string) error {
					if new == csr {
						return &os.LinkError{Op: "link", Old: old, New: new, Err: errBoom}
					}
					return os.Link(old, new)
				})
				// The fallback for file systems without hard links must
				// fail too, or it would place the file.
				hook(t, &rename, func(old, new string) error {
					if new == csr {
						return &os.LinkError{Op: "rename", Old: old, New: new, Err: errBoom}
					}
					return os.Rename(old, new)
				})
			}
			err := Write(Options{}, File{Name: key, Data: []byte("key")}, File{Name: csr, Data: []byte("csr")})
			var pe *fs.PathError
			if !errors.Is(err, errBoom) || !errors.As(err, &pe) || pe.Path != csr {
				t.Fatalf("err = %v, want boom about %s", err, csr)
			}
			if got := listDir(t, dir); !slices.Equal(got, []string{"other.txt"}) {
				t.Errorf("folder holds %q, want only other.txt", got)
			}
		})
	}
}

// With Force, a failure of the second file puts the replaced first file back
// byte for byte: a forced renewal that fails must not cost the old key.
func TestWriteForceRollsBack(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "k.key")
	csr := filepath.Join(dir, "k.csr")
	for name, data := range map[string]string{key: "old key", csr: "old csr"} {
		if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	errBoom := errors.New("boom")
	hook(t, &rename, func(old, new string) error {
		if new == csr && !strings.HasSuffix(old, ".old") {
			return &os.LinkError{Op: "rename", Old: old, New: new, Err: errBoom}
		}
		return os.Rename(old, new)
	})
	err := Write(Options{Force: true}, File{Name: key, Data: []byte("new key")}, File{Name: csr, Data: []byte("new csr")})
	if !errors.Is(err, errBoom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if got := readFile(t, key); string(got) != "old key" {
		t.Errorf("key = %q, want the old key restored", got)
	}
	if got := readFile(t, csr); string(got) != "old csr" {
		t.Errorf("csr = %q, want the old csr", got)
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"k.csr", "k.key"}) {
		t.Errorf("folder holds %q", got)
	}
}

// File systems without hard links (FAT, some SMB shares) use the exclusive
// placeholder instead, with the same guarantees.
func TestWriteWithoutHardLinks(t *testing.T) {
	noLinks := func(old, new string) error {
		return &os.LinkError{Op: "link", Old: old, New: new, Err: errors.ErrUnsupported}
	}
	hook(t, &link, noLinks)

	dir := t.TempDir()
	key := filepath.Join(dir, "k.key")
	if err := Write(Options{}, File{Name: key, Data: []byte("key")}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, key); string(got) != "key" {
		t.Errorf("key = %q", got)
	}
	if err := Write(Options{}, File{Name: key, Data: []byte("other")}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second write: err = %v, want fs.ErrExist", err)
	}
	if err := Write(Options{Force: true}, File{Name: key, Data: []byte("forced")}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, key); string(got) != "forced" {
		t.Errorf("key = %q, want forced", got)
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"k.key"}) {
		t.Errorf("folder holds %q", got)
	}
}

func TestWriteUnwritableFolder(t *testing.T) {
	t.Run("simulated", func(t *testing.T) {
		dir := t.TempDir()
		hook(t, &createFile, func(name string, secret bool) (*os.File, error) {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
		})
		key := filepath.Join(dir, "k.key")
		err := Write(Options{}, File{Name: key, Data: []byte("x")})
		var pe *fs.PathError
		if !errors.Is(err, fs.ErrPermission) || !errors.As(err, &pe) || pe.Path != key {
			t.Fatalf("err = %v, want permission denied about %s", err, key)
		}
	})
	t.Run("chmod", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("Windows has no permission bits")
		}
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(dir, 0o700)
		if f, err := os.CreateTemp(dir, "probe"); err == nil {
			f.Close()
			os.Remove(f.Name())
			t.Skip("running as root: folder permissions do not stop writes (the simulated case covers this)")
		}
		err := Write(Options{}, File{Name: filepath.Join(dir, "k.key"), Data: []byte("x")})
		if !errors.Is(err, fs.ErrPermission) {
			t.Fatalf("err = %v, want permission denied", err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		key := filepath.Join(t.TempDir(), "nope", "k.key")
		err := Write(Options{}, File{Name: key, Data: []byte("x")})
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("err = %v, want fs.ErrNotExist", err)
		}
	})
}

func TestWriteRejectsDuplicateNames(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "k.key")
	err := Write(Options{}, File{Name: key, Data: []byte("a")}, File{Name: dir + "/./k.key", Data: []byte("b")})
	if err == nil {
		t.Fatal("no error for the same file named twice")
	}
	if got := listDir(t, dir); len(got) != 0 {
		t.Errorf("folder holds %q", got)
	}
}
