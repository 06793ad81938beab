//go:build unix

package main

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/internal/testpki"
)

// crashRuns is how many times each command is killed.
const crashRuns = 100

// crashCase is a command that replaces files with --force, killed at a
// random moment, and how to check what it leaves.
type crashCase struct {
	name  string
	dir   string   // the output folder
	args  []string // without --force
	files []string // the complete set, in the output folder
	// check reports whether the set in dir is complete and consistent (the
	// old one or a new one): nil, or what is wrong.
	check func(dir string) error
}

// TestCrashSafety kills `csr --force` and `pfx --force` (the real command,
// in a process of its own) with SIGKILL after a random delay, 100 times
// each. Whatever the moment, the next run of the command — here one
// without --force, which recovers and then refuses to replace anything —
// leaves the old or a new complete set, no temporary or backup file, and
// nothing readable by anyone but the owner. (Right after the kill a
// hidden temporary file, backup or marker may exist: cleaning up is the
// next run's job, by design, since a killed process cannot do it.)
func TestCrashSafety(t *testing.T) {
	exe, err := exec.LookPath("exchcert")
	if err != nil {
		t.Fatalf("exchcert is not on PATH (testscript.Main puts it there): %v", err)
	}
	work := t.TempDir()
	csrOut, pfxOut := filepath.Join(work, "csr"), filepath.Join(work, "pfx")
	for _, d := range []string{csrOut, pfxOut} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}

	// The PFX's inputs.
	root, err := testpki.NewRoot("Crash Root")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := root.Issue(testpki.Template{CommonName: "exch2.acme.com", DNSNames: []string{"exch2.acme.com"}})
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := testpki.KeyPEM(leaf.Key)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"leaf.pem": testpki.PEM(leaf.Cert), "leaf.key": keyPEM, "root.pem": testpki.PEM(root.Cert.Cert)} {
		if err := testpki.WriteFile(filepath.Join(work, name), data); err != nil {
			t.Fatal(err)
		}
	}
	const pw = "Crash-Passw0rd"

	cases := []crashCase{
		{
			name:  "csr",
			dir:   csrOut,
			args:  []string{"csr", "--fqdn", "exch2.acme.com", "--key-type", "ecdsa-p256", "--out-dir", csrOut},
			files: []string{"exch2.acme.com.csr", "exch2.acme.com.key"},
			check: func(dir string) error {
				key, err := readPEM(filepath.Join(dir, "exch2.acme.com.key"))
				if err != nil {
					return err
				}
				csrDER, err := readPEM(filepath.Join(dir, "exch2.acme.com.csr"))
				if err != nil {
					return err
				}
				k, err := x509.ParsePKCS8PrivateKey(key)
				if err != nil {
					return fmt.Errorf("key: %v", err)
				}
				req, err := x509.ParseCertificateRequest(csrDER)
				if err != nil {
					return fmt.Errorf("request: %v", err)
				}
				if exchange.KeyMatches(k, &x509.Certificate{PublicKey: req.PublicKey}) != nil {
					return fmt.Errorf("the request is not for the key next to it (a mixed set)")
				}
				return nil
			},
		},
		{
			name:  "pfx",
			dir:   pfxOut,
			args:  []string{"pfx", "--cert", filepath.Join(work, "leaf.pem"), "--key", filepath.Join(work, "leaf.key"), "--chain", filepath.Join(work, "root.pem"), "--windows", "2016", "--password-env", "CRASH_PW", "--out", filepath.Join(pfxOut, "exch2.pfx")},
			files: []string{"exch2.pfx"},
			check: func(dir string) error {
				data, err := os.ReadFile(filepath.Join(dir, "exch2.pfx"))
				if err != nil {
					return err
				}
				_, cert, chain, err := pkcs12.DecodeChain(data, pw)
				if err != nil {
					return fmt.Errorf("the PFX does not decode: %v", err)
				}
				if !cert.Equal(leaf.Cert) || len(chain) != 1 {
					return fmt.Errorf("the PFX holds %s and %d chain certificates", cert.Subject, len(chain))
				}
				return nil
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runCrashCase(t, exe, c, pw) })
	}
}

func runCrashCase(t *testing.T, exe string, c crashCase, pw string) {
	out := c.dir
	env := append(os.Environ(), "CRASH_PW="+pw)
	run := func(force bool) (time.Duration, error) {
		args := c.args
		if force {
			args = append(slices.Clone(args), "--force")
		}
		cmd := exec.Command(exe, args...)
		cmd.Env = env
		start := time.Now()
		b, err := cmd.CombinedOutput()
		if err != nil {
			err = fmt.Errorf("%v: %s", err, b)
		}
		return time.Since(start), err
	}
	// The old set, and how long a complete forced run takes.
	if _, err := run(false); err != nil {
		t.Fatal(err)
	}
	full, err := run(true)
	if err != nil {
		t.Fatal(err)
	}
	old := setSnapshot(t, out, c.files)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 15))
	changed, recovered := 0, 0
	for i := range crashRuns {
		delay := time.Duration(rng.Int64N(int64(full) * 5 / 4))
		cmd := exec.Command(exe, append(slices.Clone(c.args), "--force")...)
		cmd.Env = env
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		cmd.Process.Kill() // SIGKILL: no deferred cleanup runs
		cmd.Wait()

		// The next run recovers first; without --force it then refuses to
		// replace the files (exit 2) or, for a set that is gone, would
		// make one — which must not happen.
		cmd = exec.Command(exe, c.args...)
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(stderr.String(), "exists") {
			t.Fatalf("run %d (killed after %v): the next run did not find the files: %v: %s", i, delay, err, stderr.Bytes())
		}
		if strings.Contains(stderr.String(), "interrupted run") {
			recovered++
		}
		names := listNames(t, out)
		if !slices.Equal(names, c.files) {
			t.Fatalf("run %d (killed after %v): the folder holds %q, want %q (stderr of the next run: %s)", i, delay, names, c.files, stderr.Bytes())
		}
		for _, n := range names {
			st, err := os.Stat(filepath.Join(out, n))
			if err != nil {
				t.Fatal(err)
			}
			if perm := st.Mode().Perm(); perm&0o077 != 0 && !strings.HasSuffix(n, ".csr") {
				t.Fatalf("run %d: %s has mode %04o, readable beyond its owner", i, n, perm)
			}
		}
		if err := c.check(out); err != nil {
			t.Fatalf("run %d (killed after %v): %v", i, delay, err)
		}
		now := setSnapshot(t, out, c.files)
		if !sameSet(now, old) {
			changed++
			// A new set must be new in every file: no mix of old and new.
			for _, f := range c.files {
				if bytes.Equal(now[f], old[f]) && len(c.files) > 1 {
					t.Fatalf("run %d (killed after %v): %s is the old one while the rest of the set is new", i, delay, f)
				}
			}
		}
		old = now
	}
	t.Logf("%s: of %d killed runs, %d had replaced the set and %d left the old one; %d left files that the next run cleaned up", c.name, crashRuns, changed, crashRuns-changed, recovered)
}

func readPEM(name string) ([]byte, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, fmt.Errorf("%s: not PEM (a half-written file?)", filepath.Base(name))
	}
	return b.Bytes, nil
}

func listNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

func setSnapshot(t *testing.T, dir string, files []string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		m[f] = b
	}
	return m
}

func sameSet(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !bytes.Equal(v, b[k]) {
			return false
		}
	}
	return true
}
