package csr

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/internal/testpki"
	"github.com/exchcert/exchcert/plan"
)

// seedPlan is the seed scenario: Exchange 2010 joining a 2003 organisation.
func seedPlan(t testing.TB) *plan.Plan {
	t.Helper()
	p, err := plan.Build(plan.Input{FQDN: "exch2.acme.com", Domains: []string{"acme.com"}, Exchange: exchange.Exchange2010, From: exchange.Exchange2003})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var seedNames = []string{"exch2.acme.com", "legacy.acme.com", "acme.com", "autodiscover.acme.com"}

// keys caches one generated key per type: RSA 4096 takes seconds.
var keys sync.Map

func testKey(t testing.TB, kt KeyType) crypto.Signer {
	t.Helper()
	if k, ok := keys.Load(kt); ok {
		return k.(crypto.Signer)
	}
	k, err := GenerateKey(kt)
	if err != nil {
		t.Fatal(err)
	}
	keys.Store(kt, k)
	return k
}

func parseCSR(t *testing.T, c *CSR) *x509.CertificateRequest {
	t.Helper()
	b, rest := pem.Decode(c.PEM)
	if b == nil || b.Type != "CERTIFICATE REQUEST" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("PEM is not one CERTIFICATE REQUEST block:\n%s", c.PEM)
	}
	if !bytes.Equal(b.Bytes, c.DER) {
		t.Fatal("PEM and DER differ")
	}
	r, err := x509.ParseCertificateRequest(c.DER)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.CheckSignature(); err != nil {
		t.Fatalf("signature: %v", err)
	}
	return r
}

func TestParseKeyType(t *testing.T) {
	for _, kt := range KeyTypes {
		got, err := ParseKeyType(strings.ToUpper(kt.String()))
		if err != nil || got != kt {
			t.Errorf("ParseKeyType(%q) = %v, %v", kt, got, err)
		}
		var u KeyType
		b, _ := kt.MarshalText()
		if err := u.UnmarshalText(b); err != nil || u != kt {
			t.Errorf("text round trip of %s: %v, %v", kt, u, err)
		}
	}
	_, err := ParseKeyType("rsa1024")
	if err == nil || !strings.Contains(err.Error(), "rsa2048|rsa3072|rsa4096|ecdsa-p256|ecdsa-p384") {
		t.Errorf("error %v does not list the key types", err)
	}
	if _, err := KeyType(0).MarshalText(); err == nil {
		t.Error("the zero KeyType marshals")
	}
	if DefaultKeyType != RSA2048 {
		t.Error("default key type is not RSA 2048")
	}
}

// Every key type makes a request that Go parses, with the plan's names, the
// key's public key and the expected signature algorithm.
func TestBuildEveryKeyType(t *testing.T) {
	want := map[KeyType]struct {
		info KeyInfo
		sig  x509.SignatureAlgorithm
	}{
		RSA2048:   {KeyInfo{exchange.RSA, 2048, ""}, x509.SHA256WithRSA},
		RSA3072:   {KeyInfo{exchange.RSA, 3072, ""}, x509.SHA256WithRSA},
		RSA4096:   {KeyInfo{exchange.RSA, 4096, ""}, x509.SHA256WithRSA},
		ECDSAP256: {KeyInfo{exchange.ECDSA, 256, "P-256"}, x509.ECDSAWithSHA256},
		ECDSAP384: {KeyInfo{exchange.ECDSA, 384, "P-384"}, x509.ECDSAWithSHA384},
	}
	for _, kt := range KeyTypes {
		t.Run(kt.String(), func(t *testing.T) {
			key := testKey(t, kt)
			if kt.Algorithm() != want[kt].info.Algorithm {
				t.Errorf("Algorithm() = %s", kt.Algorithm())
			}
			c, err := Build(Request{Plan: seedPlan(t), Key: key, Subject: Subject{Organization: "ACME"}})
			if err != nil {
				t.Fatal(err)
			}
			r := parseCSR(t, c)
			if r.SignatureAlgorithm != want[kt].sig {
				t.Errorf("signature %s, want %s", r.SignatureAlgorithm, want[kt].sig)
			}
			if c.Key != want[kt].info || c.Key.Name() != kt.String() {
				t.Errorf("key %+v (%s), want %+v", c.Key, c.Key.Name(), want[kt].info)
			}
			if !r.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(key.Public()) {
				t.Error("the request carries another public key")
			}
			if r.Subject.CommonName != "exch2.acme.com" || !slices.Equal(r.Subject.Organization, []string{"ACME"}) {
				t.Errorf("subject %s", r.Subject)
			}
			if !slices.Equal(r.DNSNames, seedNames) || len(r.IPAddresses) != 0 || len(r.EmailAddresses) != 0 || len(r.URIs) != 0 {
				t.Errorf("SANs %q %v, want %q", r.DNSNames, r.IPAddresses, seedNames)
			}
			if !slices.Equal(c.SANs, seedNames) {
				t.Errorf("CSR.SANs = %q", c.SANs)
			}
			spki, _ := x509.MarshalPKIXPublicKey(key.Public())
			sum := sha256.Sum256(spki)
			if c.PublicKeySHA256 != hex.EncodeToString(sum[:]) || !bytes.Equal(r.RawSubjectPublicKeyInfo, spki) {
				t.Errorf("fingerprint %s does not match the key", c.PublicKeySHA256)
			}
		})
	}
}

func TestBuildSubject(t *testing.T) {
	key := testKey(t, RSA2048)
	c, err := Build(Request{Plan: seedPlan(t), Key: key, Subject: Subject{
		Organization: " ACME Ltd ", OrganizationalUnit: "IT", Locality: "Canterbury", State: "Kent", Country: "gb",
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := parseCSR(t, c)
	s := r.Subject
	if s.CommonName != "exch2.acme.com" || s.Organization[0] != "ACME Ltd" || s.OrganizationalUnit[0] != "IT" ||
		s.Locality[0] != "Canterbury" || s.Province[0] != "Kent" || s.Country[0] != "GB" {
		t.Errorf("subject %s", s)
	}
	if c.DN != "CN=exch2.acme.com,OU=IT,O=ACME Ltd,L=Canterbury,ST=Kent,C=GB" {
		t.Errorf("DN %q", c.DN)
	}
	if got := c.X500Name(); got != "C=GB,S=Kent,L=Canterbury,O=ACME Ltd,OU=IT,CN=exch2.acme.com" {
		t.Errorf("X500Name %q", got)
	}
	if c.Subject.Country != "GB" || c.Subject.Organization != "ACME Ltd" {
		t.Errorf("normalised subject %+v", c.Subject)
	}
}

func TestX500NameQuoting(t *testing.T) {
	c := &CSR{CommonName: "exch2.acme.com", Subject: Subject{Organization: `ACME, "The" Company`, Locality: "St. Ives", Country: "GB"}}
	want := `C=GB,L=St. Ives,O="ACME, ""The"" Company",CN=exch2.acme.com`
	if got := c.X500Name(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	c = &CSR{CommonName: "*.acme.com", Subject: Subject{Organization: "A+B #1"}}
	if got := c.X500Name(); got != `O="A+B #1",CN=*.acme.com` {
		t.Errorf("got %s", got)
	}
}

func TestBuildIPAddresses(t *testing.T) {
	p, err := plan.Build(plan.Input{FQDN: "exch2.acme.local", Names: []string{"10.0.0.5", "fd00::5"}, PrivateCA: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Build(Request{Plan: p, Key: testKey(t, ECDSAP256)})
	if err != nil {
		t.Fatal(err)
	}
	r := parseCSR(t, c)
	if len(r.IPAddresses) != 2 || r.IPAddresses[0].String() != "10.0.0.5" || r.IPAddresses[1].String() != "fd00::5" {
		t.Errorf("IP SANs %v", r.IPAddresses)
	}
	for _, n := range r.DNSNames {
		if plan.IsIP(n) {
			t.Errorf("IP %s as a DNS name", n)
		}
	}
	if !slices.Contains(c.SANs, "10.0.0.5") || !slices.Contains(r.DNSNames, "exch2.acme.local") {
		t.Errorf("SANs %q, DNS %q", c.SANs, r.DNSNames)
	}
}

func TestBuildRejects(t *testing.T) {
	key := testKey(t, RSA2048)
	long := seedPlan(t)
	long.CommonName = strings.Repeat("a", 60) + ".acme.com"
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	tests := []struct {
		name  string
		req   Request
		field string // SubjectError.Field, or "" for another error
		key   bool   // an *UnsupportedKeyError
		text  string
	}{
		{"uk", Request{Plan: seedPlan(t), Key: key, Subject: Subject{Country: "UK"}}, "country", false, "GB"},
		{"uk lower", Request{Plan: seedPlan(t), Key: key, Subject: Subject{Country: "uk"}}, "country", false, "GB"},
		{"three letters", Request{Plan: seedPlan(t), Key: key, Subject: Subject{Country: "GBR"}}, "country", false, "two-letter"},
		{"unassigned", Request{Plan: seedPlan(t), Key: key, Subject: Subject{Country: "QQ"}}, "country", false, "not an assigned"},
		{"digits", Request{Plan: seedPlan(t), Key: key, Subject: Subject{Country: "4B"}}, "country", false, "assigned"},
		{"long org", Request{Plan: seedPlan(t), Key: key, Subject: Subject{Organization: strings.Repeat("x", 65)}}, "organization", false, "at most 64"},
		{"control", Request{Plan: seedPlan(t), Key: key, Subject: Subject{Locality: "a\nb"}}, "locality", false, "control character"},
		{"bad utf8", Request{Plan: seedPlan(t), Key: key, Subject: Subject{State: "\xff"}}, "state", false, "UTF-8"},
		{"long cn", Request{Plan: long, Key: key}, "common_name", false, "at most 64"},
		{"rsa1024", Request{Plan: seedPlan(t), Key: small}, "", true, "2048 bits"},
		{"ed25519", Request{Plan: seedPlan(t), Key: edKey}, "", true, "Ed25519"},
		{"p224", Request{Plan: seedPlan(t), Key: p224}, "", true, "P-256, P-384 and P-521"},
		{"no plan", Request{Key: key}, "", false, "no plan"},
		{"no key", Request{Plan: seedPlan(t)}, "", false, "no private key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Build(tt.req)
			if err == nil {
				t.Fatalf("no error; subject %s", c.DN)
			}
			var se *SubjectError
			if got := errors.As(err, &se); got != (tt.field != "") || got && se.Field != tt.field {
				t.Errorf("err %#v, want SubjectError for %q", err, tt.field)
			}
			var ke *UnsupportedKeyError
			if errors.As(err, &ke) != tt.key {
				t.Errorf("err %v: UnsupportedKeyError = %v, want %v", err, !tt.key, tt.key)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("err %q does not say %q", err, tt.text)
			}
		})
	}
}

func TestNormalizeCountry(t *testing.T) {
	for in, want := range map[string]string{"GB": "GB", "de": "DE", " us ": "US", "Ax": "AX", "zw": "ZW", "AD": "AD"} {
		got, err := NormalizeCountry(in)
		if err != nil || got != want {
			t.Errorf("NormalizeCountry(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"UK", "EL", "EU", "XX", "", "G", "GBR", "Germany", "ÄB"} {
		if got, err := NormalizeCountry(in); err == nil {
			t.Errorf("NormalizeCountry(%q) = %q, want an error", in, got)
		}
	}
	if n := len(iso3166); n != 249 {
		t.Errorf("%d country codes, want 249", n)
	}
}

func TestFindings(t *testing.T) {
	codes := func(fs finding.Findings) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Code+":"+f.Severity.String())
		}
		return out
	}
	build := func(v exchange.Version, kt KeyType, s Subject) []string {
		p := seedPlan(t)
		p.Exchange = v
		c, err := Build(Request{Plan: p, Key: testKey(t, kt), Subject: s})
		if err != nil {
			t.Fatal(err)
		}
		return codes(c.Findings)
	}
	full := Subject{Organization: "ACME", Locality: "Canterbury", Country: "GB"}
	tests := []struct {
		v    exchange.Version
		kt   KeyType
		s    Subject
		want []string
	}{
		{exchange.Exchange2010, RSA2048, full, nil},
		{exchange.Exchange2010, ECDSAP256, full, []string{"key-type-unsupported:warning"}},
		{exchange.Exchange2013, ECDSAP384, full, []string{"key-type-unsupported:warning"}},
		{exchange.Exchange2019, ECDSAP256, full, []string{"key-type-conditions:warning"}},
		{exchange.ExchangeSE, ECDSAP256, full, []string{"key-type-conditions:warning"}},
		{exchange.ExchangeSE, RSA2048, Subject{Organization: "ACME"}, []string{"ov-subject-incomplete:info"}},
		{exchange.ExchangeSE, RSA2048, Subject{Organization: "ACME", State: "Kent"}, []string{"ov-subject-incomplete:info"}},
		{exchange.ExchangeSE, RSA2048, Subject{Organization: "ACME", State: "Kent", Country: "GB"}, nil},
		{exchange.ExchangeSE, RSA2048, Subject{Organization: "ACME", OrganizationalUnit: "IT", State: "Kent", Country: "GB"}, []string{"org-unit-dropped:warning"}},
		{exchange.ExchangeSE, RSA2048, Subject{Locality: "Canterbury"}, []string{"dv-subject-dropped:info"}},
		{exchange.ExchangeSE, RSA2048, Subject{Country: "GB"}, nil},
		{exchange.ExchangeSE, RSA2048, Subject{}, nil},
	}
	for _, tt := range tests {
		if got := build(tt.v, tt.kt, tt.s); !slices.Equal(got, tt.want) {
			t.Errorf("%s %s %+v: findings %q, want %q", tt.v.Title(), tt.kt, tt.s, got, tt.want)
		}
	}
	p := seedPlan(t)
	c, _ := Build(Request{Plan: p, Key: testKey(t, ECDSAP256)})
	if f := c.Findings[0]; f.Message == "" || f.Fix == "" || f.Citation == "" || !strings.Contains(f.Message, "Exchange 2010") {
		t.Errorf("finding %+v lacks a message, fix or citation", f)
	}
}

func TestDescribeKey(t *testing.T) {
	k := testKey(t, RSA3072)
	info, err := DescribeKey(k.Public())
	if err != nil || info.String() != "RSA 3072" || info.SecurityBits() != 128 {
		t.Errorf("%v %v %d", info, err, info.SecurityBits())
	}
	info, _ = DescribeKey(testKey(t, ECDSAP384).Public())
	if info.String() != "ECDSA P-384" || info.Name() != "ecdsa-p384" || info.SecurityBits() != 192 {
		t.Errorf("%v %s %d", info, info.Name(), info.SecurityBits())
	}
	for bits, want := range map[int]int{2048: 112, 4096: 128, 8192: 192, 16384: 256} {
		if got := (KeyInfo{Algorithm: exchange.RSA, Bits: bits}).SecurityBits(); got != want {
			t.Errorf("RSA %d: %d bits of security, want %d", bits, got, want)
		}
	}
}

// pemKey encodes a key in the given PEM form.
func pemKey(t *testing.T, form string, key crypto.Signer) []byte {
	t.Helper()
	var der []byte
	var err error
	switch form {
	case "PRIVATE KEY":
		der, err = x509.MarshalPKCS8PrivateKey(key)
	case "RSA PRIVATE KEY":
		der = x509.MarshalPKCS1PrivateKey(key.(*rsa.PrivateKey))
	case "EC PRIVATE KEY":
		der, err = x509.MarshalECPrivateKey(key.(*ecdsa.PrivateKey))
	}
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: form, Bytes: der})
}

func utf16LE(s string, bom bool) []byte {
	var b []byte
	if bom {
		b = []byte{0xFF, 0xFE}
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func TestParsePrivateKeyPEM(t *testing.T) {
	rsaKey := testKey(t, RSA2048)
	ecKey := testKey(t, ECDSAP256)
	pkcs1 := pemKey(t, "RSA PRIVATE KEY", rsaKey)
	sec1 := pemKey(t, "EC PRIVATE KEY", ecKey)
	crlf := bytes.ReplaceAll(pkcs1, []byte("\n"), []byte("\r\n"))
	ecParams := pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}})
	root, _ := testpki.NewRoot("exchcert Test Root")
	cert := testpki.PEM(root.Cert.Cert)

	tests := []struct {
		name string
		data []byte
		want crypto.Signer
	}{
		{"pkcs8 rsa", pemKey(t, "PRIVATE KEY", rsaKey), rsaKey},
		{"pkcs8 ecdsa", pemKey(t, "PRIVATE KEY", ecKey), ecKey},
		{"pkcs1", pkcs1, rsaKey},
		{"sec1", sec1, ecKey},
		{"sec1 after ec parameters (openssl ecparam -genkey)", append(ecParams, sec1...), ecKey},
		{"crlf", crlf, rsaKey},
		{"utf-8 bom", append([]byte{0xEF, 0xBB, 0xBF}, crlf...), rsaKey},
		{"utf-16le bom crlf", utf16LE(string(crlf), true), rsaKey},
		{"utf-16le no bom", utf16LE(string(pkcs1), false), rsaKey},
		{"key after certificate", append(slices.Clone(cert), pkcs1...), rsaKey},
		{"text around", append([]byte("Bag Attributes\n    friendlyName: exch2\n"), pkcs1...), rsaKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePrivateKeyPEM(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(tt.want.Public()) {
				t.Error("another key came back")
			}
		})
	}
}

func TestParsePrivateKeyPEMErrors(t *testing.T) {
	rsaKey := testKey(t, RSA2048)
	pkcs1 := pemKey(t, "RSA PRIVATE KEY", rsaKey)
	root, _ := testpki.NewRoot("exchcert Test Root")
	legacyEnc := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00112233445566778899AABBCCDDEEFF"}, Bytes: []byte("ciphertext")})
	tests := []struct {
		name  string
		data  []byte
		found string // NotKeyError.Found contains this; "" for another error
		enc   bool
	}{
		{"pkcs8 encrypted", pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte("x")}), "", true},
		{"legacy encrypted", legacyEnc, "", true},
		{"certificate", testpki.PEM(root.Cert.Cert), "a certificate", false},
		{"request", pem.EncodeToMemory(&pem.Block{Type: "NEW CERTIFICATE REQUEST", Bytes: []byte("x")}), "a certificate request", false},
		{"public key", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte("x")}), "a public key", false},
		{"unknown block", pem.EncodeToMemory(&pem.Block{Type: "FOO", Bytes: []byte("x")}), `a "FOO" PEM block`, false},
		{"empty", nil, "no PEM data", false},
		{"text", []byte("hello\n"), "no PEM data", false},
		{"der", x509.MarshalPKCS1PrivateKey(rsaKey.(*rsa.PrivateKey)), "binary data", false},
		{"damaged", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{0x30, 0x03, 0x02, 0x01, 0x00}}), "a damaged PRIVATE KEY block", false},
		{"truncated", pkcs1[:len(pkcs1)/2], "no PEM data", false},
		{"two keys", append(slices.Clone(pkcs1), pemKey(t, "PRIVATE KEY", testKey(t, ECDSAP256))...), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParsePrivateKeyPEM(tt.data)
			if err == nil {
				t.Fatalf("no error, got a %T", k)
			}
			if errors.Is(err, ErrEncryptedKey) != tt.enc {
				t.Errorf("err %v: encrypted = %v, want %v", err, !tt.enc, tt.enc)
			}
			var nk *NotKeyError
			if errors.As(err, &nk) != (tt.found != "") {
				t.Errorf("err %#v: NotKeyError = %v, want %v", err, !(tt.found != ""), tt.found != "")
			} else if nk != nil && !strings.Contains(nk.Found, tt.found) {
				t.Errorf("found %q, want %q", nk.Found, tt.found)
			}
		})
	}
}

func TestMarshalPrivateKeyPEM(t *testing.T) {
	for _, kt := range []KeyType{RSA2048, ECDSAP384} {
		key := testKey(t, kt)
		b, err := MarshalPrivateKeyPEM(key)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("-----BEGIN PRIVATE KEY-----\n")) {
			t.Errorf("%s: not PKCS#8 PEM:\n%.40s", kt, b)
		}
		back, err := ParsePrivateKeyPEM(b)
		if err != nil {
			t.Fatal(err)
		}
		if !back.(interface{ Equal(crypto.PrivateKey) bool }).Equal(key) {
			t.Errorf("%s: round trip changed the key", kt)
		}
	}
}

// needOpenSSL returns the openssl binary, or skips the test when it is
// missing outside CI (.ci/run sets EXCHCERT_REQUIRE_TOOLS and installs it).
func needOpenSSL(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("EXCHCERT_REQUIRE_TOOLS") != "" {
			t.Fatal("openssl is not installed (.ci/run installs it)")
		}
		t.Skip("openssl is not installed")
	}
	return p
}

// openssl reads what Build and MarshalPrivateKeyPEM write: the request
// verifies and shows the subject and the names; the fingerprint is that of
// the key as openssl sees it.
func TestOpenSSLReads(t *testing.T) {
	openssl := needOpenSSL(t)
	for _, kt := range []KeyType{RSA2048, ECDSAP256, ECDSAP384} {
		t.Run(kt.String(), func(t *testing.T) {
			dir := t.TempDir()
			key := testKey(t, kt)
			c, err := Build(Request{Plan: seedPlan(t), Key: key, Subject: Subject{Organization: "ACME", Country: "GB"}})
			if err != nil {
				t.Fatal(err)
			}
			keyPEM, _ := MarshalPrivateKeyPEM(key)
			csrFile, keyFile, spkiFile := filepath.Join(dir, "r.csr"), filepath.Join(dir, "r.key"), filepath.Join(dir, "r.spki")
			os.WriteFile(csrFile, c.PEM, 0o600)
			os.WriteFile(keyFile, keyPEM, 0o600)
			run := func(args ...string) string {
				out, err := exec.Command(openssl, args...).CombinedOutput()
				if err != nil {
					t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
				}
				return string(out)
			}
			run("req", "-in", csrFile, "-verify", "-noout")
			text := run("req", "-in", csrFile, "-noout", "-text")
			for _, want := range []string{"CN = exch2.acme.com", "O = ACME", "C = GB",
				"DNS:exch2.acme.com, DNS:legacy.acme.com, DNS:acme.com, DNS:autodiscover.acme.com\n"} {
				if !strings.Contains(text, want) {
					t.Errorf("openssl req -text lacks %q:\n%s", want, text)
				}
			}
			run("pkey", "-in", keyFile, "-pubout", "-outform", "DER", "-out", spkiFile)
			spki, _ := os.ReadFile(spkiFile)
			sum := sha256.Sum256(spki)
			if got := hex.EncodeToString(sum[:]); got != c.PublicKeySHA256 {
				t.Errorf("openssl's key fingerprint %s, Build's %s", got, c.PublicKeySHA256)
			}
		})
	}
}

// openssl's own key files, in every form it writes, parse.
func TestParseOpenSSLKeys(t *testing.T) {
	openssl := needOpenSSL(t)
	dir := t.TempDir()
	cases := map[string][]string{
		"rsa-pkcs8.pem": {"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"},
		"ec-pkcs8.pem":  {"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"},
		"ec-sec1.pem":   {"ecparam", "-name", "prime256v1", "-genkey"},
	}
	for name, args := range cases {
		file := filepath.Join(dir, name)
		if out, err := exec.Command(openssl, append(args, "-out", file)...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
		data, _ := os.ReadFile(file)
		if _, err := ParsePrivateKeyPEM(data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// PKCS#1 ("traditional") from the PKCS#8 RSA key.
	pkcs1 := filepath.Join(dir, "rsa-pkcs1.pem")
	if out, err := exec.Command(openssl, "rsa", "-in", filepath.Join(dir, "rsa-pkcs8.pem"), "-traditional", "-out", pkcs1).CombinedOutput(); err != nil {
		t.Fatalf("openssl rsa -traditional: %v\n%s", err, out)
	}
	data, _ := os.ReadFile(pkcs1)
	if !bytes.Contains(data, []byte("BEGIN RSA PRIVATE KEY")) {
		t.Fatalf("not PKCS#1:\n%s", data)
	}
	if _, err := ParsePrivateKeyPEM(data); err != nil {
		t.Errorf("pkcs1: %v", err)
	}
	// A password-protected key is reported as such.
	enc := filepath.Join(dir, "enc.pem")
	if out, err := exec.Command(openssl, "pkey", "-in", pkcs1, "-aes256", "-passout", "pass:secret", "-out", enc).CombinedOutput(); err != nil {
		t.Fatalf("openssl pkey -aes256: %v\n%s", err, out)
	}
	data, _ = os.ReadFile(enc)
	if _, err := ParsePrivateKeyPEM(data); !errors.Is(err, ErrEncryptedKey) {
		t.Errorf("encrypted key: err = %v, want ErrEncryptedKey", err)
	}
}

func FuzzParsePrivateKeyPEM(f *testing.F) {
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte("-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nMAA=\n-----END EC PRIVATE KEY-----\n"))
	f.Add([]byte{0xFF, 0xFE, '-', 0, '-', 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParsePrivateKeyPEM(data)
		if (k == nil) == (err == nil) {
			t.Fatalf("key %v with error %v", k, err)
		}
	})
}

func BenchmarkGenerateKey(b *testing.B) {
	for _, kt := range KeyTypes {
		b.Run(kt.String(), func(b *testing.B) {
			for b.Loop() {
				if _, err := GenerateKey(kt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBuild measures making and checking the request for the seed plan
// with a ready key (GenerateKey is measured on its own above).
func BenchmarkBuild(b *testing.B) {
	p := seedPlan(b)
	for _, kt := range KeyTypes {
		b.Run(kt.String(), func(b *testing.B) {
			key := testKey(b, kt)
			for b.Loop() {
				if _, err := Build(Request{Plan: p, Key: key, Subject: Subject{Organization: "ACME"}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
