package lint

import (
	"encoding/xml"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/exchcert/exchcert/finding"
)

// JUnit XML as Jenkins, GitLab, Azure DevOps and the JUnit dashboards read
// it (the Ant/Jenkins junit.xsd): one <testsuite>, a <testcase> per file, a
// <failure> per finding at or above the fail-on level, an <error> per
// finding that kept the file from being checked (unreadable, damaged, no
// password), and the findings below the level in <system-out>.

// JUnitSuites is the root element of the JUnit report. The types are
// exported so that tests and tools can read a report back with
// encoding/xml.
type JUnitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []JUnitSuite `xml:"testsuite"`
}

// JUnitSuite is the one test suite of a report.
type JUnitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Properties []JUnitProperty `xml:"properties>property,omitempty"`
	Cases      []JUnitCase     `xml:"testcase"`
}

// JUnitProperty is a name=value of the run.
type JUnitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// JUnitCase is the test case of one file.
type JUnitCase struct {
	XMLName   xml.Name       `xml:"testcase"`
	Name      string         `xml:"name,attr"`
	ClassName string         `xml:"classname,attr"`
	File      string         `xml:"file,attr,omitempty"`
	Errors    []JUnitProblem `xml:"error,omitempty"`
	Failures  []JUnitProblem `xml:"failure,omitempty"`
	Skipped   *JUnitSkipped  `xml:"skipped,omitempty"`
	SystemOut *JUnitText     `xml:"system-out,omitempty"`
}

// JUnitSkipped marks the test case of a file that was not checked because
// it is not a certificate file; Message says what it is.
type JUnitSkipped struct {
	Message string `xml:"message,attr"`
}

// JUnitText is the text of an element, written as CDATA so that line breaks
// stay line breaks in the raw XML.
type JUnitText struct {
	Text string `xml:",cdata"`
}

// JUnitProblem is a <failure> or <error>: Type is the finding code,
// Message the one-line finding, Text the details.
type JUnitProblem struct {
	Type    string `xml:"type,attr"`
	Message string `xml:"message,attr"`
	Text    string `xml:",cdata"`
}

const junitSuiteName = "exchcert lint"

// junitWriter spools the test cases (they come before the counts in the
// XML but are known first) and writes the document on Close.
type junitWriter struct {
	w      io.Writer
	failOn finding.Severity
	cases  spool
	enc    *xml.Encoder
	tests  int
	fails  int
	errs   int
	// skipped counts the files ignored with a reason.
	skipped int
}

func newJUnitWriter(w io.Writer, o WriterOptions) *junitWriter {
	j := &junitWriter{w: w, failOn: o.FailOn, cases: spool{dir: o.TempDir, limit: 4 << 20}}
	j.enc = xml.NewEncoder(&j.cases)
	j.enc.Indent("    ", "  ")
	return j
}

// cannotCheck are the codes of findings that mean the file was not checked
// at all: a JUnit <error>, not a <failure>.
var cannotCheck = map[string]bool{
	CodeUnreadable: true, CodeNotRegular: true, CodeLinkOutside: true, CodeTooLarge: true, CodePasswordNeeded: true,
	CodeWrongPassword: true, CodeDamaged: true, CodeTooManyIterations: true, CodeUnsupported: true,
}

func (j *junitWriter) WriteFile(f *File) error {
	// XML 1.0 has no way to write most control characters, not even as
	// CDATA or character references: they become \xNN.
	slash := clean(filepath.ToSlash(f.Path))
	class := clean(filepath.ToSlash(filepath.Dir(f.Path)))
	c := JUnitCase{Name: slash, ClassName: class, File: slash}
	if f.IgnoredReason != "" {
		c.Skipped = &JUnitSkipped{Message: clean(f.IgnoredReason)}
		j.tests++
		j.skipped++
		return j.enc.Encode(c)
	}
	var below []string
	for _, x := range f.Findings {
		if x.Severity < j.failOn {
			below = append(below, clean(findingLine(x)))
			continue
		}
		p := JUnitProblem{Type: x.Code, Message: clean(junitMessage(x)), Text: cleanKeep(findingDetails(f, x), "\n")}
		if cannotCheck[x.Code] {
			c.Errors = append(c.Errors, p)
		} else {
			c.Failures = append(c.Failures, p)
		}
	}
	if len(below) > 0 {
		c.SystemOut = &JUnitText{strings.Join(below, "\n")}
	}
	j.tests++
	switch {
	case len(c.Errors) > 0:
		j.errs++
	case len(c.Failures) > 0:
		j.fails++
	}
	return j.enc.Encode(c)
}

func (j *junitWriter) Close(s *Summary) error {
	defer j.cases.close()
	head := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="%s" tests="%d" failures="%d" errors="%d">
  <testsuite name="%s" tests="%d" failures="%d" errors="%d" skipped="%d">
    <properties>`, junitSuiteName, j.tests, j.fails, j.errs, junitSuiteName, j.tests, j.fails, j.errs, j.skipped)
	props := []JUnitProperty{
		{"fail_on", s.FailOn.String()},
		{"files", fmt.Sprint(s.Files)},
		{"ignored", fmt.Sprint(s.Ignored)},
		{"lint_sources", strings.Join(s.LintSources, ",")},
	}
	if len(s.LintSourcesOff) > 0 {
		props = append(props, JUnitProperty{"lint_sources_off", strings.Join(s.LintSourcesOff, ",")})
	}
	var b strings.Builder
	b.WriteString(head)
	for _, p := range props {
		b.WriteString("\n      <property name=\"")
		xml.EscapeText(&b, []byte(p.Name))
		b.WriteString("\" value=\"")
		xml.EscapeText(&b, []byte(p.Value))
		b.WriteString("\"></property>")
	}
	b.WriteString("\n    </properties>\n")
	if _, err := io.WriteString(j.w, b.String()); err != nil {
		return err
	}
	if err := j.cases.copyTo(j.w); err != nil {
		return err
	}
	_, err := io.WriteString(j.w, "\n  </testsuite>\n</testsuites>\n")
	return err
}

// findingLine is a finding on one line: code, subject, message.
func findingLine(x Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", x.Severity, x.Code)
	if x.Source != SourceExchcert {
		fmt.Fprintf(&b, " [%s]", x.Source)
	}
	if x.Subject != "" {
		fmt.Fprintf(&b, " (%s)", x.Subject)
	}
	fmt.Fprintf(&b, ": %s", x.Message)
	return b.String()
}

// junitMessage is the message attribute of a JUnit failure: what and
// about which certificate.
func junitMessage(x Finding) string {
	if x.Subject != "" {
		return x.Code + " (" + x.Subject + "): " + x.Message
	}
	return x.Code + ": " + x.Message
}

// findingDetails is the body of a JUnit failure: where, the finding, the
// fix and the citation.
func findingDetails(f *File, x Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d\n%s", filepath.ToSlash(f.Path), max(x.Line, 1), findingLine(x))
	if x.Fix != "" {
		fmt.Fprintf(&b, "\nfix: %s", x.Fix)
	}
	if x.Citation != "" {
		fmt.Fprintf(&b, "\nsee: %s", x.Citation)
	}
	return b.String()
}
