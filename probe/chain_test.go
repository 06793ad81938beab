package probe

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/internal/testpki"
)

func TestAnalyze(t *testing.T) {
	p := newPKI(t)
	now := time.Now()
	leaf, inter, root := p.leaf.Cert, p.inter.Cert.Cert, p.root.Cert.Cert
	withInter := x509.NewCertPool()
	withInter.AddCert(root)
	withInter.AddCert(inter)
	selfSigned, err := testpki.NewRoot("mail.acme.com")
	if err != nil {
		t.Fatal(err)
	}
	wild := p.issue(t, testpki.Template{CommonName: "*.acme.com", DNSNames: []string{"*.acme.com"}})
	noEKU := p.issue(t, testpki.Template{CommonName: "mail.acme.com", DNSNames: []string{"mail.acme.com"}, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})

	tests := []struct {
		name                                string
		served                              []*x509.Certificate
		roots                               *x509.CertPool
		host                                string
		trusted, complete, inDate, coverage bool
		missing, problem                    string
	}{
		{"full chain", []*x509.Certificate{leaf, inter}, p.roots, "mail.acme.com", true, true, true, true, "", ""},
		{"full chain with root", []*x509.Certificate{leaf, inter, root}, p.roots, "acme.com", true, true, true, true, "", ""},
		{"leaf only", []*x509.Certificate{leaf}, p.roots, "mail.acme.com", false, false, true, true, "Probe Test Intermediate", "trusted root"},
		{"leaf only, intermediate known locally", []*x509.Certificate{leaf}, withInter, "mail.acme.com", true, false, true, true, "Probe Test Intermediate", ""},
		{"unknown root", []*x509.Certificate{leaf, inter}, x509.NewCertPool(), "mail.acme.com", false, true, true, true, "", "trusted root"},
		{"self-signed", []*x509.Certificate{selfSigned.Cert.Cert}, p.roots, "mail.acme.com", false, true, true, false, "", "self-signed"},
		{"name not covered", []*x509.Certificate{leaf, inter}, p.roots, "owa.acme.com", true, true, true, false, "", ""},
		{"wildcard covers one label", []*x509.Certificate{wild.Cert, inter}, p.roots, "autodiscover.acme.com", true, true, true, true, "", ""},
		{"wildcard not the bare domain", []*x509.Certificate{wild.Cert, inter}, p.roots, "acme.com", true, true, true, false, "", ""},
		{"client-auth only", []*x509.Certificate{noEKU.Cert, inter}, p.roots, "mail.acme.com", false, true, true, true, "", "server authentication"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := analyze(tls.ConnectionState{Version: tls.VersionTLS13, PeerCertificates: tt.served}, tt.host, tt.roots, now)
			if a.Trusted != tt.trusted || a.Complete != tt.complete || a.InDate != tt.inDate || a.CoversName != tt.coverage {
				t.Fatalf("trusted %v complete %v in date %v covers %v (problem %q)", a.Trusted, a.Complete, a.InDate, a.CoversName, a.Problem)
			}
			if !strings.Contains(a.missingIssuer, tt.missing) || (tt.missing == "") != (a.missingIssuer == "") {
				t.Errorf("missing issuer %q, want %q", a.missingIssuer, tt.missing)
			}
			if !strings.Contains(a.Problem, tt.problem) || (tt.problem == "") != (a.Problem == "") {
				t.Errorf("problem %q, want %q", a.Problem, tt.problem)
			}
			if a.Version != "TLS 1.3" || len(a.Chain) != len(tt.served) || a.Thumbprint != inspect.Thumbprint(tt.served[0]) {
				t.Errorf("summary %+v", a)
			}
		})
	}

	// An expired leaf is out of date, yet still known to chain to the root.
	old := p.issue(t, testpki.Template{CommonName: "mail.acme.com", DNSNames: []string{"mail.acme.com"},
		NotBefore: now.Add(-100 * 24 * time.Hour), NotAfter: now.Add(-time.Hour)})
	a := analyze(tls.ConnectionState{PeerCertificates: []*x509.Certificate{old.Cert, inter}}, "mail.acme.com", p.roots, now)
	if a.InDate || !a.Trusted || !a.Complete {
		t.Fatalf("expired leaf: in date %v trusted %v complete %v (%s)", a.InDate, a.Trusted, a.Complete, a.Problem)
	}
}

// A wildcard directly under a public suffix and a DNS name with a NUL byte
// cover nothing, though crypto/x509's VerifyHostname accepts the first.
func TestCoversName(t *testing.T) {
	p := newPKI(t)
	tests := []struct {
		dns  []string
		name string
		want bool
	}{
		{[]string{"*.com"}, "example.com", false},
		{[]string{"*.co.uk"}, "acme.co.uk", false},
		{[]string{"*.acme.com"}, "mail.acme.com", true},
		{[]string{"mail.acme.com\x00.evil.com"}, "mail.acme.com", false},
		{[]string{"mail.acme.com\x00.evil.com", "mail.acme.com"}, "mail.acme.com", true},
	}
	for _, tt := range tests {
		c := p.issue(t, testpki.Template{CommonName: "x", DNSNames: tt.dns, KeyType: testpki.ECDSAP256})
		if got := coversName(c.Cert, tt.name); got != tt.want {
			t.Errorf("%q covers %s: %v, want %v", tt.dns, tt.name, got, tt.want)
		}
	}
}
