package report

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteMarkdown writes the same content as WriteHTML as Markdown (GitHub
// flavoured: tables, and <details> for the bind steps) for ticket systems
// that take it. Text from certificates and servers is escaped so that it
// cannot break a table or start markup.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	state := "Ready"
	if !r.Verdict.Ready {
		state = "Not ready"
	}
	p("# %s: certificate for %s", state, md(r.Plan.FQDN))
	p("")
	p("**%s**", md(r.Verdict.Summary))
	for _, reason := range r.Verdict.Reasons {
		p("- %s", md(reason))
	}
	p("")
	p("## Change")
	p("")
	p("| | |")
	p("|---|---|")
	server := r.Plan.FQDN + " (" + r.Plan.Exchange
	if r.Plan.From != "" {
		server += ", joining " + r.Plan.From
	}
	p("| Server | %s |", md(server+")"))
	p("| SMTP domains | %s |", md(strings.Join(r.Plan.Domains, ", ")))
	p("| Common Name | %s |", md(r.Plan.CommonName))
	p("| Certificate files | %s |", md(strings.Join(r.Files, ", ")))
	if c := r.Certificate; c != nil {
		p("| Certificate | %s, issued by %s |", md(c.Subject), md(c.Issuer))
		p("| Thumbprint | `%s` |", c.Thumbprint)
	}
	p("| Evaluated at | %s (renewal window %d days) |", r.EvaluatedAt.UTC().Format("2006-01-02 15:04 MST"), r.MinDays)
	if r.Probe != nil {
		p("| Services probed | %s at %s |", md(r.Probe.Host), r.Probe.CheckedAt.UTC().Format("2006-01-02 15:04 MST"))
	}
	p("")
	p("## Coverage of the planned names")
	p("")
	head, rule := "| Planned name |", "|---|"
	for _, c := range r.Columns {
		h := c.Label
		if c.Address != "" {
			h += " " + c.Address
		}
		if c.Thumbprint != "" {
			h += " `" + c.Thumbprint + "`"
		}
		head += " " + mdKeep(h) + " |"
		rule += "---|"
	}
	p("%s", head)
	p("%s", rule)
	for _, row := range r.Matrix {
		line := "| " + md(row.Name) + " |"
		for _, c := range row.Cells {
			text := StateText(c.State)
			if c.State != Covered {
				text = "**" + strings.ToUpper(text) + "**"
			}
			line += " " + text + ": " + md(c.Reason) + " |"
		}
		p("%s", line)
	}
	if len(r.Chain) > 0 {
		p("")
		p("## Chain")
		p("")
		for i, l := range r.Chain {
			line := fmt.Sprintf("%d. **%s** (%s", i+1, md(l.Subject), l.Role)
			if !l.InFiles {
				line += ", not in the files"
			} else {
				line += fmt.Sprintf(", %s to %s", l.NotBefore.Format(time.DateOnly), l.NotAfter.Format(time.DateOnly))
			}
			if l.Note != "" {
				line += "): " + md(l.Note)
			} else {
				line += "): " + l.State
			}
			if i+1 < len(r.Chain) {
				line += ", issued by"
			}
			p("%s", line)
		}
	}
	if t := r.Timeline; t != nil {
		p("")
		p("## Validity")
		p("")
		p("Today is %s; a certificate that ends before %s (today + %d days) is due for renewal.", t.Now.Format(time.DateOnly), t.RenewBy.Format(time.DateOnly), r.MinDays)
		p("")
		p("| Certificate | Role | Valid from | Valid until | Days left | State |")
		p("|---|---|---|---|---|---|")
		for _, l := range r.Chain {
			if l.InFiles {
				p("| %s | %s | %s | %s | %d | %s |", md(l.Subject), l.Role, l.NotBefore.Format(time.DateOnly), l.NotAfter.Format(time.DateOnly), l.DaysLeft, l.State)
			}
		}
	}
	p("")
	p("## Findings")
	p("")
	if len(r.Findings) == 0 {
		p("No findings.")
	}
	for _, g := range sevGroups(r) {
		p("### %s (%d)", g.Title, len(g.Findings))
		p("")
		for _, f := range g.Findings {
			line := "- `" + f.Code + "`"
			if f.Subject != "" {
				line += " **" + md(f.Subject) + "**"
			}
			p("%s: %s", line, md(f.Message))
			if f.Fix != "" {
				p("  - Fix: %s", md(f.Fix))
			}
			if f.Citation != "" {
				p("  - Source: %s", md(f.Citation))
			}
		}
		p("")
	}
	p("## Still to run on the server")
	p("")
	p("%s", md(r.Bind.Note))
	for _, wn := range r.Bind.Warnings {
		p("")
		p("> Warning (%s): %s", wn.Code, md(wn.Message))
	}
	for _, s := range r.Bind.Steps {
		p("")
		p("<details><summary>%s</summary>", htmlText(s.Title))
		p("")
		p("%s", fence(s.Script, "powershell"))
		p("")
		p("</details>")
	}
	if r.Generator != "" {
		p("")
		p("---")
		p("Made by %s.", md(r.Generator))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdEscaper escapes what would start Markdown or HTML inside a line or
// break a table cell.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`,
	"<", "&lt;", ">", "&gt;", "&", "&amp;", "#", `\#`, "\r", " ", "\n", " ",
)

func md(s string) string { return mdEscaper.Replace(s) }

// mdKeep escapes like md but keeps the code spans the caller put in.
func mdKeep(s string) string {
	parts := strings.Split(s, "`")
	for i := 0; i < len(parts); i += 2 {
		parts[i] = md(parts[i])
	}
	return strings.Join(parts, "`")
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

func htmlText(s string) string { return htmlEscaper.Replace(s) }

// fence puts text in a code block whose fence is longer than any run of
// backticks inside it.
func fence(text, lang string) string {
	n, run := 3, 0
	for _, c := range text {
		if c == '`' {
			run++
			n = max(n, run+1)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", n)
	return f + lang + "\n" + strings.TrimRight(text, "\n") + "\n" + f
}
