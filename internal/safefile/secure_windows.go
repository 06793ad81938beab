//go:build windows

package safefile

import (
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Protection says who can read a file written with permission perm: on
// Windows a secret (no group or other bits) gets the access list of SDDL,
// anything else the folder's inherited rules.
func Protection(perm os.FileMode) string {
	if perm&0o077 == 0 {
		return WindowsProtection
	}
	return "access inherited from the folder"
}

// securityAttributes builds the SECURITY_ATTRIBUTES for a secret of kind k
// owned by the user this process runs as.
func securityAttributes(k Kind) (*windows.SecurityAttributes, error) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, fmt.Errorf("reading the current user: %w", err)
	}
	sd, err := windows.SecurityDescriptorFromString(SDDL(tu.User.Sid.String(), k))
	if err != nil {
		return nil, fmt.Errorf("building the access list: %w", err)
	}
	return &windows.SecurityAttributes{Length: uint32(unsafe.Sizeof(windows.SecurityAttributes{})), SecurityDescriptor: sd}, nil
}

// openNew creates name, which must not exist, for reading and writing. A
// secret gets its access list in the same call that creates it
// (CreateFile with SECURITY_ATTRIBUTES), so there is no moment in which
// the folder's rules apply to it.
func openNew(name string, secret bool) (*os.File, error) {
	var sa *windows.SecurityAttributes
	if secret {
		var err error
		if sa, err = securityAttributes(SecretFile); err != nil {
			return nil, &os.PathError{Op: "open", Path: name, Err: err}
		}
	}
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		sa, windows.CREATE_NEW, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		if err == windows.ERROR_FILE_EXISTS || err == windows.ERROR_ALREADY_EXISTS {
			err = os.ErrExist
		}
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	return os.NewFile(uintptr(h), name), nil
}

// mkdirSecret creates one folder with the access list of a secret folder.
func mkdirSecret(name string) error {
	sa, err := securityAttributes(SecretFolder)
	if err != nil {
		return &os.PathError{Op: "mkdir", Path: name, Err: err}
	}
	p, err := windows.UTF16PtrFromString(filepath.Clean(name))
	if err != nil {
		return &os.PathError{Op: "mkdir", Path: name, Err: err}
	}
	if err := windows.CreateDirectory(p, sa); err != nil {
		if err == windows.ERROR_ALREADY_EXISTS {
			err = os.ErrExist
		}
		return &os.PathError{Op: "mkdir", Path: name, Err: err}
	}
	return nil
}

// stillActive is STILL_ACTIVE, the exit code GetExitCodeProcess reports
// for a process that has not ended
// (https://learn.microsoft.com/windows/win32/api/processthreadsapi/nf-processthreadsapi-getexitcodeprocess).
const stillActive = 259

// processAlive reports whether the process pid is running.
func processAlive(pid int) bool {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		// Access denied means it exists (another user's process).
		return err == windows.ERROR_ACCESS_DENIED
	}
	defer windows.CloseHandle(h)
	var code uint32
	if windows.GetExitCodeProcess(h, &code) != nil {
		return true
	}
	return code == stillActive
}

// Loose reports group or other permission bits on an existing secret;
// Windows has none, and its access lists are not inspected here.
func Loose(name string) (os.FileMode, error) {
	_, err := os.Lstat(name)
	return 0, err
}

// Tighten is a no-op on Windows (see Loose).
func Tighten(name string) (bool, error) { return false, nil }
