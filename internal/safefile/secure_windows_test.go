//go:build windows

package safefile

import (
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// On Windows a secret gets exactly the protected access list of SDDL, and
// a file that is not secret keeps the folder's inherited rules.
func TestWindowsAccessList(t *testing.T) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	user := tu.User.Sid.String()
	dir := t.TempDir()
	key := filepath.Join(dir, "k.key")
	csr := filepath.Join(dir, "k.csr")
	if err := Write(Options{}, File{Name: key, Data: []byte("key")}, File{Name: csr, Data: []byte("csr"), Perm: 0o644}); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state", "accounts")
	if err := MkdirSecret(state); err != nil {
		t.Fatal(err)
	}
	dacl := func(name string) (string, bool) {
		sd, err := windows.GetNamedSecurityInfo(name, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
		if err != nil {
			t.Fatal(err)
		}
		ctl, _, err := sd.Control()
		if err != nil {
			t.Fatal(err)
		}
		return sd.String(), ctl&windows.SE_DACL_PROTECTED != 0
	}
	for _, tc := range []struct {
		name string
		kind Kind
	}{{key, SecretFile}, {state, SecretFolder}, {filepath.Dir(state), SecretFolder}} {
		got, protected := dacl(tc.name)
		want := SDDL(user, tc.kind)
		if !protected || !strings.Contains(got, "(A;"+map[Kind]string{SecretFile: "", SecretFolder: "OICI"}[tc.kind]+";FA;;;"+user+")") ||
			!strings.Contains(got, ";FA;;;SY)") || !strings.Contains(got, ";FA;;;BA)") || strings.Count(got, "(A;") != 3 {
			t.Errorf("%s: access list %s (protected %v), want %s", tc.name, got, protected, want)
		}
	}
	if _, protected := dacl(csr); protected {
		t.Errorf("%s: protected access list on a file that is not secret", csr)
	}
}
