package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"

	"github.com/exchcert/exchcert/internal/safetext"
	"github.com/exchcert/exchcert/plan"
)

// Output formats of -o.
const (
	formatTable = "table"
	formatJSON  = "json"
)

// outputFlag is the -o flag: a table for people, JSON for machines.
type outputFlag string

func (o *outputFlag) String() string { return string(*o) }
func (o *outputFlag) Type() string   { return "format" }
func (o *outputFlag) Set(s string) error {
	switch s {
	case formatTable, formatJSON:
		*o = outputFlag(s)
		return nil
	}
	return fmt.Errorf("unknown format %q (want table|json)", s)
}

func addOutputFlag(cmd *cobra.Command, o *outputFlag) {
	*o = formatTable
	cmd.Flags().VarP(o, "output", "o", "report format: table|json")
}

// report writes doc as JSON, or calls table to write it for people.
func (a *app) report(o outputFlag, doc any, table func(w io.Writer) error) error {
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

// newTable returns a table that renders the same bytes on every terminal:
// ASCII borders, headers exactly as written, long cells wrapped.
func newTable(w io.Writer, header ...any) *tablewriter.Table {
	t := tablewriter.NewTable(w,
		tablewriter.WithSymbols(tw.NewSymbols(tw.StyleASCII)),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	)
	t.Header(header...)
	return t
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

// appendRow adds a row to a table, every cell escaped except for the line
// breaks wrap puts in; cells from files and servers are escaped before
// wrapping, so a line break of their own shows as \x0a.
func appendRow(t *tablewriter.Table, cells ...string) error {
	for i, c := range cells {
		cells[i] = safetext.EscapeExcept(c, "\n")
	}
	return t.Append(cells)
}

// wrap breaks text into lines of at most width characters at spaces, for
// table cells; a word longer than width stays whole.
func wrap(text string, width int) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Fields(text) {
		if i > 0 {
			if n+1+len(w) > width {
				b.WriteByte('\n')
				n = 0
			} else {
				b.WriteByte(' ')
				n++
			}
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

// writeFindings lists findings for people, most serious first, under title.
func writeFindings(w io.Writer, title string, fs plan.Findings) error {
	if len(fs) == 0 {
		return nil
	}
	if _, err := fmt.Fprintf(w, "\n%s:\n", esc(title)); err != nil {
		return err
	}
	for _, sev := range []plan.Severity{plan.Error, plan.Warning, plan.Info} {
		for _, f := range fs {
			if f.Severity != sev {
				continue
			}
			var b strings.Builder
			fmt.Fprintf(&b, "  %-7s %s", f.Severity, esc(f.Code))
			if f.Subject != "" {
				fmt.Fprintf(&b, " (%s)", esc(f.Subject))
			}
			fmt.Fprintf(&b, ": %s\n", esc(f.Message))
			if f.Fix != "" {
				fmt.Fprintf(&b, "          fix: %s\n", esc(f.Fix))
			}
			if f.Citation != "" {
				fmt.Fprintf(&b, "          see: %s\n", esc(f.Citation))
			}
			if _, err := io.WriteString(w, b.String()); err != nil {
				return err
			}
		}
	}
	return nil
}
