package main

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/exchcert/exchcert/acme"
	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/plan"
)

// acmeFile is one file acme wrote.
type acmeFile struct {
	Kind string `json:"kind"` // key, certificate, pfx, bind-script, summary
	Path string `json:"path"`
}

// acmeReport is the JSON document of exchcert acme and acme renew.
type acmeReport struct {
	Schema      string                 `json:"schema"`
	Action      string                 `json:"action"` // issued, renewed, not-due
	Renewal     *acme.Renewal          `json:"renewal,omitempty"`
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
	Files       []acmeFile             `json:"files"`
	Archived    string                 `json:"archived,omitempty"`
	Findings    plan.Findings          `json:"findings"`
	Warnings    []exchange.BindWarning `json:"bind_warnings,omitempty"`
	Deployed    bool                   `json:"deployed,omitempty"`
	DeployLog   string                 `json:"deploy_log,omitempty"`
}

// fillCert puts the certificate's facts and how it covers the plan into rep.
func fillCert(rep *acmeReport, p *plan.Plan, leaf *x509.Certificate) {
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
func checkIssued(rep *acmeReport, p *plan.Plan, name string, certPEM []byte, key crypto.Signer, roots *x509.CertPool, now time.Time) error {
	b, err := inspect.Load(name, certPEM, inspect.LoadOptions{})
	if err != nil {
		return inFile(name, err)
	}
	r := inspect.Check([]*inspect.Bundle{b}, inspect.Options{Plan: p, Key: key, Roots: roots, Now: now})
	rep.Findings = append(rep.Findings, r.Findings...)
	return nil
}

func writeAcmeSummary(w io.Writer, rep *acmeReport) error {
	var b strings.Builder
	switch rep.Action {
	case "renewed":
		fmt.Fprintf(&b, "renewed: %s\n%s\n", rep.Renewal.Reason, ruleLine(*rep.Renewal))
	case "issued":
		fmt.Fprintf(&b, "issued: %s\n", rep.CommonName)
	}
	fmt.Fprintf(&b, "\nCA:          %s\n", rep.Server)
	if rep.Account != "" {
		fmt.Fprintf(&b, "Account:     %s\n", rep.Account)
	}
	fmt.Fprintf(&b, "Issuer:      %s\n", rep.Issuer)
	fmt.Fprintf(&b, "Serial:      %s\n", rep.Serial)
	fmt.Fprintf(&b, "Thumbprint:  %s\n", rep.Thumbprint)
	fmt.Fprintf(&b, "Valid:       %s to %s (renew from %s)\n", rep.NotBefore.Format(time.RFC3339), rep.NotAfter.Format(time.RFC3339), rep.RenewFrom.Format(time.DateOnly))
	if rep.Covers {
		fmt.Fprintf(&b, "Plan:        covered (every planned name is on the certificate)\n")
	} else {
		fmt.Fprintf(&b, "Plan:        NOT covered, missing %s\n", strings.Join(rep.Missing, ", "))
	}
	if rep.PFXEncoding != "" {
		fmt.Fprintf(&b, "PFX:         %s encoding\n", rep.PFXEncoding)
	}
	if rep.Archived != "" {
		fmt.Fprintf(&b, "Previous:    archived in %s\n", rep.Archived)
	}
	if rep.DeployLog != "" {
		fmt.Fprintf(&b, "Deployed:    %v (log %s)\n", rep.Deployed, rep.DeployLog)
	}
	if _, err := io.WriteString(w, b.String()+"\n"); err != nil {
		return err
	}
	t := newTable(w, "Planned name", "Role", "Covered")
	for _, c := range rep.Coverage {
		covered := "yes (" + c.By + ")"
		if !c.Covered {
			covered = "NO"
		}
		if err := t.Append([]string{c.Name, rolesText(c.Roles), covered}); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	if len(rep.Files) > 0 {
		if _, err := io.WriteString(w, "\nFiles:\n"); err != nil {
			return err
		}
		for _, f := range rep.Files {
			if _, err := fmt.Fprintf(w, "  %-12s %s\n", f.Kind, f.Path); err != nil {
				return err
			}
		}
	}
	return writeFindings(w, "Notes", rep.Findings)
}

// progressPrinter shows the order's progress on stderr, one line per step
// and name.
func progressPrinter(w io.Writer, verbose bool) func(acme.Event) {
	return func(e acme.Event) {
		if e.Step == acme.StepInfo && !verbose {
			return
		}
		if e.Name != "" {
			fmt.Fprintf(w, "acme: %s: %s\n", e.Name, e.Detail)
			return
		}
		fmt.Fprintf(w, "acme: %s\n", e.Detail)
	}
}

// acmeError words Obtain's errors for the command line and picks the exit
// code: a CA, network or challenge failure is exit 1 (nothing was written;
// running again is safe), everything else exit 2.
func acmeError(err error, renew bool) error {
	var te *acme.TermsError
	if errors.As(err, &te) {
		return &usageError{fmt.Errorf("%w (read them, then add --accept-tos)", err)}
	}
	var oe *acme.OrderError
	if errors.As(err, &oe) {
		what := "nothing was written"
		if renew {
			what = "the current files are untouched"
		}
		var ua x509.UnknownAuthorityError
		if errors.As(err, &ua) {
			return &usageError{fmt.Errorf("%w (give the ACME server's root with --server-root FILE)", err)}
		}
		return &runError{fmt.Errorf("%w (%s; run again later)", err, what)}
	}
	var se *acme.StateError
	if errors.As(err, &se) {
		return inFile(se.Path, fmt.Errorf("%w (the account state is damaged; restore it from a backup, or use another --state-dir for a new account)", se.Err))
	}
	return err
}
