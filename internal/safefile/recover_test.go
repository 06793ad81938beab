package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSDDL(t *testing.T) {
	const user = "S-1-5-21-1004336348-1177238915-682003330-1001"
	file := "D:P(A;;FA;;;" + user + ")(A;;FA;;;SY)(A;;FA;;;BA)"
	folder := "D:P(A;OICI;FA;;;" + user + ")(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"
	for _, tc := range []struct {
		secret string
		kind   Kind
		want   string
	}{
		{"private key (csr, acme)", SecretFile, file},
		{"PFX (pfx, acme)", SecretFile, file},
		{"ACME account key", SecretFile, file},
		{"archived copy of a key or PFX", SecretFile, file},
		{"ACME state folder", SecretFolder, folder},
		{"archive folder", SecretFolder, folder},
	} {
		if got := SDDL(user, tc.kind); got != tc.want {
			t.Errorf("%s: SDDL = %s, want %s", tc.secret, got, tc.want)
		}
	}
}

// leftovers lists the names in dir that Write uses for temporary files,
// backups and markers.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, n := range listDir(t, dir) {
		if strings.Contains(n, ".tmp-") {
			out = append(out, n)
		}
	}
	return out
}

func writeAll(t *testing.T, files map[string]string) {
	t.Helper()
	for name, data := range files {
		if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// What an interrupted Write leaves is rolled back by the next run when the
// unit was not complete, and only tidied when it was.
func TestRecover(t *testing.T) {
	hook(t, &alive, func(pid int) bool { return pid == 4242 })
	const tok = "999-0123456789abcdef"
	for _, tc := range []struct {
		name   string
		before map[string]string // file -> contents, leftovers included
		after  map[string]string
	}{
		{
			name: "killed after placing the key, before the csr",
			before: map[string]string{
				"k.key": "new key", ".k.key.tmp-" + tok + ".old": "old key", ".k.key.tmp-" + tok + ".pending": "",
				"k.csr": "old csr", ".k.csr.tmp-" + tok: "new csr",
			},
			after: map[string]string{"k.key": "old key", "k.csr": "old csr"},
		},
		{
			name: "killed after placing both, before the verification",
			before: map[string]string{
				"k.key": "new key", ".k.key.tmp-" + tok + ".old": "old key", ".k.key.tmp-" + tok + ".pending": "",
				"k.csr": "new csr", ".k.csr.tmp-" + tok + ".old": "old csr",
			},
			after: map[string]string{"k.key": "old key", "k.csr": "old csr"},
		},
		{
			name: "killed while dropping the backups",
			before: map[string]string{
				"k.key": "new key",
				"k.csr": "new csr", ".k.csr.tmp-" + tok + ".old": "old csr",
			},
			after: map[string]string{"k.key": "new key", "k.csr": "new csr"},
		},
		{
			name: "killed after creating a new file",
			before: map[string]string{
				"k.key": "new key", ".k.key.tmp-" + tok + ".new": "", ".k.key.tmp-" + tok + ".pending": "",
				".k.csr.tmp-" + tok: "new csr", ".k.csr.tmp-" + tok + ".new": "",
			},
			after: map[string]string{},
		},
		{
			name:   "killed while staging",
			before: map[string]string{".k.key.tmp-" + tok: "half a k"},
			after:  map[string]string{},
		},
		{
			name:   "temporary file of an earlier version",
			before: map[string]string{"k.key": "key", ".k.key.tmp-12345": "key"},
			after:  map[string]string{"k.key": "key"},
		},
		{
			name: "a running writer's files are left alone",
			before: map[string]string{
				"k.key": "old key", ".k.key.tmp-4242-0123456789abcdef": "new key", ".k.key.tmp-4242-0123456789abcdef.pending": "",
			},
			after: map[string]string{
				"k.key": "old key", ".k.key.tmp-4242-0123456789abcdef": "new key", ".k.key.tmp-4242-0123456789abcdef.pending": "",
			},
		},
		{
			name:   "files that only look alike are not ours",
			before: map[string]string{"k.key": "key", ".k.key.tmp-notours": "x", "k.key.tmp-1-0123456789abcdef.old": "y"},
			after:  map[string]string{"k.key": "key", ".k.key.tmp-notours": "x", "k.key.tmp-1-0123456789abcdef.old": "y"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			abs := map[string]string{}
			for n, d := range tc.before {
				abs[filepath.Join(dir, n)] = d
			}
			writeAll(t, abs)
			var notes []string
			Recover(func(s string) { notes = append(notes, s) }, filepath.Join(dir, "k.key"))
			var want []string
			for n := range tc.after {
				want = append(want, n)
			}
			slices.Sort(want)
			if got := listDir(t, dir); !slices.Equal(got, want) {
				t.Fatalf("folder holds %q, want %q (notes: %q)", got, want, notes)
			}
			for n, d := range tc.after {
				if got := readFile(t, filepath.Join(dir, n)); string(got) != d {
					t.Errorf("%s = %q, want %q", n, got, d)
				}
			}
			if len(tc.before) != len(tc.after) && len(notes) == 0 {
				t.Error("nothing reported")
			}
		})
	}
}

// Killed between linking the backup and moving the new file over the name:
// the backup and the name are two links to the old file. Renaming one link
// over the other does nothing, so recovery must drop the backup link.
func TestRecoverLinkedBackup(t *testing.T) {
	dir := t.TempDir()
	const tok = "999-0123456789abcdef"
	key := filepath.Join(dir, "k.key")
	writeAll(t, map[string]string{key: "old key", filepath.Join(dir, ".k.key.tmp-"+tok): "new key", filepath.Join(dir, ".k.key.tmp-"+tok+".pending"): ""})
	if err := os.Link(key, filepath.Join(dir, ".k.key.tmp-"+tok+".old")); err != nil {
		t.Skipf("no hard links here: %v", err)
	}
	var notes []string
	Recover(func(s string) { notes = append(notes, s) }, key)
	if got := listDir(t, dir); !slices.Equal(got, []string{"k.key"}) {
		t.Fatalf("folder holds %q, want only k.key (notes: %q)", got, notes)
	}
	if got := readFile(t, key); string(got) != "old key" {
		t.Errorf("k.key = %q, want the old key", got)
	}
}

// A forced write whose verification fails puts the old file back: a PFX
// that does not read back must not cost the one that did.
func TestWriteVerifyFailureRestores(t *testing.T) {
	dir := t.TempDir()
	pfx := filepath.Join(dir, "exch2.pfx")
	writeAll(t, map[string]string{pfx: "old pfx"})
	errBad := errors.New("does not decode")
	var during []string
	err := Write(Options{Force: true, Verify: func() error {
		during = leftovers(t, dir)
		if got := readFile(t, pfx); string(got) != "new pfx" {
			t.Errorf("Verify sees %q, want the new file in place", got)
		}
		return errBad
	}}, File{Name: pfx, Data: []byte("new pfx")})
	if !errors.Is(err, errBad) {
		t.Fatalf("err = %v, want the verification error", err)
	}
	if got := readFile(t, pfx); string(got) != "old pfx" {
		t.Errorf("pfx = %q, want the old file restored", got)
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"exch2.pfx"}) {
		t.Errorf("folder holds %q", got)
	}
	// During verification the backup and the pending marker exist, and
	// no temporary copy.
	for _, n := range during {
		if !strings.HasSuffix(n, ".old") && !strings.HasSuffix(n, ".pending") {
			t.Errorf("during verification %s exists", n)
		}
	}
}

// Without Force the temporary name is gone as soon as the final name
// exists, before the rest of the unit is written.
func TestWriteUnlinksTempAtOnce(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "k.key")
	csr := filepath.Join(dir, "k.csr")
	hook(t, &link, func(old, new string) error {
		if new == csr {
			for _, n := range leftovers(t, dir) {
				if strings.HasPrefix(n, ".k.key.tmp-") && !strings.HasSuffix(n, ".new") && !strings.HasSuffix(n, ".pending") {
					t.Errorf("placing k.csr while %s exists", n)
				}
			}
		}
		return os.Link(old, new)
	})
	if err := Write(Options{}, File{Name: key, Data: []byte("key")}, File{Name: csr, Data: []byte("csr")}); err != nil {
		t.Fatal(err)
	}
	if got := leftovers(t, dir); len(got) != 0 {
		t.Errorf("left %q", got)
	}
}

// Write itself recovers first: a rerun after a crash sees the old set.
func TestWriteRecoversFirst(t *testing.T) {
	hook(t, &alive, func(int) bool { return false })
	dir := t.TempDir()
	key := filepath.Join(dir, "k.key")
	writeAll(t, map[string]string{
		key: "new key", filepath.Join(dir, ".k.key.tmp-7-0123456789abcdef.old"): "old key",
		filepath.Join(dir, ".k.key.tmp-7-0123456789abcdef.pending"): "",
	})
	var notes []string
	err := Write(Options{Notify: func(s string) { notes = append(notes, s) }}, File{Name: key, Data: []byte("x")})
	if !errors.Is(err, os.ErrExist) {
		t.Fatalf("err = %v, want fs.ErrExist", err)
	}
	if got := readFile(t, key); string(got) != "old key" {
		t.Errorf("key = %q, want the old key back", got)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "restored") {
		t.Errorf("notes = %q", notes)
	}
}

func TestMkdirSecret(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := MkdirSecret(dir); err != nil {
		t.Fatal(err)
	}
	if err := MkdirSecret(dir); err != nil {
		t.Errorf("second call: %v", err)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Fatalf("not a folder: %v", err)
	}
	f := filepath.Join(dir, "f")
	writeAll(t, map[string]string{f: "x"})
	if err := MkdirSecret(f); err == nil {
		t.Error("no error for a file")
	}
}

// Earlier versions named --force backups ".NAME.tmp-DIGITS.old" and left
// no marker: such a backup may be the only copy of an earlier key, so it
// is reported and kept, while an earlier temporary file is removed.
func TestRecoverEarlierVersionLeftovers(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "k.key")
	writeAll(t, map[string]string{
		key:                                      "new key",
		filepath.Join(dir, ".k.key.tmp-123.old"): "old key",
		filepath.Join(dir, ".k.key.tmp-456"):     "orphan key",
	})
	var notes []string
	Recover(func(s string) { notes = append(notes, s) }, key)
	if got := listDir(t, dir); !slices.Equal(got, []string{".k.key.tmp-123.old", "k.key"}) {
		t.Fatalf("folder holds %q (notes: %q)", got, notes)
	}
	joined := strings.Join(notes, "\n")
	if len(notes) != 2 || !strings.Contains(joined, "kept "+filepath.Join(dir, ".k.key.tmp-123.old")+", a backup of "+key) ||
		!strings.Contains(joined, "removed "+filepath.Join(dir, ".k.key.tmp-456")) {
		t.Errorf("notes = %q", notes)
	}
}
