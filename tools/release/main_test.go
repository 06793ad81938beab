package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSemver(t *testing.T) {
	for _, tc := range []struct {
		v  string
		ok bool
	}{
		{"v1.2.0", true}, {"v0.0.0-snapshot.731a0a98c5e4", true}, {"v1.2.0-rc.1", true},
		{"1.2.0", false}, {"v1.2", false}, {"v1.2.0 ", false}, {"v1.2.0;rm", false}, {"", false},
	} {
		if got := semver.MatchString(tc.v); got != tc.ok {
			t.Errorf("semver(%q) = %v, want %v", tc.v, got, tc.ok)
		}
	}
}

// Both archive formats give back the binary, executable, with the other
// files; a file that is not there is an error.
func TestArchiveRoundTrip(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "exe")
	readme := filepath.Join(dir, "README.md")
	if err := os.WriteFile(exe, []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(readme, []byte("# readme"), 0o644); err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2026, 12, 6, 6, 58, 38, 0, time.UTC)
	for _, name := range []string{"a.zip", "a.tar.gz"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			files := []archived{{"exchcert", exe, 0o755}, {"README.md", readme, 0o644}}
			write := writeTarGz
			if strings.HasSuffix(name, ".zip") {
				write = writeZip
			}
			if err := write(path, files, mtime); err != nil {
				t.Fatal(err)
			}
			data, names, err := extract(path, "exchcert")
			if err != nil || string(data) != "binary" || strings.Join(names, ",") != "exchcert,README.md" {
				t.Fatalf("extract: %q %v %v", data, names, err)
			}
			if _, _, err := extract(path, "missing"); err == nil {
				t.Error("extract of a missing file: no error")
			}
			// The same input gives the same bytes.
			first, _ := os.ReadFile(path)
			if err := write(path, files, mtime); err != nil {
				t.Fatal(err)
			}
			if again, _ := os.ReadFile(path); string(again) != string(first) {
				t.Error("the archive is not the same when made twice")
			}
		})
	}
}

// SHA256SUMS lists every file in the sha256sum format, and verify notices
// a changed file.
func TestSums(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x.tar.gz"), []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeSums(dir); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	want := "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  x.tar.gz\n" // SHA-256("abc"), FIPS 180-2 appendix B.1
	if string(got) != want {
		t.Errorf("SHA256SUMS = %q, want %q", got, want)
	}
	if err := os.WriteFile(filepath.Join(dir, "x.tar.gz"), []byte("abd"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := verify(dir); err == nil || !strings.Contains(err.Error(), "x.tar.gz: SHA-256") {
		t.Errorf("verify of a changed file: %v", err)
	}
}
