package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"

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
	if _, err := fmt.Fprintf(w, "\n%s:\n", title); err != nil {
		return err
	}
	for _, sev := range []plan.Severity{plan.Error, plan.Warning, plan.Info} {
		for _, f := range fs {
			if f.Severity != sev {
				continue
			}
			var b strings.Builder
			fmt.Fprintf(&b, "  %-7s %s", f.Severity, f.Code)
			if f.Subject != "" {
				fmt.Fprintf(&b, " (%s)", f.Subject)
			}
			fmt.Fprintf(&b, ": %s\n", f.Message)
			if f.Fix != "" {
				fmt.Fprintf(&b, "          fix: %s\n", f.Fix)
			}
			if f.Citation != "" {
				fmt.Fprintf(&b, "          see: %s\n", f.Citation)
			}
			if _, err := io.WriteString(w, b.String()); err != nil {
				return err
			}
		}
	}
	return nil
}
