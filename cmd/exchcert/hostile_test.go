package main

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/exchcert/exchcert/internal/testpki"
	"github.com/exchcert/exchcert/probe"
	"github.com/exchcert/exchcert/probe/probetest"
)

// Text from certificates, files and servers that could act on a terminal:
// retitle it (OSC), clear it (CSI), forge a line (CR, LF), cut a name short
// (NUL) or reorder what it shows (a bidirectional override).
const (
	hostileCN  = "exch2\x1b]0;owned\x07.acme.com\r\nFORGED: no findings\x00\u202emoc.emca"
	hostileOrg = "ACME\x1b[2J\u2066Ltd\x7f"
	hostileSAN = "mail\x1b[31m.acme.com\r\nFORGED\x00"
)

// rawControls are what must never reach the terminal from a hostile file
// or server.
var rawControls = []string{"\x1b", "\x07", "\x00", "\r", "\u202e", "\u2066", "\x7f"}

// checkTerminalText fails when out holds a raw control character or a line
// that a hostile value forged.
func checkTerminalText(t *testing.T, what, out string) {
	t.Helper()
	for _, c := range rawControls {
		if strings.Contains(out, c) {
			t.Errorf("%s holds a raw %q:\n%s", what, c, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimLeft(line, "| "), "FORGED") {
			t.Errorf("%s has a forged line %q", what, line)
		}
	}
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errb, func(string) string { return "" })
	return code, out.String(), errb.String()
}

// hostileName is a file name with control characters where the file
// system allows them.
func hostileName(base string) string {
	if runtime.GOOS == "windows" {
		return base
	}
	return "evil\x1b]0;x\x07\u202e" + base
}

func TestInspectHostileText(t *testing.T) {
	root, err := testpki.NewRoot("Hostile Test Root")
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.Intermediate("Hostile Test Intermediate")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := inter.Issue(testpki.Template{CommonName: hostileCN, Org: hostileOrg, DNSNames: append([]string{hostileSAN}, kitNames...), KeyType: testpki.ECDSAP256})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile := filepath.Join(dir, hostileName("leaf.pem"))
	rootFile := filepath.Join(dir, "root.pem")
	junkFile := filepath.Join(dir, hostileName("junk.pem"))
	for name, data := range map[string][]byte{
		certFile: testpki.PEM(leaf.Cert, inter.Cert.Cert),
		rootFile: testpki.PEM(root.Cert.Cert),
		junkFile: []byte("not a certificate \x1b[2J\r\nFORGED\n"),
	} {
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	planFlags := []string{"--fqdn", "exch2.acme.com", "--domain", "acme.com", "--roots", rootFile}

	t.Run("table", func(t *testing.T) {
		code, out, errOut := runCLI(append(append([]string{"inspect"}, planFlags...), certFile)...)
		if code != exitFindings || errOut != "" {
			t.Fatalf("exit %d, stderr %q, want 1 and nothing", code, errOut)
		}
		checkTerminalText(t, "table", out)
		for _, want := range []string{`\x1b]0;owned\x07`, `\x0d\x0aFORGED`, `\x00\u202emoc.emca`, `\u2066Ltd\x7f`, `mail\x1b[31m.acme.com\x0d\x0aFORGED\x00`, "san-control-character"} {
			if !strings.Contains(out, want) {
				t.Errorf("table lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("json keeps the real value", func(t *testing.T) {
		code, out, errOut := runCLI(append(append([]string{"inspect", "-o", "json"}, planFlags...), certFile)...)
		if code != exitFindings || errOut != "" {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
		var doc struct {
			Files        []struct{ Name string }
			Certificates []struct {
				CommonName string   `json:"common_name"`
				Subject    string   `json:"subject"`
				DNSNames   []string `json:"dns_names"`
			}
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		c := doc.Certificates[0]
		if c.CommonName != hostileCN || !slices.Contains(c.DNSNames, hostileSAN) || !strings.Contains(c.Subject, hostileOrg) || doc.Files[0].Name != certFile {
			t.Errorf("JSON changed the values: %+v, file %q", c, doc.Files[0].Name)
		}
		if strings.Contains(out, "\x1b") || strings.Contains(out, "\x00") {
			t.Error("JSON holds raw control characters; the encoder escapes them")
		}
	})
	t.Run("error line", func(t *testing.T) {
		code, out, errOut := runCLI("inspect", junkFile)
		if code != exitInput || out != "" {
			t.Fatalf("exit %d, stdout %q", code, out)
		}
		if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "exchcert: ") {
			t.Errorf("not one error line: %q", errOut)
		}
		checkTerminalText(t, "error line", errOut)
	})
}

func TestProbeHostileText(t *testing.T) {
	root, err := testpki.NewRoot("Hostile Probe Root")
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.Intermediate("Hostile Probe Intermediate")
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"mail.acme.com", "acme.com", "autodiscover.acme.com"}
	leaf, err := inter.Issue(testpki.Template{CommonName: hostileCN, Org: hostileOrg, DNSNames: append([]string{hostileSAN}, names...), KeyType: testpki.ECDSAP256})
	if err != nil {
		t.Fatal(err)
	}
	// The SMTP server serves a certificate for other names, so that
	// findings quote its subject, and a hostile banner on submission.
	other, err := inter.Issue(testpki.Template{CommonName: hostileCN, Org: hostileOrg, DNSNames: []string{hostileSAN}, KeyType: testpki.ECDSAP256})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rootFile := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(rootFile, testpki.PEM(root.Cert.Cert), 0o600); err != nil {
		t.Fatal(err)
	}
	chain := func(c *testpki.Cert) tls.Certificate {
		return tls.Certificate{Certificate: [][]byte{c.Cert.Raw, inter.Cert.Cert.Raw}, PrivateKey: c.Key}
	}
	protocols := map[probe.Service]probetest.Protocol{
		probe.HTTPS: probetest.HTTPS, probe.SMTP: probetest.SMTP, probe.Submission: probetest.SMTP,
		probe.IMAP: probetest.IMAP, probe.IMAPS: probetest.IMAPS, probe.POP3: probetest.POP3, probe.POP3S: probetest.POP3S,
	}
	args := []string{"probe", "mail.acme.com", "--fqdn", "mail.acme.com", "--domain", "acme.com", "--roots", rootFile, "--timeout", "5s"}
	for svc, proto := range protocols {
		o := probetest.Options{Protocol: proto, Cert: chain(leaf)}
		switch svc {
		case probe.SMTP:
			o.Cert = chain(other)
		case probe.Submission:
			o.Greeting = "SSH-2.0 \x1b]0;owned\x07\u202e\r\nFORGED\x00\r\n"
		}
		srv, err := probetest.Start(o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Close)
		args = append(args, "--addr", string(svc)+"="+srv.Addr)
		if svc == probe.HTTPS {
			args = append(args, "--addr", "autodiscover.acme.com="+srv.Addr, "--addr", "acme.com="+srv.Addr)
		}
	}

	code, out, errOut := runCLI(args...)
	if code != exitFindings {
		t.Fatalf("exit %d, want 1; stderr %q\n%s", code, errOut, out)
	}
	checkTerminalText(t, "probe table", out)
	checkTerminalText(t, "probe stderr", errOut)
	for _, want := range []string{"protocol-error", "name-not-covered", `\x1b]0;owned\x07`} {
		if !strings.Contains(out, want) {
			t.Errorf("probe table lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = runCLI(append(args, "-o", "json")...)
	if code != exitFindings {
		t.Fatalf("json: exit %d", code)
	}
	var doc struct {
		Endpoints []struct {
			Service string
			TLS     *struct {
				Chain []struct {
					Subject  string
					DNSNames []string `json:"dns_names"`
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range doc.Endpoints {
		if e.TLS != nil && len(e.TLS.Chain) > 0 && e.TLS.Chain[0].Subject == leaf.Cert.Subject.String() && slices.Contains(e.TLS.Chain[0].DNSNames, hostileSAN) {
			found = true
		}
	}
	if !found {
		t.Errorf("no endpoint in the JSON keeps the real subject and names:\n%s", out)
	}
}

// A self-signed certificate with the CA flag that names the server, as
// `openssl req -x509` makes it, is checked as a server certificate: with a
// plan it does not cover, inspect exits 1 instead of reporting no-leaf.
func TestInspectSelfSignedCA(t *testing.T) {
	dir := t.TempDir()
	key, err := testpki.NewKey(testpki.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "exch2.acme.com"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(30 * 24 * time.Hour), BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	files := map[string][]byte{"go.pem": testpki.PEM(c)}
	if openssl, ok := testpki.OptionalTool(t, "openssl"); ok {
		out := filepath.Join(dir, "openssl.pem")
		cmd := exec.Command(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
			"-keyout", filepath.Join(dir, "openssl.key"), "-out", out, "-subj", "/CN=exch2.acme.com", "-days", "30")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("openssl req -x509: %v\n%s", err, b)
		}
		files["openssl.pem"], _ = os.ReadFile(out)
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			f := filepath.Join(dir, "in-"+name)
			if err := os.WriteFile(f, data, 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runCLI("inspect", "--fqdn", "exch2.acme.com", "--domain", "acme.com", "--exchange", "2019", f)
			if code != exitFindings || errOut != "" {
				t.Fatalf("exit %d, stderr %q; want 1\n%s", code, errOut, out)
			}
			for _, want := range []string{": leaf\n", "cn-only", "name-not-covered", "self-signed"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "no-leaf") {
				t.Errorf("reported as no-leaf:\n%s", out)
			}
		})
	}
}

// A certificate for *.com covers no name under .com.
func TestInspectWildcardUnderPublicSuffix(t *testing.T) {
	root, err := testpki.NewRoot("Wildcard Test Root")
	if err != nil {
		t.Fatal(err)
	}
	c, err := root.Issue(testpki.Template{CommonName: "*.com", DNSNames: []string{"*.com"}, KeyType: testpki.ECDSAP256})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f, rootFile := filepath.Join(dir, "wild.pem"), filepath.Join(dir, "root.pem")
	os.WriteFile(f, testpki.PEM(c.Cert), 0o600)
	os.WriteFile(rootFile, testpki.PEM(root.Cert.Cert), 0o600)
	code, out, _ := runCLI("inspect", "--fqdn", "mail.example.com", "--domain", "example.com", "--roots", rootFile, "-o", "json", f)
	if code != exitFindings {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	var doc struct {
		Coverage []struct {
			Names []struct {
				Name    string
				Covered bool
			}
		}
		Findings []struct{ Code string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	for _, n := range doc.Coverage[0].Names {
		if n.Covered {
			t.Errorf("*.com covers %s", n.Name)
		}
	}
	if !slices.ContainsFunc(doc.Findings, func(f struct{ Code string }) bool { return f.Code == "wildcard-public-suffix" }) {
		t.Errorf("no wildcard-public-suffix finding:\n%s", out)
	}
}
