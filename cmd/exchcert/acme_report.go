package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/exchcert/exchcert/acme"
)

func writeAcmeSummary(w io.Writer, rep *acme.Report) error {
	var b strings.Builder
	switch rep.Action {
	case "renewed":
		fmt.Fprintf(&b, "renewed: %s\n%s\n", esc(rep.Renewal.Reason), ruleLine(*rep.Renewal))
	case "issued":
		fmt.Fprintf(&b, "issued: %s\n", esc(rep.CommonName))
	}
	fmt.Fprintf(&b, "\nCA:          %s\n", esc(rep.Server))
	if rep.Account != "" {
		fmt.Fprintf(&b, "Account:     %s\n", esc(rep.Account))
	}
	fmt.Fprintf(&b, "Issuer:      %s\n", esc(rep.Issuer))
	fmt.Fprintf(&b, "Serial:      %s\n", esc(rep.Serial))
	fmt.Fprintf(&b, "Thumbprint:  %s\n", esc(rep.Thumbprint))
	fmt.Fprintf(&b, "Valid:       %s to %s (renew from %s)\n", rep.NotBefore.Format(time.RFC3339), rep.NotAfter.Format(time.RFC3339), rep.RenewFrom.Format(time.DateOnly))
	if rep.Covers {
		fmt.Fprintf(&b, "Plan:        covered (every planned name is on the certificate)\n")
	} else {
		fmt.Fprintf(&b, "Plan:        NOT covered, missing %s\n", strings.Join(escList(rep.Missing), ", "))
	}
	if rep.PFXEncoding != "" {
		fmt.Fprintf(&b, "PFX:         %s encoding\n", esc(rep.PFXEncoding))
	}
	if rep.Archived != "" {
		fmt.Fprintf(&b, "Previous:    archived in %s\n", esc(rep.Archived))
	}
	if rep.DeployLog != "" {
		fmt.Fprintf(&b, "Deployed:    %v (log %s)\n", rep.Deployed, esc(rep.DeployLog))
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
			if _, err := fmt.Fprintf(w, "  %-12s %s\n", esc(f.Kind), esc(f.Path)); err != nil {
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
