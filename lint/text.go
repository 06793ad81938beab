package lint

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// textWriter lists, for people, each file with findings and the findings
// under it, most serious first, then a summary line. Files without
// findings are only counted.
type textWriter struct {
	w     io.Writer
	wrote bool
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
		fmt.Fprintf(b, "  %-7s %s", x.Severity, x.Code)
		if x.Source != SourceExchcert {
			fmt.Fprintf(b, " [%s]", x.Source)
		}
		if x.Subject != "" {
			fmt.Fprintf(b, " (%s)", clean(x.Subject))
		}
		fmt.Fprintf(b, ": %s\n", clean(x.Message))
		if x.Fix != "" {
			fmt.Fprintf(b, "          fix: %s\n", clean(x.Fix))
		}
		if x.Citation != "" {
			fmt.Fprintf(b, "          see: %s\n", clean(x.Citation))
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
	_, err := fmt.Fprintf(t.w, "%s%s\n", sep, s)
	return err
}
