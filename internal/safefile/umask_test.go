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
