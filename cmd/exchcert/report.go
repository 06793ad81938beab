package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/plan"
	"github.com/exchcert/exchcert/probe"
	"github.com/exchcert/exchcert/report"
)

// Formats of exchcert report -o besides table and json.
const (
	formatHTML     = "html"
	formatMarkdown = "md"
)

// reportFormat is report's -o: table and json as everywhere, plus html and md.
type reportFormat struct{ outputFlag }

func (f *reportFormat) Set(s string) error {
	return setFormat((*string)(&f.outputFlag), s, formatTable, formatJSON, formatHTML, formatMarkdown)
}

// reportOptions are the flags of exchcert report: inspect's, where to probe,
// and the format.
type reportOptions struct {
	cert       inspectOptions
	host       string
	addrs      []string
	timeout    time.Duration
	importPath string
	output     reportFormat
}

func newReportCmd(a *app) *cobra.Command {
	o := reportOptions{output: reportFormat{formatTable}}
	cmd := &cobra.Command{
		Use:   "report FILE...",
		Short: "Write the change-ticket report: plan, certificate and live services in one page",
		Long: `Report checks the certificate files as exchcert inspect does and, with
--probe HOST, the live services as exchcert probe does, and puts the results
into one report for a change ticket: a verdict (ready or not, and why), a
matrix of the planned names against the certificate and each probed service
(covered, missing, wrong certificate, with the reason), the chain, the
validity against today and --min-days, the findings with their fixes, and
the bind steps still to run.

-o html writes one self-contained page (no scripts, fonts or images to
fetch; it prints, with every cell's reason); -o md the same as Markdown;
-o json the data; the default is a table for the terminal.

The plan is required (the plan flags or --plan FILE). Exit codes: 0 ready,
1 not ready (an error-level finding), 2 a file could not be read or a flag
is wrong.`,
		Example: `  # Before the change: the delivered certificate against the saved plan
  exchcert report --plan acme.plan.json delivered.p7b -o html > exch2-before.html

  # After the change: also what mail.acme.com serves now, as Markdown for the ticket
  exchcert report --plan acme.plan.json --probe mail.acme.com delivered.p7b -o md > exch2-after.md

  # A private CA, and a PFX whose password is in an environment variable
  exchcert report --plan acme.plan.json --roots acme-root.cer --password-env PFX_PASS exch2.pfx -o html > r.html`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			return o.run(a, cmd, files)
		},
	}
	fs := cmd.Flags()
	o.cert.register(cmd)
	fs.StringVar(&o.host, "probe", "", "also probe the services of `HOST` as exchcert probe does")
	fs.StringArrayVar(&o.addrs, "addr", nil, "with --probe: connect `SERVICE=HOST:PORT` elsewhere (repeatable), as exchcert probe --addr")
	fs.DurationVar(&o.timeout, "timeout", probe.DefaultTimeout, "with --probe: time limit for each endpoint")
	fs.StringVar(&o.importPath, "import-path", "", "Windows `PATH` the bind steps import the file from (default "+exchange.DefaultImportPath("<FILE's name>")+")")
	fs.VarP(&o.output, "output", "o", "report format: table|json|html|md")
	return cmd
}

func (o *reportOptions) run(a *app, cmd *cobra.Command, files []string) error {
	if !o.cert.plan.given(cmd) {
		return &usageError{errors.New("no plan: give --fqdn (and --domain) or --plan FILE")}
	}
	if o.host == "" && (cmd.Flags().Changed("addr") || cmd.Flags().Changed("timeout")) {
		return &usageError{errors.New("--addr and --timeout are used only with --probe HOST")}
	}
	p, err := o.cert.plan.load(a, cmd)
	if err != nil {
		return err
	}
	in := report.Input{Plan: p, MinDays: o.cert.checks.minDays, ImportPath: o.importPath, Generator: "exchcert " + buildVersion().Version}
	if in.Inspect, err = o.cert.check(a, cmd, files); err != nil {
		return err
	}
	if o.host != "" {
		if in.Probe, err = o.probe(a, cmd, p); err != nil {
			return err
		}
	}
	rep, err := report.Build(in)
	if err != nil {
		return err
	}
	switch o.output.outputFlag {
	case formatJSON:
		err = writeJSON(a.stdout, rep)
	case formatHTML:
		err = rep.WriteHTML(a.stdout)
	case formatMarkdown:
		err = rep.WriteMarkdown(a.stdout)
	default:
		err = writeReportTables(a.stdout, rep)
	}
	if err != nil {
		return err
	}
	if !rep.Verdict.Ready {
		return errFindings
	}
	return nil
}

// probe runs exchcert probe's checks against --probe HOST.
func (o *reportOptions) probe(a *app, cmd *cobra.Command, p *plan.Plan) (*probe.Report, error) {
	po := probe.Options{Plan: p, Timeout: o.timeout, Now: a.now}
	if o.cert.checks.at != "" {
		at, _ := parseAt(o.cert.checks.at) // check already refused a bad --at
		po.Now = func() time.Time { return at }
	}
	return runProbe(cmd.Context(), "--probe", o.host, o.addrs, &o.cert.checks, po)
}

// writeReportTables renders the report for the terminal: the verdict, the
// matrix with a short reason per cell, the chain and the findings.
func writeReportTables(w io.Writer, r *report.Report) error {
	fmt.Fprintf(w, "%s\n", r.Verdict.Summary)
	for _, reason := range r.Verdict.Reasons {
		fmt.Fprintf(w, "  - %s\n", reason)
	}
	fmt.Fprintf(w, "\nPlan: %s (%s), evaluated at %s\n", r.Plan.FQDN, r.Plan.Exchange, r.EvaluatedAt.Format(time.RFC3339))
	if c := r.Certificate; c != nil {
		fmt.Fprintf(w, "Certificate: %s, thumbprint %s, %s\n", c.Subject, c.Thumbprint, daysText(c.DaysLeft))
	}
	fmt.Fprintln(w)
	header := []string{"Name"}
	for _, c := range r.Columns {
		header = append(header, c.Label)
	}
	t := newTable(w, header...)
	for _, row := range r.Matrix {
		cells := []string{row.Name}
		for _, c := range row.Cells {
			cells = append(cells, report.StateText(c.State))
		}
		if err := t.Append(cells); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	if len(r.Chain) > 0 {
		links := make([]string, len(r.Chain))
		for i, l := range r.Chain {
			links[i] = fmt.Sprintf("%s (%s, %s)", l.Subject, l.Role, l.State)
		}
		fmt.Fprintf(w, "\nChain: %s\n", strings.Join(links, " <- "))
	}
	var fs finding.Findings
	for _, f := range r.Findings {
		fs = append(fs, f.Finding)
	}
	if err := writeFindings(w, "Findings", fs); err != nil {
		return err
	}
	switch {
	case r.Bind.Done || len(r.Bind.Steps) == 0:
		_, err := fmt.Fprintf(w, "\nBind: %s\n", r.Bind.Note)
		return err
	}
	_, err := fmt.Fprintf(w, "\nBind: %d steps still to run (-o html or -o md lists them; exchcert bind prints them as one script)\n", len(r.Bind.Steps)-1)
	return err
}
