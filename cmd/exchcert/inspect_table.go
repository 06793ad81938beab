package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/internal/textwrap"
)

// writeInspectTables renders the report for people: one table per
// certificate and request, the coverage of the plan, then the findings.
func writeInspectTables(w io.Writer, r *inspect.Report) error {
	fmt.Fprintf(w, "Evaluated at %s", r.EvaluatedAt.Format(time.RFC3339))
	if r.Exchange != "" {
		v, _ := exchange.ParseVersion(r.Exchange, exchange.Targets)
		fmt.Fprintf(w, " for %s", v.Title())
	}
	fmt.Fprintln(w)
	for _, f := range r.Files {
		fmt.Fprintf(w, "%s: %s, %s", esc(f.Name), f.Format, count(f.Certs, "certificate"))
		if f.CSRs > 0 {
			fmt.Fprintf(w, ", %s", count(f.CSRs, "request"))
		}
		if f.Keys > 0 {
			fmt.Fprintf(w, ", %s", count(f.Keys, "private key"))
		}
		if f.PFX != nil {
			// The iteration counts of the encryption and of the MAC are
			// separate: a 1-iteration MAC is a cheap password check.
			fmt.Fprintf(w, " (PFX: %s certificates, %s key", f.PFX.CertEncryption, f.PFX.KeyEncryption)
			if f.PFX.BagIterations > 0 {
				fmt.Fprintf(w, ", %s", count(f.PFX.BagIterations, "iteration"))
			}
			fmt.Fprintf(w, "; MAC %s", f.PFX.MAC)
			if f.PFX.MACIterations > 0 {
				fmt.Fprintf(w, ", %s", count(f.PFX.MACIterations, "iteration"))
			}
			fmt.Fprint(w, ")")
		}
		fmt.Fprintln(w)
	}
	for _, c := range r.Certificates {
		fmt.Fprintf(w, "\n%s #%d: %s\n", esc(c.File), c.Index, c.Role)
		t := newTable(w, "Field", "Value")
		rows := [][]string{
			{"Subject", esc(c.Subject)},
			{"Issuer", esc(c.Issuer)},
			{"Serial", c.Serial},
			{"Valid", fmt.Sprintf("%s to %s (%s)", c.NotBefore.Format(time.DateTime), c.NotAfter.Format(time.DateTime), daysText(c.DaysLeft))},
			{"Names (SAN)", sanText(c.DNSNames, c.IPAddresses)},
			{"Key", keyDescription(c.KeyType, c.KeyBits, c.KeyCurve)},
			{"Signature", c.SignatureAlgorithm},
			{"Key usage", orNone(strings.Join(c.KeyUsage, ", "))},
			{"Extended key usage", orNone(strings.Join(c.ExtKeyUsage, ", "))},
			{"CA", yesNo(c.IsCA)},
			{"Thumbprint (SHA-1)", c.Thumbprint},
			{"SHA-256", c.SHA256Fingerprint},
		}
		if c.Role == inspect.RoleLeaf {
			rows = append(rows, []string{"Private key", keyText(c.HasPrivateKey, r.PrivateKeys)})
		}
		if err := appendRows(t, rows); err != nil {
			return err
		}
	}
	for _, c := range r.CSRs {
		fmt.Fprintf(w, "\n%s #%d: certificate request\n", esc(c.File), c.Index)
		t := newTable(w, "Field", "Value")
		rows := [][]string{
			{"Subject", esc(c.Subject)},
			{"Names (SAN)", sanText(c.DNSNames, c.IPAddresses)},
			{"Key", keyDescription(c.KeyType, c.KeyBits, c.KeyCurve)},
			{"Signature", c.SignatureAlgorithm + ", " + map[bool]string{true: "valid", false: "INVALID"}[c.SignatureValid]},
			{"Private key", keyText(c.HasPrivateKey, r.PrivateKeys)},
		}
		if err := appendRows(t, rows); err != nil {
			return err
		}
	}
	for _, cov := range r.Coverage {
		fmt.Fprintf(w, "\nCoverage of the plan by %s (%s %s):\n", esc(cov.File), cov.Kind, esc(cov.Subject))
		t := newTable(w, "Name", "Covered", "By")
		var rows [][]string
		for _, n := range cov.Names {
			by := n.By
			if n.Match != "" && n.Match != n.Name {
				by += " " + n.Match
			}
			rows = append(rows, []string{esc(n.Name), yesNo(n.Covered), esc(by)})
		}
		if err := appendRows(t, rows); err != nil {
			return err
		}
	}
	if len(r.Findings) == 0 {
		_, err := fmt.Fprintln(w, "\nNo findings.")
		return err
	}
	return writeFindings(w, "Findings", r.Findings)
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func daysText(d int) string {
	switch {
	case d == -1:
		return "expired today"
	case d < 0: // d is rounded down: -1 within a day of expiry
		return fmt.Sprintf("expired %d days ago", -d-1)
	case d == 1:
		return "1 day left"
	}
	return fmt.Sprintf("%d days left", d)
}

func keyText(matches bool, keys int) string {
	switch {
	case matches:
		return "matches"
	case keys == 0:
		return "not checked (no key given)"
	}
	return "DOES NOT MATCH the key given"
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// sanText lists a certificate's or request's names, escaped and wrapped.
func sanText(dns, ips []string) string {
	return textwrap.Soft(strings.Join(escList(append(append([]string{}, dns...), ips...)), ", "), 72)
}

// keyDescription is "RSA 2048" or "ECDSA P-256".
func keyDescription(typ string, bits int, curve string) string {
	if curve != "" {
		return typ + " " + curve
	}
	return fmt.Sprintf("%s %d", typ, bits)
}
