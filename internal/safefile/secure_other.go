//go:build !windows

package safefile

import (
	"fmt"
	"os"
	"syscall"
)

// Protection says who can read a file written with permission perm: its
// mode, as ls -l shows it.
func Protection(perm os.FileMode) string {
	return fmt.Sprintf("mode %04o", perm.Perm())
}

// openNew creates name, which must not exist, for reading and writing with
// mode 0600 (further limited by the umask until Write sets the final mode).
func openNew(name string, secret bool) (*os.File, error) {
	return os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
}

// mkdirSecret creates one folder readable by the owner only. The umask can
// only take bits away, so the mode is set again explicitly.
func mkdirSecret(name string) error {
	if err := os.Mkdir(name, 0o700); err != nil {
		return err
	}
	return os.Chmod(name, 0o700)
}

// processAlive reports whether the process pid is running: signal 0
// checks for the process without sending anything (kill(2)). EPERM means
// it exists but belongs to someone else.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || err == syscall.EPERM
}

// Loose returns the group and other permission bits of an existing file
// or folder (zero when it is private to its owner). A symbolic link is
// judged by what it points to.
func Loose(name string) (os.FileMode, error) {
	st, err := os.Stat(name)
	if err != nil {
		return 0, err
	}
	return st.Mode().Perm() & 0o077, nil
}

// Tighten removes the group and other bits of a folder the current user
// owns. It reports whether it changed anything; a folder of another user is
// left alone (and reported by Loose).
func Tighten(name string) (bool, error) {
	st, err := os.Lstat(name)
	if err != nil || !st.IsDir() || st.Mode().Perm()&0o077 == 0 {
		return false, err
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); !ok || int(sys.Uid) != os.Getuid() {
		return false, nil
	}
	if err := os.Chmod(name, st.Mode().Perm()&0o700); err != nil {
		return false, err
	}
	return true, nil
}
