package inspect

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/internal/testpki"
)

// Bags for hand-built PFX files (RFC 7292 §4.2).
func certBagOf(t *testing.T, der []byte) []byte {
	return kindSeq(mustDER(t, oidCertBag), kindTLV(0xa0, kindSeq(mustDER(t, asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}), kindTLV(0xa0, mustDER(t, der)))))
}

func keyBagOf(t *testing.T, pkcs8 []byte) []byte {
	return kindSeq(mustDER(t, oidKeyBag), kindTLV(0xa0, pkcs8))
}

// pfxMAC is the HMAC-SHA-256 MacData (RFC 7292 Appendix B) of msg.
func pfxMAC(t *testing.T, msg []byte, pw string, salt []byte, iter int) []byte {
	bmp, _ := bmpPassword(pw)
	key := pkcs12KDFHash(sha256.New, 64, 3, bmp, salt, iter, 32)
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return kindSeq(kindSeq(kindSeq(mustDER(t, oidSHA256), []byte{0x05, 0x00}), mustDER(t, m.Sum(nil))), mustDER(t, salt), mustDER(t, iter))
}

// buildPFX makes a PFX of one unencrypted safe holding bags, with an
// HMAC-SHA-256 MAC for pw: what Windows exports without encryption,
// readable by go-pkcs12 when it holds one key and its certificate.
func buildPFX(t *testing.T, pw string, bags ...[]byte) []byte {
	safe := kindSeq(bags...)
	authSafe := kindSeq(kindSeq(mustDER(t, oidData), kindTLV(0xa0, mustDER(t, safe))))
	return kindSeq(mustDER(t, 3), kindSeq(mustDER(t, oidData), kindTLV(0xa0, mustDER(t, authSafe))), pfxMAC(t, authSafe, pw, []byte("saltsalt"), 2048))
}

// berOf re-encodes DER as BER the way Java's and older tools' writers do:
// every constructed element with an indefinite length, and OCTET STRINGs
// longer than 16 bytes in 16-byte segments. The content of OCTET STRINGs
// is not touched.
func berOf(t *testing.T, der []byte) []byte {
	e, rest, err := readElement(der)
	if err != nil || len(rest) != 0 {
		t.Fatalf("berOf: %v", err)
	}
	var enc func(e element) []byte
	enc = func(e element) []byte {
		id := der2id(e)
		switch {
		case e.is(asn1.ClassUniversal, asn1.TagOctetString) && !e.constructed && len(e.content) > 16:
			out := []byte{0x24, 0x80}
			for c := e.content; len(c) > 0; c = c[min(16, len(c)):] {
				out = append(out, kindTLV(0x04, c[:min(16, len(c))])...)
			}
			return append(out, 0, 0)
		case !e.constructed:
			return e.full
		}
		kids, err := e.children()
		if err != nil {
			t.Fatal(err)
		}
		out := append(id, 0x80)
		for _, k := range kids {
			out = append(out, enc(k)...)
		}
		return append(out, 0, 0)
	}
	return enc(e)
}

// der2id returns the identifier octets of e (low tag numbers only).
func der2id(e element) []byte {
	b := byte(e.class<<6) | byte(e.tag)
	if e.constructed {
		b |= 0x20
	}
	return []byte{b}
}

// berPFX rebuilds a DER PFX in BER from the outside in, down to the
// SafeContents of its unencrypted safes, and computes its MAC afresh over
// the BER AuthenticatedSafe, as a BER writer does: the MAC covers the
// content octets as written. wrongMAC computes it over the DER instead.
func berPFX(t *testing.T, der []byte, pw string, wrongMAC bool) []byte {
	pfx, _, _ := readElement(der)
	kids, _ := pfx.children()
	ci, _ := kids[1].children()
	w, _ := ci[1].children()
	authSafe, _ := w[0].octets()
	as, _, _ := readElement(authSafe)
	safes, _ := as.children()
	var body []byte
	for _, s := range safes {
		parts, _ := s.children()
		if parts[0].oid().Equal(oidData) {
			inner, _ := parts[1].children()
			v, _ := inner[0].octets()
			s2 := kindSeq(parts[0].full, kindTLV(0xa0, mustDER(t, berOf(t, v))))
			body = append(body, berOf(t, s2)...)
			continue
		}
		body = append(body, berOf(t, s.full)...)
	}
	berAS := append(append([]byte{0x30, 0x80}, body...), 0, 0)
	md, _ := kids[2].children()
	salt, _ := md[1].octets()
	macOver := berAS
	if wrongMAC {
		macOver = authSafe
	}
	iter := 1
	if len(md) == 3 {
		iter = int(md[2].integer().Int64())
	}
	mac := pfxMAC(t, macOver, pw, salt, iter)
	out := []byte{0x30, 0x80}
	out = append(out, kids[0].full...)
	out = append(out, berOf(t, kindSeq(ci[0].full, kindTLV(0xa0, mustDER(t, berAS))))...)
	out = append(out, berOf(t, mac)...)
	return append(out, 0, 0)
}

// negativeSerial returns der with its serial number made negative (the
// top bit of its first byte set), which crypto/x509 refuses to parse.
func negativeSerial(t *testing.T, der []byte) []byte {
	out := bytes.Clone(der)
	c, _, _ := readElement(out)
	k, _ := c.children()
	tbs, _ := k[0].children()
	serial := tbs[1]
	if serial.integer() == nil {
		t.Fatal("no serial where expected")
	}
	i := bytes.Index(out, serial.full) + len(serial.full) - len(serial.content)
	out[i] |= 0x80
	if _, err := x509.ParseCertificate(out); err == nil {
		t.Fatal("crypto/x509 reads a negative serial")
	}
	return out
}

func codesOf(fs finding.Findings) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code+":"+f.Severity.String())
	}
	slices.Sort(out)
	return out
}

// TestLoadPFXAsWindowsReadsIt: each PFX that go-pkcs12's DecodeChain
// refuses while Windows reads it is read, shows what it holds, and carries
// the finding that says what is odd about it.
func TestLoadPFXAsWindowsReadsIt(t *testing.T) {
	f := getFixture(t)
	chain := []*x509.Certificate{f.inter.Cert.Cert}
	legacy, err := testpki.PFX(testpki.PFXLegacyDES, f.leaf.Key, f.leaf.Cert, chain, "pw")
	if err != nil {
		t.Fatal(err)
	}
	modern, err := testpki.PFX(testpki.PFXModern2023, f.leaf.Key, f.leaf.Cert, chain, "pw")
	if err != nil {
		t.Fatal(err)
	}
	certOnly, err := pkcs12.LegacyDES.EncodeTrustStore([]*x509.Certificate{f.leaf.Cert}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	leafKey, err := x509.MarshalPKCS8PrivateKey(f.leaf.Key)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := x509.MarshalPKCS8PrivateKey(f.ecKey)
	if err != nil {
		t.Fatal(err)
	}
	dsaKey := kindSeq(mustDER(t, 0), kindSeq(mustDER(t, oidKeyDSA), kindSeq(mustDER(t, big.NewInt(23)), mustDER(t, big.NewInt(11)), mustDER(t, big.NewInt(4)))),
		mustDER(t, mustDER(t, big.NewInt(3))))
	outer, _, _ := readElement(legacy)
	open, err := testpki.PFX(testpki.PFXPasswordless, f.leaf.Key, f.leaf.Cert, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	nested, err := testpki.PFXNestBags(open, 2)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name         string
		data         []byte
		certs, keys  int
		refused      int
		codes        []string
		keyMatchLeaf bool
		lenient      string // the refusal code of a certificate read leniently
	}{
		{name: "control: DER, go-pkcs12 reads it", data: legacy, certs: 2, keys: 1, keyMatchLeaf: true},
		{name: "hand-built, HMAC-SHA-256", data: buildPFX(t, "pw", certBagOf(t, f.leaf.Cert.Raw), keyBagOf(t, leafKey)), certs: 1, keys: 1, keyMatchLeaf: true},
		{name: "bytes after the structure", data: append(bytes.Clone(legacy), "\r\n\x00\x00trailer"...), certs: 2, keys: 1,
			codes: []string{"pfx-trailing-data:warning"}, keyMatchLeaf: true},
		{name: "BER outer SEQUENCE", data: append(append([]byte{0x30, 0x80}, outer.content...), 0, 0), certs: 2, keys: 1,
			codes: []string{"pfx-ber-encoding:info"}, keyMatchLeaf: true},
		{name: "BER throughout, legacy encryption", data: berPFX(t, legacy, "pw", false), certs: 2, keys: 1,
			codes: []string{"pfx-ber-encoding:info"}, keyMatchLeaf: true},
		{name: "BER throughout, AES", data: berPFX(t, modern, "pw", false), certs: 2, keys: 1,
			codes: []string{"pfx-ber-encoding:info"}, keyMatchLeaf: true},
		{name: "BER, unencrypted safe", data: berPFX(t, buildPFX(t, "pw", certBagOf(t, f.leaf.Cert.Raw), keyBagOf(t, leafKey)), "pw", false),
			certs: 1, keys: 1, codes: []string{"pfx-ber-encoding:info"}, keyMatchLeaf: true},
		{name: "BER and bytes after it", data: append(berPFX(t, legacy, "pw", false), 0, 0, 0, 0), certs: 2, keys: 1,
			codes: []string{"pfx-ber-encoding:info", "pfx-trailing-data:warning"}, keyMatchLeaf: true},
		{name: "certificates only (go-pkcs12 trust store)", data: certOnly, certs: 1, codes: []string{"pfx-no-private-key:error"}},
		{name: "certificates only (hand-built)", data: buildPFX(t, "pw", certBagOf(t, f.leaf.Cert.Raw), certBagOf(t, f.inter.Cert.Cert.Raw)), certs: 2,
			codes: []string{"pfx-no-private-key:error"}},
		{name: "key only", data: buildPFX(t, "pw", keyBagOf(t, leafKey)), keys: 1, codes: []string{"pfx-no-certificate:error"}},
		{name: "two keys", data: buildPFX(t, "pw", keyBagOf(t, leafKey), certBagOf(t, f.leaf.Cert.Raw), keyBagOf(t, otherKey)), certs: 1, keys: 2,
			codes: []string{"pfx-several-keys:warning"}, keyMatchLeaf: true},
		{name: "negative serial", data: buildPFX(t, "pw", keyBagOf(t, leafKey), certBagOf(t, negativeSerial(t, f.leaf.Cert.Raw)), certBagOf(t, f.inter.Cert.Cert.Raw)),
			// Read leniently like a certificate in any other file: shown,
			// checked, and its refusal reported with its own code.
			certs: 2, keys: 1, lenient: CodeNegativeSerial},
		{name: "certificate bag no parser reads", data: buildPFX(t, "pw", keyBagOf(t, leafKey), certBagOf(t, f.leaf.Cert.Raw), certBagOf(t, []byte{0x30, 0x03, 0x02, 0x01, 0x05})),
			certs: 1, keys: 1, refused: 1, codes: []string{"pfx-certificate-unreadable:error"}, keyMatchLeaf: true},
		{name: "DSA key", data: buildPFX(t, "pw", certBagOf(t, f.leaf.Cert.Raw), keyBagOf(t, dsaKey)), certs: 1,
			codes: []string{"pfx-key-unusable:error"}},
		{name: "nested SafeContents bags", data: nested, certs: 1, keys: 1, keyMatchLeaf: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pw := "pw"
			if bytes.Equal(tc.data, nested) {
				pw = ""
			}
			b, err := Load("x.pfx", tc.data, LoadOptions{Password: func() ([]byte, error) { return []byte(pw), nil }})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if b.Format != FormatPKCS12 || b.PFX == nil {
				t.Errorf("format %q, PFX info %v", b.Format, b.PFX)
			}
			if len(b.Certs) != tc.certs || len(b.Keys) != tc.keys || len(b.RefusedCerts) != tc.refused {
				t.Errorf("%d certificates, %d keys, %d refused; want %d, %d, %d", len(b.Certs), len(b.Keys), len(b.RefusedCerts), tc.certs, tc.keys, tc.refused)
			}
			if tc.lenient != "" && (len(b.Refused) != 1 || b.Refused[0].Code != tc.lenient) {
				t.Errorf("refusals %+v, want one %s", b.Refused, tc.lenient)
			}
			if got := codesOf(b.Findings); !slices.Equal(got, tc.codes) {
				t.Errorf("findings %v, want %v", got, tc.codes)
			}
			for _, x := range b.Findings {
				if x.Subject != "x.pfx" || x.Message == "" || x.Fix == "" || strings.Contains(x.Message, "from the CA again") {
					t.Errorf("finding %+v", x)
				}
			}
			if tc.keyMatchLeaf && !publicKeysEqual(b.Keys[0].Public(), f.leaf.Cert.PublicKey) {
				t.Error("the first key is not the leaf's")
			}
			// inspect's report carries the findings, and an error among
			// them makes it fail (exit 1), not the load (exit 2).
			r := Check([]*Bundle{b}, Options{Roots: rootPool(f)})
			if tc.lenient != "" && !slices.ContainsFunc(r.Findings, func(x finding.Finding) bool { return x.Code == tc.lenient && x.Severity == finding.Error }) {
				t.Errorf("report lacks the %s error: %+v", tc.lenient, r.Findings)
			}
			for _, c := range tc.codes {
				code := c[:strings.Index(c, ":")]
				if !slices.ContainsFunc(r.Findings, func(x finding.Finding) bool { return x.Code == code }) {
					t.Errorf("report lacks %s", code)
				}
			}
			if tc.name == "certificates only (hand-built)" {
				i := slices.IndexFunc(r.Findings, func(x finding.Finding) bool { return x.Code == CodePFXNoKey })
				if i < 0 || !strings.HasPrefix(r.Findings[i].Message, "no private key: Exchange cannot use this PFX for TLS") || !r.HasErrors() {
					t.Errorf("certificate-only PFX: %+v", r.Findings)
				}
			}
		})
	}
}

func rootPool(f *fixture) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(f.root.Cert.Cert)
	return p
}

// TestLoadPFXBERPassword: the MAC of a BER PFX is checked over the content
// octets as the file holds them, so a MAC over their DER re-encoding fails,
// and the password rules are those of a DER PFX.
func TestLoadPFXBERPassword(t *testing.T) {
	f := getFixture(t)
	legacy, err := testpki.PFX(testpki.PFXLegacyDES, f.leaf.Key, f.leaf.Cert, nil, "pw")
	if err != nil {
		t.Fatal(err)
	}
	good := berPFX(t, legacy, "pw", false)
	pw := func(s string) LoadOptions {
		return LoadOptions{Password: func() ([]byte, error) { return []byte(s), nil }}
	}
	for _, tc := range []struct {
		name string
		data []byte
		opt  LoadOptions
		want error
	}{
		{"MAC over the DER, not the content octets", berPFX(t, legacy, "pw", true), pw("pw"), ErrWrongPassword},
		{"wrong password", good, pw("nope"), ErrWrongPassword},
		{"no password given", good, LoadOptions{}, ErrNeedPassword},
		{"iteration limit", good, LoadOptions{Password: pw("pw").Password, MaxIterations: 1000}, ErrTooManyIterations},
		{"truncated", good[:len(good)-30], pw("pw"), ErrDamaged},
	} {
		t.Run(tc.name, func(t *testing.T) { checkLoadError(t, errorCase{data: tc.data, opt: tc.opt, want: tc.want}) })
	}
	if _, err := Load("x.pfx", good, pw("pw")); err != nil {
		t.Fatalf("control: %v", err)
	}
	// A BER PFX with the empty password, opened without asking.
	openDER := buildPFX(t, "", certBagOf(t, f.leaf.Cert.Raw))
	if b, err := Load("x.pfx", berPFX(t, openDER, "", false), LoadOptions{}); err != nil || len(b.Certs) != 1 {
		t.Errorf("BER with the empty password: %v", err)
	}
}

// TestLoadPFXMACDigests: the MAC digests of RFC 7292 and RFC 9579 that
// decodeBags checks itself, each against go-pkcs12 where it reads them.
func TestLoadPFXMACDigests(t *testing.T) {
	f := getFixture(t)
	for _, e := range []testpki.PFXEncoding{testpki.PFXLegacyDES, testpki.PFXModern2023, testpki.PFXLegacyRC2} {
		der, err := testpki.PFX(e, f.leaf.Key, f.leaf.Cert, nil, "pw")
		if err != nil {
			t.Fatal(err)
		}
		norm, macInput, changed := normalisePFX(der)
		if changed || !bytes.Equal(norm, der) {
			t.Fatalf("%v: normalising DER changed it", e)
		}
		c, err := decodeBags(norm, macInput, "pw")
		if err != nil || len(c.certs) != 1 || len(c.keys) != 1 {
			t.Errorf("%v: decodeBags: %v", e, err)
		}
		if _, err := decodeBags(norm, macInput, "wrong"); !errors.Is(err, pkcs12.ErrIncorrectPassword) {
			t.Errorf("%v: wrong password gives %v", e, err)
		}
	}
	// pkcs12KDFHash with SHA-1 is pbe.go's pkcs12KDF.
	salt := make([]byte, 8)
	rand.Read(salt)
	bmp, _ := bmpPassword("Pa55word")
	for _, n := range []int{5, 20, 24, 32} {
		if a, b := pkcs12KDFHash(sha1.New, 64, 1, bmp, salt, 3, n), pkcs12KDF(1, bmp, salt, 3, n); !bytes.Equal(a, b) {
			t.Errorf("KDF %d bytes: %x != %x", n, a, b)
		}
	}
}
