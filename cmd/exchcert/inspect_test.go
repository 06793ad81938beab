package main

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/internal/testpki"
)

func init() {
	scriptCmds["inspectkit"] = cmdInspectKit
	scriptCmds["signcsr"] = cmdSignCSR
}

// kitPassword protects the PFX files inspectkit writes.
const kitPassword = "Pa55word"

// kitNames are the names of the seed plan: Exchange 2010 joining an
// Exchange 2003 organisation at acme.com.
var kitNames = []string{"exch2.acme.com", "legacy.acme.com", "acme.com", "autodiscover.acme.com"}

// inspectkit DIR writes a fresh test PKI for the seed plan into DIR:
//
//	root.pem, other-root.pem            two unrelated roots
//	intermediate.pem, intermediate.key  the issuing CA (signcsr uses it)
//	leaf.pem, leaf.key                  the server certificate for the seed names
//	fullchain.pem, reversed.pem         leaf+intermediate, and the other way round
//	fullchain-utf16.pem                 as PowerShell 5.1 redirection writes it (UTF-16, CRLF)
//	chain.p7b, chain-pem.p7b            PKCS #7, DER and PEM
//	leaf-ENCODING.pfx                   every go-pkcs12 encoding, password Pa55word (Passwordless: none)
//	leaf-nopass.pfx                     LegacyDES with the empty password
//	hostile.pfx                         MAC iteration count 2^31-1
//	request.req                         NEW CERTIFICATE REQUEST for leaf.key, UTF-16 with CRLF
//	no-autodiscover.pem, wildcard.pem, expired.pem, ecdsa.pem   (with the intermediate)
//	other.key                           a key that matches nothing
func cmdInspectKit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: inspectkit DIR")
	}
	dir := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(dir, 0o755))
	write := func(name string, data []byte) { ts.Check(testpki.WriteFile(filepath.Join(dir, name), data)) }
	writeKey := func(name string, k crypto.Signer) {
		b, err := testpki.KeyPEM(k)
		ts.Check(err)
		write(name, b)
	}
	root, err := testpki.NewRoot("exchcert Test Root")
	ts.Check(err)
	other, err := testpki.NewRoot("Some Other Root")
	ts.Check(err)
	inter, err := root.Intermediate("exchcert Test Intermediate")
	ts.Check(err)
	issue := func(t testpki.Template) *testpki.Cert {
		c, err := inter.Issue(t)
		ts.Check(err)
		return c
	}
	leaf := issue(testpki.Template{CommonName: kitNames[0], DNSNames: kitNames})
	ic := inter.Cert.Cert
	write("root.pem", testpki.PEM(root.Cert.Cert))
	write("other-root.pem", testpki.PEM(other.Cert.Cert))
	write("intermediate.pem", testpki.PEM(ic))
	writeKey("intermediate.key", inter.Key)
	write("leaf.pem", testpki.PEM(leaf.Cert))
	writeKey("leaf.key", leaf.Key)
	write("fullchain.pem", testpki.PEM(leaf.Cert, ic))
	write("reversed.pem", testpki.PEM(ic, leaf.Cert))
	write("fullchain-utf16.pem", utf16File(bytes.ReplaceAll(testpki.PEM(leaf.Cert, ic), []byte("\n"), []byte("\r\n"))))
	p7 := testpki.P7B(leaf.Cert, ic)
	write("chain.p7b", p7)
	write("chain-pem.p7b", testpki.P7BPEM("PKCS7", p7))
	for _, e := range testpki.PFXEncodings {
		pw := kitPassword
		if e == testpki.PFXPasswordless {
			pw = ""
		}
		der, err := testpki.PFX(e, leaf.Key, leaf.Cert, []*x509.Certificate{ic}, pw)
		ts.Check(err)
		write("leaf-"+string(e)+".pfx", der)
	}
	nopass, err := testpki.PFX(testpki.PFXLegacyDES, leaf.Key, leaf.Cert, []*x509.Certificate{ic}, "")
	ts.Check(err)
	write("leaf-nopass.pfx", nopass)
	legacy, err := testpki.PFX(testpki.PFXLegacyDES, leaf.Key, leaf.Cert, []*x509.Certificate{ic}, kitPassword)
	ts.Check(err)
	hostile, err := testpki.SetPFXIterations(legacy, 1<<31-1, 0)
	ts.Check(err)
	write("hostile.pfx", hostile)
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: kitNames[0], Organization: []string{"ACME Ltd"}, Country: []string{"GB"}}, DNSNames: kitNames,
	}, leaf.Key)
	ts.Check(err)
	req := pem.EncodeToMemory(&pem.Block{Type: "NEW CERTIFICATE REQUEST", Bytes: csr})
	write("request.req", utf16File(bytes.ReplaceAll(req, []byte("\n"), []byte("\r\n"))))
	now := time.Now()
	write("no-autodiscover.pem", testpki.PEM(issue(testpki.Template{CommonName: kitNames[0], DNSNames: kitNames[:3]}).Cert, ic))
	write("wildcard.pem", testpki.PEM(issue(testpki.Template{CommonName: "*.acme.com", DNSNames: []string{"*.acme.com", "acme.com"}}).Cert, ic))
	write("expired.pem", testpki.PEM(issue(testpki.Template{CommonName: kitNames[0], DNSNames: kitNames, NotBefore: now.Add(-120 * 24 * time.Hour), NotAfter: now.Add(-30 * 24 * time.Hour)}).Cert, ic))
	write("ecdsa.pem", testpki.PEM(issue(testpki.Template{CommonName: kitNames[0], DNSNames: kitNames, KeyType: testpki.ECDSAP256}).Cert, ic))
	otherKey, err := testpki.NewKey(testpki.RSA2048)
	ts.Check(err)
	writeKey("other.key", otherKey)
}

// utf16File encodes text as UTF-16LE with a byte-order mark.
func utf16File(text []byte) []byte {
	out := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(string(text))) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

// signcsr KITDIR REQUEST OUT issues a certificate for a request (any format
// exchcert reads) with the kit's intermediate CA, for the request's names
// and key, and writes it with the intermediate to OUT, as a CA would.
func cmdSignCSR(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: signcsr KITDIR REQUEST OUT")
	}
	kit := ts.MkAbs(args[0])
	load := func(name string) *inspect.Bundle {
		data, err := os.ReadFile(name)
		ts.Check(err)
		b, err := inspect.Load(name, data, inspect.LoadOptions{})
		ts.Check(err)
		return b
	}
	ca := load(filepath.Join(kit, "intermediate.pem"))
	key := load(filepath.Join(kit, "intermediate.key"))
	req := load(ts.MkAbs(args[1]))
	if len(req.CSRs) != 1 || len(ca.Certs) != 1 || len(key.Keys) != 1 {
		ts.Fatalf("signcsr: want one request, one CA certificate and one CA key")
	}
	r := req.CSRs[0]
	ts.Check(r.CheckSignature())
	issuer := &testpki.CA{Cert: testpki.Cert{Cert: ca.Certs[0], Key: key.Keys[0]}}
	c, err := issuer.IssueFor(testpki.Template{CommonName: r.Subject.CommonName, DNSNames: r.DNSNames, Org: "exchcert test"}, r.PublicKey)
	ts.Check(err)
	ts.Check(testpki.WriteFile(ts.MkAbs(args[2]), testpki.PEM(c, ca.Certs[0])))
}

// TestInspectPrompt checks the interactive password prompt, which a
// testscript cannot reach (stdin is never a terminal there): asked once per
// PFX that needs it, on stderr, naming the file.
func TestInspectPrompt(t *testing.T) {
	root, err := testpki.NewRoot("Prompt Root")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := root.Issue(testpki.Template{CommonName: "exch2.acme.com", DNSNames: []string{"exch2.acme.com"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pfx := filepath.Join(dir, "exch2.pfx")
	der, err := testpki.PFX(testpki.PFXLegacyDES, leaf.Key, leaf.Cert, nil, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if err := testpki.WriteFile(pfx, der); err != nil {
		t.Fatal(err)
	}
	roots := filepath.Join(dir, "root.pem")
	if err := testpki.WriteFile(roots, testpki.PEM(root.Cert.Cert)); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		typed string
		code  int
		err   string
	}{
		{"s3cret", exitOK, ""},
		{"guess", exitInput, "wrong password for PFX"},
	} {
		var stdout, stderr bytes.Buffer
		prompts := 0
		a := &app{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }, now: time.Now,
			readPassword: func() ([]byte, error) { prompts++; return []byte(tt.typed), nil }}
		root := newRootCmd(a)
		root.SetArgs([]string{"inspect", "--roots", roots, pfx})
		err := root.Execute()
		if got := exitCode(err); got != tt.code {
			t.Errorf("%s: exit %d, want %d (%v)", tt.typed, got, tt.code, err)
		}
		if prompts != 1 || !strings.Contains(stderr.String(), "Password for "+pfx+": ") {
			t.Errorf("%s: %d prompts, stderr %q", tt.typed, prompts, stderr.String())
		}
		if tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%s: error %v, want %q", tt.typed, err, tt.err)
		}
	}
}
