package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/exchcert/exchcert/acme"
	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/internal/testpki"
	"github.com/exchcert/exchcert/plan"
)

// TestAcmeSummaryEscapes: what the CA chose (the issuer's name, the
// account URL, the reason and renewal information) and the file names are
// shown escaped, never as raw control characters.
func TestAcmeSummaryEscapes(t *testing.T) {
	const hostile = "Evil\x1b[2J CA\r\nissued: fake\x07"
	root, err := testpki.NewRoot(hostile)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := root.Issue(testpki.Template{CommonName: "exch2.acme.com", DNSNames: []string{"exch2.acme.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if leaf.Cert.Issuer.CommonName != hostile {
		t.Fatalf("issuer %q, want the hostile name", leaf.Cert.Issuer.CommonName)
	}
	p, err := plan.Build(plan.Input{FQDN: "exch2.acme.com", Domains: []string{"acme.com"}, Exchange: exchange.Exchange2019})
	if err != nil {
		t.Fatal(err)
	}
	rep := &acme.Report{
		Action:     acme.ActionRenewed,
		Renewal:    &acme.Renewal{Due: true, Reason: "the CA says\x1b]0;x\x07 so", Rule: acme.RuleARI, ARIError: "bad\r\nanswer\x1b[31m"},
		Server:     "https://ca.example/\x1b[1mdir",
		Account:    "https://ca.example/acct/1\r\n\x1b[0m",
		CommonName: p.CommonName,
		Issuer:     leaf.Cert.Issuer.CommonName,
		Serial:     fmt.Sprintf("%X\x1b[K", leaf.Cert.SerialNumber),
		Thumbprint: inspect.Thumbprint(leaf.Cert),
		NotBefore:  leaf.Cert.NotBefore, NotAfter: leaf.Cert.NotAfter,
		Coverage:  inspect.CoverPlan(p, inspect.CertNames(leaf.Cert)),
		Missing:   []string{"acme.com\x1b[8m", "autodiscover.acme.com"},
		Archived:  "out/archive/\x1b[5m",
		Deployed:  true,
		DeployLog: "out/exch2\r\n.deploy.log\x1b",
		Files:     []acme.ReportFile{{Kind: "pfx", Path: "out/\x1b[2Jexch2.pfx"}},
		Findings:  finding.Findings{{Severity: finding.Error, Code: "chain", Subject: hostile, Message: "untrusted\x1b[0m"}},
	}
	var buf bytes.Buffer
	if err := writeAcmeSummary(&screen{&buf, 200}, rep); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if i := strings.IndexAny(out, "\x1b\r\x07"); i >= 0 {
		t.Errorf("raw control character at %d:\n%q", i, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "issued: fake") {
			t.Errorf("the issuer's name started a line of its own:\n%s", out)
		}
	}
	for _, want := range []string{`Issuer:      Evil\x1b[2J CA\x0d\x0aissued: fake\x07`, `Account:     https://ca.example/acct/1\x0d\x0a\x1b[0m`, `renewal information: bad\x0d\x0aanswer\x1b[31m`, `missing acme.com\x1b[8m, autodiscover.acme.com`, `(log out/exch2\x0d\x0a.deploy.log\x1b)`} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %s:\n%s", want, out)
		}
	}
}
