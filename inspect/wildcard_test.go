package inspect

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"slices"
	"testing"

	"github.com/exchcert/exchcert/finding"
)

// Wildcards directly under a public suffix cover nothing, as in browsers;
// names with control characters never cover anything.
func TestCoverPublicSuffixAndControl(t *testing.T) {
	tests := []struct {
		san, name string
		covered   bool
		suffix    bool // WildcardUnderPublicSuffix(san)
	}{
		{"*.com", "example.com", false, true},
		{"*.co.uk", "acme.co.uk", false, true},
		{"*.uk", "co.uk", false, true},
		{"*.local", "acme.local", false, true},  // a single label: no registrable domain
		{"*.foo.ck", "www.foo.ck", false, true}, // "*.ck" is a wildcard rule of the list
		{"*.COM.", "example.com", false, true},
		{"*.acme.co.uk", "mail.acme.co.uk", true, false},
		{"*.acme.com", "mail.acme.com", true, false},
		{"*.acme.local", "mail.acme.local", true, false},
		{"*.appspot.com", "x.appspot.com", true, false}, // a private suffix: browsers allow it
		{"mail.acme.com\x00.evil.com", "mail.acme.com", false, false},
		{"*.acme.com\x00", "mail.acme.com", false, false},
		{"mail\x1b.acme.com", "mail\x1b.acme.com", false, false},
	}
	for _, tt := range tests {
		if got := WildcardUnderPublicSuffix(tt.san); got != tt.suffix {
			t.Errorf("WildcardUnderPublicSuffix(%q) = %v, want %v", tt.san, got, tt.suffix)
		}
		n := Names{SANs: []string{normName(tt.san)}}
		ok, by, _ := n.Cover(tt.name)
		if ok != tt.covered {
			t.Errorf("%q covers %q: %v (%s), want %v", tt.san, tt.name, ok, by, tt.covered)
		}
		// The same name as the Common Name is not even a cn-only match.
		if ok, by, _ := (Names{CN: normName(tt.san)}).Cover(tt.name); !tt.covered && (ok || by != ByNone) {
			t.Errorf("CN %q: %v %s, want none", tt.san, ok, by)
		}
	}
}

// A request for a name with control characters or for a wildcard under a
// public suffix gets the same error findings as a certificate.
func TestCheckCSRNames(t *testing.T) {
	f := getFixture(t)
	tests := []struct {
		dns  []string
		want []string
	}{
		{[]string{"exch2.acme.com"}, nil},
		{[]string{"exch2.acme.com\x00.evil.com"}, []string{CodeSANControl}},
		{[]string{"*.com", "*.acme.co.uk"}, []string{CodeWildcardSuffix}},
	}
	for _, tt := range tests {
		der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "exch2.acme.com"}, DNSNames: tt.dns}, f.ecKey)
		if err != nil {
			t.Fatal(err)
		}
		req, err := x509.ParseCertificateRequest(der)
		if err != nil {
			t.Fatal(err)
		}
		got := codes(CheckCSR(req, "req", Options{}), finding.Error)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q: error codes %v, want %v", tt.dns, got, tt.want)
		}
	}
}
