package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/plan"
)

//go:embed report.html.tmpl
var htmlSource string

// htmlPage is parsed on first use, not at start-up: most runs of exchcert
// never render HTML.
var htmlPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report").Funcs(template.FuncMap{
		"join":      strings.Join,
		"date":      func(t time.Time) string { return t.UTC().Format(time.DateOnly) },
		"datetime":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 MST") },
		"stateText": StateText,
		"roles":     roles,
		"column":    func(r *Report, i int) string { return r.Columns[i].ID },
		"sevGroups": sevGroups,
		"span": func(t *Timeline, from, to time.Time) template.CSS {
			l, r := t.pct(from), t.pct(to)
			return template.CSS(fmt.Sprintf("left: %.2f%%; width: %.2f%%", l, max(r-l, 0.4)))
		},
		"at": func(t *Timeline, at time.Time) template.CSS {
			return template.CSS(fmt.Sprintf("left: %.2f%%", t.pct(at)))
		},
	}).Parse(htmlSource))
})

// WriteHTML writes the report as one self-contained HTML page: inline CSS,
// no scripts, fonts, images or links to fetch, so it works offline and as
// an attachment to a change ticket, and prints (a cell's reason, shown on
// hover on screen, is printed in the cell). Every text from certificates,
// files and servers is escaped by html/template.
func (r *Report) WriteHTML(w io.Writer) error {
	return htmlPage().Execute(w, r)
}

// pct places t on the timeline, 0 to 100.
func (t *Timeline) pct(at time.Time) float64 {
	span := t.End.Sub(t.Start)
	if span <= 0 {
		return 0
	}
	return min(max(float64(at.Sub(t.Start))/float64(span)*100, 0), 100)
}

// StateText is a cell state as people read it.
func StateText(state string) string {
	switch state {
	case Covered:
		return "covered"
	case Missing:
		return "missing"
	case WrongCert:
		return "wrong certificate"
	case Unreachable:
		return "unreachable"
	}
	return "not checked"
}

func roles(rs []plan.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// sevGroup is the findings of one severity.
type sevGroup struct {
	Severity string
	Title    string
	Findings []Finding
}

func sevGroups(r *Report) []sevGroup {
	var out []sevGroup
	for _, s := range []struct {
		sev   finding.Severity
		title string
	}{{finding.Error, "Errors"}, {finding.Warning, "Warnings"}, {finding.Info, "Information"}} {
		if fs := r.FindingsBySeverity(s.sev); len(fs) > 0 {
			out = append(out, sevGroup{s.sev.String(), s.title, fs})
		}
	}
	return out
}
