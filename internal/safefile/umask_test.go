//go:build unix

package safefile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestWriteModeIgnoresUmask(t *testing.T) {
	old := syscall.Umask(0o277) // would leave 0400 from CreateTemp's 0600
	defer syscall.Umask(old)
	name := filepath.Join(t.TempDir(), "k.key")
	if err := Write(Options{}, File{Name: name, Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %04o, want 0600", st.Mode().Perm())
	}
}

func TestMkdirSecretMode(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "state", "accounts")
	if err := MkdirSecret(dir); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dir, filepath.Dir(dir)} {
		st, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %04o, want 0700", d, st.Mode().Perm())
		}
	}
}

func TestLooseAndTighten(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if bits, err := Loose(dir); err != nil || bits != 0o055 {
		t.Fatalf("Loose = %04o, %v; want 0055", bits, err)
	}
	changed, err := Tighten(dir)
	if err != nil || !changed {
		t.Fatalf("Tighten = %v, %v", changed, err)
	}
	if bits, _ := Loose(dir); bits != 0 {
		t.Errorf("after Tighten: %04o", bits)
	}
	if changed, _ := Tighten(dir); changed {
		t.Error("Tighten changed a private folder")
	}
}
