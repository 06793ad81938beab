package lint_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/lint"
	"github.com/exchcert/exchcert/lint/linttest"
)

const sarifSchema = "../testdata/schema/sarif-schema-2.1.0.json"

// report runs lint on the test tree with format f.
func report(t *testing.T, dir string, f lint.Format, failOn finding.Severity) ([]byte, *lint.Summary) {
	t.Helper()
	linter, err := lint.NewLinter(nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sum, err := lint.Run(context.Background(), lint.Options{Paths: []string{dir}, Linter: linter, FailOn: failOn},
		lint.NewWriter(&out, f, lint.WriterOptions{FailOn: failOn, Version: "v1.2.3", TempDir: t.TempDir()}))
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), sum
}

func TestWriters(t *testing.T) {
	dir := lint.MakeTree(t)
	for _, failOn := range []finding.Severity{finding.Error, finding.Warning} {
		t.Run("fail-on-"+failOn.String(), func(t *testing.T) {
			for _, f := range []lint.Format{lint.Text, lint.JSON, lint.JUnit, lint.SARIF, lint.GitHub} {
				t.Run(f.String(), func(t *testing.T) {
					out, sum := report(t, dir, f, failOn)
					checkFormat(t, f, out, sum, true)
				})
			}
		})
	}
}

// checkFormat checks a report's structure and that it says what sum
// counts; tree adds the checks of what the test tree holds.
func checkFormat(t *testing.T, f lint.Format, out []byte, sum *lint.Summary, tree bool) {
	t.Helper()
	findings := sum.Errors + sum.Warnings + sum.Infos
	switch f {
	case lint.Text:
		s := string(out)
		if !strings.HasSuffix(s, sum.String()+"\n") {
			t.Errorf("text report does not end with the summary:\n%s", s)
		}
		if !tree {
			return
		}
		for _, want := range []string{"weak.pem (pem: 1 certificate)\n  error   weak-key (weak.pem: weak.acme.com): the certificate has an RSA key of 1024 bits",
			"  error   e_rsa_mod_less_than_2048_bits [CABF_BR] (weak.pem: weak.acme.com): For certificates",
			"          see: BRs: 6.1.5\n", "key-mismatch", "\n" + sum.String() + "\n"} {
			if !strings.Contains(s, want) {
				t.Errorf("text report lacks %q:\n%s", want, s)
			}
		}
		if !strings.Contains(s, "revoked.crl: ignored, a certificate revocation list (CRL), not a certificate\n") {
			t.Errorf("text report does not say what revoked.crl is:\n%s", s)
		}
		if strings.Contains(s, "good.pem") {
			t.Error("text report lists a file without findings")
		}
	case lint.JSON:
		r, err := linttest.CheckJSON(out)
		if err != nil {
			t.Fatal(err)
		}
		n, ignored := 0, 0
		for _, f := range r.Files {
			n += len(f.Findings)
			if f.IgnoredReason != "" {
				ignored++
				if len(f.Findings) != 0 || f.Format != "" {
					t.Errorf("%s: ignored, yet %d findings, format %q", f.Path, len(f.Findings), f.Format)
				}
			}
			if filepath.Base(f.Path) == "fullchain.pem" && (len(f.Certificates) != 2 || len(f.Certificates[0].Thumbprint) != 40 || f.Format == "") {
				t.Errorf("fullchain.pem: %+v", f)
			}
		}
		if n != findings || int(r.Summary["errors"].(float64)) != sum.Errors || r.Summary["fail_on"] != sum.FailOn.String() {
			t.Errorf("JSON has %d findings and summary %v; want %d and %+v", n, r.Summary, findings, sum)
		}
		if tree && (ignored != 2 || !bytes.Contains(out, []byte(`"ignored": "a private key, not a certificate"`))) {
			t.Errorf("JSON lists %d files ignored with a reason, want 2 with theirs", ignored)
		}
		if !json.Valid(out) {
			t.Error("invalid JSON")
		}
	case lint.JUnit:
		r, err := linttest.CheckJUnit(out)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		s := r.Suites[0]
		if s.Tests-s.Skipped != sum.Files-sum.Ignored {
			t.Errorf("%d test cases (%d skipped), want one per reported file (%d) and one per file ignored with a reason", s.Tests, s.Skipped, sum.Files-sum.Ignored)
		}
		if tree && s.Skipped != 2 {
			t.Errorf("%d skipped test cases, want 2 (revoked.crl, loose.key)", s.Skipped)
		}
		if s.Failures+s.Errors != sum.Failed {
			t.Errorf("%d failing + %d erroring cases, want %d failed files", s.Failures, s.Errors, sum.Failed)
		}
		problems, below := 0, 0
		for _, c := range s.Cases {
			problems += len(c.Failures) + len(c.Errors)
			if c.SystemOut != nil {
				below += strings.Count(c.SystemOut.Text, "\n") + 1
			}
			if strings.HasSuffix(c.Name, "private.pem") && len(c.Failures) != 4+map[bool]int{true: 1}[sum.FailOn == finding.Warning] {
				t.Errorf("private.pem: %d failures", len(c.Failures))
			}
			if strings.HasSuffix(c.Name, "broken.pem") && len(c.Errors) != 1 {
				t.Errorf("broken.pem: %d errors, want 1 (unreadable)", len(c.Errors))
			}
		}
		if problems+below != findings {
			t.Errorf("%d failures/errors + %d in system-out, want %d findings", problems, below, findings)
		}
	case lint.SARIF:
		log, err := linttest.CheckSARIF(out, sarifSchema)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		run := log.Runs[0]
		if len(run.Results) != findings || run.Tool.Driver.Version != "v1.2.3" {
			t.Errorf("%d results, version %q; want %d, v1.2.3", len(run.Results), run.Tool.Driver.Version, findings)
		}
		for _, r := range run.Results {
			if strings.HasPrefix(r.Locations[0].PhysicalLocation.ArtifactLocation.URI, "/") {
				t.Errorf("absolute URI %s for a relative path", r.Locations[0].PhysicalLocation.ArtifactLocation.URI)
			}
		}
		if !tree {
			return
		}
		var notes []string
		for _, inv := range run.Invocations {
			for _, n := range inv.ToolExecutionNotifications {
				notes = append(notes, path.Base(n.Locations[0].PhysicalLocation.ArtifactLocation.URI)+" "+n.Message.Text)
			}
		}
		slices.Sort(notes)
		if w := []string{"loose.key ignored: a private key, not a certificate", "revoked.crl ignored: a certificate revocation list (CRL), not a certificate"}; !slices.Equal(notes, w) {
			t.Errorf("SARIF notifications %q, want %q", notes, w)
		}
		var weak *lint.SARIFRule
		for i, r := range run.Tool.Driver.Rules {
			if r.ID == "e_rsa_mod_less_than_2048_bits" {
				weak = &run.Tool.Driver.Rules[i]
			}
		}
		if weak == nil || weak.Properties.Citation != "BRs: 6.1.5" || weak.DefaultConfiguration.Level != "error" ||
			!strings.Contains(weak.ShortDescription.Text, "2048") {
			t.Errorf("rule for the weak key: %+v", weak)
		}
	case lint.GitHub:
		sc := bufio.NewScanner(bytes.NewReader(out))
		line := regexp.MustCompile(`^::(error|warning|notice) file=([^,:]+),line=([0-9]+),title=([^,:]+)::(.+)$`)
		n, notices := 0, 0
		var last string
		for sc.Scan() {
			last = sc.Text()
			if strings.Contains(last, ",title=ignored::ignored: ") {
				notices++ // a file ignored with a reason, not a finding
				continue
			}
			if strings.HasPrefix(last, "::") {
				if !line.MatchString(last) {
					t.Errorf("bad workflow command %q", last)
				}
				n++
			}
		}
		if tree && notices != 2 {
			t.Errorf("%d notices of ignored files, want 2", notices)
		}
		if n != findings || last != "exchcert lint: "+sum.String() {
			t.Errorf("%d annotations, last line %q; want %d and the summary", n, last, findings)
		}
	}
}

// TestWritersEmpty: a tree without certificate files still gives a valid
// document in every format.
func TestWritersEmpty(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []lint.Format{lint.Text, lint.JSON, lint.JUnit, lint.SARIF, lint.GitHub} {
		out, sum := report(t, dir, f, finding.Error)
		if sum.Files != 0 {
			t.Fatalf("%d files in an empty folder", sum.Files)
		}
		checkFormat(t, f, out, sum, false)
		if f == lint.Text && string(out) != "0 files checked: 0 certificate files (0 certificates); 0 errors, 0 warnings, 0 info\n" {
			t.Errorf("text: %q", out)
		}
	}
}

// TestSARIFAbsolute: absolute paths become file URIs without a base.
func TestSARIFAbsolute(t *testing.T) {
	dir, err := filepath.Abs(lint.MakeTree(t))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := report(t, dir, lint.SARIF, finding.Error)
	var log lint.SARIFLog
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	for _, r := range log.Runs[0].Results {
		a := r.Locations[0].PhysicalLocation.ArtifactLocation
		if !strings.HasPrefix(a.URI, "file:///") || a.URIBaseID != "" {
			t.Errorf("artifact %+v, want a file:/// URI", a)
		}
	}
}

// TestWritersHostileText: control characters from a certificate subject
// or a file name neither break a report's syntax nor reach a terminal.
func TestWritersHostileText(t *testing.T) {
	dir := t.TempDir()
	name := "evil\x1b[2J\u202e.pem"
	if runtime.GOOS != "windows" {
		name = "ev\nil,:%\x1b[2J.pem"
	}
	lint.WriteHostileCert(t, filepath.Join(dir, name), "exch\x1b[31m\u202e\x00.acme.com")
	for _, f := range []lint.Format{lint.Text, lint.JSON, lint.JUnit, lint.SARIF, lint.GitHub} {
		out, sum := report(t, dir, f, finding.Error)
		if sum.Errors == 0 {
			t.Fatalf("no errors for a Common Name not among the SANs")
		}
		checkFormat(t, f, out, sum, false)
		if f != lint.JSON && bytes.ContainsAny(out, "\x1b\x00\u202e") {
			t.Errorf("%s: a control character reached the report:\n%q", f, out)
		}
		if f == lint.GitHub {
			for _, l := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
				if !strings.HasPrefix(l, "::") && !strings.HasPrefix(l, "exchcert lint: ") {
					t.Errorf("github: a line that is neither a command nor the summary: %q", l)
				}
			}
		}
	}
}
