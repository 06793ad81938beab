package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/exchcert/exchcert/internal/safefile"
	"github.com/exchcert/exchcert/plan"
)

func writeCSRTable(w io.Writer, rep *csrReport) error {
	keyNote, made := "new, "+safefile.Protection(safefile.DefaultPerm), "this key was made here"
	if !rep.KeyCreated {
		keyNote, made = "reused, unchanged", "this key comes from "+rep.KeyFile
	}
	if _, err := fmt.Fprintf(w, "Key file:     %s (%s)\nRequest file: %s\n\n", rep.KeyFile, keyNote, rep.CSRFile); err != nil {
		return err
	}
	t := newTable(w, "Field", "Value")
	rows := [][]string{
		{"Subject", rep.DN},
		{"Key", rep.Key.String()},
		{"Key SHA-256", rep.PublicKeySHA256},
		{"Signature", rep.SignatureAlgorithm},
	}
	for _, n := range rep.SANs {
		kind := "SAN (DNS)"
		if plan.IsIP(n) {
			kind = "SAN (IP)"
		}
		rows = append(rows, []string{kind, n})
	}
	for _, r := range rows {
		if err := t.Append(r); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	if err := writeFindings(w, "Notes", rep.Findings); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nNext: send %s to the CA.\n", rep.CSRFile)
	fmt.Fprintf(&b, "Completing: %s, so join it with the CA's certificate using exchcert pfx; a request made on the server with the command below is completed there instead, with Import-ExchangeCertificate of the .cer.\n", made)
	if rep.ExchangeRequest != "" {
		fmt.Fprintf(&b, "\nTo keep the key inside Windows instead, run this in the Exchange Management Shell (%s) and send the .req file to the CA", rep.Exchange.Title())
		if rep.ExchangeNote != "" {
			fmt.Fprintf(&b, " (%s)", rep.ExchangeNote)
		}
		b.WriteString(":\n")
		for _, l := range strings.Split(strings.TrimRight(rep.ExchangeRequest, "\n"), "\n") {
			fmt.Fprintf(&b, "  %s\n", l)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
