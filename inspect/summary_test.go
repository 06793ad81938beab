package inspect

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"slices"
	"testing"
	"time"
)

// TestSummaryNames: the DNS names of a certificate or request are carried
// into the summary as they are, and an absent list is an empty one, so the
// JSON report says [] rather than null.
func TestSummaryNames(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for _, names := range [][]string{{"mail.contoso.com", "autodiscover.contoso.com"}, nil} {
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mail.contoso.com"},
			NotBefore: now, NotAfter: now.AddDate(0, 0, 90), DNSNames: names,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: tmpl.Subject, DNSNames: names}, key)
		if err != nil {
			t.Fatal(err)
		}
		csr, err := x509.ParseCertificateRequest(csrDER)
		if err != nil {
			t.Fatal(err)
		}
		want := names
		if want == nil {
			want = []string{}
		}
		for what, got := range map[string][]string{
			"certificate": Summarize(cert, "mail.cer", 0, now).DNSNames,
			"request":     SummarizeCSR(csr, "mail.req", 0).DNSNames,
		} {
			if got == nil || !slices.Equal(got, want) {
				t.Errorf("%s with names %q: summary has %q", what, names, got)
			}
			j, _ := json.Marshal(got)
			if names == nil && string(j) != "[]" {
				t.Errorf("%s without names: JSON %s, want []", what, j)
			}
		}
	}
}
