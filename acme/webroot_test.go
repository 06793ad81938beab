package acme_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/exchcert/exchcert/acme"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/NAME, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestWebConfigGolden(t *testing.T) {
	for _, tc := range []struct {
		file string
		cfg  acme.WebConfig
	}{
		{"web.config", acme.WebConfig{}},
		{"web.config-rewrite", acme.WebConfig{Rewrite: true}},
		{"web.config-rewrite-auth", acme.WebConfig{Rewrite: true, Auth: true}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			s := tc.cfg.Render()
			golden(t, filepath.Join("webroot", tc.file), []byte(s))
			for _, must := range []string{`<mimeMap fileExtension="." mimeType="text/plain" />`, `<remove fileExtension="." />`, `<httpRedirect enabled="false" />`} {
				if !strings.Contains(s, must) {
					t.Errorf("missing %s", must)
				}
			}
			if got := strings.Contains(s, "<rewrite>"); got != tc.cfg.Rewrite {
				t.Errorf("<rewrite> present %v, want %v (IIS without URL Rewrite answers 500.19 to an unknown section)", got, tc.cfg.Rewrite)
			}
			if got := strings.Contains(s, "<authentication>"); got != tc.cfg.Auth {
				t.Errorf("<authentication> present %v, want %v (locked by default: 500.19)", got, tc.cfg.Auth)
			}
			if strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\n") {
				t.Error("a line ends without CR LF")
			}
		})
	}
}

// tree lists the files and folders under root, relative, with a / after
// folders.
func tree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			rel += "/"
		}
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestWebrootWritesAndRemoves(t *testing.T) {
	for _, tc := range []struct {
		name     string
		before   map[string]string // files under the site root before the run
		wantKept string            // the web.config content after Close, if any
	}{
		{"empty site", map[string]string{"iisstart.htm": "x"}, ""},
		{"existing token folder", map[string]string{".well-known/acme-challenge/other": "keep me"}, ""},
		{"existing web.config is kept", map[string]string{".well-known/acme-challenge/web.config": "<configuration>admin's</configuration>"}, "<configuration>admin's</configuration>"},
		// A run killed before it put the admin's web.config back: the
		// next run restores it first.
		{"backup from a killed run", map[string]string{".well-known/acme-challenge/web.config": "exchcert's", ".well-known/acme-challenge/web.config.exchcert-backup": "admin's"}, "admin's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for name, data := range tc.before {
				p := filepath.Join(root, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			wantAfter := tree(t, root)
			if tc.name == "backup from a killed run" {
				wantAfter = []string{".well-known/", ".well-known/acme-challenge/", ".well-known/acme-challenge/web.config"}
			}
			w, err := acme.NewWebroot(root, acme.WebConfig{})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Prepare(); err != nil {
				t.Fatal(err)
			}
			cfg, err := os.ReadFile(filepath.Join(w.Dir(), "web.config"))
			if want := (acme.WebConfig{}).Render(); err != nil || string(cfg) != want {
				t.Fatalf("web.config during the run: %q, %v", cfg, err)
			}
			for _, tok := range []string{"tok1", "tok2"} {
				if err := w.Present("exch2.acme.com", tok, tok+".thumb"); err != nil {
					t.Fatal(err)
				}
			}
			if data, _ := os.ReadFile(filepath.Join(w.Dir(), "tok1")); string(data) != "tok1.thumb" {
				t.Errorf("token file holds %q", data)
			}
			if err := w.CleanUp("exch2.acme.com", "tok1", ""); err != nil {
				t.Fatal(err)
			}
			// tok2 is left for Close, as after a failure or Ctrl-C.
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if got := tree(t, root); strings.Join(got, " ") != strings.Join(wantAfter, " ") {
				t.Errorf("after Close: %v, want %v", got, wantAfter)
			}
			if tc.wantKept != "" {
				data, _ := os.ReadFile(filepath.Join(w.Dir(), "web.config"))
				if string(data) != tc.wantKept {
					t.Errorf("web.config after Close %q, want the admin's %q", data, tc.wantKept)
				}
			}
		})
	}
}

func TestWebrootRefuses(t *testing.T) {
	root := t.TempDir()
	if _, err := acme.NewWebroot(filepath.Join(root, "missing"), acme.WebConfig{}); err == nil || !strings.Contains(err.Error(), "no such folder") {
		t.Errorf("missing folder: %v", err)
	}
	file := filepath.Join(root, "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := acme.NewWebroot(file, acme.WebConfig{}); err == nil || !strings.Contains(err.Error(), "not a folder") {
		t.Errorf("file: %v", err)
	}
	w, _ := acme.NewWebroot(root, acme.WebConfig{})
	if err := w.Prepare(); err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, tok := range []string{"../escape", `..\escape`, "a/b", ""} {
		if err := w.Present("x", tok, "k"); err == nil {
			t.Errorf("token %q accepted", tok)
		}
	}
}

// TestSelfCheckMessages serves the probe URL the ways a misconfigured IIS
// does and checks each becomes the right finding.
func TestSelfCheckMessages(t *testing.T) {
	root := t.TempDir()
	w, err := acme.NewWebroot(root, acme.WebConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Prepare(); err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// The behaviour by Host header, so one server plays every name.
	mux := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch r.Host {
		case "ok.acme.com":
			// Serve the probe file from the webroot, as IIS would.
			data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(r.URL.Path, "/"))))
			if err != nil {
				http.NotFound(rw, r)
				return
			}
			rw.Header().Set("Content-Type", "text/plain")
			rw.Write(data)
		case "auth.acme.com":
			rw.Header().Set("WWW-Authenticate", "Negotiate")
			rw.WriteHeader(http.StatusUnauthorized)
		case "ssl.acme.com":
			rw.WriteHeader(http.StatusForbidden)
		case "redirect.acme.com":
			http.Redirect(rw, r, "https://redirect.acme.com/owa", http.StatusMovedPermanently)
		case "found.acme.com":
			http.Redirect(rw, r, "/owa", http.StatusFound)
		case "locked.acme.com":
			rw.WriteHeader(http.StatusInternalServerError)
		case "other.acme.com":
			rw.Write([]byte("IIS Windows Server"))
		default:
			http.NotFound(rw, r)
		}
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	addr := ln.Addr().String()

	want := map[string]struct{ code, says string }{
		"auth.acme.com":     {"webroot-auth", "401"},
		"ssl.acme.com":      {"webroot-auth", "403"},
		"redirect.acme.com": {"webroot-redirect", `"https://redirect.acme.com/owa"`},
		"found.acme.com":    {"webroot-redirect", "302"},
		"missing.acme.com":  {"webroot-not-found", "404"},
		"locked.acme.com":   {"webroot-config-error", "500.19"},
		"other.acme.com":    {"webroot-other-content", "another site"},
	}
	names := []string{"ok.acme.com"}
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	fs := w.SelfCheck(context.Background(), names, acme.CheckOptions{Addr: addr})
	got := map[string]bool{}
	for _, f := range fs {
		got[f.Subject] = true
		wf, ok := want[f.Subject]
		if !ok {
			t.Errorf("%s: unexpected finding %s: %s", f.Subject, f.Code, f.Message)
			continue
		}
		if f.Code != wf.code || !strings.Contains(f.Message, wf.says) {
			t.Errorf("%s: %s %q, want %s saying %s", f.Subject, f.Code, f.Message, wf.code, wf.says)
		}
		if f.Fix == "" {
			t.Errorf("%s: no fix", f.Subject)
		}
	}
	for n := range want {
		if !got[n] {
			t.Errorf("%s: no finding", n)
		}
	}
	if w := want["auth.acme.com"]; w.code != "" {
		for _, f := range fs {
			if f.Code == "webroot-auth" && !strings.Contains(f.Fix, "anonymousAuthentication") {
				t.Errorf("auth fix does not say how to allow anonymous access: %s", f.Fix)
			}
		}
	}
	// The probe file is gone again; only the web.config stays until Close.
	if entries, _ := os.ReadDir(w.Dir()); len(entries) != 1 {
		t.Errorf("token folder after the self-check: %d entries, want the web.config only", len(entries))
	}

	// Nothing listens: connection refused.
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := closed.Addr().String()
	closed.Close()
	fs = w.SelfCheck(context.Background(), []string{"exch2.acme.com"}, acme.CheckOptions{Addr: refused})
	if len(fs) != 1 || fs[0].Code != "webroot-refused" || !strings.Contains(fs[0].Fix, "port 80") {
		t.Errorf("refused: %+v", fs)
	}
}

func TestSelfCheckErrorWording(t *testing.T) {
	e := &acme.SelfCheckError{}
	var se *acme.SelfCheckError
	if !errors.As(error(e), &se) || !strings.Contains(e.Error(), "before the CA was asked") {
		t.Errorf("%v", e)
	}
}
