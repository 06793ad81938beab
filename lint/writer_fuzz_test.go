package lint

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/exchcert/exchcert/finding"
)

// FuzzWriters writes one file with one finding whose path, subject,
// message and fix come from the fuzzer, as a hostile certificate or file
// name would bring them, in every format. Each report must keep its
// syntax: JSON and SARIF parse, JUnit is well-formed XML, and the GitHub
// annotation stays one workflow command whose properties cannot be ended
// early (a newline or "::" in a name must not start a command of its own,
// such as ::add-mask:: or ::stop-commands::).
func FuzzWriters(f *testing.F) {
	f.Add("certs/exch2.pem", "exch2.acme.com", "the certificate expires in 3 days", "renew it", uint8(0))
	f.Add("ev\nil,:%.pem", "exch\x1b[31m\u202e\x00.acme.com", "line\r\n::add-mask::secret", "a,b:c", uint8(1))
	f.Add("a::b", "%0A::error::x", "]]><![CDATA[</testcase>", "\"}]", uint8(2))
	f.Add("\xff\xfe", "\xed\xa0\x80", "\u2028\u2029", "\t", uint8(3))
	f.Fuzz(func(t *testing.T, path, subject, message, fix string, sev uint8) {
		file := &File{Path: path, Format: "pem", Findings: []Finding{{
			Finding: finding.Finding{Code: "name-not-covered", Severity: finding.Severity(sev % 3), Subject: subject, Message: message, Fix: fix},
			Source:  SourceExchcert, Line: 1,
		}}}
		sum := &Summary{Files: 1, CertificateFiles: 1, Certificates: 1, FailOn: finding.Warning}
		for _, format := range []Format{Text, JSON, JUnit, SARIF, GitHub} {
			var buf bytes.Buffer
			w := NewWriter(&buf, format, WriterOptions{FailOn: finding.Warning, Version: "test", TempDir: t.TempDir()})
			if err := w.WriteFile(file); err != nil {
				t.Fatalf("%s: WriteFile: %v", format, err)
			}
			if err := w.Close(sum); err != nil {
				t.Fatalf("%s: Close: %v", format, err)
			}
			out := buf.Bytes()
			switch format {
			case JSON, SARIF:
				if !json.Valid(out) {
					t.Fatalf("%s: invalid JSON:\n%q", format, out)
				}
			case JUnit:
				d := xml.NewDecoder(bytes.NewReader(out))
				for {
					if _, err := d.Token(); err == io.EOF {
						break
					} else if err != nil {
						t.Fatalf("junit: not well-formed XML: %v\n%q", err, out)
					}
				}
			case GitHub:
				lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
				if len(lines) != 2 || !strings.HasPrefix(lines[1], "exchcert lint: ") {
					t.Fatalf("github: want one annotation and the summary, got %d lines:\n%q", len(lines), out)
				}
				level, rest, _ := strings.Cut(lines[0], " ")
				props, _, ok := strings.Cut(rest, "::")
				if !ok || (level != "::error" && level != "::warning" && level != "::notice") {
					t.Fatalf("github: not an annotation: %q", lines[0])
				}
				// file=…,line=N,title=…: exactly three properties.
				if strings.Count(props, ",") != 2 || strings.Count(props, "=") < 3 || !strings.HasPrefix(props, "file=") {
					t.Fatalf("github: properties %q can be ended early", props)
				}
				if strings.ContainsRune(props, ':') {
					t.Fatalf("github: ':' in properties %q", props)
				}
			}
		}
	})
}
