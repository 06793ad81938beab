package main

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/exchcert/exchcert/internal/testpki"
	"github.com/exchcert/exchcert/lint"
	"github.com/exchcert/exchcert/lint/linttest"
)

func init() {
	scriptCmds["linttree"] = cmdLintTree
	scriptCmds["lintcheck"] = cmdLintCheck
}

// linttree DIR writes the tree the lint scripts check, fresh each run (the
// dates are relative to now), and DIR.roots.pem with its root CA:
//
//	good/exch2.crt, exch2.key       a public-CA-shaped leaf and its key
//	good/exch2.csr                  the request it was issued for
//	good/exch2.pfx                  key, leaf and chain; password "s3cret"
//	good/chain.p7b                  leaf and intermediate
//	good/exch2.der                  the leaf in DER
//	expired/old.pem                 expired 30 days ago
//	expiring/soon.pem               expires in 10 days
//	mismatch/exch3.crt, exch3.key   a leaf and someone else's key
//	mismatch/bundle.pem             a leaf with someone else's key
//	weak/rsa1024.pem                an RSA 1024 key
//	weak/sha1.pem                   a SHA-1 signature
//	zlint/private-ca.pem            no policy, AIA or CRL: only zlint objects
//	damaged/cut.pem                 a PEM certificate cut short
//	other/...                       a README, a script, an empty file
//	unreadable/broken.pem           a link to nothing
//	unreadable/pipe.pem             a named pipe (Unix)
//	unreadable/locked.pem           mode 000 (only when not root)
//	.git/old.pem                    under version control: never checked
//	loop                            a link to the tree: never followed
//
// Unreadable files: root reads a mode-000 file anyway, and CI runs as
// root, so the tree also has a broken link and a named pipe, which no user
// can read as a certificate: both are findings for everyone.
func cmdLintTree(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: linttree DIR")
	}
	dir := ts.MkAbs(args[0])
	root, err := testpki.NewRoot("exchcert Test Root")
	ts.Check(err)
	inter, err := root.Intermediate("exchcert Test Intermediate")
	ts.Check(err)
	now := time.Now()
	newKey := func(t testpki.KeyType) crypto.Signer {
		k, err := testpki.NewKey(t)
		ts.Check(err)
		return k
	}
	issue := func(key crypto.Signer, edit func(*x509.Certificate), names ...string) *x509.Certificate {
		t := testpki.PublicLeaf(names, now.Add(-time.Hour), now.Add(90*24*time.Hour))
		if edit != nil {
			edit(t)
		}
		c, err := inter.Sign(t, key.Public())
		ts.Check(err)
		return c
	}
	write := func(name string, data []byte) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		ts.Check(os.MkdirAll(filepath.Dir(p), 0o755))
		ts.Check(os.WriteFile(p, data, 0o644))
	}
	keyPEM := func(k crypto.Signer) []byte {
		b, err := testpki.KeyPEM(k)
		ts.Check(err)
		return b
	}

	key := newKey(testpki.RSA2048)
	names := []string{"exch2.acme.com", "autodiscover.acme.com", "acme.com", "mail.acme.com"}
	good := issue(key, nil, names...)
	write("good/exch2.crt", testpki.PEM(good))
	write("good/exch2.key", keyPEM(key))
	csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: names[0]}, DNSNames: names}, key)
	ts.Check(err)
	write("good/exch2.csr", pemBlock("CERTIFICATE REQUEST", csrDER))
	pfx, err := testpki.PFX(testpki.PFXLegacyDES, key, good, []*x509.Certificate{inter.Cert.Cert}, "s3cret")
	ts.Check(err)
	write("good/exch2.pfx", pfx)
	write("good/chain.p7b", testpki.P7B(good, inter.Cert.Cert))
	write("good/exch2.der", good.Raw)

	write("expired/old.pem", testpki.PEM(issue(newKey(testpki.ECDSAP256), func(c *x509.Certificate) {
		c.NotBefore, c.NotAfter = now.Add(-120*24*time.Hour), now.Add(-30*24*time.Hour)
	}, "old.acme.com")))
	write("expiring/soon.pem", testpki.PEM(issue(newKey(testpki.ECDSAP256), func(c *x509.Certificate) {
		c.NotBefore, c.NotAfter = now.Add(-80*24*time.Hour), now.Add(10*24*time.Hour)
	}, "soon.acme.com")))

	other := newKey(testpki.ECDSAP256)
	mine := issue(newKey(testpki.ECDSAP256), nil, "exch3.acme.com")
	write("mismatch/exch3.crt", testpki.PEM(mine))
	write("mismatch/exch3.key", keyPEM(other))
	write("mismatch/bundle.pem", append(testpki.PEM(mine), keyPEM(other)...))

	write("weak/rsa1024.pem", testpki.PEM(issue(newKey(testpki.RSA1024), nil, "weak.acme.com")))
	write("weak/sha1.pem", testpki.PEM(issue(newKey(testpki.ECDSAP256), func(c *x509.Certificate) {
		c.SignatureAlgorithm = x509.SHA1WithRSA
	}, "sha1.acme.com")))

	write("zlint/private-ca.pem", testpki.PEM(issue(newKey(testpki.ECDSAP256), func(c *x509.Certificate) {
		c.Policies, c.OCSPServer, c.IssuingCertificateURL, c.CRLDistributionPoints = nil, nil, nil, nil
	}, "intranet.acme.com")))

	cut := testpki.PEM(good)
	write("damaged/cut.pem", append(cut[:len(cut)/2:len(cut)/2], "\n-----END CERTIFICATE-----\n"...))

	write("other/README.md", []byte("# Certificates\n\nRenew before they expire.\n"))
	write("other/deploy.ps1", []byte("Import-ExchangeCertificate -FileData ([System.IO.File]::ReadAllBytes('exch2.pfx'))\r\n"))
	write("other/empty.pem", nil)
	write(".git/old.pem", testpki.PEM(good))

	ts.Check(os.MkdirAll(filepath.Join(dir, "unreadable"), 0o755))
	if runtime.GOOS != "windows" {
		ts.Check(os.Symlink("nothing-here.pem", filepath.Join(dir, "unreadable", "broken.pem")))
		ts.Check(mkfifo(filepath.Join(dir, "unreadable", "pipe.pem")))
		ts.Check(os.Symlink("..", filepath.Join(dir, "loop")))
		if os.Geteuid() != 0 {
			write("unreadable/locked.pem", testpki.PEM(good))
			ts.Check(os.Chmod(filepath.Join(dir, "unreadable", "locked.pem"), 0))
		}
	}
	ts.Check(os.WriteFile(dir+".roots.pem", testpki.PEM(root.Cert.Cert), 0o644))
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// mkfifo makes a named pipe with the mkfifo command (POSIX; the tree has
// no pipe on Windows).
func mkfifo(name string) error {
	if out, err := exec.Command("mkfifo", name).CombinedOutput(); err != nil {
		return fmt.Errorf("mkfifo: %v: %s", err, out)
	}
	return nil
}

// lintcheck json|junit|sarif|github FILE checks a report's structure the
// way the CI system that reads it would (see lint/linttest).
func cmdLintCheck(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: lintcheck json|junit|sarif|github FILE")
	}
	data, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	switch args[0] {
	case "json":
		_, err = linttest.CheckJSON(data)
	case "junit":
		_, err = linttest.CheckJUnit(data)
	case "sarif":
		_, err = linttest.CheckSARIF(data, filepath.Join("..", "..", "testdata", "schema", "sarif-schema-2.1.0.json"))
	case "github":
		cmd := regexp.MustCompile(`^::(error|warning|notice) file=[^,:]+,line=[1-9][0-9]*,title=[^,:]+::.+$`)
		for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			if !cmd.MatchString(l) && !strings.HasPrefix(l, "exchcert lint: ") {
				err = fmt.Errorf("neither a workflow command nor the summary: %q", l)
				break
			}
		}
	default:
		ts.Fatalf("lintcheck: unknown format %q", args[0])
	}
	if err != nil {
		ts.Fatalf("%s: %v", args[1], err)
	}
}

// TestLintCIWiring checks that the pre-commit hook and the GitHub Action
// call exchcert lint with flags it has.
func TestLintCIWiring(t *testing.T) {
	for _, name := range []string{".pre-commit-hooks.yaml", "action.yml"} {
		data, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatal(err)
		}
		s := string(data)
		if !strings.Contains(s, "exchcert lint") {
			t.Errorf("%s does not run exchcert lint", name)
		}
		for _, m := range regexp.MustCompile(`--[a-z][a-z-]+`).FindAllString(s, -1) {
			if newLintCmd(&app{}).Flags().Lookup(m[2:]) == nil {
				t.Errorf("%s uses %s, which exchcert lint does not have", name, m)
			}
		}
	}
}

// TestLintProgress: nothing in the first second, then at most five lines a
// second, each replacing the last, and the line cleared at the end.
func TestLintProgress(t *testing.T) {
	var buf strings.Builder
	if newProgress(&buf) != nil {
		t.Fatal("progress on a writer that is not a terminal")
	}
	p := &progress{w: &buf}
	p.update(lint.Progress{Files: 500, Elapsed: 900 * time.Millisecond})
	if buf.Len() != 0 {
		t.Fatalf("progress within the first second: %q", buf.String())
	}
	p.update(lint.Progress{Files: 1000, CertificateFiles: 800, Elapsed: 2 * time.Second})
	p.update(lint.Progress{Files: 1001, Elapsed: 2*time.Second + 50*time.Millisecond}) // too soon
	p.update(lint.Progress{Files: 1500, CertificateFiles: 1200, Elapsed: 3 * time.Second})
	p.update(lint.Progress{Done: true})
	want := "\r\033[Kexchcert lint: 1000 files, 800 certificate files, 500 files/s" +
		"\r\033[Kexchcert lint: 1500 files, 1200 certificate files, 500 files/s" + "\r\033[K"
	if buf.String() != want {
		t.Errorf("progress wrote %q, want %q", buf.String(), want)
	}
}
