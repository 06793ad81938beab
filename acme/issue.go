package acme

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/internal/safefile"
	"github.com/exchcert/exchcert/plan"
)

// Actions of a Report.
const (
	ActionIssued  = "issued"
	ActionRenewed = "renewed"
	ActionNotDue  = "not-due"
)

// ReportFile is one file Issue wrote.
type ReportFile struct {
	Kind string `json:"kind"` // key, certificate, pfx, bind-script, summary
	Path string `json:"path"`
}

// Report is what Issue did: the JSON document of exchcert acme and acme
// renew (schema exchcert.acme/v1).
type Report struct {
	Schema      string                 `json:"schema"`
	Action      string                 `json:"action"` // issued, renewed, not-due
	Renewal     *Renewal               `json:"renewal,omitempty"`
	Server      string                 `json:"server"`
	Account     string                 `json:"account,omitempty"`
	CommonName  string                 `json:"common_name"`
	Names       []string               `json:"names"`
	Serial      string                 `json:"serial"`
	Thumbprint  string                 `json:"thumbprint"`
	Issuer      string                 `json:"issuer"`
	NotBefore   time.Time              `json:"not_before"`
	NotAfter    time.Time              `json:"not_after"`
	RenewFrom   time.Time              `json:"renew_from"`
	Covers      bool                   `json:"covers_plan"`
	Missing     []string               `json:"missing"`
	Coverage    []inspect.NameCoverage `json:"coverage"`
	PFXEncoding string                 `json:"pfx_encoding,omitempty"`
	Files       []ReportFile           `json:"files"`
	Archived    string                 `json:"archived,omitempty"`
	Findings    finding.Findings       `json:"findings"`
	Warnings    []exchange.BindWarning `json:"bind_warnings,omitempty"`
	Deployed    bool                   `json:"deployed,omitempty"`
	DeployLog   string                 `json:"deploy_log,omitempty"`
}

// ReportSchema identifies the JSON form of a Report.
const ReportSchema = "exchcert.acme/v1"

// IssueRequest is one run of the issue or renew workflow.
type IssueRequest struct {
	Plan   *plan.Plan
	OutDir string // the folder of Files; it must exist
	Files  Files  // FilesFor(OutDir, Plan.CommonName)

	// Renew decides first whether Current is due (the CA's renewal
	// window, else Days or a third of its lifetime); Force renews or
	// replaces anyway.
	Renew   bool
	Current *x509.Certificate // the certificate in Files.Cert (Renew only)
	Days    int
	Force   bool

	// Secrets returns the certificate's key and the PFX password. It is
	// called once, when the work is due and everything local has been
	// checked, before the CA is asked.
	Secrets func() (crypto.Signer, []byte, error)

	Encoding exchange.PFXEncoding
	// LegacyWarning is told through Notify once the files are written
	// with the legacy PFX encoding.
	LegacyWarning string
	Bind          BindOptions
	Roots         *x509.CertPool // trusted roots for checking the issued chain; nil: the system's

	Options Options // the CA, the account and the challenge

	// Summary renders the summary file from the report.
	Summary func(io.Writer, *Report) error
	// Deploy, when set, runs the bind script on the server once the files
	// are written; it returns the log's path. It is not called when the
	// new certificate fails inspect's checks.
	Deploy func(ctx context.Context, rep *Report, oldThumbprint string, password []byte) (string, error)

	Now    func() time.Time // the clock; time.Now when nil
	Notify func(string)     // one line each: warnings and file recoveries; may be nil
}

// InputError is a problem with a file or folder Issue looked at before
// anything was asked of the CA: nothing was written.
type InputError struct {
	Path string
	Err  error
}

func (e *InputError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// ErrHTTP01Names means HTTP-01 cannot validate every planned name (see
// HTTP01Findings; the findings were told through Notify).
var ErrHTTP01Names = errors.New("HTTP-01 cannot validate every planned name (use --dns PROVIDER)")

// WriteError means the certificate was issued but what it becomes could
// not be archived or written.
type WriteError struct{ Err error }

func (e *WriteError) Error() string { return e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }

// Issue runs the workflow of exchcert acme and acme renew: decide whether
// a renewal is due, check the output folder, order the certificate
// (Obtain), check what was issued with inspect, encode the key,
// certificate, PFX, bind script and summary (Deliverables), archive the
// files it replaces (Archive), write the new ones and, when asked and the
// checks pass, deploy them.
//
// A Report with a nil error means done (Action says what; its Findings
// may hold errors). A Report with an error means the files were written
// but Deploy failed. No Report means nothing was written: the error is an
// *InputError, ErrHTTP01Names, an error of Obtain or Secrets, or a
// *WriteError.
func Issue(ctx context.Context, req IssueRequest) (*Report, error) {
	now, notify := req.Now, req.Notify
	if now == nil {
		now = time.Now
	}
	if notify == nil {
		notify = func(string) {}
	}
	p, set := req.Plan, req.Files
	rep := &Report{Schema: ReportSchema, Server: req.Options.Server, CommonName: p.CommonName, Files: []ReportFile{}, Missing: []string{}, Findings: finding.Findings{}}

	// What is there now decides whether anything is to be done.
	if req.Renew {
		r := decide(ctx, req, now())
		rep.Renewal = &r
		if !r.Due && !req.Force {
			rep.Action = ActionNotDue
			rep.fillCert(p, req.Current)
			rep.RenewFrom = r.RenewFrom
			return rep, nil
		}
		if !r.Due {
			r.Reason = "--force: " + r.Reason
		}
	} else if !req.Force {
		for _, f := range set.All() {
			if _, err := os.Lstat(f); err == nil {
				return nil, &InputError{f, errors.New("already exists (use 'exchcert acme renew', or --force to replace the files)")}
			}
		}
	}
	if st, err := os.Stat(req.OutDir); err != nil || !st.IsDir() {
		return nil, &InputError{req.OutDir, errors.New("is not a folder (create it first)")}
	}
	// The files are archived and replaced as plain files: a link among
	// them would copy whatever it points to into the archive.
	for _, f := range set.All() {
		if st, err := os.Lstat(f); err == nil && !st.Mode().IsRegular() {
			return nil, &InputError{f, errors.New("is not a plain file (a symbolic link or a folder); exchcert writes plain files there: remove it")}
		}
	}
	safefile.Recover(notify, set.All()...)

	// Everything that can be wrong locally is checked before the CA is asked.
	if req.Options.HTTP != "" || req.Options.Webroot != nil {
		fs := HTTP01Findings(p)
		for _, f := range fs {
			notify(fmt.Sprintf("%s: %s: %s (%s)", f.Severity, f.Subject, f.Message, f.Fix))
		}
		rep.Findings = append(rep.Findings, fs...)
		if fs.HasErrors() {
			return nil, ErrHTTP01Names
		}
	}
	key, password, err := req.Secrets()
	if err != nil {
		return nil, err
	}
	res, err := Obtain(ctx, Request{Plan: p, Key: key, Replaces: ReplacesID(req.Current)}, req.Options)
	if err != nil {
		return nil, err
	}
	leaf := res.Chain[0]
	rep.Account = res.Account.URL
	rep.Action = ActionIssued
	if req.Renew {
		rep.Action = ActionRenewed
	}
	rep.fillCert(p, leaf)
	rep.RenewFrom = RenewDue(leaf, p, req.Days, now()).RenewFrom
	if err := rep.checkIssued(p, set.Cert, res.PEM, key, req.Roots, now()); err != nil {
		return nil, err
	}

	files, warnings, err := Deliverables(p, set, key, res.Chain, res.PEM, password, req.Encoding, req.Bind)
	if err != nil {
		return nil, &WriteError{fmt.Errorf("the certificate was issued but cannot be written: %w", err)}
	}
	rep.PFXEncoding = req.Encoding.String()
	rep.Warnings = warnings
	for _, f := range []ReportFile{{"key", set.Key}, {"certificate", set.Cert}, {"pfx", set.PFX}, {"bind-script", set.Bind}, {"summary", set.Summary}} {
		rep.Files = append(rep.Files, f)
	}
	if req.Summary != nil {
		var summary bytes.Buffer
		if err := req.Summary(&summary, rep); err != nil {
			return nil, err
		}
		files = append(files, safefile.File{Name: set.Summary, Data: summary.Bytes(), Perm: 0o644})
	}

	replace := req.Renew || req.Force
	if replace {
		if rep.Archived, err = Archive(req.OutDir, set, req.Current, now()); err != nil {
			return nil, &WriteError{fmt.Errorf("the certificate was issued but the current files cannot be archived: %w", err)}
		}
	}
	if err := safefile.Write(safefile.Options{Force: replace, Notify: notify}, files...); err != nil {
		return nil, &WriteError{fmt.Errorf("the certificate was issued but cannot be written: %w", err)}
	}
	for _, w := range warnings {
		notify("warning: " + w.Message)
	}
	if req.Encoding == exchange.PFXLegacy && req.LegacyWarning != "" {
		notify("warning: " + req.LegacyWarning)
	}
	if req.Deploy == nil {
		return rep, nil
	}
	if rep.Findings.HasErrors() {
		notify("not deployed: the new certificate fails inspect's checks (see the notes); the server keeps the old one")
		return rep, nil
	}
	old := ""
	if req.Current != nil {
		old = inspect.Thumbprint(req.Current)
	}
	rep.DeployLog, err = req.Deploy(ctx, rep, old, password)
	if err != nil {
		return rep, err
	}
	rep.Deployed = true
	return rep, nil
}

// decide asks the CA for the certificate's renewal window (RFC 9773) and
// decides with it, or with the fixed rule when the CA offers none or
// cannot be reached; a failed request never stops the renewal check.
func decide(ctx context.Context, req IssueRequest, now time.Time) Renewal {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	w, err := FetchWindow(ctx, req.Current, Options{Server: req.Options.Server, Roots: req.Options.Roots})
	return Decide(req.Current, req.Plan, Policy{Days: req.Days, Window: w, WindowErr: err}, now)
}

// fillCert puts the certificate's facts and how it covers the plan into rep.
func (rep *Report) fillCert(p *plan.Plan, leaf *x509.Certificate) {
	rep.Names = append([]string{}, leaf.DNSNames...)
	rep.Serial = fmt.Sprintf("%X", leaf.SerialNumber)
	rep.Thumbprint = inspect.Thumbprint(leaf)
	rep.Issuer = leaf.Issuer.CommonName
	rep.NotBefore, rep.NotAfter = leaf.NotBefore.UTC(), leaf.NotAfter.UTC()
	rep.Coverage = inspect.CoverPlan(p, inspect.CertNames(leaf))
	rep.Missing = []string{}
	for _, c := range rep.Coverage {
		if !c.Covered {
			rep.Missing = append(rep.Missing, c.Name)
		}
	}
	rep.Covers = len(rep.Missing) == 0
}

// checkIssued runs inspect's checks on the issued chain as written to
// name: coverage of the plan, the key, the chain up to a trusted root,
// validity and what the target Exchange version can use.
func (rep *Report) checkIssued(p *plan.Plan, name string, certPEM []byte, key crypto.Signer, roots *x509.CertPool, now time.Time) error {
	b, err := inspect.Load(name, certPEM, inspect.LoadOptions{})
	if err != nil {
		return &InputError{name, err}
	}
	r := inspect.Check([]*inspect.Bundle{b}, inspect.Options{Plan: p, Key: key, Roots: roots, Now: now})
	rep.Findings = append(rep.Findings, r.Findings...)
	return nil
}
