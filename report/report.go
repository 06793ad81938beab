// Package report puts together what an Exchange admin shows a change board:
// the plan, what the CA delivered (an inspect.Report) and, optionally, what
// the servers serve (a probe.Report), as one document with a verdict, a
// coverage matrix (planned names × the certificate and each probed
// service), the chain, the validity against today and the renewal window,
// the findings with their fixes and the bind steps still to run.
//
// Build makes the document (also the JSON of `exchcert report -o json`);
// WriteHTML renders it as one self-contained HTML page, WriteMarkdown as
// Markdown for ticket systems. The package does no I/O besides writing to
// the io.Writer it is given: it neither reads files nor opens connections.
package report

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/plan"
	"github.com/exchcert/exchcert/probe"
)

// Schema identifies the JSON report document and its version.
const Schema = "exchcert.report/v1"

// CodeOtherCertificate is the finding for a probed service that answers
// with another certificate than the delivered one: the bind steps have not
// been run there yet. It never changes once published.
const CodeOtherCertificate = "serves-other-certificate"

// CodeNoCertificate is the finding for files that hold no server
// certificate (only a request, or only CA certificates): there is nothing
// to bind, so the report cannot say ready. It never changes once published.
const CodeNoCertificate = "no-certificate"

// Input is what a report is made from.
type Input struct {
	// Plan holds the names the certificate must cover; required.
	Plan *plan.Plan
	// Inspect is the check of the delivered certificate files against
	// Plan; required.
	Inspect *inspect.Report
	// Probe, when set, is what the live endpoints serve.
	Probe *probe.Report
	// MinDays is the renewal window Inspect was checked with.
	MinDays int
	// Generator names the program and version that made the report
	// ("exchcert v1.0.0"); shown in the footer.
	Generator string
	// ImportPath is the Windows path the bind steps import the certificate
	// file from; default C:\certs\<the file's name>.
	ImportPath string
}

// Report is the result of Build and the JSON document "exchcert.report/v1".
type Report struct {
	Schema    string `json:"schema"`
	Generator string `json:"generator,omitempty"`
	// EvaluatedAt is the time the certificate was judged at (inspect's
	// evaluated_at: now, or --at).
	EvaluatedAt time.Time   `json:"evaluated_at"`
	MinDays     int         `json:"min_days"`
	Verdict     Verdict     `json:"verdict"`
	Plan        PlanSummary `json:"plan"`
	Files       []string    `json:"files"`
	// Certificate is the server certificate the report is about; nil when
	// the files hold none.
	Certificate *inspect.Certificate `json:"certificate"`
	// Probe says which host was probed and when; nil when nothing was.
	Probe    *ProbeSummary `json:"probe,omitempty"`
	Chain    []ChainLink   `json:"chain"`
	Columns  []Column      `json:"columns"`
	Matrix   []Row         `json:"matrix"`
	Timeline *Timeline     `json:"timeline"`
	Findings []Finding     `json:"findings"`
	Bind     Bind          `json:"bind"`
}

// Verdict is the answer at the top of the report.
type Verdict struct {
	// Ready is true when no finding is an error.
	Ready bool `json:"ready"`
	// Summary is one sentence: ready or not, and why.
	Summary string `json:"summary"`
	// Reasons are the messages of the error findings.
	Reasons  []string `json:"reasons"`
	Errors   int      `json:"errors"`
	Warnings int      `json:"warnings"`
}

// PlanSummary is what the report shows of the plan.
type PlanSummary struct {
	FQDN       string   `json:"fqdn"`
	Domains    []string `json:"domains"`
	Exchange   string   `json:"exchange"` // "Exchange 2010"
	From       string   `json:"from,omitempty"`
	CommonName string   `json:"common_name"`
	Names      []string `json:"names"`
}

// ProbeSummary says what was probed.
type ProbeSummary struct {
	Host      string    `json:"host"`
	CheckedAt time.Time `json:"checked_at"`
}

// Link states.
const (
	LinkValid       = "valid"
	LinkExpiresSoon = "expires-soon"
	LinkExpired     = "expired"
	LinkNotYetValid = "not-yet-valid"
	LinkNotInFiles  = "not-in-files" // the issuer is not in the files: the client's trust store must hold it
	LinkMissing     = "missing"      // the issuer is not in the files and no trusted chain was found
)

// ChainLink is one certificate of the chain, leaf first.
type ChainLink struct {
	Subject    string       `json:"subject"` // the Common Name, or the whole subject when it has none
	Role       inspect.Role `json:"role"`
	InFiles    bool         `json:"in_files"`
	Thumbprint string       `json:"thumbprint,omitempty"`
	NotBefore  time.Time    `json:"not_before,omitzero"`
	NotAfter   time.Time    `json:"not_after,omitzero"`
	DaysLeft   int          `json:"days_left"`
	State      string       `json:"state"` // valid, expires-soon, expired, not-yet-valid, not-in-files, missing
	Note       string       `json:"note,omitempty"`
}

// Column kinds.
const (
	ColumnCertificate = "certificate"
	ColumnEndpoint    = "endpoint"
)

// Column is one column of the coverage matrix: the delivered certificate,
// or a probed service.
type Column struct {
	ID         string `json:"id"`   // "certificate", or the service: https, smtp, …
	Kind       string `json:"kind"` // certificate or endpoint
	Label      string `json:"label"`
	Address    string `json:"address,omitempty"`
	Thumbprint string `json:"thumbprint,omitempty"` // what it serves (the host name's handshake for HTTPS)
}

// Cell states.
const (
	Covered     = "covered"           // the name is on the certificate (and the service serves the delivered one)
	Missing     = "missing"           // the certificate does not cover the name
	WrongCert   = "wrong-certificate" // the service serves another certificate than the delivered one
	Unreachable = "unreachable"       // the service did not complete a TLS handshake
	NotChecked  = "not-checked"       // nothing to check against
)

// Row is one planned name across the columns.
type Row struct {
	Name  string      `json:"name"`
	Roles []plan.Role `json:"roles"`
	Cells []Cell      `json:"cells"` // one per column, in the same order
}

// Cell is how one column serves one planned name.
type Cell struct {
	State  string `json:"state"`
	Reason string `json:"reason"`
}

// Timeline places the chain's validity against today and the renewal
// window (today + min_days).
type Timeline struct {
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Now     time.Time `json:"now"`
	RenewBy time.Time `json:"renew_by"` // Now + MinDays: a certificate ending before it is flagged
	Bars    []Bar     `json:"bars"`
}

// Bar is one certificate on the timeline.
type Bar struct {
	Label     string    `json:"label"`
	Role      string    `json:"role"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	State     string    `json:"state"`
}

// Finding sources.
const (
	SourceCertificate = "certificate" // from inspect
	SourceEndpoints   = "endpoints"   // from probe
	SourceReport      = "report"      // from comparing the two
)

// Finding is a finding of inspect, probe or the report itself.
type Finding struct {
	Source string `json:"source"`
	finding.Finding
}

// Bind is what is still to do on the server.
type Bind struct {
	// Done is true when every probed service already serves the delivered
	// certificate: nothing is left to run.
	Done bool `json:"done"`
	// Note says why the steps are (or are not) listed.
	Note  string `json:"note"`
	Steps []Step `json:"steps"`
	// Warnings are the bind script's own warnings.
	Warnings []exchange.BindWarning `json:"warnings"`
}

// Step is one step of the bind script.
type Step struct {
	Title  string `json:"title"`
	Script string `json:"script"`
}

// InputError reports an Input that Build cannot use.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return "report: " + e.Msg }

// Build makes the report. It returns an *InputError when Plan or Inspect
// is missing; everything the checks found is in the report, not an error.
func Build(in Input) (*Report, error) {
	if in.Plan == nil {
		return nil, &InputError{"no plan"}
	}
	if in.Inspect == nil {
		return nil, &InputError{"no inspect report"}
	}
	ir := in.Inspect
	r := &Report{
		Schema: Schema, Generator: in.Generator, EvaluatedAt: ir.EvaluatedAt, MinDays: in.MinDays,
		Plan: PlanSummary{
			FQDN: in.Plan.FQDN, Domains: in.Plan.Domains, Exchange: in.Plan.Exchange.Title(),
			CommonName: in.Plan.CommonName, Names: in.Plan.DNSNames(),
		},
		Files: []string{}, Chain: []ChainLink{}, Columns: []Column{}, Matrix: []Row{}, Findings: []Finding{},
		Bind: Bind{Steps: []Step{}, Warnings: []exchange.BindWarning{}},
	}
	if in.Plan.From != exchange.None {
		r.Plan.From = in.Plan.From.Title()
	}
	for _, f := range ir.Files {
		r.Files = append(r.Files, f.Name)
	}
	for i := range ir.Certificates {
		if ir.Certificates[i].Role == inspect.RoleLeaf {
			c := ir.Certificates[i]
			r.Certificate = &c
			break
		}
	}
	for _, f := range ir.Findings {
		r.Findings = append(r.Findings, Finding{SourceCertificate, f})
	}
	if in.Probe != nil {
		r.Probe = &ProbeSummary{Host: in.Probe.Host, CheckedAt: in.Probe.CheckedAt}
		for _, f := range in.Probe.Findings {
			r.Findings = append(r.Findings, Finding{SourceEndpoints, f})
		}
	}
	if r.Certificate == nil {
		r.Findings = append(r.Findings, Finding{SourceReport, finding.Finding{
			Code: CodeNoCertificate, Severity: finding.Error, Subject: strings.Join(r.Files, ", "),
			Message: "the files hold no server certificate, so there is nothing to check against the plan or to bind",
			Fix:     "give the certificate the CA issued (.cer, .p7b or .pfx), not only the request or the CA's certificates",
		}})
	}
	r.chain(ir)
	r.timeline(ir.EvaluatedAt)
	r.matrix(in)
	r.bind(in)
	r.verdict()
	return r, nil
}

// chain follows the leaf's issuers through the certificates in the files.
func (r *Report) chain(ir *inspect.Report) {
	if r.Certificate == nil {
		return
	}
	broken := ""
	for _, f := range ir.Findings {
		if f.Severity == finding.Error && (f.Code == inspect.CodeChainIncomplete || f.Code == inspect.CodeChainUntrusted) {
			broken = f.Message
		}
	}
	cur := r.Certificate
	for len(r.Chain) <= len(ir.Certificates) {
		r.Chain = append(r.Chain, r.link(cur))
		if cur.SelfSigned {
			return
		}
		var next *inspect.Certificate
		for i := range ir.Certificates {
			c := &ir.Certificates[i]
			if c.Subject == cur.Issuer && c.Thumbprint != cur.Thumbprint && c.IsCA {
				next = c
				break
			}
		}
		if next == nil {
			l := ChainLink{Subject: commonName(cur.Issuer), Role: inspect.RoleRoot, State: LinkNotInFiles,
				Note: "not in the files: clients must find it in their trust store"}
			if broken != "" {
				l.Role, l.State, l.Note = inspect.RoleIntermediate, LinkMissing, broken
			}
			r.Chain = append(r.Chain, l)
			return
		}
		cur = next
	}
}

func (r *Report) link(c *inspect.Certificate) ChainLink {
	l := ChainLink{Subject: commonName(c.Subject), Role: c.Role, InFiles: true, Thumbprint: c.Thumbprint,
		NotBefore: c.NotBefore, NotAfter: c.NotAfter, DaysLeft: c.DaysLeft, State: LinkValid}
	switch {
	case r.EvaluatedAt.Before(c.NotBefore):
		l.State, l.Note = LinkNotYetValid, "valid from "+c.NotBefore.Format(time.DateOnly)
	case r.EvaluatedAt.After(c.NotAfter): // valid through notAfter inclusive (RFC 5280 §4.1.2.5), as inspect counts it
		l.State, l.Note = LinkExpired, "expired on "+c.NotAfter.Format(time.DateOnly)
	case c.DaysLeft < r.MinDays:
		l.State, l.Note = LinkExpiresSoon, fmt.Sprintf("expires in %d days, within the %d-day renewal window", c.DaysLeft, r.MinDays)
	}
	return l
}

// commonName returns the CN of an RFC 2253 subject string, or the whole
// subject when it has none.
func commonName(subject string) string {
	for _, part := range strings.Split(subject, ",") {
		if v, ok := strings.CutPrefix(part, "CN="); ok {
			return v
		}
	}
	return subject
}

// timeline spans the leaf's validity, today and the renewal window, and
// any chain certificate that has already ended.
func (r *Report) timeline(now time.Time) {
	if r.Certificate == nil {
		return
	}
	t := &Timeline{Now: now, RenewBy: now.AddDate(0, 0, r.MinDays), Bars: []Bar{}}
	start, end := minTime(now, r.Certificate.NotBefore), maxTime(r.Certificate.NotAfter, t.RenewBy)
	for _, l := range r.Chain {
		if !l.InFiles {
			continue
		}
		if l.NotAfter.Before(start) || l.NotAfter.Before(now) {
			start = minTime(start, l.NotAfter)
		}
		t.Bars = append(t.Bars, Bar{Label: l.Subject, Role: string(l.Role), NotBefore: l.NotBefore, NotAfter: l.NotAfter, State: l.State})
	}
	pad := end.Sub(start) / 20
	t.Start, t.End = start.Add(-pad), end.Add(pad)
	r.Timeline = t
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// matrix fills the coverage matrix: a row per planned name, a column for
// the certificate and one per probed service.
func (r *Report) matrix(in Input) {
	r.Columns = append(r.Columns, Column{ID: ColumnCertificate, Kind: ColumnCertificate, Label: "Certificate"})
	var cov *inspect.Coverage
	if r.Certificate != nil {
		r.Columns[0].Thumbprint = r.Certificate.Thumbprint
		for i := range in.Inspect.Coverage {
			c := &in.Inspect.Coverage[i]
			if c.Kind == "certificate" && c.Thumbprint == r.Certificate.Thumbprint {
				cov = c
				break
			}
		}
	}
	type svc struct {
		byName map[string]*probe.Endpoint
		host   *probe.Endpoint
	}
	var services []probe.Service
	eps := map[probe.Service]*svc{}
	if in.Probe != nil {
		for _, e := range in.Probe.Endpoints {
			s := eps[e.Service]
			if s == nil {
				s = &svc{byName: map[string]*probe.Endpoint{}}
				eps[e.Service] = s
				services = append(services, e.Service)
			}
			s.byName[e.Name] = e
			if e.Name == in.Probe.Host || s.host == nil {
				s.host = e
			}
		}
		other := map[probe.Service]string{}
		for _, sv := range services {
			h := eps[sv].host
			col := Column{ID: string(sv), Kind: ColumnEndpoint, Label: serviceLabel(sv), Address: h.Address}
			if h.TLS != nil {
				col.Thumbprint = h.TLS.Thumbprint
			}
			r.Columns = append(r.Columns, col)
			for _, e := range eps[sv].byName {
				if r.Certificate != nil && e.TLS != nil && e.TLS.Thumbprint != "" && e.TLS.Thumbprint != r.Certificate.Thumbprint {
					other[sv] = e.TLS.Thumbprint
				}
			}
		}
		for _, sv := range services {
			subject := string(sv) + " " + eps[sv].host.Address
			said := slices.ContainsFunc(in.Probe.Findings, func(f finding.Finding) bool {
				return f.Code == probe.CodeOldCertificate && strings.HasPrefix(f.Subject, subject+" ")
			})
			if tp, ok := other[sv]; ok && !said {
				r.Findings = append(r.Findings, Finding{SourceReport, finding.Finding{
					Code: CodeOtherCertificate, Severity: finding.Warning, Subject: subject,
					Message: fmt.Sprintf("%s serves the certificate %s, not the delivered %s", serviceLabel(sv), tp, r.Certificate.Thumbprint),
					Fix:     "run the bind steps of this report on the server (exchcert bind prints them as one script), then report again",
				}})
			}
		}
	}
	for i, pn := range in.Plan.Names {
		row := Row{Name: pn.Name, Roles: pn.Roles}
		if row.Roles == nil {
			row.Roles = []plan.Role{}
		}
		row.Cells = append(row.Cells, certCell(cov, i, pn.Name))
		for _, sv := range services {
			e := eps[sv].byName[pn.Name]
			exact := e != nil
			if e == nil {
				e = eps[sv].host
			}
			row.Cells = append(row.Cells, r.endpointCell(e, pn.Name, exact))
		}
		r.Matrix = append(r.Matrix, row)
	}
}

func certCell(cov *inspect.Coverage, i int, name string) Cell {
	if cov == nil {
		return Cell{NotChecked, "no server certificate in the files"}
	}
	var nc *inspect.NameCoverage
	if i < len(cov.Names) && cov.Names[i].Name == name {
		nc = &cov.Names[i]
	}
	for j := range cov.Names {
		if nc == nil && cov.Names[j].Name == name {
			nc = &cov.Names[j]
		}
	}
	switch {
	case nc == nil:
		return Cell{NotChecked, "not checked"}
	case nc.Covered && nc.By == inspect.ByWildcard:
		return Cell{Covered, "by the wildcard SAN " + nc.Match}
	case nc.Covered:
		return Cell{Covered, "a subject alternative name of the certificate"}
	case nc.By == inspect.ByCNOnly:
		return Cell{Missing, "only in the Common Name, which clients ignore: it must be a subject alternative name (RFC 6125 §6.4.4)"}
	}
	return Cell{Missing, "not on the certificate: clients using " + name + " get a certificate warning"}
}

// endpointCell judges what service endpoint e serves for name; exact says
// that e was probed with name as SNI.
func (r *Report) endpointCell(e *probe.Endpoint, name string, exact bool) Cell {
	if e.TLS == nil || len(e.TLS.Chain) == 0 {
		switch {
		case e.Failure != nil:
			return Cell{Unreachable, e.Failure.String()}
		case e.StartTLS != nil && !*e.StartTLS:
			return Cell{Unreachable, "answers but offers no STARTTLS"}
		}
		return Cell{Unreachable, "no TLS handshake"}
	}
	var covers bool
	if exact {
		covers = e.TLS.CoversName
	} else {
		n := inspect.Names{}
		for _, d := range e.TLS.Chain[0].DNSNames {
			if v, err := plan.Normalize(d); err == nil {
				n.SANs = append(n.SANs, v)
			}
		}
		covers, _, _ = n.Cover(name)
	}
	served := e.TLS.Thumbprint
	leaf := e.TLS.Chain[0]
	if r.Certificate != nil && served != r.Certificate.Thumbprint {
		why := fmt.Sprintf("serves %s (%s, until %s), not the delivered certificate", served, commonName(leaf.Subject), leaf.NotAfter.Format(time.DateOnly))
		if !covers {
			why += ", and it does not cover " + name
		}
		return Cell{WrongCert, why}
	}
	if !covers {
		return Cell{Missing, "the served certificate does not cover " + name}
	}
	how := "serves the delivered certificate"
	if exact {
		how += " for SNI " + name
	}
	return Cell{Covered, fmt.Sprintf("%s over %s", how, strings.TrimPrefix(e.TLS.Version, "TLS "))}
}

func serviceLabel(s probe.Service) string {
	switch s {
	case probe.HTTPS:
		return "HTTPS"
	case probe.SMTP:
		return "SMTP"
	case probe.Submission:
		return "Submission"
	case probe.IMAP:
		return "IMAP"
	case probe.IMAPS:
		return "IMAPS"
	case probe.POP3:
		return "POP3"
	case probe.POP3S:
		return "POP3S"
	}
	return string(s)
}

// bind lists the bind script's steps unless every probed service already
// serves the delivered certificate.
func (r *Report) bind(in Input) {
	if r.Certificate == nil {
		r.Bind.Note = "no server certificate in the files: nothing to bind"
		return
	}
	if in.Probe != nil {
		done, reached := true, false
		for _, e := range in.Probe.Endpoints {
			if e.TLS != nil {
				reached = true
				if e.TLS.Thumbprint != r.Certificate.Thumbprint {
					done = false
				}
			}
		}
		if done && reached {
			r.Bind.Done = true
			r.Bind.Note = "every service that answered serves the delivered certificate: nothing left to bind"
			return
		}
	}
	p := in.Plan
	bi := p.BindInput()
	bi.Thumbprint, bi.CommonName, bi.Names, bi.NamesFromPlan = r.Certificate.Thumbprint, r.Certificate.CommonName, r.Certificate.DNSNames, false
	bi.File, bi.FileKind = in.ImportPath, exchange.CertFile
	switch r.Certificate.KeyType {
	case "ECDSA":
		bi.KeyAlgorithm = exchange.ECDSA
	case "RSA":
		bi.KeyAlgorithm = exchange.RSA
	}
	for _, f := range in.Inspect.Files {
		if f.Name == r.Certificate.File && f.Format == inspect.FormatPKCS12 {
			bi.FileKind = exchange.PFXFile
			bi.PFXModern = f.PFX != nil && f.PFX.Modern()
		}
	}
	if bi.File == "" {
		bi.File = exchange.DefaultImportPath(path.Base(strings.ReplaceAll(r.Certificate.File, `\`, "/")))
	}
	b, err := exchange.BindScript(bi)
	if err != nil {
		r.Bind.Note = "no bind script: " + err.Error()
		return
	}
	r.Bind.Warnings = append(r.Bind.Warnings, b.Warnings...)
	r.Bind.Steps = splitSteps(b.Script)
	r.Bind.Note = fmt.Sprintf("run in the Exchange Management Shell on %s; exchcert bind prints the same as one script", p.Server())
}

// splitSteps cuts the bind script at its "# --- N. Title ---" headings;
// what comes before the first is the preamble.
func splitSteps(script string) []Step {
	steps := []Step{{Title: "Before the first step"}}
	var b strings.Builder
	flush := func() {
		steps[len(steps)-1].Script = strings.Trim(b.String(), "\n") + "\n"
		b.Reset()
	}
	for _, line := range strings.SplitAfter(script, "\n") {
		t := strings.TrimSpace(line)
		if h, ok := strings.CutPrefix(t, "# --- "); ok && strings.HasSuffix(h, " ---") {
			flush()
			steps = append(steps, Step{Title: strings.TrimSuffix(h, " ---")})
			continue
		}
		b.WriteString(line)
	}
	flush()
	return steps
}

// verdict sums the findings up.
func (r *Report) verdict() {
	v := Verdict{Reasons: []string{}}
	for _, f := range r.Findings {
		switch f.Severity {
		case finding.Error:
			v.Errors++
			v.Reasons = append(v.Reasons, f.Message)
		case finding.Warning:
			v.Warnings++
		}
	}
	v.Ready = v.Errors == 0
	what := "the certificate"
	if r.Probe != nil {
		what = "the certificate and the services of " + r.Probe.Host
	}
	switch {
	case !v.Ready:
		v.Summary = fmt.Sprintf("Not ready: %s %s", plural(v.Errors, "error"), "in "+what)
	case v.Warnings > 0:
		v.Summary = fmt.Sprintf("Ready: no errors in %s, %s to read", what, plural(v.Warnings, "warning"))
	default:
		v.Summary = "Ready: no errors or warnings in " + what
	}
	if !r.Bind.Done && len(r.Bind.Steps) > 0 {
		v.Summary += fmt.Sprintf("; %d bind steps still to run", len(r.Bind.Steps)-1)
	}
	r.Verdict = v
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// FindingsBySeverity returns the findings with severity s, in order.
func (r *Report) FindingsBySeverity(s finding.Severity) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity == s {
			out = append(out, f)
		}
	}
	return out
}
