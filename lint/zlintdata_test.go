package lint

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/internal/testpki"
)

// zlintTestdata returns the testdata folder of the zlint module in go.mod,
// from the Go module cache (it is there once the module is built). The
// test is skipped when it is absent, and fails when
// EXCHCERT_REQUIRE_TOOLS=1.
func zlintTestdata(t *testing.T) string {
	t.Helper()
	goBin := testpki.Tool(t, "go")
	out, err := exec.Command(goBin, "list", "-m", "-f", "{{.Dir}}", "github.com/zmap/zlint/v3").Output()
	dir := filepath.Join(strings.TrimSpace(string(out)), "testdata")
	if st, serr := os.Stat(dir); err != nil || serr != nil || !st.IsDir() {
		msg := "zlint's module folder is not in the Go module cache"
		if os.Getenv(testpki.RequireToolsEnv) == "1" {
			t.Fatalf("%s (go list: %v), and %s=1 requires it", msg, err, testpki.RequireToolsEnv)
		}
		t.Skip(msg)
	}
	return dir
}

// TestZlintTestdata runs lint on zlint v3.7.3's own test certificates,
// many of them malformed on purpose (critical AIA, negative serials and
// path lengths, bad name constraints, GeneralizedTime without seconds,
// UniversalString names, version 4, ...): every file that holds a
// certificate is read, none is reported damaged, and zlint's lints run on
// every certificate. crypto/x509 refuses 120 certificates in 115 of the
// files, which exchcert 0.x reported as damaged.
func TestZlintTestdata(t *testing.T) {
	if testing.Short() {
		t.Skip("lints 1,446 certificates")
	}
	dir := zlintTestdata(t)
	linter, err := NewLinter(nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	sum, err := Run(context.Background(), Options{Paths: []string{dir}, Linter: linter, LintCA: true}, rec)
	if err != nil {
		t.Fatal(err)
	}
	// 1,555 files: 1,446 hold a certificate (five of them two), the rest
	// are CRLs, OCSP responses, keys and notes.
	if sum.Files != 1555 || sum.CertificateFiles != 1446 || sum.Certificates != 1451 {
		t.Errorf("files %d, certificate files %d, certificates %d; want 1555, 1446, 1451", sum.Files, sum.CertificateFiles, sum.Certificates)
	}
	refused, zlinted := 0, 0
	codes := map[string]int{}
	for _, f := range rec.files {
		for _, x := range f.Findings {
			switch x.Code {
			case CodeDamaged, CodeZlintUnparsable, CodeUnsupported, CodeTooLarge:
				t.Errorf("%s: %s: %s", filepath.Base(f.Path), x.Code, x.Message)
			}
			if x.Source == SourceExchcert {
				codes[x.Code]++
			}
		}
		if len(f.Certificates) == 0 {
			continue
		}
		data, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := inspect.Load(f.Path, data, inspect.LoadOptions{})
		if err != nil {
			t.Errorf("%s: %v", f.Path, err)
			continue
		}
		refused += len(b.Refused)
		for _, c := range b.Certs {
			// What Linter.Lint parses: a certificate it cannot parse
			// would be a zlint-unparsable finding, checked above.
			if _, _, err := inspect.ParseZcrypto(c.Raw); err == nil {
				zlinted++
			}
		}
	}
	if refused != 120 || zlinted != 1451 {
		t.Errorf("%d certificates refused by crypto/x509 (want 120), %d linted by zlint (want 1451)", refused, zlinted)
	}
	// Each kind of refusal in zlint's test data has its own code.
	for code, n := range map[string]int{
		inspect.CodeBadNameConstraints: 31, inspect.CodeCriticalAIA: 27, inspect.CodeMalformedSAN: 17,
		inspect.CodeBadCertificatePolicy: 6, inspect.CodeDuplicateExtension: 6, inspect.CodeBadPolicyExtension: 5,
		inspect.CodeSignatureMismatch: 4, inspect.CodeBadTimeEncoding: 3, inspect.CodeRSAKeyParams: 3,
		inspect.CodeUnsupportedDNString: 3, inspect.CodeNegativePathLen: 2, inspect.CodeBadVersion: 2,
		inspect.CodeNegativeSerial: 2, inspect.CodeCriticalSKI: 2, inspect.CodeCriticalAKI: 1,
		inspect.CodeMalformedExtension: 1,
	} {
		if codes[code] != n {
			t.Errorf("%s: %d findings, want %d", code, codes[code], n)
		}
	}
	if codes[inspect.CodeRefusedByCryptoX509] != 0 {
		t.Errorf("%d refusals without a specific code", codes[inspect.CodeRefusedByCryptoX509])
	}
}
