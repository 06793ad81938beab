package inspect

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/internal/testpki"
	"github.com/exchcert/exchcert/plan"
)

// seedPlan is Exchange 2010 joining an Exchange 2003 organisation.
func seedPlan(t testing.TB, edit ...func(*plan.Input)) *plan.Plan {
	t.Helper()
	in := plan.Input{FQDN: "exch2.acme.com", Domains: []string{"acme.com"}, Exchange: exchange.Exchange2010, From: exchange.Exchange2003}
	for _, e := range edit {
		e(&in)
	}
	p, err := plan.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func rootsOf(cas ...*testpki.CA) *x509.CertPool {
	p := x509.NewCertPool()
	for _, ca := range cas {
		p.AddCert(ca.Cert.Cert)
	}
	return p
}

func issue(t testing.TB, ca *testpki.CA, tmpl testpki.Template) *testpki.Cert {
	t.Helper()
	c, err := ca.Issue(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func bundle(name string, f Format, certs ...*x509.Certificate) *Bundle {
	return &Bundle{Name: name, Format: f, Certs: certs}
}

// codes returns the finding codes of severity at least min, sorted.
func codes(fs finding.Findings, min finding.Severity) []string {
	var out []string
	for _, f := range fs {
		if f.Severity >= min {
			out = append(out, f.Code)
		}
	}
	slices.Sort(out)
	return out
}

func findingFor(fs finding.Findings, code string) *finding.Finding {
	for i := range fs {
		if fs[i].Code == code {
			return &fs[i]
		}
	}
	return nil
}

func TestCheckScenarios(t *testing.T) {
	f := getFixture(t)
	root, inter := f.root, f.inter
	other, err := testpki.NewRoot("Other Root")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	chainOf := func(c *testpki.Cert) []*x509.Certificate { return []*x509.Certificate{c.Cert, inter.Cert.Cert} }
	noAutodiscover := issue(t, inter, testpki.Template{CommonName: "exch2.acme.com", DNSNames: []string{"exch2.acme.com", "legacy.acme.com", "acme.com"}})
	wildcard := issue(t, inter, testpki.Template{CommonName: "*.acme.com", DNSNames: []string{"*.acme.com", "acme.com"}})
	wildOnly := issue(t, inter, testpki.Template{CommonName: "*.acme.com", DNSNames: []string{"*.acme.com"}})
	expired := issue(t, inter, testpki.Template{CommonName: "exch2.acme.com", DNSNames: seedNames, NotBefore: now.Add(-100 * 24 * time.Hour), NotAfter: now.Add(-10 * 24 * time.Hour)})
	future := issue(t, inter, testpki.Template{CommonName: "exch2.acme.com", DNSNames: seedNames, NotBefore: now.Add(48 * time.Hour), NotAfter: now.Add(60 * 24 * time.Hour)})
	soon := issue(t, inter, testpki.Template{CommonName: "exch2.acme.com", DNSNames: seedNames, NotBefore: now.Add(-80 * 24 * time.Hour), NotAfter: now.Add(10 * 24 * time.Hour)})
	cnOnly := issue(t, inter, testpki.Template{CommonName: "exch2.acme.com", DNSNames: seedNames[1:]})
	weakRSA := issue(t, inter, testpki.Template{CommonName: "exch2.acme.com", DNSNames: seedNames, KeyType: testpki.RSA1024})
	sha1 := issue(t, inter, testpki.Template{CommonName: "exch2.acme.com", DNSNames: seedNames, SigAlg: x509.SHA1WithRSA})
	clientOnly := issue(t, inter, testpki.Template{CommonName: "exch2.acme.com", DNSNames: seedNames, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	noEKU := issue(t, inter, testpki.Template{CommonName: "exch2.acme.com", DNSNames: seedNames, EKU: []x509.ExtKeyUsage{}})
	ecdsa := issue(t, inter, testpki.Template{CommonName: "exch2.acme.com", DNSNames: seedNames, KeyType: testpki.ECDSAP256})
	internal := issue(t, inter, testpki.Template{CommonName: "exch2.acme.com", DNSNames: append([]string{"exch2.acme.local", "EXCH2"}, seedNames...)})
	nb := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	tooLong := issue(t, inter, testpki.Template{CommonName: "exch2.acme.com", DNSNames: seedNames, NotBefore: nb, NotAfter: nb.Add(300 * 24 * time.Hour)})
	otherLeaf := issue(t, other, testpki.Template{CommonName: "exch2.acme.com", DNSNames: seedNames})
	opensslDefault := selfSignedCA(t, f.leaf.Key, "exch2.acme.com", nil, 0)
	appliance := selfSignedCA(t, f.leaf.Key, "exch2.acme.com", seedNames, x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment|x509.KeyUsageCertSign)
	hostCA := &testpki.CA{Cert: testpki.Cert{Cert: selfSignedCA(t, f.leaf.Key, "ca.acme.com", nil, 0), Key: f.leaf.Key}}
	hostCALeaf := issue(t, hostCA, testpki.Template{CommonName: "exch2.acme.com", DNSNames: seedNames})
	wildCom := issue(t, inter, testpki.Template{CommonName: "*.com", DNSNames: []string{"*.com", "*.co.uk"}})
	nulSAN := issue(t, inter, testpki.Template{CommonName: "exch2.acme.com", DNSNames: append([]string{"exch2.acme.com\x00.evil.com", "legacy\x1b[2J.acme.com"}, seedNames...)})
	at := func(tm time.Time) func(*Options) { return func(o *Options) { o.Now = tm } }

	tests := []struct {
		name    string
		bundles []*Bundle
		opt     func(*Options)
		errors  []string // codes of error severity, exactly
		also    []string // codes that must be present at any severity
		check   func(t *testing.T, r *Report)
	}{
		{
			name:    "full coverage",
			bundles: []*Bundle{bundle("fullchain.pem", FormatPEM, chainOf(f.leaf)...)},
			opt:     func(o *Options) { o.Key = f.leaf.Key },
			check: func(t *testing.T, r *Report) {
				cov := r.Coverage[0]
				for _, n := range cov.Names {
					if !n.Covered || n.By != ByExact || n.Match != n.Name {
						t.Errorf("%s: covered=%v by=%s match=%s", n.Name, n.Covered, n.By, n.Match)
					}
				}
				if len(cov.Names) != 4 {
					t.Errorf("%d coverage rows, want 4", len(cov.Names))
				}
				if !r.Certificates[0].HasPrivateKey {
					t.Error("leaf not marked as having its key")
				}
				if len(r.Findings) != 0 {
					t.Errorf("findings: %v", r.Findings)
				}
			},
		},
		{
			name:    "missing autodiscover name",
			bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(noAutodiscover)...)},
			errors:  []string{CodeNameNotCovered},
			check: func(t *testing.T, r *Report) {
				f := findingFor(r.Findings, CodeNameNotCovered)
				if f.Subject != "autodiscover.acme.com" || !strings.Contains(f.Message, "autodiscover") {
					t.Errorf("finding = %+v", f)
				}
			},
		},
		{
			name:    "wildcard covers one label",
			bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(wildcard)...)},
			check: func(t *testing.T, r *Report) {
				want := map[string]string{"exch2.acme.com": ByWildcard, "legacy.acme.com": ByWildcard, "autodiscover.acme.com": ByWildcard, "acme.com": ByExact}
				for _, n := range r.Coverage[0].Names {
					if !n.Covered || n.By != want[n.Name] {
						t.Errorf("%s: covered=%v by=%s, want %s", n.Name, n.Covered, n.By, want[n.Name])
					}
				}
			},
		},
		{
			name:    "wildcard does not cover the bare domain or two labels",
			bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(wildOnly)...)},
			opt: func(o *Options) {
				o.Plan = seedPlan(t, func(in *plan.Input) { in.Names = []string{"mail.eu.acme.com"} })
			},
			errors: []string{CodeNameNotCovered, CodeNameNotCovered},
			check: func(t *testing.T, r *Report) {
				var missing []string
				for _, f := range r.Findings {
					if f.Code == CodeNameNotCovered {
						missing = append(missing, f.Subject)
					}
				}
				if strings.Join(missing, ",") != "acme.com,mail.eu.acme.com" {
					t.Errorf("not covered: %v", missing)
				}
			},
		},
		{name: "expired", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(expired)...)}, errors: []string{CodeExpired}},
		{name: "expired and untrusted", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(expired)...)}, opt: func(o *Options) { o.Roots = rootsOf(other) }, errors: []string{CodeChainUntrusted, CodeExpired}},
		{name: "not yet valid", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(future)...)}, errors: []string{CodeNotYetValid}},
		{name: "expires soon", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(soon)...)}, also: []string{CodeExpiresSoon}},
		{name: "expires soon off with min-days 0", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(soon)...)}, opt: func(o *Options) { o.MinDays = 0 },
			check: func(t *testing.T, r *Report) {
				if findingFor(r.Findings, CodeExpiresSoon) != nil {
					t.Error("expires-soon with MinDays 0")
				}
			}},
		{name: "evaluated later with --at", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(f.leaf)...)}, opt: at(now.Add(200 * 24 * time.Hour)), errors: []string{CodeExpired}},
		{
			name:    "key mismatch with --key",
			bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(f.leaf)...)},
			opt:     func(o *Options) { o.Key = noAutodiscover.Key },
			errors:  []string{CodeKeyMismatch},
		},
		{
			name:    "key mismatch inside the file",
			bundles: []*Bundle{{Name: "x.pfx", Format: FormatPKCS12, Certs: chainOf(f.leaf), Keys: []crypto.Signer{wildcard.Key}}},
			errors:  []string{CodeKeyMismatch},
			check: func(t *testing.T, r *Report) {
				if f := findingFor(r.Findings, CodeKeyMismatch); !strings.Contains(f.Subject, "x.pfx") {
					t.Errorf("subject %q does not name the file", f.Subject)
				}
			},
		},
		{name: "no key given", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(f.leaf)...)}, also: []string{CodeKeyNotChecked}},
		{name: "missing intermediate", bundles: []*Bundle{bundle("leaf.pem", FormatPEM, f.leaf.Cert)}, errors: []string{CodeChainIncomplete}},
		{
			name:    "intermediate in another file",
			bundles: []*Bundle{bundle("leaf.cer", FormatDER, f.leaf.Cert), bundle("chain.p7b", FormatPKCS7, inter.Cert.Cert, root.Cert.Cert)},
		},
		{name: "untrusted root", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(f.leaf)...)}, opt: func(o *Options) { o.Roots = rootsOf(other) }, errors: []string{CodeChainUntrusted}},
		{name: "untrusted root included", bundles: []*Bundle{bundle("c.pem", FormatPEM, f.leaf.Cert, inter.Cert.Cert, root.Cert.Cert)}, opt: func(o *Options) { o.Roots = rootsOf(other) },
			errors: []string{CodeChainUntrusted}, also: []string{CodeRootIncluded}},
		{name: "other CA's leaf with our intermediate", bundles: []*Bundle{bundle("c.pem", FormatPEM, otherLeaf.Cert, inter.Cert.Cert)}, errors: []string{CodeChainIncomplete}},
		{name: "out of order PEM", bundles: []*Bundle{bundle("c.pem", FormatPEM, inter.Cert.Cert, f.leaf.Cert)}, also: []string{CodeChainOutOfOrder},
			check: func(t *testing.T, r *Report) {
				if findingFor(r.Findings, CodeChainOutOfOrder).Severity != finding.Warning {
					t.Error("out of order PEM is not a warning")
				}
			}},
		{name: "out of order P7B is info", bundles: []*Bundle{bundle("c.p7b", FormatPKCS7, inter.Cert.Cert, f.leaf.Cert)},
			check: func(t *testing.T, r *Report) {
				if f := findingFor(r.Findings, CodeChainOutOfOrder); f == nil || f.Severity != finding.Info {
					t.Errorf("finding = %+v", f)
				}
			}},
		{name: "CN only", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(cnOnly)...)}, errors: []string{CodeCNOnly}, also: []string{CodeCNNotInSAN},
			check: func(t *testing.T, r *Report) {
				row := r.Coverage[0].Names[0]
				if row.Name != "exch2.acme.com" || row.Covered || row.By != ByCNOnly {
					t.Errorf("row = %+v", row)
				}
			}},
		{name: "RSA 1024", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(weakRSA)...)}, errors: []string{CodeWeakKey}},
		{name: "SHA-1 signature", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(sha1)...)}, errors: []string{CodeChainUntrusted, CodeWeakSignature}},
		{name: "clientAuth only", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(clientOnly)...)}, errors: []string{CodeNoServerAuth}},
		{name: "no EKU", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(noEKU)...)}, also: []string{CodeEKUMissing}},
		{name: "ECDSA on Exchange 2010", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(ecdsa)...)}, errors: []string{CodeKeyTypeUnsupported}},
		{name: "ECDSA on Exchange 2019", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(ecdsa)...)},
			opt: func(o *Options) {
				o.Plan = seedPlan(t, func(in *plan.Input) { in.Exchange, in.From = exchange.Exchange2019, exchange.None })
			}, also: []string{CodeKeyTypeConditional}},
		{name: "ECDSA without version", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(ecdsa)...)}, opt: func(o *Options) { o.Plan = nil }},
		{name: "internal names", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(internal)...)}, errors: []string{CodeInternalName, CodeInternalName}, also: []string{CodeExtraName}},
		{name: "internal names with a private CA", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(internal)...)}, opt: func(o *Options) { o.PrivateCA = true }, also: []string{CodeInternalName}},
		{name: "validity too long for its notBefore", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(tooLong)...)}, errors: []string{CodeValidityTooLong},
			check: func(t *testing.T, r *Report) {
				if m := findingFor(r.Findings, CodeValidityTooLong).Message; !strings.Contains(m, "301 days") || !strings.Contains(m, "200 days") {
					t.Errorf("message %q", m)
				}
			}},
		{name: "validity too long is fine for a private CA", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(tooLong)...)}, opt: func(o *Options) { o.PrivateCA = true }},
		// With a plan, nothing in the input covers it: an error (exit 1).
		{name: "only CA certificates", bundles: []*Bundle{bundle("chain.pem", FormatPEM, inter.Cert.Cert, root.Cert.Cert)}, errors: []string{CodeNoLeaf}},
		{name: "only CA certificates without a plan", bundles: []*Bundle{bundle("chain.pem", FormatPEM, inter.Cert.Cert, root.Cert.Cert)},
			opt: func(o *Options) { o.Plan = nil }, also: []string{CodeNoLeaf}},
		// openssl req -x509 -subj /CN=exch2.acme.com: CA:TRUE, no key
		// usage, the host only in the CN. Checked as a server certificate.
		{name: "openssl req -x509 default", bundles: []*Bundle{bundle("cert.pem", FormatPEM, opensslDefault)},
			errors: []string{CodeChainUntrusted, CodeCNOnly, CodeNameNotCovered, CodeNameNotCovered, CodeNameNotCovered},
			check:  wantRole(RoleLeaf)},
		// An appliance's certificate: CA with keyCertSign, the planned names
		// as SANs. Trusted as itself, it covers the plan.
		{name: "appliance self-signed CA naming the hosts, trusted", bundles: []*Bundle{bundle("appliance.pem", FormatPEM, appliance)},
			opt: func(o *Options) { o.Roots = certPool(appliance) }, check: wantRole(RoleLeaf)},
		{name: "appliance self-signed CA naming the hosts", bundles: []*Bundle{bundle("appliance.pem", FormatPEM, appliance)},
			errors: []string{CodeChainUntrusted}, check: wantRole(RoleLeaf)},
		// A CA named like a host that issued the leaf next to it is its root.
		{name: "root CA named like a host, with its leaf", bundles: []*Bundle{bundle("chain.pem", FormatPEM, hostCALeaf.Cert, hostCA.Cert.Cert)},
			opt: func(o *Options) { o.Roots = certPool(hostCA.Cert.Cert) },
			check: func(t *testing.T, r *Report) {
				if r.Certificates[0].Role != RoleLeaf || r.Certificates[1].Role != RoleRoot {
					t.Errorf("roles %s, %s; want leaf, root", r.Certificates[0].Role, r.Certificates[1].Role)
				}
			}},
		{name: "wildcard under a public suffix", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(wildCom)...)},
			errors: []string{CodeWildcardSuffix, CodeWildcardSuffix, CodeNameNotCovered, CodeNameNotCovered, CodeNameNotCovered, CodeNameNotCovered}},
		{name: "DNS name with a NUL byte", bundles: []*Bundle{bundle("c.pem", FormatPEM, chainOf(nulSAN)...)},
			errors: []string{CodeSANControl, CodeSANControl}, also: []string{CodeExtraName}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := Options{Plan: seedPlan(t), Roots: rootsOf(root), MinDays: DefaultMinDays, Now: now}
			if tt.opt != nil {
				tt.opt(&opt)
			}
			r := Check(tt.bundles, opt)
			got := codes(r.Findings, finding.Error)
			want := slices.Clone(tt.errors)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("error codes = %v, want %v\n%s", got, want, dumpFindings(r.Findings))
			}
			all := codes(r.Findings, finding.Info)
			for _, c := range tt.also {
				if !slices.Contains(all, c) {
					t.Errorf("no %s finding\n%s", c, dumpFindings(r.Findings))
				}
			}
			if r.HasErrors() != (len(tt.errors) > 0) {
				t.Errorf("HasErrors = %v", r.HasErrors())
			}
			for _, f := range r.Findings {
				if f.Code == "" || f.Message == "" || f.Subject == "" || strings.ContainsAny(f.Message, "\n") {
					t.Errorf("malformed finding %+v", f)
				}
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

// selfSignedCA makes a self-signed certificate with the CA flag, as
// `openssl req -x509` does, with the given names and key usage.
func selfSignedCA(t testing.TB, key crypto.Signer, cn string, dns []string, ku x509.KeyUsage) *x509.Certificate {
	t.Helper()
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(90 * 24 * time.Hour), DNSNames: dns, KeyUsage: ku,
		BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func certPool(cs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range cs {
		p.AddCert(c)
	}
	return p
}

// wantRole checks the first certificate's role.
func wantRole(role Role) func(t *testing.T, r *Report) {
	return func(t *testing.T, r *Report) {
		t.Helper()
		if got := r.Certificates[0].Role; got != role {
			t.Errorf("role %s, want %s", got, role)
		}
	}
}

func dumpFindings(fs finding.Findings) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s %s (%s): %s\n", f.Severity, f.Code, f.Subject, f.Message)
	}
	return b.String()
}

func TestCheckCSRAndIssuedCertificate(t *testing.T) {
	f := getFixture(t)
	p := seedPlan(t)
	issued, err := f.inter.IssueFor(testpki.Template{CommonName: f.csr.Subject.CommonName, DNSNames: f.csr.DNSNames}, f.csr.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Plan: p, Roots: rootsOf(f.root), MinDays: 30, Now: time.Now()}
	csrBundle := &Bundle{Name: "exch2.csr", Format: FormatPEM, CSRs: []*x509.CertificateRequest{f.csr}}
	for _, bs := range [][]*Bundle{
		{csrBundle},
		{bundle("issued.p7b", FormatPKCS7, issued, f.inter.Cert.Cert)},
		{csrBundle, bundle("issued.p7b", FormatPKCS7, issued, f.inter.Cert.Cert)},
	} {
		r := Check(bs, opt)
		if r.HasErrors() {
			t.Fatalf("%s: errors\n%s", bs[0].Name, dumpFindings(r.Findings))
		}
		for _, cov := range r.Coverage {
			for _, n := range cov.Names {
				if !n.Covered {
					t.Errorf("%s %s: %s not covered", cov.Kind, cov.File, n.Name)
				}
			}
		}
	}
	// A certificate for another key is not the one issued for the request.
	r := Check([]*Bundle{csrBundle, bundle("other.p7b", FormatPKCS7, issue(t, f.inter, testpki.Template{CommonName: "exch2.acme.com", DNSNames: seedNames}).Cert, f.inter.Cert.Cert)}, opt)
	if got := codes(r.Findings, finding.Error); !slices.Equal(got, []string{CodeKeyMismatch}) {
		t.Errorf("errors = %v", got)
	}
	// A request whose signature was tampered with.
	bad := *f.csr
	bad.Signature = slices.Clone(f.csr.Signature)
	bad.Signature[10] ^= 1
	r = Check([]*Bundle{{Name: "bad.csr", CSRs: []*x509.CertificateRequest{&bad}}}, opt)
	if got := codes(r.Findings, finding.Error); !slices.Equal(got, []string{CodeCSRSignatureInvalid}) {
		t.Errorf("errors = %v", got)
	}
	if r.CSRs[0].SignatureValid {
		t.Error("signature_valid true for a tampered request")
	}
	// A request with the key matched by --key.
	opt.Key = f.leaf.Key
	r = Check([]*Bundle{csrBundle}, opt)
	if !r.CSRs[0].HasPrivateKey || r.HasErrors() {
		t.Errorf("request key not matched: %+v\n%s", r.CSRs[0], dumpFindings(r.Findings))
	}
}

func TestCheckPFXEncryptionForWindows(t *testing.T) {
	f := getFixture(t)
	for _, tt := range []struct {
		enc     *pkcs12.Encoder
		version exchange.Version
		want    finding.Severity // -1: no finding
	}{
		{pkcs12.Modern2023, exchange.Exchange2016, finding.Warning},
		{pkcs12.Modern2023, exchange.Exchange2019, -1},
		{pkcs12.Modern2023, exchange.None, finding.Info},
		{pkcs12.LegacyDES, exchange.Exchange2013, -1},
	} {
		der, err := tt.enc.Encode(f.leaf.Key, f.leaf.Cert, []*x509.Certificate{f.inter.Cert.Cert}, "pw")
		if err != nil {
			t.Fatal(err)
		}
		b, err := Load("x.pfx", der, LoadOptions{Password: func() ([]byte, error) { return []byte("pw"), nil }})
		if err != nil {
			t.Fatal(err)
		}
		r := Check([]*Bundle{b}, Options{Exchange: tt.version, Roots: rootsOf(f.root)})
		got := finding.Severity(-1)
		if f := findingFor(r.Findings, CodePFXModernEncryption); f != nil {
			got = f.Severity
		}
		if got != tt.want {
			t.Errorf("%v on %s: severity %v, want %v", b.PFX, tt.version.Title(), got, tt.want)
		}
		if !r.Certificates[0].HasPrivateKey || findingFor(r.Findings, CodeKeyNotChecked) != nil {
			t.Error("the PFX's key was not matched to its leaf")
		}
	}
}

func TestCover(t *testing.T) {
	n := Names{SANs: []string{"mail.acme.com", "*.acme.com", "xn--bcher-kva.example.com", "*.xn--bcher-kva.example.com", "192.0.2.10", "*.corp.acme.com"}, CN: "owa.fabrikam.com"}
	tests := []struct {
		name, by, match string
	}{
		{"mail.acme.com", ByExact, "mail.acme.com"},
		{"autodiscover.acme.com", ByWildcard, "*.acme.com"},
		{"acme.com", ByNone, ""},
		{"a.b.acme.com", ByNone, ""},
		{"x.corp.acme.com", ByWildcard, "*.corp.acme.com"},
		{"*.acme.com", ByExact, "*.acme.com"},
		{"*.b.acme.com", ByNone, ""},
		{"xn--bcher-kva.example.com", ByExact, "xn--bcher-kva.example.com"},
		{"xn--caf-dma.xn--bcher-kva.example.com", ByWildcard, "*.xn--bcher-kva.example.com"},
		{"192.0.2.10", ByExact, "192.0.2.10"},
		{"192.0.2.11", ByNone, ""},
		{"owa.fabrikam.com", ByCNOnly, "owa.fabrikam.com"},
		{"mail.acme.co", ByNone, ""},
		{"evilacme.com", ByNone, ""},
	}
	for _, tt := range tests {
		ok, by, match := n.Cover(tt.name)
		if by != tt.by || match != tt.match || ok != (by == ByExact || by == ByWildcard) {
			t.Errorf("Cover(%q) = %v, %q, %q; want %q, %q", tt.name, ok, by, match, tt.by, tt.match)
		}
	}
}

// TestCoverAgreesWithVerifyHostname cross-checks the wildcard rule with
// crypto/x509 for names a client would look up.
func TestCoverAgreesWithVerifyHostname(t *testing.T) {
	f := getFixture(t)
	c := issue(t, f.inter, testpki.Template{CommonName: "x", DNSNames: []string{"*.acme.com", "mail.fabrikam.com", "xn--bcher-kva.acme.com"}})
	names := CertNames(c.Cert)
	for _, h := range []string{"acme.com", "a.acme.com", "a.b.acme.com", "mail.fabrikam.com", "fabrikam.com", "x.mail.fabrikam.com", "xn--bcher-kva.acme.com", "autodiscover.acme.com"} {
		ok, _, _ := names.Cover(h)
		if want := c.Cert.VerifyHostname(h) == nil; ok != want {
			t.Errorf("%s: Cover says %v, VerifyHostname %v", h, ok, want)
		}
	}
}

func TestCoverIDN(t *testing.T) {
	f := getFixture(t)
	p := seedPlan(t, func(in *plan.Input) { in.Names = []string{"Bücher.acme.com"} })
	c := issue(t, f.inter, testpki.Template{CommonName: "exch2.acme.com", DNSNames: append([]string{"xn--bcher-kva.acme.com"}, seedNames...)})
	r := Check([]*Bundle{bundle("c.pem", FormatPEM, c.Cert, f.inter.Cert.Cert)}, Options{Plan: p, Roots: rootsOf(f.root)})
	if r.HasErrors() {
		t.Fatalf("errors:\n%s", dumpFindings(r.Findings))
	}
	row := r.Coverage[0].Names[len(r.Coverage[0].Names)-1]
	if row.Name != "xn--bcher-kva.acme.com" || row.By != ByExact {
		t.Errorf("IDN row = %+v", row)
	}
}

func TestMaxPublicValidity(t *testing.T) {
	day := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, tt := range []struct {
		nb   string
		days int
	}{
		{"2017-06-01T00:00:00Z", 1188},
		{"2018-03-01T00:00:00Z", 825},
		{"2020-08-31T23:59:59Z", 825},
		{"2020-09-01T00:00:00Z", 398},
		{"2026-03-14T23:59:59Z", 398},
		{"2026-03-15T00:00:00Z", 200},
		{"2027-03-14T12:00:00Z", 200},
		{"2027-03-15T00:00:00Z", 100},
		{"2029-03-15T00:00:00Z", 47},
		{"2035-01-01T00:00:00Z", 47},
	} {
		if got, _ := MaxPublicValidity(day(tt.nb)); got != tt.days {
			t.Errorf("MaxPublicValidity(%s) = %d, want %d", tt.nb, got, tt.days)
		}
	}
	nb := day("2026-03-15T00:00:00Z")
	for _, tt := range []struct {
		life time.Duration
		days int
	}{
		{200*24*time.Hour - time.Second, 200}, // notAfter inclusive: exactly 200 days
		{200 * 24 * time.Hour, 201},           // one second more is a 201st day
		{24*time.Hour - time.Second, 1},
	} {
		c := &x509.Certificate{NotBefore: nb, NotAfter: nb.Add(tt.life)}
		if got := ValidityDays(c); got != tt.days {
			t.Errorf("ValidityDays(%v) = %d, want %d", tt.life, got, tt.days)
		}
	}
}

func TestSummarize(t *testing.T) {
	f := getFixture(t)
	now := f.leaf.Cert.NotBefore.Add(24 * time.Hour)
	s := Summarize(f.leaf.Cert, "c.pem", 1, now)
	if s.Role != RoleLeaf || s.KeyType != "RSA" || s.KeyBits != 2048 || s.CommonName != "exch2.acme.com" || s.IsCA {
		t.Errorf("summary = %+v", s)
	}
	if want := int(f.leaf.Cert.NotAfter.Sub(now).Hours() / 24); s.DaysLeft != want {
		t.Errorf("DaysLeft = %d, want %d", s.DaysLeft, want)
	}
	if s.SignatureAlgorithm != "SHA256-RSA" || !slices.Equal(s.ExtKeyUsage, []string{"serverAuth"}) || !slices.Equal(s.KeyUsage, []string{"digitalSignature", "keyEncipherment"}) {
		t.Errorf("algorithms/usages = %s %v %v", s.SignatureAlgorithm, s.ExtKeyUsage, s.KeyUsage)
	}
	if s.Thumbprint != Thumbprint(f.leaf.Cert) || len(s.SHA256Fingerprint) != 64 || s.Serial != strings.ToUpper(fmt.Sprintf("%x", f.leaf.Cert.SerialNumber)) && s.Serial != "0"+strings.ToUpper(fmt.Sprintf("%x", f.leaf.Cert.SerialNumber)) {
		t.Errorf("ids = %s %s %s", s.Thumbprint, s.SHA256Fingerprint, s.Serial)
	}
	if r := Summarize(f.root.Cert.Cert, "", 1, now); r.Role != RoleRoot || !r.SelfSigned || !r.IsCA {
		t.Errorf("root summary = %+v", r)
	}
	if r := Summarize(f.inter.Cert.Cert, "", 1, now); r.Role != RoleIntermediate || r.SelfSigned {
		t.Errorf("intermediate summary = %+v", r)
	}
	ec := SummarizeCSR(mustCSR(t, f.ecKey), "r.csr", 1)
	if ec.KeyType != "ECDSA" || ec.KeyBits != 256 || ec.KeyCurve != "P-256" || !ec.SignatureValid {
		t.Errorf("CSR summary = %+v", ec)
	}
	// JSON keys are snake_case and lists are never null.
	data, _ := json.Marshal(Check(nil, Options{}))
	for _, k := range []string{`"schema":"exchcert.inspect/v1"`, `"certificates":[]`, `"csrs":[]`, `"coverage":[]`, `"findings":[]`, `"files":[]`} {
		if !strings.Contains(string(data), k) {
			t.Errorf("empty report JSON lacks %s: %s", k, data)
		}
	}
}

func mustCSR(t *testing.T, key crypto.Signer) *x509.CertificateRequest {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "exch2.acme.com"}, DNSNames: seedNames}, key)
	if err != nil {
		t.Fatal(err)
	}
	r, err := x509.ParseCertificateRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
