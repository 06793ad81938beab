package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/internal/testpki"
	"github.com/exchcert/exchcert/plan"
)

// The bad-input suite runs every command as its own process (this test
// binary started under the name exchcert from the PATH testscript.Main
// sets up; see init below, which runs run() as main does) on inputs that
// are broken, hostile or merely odd: truncated and garbage files, a 100 MB
// file, devices, folders, PFX files with a wrong password, a corrupt MAC,
// no MAC, enormous iteration counts or nested bags, certificates with
// thousands of names or NUL bytes in them, folders nobody can write to,
// and a disk that fills up while a key is written. Each case checks:
//
//   - the exact exit code;
//   - for exit 2, that stderr is one line "exchcert: SUBJECT: problem",
//     naming the file (or flag) and saying what is wrong;
//   - that the process ends within badHang (a hang guard, not a speed
//     test: the suite's figures are in the log, speed is measured by the
//     benchmarks) and, on Unix, peaks at most badMaxRSS of memory above
//     what `exchcert --help` takes;
//   - that every file in the folder is byte-for-byte what it was, and no
//     file appeared but those the case expects.

// badHang is how long a case may run before it counts as hung; every case
// takes well under a second.
const badHang = 30 * time.Second

// badMaxRSS bounds the peak resident memory a case may take above what
// `exchcert --help` takes (the runtime and the init of every linked
// package, lego's DNS providers and zlint's lints included).
// The largest input is 100 MB, so a command that read it whole would
// exceed this; the cases stay within about 20 MiB.
const badMaxRSS = 64 << 20

// badCase is one row of the suite.
type badCase struct {
	name    string
	setup   func(t *testing.T, dir string) // writes the inputs into the case's folder
	args    []string                       // run in that folder
	env     []string                       // extra environment
	exit    int
	subject string   // exit 2: the error line starts "exchcert: " + subject + ": "
	problem string   // exit 2: regexp the rest of the line matches
	stdout  string   // regexp stdout matches (exit 0 and 1)
	stderr  string   // regexp stderr matches (exit 0 and 1: warnings)
	creates []string // files a successful run adds to the folder
	fsize   int64    // > 0: run with this RLIMIT_FSIZE (Unix only)
	needs   string   // "linux", "unix": the mechanism the case relies on
}

// Environment of the exchcert process of a case: fileSizeLimitEnv sets
// RLIMIT_FSIZE (see limitFileSize), memReportEnv names a file that gets
// the peak memory (see peakRSS).
const (
	fileSizeLimitEnv = "EXCHCERT_TEST_FSIZE"
	memReportEnv     = "EXCHCERT_TEST_MEMREPORT"
)

// init runs in every process of this test binary. In the copy named
// exchcert that a case starts, it applies the case's file size limit and
// runs the command as main does, then reports the peak memory: init
// comes before testscript.Main, which would otherwise run the command.
func init() {
	if strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe") != "exchcert" {
		return
	}
	if v := os.Getenv(fileSizeLimitEnv); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err == nil {
			err = limitFileSize(n)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s=%s: %v\n", fileSizeLimitEnv, v, err)
			os.Exit(3)
		}
	}
	if report := os.Getenv(memReportEnv); report != "" {
		code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
		if err := os.WriteFile(report, []byte(strconv.FormatInt(peakRSS(), 10)), 0o600); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", memReportEnv, err)
			os.Exit(3)
		}
		os.Exit(code)
	}
}

func TestBadInput(t *testing.T) {
	exe, err := exec.LookPath("exchcert")
	if err != nil {
		t.Fatalf("exchcert is not on PATH (testscript.Main puts it there): %v", err)
	}
	fx := newBadFixture(t)
	cases := badCases(t, fx)
	setBaseRSS(t, exe)
	if len(cases) < 40 {
		t.Fatalf("the suite has %d cases; it should cover at least 40 bad inputs", len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("case name %q twice", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) { runBadCase(t, exe, c) })
	}
}

// baseRSS is the peak memory of `exchcert --help`, measured once.
var (
	baseRSSOnce sync.Once
	baseRSS     int64
)

func setBaseRSS(t *testing.T, exe string) {
	baseRSSOnce.Do(func() {
		report := filepath.Join(t.TempDir(), "peak-rss")
		cmd := exec.Command(exe, "--help")
		cmd.Env = append(os.Environ(), memReportEnv+"="+report)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("exchcert --help: %v\n%s", err, out)
		}
		data, err := os.ReadFile(report)
		if err != nil {
			t.Fatalf("no memory report from exchcert --help: %v", err)
		}
		if baseRSS, err = strconv.ParseInt(string(data), 10, 64); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("exchcert --help peaks at %.1f MiB; each case may take %d MiB more", float64(baseRSS)/(1<<20), badMaxRSS>>20)
}

func runBadCase(t *testing.T, exe string, c badCase) {
	switch {
	case c.needs == "linux" && runtime.GOOS != "linux",
		c.needs == "unix" && runtime.GOOS == "windows",
		c.fsize > 0 && !canLimitFileSize:
		t.Skipf("needs %s", c.needs)
	}
	dir := t.TempDir()
	if c.setup != nil {
		c.setup(t, dir)
	}
	before := snapshot(t, dir)

	ctx, cancel := context.WithTimeout(context.Background(), badHang)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, c.args...)
	cmd.Dir = dir
	// Wide lines: the cases match a finding's words across one line.
	cmd.Env = append(os.Environ(), "HOME="+dir, "COLUMNS=1000")
	cmd.Env = append(cmd.Env, c.env...)
	report := filepath.Join(t.TempDir(), "peak-rss")
	cmd.Env = append(cmd.Env, memReportEnv+"="+report)
	if c.fsize > 0 {
		cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d", fileSizeLimitEnv, c.fsize))
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("exchcert %s: still running after %v (hung); stderr: %s", strings.Join(c.args, " "), badHang, stderr.Bytes())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("exchcert did not run: %v", err)
	}
	var rss int64
	if data, err := os.ReadFile(report); err != nil {
		t.Errorf("no memory report from exchcert: %v", err)
	} else if rss, err = strconv.ParseInt(string(data), 10, 64); err != nil {
		t.Errorf("memory report %q: %v", data, err)
	}
	t.Logf("exit %d in %v, peak RSS %.1f MiB (%+.1f MiB)", code, elapsed.Round(time.Millisecond), float64(rss)/(1<<20), float64(rss-baseRSS)/(1<<20))

	errText := stderr.String()
	if strings.Contains(errText, "panic") || strings.Contains(errText, "goroutine ") {
		t.Fatalf("exchcert crashed:\n%s", errText)
	}
	if code != c.exit {
		t.Errorf("exit %d, want %d\nstderr: %s\nstdout: %s", code, c.exit, errText, stdout.Bytes())
	}
	if c.exit == exitInput {
		line, rest, _ := strings.Cut(errText, "\n")
		prefix := "exchcert: " + c.subject + ": "
		switch {
		case rest != "":
			t.Errorf("stderr has more than one line:\n%s", errText)
		case !strings.HasPrefix(line, prefix):
			t.Errorf("error %q does not start %q", line, prefix)
		case !regexp.MustCompile(c.problem).MatchString(strings.TrimPrefix(line, prefix)):
			t.Errorf("error %q does not say %q", line, c.problem)
		}
		if strings.ContainsFunc(line, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Errorf("error %q holds control characters", line)
		}
	}
	if c.stderr != "" && !regexp.MustCompile(c.stderr).MatchString(errText) {
		t.Errorf("stderr does not match %q:\n%s", c.stderr, errText)
	}
	if c.stdout != "" && !regexp.MustCompile(c.stdout).Match(stdout.Bytes()) {
		t.Errorf("stdout does not match %q:\n%s", c.stdout, stdout.Bytes())
	}
	if rss > baseRSS+badMaxRSS {
		t.Errorf("peak memory %.1f MiB, more than %d MiB above exchcert --help's %.1f MiB", float64(rss)/(1<<20), badMaxRSS>>20, float64(baseRSS)/(1<<20))
	}

	after := snapshot(t, dir)
	for _, name := range c.creates {
		if _, ok := after[name]; !ok {
			t.Errorf("%s was not written", name)
		}
		delete(after, name)
	}
	for name, was := range before {
		now, ok := after[name]
		switch {
		case !ok:
			t.Errorf("%s was removed", name)
		case now != was:
			t.Errorf("%s changed: %s, was %s", name, now, was)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("%s was left behind", name)
		}
	}
}

// snapshot records every file and folder under dir: type, permission bits,
// size and SHA-256 of the contents.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		st, err := d.Info()
		if err != nil {
			return err
		}
		desc := fmt.Sprintf("%v", st.Mode())
		if st.Mode().IsRegular() {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			h := sha256.New()
			_, err = f.WriteTo(h)
			f.Close()
			if err != nil {
				return err
			}
			desc += fmt.Sprintf(" %d bytes sha256:%x", st.Size(), h.Sum(nil)[:8])
		}
		m[filepath.ToSlash(rel)] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// badFixture is the PKI the cases take their files from, made once.
type badFixture struct {
	root, inter      *testpki.CA
	leafPEM, keyPEM  []byte // exch2.acme.com, RSA 2048
	chainPEM         []byte // leaf then intermediate
	otherKeyPEM      []byte // a key that belongs to no certificate here
	csrPEM           []byte
	pfx              []byte // LegacyDES, password pfxPassword
	pfxModern        []byte // Modern2023, password pfxPassword
	pfxOpen          []byte // Passwordless
	manyPEM, manyKey []byte // a certificate with 10,000 DNS names (inspect.MaxCertNames), and its key
	tooManyPEM       []byte // one with 10,001
	nulPEM           []byte // a SAN "exch2.acme.com\x00.evil.example"
	utf8PEM          []byte // a SAN in raw UTF-8, which DNS names may not be
	planJSON         []byte // the plan of exch2.acme.com, domain acme.com, Exchange 2016
	decoys           []byte // 40 leaves and 150 CA certificates named like their issuer, with another key
}

const pfxPassword = "Pa55word!"

var (
	badFixtureOnce sync.Once
	badFixtureVal  *badFixture
	badFixtureErr  error
)

func newBadFixture(t *testing.T) *badFixture {
	badFixtureOnce.Do(func() { badFixtureVal, badFixtureErr = makeBadFixture() })
	if badFixtureErr != nil {
		t.Fatal(badFixtureErr)
	}
	return badFixtureVal
}

func makeBadFixture() (*badFixture, error) {
	fx := &badFixture{}
	var err error
	if fx.root, err = testpki.NewRoot("exchcert Bad Input Root"); err != nil {
		return nil, err
	}
	if fx.inter, err = fx.root.Intermediate("exchcert Bad Input Intermediate"); err != nil {
		return nil, err
	}
	names := []string{"exch2.acme.com", "acme.com", "autodiscover.acme.com"}
	leaf, err := fx.inter.Issue(testpki.Template{CommonName: names[0], DNSNames: names})
	if err != nil {
		return nil, err
	}
	fx.leafPEM = testpki.PEM(leaf.Cert)
	fx.chainPEM = testpki.PEM(leaf.Cert, fx.inter.Cert.Cert)
	if fx.keyPEM, err = testpki.KeyPEM(leaf.Key); err != nil {
		return nil, err
	}
	other, err := testpki.NewKey(testpki.ECDSAP256)
	if err != nil {
		return nil, err
	}
	if fx.otherKeyPEM, err = testpki.KeyPEM(other); err != nil {
		return nil, err
	}
	csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: names[0]}, DNSNames: names}, leaf.Key)
	if err != nil {
		return nil, err
	}
	fx.csrPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csrDER})
	chain := []*x509.Certificate{fx.inter.Cert.Cert}
	if fx.pfx, err = testpki.PFX(testpki.PFXLegacyDES, leaf.Key, leaf.Cert, chain, pfxPassword); err != nil {
		return nil, err
	}
	if fx.pfxModern, err = testpki.PFX(testpki.PFXModern2023, leaf.Key, leaf.Cert, chain, pfxPassword); err != nil {
		return nil, err
	}
	if fx.pfxOpen, err = testpki.PFX(testpki.PFXPasswordless, leaf.Key, leaf.Cert, chain, ""); err != nil {
		return nil, err
	}

	many := []string{"exch2.acme.com"}
	for i := range inspect.MaxCertNames {
		many = append(many, fmt.Sprintf("host%05d.acme.com", i))
	}
	mc, err := fx.inter.Issue(testpki.Template{CommonName: many[0], DNSNames: many[:inspect.MaxCertNames], KeyType: testpki.ECDSAP256})
	if err != nil {
		return nil, err
	}
	fx.manyPEM = testpki.PEM(mc.Cert, fx.inter.Cert.Cert)
	if fx.manyKey, err = testpki.KeyPEM(mc.Key); err != nil {
		return nil, err
	}
	tc, err := fx.inter.Issue(testpki.Template{CommonName: many[0], DNSNames: many, Key: mc.Key})
	if err != nil {
		return nil, err
	}
	fx.tooManyPEM = testpki.PEM(tc.Cert)

	// crypto/x509 writes any IA5 string as a DNS name, NUL included, and
	// reads it back: a certificate a careless CA or an attacker could make.
	nc, err := fx.inter.Issue(testpki.Template{CommonName: "exch2.acme.com", DNSNames: []string{"exch2.acme.com\x00.evil.example", "acme.com"}, KeyType: testpki.ECDSAP256})
	if err != nil {
		return nil, err
	}
	fx.nulPEM = testpki.PEM(nc.Cert)

	// A DNS name must be ASCII (punycode); x509 refuses raw UTF-8, so the
	// certificate is issued with a placeholder of the same length and
	// patched (its signature no longer verifies, which the parser does not
	// look at).
	uc, err := fx.inter.Issue(testpki.Template{CommonName: "exch2.acme.com", DNSNames: []string{"exch2.acme.com", "bxxcher.acme.com"}, KeyType: testpki.ECDSAP256})
	if err != nil {
		return nil, err
	}
	der := bytes.Replace(uc.Cert.Raw, []byte("bxxcher.acme.com"), []byte("b\xc3\xbccher.acme.com"), 1)
	fx.utf8PEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})

	// Decoys carry the intermediate's name, so the real leaf's chain
	// search meets them too (pfx/decoy-issuers).
	decoyKey, err := testpki.NewKey(testpki.ECDSAP256)
	if err != nil {
		return nil, err
	}
	var decoys []*x509.Certificate
	for i := range 190 {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(i + 1)), Subject: fx.inter.Cert.Cert.Subject,
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(90 * 24 * time.Hour),
			BasicConstraintsValid: true, IsCA: true, KeyUsage: x509.KeyUsageCertSign}
		if i < 40 {
			tmpl.Subject = pkix.Name{CommonName: fmt.Sprintf("leaf%d.acme.com", i)}
			tmpl.Issuer = fx.inter.Cert.Cert.Subject
			tmpl.DNSNames = []string{tmpl.Subject.CommonName}
			tmpl.IsCA, tmpl.KeyUsage = false, x509.KeyUsageDigitalSignature
		}
		parent := &x509.Certificate{Subject: fx.inter.Cert.Cert.Subject}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, decoyKey.Public(), decoyKey)
		if err != nil {
			return nil, err
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		decoys = append(decoys, c)
	}
	fx.decoys = testpki.PEM(decoys...)

	p, err := plan.Build(plan.Input{FQDN: "exch2.acme.com", Domains: []string{"acme.com"}, Exchange: exchange.Exchange2016})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := plan.Encode(&buf, p); err != nil {
		return nil, err
	}
	fx.planJSON = buf.Bytes()
	return fx, nil
}

// Setups: each returns a function that puts files into the case's folder.

type fileSpec struct {
	name string
	data []byte
}

func files(fs ...fileSpec) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		for _, f := range fs {
			p := filepath.Join(dir, filepath.FromSlash(f.name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(f.name, "/") {
				if err := os.Mkdir(p, 0o755); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err := os.WriteFile(p, f.data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func file(name string, data []byte) fileSpec { return fileSpec{name, data} }
func folder(name string) fileSpec            { return fileSpec{name + "/", nil} }

// then combines setups.
func then(setups ...func(*testing.T, string)) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		for _, s := range setups {
			s(t, dir)
		}
	}
}

// sparse makes a file of size bytes that takes no disk space (a hole), on
// every file system that supports holes; elsewhere it costs the space.
func sparse(name string, size int64) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Truncate(size); err != nil {
			t.Fatal(err)
		}
	}
}

// symlink makes a symbolic link name pointing at target.
func symlink(target, name string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
}

// fifo makes a named pipe (Unix only; the cases that use it say so).
func fifo(name string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := makeFIFO(p); err != nil {
			t.Fatal(err)
		}
	}
}

const hundredMB = 100 << 20

// garbage is data no reader recognises: high bytes, no structure.
var garbage = func() []byte {
	b := make([]byte, 4096)
	for i := range b {
		b[i] = byte(0x80 + (i*7919)%0x7f)
	}
	return b
}()

func pemWithBadBase64(label string) []byte {
	return []byte("-----BEGIN " + label + "-----\nMIIB!!!!not*base64\n-----END " + label + "-----\n")
}

// derOf returns the DER bytes of the first PEM block.
func derOf(p []byte) []byte {
	b, _ := pem.Decode(p)
	return b.Bytes
}

// planDoc is the fixture plan with its names (and domains) replaced.
func planDoc(t *testing.T, base []byte, edit func(m map[string]any)) []byte {
	var m map[string]any
	if err := json.Unmarshal(base, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func manyNames(n int, asObjects bool) []any {
	out := make([]any, n)
	for i := range out {
		name := fmt.Sprintf("host%05d.acme.com", i)
		if asObjects {
			out[i] = map[string]any{"name": name, "roles": []string{"extra"}, "reason": "x"}
		} else {
			out[i] = name
		}
	}
	return out
}

// hostileServer accepts connections on 127.0.0.1 and answers each with an
// endless stream of data without a line end, until the client goes away.
func hostileServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		chunk := bytes.Repeat([]byte("220-"), 4096)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				for {
					c.SetWriteDeadline(time.Now().Add(badHang))
					if _, err := c.Write(chunk); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func badCases(t *testing.T, fx *badFixture) []badCase {
	planFlags := []string{"--fqdn", "exch2.acme.com", "--domain", "acme.com", "--exchange", "2016"}
	bind := func(extra ...string) []string {
		return append(append([]string{"bind"}, planFlags...), extra...)
	}
	inspectPlan := func(extra ...string) []string {
		return append(append([]string{"inspect"}, planFlags...), extra...)
	}
	pw := []string{"PFX_PASSWORD=" + pfxPassword}
	pfxArgs := func(cert, key, out string, extra ...string) []string {
		return append([]string{"pfx", "--cert", cert, "--key", key, "--out", out, "--password-env", "PFX_PASSWORD"}, extra...)
	}
	acmeArgs := func(extra ...string) []string {
		return append([]string{"acme", "--fqdn", "exch2.acme.com", "--no-root", "--server", "https://127.0.0.1:1/directory",
			"--accept-tos", "--http", "127.0.0.1:0", "--password-env", "PFX_PASSWORD"}, extra...)
	}
	pfxEdit := func(f func([]byte) ([]byte, error), in []byte) []byte {
		b, err := f(in)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	hugeMAC, err := testpki.SetPFXIterations(fx.pfx, 1<<31-1, 0)
	if err != nil {
		t.Fatal(err)
	}
	hugeKey, err := testpki.SetPFXIterations(fx.pfx, 0, 1<<31-1)
	if err != nil {
		t.Fatal(err)
	}
	negMAC, err := testpki.SetPFXIterations(fx.pfx, -1, 0)
	if err != nil {
		t.Fatal(err)
	}
	hugePBKDF2, _, err := testpki.SetPBKDF2Iterations(fx.pfxModern, 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	nest3 := pfxEdit(func(b []byte) ([]byte, error) { return testpki.PFXNestBags(b, 3) }, fx.pfxOpen)
	nest500 := pfxEdit(func(b []byte) ([]byte, error) { return testpki.PFXNestBags(b, 500) }, fx.pfxOpen)
	// BER: the outer SEQUENCE with an indefinite length, as some Java
	// and Windows tools write PKCS #7.
	ber := append(append([]byte{0x30, 0x80}, fx.pfx[derHeaderLen(fx.pfx):]...), 0, 0)

	existingKey := []byte("-----BEGIN PRIVATE KEY-----\nexisting key, must survive\n-----END PRIVATE KEY-----\n")
	existingCSR := []byte("existing request, must survive\n")

	return []badCase{
		// exchcert plan --plan FILE
		{name: "plan/empty-file", setup: files(file("acme.plan.json", nil)),
			args: []string{"plan", "--plan", "acme.plan.json"}, exit: 2, subject: "acme.plan.json", problem: `^not a plan document: `},
		{name: "plan/directory", setup: files(folder("acme.plan.json")),
			args: []string{"plan", "--plan", "acme.plan.json"}, exit: 2, subject: "acme.plan.json", problem: `^is a directory, not a file$`},
		{name: "plan/missing", args: []string{"plan", "--plan", "acme.plan.json"}, exit: 2, subject: "acme.plan.json", problem: `^no such file$`},
		{name: "plan/100MB", setup: sparse("acme.plan.json", hundredMB),
			args: []string{"plan", "--plan", "acme.plan.json"}, exit: 2, subject: "acme.plan.json", problem: `^file is 104857600 bytes; the limit is 4194304$`},
		{name: "plan/endless-device", needs: "unix",
			args: []string{"plan", "--plan", "/dev/zero"}, exit: 2, subject: "/dev/zero", problem: `^file is larger than 4194304 bytes$`},
		{name: "plan/named-pipe", needs: "unix", setup: fifo("acme.plan.json"),
			// Nobody writes to the pipe: it reads as empty instead of
			// making exchcert wait for a writer forever.
			args: []string{"plan", "--plan", "acme.plan.json"}, exit: 2, subject: "acme.plan.json", problem: `^not a plan document: `},
		{name: "bind/cert-named-pipe", needs: "unix", setup: fifo("exch2.cer"),
			args: bind("exch2.cer"), exit: 2, subject: "exch2.cer", problem: `^the file is empty, not a certificate file$`},
		{name: "plan/garbage", setup: files(file("acme.plan.json", garbage)),
			args: []string{"plan", "--plan", "acme.plan.json"}, exit: 2, subject: "acme.plan.json", problem: `^not a plan document: invalid JSON at byte 1`},
		{name: "plan/truncated", setup: files(file("acme.plan.json", fx.planJSON[:len(fx.planJSON)/2])),
			args: []string{"plan", "--plan", "acme.plan.json"}, exit: 2, subject: "acme.plan.json", problem: `^not a plan document: unexpected EOF$`},
		{name: "plan/utf16-odd-length", setup: files(file("acme.plan.json", append([]byte{0xFF, 0xFE}, utf16Bytes(string(fx.planJSON))[:101]...))),
			args: []string{"plan", "--plan", "acme.plan.json"}, exit: 2, subject: "acme.plan.json", problem: `^not a plan document: `},
		{name: "plan/1001-names", setup: func(t *testing.T, dir string) {
			files(file("acme.plan.json", planDoc(t, fx.planJSON, func(m map[string]any) {
				m["names"] = append(manyNames(1001, true), map[string]any{"name": "exch2.acme.com"})
			})))(t, dir)
		}, args: []string{"plan", "--plan", "acme.plan.json"}, exit: 2, subject: "acme.plan.json", problem: `^plan has 1002 names; the limit is 1000$`},
		{name: "plan/100000-domains", setup: func(t *testing.T, dir string) {
			files(file("acme.plan.json", planDoc(t, fx.planJSON, func(m map[string]any) { m["domains"] = manyNames(100000, false) })))(t, dir)
		}, args: []string{"plan", "--plan", "acme.plan.json"}, exit: 2, subject: "acme.plan.json", problem: `^plan has 100000 domains; the limit is 1000$`},
		{name: "plan/nul-in-name", setup: func(t *testing.T, dir string) {
			files(file("acme.plan.json", planDoc(t, fx.planJSON, func(m map[string]any) {
				m["names"] = append(m["names"].([]any), map[string]any{"name": "mail.acme.com\x00.evil.example"})
			})))(t, dir)
		}, args: []string{"plan", "--plan", "acme.plan.json"}, exit: 2, subject: "acme.plan.json", problem: `^names: "mail\.acme\.com\\x00\.evil\.example" is not a valid host name: it contains a control character$`},
		{name: "plan/bad-punycode", setup: func(t *testing.T, dir string) {
			files(file("acme.plan.json", planDoc(t, fx.planJSON, func(m map[string]any) {
				m["names"] = append(m["names"].([]any), map[string]any{"name": "xn--a-ecp.acme.com"})
			})))(t, dir)
		}, args: []string{"plan", "--plan", "acme.plan.json"}, exit: 2, subject: "acme.plan.json", problem: `^names: "xn--a-ecp\.acme\.com" is not a valid host name: invalid label`},
		{name: "plan/zero-width-joiner", setup: func(t *testing.T, dir string) {
			files(file("acme.plan.json", planDoc(t, fx.planJSON, func(m map[string]any) {
				m["names"] = append(m["names"].([]any), map[string]any{"name": "mail\u200d.acme.com"})
			})))(t, dir)
		}, args: []string{"plan", "--plan", "acme.plan.json"}, exit: 2, subject: "acme.plan.json", problem: `^names: "mail\\u200d\.acme\.com" is not a valid host name`},
		{name: "plan/fullwidth-idn-is-normalised", setup: func(t *testing.T, dir string) {
			files(file("acme.plan.json", planDoc(t, fx.planJSON, func(m map[string]any) {
				m["names"] = append(m["names"].([]any), map[string]any{"name": "ｍａｉｌ。ａｃｍｅ.com", "roles": []string{"extra"}})
			})))(t, dir)
		}, args: []string{"plan", "--plan", "acme.plan.json"}, exit: 0, stdout: `\| mail\.acme\.com +\|`},

		// exchcert csr: --key, --out-dir, and the disk filling up.
		{name: "csr/key-empty", setup: files(file("exch2.key", nil)),
			args: []string{"csr", "--fqdn", "exch2.acme.com", "--key", "exch2.key"}, exit: 2, subject: "exch2.key", problem: `^not a private key: .*\(--key wants`},
		{name: "csr/key-garbage", setup: files(file("exch2.key", garbage)),
			args: []string{"csr", "--fqdn", "exch2.acme.com", "--key", "exch2.key"}, exit: 2, subject: "exch2.key", problem: `^not a private key: `},
		{name: "csr/key-truncated", setup: files(file("exch2.key", fx.keyPEM[:len(fx.keyPEM)/2])),
			args: []string{"csr", "--fqdn", "exch2.acme.com", "--key", "exch2.key"}, exit: 2, subject: "exch2.key", problem: `^not a private key: `},
		{name: "csr/key-pem-headers-encrypted", setup: files(file("exch2.key", []byte("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\nMIIB\n-----END RSA PRIVATE KEY-----\n"))),
			args: []string{"csr", "--fqdn", "exch2.acme.com", "--key", "exch2.key"}, exit: 2, subject: "exch2.key", problem: `^the private key is encrypted \(write a decrypted copy`},
		{name: "csr/key-directory", setup: files(folder("exch2.key")),
			args: []string{"csr", "--fqdn", "exch2.acme.com", "--key", "exch2.key"}, exit: 2, subject: "exch2.key", problem: `^is a directory, not a file$`},
		{name: "csr/key-100MB", setup: sparse("exch2.key", hundredMB),
			args: []string{"csr", "--fqdn", "exch2.acme.com", "--key", "exch2.key"}, exit: 2, subject: "exch2.key", problem: `^file is 104857600 bytes; the limit is 1048576$`},
		{name: "csr/key-is-a-certificate", setup: files(file("exch2.key", fx.leafPEM)),
			args: []string{"csr", "--fqdn", "exch2.acme.com", "--key", "exch2.key"}, exit: 2, subject: "exch2.key", problem: `^not a private key: it holds a certificate`},
		{name: "csr/plan-1001-names-on-the-command-line",
			args: []string{"csr", "--fqdn", "exch2.acme.com", "--name", strings.Join(stringsOf(manyNames(1001, false)), ",")}, exit: 2, subject: "--name", problem: `the plan has 1004 names; the limit is 1000$`},
		{name: "csr/out-dir-is-a-file", setup: files(file("certs", []byte("x"))),
			args: []string{"csr", "--fqdn", "exch2.acme.com", "--out-dir", "certs"}, exit: 2, subject: "certs", problem: `^not a folder`},
		{name: "csr/out-dir-unwritable", needs: "linux",
			// sysfs refuses new files to everyone, root included.
			args: []string{"csr", "--fqdn", "exch2.acme.com", "--out-dir", "/sys"}, exit: 2, subject: "/sys/exch2.acme.com.key", problem: `^permission denied \(choose a folder you can write to with --out-dir\)$`},
		{name: "csr/key-exists", setup: files(file("exch2.acme.com.key", existingKey)),
			args: []string{"csr", "--fqdn", "exch2.acme.com"}, exit: 2, subject: "exch2.acme.com.key", problem: `^already exists \(use --force to replace it\)$`},
		{name: "csr/disk-full-writing-key", fsize: 512,
			args: []string{"csr", "--fqdn", "exch2.acme.com"}, exit: 2, subject: "exch2.acme.com.key", problem: `^no room to write it \(file too large\); nothing was written \(free some space, or choose another --out-dir\)$`},
		{name: "csr/disk-full-replacing-key", fsize: 512, setup: files(file("exch2.acme.com.key", existingKey), file("exch2.acme.com.csr", existingCSR)),
			args: []string{"csr", "--fqdn", "exch2.acme.com", "--force"}, exit: 2, subject: "exch2.acme.com.key", problem: `^no room to write it \(file too large\); nothing was written \(free some space, or choose another --out-dir\)$`},
		{name: "csr/disk-full-writing-request", fsize: 1500, setup: files(file("exch2.acme.com.key", existingKey), file("exch2.acme.com.csr", existingCSR)),
			// An ECDSA key fits under the limit, the request does not: the
			// key already written is removed and the old pair put back.
			args: []string{"csr", "--fqdn", "exch2.acme.com", "--key-type", "ecdsa-p256", "--name", strings.Join(stringsOf(manyNames(40, false)), ","), "--force"}, exit: 2, subject: "exch2.acme.com.csr", problem: `^no room to write it \(file too large\); nothing was written \(free some space, or choose another --out-dir\)$`},

		// exchcert pfx: the certificate, the key, the password file, the output.
		{name: "pfx/cert-empty", setup: files(file("cert.pem", nil), file("exch2.key", fx.keyPEM)),
			args: pfxArgs("cert.pem", "exch2.key", "exch2.pfx"), env: pw, exit: 2, subject: "cert.pem", problem: `^the file is empty, not a certificate file$`},
		{name: "pfx/cert-garbage", setup: files(file("cert.pem", garbage), file("exch2.key", fx.keyPEM)),
			args: pfxArgs("cert.pem", "exch2.key", "exch2.pfx"), env: pw, exit: 2, subject: "cert.pem", problem: `^not a certificate, request, key or PFX file$`},
		{name: "pfx/cert-truncated-der", setup: files(file("cert.cer", derOf(fx.leafPEM)[:300]), file("exch2.key", fx.keyPEM)),
			args: pfxArgs("cert.cer", "exch2.key", "exch2.pfx"), env: pw, exit: 2, subject: "cert.cer", problem: `^DER certificate or request is truncated: \d+ of \d+ bytes$`},
		{name: "pfx/cert-truncated-pem", setup: files(file("cert.pem", fx.leafPEM[:len(fx.leafPEM)-40]), file("exch2.key", fx.keyPEM)),
			args: pfxArgs("cert.pem", "exch2.key", "exch2.pfx"), env: pw, exit: 2, subject: "cert.pem", problem: `^PEM block "CERTIFICATE" \(line 1\) is damaged: bad base64 or no matching END line$`},
		{name: "pfx/cert-bad-base64", setup: files(file("cert.pem", pemWithBadBase64("CERTIFICATE")), file("exch2.key", fx.keyPEM)),
			args: pfxArgs("cert.pem", "exch2.key", "exch2.pfx"), env: pw, exit: 2, subject: "cert.pem", problem: `^PEM block "CERTIFICATE" \(line 1\) is damaged`},
		{name: "pfx/cert-directory", setup: files(folder("cert.pem"), file("exch2.key", fx.keyPEM)),
			args: pfxArgs("cert.pem", "exch2.key", "exch2.pfx"), env: pw, exit: 2, subject: "cert.pem", problem: `^is a directory, not a file$`},
		{name: "pfx/cert-100MB", setup: then(sparse("cert.pem", hundredMB), files(file("exch2.key", fx.keyPEM))),
			args: pfxArgs("cert.pem", "exch2.key", "exch2.pfx"), env: pw, exit: 2, subject: "cert.pem", problem: `^file is 104857600 bytes; the limit is 4194304$`},
		{name: "pfx/cert-is-a-pfx", setup: files(file("cert.pfx", fx.pfx), file("exch2.key", fx.keyPEM)),
			args: pfxArgs("cert.pfx", "exch2.key", "exch2.pfx"), env: pw, exit: 2, subject: "cert.pfx", problem: `^is a PFX already`},
		{name: "pfx/cert-raw-utf8-name", setup: files(file("cert.pem", fx.utf8PEM), file("exch2.key", fx.keyPEM)),
			args: pfxArgs("cert.pem", "exch2.key", "exch2.pfx"), env: pw, exit: 2, subject: "cert.pem", problem: `^PEM block 1 "CERTIFICATE" \(line 1\): the certificate is malformed \(malformed-san: SAN dNSName is malformed\); 'exchcert inspect' explains$`},
		{name: "pfx/cert-with-bag-attributes-text", setup: files(
			file("cert.pem", append([]byte("Bag Attributes\n    localKeyID: 01 00 00 00\nsubject=CN = exch2.acme.com\nissuer=CN = exchcert Bad Input Intermediate\n"), fx.chainPEM...)), file("exch2.key", fx.keyPEM)),
			// openssl pkcs12 -nokeys writes text around the PEM blocks: read, not refused.
			args: pfxArgs("cert.pem", "exch2.key", "exch2.pfx"), env: pw, exit: 0, creates: []string{"exch2.pfx"}, stdout: `Wrote exch2\.pfx`},
		{name: "pfx/key-does-not-match", setup: files(file("cert.pem", fx.chainPEM), file("exch2.key", fx.otherKeyPEM)),
			args: pfxArgs("cert.pem", "exch2.key", "exch2.pfx"), env: pw, exit: 2, subject: "exch2.key", problem: `does not match|does not belong`},
		{name: "pfx/key-bundle-with-two-keys", setup: files(file("cert.pem", fx.chainPEM), file("exch2.key", append(append([]byte{}, fx.keyPEM...), fx.otherKeyPEM...))),
			args: pfxArgs("cert.pem", "exch2.key", "exch2.pfx"), env: pw, exit: 2, subject: "exch2.key", problem: `^holds 2 private keys; give a file with one$`},
		{name: "pfx/key-encrypted-pem-headers", setup: files(file("cert.pem", fx.chainPEM), file("exch2.key", []byte("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: DES-EDE3-CBC,0011223344556677\n\nMIIB\n-----END RSA PRIVATE KEY-----\n"))),
			args: pfxArgs("cert.pem", "exch2.key", "exch2.pfx"), env: pw, exit: 2, subject: "exch2.key", problem: `encrypted private key; decrypt it first`},
		{name: "pfx/out-exists", setup: files(file("cert.pem", fx.chainPEM), file("exch2.key", fx.keyPEM), file("exch2.pfx", []byte("the old PFX"))),
			args: pfxArgs("cert.pem", "exch2.key", "exch2.pfx"), env: pw, exit: 2, subject: "exch2.pfx", problem: `^already exists \(use --force to replace it\)$`},
		{name: "pfx/out-folder-missing", setup: files(file("cert.pem", fx.chainPEM), file("exch2.key", fx.keyPEM)),
			args: pfxArgs("cert.pem", "exch2.key", "nowhere/exch2.pfx"), env: pw, exit: 2, subject: "nowhere/exch2.pfx", problem: `folder does not exist`},
		{name: "pfx/out-unwritable", needs: "linux", setup: files(file("cert.pem", fx.chainPEM), file("exch2.key", fx.keyPEM)),
			args: pfxArgs("cert.pem", "exch2.key", "/sys/exch2.pfx"), env: pw, exit: 2, subject: "/sys/exch2.pfx", problem: `permission denied`},
		{name: "pfx/password-file-empty", setup: files(file("cert.pem", fx.chainPEM), file("exch2.key", fx.keyPEM), file("pw.txt", nil)),
			args: []string{"pfx", "--cert", "cert.pem", "--key", "exch2.key", "--out", "exch2.pfx", "--password-file", "pw.txt"}, exit: 2, subject: "pw.txt", problem: `^the password file is empty$`},
		{name: "pfx/password-file-100MB", setup: then(sparse("pw.txt", hundredMB), files(file("cert.pem", fx.chainPEM), file("exch2.key", fx.keyPEM))),
			args: []string{"pfx", "--cert", "cert.pem", "--key", "exch2.key", "--out", "exch2.pfx", "--password-file", "pw.txt"}, exit: 2, subject: "pw.txt", problem: `^file is 104857600 bytes; the limit is 65536$`},
		{name: "pfx/password-file-nul", setup: files(file("cert.pem", fx.chainPEM), file("exch2.key", fx.keyPEM), file("pw.txt", []byte("pass\x00word\n"))),
			args: []string{"pfx", "--cert", "cert.pem", "--key", "exch2.key", "--out", "exch2.pfx", "--password-file", "pw.txt"}, exit: 2, subject: "pw.txt", problem: `^the PFX password must be UTF-8 text without NUL`},
		{name: "pfx/disk-full", fsize: 1024, setup: files(file("cert.pem", fx.chainPEM), file("exch2.key", fx.keyPEM)),
			args: pfxArgs("cert.pem", "exch2.key", "exch2.pfx"), env: pw, exit: 2, subject: "exch2.pfx", problem: `^no room to write it \(file too large\); nothing was written \(free some space, or write it elsewhere\)$`},
		{name: "pfx/cert-10001-names", setup: files(file("cert.pem", fx.tooManyPEM), file("exch2.key", fx.manyKey)),
			args: pfxArgs("cert.pem", "exch2.key", "exch2.pfx"), env: pw, exit: 2, subject: "cert.pem", problem: `^certificate 1 has 10001 names; the limit is 10000$`},
		{name: "pfx/10000-names", setup: files(file("cert.pem", fx.manyPEM), file("exch2.key", fx.manyKey)),
			args: pfxArgs("cert.pem", "exch2.key", "exch2.pfx"), env: pw, exit: 0, creates: []string{"exch2.pfx"}, stdout: `Wrote exch2\.pfx`},

		// exchcert bind CERTFILE: every PFX defect, and odd certificates.
		{name: "bind/pfx-wrong-password", setup: files(file("exch2.pfx", fx.pfx)),
			args: bind("--password-env", "PFX_PASSWORD", "exch2.pfx"), env: []string{"PFX_PASSWORD=wrong"}, exit: 2, subject: "exch2.pfx", problem: `wrong password`},
		{name: "bind/pfx-corrupt-mac", setup: files(file("exch2.pfx", pfxEdit(testpki.PFXCorruptMAC, fx.pfx))),
			// A flipped MAC cannot be told from a wrong password: that is what a MAC is.
			args: bind("--password-env", "PFX_PASSWORD", "exch2.pfx"), env: pw, exit: 2, subject: "exch2.pfx", problem: `wrong password`},
		{name: "bind/pfx-no-mac", setup: files(file("exch2.pfx", pfxEdit(testpki.PFXWithoutMAC, fx.pfx))),
			args: bind("--password-env", "PFX_PASSWORD", "exch2.pfx"), env: pw, exit: 2, subject: "exch2.pfx", problem: `^the PFX has no MAC \(integrity check\) and its content is encrypted with a password, which cannot be read`},
		{name: "bind/pfx-huge-mac-iterations", setup: files(file("exch2.pfx", hugeMAC)),
			args: bind("--password-env", "PFX_PASSWORD", "exch2.pfx"), env: pw, exit: 2, subject: "exch2.pfx", problem: `2147483647 iterations for the MAC; the limit is 300000`},
		{name: "bind/pfx-huge-key-iterations", setup: files(file("exch2.pfx", hugeKey)),
			args: bind("--password-env", "PFX_PASSWORD", "exch2.pfx"), env: pw, exit: 2, subject: "exch2.pfx", problem: `2147483647 iterations for an encryption key; the limit is 300000`},
		{name: "bind/pfx-huge-pbkdf2-iterations", setup: files(file("exch2.pfx", hugePBKDF2)),
			args: bind("--password-env", "PFX_PASSWORD", "exch2.pfx"), env: pw, exit: 2, subject: "exch2.pfx", problem: `1099511627776 iterations for PBKDF2; the limit is 300000`},
		{name: "bind/pfx-negative-iterations", setup: files(file("exch2.pfx", negMAC)),
			args: bind("--password-env", "PFX_PASSWORD", "exch2.pfx"), env: pw, exit: 2, subject: "exch2.pfx", problem: `damaged: the MAC has iteration count -1`},
		// Nested SafeContents bags and BER are read, as Windows reads them
		// (inspect's TestLoadPFXAsWindowsReadsIt); too deep a nesting and a
		// cut BER file are not.
		{name: "bind/pfx-ber-truncated", setup: files(file("exch2.pfx", ber[:len(ber)-30])),
			args: bind("--password-env", "PFX_PASSWORD", "exch2.pfx"), env: pw, exit: 2, subject: "exch2.pfx", problem: `the BER \(indefinite-length\) PFX does not end where it should`},
		{name: "bind/pfx-500-nested-bags", setup: files(file("exch2.pfx", nest500)),
			args: bind("exch2.pfx"), exit: 2, subject: "exch2.pfx", problem: `damaged`},
		{name: "bind/pfx-truncated", setup: files(file("exch2.pfx", fx.pfx[:len(fx.pfx)/2])),
			args: bind("--password-env", "PFX_PASSWORD", "exch2.pfx"), env: pw, exit: 2, subject: "exch2.pfx", problem: `^PFX is truncated: \d+ of \d+ bytes$`},
		{name: "bind/pfx-no-password-source", setup: files(file("exch2.pfx", fx.pfx)),
			args: bind("exch2.pfx"), exit: 2, subject: "exch2.pfx", problem: `password`},
		{name: "bind/password-file-directory", setup: files(file("exch2.pfx", fx.pfx), folder("pw")),
			args: bind("--password-file", "pw", "exch2.pfx"), exit: 2, subject: "pw", problem: `^is a directory, not a file$`},
		{name: "bind/cert-empty", setup: files(file("exch2.cer", nil)),
			args: bind("exch2.cer"), exit: 2, subject: "exch2.cer", problem: `^the file is empty, not a certificate file$`},
		{name: "bind/cert-json", setup: files(file("exch2.cer", fx.planJSON)),
			args: bind("exch2.cer"), exit: 2, subject: "exch2.cer", problem: `^the file is JSON, not a certificate file$`},
		{name: "bind/cert-100MB", setup: sparse("exch2.cer", hundredMB),
			args: bind("exch2.cer"), exit: 2, subject: "exch2.cer", problem: `^file is 104857600 bytes; the limit is 4194304$`},
		{name: "bind/cert-is-a-request", setup: files(file("exch2.cer", fx.csrPEM)),
			args: bind("exch2.cer"), exit: 2, subject: "exch2.cer", problem: `^is a certificate request, not the certificate the CA issued$`},
		{name: "bind/cert-with-key", setup: files(file("exch2.pem", append(append([]byte{}, fx.leafPEM...), fx.keyPEM...))),
			args: bind("exch2.pem"), exit: 2, subject: "exch2.pem", problem: `^holds a private key`},
		{name: "bind/cert-nul-in-name", setup: files(file("exch2.cer", fx.nulPEM)),
			// The certificate does not cover exch2.acme.com: NUL ends the
			// name in C, not here.
			// The script is written with its warning block; exit 1.
			args: bind("exch2.cer"), exit: 1, stdout: `Enable-ExchangeCertificate`,
			stderr: `(?m)^exchcert: warning: exch2\.cer does not cover the planned exch2\.acme\.com: `},
		{name: "bind/cert-10000-names", setup: files(file("exch2.cer", fx.manyPEM)),
			args: bind("exch2.cer", "--allow-missing"), exit: 0, stdout: `Enable-ExchangeCertificate`},
		{name: "bind/out-exists", setup: files(file("exch2.cer", fx.chainPEM), file("bind.ps1", []byte("the old script"))),
			args: bind("exch2.cer", "--out", "bind.ps1"), exit: 2, subject: "bind.ps1", problem: `^already exists \(use --force to replace it\)$`},
		{name: "bind/disk-full", fsize: 2048, setup: files(file("exch2.cer", fx.chainPEM), file("bind.ps1", []byte("the old script"))),
			args: bind("exch2.cer", "--out", "bind.ps1", "--force"), exit: 2, subject: "bind.ps1", problem: `^no room to write it \(file too large\); nothing was written \(free some space, or write it elsewhere\)$`},

		// exchcert inspect FILE...
		{name: "inspect/garbage", setup: files(file("delivered.p7b", garbage)),
			args: []string{"inspect", "delivered.p7b"}, exit: 2, subject: "delivered.p7b", problem: `^not a certificate, request, key or PFX file \(expected a PEM, DER, \.p7b or \.pfx certificate file, or a request\)$`},
		{name: "inspect/truncated-p7b", setup: files(file("delivered.p7b", testpki.P7B(x509Of(fx.leafPEM), fx.inter.Cert.Cert)[:500])),
			args: []string{"inspect", "delivered.p7b"}, exit: 2, subject: "delivered.p7b", problem: `^PKCS#7 structure is truncated: \d+ of \d+ bytes \(get the file from the CA again\)$`},
		{name: "inspect/endless-device", needs: "unix",
			args: []string{"inspect", "/dev/zero"}, exit: 2, subject: "/dev/zero", problem: `^file is larger than 4194304 bytes$`},
		{name: "inspect/second-file-missing", setup: files(file("a.pem", fx.chainPEM)),
			args: []string{"inspect", "a.pem", "b.pem"}, exit: 2, subject: "b.pem", problem: `^no such file$`},
		{name: "inspect/pfx-wrong-password", setup: files(file("exch2.pfx", fx.pfxModern)),
			args: []string{"inspect", "--password-env", "PFX_PASSWORD", "exch2.pfx"}, env: []string{"PFX_PASSWORD=wrong"}, exit: 2, subject: "exch2.pfx", problem: `^wrong password for PFX`},
		{name: "inspect/pfx-huge-pbkdf2-iterations", setup: files(file("exch2.pfx", hugePBKDF2)),
			args: []string{"inspect", "--password-env", "PFX_PASSWORD", "exch2.pfx"}, env: pw, exit: 2, subject: "exch2.pfx", problem: `iterations for PBKDF2; the limit is 300000`},
		{name: "inspect/key-is-a-certificate", setup: files(file("a.pem", fx.chainPEM), file("exch2.key", fx.leafPEM)),
			args: []string{"inspect", "--key", "exch2.key", "a.pem"}, exit: 2, subject: "exch2.key", problem: `^holds no private key`},
		{name: "inspect/nul-in-name", setup: files(file("exch2.cer", fx.nulPEM)),
			// Reported, not matched: exch2.acme.com is not covered.
			args: inspectPlan("exch2.cer"), exit: 1, stdout: `name-not-covered`},
		{name: "inspect/10000-names-1000-planned", setup: func(t *testing.T, dir string) {
			files(file("exch2.cer", fx.manyPEM), file("big.plan.json", planDoc(t, fx.planJSON, func(m map[string]any) {
				m["names"] = append(manyNames(plan.MaxNames-1, true), map[string]any{"name": "exch2.acme.com"})
			})))(t, dir)
		}, args: []string{"inspect", "--plan", "big.plan.json", "exch2.cer"}, exit: 1, stdout: `host09998\.acme\.com`},
		{name: "inspect/10001-names", setup: files(file("exch2.cer", fx.tooManyPEM)),
			args: inspectPlan("exch2.cer"), exit: 2, subject: "exch2.cer", problem: `^certificate 1 has 10001 names; the limit is 10000$`},

		{name: "inspect/1001-certificates", setup: files(file("bundle.pem", bytes.Repeat(fx.leafPEM, 1001))),
			args: []string{"inspect", "bundle.pem"}, exit: 2, subject: "bundle.pem", problem: `^the file holds 1001 certificates, requests and keys; the limit is 1000$`},
		{name: "inspect/decoy-issuers", setup: files(file("decoys.pem", fx.decoys)),
			// Leaves whose issuer name many CA certificates carry with
			// another key: every chain search gives up after 100
			// signature checks instead of trying them all for each leaf.
			args: []string{"inspect", "decoys.pem"}, exit: 1, stdout: `chain-incomplete|chain-untrusted`},
		{name: "pfx/decoy-issuers", setup: files(file("cert.pem", append(append([]byte{}, fx.decoys...), fx.chainPEM...)), file("exch2.key", fx.keyPEM)),
			// 150 CA certificates named like the intermediate come first:
			// the chain search gives up after 100 signature checks, and
			// the PFX is written with a warning that the chain is incomplete.
			args: pfxArgs("cert.pem", "exch2.key", "exch2.pfx"), env: pw, exit: 0, creates: []string{"exch2.pfx"}, stdout: `Wrote exch2\.pfx`,
			stderr: `(?m)^exchcert: warning: the chain is incomplete: the issuer "CN=exchcert Bad Input Intermediate`},

		// exchcert lint: a tree of everything above at once.
		{name: "lint/bad-tree", needs: "unix", setup: then(
			files(file("certs/garbage.pem", garbage), file("certs/trunc.pem", fx.leafPEM[:len(fx.leafPEM)-40]),
				file("certs/huge-iterations.pfx", hugeMAC), file("certs/nested.pfx", nest3), file("certs/no-mac.pfx", pfxEdit(testpki.PFXWithoutMAC, fx.pfx)),
				file("certs/many.pem", bytes.Repeat(fx.leafPEM, 1001)), file("certs/names.pem", fx.tooManyPEM), file("certs/ok.pem", fx.chainPEM)),
			sparse("certs/big.cer", hundredMB),
			symlink("..", "certs/sub/up"), symlink("nowhere", "certs/broken.pem")),
			args: []string{"lint", "--no-zlint", "certs"}, exit: 1,
			stdout: `(?s)certs/broken\.pem\n  error   unreadable: cannot read: broken symbolic link.*certs/huge-iterations\.pfx.*2147483647 iterations.*certs/many\.pem.*1001 certificates.*certs/names\.pem.*10001 names.*certs/no-mac\.pfx.*no MAC.*certs/trunc\.pem\n  error   damaged-file`},
		{name: "lint/named-pipe", needs: "unix", setup: fifo("certs/pipe.pem"),
			// Opening a pipe without a writer would block forever.
			args: []string{"lint", "--no-zlint", "certs"}, exit: 0, stdout: `certs/pipe\.pem\n  warning not-regular-file: not checked: this is a named pipe, not a file`},
		{name: "lint/missing-path", args: []string{"lint", "nowhere"}, exit: 2, subject: "nowhere", problem: `^no such file or folder$`},
		{name: "lint/plan-garbage", setup: files(file("acme.plan.json", garbage), folder("certs")),
			args: []string{"lint", "--plan", "acme.plan.json", "certs"}, exit: 2, subject: "acme.plan.json", problem: `^not a plan document: `},

		// exchcert acme: local inputs are checked before the CA is asked
		// (the --server on 127.0.0.1 port 1 is never reached).
		{name: "acme/key-garbage", setup: files(file("exch2.key", garbage)),
			args: acmeArgs("--key", "exch2.key"), env: pw, exit: 2, subject: "exch2.key", problem: `^not a private key: `},
		{name: "acme/key-100MB", setup: sparse("exch2.key", hundredMB),
			args: acmeArgs("--key", "exch2.key"), env: pw, exit: 2, subject: "exch2.key", problem: `^file is 104857600 bytes; the limit is 1048576$`},
		{name: "acme/server-root-garbage", setup: files(file("root.pem", garbage)),
			args: acmeArgs("--server-root", "root.pem"), env: pw, exit: 2, subject: "root.pem", problem: `^--server-root: not a certificate`},
		{name: "acme/roots-100MB", setup: sparse("roots.pem", hundredMB),
			args: acmeArgs("--roots", "roots.pem"), env: pw, exit: 2, subject: "roots.pem", problem: `^file is 104857600 bytes; the limit is 4194304$`},
		{name: "acme/state-dir-is-a-file", setup: files(file("state", []byte("x"))),
			args: acmeArgs("--state-dir", "state"), env: pw, exit: 2, subject: "state", problem: `^not a folder`},

		// exchcert probe: a bad --roots file, and a server that never stops talking.
		{name: "probe/roots-garbage", setup: files(file("roots.pem", garbage)),
			args: []string{"probe", "mail.acme.com", "--roots", "roots.pem"}, exit: 2, subject: "roots.pem", problem: `certificate`},
		{name: "probe/roots-100MB", setup: sparse("roots.pem", hundredMB),
			args: []string{"probe", "mail.acme.com", "--roots", "roots.pem"}, exit: 2, subject: "roots.pem", problem: `^file is 104857600 bytes; the limit is 4194304$`},
	}
}

// hostileProbeCase is added by TestBadInputProbe: it needs a server.

func TestBadInputProbe(t *testing.T) {
	exe, err := exec.LookPath("exchcert")
	if err != nil {
		t.Fatal(err)
	}
	addr := hostileServer(t)
	args := []string{"probe", "mail.acme.com", "--timeout", "5s"}
	for _, s := range []string{"https", "smtp", "submission", "imap", "imaps", "pop3", "pop3s", "autodiscover.acme.com", "acme.com"} {
		args = append(args, "--addr", s+"="+addr)
	}
	setBaseRSS(t, exe)
	runBadCase(t, exe, badCase{name: "probe/endless-server", args: args, exit: 1, stdout: `mail\.acme\.com`})
}

func x509Of(p []byte) *x509.Certificate {
	c, err := x509.ParseCertificate(derOf(p))
	if err != nil {
		panic(err)
	}
	return c
}

func stringsOf(vs []any) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.(string)
	}
	sort.Strings(out)
	return out
}

func utf16Bytes(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return b
}

// derHeaderLen returns the length of the tag and length octets of the DER
// element at the start of b (a low tag number, as every PFX has).
func derHeaderLen(b []byte) int {
	if b[1] < 0x80 {
		return 2
	}
	return 2 + int(b[1]&0x7f)
}
