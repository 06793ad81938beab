package lint

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	zl "github.com/zmap/zlint/v3/lint"

	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/internal/testpki"
)

// testPKI is one root and intermediate for the package's tests, made once:
// RSA key generation is the slow part of these tests.
var testPKI = sync.OnceValues(func() ([2]*testpki.CA, error) {
	root, err := testpki.NewRoot("lint Test Root")
	if err != nil {
		return [2]*testpki.CA{}, err
	}
	inter, err := root.Intermediate("lint Test Intermediate")
	return [2]*testpki.CA{root, inter}, err
})

// testCA is the issuing CA of the tests.
func testCA() (*testpki.CA, error) {
	p, err := testPKI()
	return p[1], err
}

// testRoots trusts the test root.
func testRoots(t testing.TB) *x509.CertPool {
	p, err := testPKI()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(p[0].Cert.Cert)
	return pool
}

var testKeys sync.Map // testpki.KeyType → crypto.Signer

func testKey(t testing.TB, kt testpki.KeyType) crypto.Signer {
	t.Helper()
	if k, ok := testKeys.Load(kt); ok {
		return k.(crypto.Signer)
	}
	k, err := testpki.NewKey(kt)
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := testKeys.LoadOrStore(kt, k)
	return k2.(crypto.Signer)
}

// leaf issues a public-CA-shaped leaf for names with key, after edit
// changes the template.
func leaf(t testing.TB, key crypto.Signer, edit func(*x509.Certificate), names ...string) *x509.Certificate {
	t.Helper()
	ca, err := testCA()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := testpki.PublicLeaf(names, now.Add(-time.Hour), now.Add(90*24*time.Hour))
	if edit != nil {
		edit(tmpl)
	}
	c, err := ca.Sign(tmpl, key.Public())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func keyPEM(t testing.TB, k crypto.Signer) []byte {
	t.Helper()
	b, err := testpki.KeyPEM(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func write(t testing.TB, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// recorder is a Writer that keeps what it is given.
type recorder struct {
	files []*File
	sum   *Summary
}

func (r *recorder) WriteFile(f *File) error { r.files = append(r.files, f); return nil }
func (r *recorder) Close(s *Summary) error  { r.sum = s; return nil }

func (r *recorder) codes() map[string][]string {
	m := map[string][]string{}
	for _, f := range r.files {
		p := filepath.ToSlash(f.Path)
		m[p] = []string{}
		for _, x := range f.Findings {
			m[p] = append(m[p], x.Code)
		}
	}
	return m
}

// makeTree writes a tree with one file of each kind lint must handle and
// returns its root.
func makeTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ca, err := testCA()
	if err != nil {
		t.Fatal(err)
	}
	key := testKey(t, testpki.RSA2048)
	other := testKey(t, testpki.ECDSAP256)
	good := leaf(t, key, nil, "exch2.acme.com", "autodiscover.acme.com")

	write(t, filepath.Join(dir, "good.pem"), testpki.PEM(good))
	write(t, filepath.Join(dir, "good.der"), good.Raw)
	write(t, filepath.Join(dir, "chain", "fullchain.pem"), testpki.PEM(good, ca.Cert.Cert))
	// A matching pair by name, and a pair that does not match.
	write(t, filepath.Join(dir, "pair", "exch2.crt"), testpki.PEM(good))
	write(t, filepath.Join(dir, "pair", "exch2.key"), keyPEM(t, key))
	write(t, filepath.Join(dir, "mismatch", "exch3.crt"), testpki.PEM(good))
	write(t, filepath.Join(dir, "mismatch", "exch3.key"), keyPEM(t, other))
	write(t, filepath.Join(dir, "mismatch", "bundle.pem"), append(testpki.PEM(good), keyPEM(t, other)...))
	// zlint: a weak key, and a private-CA leaf without policy or AIA.
	write(t, filepath.Join(dir, "weak.pem"), testpki.PEM(leaf(t, testKey(t, testpki.RSA1024), nil, "weak.acme.com")))
	write(t, filepath.Join(dir, "private.pem"), testpki.PEM(leaf(t, key, func(c *x509.Certificate) {
		c.Policies, c.OCSPServer, c.IssuingCertificateURL, c.CRLDistributionPoints = nil, nil, nil, nil
	}, "private.acme.com")))
	// Not certificate files.
	write(t, filepath.Join(dir, "README.md"), []byte("# certificates\n"))
	write(t, filepath.Join(dir, "empty.pem"), nil)
	write(t, filepath.Join(dir, "script.ps1"), []byte("Import-ExchangeCertificate -FileData $b\r\n"))
	// Files of other kinds: a CRL, and a key with no certificate by it.
	crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1),
		ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour)}, ca.Cert.Cert, ca.Key)
	must(t, err)
	write(t, filepath.Join(dir, "other", "revoked.crl"), crl)
	write(t, filepath.Join(dir, "other", "loose.key"), keyPEM(t, other))
	// Version control is skipped.
	write(t, filepath.Join(dir, ".git", "old.pem"), testpki.PEM(good))
	// Links: to a file (checked), to the tree itself (not followed, or the
	// walk would loop), and to nothing (a finding).
	if runtime.GOOS != "windows" {
		must(t, os.Symlink("good.pem", filepath.Join(dir, "link.pem")))
		must(t, os.Symlink(".", filepath.Join(dir, "loop")))
		must(t, os.Symlink("gone.pem", filepath.Join(dir, "broken.pem")))
		must(t, mkfifo(filepath.Join(dir, "pipe.pem")))
	}
	return dir
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestRunTree(t *testing.T) {
	dir := makeTree(t)
	linter, err := NewLinter(nil)
	must(t, err)
	rec := &recorder{}
	sum, err := Run(context.Background(), Options{Paths: []string{dir}, Jobs: 3, Linter: linter, Roots: testRoots(t)}, rec)
	must(t, err)

	got := rec.codes()
	rel := map[string][]string{}
	for p, codes := range got {
		r, err := filepath.Rel(filepath.ToSlash(dir), p)
		must(t, err)
		slices.Sort(codes)
		rel[filepath.ToSlash(r)] = codes
	}
	want := map[string][]string{
		"good.pem":            {},
		"good.der":            {},
		"chain/fullchain.pem": {},
		"pair/exch2.crt":      {},
		"pair/exch2.key":      {},
		"mismatch/exch3.crt":  {inspect.CodeKeyMismatch},
		"mismatch/exch3.key":  {},
		// A file with the key is deployed as it is: without the
		// intermediate, clients cannot build the chain.
		"mismatch/bundle.pem": {inspect.CodeChainIncomplete, inspect.CodeKeyMismatch},
		"weak.pem":            {"e_rsa_mod_less_than_2048_bits", inspect.CodeWeakKey},
		"private.pem": {"e_missing_crl_distrib_point", "e_sub_cert_aia_missing", "e_sub_cert_cert_policy_empty",
			"e_sub_cert_certificate_policies_missing", "w_sub_cert_aia_does_not_contain_issuing_ca_url"},
	}
	if runtime.GOOS != "windows" {
		want["link.pem"] = []string{}
		want["broken.pem"] = []string{CodeUnreadable}
		want["pipe.pem"] = []string{CodeNotRegular}
	}
	for p, w := range want {
		g, ok := rel[p]
		if !ok {
			t.Errorf("%s: not reported", p)
			continue
		}
		if !slices.Equal(g, w) {
			t.Errorf("%s: codes %v, want %v", p, g, w)
		}
	}
	// Files of other kinds are ignored, and say why; key files next to
	// their certificate are checked with it.
	var reasons []string
	for _, f := range rec.files {
		if f.IgnoredReason != "" {
			r, err := filepath.Rel(dir, f.Path)
			must(t, err)
			reasons = append(reasons, filepath.ToSlash(r)+": "+f.IgnoredReason)
			delete(rel, filepath.ToSlash(r))
		}
	}
	slices.Sort(reasons)
	if w := []string{"other/loose.key: a private key, not a certificate", "other/revoked.crl: a certificate revocation list (CRL), not a certificate"}; !slices.Equal(reasons, w) {
		t.Errorf("ignored with reasons %q, want %q", reasons, w)
	}
	for p := range rel {
		if _, ok := want[p]; !ok {
			t.Errorf("%s: reported, want ignored or skipped", p)
		}
	}

	// Walk order: each folder's entries sorted by name, folders in place.
	var order []string
	for _, f := range rec.files {
		order = append(order, f.Path)
	}
	if !slices.IsSortedFunc(order, func(a, b string) int {
		return strings.Compare(filepath.ToSlash(a), filepath.ToSlash(b))
	}) {
		t.Errorf("files not in walk order: %q", order)
	}
	if sum.Ignored != 5 {
		t.Errorf("ignored %d files, want 5 (README.md, empty.pem, script.ps1, revoked.crl, loose.key)", sum.Ignored)
	}
	if rec.sum != sum {
		t.Error("Close got another summary than Run returned")
	}
	if sum.Errors == 0 || sum.Failed == 0 || !sum.HasFailures() {
		t.Errorf("summary %+v: want errors and failures", sum)
	}
}

func TestRunFailOnWarning(t *testing.T) {
	dir := t.TempDir()
	// A Common Name draws a BR warning (7.1.4.3 "NOT RECOMMENDED"), nothing else.
	write(t, filepath.Join(dir, "cn.pem"), testpki.PEM(leaf(t, testKey(t, testpki.RSA2048), func(c *x509.Certificate) {
		c.Subject.CommonName = "exch2.acme.com"
	}, "exch2.acme.com")))
	linter, err := NewLinter(nil)
	must(t, err)
	for _, tc := range []struct {
		failOn finding.Severity
		failed int
	}{{finding.Error, 0}, {finding.Warning, 1}} {
		sum, err := Run(context.Background(), Options{Paths: []string{dir}, Linter: linter, FailOn: tc.failOn}, &recorder{})
		must(t, err)
		if sum.Warnings != 1 || sum.Errors != 0 {
			t.Fatalf("summary %+v, want exactly one warning", sum)
		}
		if sum.Failed != tc.failed {
			t.Errorf("--fail-on %s: %d failed files, want %d", tc.failOn, sum.Failed, tc.failed)
		}
	}
}

func TestRunNoZlint(t *testing.T) {
	dir := makeTree(t)
	rec := &recorder{}
	_, err := Run(context.Background(), Options{Paths: []string{dir}}, rec)
	must(t, err)
	for _, f := range rec.files {
		for _, x := range f.Findings {
			if x.Source != SourceExchcert {
				t.Errorf("%s: zlint finding %s without a Linter", f.Path, x.Code)
			}
		}
	}
}

func TestRunPaths(t *testing.T) {
	dir := makeTree(t)
	// A file given directly is checked whatever its name; paths keep their
	// order.
	rec := &recorder{}
	_, err := Run(context.Background(), Options{Paths: []string{
		filepath.Join(dir, "weak.pem"), filepath.Join(dir, "good.pem"),
	}}, rec)
	must(t, err)
	if len(rec.files) != 2 || filepath.Base(rec.files[0].Path) != "weak.pem" || filepath.Base(rec.files[1].Path) != "good.pem" {
		t.Errorf("files %v, want weak.pem then good.pem", rec.files)
	}

	// A path that does not exist is an error before anything is written.
	_, err = Run(context.Background(), Options{Paths: []string{dir, filepath.Join(dir, "nope")}}, &recorder{})
	var pe *PathError
	if !errors.As(err, &pe) || filepath.Base(pe.Path) != "nope" {
		t.Errorf("missing path: err %v, want a *PathError for nope", err)
	}

	// --exclude by name and by path below the root.
	rec = &recorder{}
	_, err = Run(context.Background(), Options{Paths: []string{dir}, Exclude: []string{"mismatch", "*.der", "chain/*.pem"}}, rec)
	must(t, err)
	for _, f := range rec.files {
		p := filepath.ToSlash(f.Path)
		if strings.Contains(p, "/mismatch/") || strings.HasSuffix(p, ".der") || strings.Contains(p, "/chain/") {
			t.Errorf("%s: not excluded", p)
		}
	}
	if _, err := Run(context.Background(), Options{Paths: []string{dir}, Exclude: []string{"["}}, &recorder{}); err == nil {
		t.Error("a bad --exclude pattern was accepted")
	}
}

// TestRunOrderedBounded checks the two promises of the runner: results in
// walk order whatever order the workers finish in, and never more than the
// window of files between the walk and the sink.
func TestRunOrderedBounded(t *testing.T) {
	dir := t.TempDir()
	const n = 500
	for i := range n {
		write(t, filepath.Join(dir, fmt.Sprintf("d%d", i%7), fmt.Sprintf("f%04d.txt", i)), []byte("x"))
	}
	const jobs = 5
	var inFlight, peak atomic.Int64
	var seen []string
	check := func(j job) *File {
		if v := inFlight.Add(1); v > peak.Load() {
			peak.Store(v)
		}
		time.Sleep(time.Duration(len(j.path)%3) * 100 * time.Microsecond) // finish out of order
		return &File{Path: j.path}
	}
	err := runOrdered(context.Background(), walkOptions{paths: []string{dir}}, jobs, check, func(f *File) error {
		inFlight.Add(-1)
		seen = append(seen, f.Path)
		return nil
	})
	must(t, err)
	if len(seen) != n {
		t.Fatalf("%d results, want %d", len(seen), n)
	}
	if !slices.IsSorted(seen) {
		t.Error("results not in walk order")
	}
	if p := peak.Load(); p > 4*jobs {
		t.Errorf("%d files in flight at once, want at most %d", p, 4*jobs)
	}
}

func TestRunStopsOnWriterError(t *testing.T) {
	dir := t.TempDir()
	for i := range 200 {
		write(t, filepath.Join(dir, fmt.Sprintf("f%04d.txt", i)), []byte("x"))
	}
	boom := errors.New("disk full")
	for _, jobs := range []int{1, 4} {
		calls := 0
		err := runOrdered(context.Background(), walkOptions{paths: []string{dir}}, jobs, func(j job) *File { return &File{Path: j.path} },
			func(*File) error {
				calls++
				if calls == 10 {
					return boom
				}
				return nil
			})
		if !errors.Is(err, boom) {
			t.Fatalf("jobs=%d: err %v, want the writer's error", jobs, err)
		}
		if calls != 10 {
			t.Errorf("jobs=%d: sink called %d times, want 10", jobs, calls)
		}
	}
}

func TestRunCancelled(t *testing.T) {
	dir := makeTree(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, jobs := range []int{1, 3} {
		if _, err := Run(ctx, Options{Paths: []string{dir}, Jobs: jobs}, &recorder{}); !errors.Is(err, context.Canceled) {
			t.Errorf("jobs=%d: err %v, want context.Canceled", jobs, err)
		}
	}
}

func TestNewLinter(t *testing.T) {
	def, err := NewLinter(nil)
	must(t, err)
	if !slices.Equal(def.Sources(), []string{"CABF_BR", "RFC5280"}) || def.Len() < 100 {
		t.Errorf("default linter: sources %v, %d lints", def.Sources(), def.Len())
	}
	all, err := NewLinter([]string{"all"})
	must(t, err)
	if all.Len() <= def.Len() || len(all.Sources()) != len(Sources()) {
		t.Errorf("all: %d lints from %v", all.Len(), all.Sources())
	}
	lower, err := NewLinter([]string{" rfc5280 ", "RFC5280"})
	must(t, err)
	if !slices.Equal(lower.Sources(), []string{"RFC5280"}) {
		t.Errorf("rfc5280: sources %v", lower.Sources())
	}
	if _, err := NewLinter([]string{"RFC9999"}); err == nil || !strings.Contains(err.Error(), "CABF_BR") {
		t.Errorf("unknown source: err %v, want one that lists the sources", err)
	}

	// RFC 5280's subject key identifier wish yields to the BR when both run.
	has := func(l *Linter, name string) bool {
		return slices.ContainsFunc(l.lints, func(cl *zl.CertificateLint) bool { return cl.Name == name })
	}
	const ski = "w_ext_subject_key_identifier_missing_sub_cert"
	if has(def, ski) || !has(lower, ski) {
		t.Errorf("%s: in default %v (want false), in RFC5280 alone %v (want true)", ski, has(def, ski), has(lower, ski))
	}
}

func TestZlintFindings(t *testing.T) {
	l, err := NewLinter(nil)
	must(t, err)
	c := leaf(t, testKey(t, testpki.RSA1024), nil, "weak.acme.com")
	fs := l.Lint(c.Raw, "weak.pem: weak.acme.com")
	if len(fs) != 1 {
		t.Fatalf("findings %+v, want one", fs)
	}
	f := fs[0]
	if f.Code != "e_rsa_mod_less_than_2048_bits" || f.Severity != finding.Error || f.Source != "CABF_BR" ||
		f.Citation != "BRs: 6.1.5" || f.Rule == "" || f.Subject != "weak.pem: weak.acme.com" {
		t.Errorf("finding %+v", f)
	}
	bad := l.Lint([]byte{0x30, 0x03, 0x02, 0x01, 0x01}, "x")
	if len(bad) != 1 || bad[0].Code != CodeZlintUnparsable || bad[0].Severity != finding.Error {
		t.Errorf("unparsable: %+v", bad)
	}
}

func TestPEMLines(t *testing.T) {
	key := testKey(t, testpki.RSA2048)
	a := leaf(t, key, nil, "a.acme.com")
	b := leaf(t, key, nil, "b.acme.com")
	data := []byte("Subject: a\r\n")
	data = append(data, testpki.PEM(a)...)
	data = append(data, "\n# the next one\n-----BEGIN JUNK-----\n"...)
	lineB := bytes.Count(data, []byte("\n")) + 1
	data = append(data, testpki.PEM(b)...)
	pemBundle := func(cs ...*x509.Certificate) *inspect.Bundle {
		return &inspect.Bundle{Format: inspect.FormatPEM, Certs: cs}
	}
	if got := pemLines(data, pemBundle(a, b)); !slices.Equal(got, []int{2, lineB}) {
		t.Errorf("lines %v, want [2 %d]", got, lineB)
	}
	// Fewer certificates than blocks (the loader dropped one): matched by
	// content.
	if got := pemLines(data, pemBundle(b)); !slices.Equal(got, []int{lineB}) {
		t.Errorf("lines %v, want [%d]", got, lineB)
	}
	if got := pemLines(b.Raw, &inspect.Bundle{Format: inspect.FormatDER, Certs: []*x509.Certificate{b}}); !slices.Equal(got, []int{0}) {
		t.Errorf("DER: lines %v, want [0]", got)
	}
}

func TestTooLarge(t *testing.T) {
	dir := t.TempDir()
	big := bytes.Repeat([]byte("A"), int(inspect.MaxFileSize)+10)
	pemBig := append([]byte("-----BEGIN CERTIFICATE-----\n"), big...)
	write(t, filepath.Join(dir, "huge.pem"), pemBig)
	write(t, filepath.Join(dir, "video.mp4"), big)
	rec := &recorder{}
	sum, err := Run(context.Background(), Options{Paths: []string{dir}}, rec)
	must(t, err)
	if len(rec.files) != 1 || filepath.Base(rec.files[0].Path) != "huge.pem" || rec.files[0].Findings[0].Code != CodeTooLarge {
		t.Errorf("files %+v, want huge.pem with %s", rec.files, CodeTooLarge)
	}
	if sum.Ignored != 1 {
		t.Errorf("ignored %d, want 1 (video.mp4)", sum.Ignored)
	}
}

func TestSpool(t *testing.T) {
	dir := t.TempDir()
	s := spool{dir: dir, limit: 10}
	var want bytes.Buffer
	for i := range 100 {
		line := fmt.Sprintf("line %d\n", i)
		want.WriteString(line)
		if _, err := s.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if s.file == nil {
		t.Fatal("did not spill to a file past the limit")
	}
	var got bytes.Buffer
	must(t, s.copyTo(&got))
	if got.String() != want.String() {
		t.Error("spooled bytes differ")
	}
	s.close()
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left %d temporary files", len(ents))
	}
}

func TestEscapeGitHub(t *testing.T) {
	for _, tc := range []struct{ in, data, prop string }{
		{"plain", "plain", "plain"},
		{"100%", "100%25", "100%25"},
		{"a\r\nb", "a%0D%0Ab", "a%0D%0Ab"},
		{"C:\\certs\\a,b.pem", "C:\\certs\\a,b.pem", "C%3A\\certs\\a%2Cb.pem"},
		{"x::y", "x::y", "x%3A%3Ay"},
		{"%0A", "%250A", "%250A"},
		{"esc\x1b[31m", "esc\x1b[31m", `esc\x1b[31m`},
	} {
		if got := escapeData(tc.in); got != tc.data {
			t.Errorf("escapeData(%q) = %q, want %q", tc.in, got, tc.data)
		}
		if got := escapeProperty(tc.in); got != tc.prop {
			t.Errorf("escapeProperty(%q) = %q, want %q", tc.in, got, tc.prop)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for i, name := range FormatNames() {
		f, err := ParseFormat(strings.ToUpper(name))
		if err != nil || int(f) != i || f.String() != name {
			t.Errorf("ParseFormat(%q) = %v, %v", name, f, err)
		}
	}
	if _, err := ParseFormat("xml"); err == nil || !strings.Contains(err.Error(), "text|json|junit|sarif|github") {
		t.Errorf("ParseFormat(xml): %v", err)
	}
}

var _ io.Writer = (*spool)(nil)

// TestRunUnreadable: mode 000 files and folders, and links that loop.
// Root reads anything whatever its mode, so as root the same files are
// simply checked; the broken link and the pipe of makeTree are unreadable
// for everyone.
func TestRunUnreadable(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no mode bits or symbolic links without privileges on Windows")
	}
	dir := t.TempDir()
	cert := testpki.PEM(leaf(t, testKey(t, testpki.ECDSAP256), nil, "exch2.acme.com"))
	write(t, filepath.Join(dir, "locked.pem"), cert)
	write(t, filepath.Join(dir, "closed", "inside.pem"), cert)
	must(t, os.Chmod(filepath.Join(dir, "locked.pem"), 0))
	must(t, os.Chmod(filepath.Join(dir, "closed"), 0))
	t.Cleanup(func() { os.Chmod(filepath.Join(dir, "closed"), 0o755) })
	must(t, os.Symlink("l2.pem", filepath.Join(dir, "l1.pem")))
	must(t, os.Symlink("l1.pem", filepath.Join(dir, "l2.pem")))

	rec := &recorder{}
	_, err := Run(context.Background(), Options{Paths: []string{dir}, Roots: testRoots(t)}, rec)
	must(t, err)
	got := map[string]string{}
	for _, f := range rec.files {
		msg := ""
		if len(f.Findings) > 0 {
			msg = f.Findings[0].Code + ": " + f.Findings[0].Message
		}
		got[filepath.Base(f.Path)] = msg
	}
	want := map[string]string{
		"l1.pem": "unreadable: cannot read: symbolic link to l2.pem: symbolic link loop",
		"l2.pem": "unreadable: cannot read: symbolic link to l1.pem: symbolic link loop",
	}
	if os.Geteuid() == 0 {
		want["locked.pem"] = ""
		want["inside.pem"] = ""
	} else {
		want["locked.pem"] = "unreadable: cannot read: permission denied"
		want["closed"] = "unreadable: cannot read: permission denied"
	}
	if !maps.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestZlintOncePerCertificate: the same certificate in several files is
// linted once, and each file still gets the findings, labelled with its
// own name.
func TestZlintOncePerCertificate(t *testing.T) {
	dir := t.TempDir()
	weak := leaf(t, testKey(t, testpki.RSA1024), nil, "weak.acme.com")
	write(t, filepath.Join(dir, "a.pem"), testpki.PEM(weak))
	write(t, filepath.Join(dir, "b.der"), weak.Raw)
	linter, err := NewLinter(nil)
	must(t, err)
	rec := &recorder{}
	_, err = Run(context.Background(), Options{Paths: []string{dir}, Linter: linter}, rec)
	must(t, err)
	var subjects []string
	for _, f := range rec.files {
		for _, x := range f.Findings {
			if x.Code == "e_rsa_mod_less_than_2048_bits" {
				subjects = append(subjects, x.Subject)
			}
		}
	}
	if !slices.Equal(subjects, []string{"a.pem: weak.acme.com", "b.der: weak.acme.com"}) {
		t.Errorf("subjects %q", subjects)
	}
}

// TestCheckSingleAsCheck: the short way for a lone certificate finds what
// inspect.Check finds, after keepInspect, or declines.
func TestCheckSingleAsCheck(t *testing.T) {
	p, err := testPKI()
	must(t, err)
	root, inter := p[0], p[1]
	key := testKey(t, testpki.ECDSAP256)
	now := time.Now()
	sign := func(ca *testpki.CA, edit func(*x509.Certificate)) *x509.Certificate {
		tmpl := testpki.PublicLeaf([]string{"exch2.acme.com"}, now.Add(-time.Hour), now.Add(90*24*time.Hour))
		if edit != nil {
			edit(tmpl)
		}
		c, err := ca.Sign(tmpl, key.Public())
		must(t, err)
		return c
	}
	selfSigned := func() *x509.Certificate {
		tmpl := testpki.PublicLeaf([]string{"exch2.acme.com"}, now.Add(-time.Hour), now.Add(90*24*time.Hour))
		tmpl.Subject = pkix.Name{CommonName: "exch2.acme.com"}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		must(t, err)
		c, err := x509.ParseCertificate(der)
		must(t, err)
		return c
	}
	critical := func(c *x509.Certificate) {
		c.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 55555, 1}, Critical: true, Value: []byte{5, 0}}}
	}
	rootsOnly := x509.NewCertPool()
	rootsOnly.AddCert(root.Cert.Cert)
	for _, tc := range []struct {
		name    string
		cert    *x509.Certificate
		roots   *x509.CertPool
		decline bool
	}{
		{"leaf, system roots", sign(inter, nil), nil, false},
		{"leaf, issuer missing", sign(inter, nil), rootsOnly, false},
		{"leaf from the root", sign(root, nil), rootsOnly, false},
		{"expired leaf", sign(inter, func(c *x509.Certificate) { c.NotBefore, c.NotAfter = now.Add(-90*24*time.Hour), now.Add(-time.Hour) }), rootsOnly, false},
		{"weak signature", sign(inter, func(c *x509.Certificate) { c.SignatureAlgorithm = x509.SHA1WithRSA }), nil, false},
		{"internal name, too long", sign(inter, func(c *x509.Certificate) {
			c.DNSNames = append(c.DNSNames, "exch2.corp.local")
			c.NotAfter = c.NotBefore.Add(500 * 24 * time.Hour)
		}), nil, false},
		{"no server auth", sign(inter, func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth} }), nil, false},
		{"intermediate alone", inter.Cert.Cert, nil, false},
		{"root alone", root.Cert.Cert, rootsOnly, false},
		{"self-signed leaf", selfSigned(), nil, true},
		{"unhandled critical extension, from the root", sign(root, critical), rootsOnly, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &inspect.Bundle{Name: "x.pem", Format: inspect.FormatPEM, Certs: []*x509.Certificate{tc.cert}}
			c := newChecker(Options{Roots: tc.roots, Now: now, MinDays: 30})
			fast, ok := c.checkSingle(b, false)
			if ok == tc.decline {
				t.Fatalf("checkSingle ok=%v, want %v", ok, !tc.decline)
			}
			var full finding.Findings
			for _, x := range inspect.Check([]*inspect.Bundle{b}, c.inspectOptions()).Findings {
				if keepInspect(x, b) {
					full = append(full, x)
				}
			}
			if !ok {
				if !slices.ContainsFunc(full, func(x finding.Finding) bool { return x.Code == inspect.CodeChainUntrusted }) {
					t.Errorf("declined, but Check finds no chain problem: %+v", full)
				}
				return
			}
			if quiet := strings.Contains(tc.name, "leaf,") || strings.HasSuffix(tc.name, "alone") || tc.name == "leaf from the root"; len(full) == 0 && !quiet {
				t.Errorf("Check finds nothing to compare")
			}
			if !slices.Equal(fast, full) {
				t.Errorf("checkSingle: %+v\nCheck:       %+v", fast, full)
			}
		})
	}
}
