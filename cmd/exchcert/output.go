package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/internal/safetext"
	"github.com/exchcert/exchcert/internal/textwrap"
)

// Output formats of -o.
const (
	formatTable = "table"
	formatJSON  = "json"
)

// outputFlag is the -o flag: a table for people, JSON for machines.
type outputFlag string

func (o *outputFlag) String() string     { return string(*o) }
func (o *outputFlag) Type() string       { return "format" }
func (o *outputFlag) Set(s string) error { return setFormat((*string)(o), s, formatTable, formatJSON) }

// setFormat sets *dst to s when it is one of the formats.
func setFormat(dst *string, s string, formats ...string) error {
	if !slices.Contains(formats, s) {
		return fmt.Errorf("unknown format %q (want %s)", s, strings.Join(formats, "|"))
	}
	*dst = s
	return nil
}

func addOutputFlag(cmd *cobra.Command, o *outputFlag) {
	*o = formatTable
	cmd.Flags().VarP(o, "output", "o", "report format: table|json")
}

// report writes doc as JSON, or calls table to write it for people,
// fitted to the terminal: the tables fit by themselves, and a line of text
// that is still too long wraps with a hanging indent.
func (a *app) report(o outputFlag, doc any, table func(w io.Writer) error) error {
	if o == formatJSON {
		return writeJSON(a.stdout, doc)
	}
	width := widthOf(a.stdout)
	var buf strings.Builder
	err := table(&screen{&buf, width})
	if _, werr := io.WriteString(a.stdout, fitLines(buf.String(), width)); err == nil {
		err = werr
	}
	return err
}

// reportAsIs is report for text that must stay as written (commands to
// copy into a shell), which table fits itself where it can.
func (a *app) reportAsIs(o outputFlag, doc any, table func(w io.Writer) error) error {
	if o == formatJSON {
		return writeJSON(a.stdout, doc)
	}
	return table(a.stdout)
}

// writeJSON writes v indented, without HTML escaping, so <domain> stays readable.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// esc makes text from a file or a server safe to show in a table, a report
// line or an error line: control characters, escape sequences and
// bidirectional overrides are shown escaped (\x1b, \u202e). JSON output
// keeps the real value.
func esc(s string) string { return safetext.Escape(s) }

// escList escapes each item of a list shown in one cell.
func escList(items []string) []string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = esc(s)
	}
	return out
}

// writeFindings lists findings for people, most serious first, under title.
func writeFindings(w io.Writer, title string, fs finding.Findings) error {
	if len(fs) == 0 {
		return nil
	}
	if _, err := fmt.Fprintf(w, "\n%s:\n", esc(title)); err != nil {
		return err
	}
	for _, sev := range []finding.Severity{finding.Error, finding.Warning, finding.Info} {
		for _, f := range fs {
			if f.Severity != sev {
				continue
			}
			if _, err := io.WriteString(w, findingText(f, widthOf(w))); err != nil {
				return err
			}
		}
	}
	return nil
}

// findingText is a finding for people: the level, code and subject, then
// the message, the fix and the source, wrapped to width with a hanging
// indent under the message.
func findingText(f finding.Finding, width int) string {
	what := esc(f.Code)
	if f.Subject != "" {
		what += fmt.Sprintf(" (%s)", esc(f.Subject))
	}
	var b strings.Builder
	b.WriteString(textwrap.Hanging(fmt.Sprintf("  %-7s ", f.Severity), what+": "+esc(f.Message), findingIndent, width) + "\n")
	if f.Fix != "" {
		b.WriteString(textwrap.Hanging(strings.Repeat(" ", findingIndent)+"fix: ", esc(f.Fix), findingIndent+5, width) + "\n")
	}
	if f.Citation != "" {
		b.WriteString(textwrap.Hanging(strings.Repeat(" ", findingIndent)+"see: ", esc(f.Citation), findingIndent+5, width) + "\n")
	}
	return b.String()
}

// findingIndent is where the text under a finding's level starts.
const findingIndent = 10
