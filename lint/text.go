package lint

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/exchcert/exchcert/internal/textwrap"
)

// textWriter lists, for people, each file with findings and the findings
// under it, most serious first, then a summary line. Files without
// findings are only counted.
type textWriter struct {
	w     io.Writer
	wrote bool
	width int // 0: lines are not wrapped
}

// line writes head and text, wrapped to the width with a hanging indent.
func (t *textWriter) line(b *bufio.Writer, head, text string, indent int) {
	if t.width > 0 {
		b.WriteString(textwrap.Hanging(head, text, indent, t.width) + "\n")
		return
	}
	b.WriteString(head + text + "\n")
}

func (t *textWriter) WriteFile(f *File) error {
	if len(f.Findings) == 0 && f.IgnoredReason == "" {
		return nil
	}
	b := bufio.NewWriter(t.w)
	if t.wrote {
		b.WriteString("\n")
	}
	t.wrote = true
	if f.IgnoredReason != "" {
		fmt.Fprintf(b, "%s: ignored, %s\n", clean(f.Path), clean(f.IgnoredReason))
		return b.Flush()
	}
	fmt.Fprintf(b, "%s%s\n", clean(f.Path), describeContents(f))
	for _, x := range f.Findings {
		what := x.Code
		if x.Source != SourceExchcert {
			what += fmt.Sprintf(" [%s]", x.Source)
		}
		if x.Subject != "" {
			what += fmt.Sprintf(" (%s)", clean(x.Subject))
		}
		t.line(b, fmt.Sprintf("  %-7s ", x.Severity), what+": "+clean(x.Message), 10)
		if x.Fix != "" {
			t.line(b, "          fix: ", clean(x.Fix), 15)
		}
		if x.Citation != "" {
			t.line(b, "          see: ", clean(x.Citation), 15)
		}
	}
	return b.Flush()
}

// describeContents says what the loader found in a file, e.g.
// " (pem: 2 certificates, 1 key)".
func describeContents(f *File) string {
	if f.Format == "" {
		return ""
	}
	var parts []string
	if n := len(f.Certificates); n > 0 {
		parts = append(parts, plural(n, "certificate"))
	}
	if f.CSRs > 0 {
		parts = append(parts, plural(f.CSRs, "request"))
	}
	if f.Keys > 0 {
		parts = append(parts, plural(f.Keys, "private key"))
	}
	return fmt.Sprintf(" (%s: %s)", f.Format, strings.Join(parts, ", "))
}

func (t *textWriter) Close(s *Summary) error {
	sep := ""
	if t.wrote {
		sep = "\n"
	}
	line := s.String()
	if t.width > 0 {
		line = textwrap.Hanging("", line, 2, t.width)
	}
	_, err := fmt.Fprintf(t.w, "%s%s\n", sep, line)
	return err
}
