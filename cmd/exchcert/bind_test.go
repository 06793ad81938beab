package main

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/internal/testpki"
)

func init() {
	scriptCmds["requiretool"] = cmdRequireTool
	scriptCmds["pfxdecode"] = cmdPFXDecode
	scriptCmds["validps"] = cmdValidPS
}

// requiretool NAME fails the script when NAME is not installed and
// EXCHCERT_REQUIRE_TOOLS=1 (as in CI); otherwise it does nothing, and the
// script skips with [!exec:NAME] skip.
func cmdRequireTool(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: requiretool NAME")
	}
	if _, err := exec.LookPath(args[0]); err != nil && os.Getenv(testpki.RequireToolsEnv) == "1" {
		ts.Fatalf("%s is not installed, and %s=1 requires it", args[0], testpki.RequireToolsEnv)
	}
}

// pfxdecode PFX PASSWORD-VAR CERT [CHAIN-LENGTH] decodes PFX with
// go-pkcs12 and the password in $PASSWORD-VAR, and checks that its first
// certificate is the first one in the PEM file CERT, that the key belongs
// to it, and (when given) the number of chain certificates.
func cmdPFXDecode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 3 || len(args) > 4 {
		ts.Fatalf("usage: pfxdecode PFX PASSWORD-VAR CERT [CHAIN-LENGTH]")
	}
	key, leaf, chain, err := pkcs12.DecodeChain([]byte(ts.ReadFile(args[0])), ts.Getenv(args[1]))
	if neg {
		if err == nil {
			ts.Fatalf("%s decoded", args[0])
		}
		return
	}
	ts.Check(err)
	b, _ := pem.Decode([]byte(ts.ReadFile(args[2])))
	if b == nil {
		ts.Fatalf("%s: no PEM", args[2])
	}
	want, err := x509.ParseCertificate(b.Bytes)
	ts.Check(err)
	if !leaf.Equal(want) {
		ts.Fatalf("%s: first certificate is %s, want %s", args[0], leaf.Subject, want.Subject)
	}
	ts.Check(exchange.KeyMatches(key, leaf))
	if len(args) == 4 {
		n, err := strconv.Atoi(args[3])
		ts.Check(err)
		if len(chain) != n {
			ts.Fatalf("%s: %d chain certificates, want %d", args[0], len(chain), n)
		}
		for i, c := range chain {
			prev := leaf
			if i > 0 {
				prev = chain[i-1]
			}
			if err := prev.CheckSignatureFrom(c); err != nil {
				ts.Fatalf("%s: chain certificate %d did not issue the one before it: %v", args[0], i+1, err)
			}
		}
	}
}

// validps VERSION FILE checks a PowerShell script (LF or CRLF, with or
// without a UTF-8 byte-order mark) with exchange.Validate.
func cmdValidPS(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: validps VERSION FILE")
	}
	v, err := exchange.ParseVersion(args[0], exchange.Targets)
	ts.Check(err)
	s := strings.TrimPrefix(ts.ReadFile(args[1]), "\ufeff")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	err = exchange.Validate(s, v)
	if (err == nil) == neg {
		ts.Fatalf("validps %s %s: %v", args[0], args[1], err)
	}
}

// The prompt path: asked twice, a mismatch is an error, and nothing is
// written.
func TestPFXPrompt(t *testing.T) {
	dir := t.TempDir()
	root, err := testpki.NewRoot("Root")
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
	certFile, keyFile, out := dir+"/leaf.pem", dir+"/leaf.key", dir+"/out.pfx"
	if err := testpki.WriteFile(certFile, testpki.PEM(leaf.Cert)); err != nil {
		t.Fatal(err)
	}
	if err := testpki.WriteFile(keyFile, keyPEM); err != nil {
		t.Fatal(err)
	}
	runWith := func(answers ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		a := &app{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }, now: time.Now}
		a.readPassword = func() ([]byte, error) {
			if len(answers) == 0 {
				t.Fatal("asked once too often")
			}
			pw := answers[0]
			answers = answers[1:]
			return []byte(pw), nil
		}
		root := newRootCmd(a)
		root.SetArgs([]string{"pfx", "--cert", certFile, "--key", keyFile, "--out", out})
		err := root.Execute()
		if err != nil {
			stderr.WriteString(err.Error())
		}
		return exitCode(err), stderr.String()
	}
	if code, stderr := runWith("one", "two"); code != exitInput || !strings.Contains(stderr, "do not match") {
		t.Errorf("mismatch: %d %q", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("out.pfx exists after a failure: %v", err)
	}
	if code, stderr := runWith("", ""); code != exitInput || !strings.Contains(stderr, "empty PFX password") {
		t.Errorf("empty: %d %q", code, stderr)
	}
	if code, stderr := runWith("Secret-1", "Secret-1"); code != exitOK || !strings.Contains(stderr, "PFX password: ") {
		t.Fatalf("prompt: %d %q", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := pkcs12.DecodeChain(data, "Secret-1"); err != nil {
		t.Error(err)
	}
}
