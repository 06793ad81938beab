package inspect

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/internal/testpki"
	"github.com/exchcert/exchcert/plan"
)

// TestCheckReportFields: the target version, and each certificate and
// request with its position in its file.
func TestCheckReportFields(t *testing.T) {
	f := getFixture(t)
	b := bundle("chain.pem", FormatPEM, f.leaf.Cert, f.inter.Cert.Cert)
	req := &Bundle{Name: "exch2.req", Format: FormatPEM, CSRs: []*x509.CertificateRequest{f.csr, f.csr}}
	r := Check([]*Bundle{b, req}, Options{Exchange: exchange.Exchange2016, PrivateCA: true, Roots: rootPool(f)})
	if r.Exchange != "2016" {
		t.Errorf("Exchange = %q", r.Exchange)
	}
	if len(r.Certificates) != 2 || r.Certificates[0].Index != 1 || r.Certificates[1].Index != 2 {
		t.Errorf("certificates %+v", r.Certificates)
	}
	if len(r.CSRs) != 2 || r.CSRs[0].Index != 1 || r.CSRs[1].Index != 2 || r.CSRs[1].File != "exch2.req" {
		t.Errorf("requests %+v", r.CSRs)
	}
	if len(r.Coverage) != 0 {
		t.Errorf("coverage without a plan: %+v", r.Coverage)
	}
	if r := Check([]*Bundle{b}, Options{}); r.Exchange != "" {
		t.Errorf("no version: Exchange = %q", r.Exchange)
	}

	// With a plan, the request's names are checked against it.
	p := &plan.Plan{Exchange: exchange.Exchange2010, PrivateCA: true, Names: []plan.Name{{Name: "exch2.acme.com"}}}
	r = Check([]*Bundle{req}, Options{Plan: p})
	if len(r.Coverage) != 2 || r.Coverage[0].Kind != "csr" || r.Exchange != "2010" {
		t.Errorf("coverage of the requests: %+v", r.Coverage)
	}
}

// A key that matches neither the certificate nor the request is reported
// when there are both.
func TestCheckUnmatchedKeyWithLeafAndRequest(t *testing.T) {
	f := getFixture(t)
	b := &Bundle{Name: "all.pem", Format: FormatPEM, Certs: []*x509.Certificate{f.leaf.Cert}, CSRs: []*x509.CertificateRequest{f.csr}}
	other := f.ecKey
	r := Check([]*Bundle{b}, Options{Key: other, PrivateCA: true, Roots: rootPool(f)})
	if !slices.Contains(codes(r.Findings, finding.Info), CodeKeyMismatch) {
		t.Errorf("findings %v, want %s", codes(r.Findings, finding.Info), CodeKeyMismatch)
	}
}

// TestBundleEdges: a root alone is not "root included"; a certificate
// with no SANs is cn-only, not cn-not-in-san.
func TestBundleEdges(t *testing.T) {
	f := getFixture(t)
	r := Check([]*Bundle{bundle("root.pem", FormatPEM, f.root.Cert.Cert)}, Options{PrivateCA: true, Roots: rootPool(f)})
	if slices.Contains(codes(r.Findings, finding.Info), CodeRootIncluded) {
		t.Errorf("a root alone: %v", codes(r.Findings, finding.Info))
	}
	r = Check([]*Bundle{bundle("full.pem", FormatPEM, f.leaf.Cert, f.inter.Cert.Cert, f.root.Cert.Cert)}, Options{PrivateCA: true, Roots: rootPool(f)})
	if !slices.Contains(codes(r.Findings, finding.Info), CodeRootIncluded) {
		t.Errorf("leaf and root: %v", codes(r.Findings, finding.Info))
	}
	cnOnly := issue(t, f.inter, testpki.Template{CommonName: "exch2.acme.com", Key: f.ecKey})
	p := &plan.Plan{Exchange: exchange.Exchange2016, PrivateCA: true, Names: []plan.Name{{Name: "exch2.acme.com"}}}
	r = Check([]*Bundle{bundle("cn.pem", FormatPEM, cnOnly.Cert, f.inter.Cert.Cert)}, Options{Plan: p, Roots: rootPool(f)})
	if got := codes(r.Findings, finding.Info); slices.Contains(got, CodeCNNotInSAN) {
		t.Errorf("no SANs: %v", got)
	}
}

// TestPublicValidityLimit: a public certificate may be valid for exactly
// the limit, counted as BR §6.3.2 counts it, not a second more.
func TestPublicValidityLimit(t *testing.T) {
	f := getFixture(t)
	nb := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	max, _ := MaxPublicValidity(nb)
	for _, extra := range []time.Duration{-time.Second, 0} {
		na := nb.Add(time.Duration(max)*24*time.Hour + extra)
		c := issue(t, f.inter, testpki.Template{CommonName: "exch2.acme.com", DNSNames: seedNames, NotBefore: nb, NotAfter: na, Key: f.ecKey})
		fs := CheckCertificate(c.Cert, "leaf", Options{Now: nb.Add(time.Hour)})
		got := slices.ContainsFunc(fs, func(x finding.Finding) bool { return x.Code == CodeValidityTooLong })
		if want := extra == 0; got != want {
			t.Errorf("valid for %d days %s: validity-too-long %v, want %v", max, extra, got, want)
		}
	}
}

// TestKeyUsageAbsent: no key usage extension is not a key-usage problem;
// one without digitalSignature and keyEncipherment is.
func TestKeyUsageAbsent(t *testing.T) {
	f := getFixture(t)
	now := time.Now()
	for _, tt := range []struct {
		ku   x509.KeyUsage
		want bool
	}{{0, false}, {x509.KeyUsageDataEncipherment, true}, {x509.KeyUsageDigitalSignature, false}} {
		tmpl := &x509.Certificate{SerialNumber: bigSerial(), Subject: pkix.Name{CommonName: "exch2.acme.com"}, DNSNames: seedNames,
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(90 * 24 * time.Hour), KeyUsage: tt.ku, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, f.inter.Cert.Cert, &f.ecKey.PublicKey, f.inter.Cert.Key)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		fs := CheckCertificate(c, "leaf", Options{PrivateCA: true})
		if got := slices.ContainsFunc(fs, func(x finding.Finding) bool { return x.Code == CodeKeyUsage }); got != tt.want {
			t.Errorf("key usage %b: %v, want %v", tt.ku, got, tt.want)
		}
	}
}

func bigSerial() *big.Int { return new(big.Int).SetInt64(time.Now().UnixNano()) }
