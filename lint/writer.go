package lint

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/internal/safetext"
)

// Format selects a report writer.
type Format int

// Report formats.
const (
	Text   Format = iota // grouped per file, for people
	JSON                 // the exchcert.lint/v1 document
	JUnit                // JUnit XML: a test case per file, for CI dashboards
	SARIF                // SARIF 2.1.0, for code-scanning UIs
	GitHub               // GitHub Actions workflow commands (annotations)
)

var formatNames = []string{"text", "json", "junit", "sarif", "github"}

func (f Format) String() string {
	if f >= 0 && int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// FormatNames lists the formats as ParseFormat takes them.
func FormatNames() []string { return slices.Clone(formatNames) }

// ParseFormat parses a format name; the error lists the valid ones.
func ParseFormat(s string) (Format, error) {
	i := slices.Index(formatNames, strings.ToLower(strings.TrimSpace(s)))
	if i < 0 {
		return 0, fmt.Errorf("unknown format %q (want %s)", s, strings.Join(formatNames, "|"))
	}
	return Format(i), nil
}

// A Writer renders a run's results as they arrive. Run calls WriteFile once
// per certificate file or unreadable file, in walk order, then Close once
// with the summary. A Writer need not be safe for concurrent use.
type Writer interface {
	WriteFile(f *File) error
	Close(s *Summary) error
}

// WriterOptions configure NewWriter.
type WriterOptions struct {
	// FailOn is the lowest severity that fails a file (JUnit failures).
	FailOn finding.Severity
	// Version is exchcert's version, named in SARIF's tool section.
	Version string
	// TempDir is where the JUnit writer keeps test cases that do not fit
	// in memory until the counts are known; "" means os.TempDir().
	TempDir string
	// Width is the line width the text report wraps finding lines to,
	// with a hanging indent; 0 leaves them whole.
	Width int
}

// NewWriter returns the writer of format f, writing to w.
func NewWriter(w io.Writer, f Format, o WriterOptions) Writer {
	switch f {
	case JSON:
		return newJSONWriter(w)
	case JUnit:
		return newJUnitWriter(w, o)
	case SARIF:
		return newSARIFWriter(w, o)
	case GitHub:
		return &githubWriter{w: w}
	}
	return &textWriter{w: w, width: o.Width}
}

// sortFindings orders a file's findings most serious first, keeping the
// check order within a severity.
func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int { return cmp.Compare(b.Severity, a.Severity) })
}

// clean makes text from certificates and files safe to print: control
// characters (a subject may hold an escape sequence) and bidirectional
// overrides become \xNN and \uNNNN, as everywhere exchcert shows such text.
func clean(s string) string { return safetext.Escape(s) }

// cleanKeep is clean that leaves the characters of keep alone, for
// formats that escape them their own way.
func cleanKeep(s, keep string) string { return safetext.EscapeExcept(s, keep) }

// spool holds bytes in memory up to a limit and in a temporary file beyond
// it, so that a writer that needs totals before the details keeps memory
// flat on large trees.
type spool struct {
	dir   string
	limit int
	mem   []byte
	file  *os.File
}

func (s *spool) Write(p []byte) (int, error) {
	if s.file == nil && len(s.mem)+len(p) <= s.limit {
		s.mem = append(s.mem, p...)
		return len(p), nil
	}
	if s.file == nil {
		f, err := os.CreateTemp(s.dir, "exchcert-lint-*.tmp")
		if err != nil {
			return 0, fmt.Errorf("spooling the report: %w", err)
		}
		s.file = f
		if _, err := f.Write(s.mem); err != nil {
			return 0, fmt.Errorf("spooling the report: %w", err)
		}
		s.mem = nil
	}
	n, err := s.file.Write(p)
	if err != nil {
		err = fmt.Errorf("spooling the report: %w", err)
	}
	return n, err
}

// copyTo writes everything spooled to w.
func (s *spool) copyTo(w io.Writer) error {
	if s.file == nil {
		_, err := w.Write(s.mem)
		return err
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.Copy(w, s.file)
	return err
}

// close removes the temporary file, if any.
func (s *spool) close() {
	if s.file != nil {
		s.file.Close()
		os.Remove(s.file.Name())
		s.file = nil
	}
	s.mem = nil
}
