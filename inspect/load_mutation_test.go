package inspect

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/exchcert/exchcert/finding"
)

// indefiniteTLV re-encodes the outer element of der with an indefinite
// length (BER), as DER does not allow.
func indefiniteTLV(t *testing.T, der []byte) []byte {
	t.Helper()
	e, _, err := readElement(der)
	if err != nil {
		t.Fatal(err)
	}
	out := append([]byte{der[0], 0x80}, e.content...)
	return append(out, 0, 0)
}

// longLengthTLV re-encodes the outer element of der with a length of three
// bytes, the first zero: BER, not DER, yet every element fits.
func longLengthTLV(t *testing.T, der []byte) []byte {
	t.Helper()
	e, _, err := readElement(der)
	if err != nil {
		t.Fatal(err)
	}
	n := len(e.content)
	out := []byte{der[0], 0x83, 0, byte(n >> 8), byte(n)}
	return append(out, e.content...)
}

func concatBytes(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestLoadDERCertificatesNamed: each certificate of a DER file that
// crypto/x509 refuses is named by its number and byte offset, in the
// refusal and in the damage message.
func TestLoadDERCertificatesNamed(t *testing.T) {
	f := getFixture(t)
	good := f.leaf.Cert.Raw
	neg := negativeSerial(t, makeCert(t, f.ecKey, nil))
	for _, tt := range []struct {
		name  string
		der   []byte
		certs int
		where string
	}{
		{"refused alone", neg, 1, "DER certificate"},
		{"refused first", concatBytes(neg, good), 2, "DER certificate 1 (at byte 0)"},
		{"refused second", concatBytes(good, neg), 2, fmt.Sprintf("DER certificate 2 (at byte %d)", len(good))},
		{"refused third", concatBytes(good, good, neg), 3, fmt.Sprintf("DER certificate 3 (at byte %d)", 2*len(good))},
	} {
		b, err := Load("chain.der", tt.der, LoadOptions{})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if len(b.Certs) != tt.certs || len(b.Refused) != 1 || b.Refused[0].Where != tt.where || b.Refused[0].Code != "negative-serial" {
			t.Errorf("%s: %d certs, refused %+v; want %d certs, one refused at %q", tt.name, len(b.Certs), b.Refused, tt.certs, tt.where)
		}
	}
	for _, tt := range []struct {
		name, want string
		der        []byte
	}{
		{"indefinite length first", "DER certificate 1 is damaged at byte 0 of %d: an indefinite length (BER), which DER does not allow",
			concatBytes(indefiniteTLV(t, neg), good)},
		{"indefinite length second", fmt.Sprintf("DER certificate 2 is damaged at byte %d of %%d: an indefinite length (BER), which DER does not allow", len(good)),
			concatBytes(good, indefiniteTLV(t, neg))},
		{"indefinite length third", fmt.Sprintf("DER certificate 3 is damaged at byte %d of %%d: an indefinite length (BER), which DER does not allow", 2*len(good)),
			concatBytes(good, good, indefiniteTLV(t, neg))},
		{"long length first", "DER certificate 1 is damaged at byte 0 of %d: not a DER element", concatBytes(longLengthTLV(t, neg), good)},
		{"long length second", fmt.Sprintf("DER certificate 2 is damaged at byte %d of %%d: not a DER element", len(good)), concatBytes(good, longLengthTLV(t, neg))},
		{"long length third", fmt.Sprintf("DER certificate 3 is damaged at byte %d of %%d: not a DER element", 2*len(good)), concatBytes(good, good, longLengthTLV(t, neg))},
	} {
		want := fmt.Sprintf(tt.want, len(tt.der))
		_, err := Load("chain.der", tt.der, LoadOptions{})
		if !errors.Is(err, ErrDamaged) || err.Error() != want {
			t.Errorf("%s: %v, want %q", tt.name, err, want)
		}
	}
}

// TestLoadDERCertificateOrRequest: a structure whose to-be-signed part the
// shape check cannot tell apart (here: bytes after the extensions that are
// no ASN.1) is read as a certificate when it is no request.
func TestLoadDERCertificateOrRequest(t *testing.T) {
	f := getFixture(t)
	der := rebuild(negativeSerial(t, makeCert(t, f.ecKey, nil)), func(fields []element) [][]byte {
		var out [][]byte
		for _, e := range fields {
			out = append(out, e.full)
		}
		return append(out, []byte{0x04, 0x85, 0, 0, 0, 0, 0}) // a length of five bytes: more than readElement reads
	})
	if got := signedShape(der); got != "certificate or request" {
		t.Fatalf("shape %q, want a certificate or request", got)
	}
	b, err := Load("x.der", der, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Certs) != 1 || len(b.CSRs) != 0 || len(b.Refused) != 1 || b.Refused[0].Code != "negative-serial" || b.Refused[0].Where != "DER certificate or request" {
		t.Errorf("%d certs, %d requests, refused %+v; want the certificate, refused for its negative serial", len(b.Certs), len(b.CSRs), b.Refused)
	}
	if b.Certs[0].Subject.CommonName != "exch2.acme.com" {
		t.Errorf("subject %q", b.Certs[0].Subject)
	}
}

// TestLoadPEMMessages: the PEM errors name the block, the line of its
// BEGIN (text before it counted), and what is wrong, in full.
func TestLoadPEMMessages(t *testing.T) {
	f := getFixture(t)
	garbage := pemBlock("CERTIFICATE", []byte("not DER at all"))
	// A tag number of more than 2^24 (continuation bytes 0xff): every
	// element fits, but readElement refuses the tag.
	bigTag := []byte{0x1f, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00}
	good := string(pemBlock("CERTIFICATE", f.leaf.Cert.Raw))
	goodLines := strings.Count(good, "\n")
	tests := []struct {
		name string
		data string
		want error
		msg  string
	}{
		{"text before", "subject=CN = exch2\nissuer=CN = CA\n\n" + string(garbage), ErrDamaged,
			`PEM block 1 "CERTIFICATE" (line 4): certificate is damaged at byte 0 of 14: an element claims 111 bytes but only 12 follow`},
		{"second block after text", good + "Certificate:\n    Data: ...\n" + string(garbage), ErrDamaged,
			fmt.Sprintf(`PEM block 2 "CERTIFICATE" (line %d): certificate is damaged at byte 0 of 14`, goodLines+3)},
		{"trusted garbage", string(pemBlock("TRUSTED CERTIFICATE", []byte("not DER at all"))), ErrDamaged,
			`PEM block 1 "TRUSTED CERTIFICATE" (line 1): certificate is damaged at byte 0 of 14: an element claims 111 bytes but only 12 follow`},
		{"trusted big tag", "x\n" + string(pemBlock("TRUSTED CERTIFICATE", bigTag)), ErrDamaged,
			`PEM block 1 "TRUSTED CERTIFICATE" (line 2): certificate is damaged at byte 0 of 7: not a DER element`},
		{"key garbage", string(pemBlock("PRIVATE KEY", []byte{0x30, 0x00})), ErrDamaged,
			`PEM block 1 "PRIVATE KEY" (line 1): private key does not parse: not a PKCS #8, PKCS #1 or SEC 1 private key`},
		{"unknown label only", string(pemBlock("FOO BAR", []byte{1, 2, 3})), ErrNotRecognised,
			"no certificate, request or private key in the PEM file (found FOO BAR)"},
		{"two unknown labels", string(pemBlock("FOO", []byte{1})) + string(pemBlock("BAR", []byte{2})), ErrNotRecognised,
			"no certificate, request or private key in the PEM file (found FOO, BAR)"},
		{"unknown label without END", "-----BEGIN FOO BAR-----\nAQID\n", ErrNotRecognised, ErrNotRecognised.Error()},
	}
	for _, tt := range tests {
		_, err := Load("file", []byte(tt.data), LoadOptions{})
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.msg)
		}
	}
}

// TestTrimX509: a crypto/x509 error without its package prefix; no error
// at all is worded, not a panic.
func TestTrimX509(t *testing.T) {
	if got := trimX509(nil); got != "unknown error" {
		t.Errorf("trimX509(nil) = %q", got)
	}
	if got := trimX509(errors.New("x509: malformed certificate")); got != "malformed certificate" {
		t.Errorf("trimX509 = %q", got)
	}
}

// TestKindBoundaries: the shapes kind.go recognises at the edges of what
// each structure allows.
func TestKindBoundaries(t *testing.T) {
	f := getFixture(t)
	req, err := ocsp.CreateRequest(f.leaf.Cert, f.inter.Cert.Cert, nil)
	if err != nil {
		t.Fatal(err)
	}
	e, _, _ := readElement(req)
	outer, _ := e.children()
	tbsFields, _ := outer[0].children()
	requestList := tbsFields[len(tbsFields)-1].full
	alg := kindSeq(mustDER(t, asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}))
	bits := mustDER(t, asn1.BitString{Bytes: []byte{1, 2, 3}, BitLength: 24})
	signature := kindTLV(0xa0, kindSeq(alg, bits))
	version := kindTLV(0xa0, mustDER(t, 0))
	requestor := kindTLV(0xa1, kindTLV(0x82, []byte("ocsp.acme.com")))
	name := kindSeq(kindTLV(0x31, kindSeq(mustDER(t, asn1.ObjectIdentifier{2, 5, 4, 3}), mustDER(t, "Acme CA"))))
	thisUpdate := mustDER(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	secp256k1 := asn1.ObjectIdentifier{1, 3, 132, 0, 10}
	pbeSHA3DES := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	jks := append([]byte{0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2}, make([]byte, MaxFileSize-8)...)
	tests := []struct {
		name string
		data []byte
		what string // "": no kind
		err  error
	}{
		{"OCSP request with its signature", kindSeq(outer[0].full, signature), "an OCSP request", ErrNotRecognised},
		{"OCSP request with version and requestor", kindSeq(kindSeq(version, requestor, requestList)), "an OCSP request", ErrNotRecognised},
		{"OCSP request of a version only", kindSeq(kindSeq(version)), "", ErrNotRecognised},
		{"CRL v1 without nextUpdate", kindSeq(kindSeq(alg, name, thisUpdate), alg, bits), "a certificate revocation list (CRL)", ErrNotRecognised},
		{"CRL v2 without nextUpdate", kindSeq(kindSeq(mustDER(t, 1), alg, name, thisUpdate), alg, bits), "a certificate revocation list (CRL)", ErrNotRecognised},
		{"CRL without issuer", kindSeq(kindSeq(alg, thisUpdate), alg, bits), "", ErrDamaged},
		{"signed structure of nothing", kindSeq(kindSeq(), alg, bits), "", ErrDamaged},
		{"encrypted PKCS #8, algorithm without parameters", kindSeq(kindSeq(mustDER(t, pbeSHA3DES)), mustDER(t, []byte("ciphertext"))),
			"an encrypted private key (PKCS #8)", ErrUnsupported},
		{"EC key on secp256k1", kindSeq(mustDER(t, 0), kindSeq(mustDER(t, oidKeyEC), mustDER(t, secp256k1)), mustDER(t, kindSeq(mustDER(t, 1), mustDER(t, make([]byte, 32))))),
			"an EC private key on an unsupported curve (1.3.132.0.10)", ErrUnsupported},
		{"key of an unknown algorithm", kindSeq(mustDER(t, 0), kindSeq(mustDER(t, asn1.ObjectIdentifier{1, 2, 3, 4})), mustDER(t, []byte{1, 2})),
			"a private key of algorithm 1.2.3.4", ErrUnsupported},
		{"keystore of the largest size read", jks, "a Java keystore (JKS)", ErrNotRecognised},
		{"keystore one byte larger", append(jks, 0), "", ErrTooLarge},
	}
	for _, tt := range tests {
		_, err := Load("file", tt.data, LoadOptions{})
		var k *KindError
		switch {
		case !errors.Is(err, tt.err):
			t.Errorf("%s: %v, want %v", tt.name, err, tt.err)
		case tt.what == "" && errors.As(err, &k):
			t.Errorf("%s: identified as %q", tt.name, k.What)
		case tt.what != "" && (!errors.As(err, &k) || k.What != tt.what):
			t.Errorf("%s: %v, want it identified as %q", tt.name, err, tt.what)
		}
	}
}

// TestReadElementEdges: readElement at the edges of the tag numbers,
// lengths and nesting it reads.
func TestReadElementEdges(t *testing.T) {
	// A tag number of exactly 2^24 after four bytes may take one byte more.
	e, rest, err := readElement([]byte{0x1f, 0x88, 0x80, 0x80, 0x80, 0x00, 0x00, 0xee})
	if err != nil || e.tag != 1<<31 || len(e.content) != 0 || !bytes.Equal(rest, []byte{0xee}) {
		t.Errorf("tag 2^31: tag %d, %v", e.tag, err)
	}
	// A length of four bytes is the longest read (BER: leading zeros).
	e, _, err = readElement([]byte{0x04, 0x84, 0, 0, 0, 2, 'a', 'b'})
	if err != nil || string(e.content) != "ab" || !e.nonDER {
		t.Errorf("four-byte length: %q nonDER %v, %v", e.content, e.nonDER, err)
	}
	// A length field that ends the input: an empty element (BER).
	e, rest, err = readElement([]byte{0x04, 0x81, 0x00})
	if err != nil || len(e.content) != 0 || len(rest) != 0 || !e.nonDER {
		t.Errorf("long-form length 0 at the end: %q nonDER %v, %v", e.content, e.nonDER, err)
	}
	// 0x80 bytes need the long form: DER. 0x7f bytes in it: BER.
	e, _, err = readElement(append([]byte{0x04, 0x81, 0x80}, make([]byte, 0x80)...))
	if err != nil || len(e.content) != 0x80 || e.nonDER {
		t.Errorf("length 0x80: %d bytes, nonDER %v, %v", len(e.content), e.nonDER, err)
	}
	e, _, err = readElement(append([]byte{0x04, 0x81, 0x7f}, make([]byte, 0x7f)...))
	if err != nil || len(e.content) != 0x7f || !e.nonDER {
		t.Errorf("length 0x7f in the long form: %d bytes, nonDER %v, %v", len(e.content), e.nonDER, err)
	}
	// Nesting beyond maxDepth: indefinite lengths are refused; definite
	// ones are read, and a BER form below maxDepth is not looked for.
	deep := maxDepth + 6
	ber := append(bytes.Repeat([]byte{0x30, 0x80}, deep), bytes.Repeat([]byte{0, 0}, deep)...)
	if _, _, err := readElement(ber); err == nil || err.Error() != "ASN.1 nested too deeply" {
		t.Errorf("indefinite lengths %d deep: %v", deep, err)
	}
	nest := func(inner []byte, n int) []byte {
		for range n {
			inner = kindTLV(0x30, inner)
		}
		return inner
	}
	bottom := []byte{0x30, 0x80, 0x00, 0x00}
	for _, tt := range []struct {
		depth  int
		nonDER bool
	}{{maxDepth - 1, true}, {deep, false}} {
		e, _, err := readElement(nest(bottom, tt.depth))
		if err != nil || e.nonDER != tt.nonDER {
			t.Errorf("indefinite length under %d SEQUENCEs: nonDER %v, %v; want %v", tt.depth, e.nonDER, err, tt.nonDER)
		}
	}
}

// TestLoadDERWhatX509Reads: a certificate crypto/x509 reads is loaded as
// it is, even when a part crypto/x509 does not look into (the parameters
// of a key algorithm it does not know) is BER, which the lenient path
// refuses.
func TestLoadDERWhatX509Reads(t *testing.T) {
	f := getFixture(t)
	berParams := kindSeq(mustDER(t, asn1.ObjectIdentifier{1, 2, 3, 4}), kindSeq([]byte{0x02, 0x81, 0x01, 0x05}))
	der := editField(t, makeCert(t, f.ecKey, nil), isSPKI, func(element) []byte {
		return kindSeq(berParams, mustDER(t, asn1.BitString{Bytes: []byte{1, 2, 3}, BitLength: 24}))
	})
	if e, _, err := readElement(der); err != nil || !e.nonDER {
		t.Fatalf("the edited certificate is not BER: %v", err)
	}
	for _, tt := range []struct {
		name  string
		data  []byte
		certs int
	}{{"alone", der, 1}, {"with another", concatBytes(der, f.leaf.Cert.Raw), 2}} {
		b, err := Load("x.der", tt.data, LoadOptions{})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if len(b.Certs) != tt.certs || len(b.Refused) != 0 || b.Certs[0].PublicKeyAlgorithm != x509.UnknownPublicKeyAlgorithm {
			t.Errorf("%s: %d certificates, %d refused; want %d, none refused", tt.name, len(b.Certs), len(b.Refused), tt.certs)
		}
	}
}

// TestDERDamageEdges: derDamage at the nesting limit and with high tag
// numbers of more than one byte.
func TestDERDamageEdges(t *testing.T) {
	nest := func(inner []byte, n int) []byte {
		for range n {
			inner = kindTLV(0x30, inner)
		}
		return inner
	}
	broken := []byte{0x04, 0x05, 0x00}
	atLimit := nest(broken, maxDepth)
	if off, why := derDamage(atLimit, 0, 0); off != len(atLimit)-len(broken) || why != "an element claims 5 bytes but only 1 follow" {
		t.Errorf("damage %d levels deep: %d, %q", maxDepth, off, why)
	}
	beyond := nest(broken, maxDepth+1)
	if off, why := derDamage(beyond, 0, 0); off != len(beyond)-len(broken) || why != "ASN.1 nested too deeply" {
		t.Errorf("damage %d levels deep: %d, %q", maxDepth+1, off, why)
	}
	for _, tt := range []struct {
		der []byte
		off int
		why string
	}{
		{[]byte{0x1f, 0x81, 0x00, 0x00}, -1, ""},
		{[]byte{0x30, 0x05, 0x1f, 0x81, 0x80, 0x00, 0x00}, -1, ""},
		{[]byte{0x1f, 0x81, 0x80, 0x00, 0x01}, 0, "an element claims 1 bytes but only 0 follow"},
	} {
		if off, why := derDamage(tt.der, 0, 0); off != tt.off || why != tt.why {
			t.Errorf("% x: %d, %q; want %d, %q", tt.der, off, why, tt.off, tt.why)
		}
	}
}

// TestDescribeDamageWhole: a certificate whose ASN.1 is whole is
// explained by its key when the key's curve is spelt out and unknown, and
// otherwise by both parsers' errors, zcrypto's without the dump of its
// field parameters.
func TestDescribeDamageWhole(t *testing.T) {
	f := getFixture(t)
	curve := kindSeq(mustDER(t, 1), kindSeq(mustDER(t, asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1}), mustDER(t, 97)),
		kindSeq(mustDER(t, []byte{1}), mustDER(t, []byte{2})), mustDER(t, []byte{4, 1, 2}), mustDER(t, 89))
	explicit := editField(t, makeCert(t, f.ecKey, nil), isSPKI, func(element) []byte {
		return kindSeq(kindSeq(mustDER(t, oidECPublicKey), curve), mustDER(t, asn1.BitString{Bytes: []byte{4, 1, 2}, BitLength: 24}))
	})
	_, err := Load("x.der", explicit, LoadOptions{})
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "DER certificate: certificate has an EC key with explicit curve parameters that are none of the named curves") {
		t.Errorf("explicit unknown curve: %v", err)
	}
	cause := errors.New("x509: malformed")
	for _, tt := range []struct{ zerr, want string }{
		{"x509: cannot parse {1 2 3}", "zcrypto: cannot parse"},
		{" {1 2 3}", "zcrypto:  {1 2 3}"},
		{"x509: no dump", "zcrypto: no dump"},
	} {
		got := describeDamage(f.leaf.Cert.Raw, "certificate", cause, errors.New(tt.zerr))
		want := "certificate is whole as ASN.1 but neither certificate parser reads it: crypto/x509: malformed; " + tt.want
		if got != want {
			t.Errorf("zcrypto error %q: %q, want %q", tt.zerr, got, want)
		}
	}
}

// chainContextOf is the chain context Check builds for certs, with the
// given budget of signature checks; inter are the CA certificates the
// chain search may use, given those the files hold.
func chainContextOf(all, inter, given []*x509.Certificate, budget int) *chainContext {
	cc := &chainContext{all: all, inter: x509.NewCertPool(), given: map[string]bool{}, gaveUp: map[string]error{},
		named: map[string]int{}, budget: budget}
	for _, c := range inter {
		cc.inter.AddCert(c)
	}
	for _, c := range given {
		cc.given[string(c.Raw)] = true
	}
	for _, c := range all {
		cc.named[string(c.RawSubject)]++
	}
	return cc
}

// TestCheckChainBudget: a chain check costs two signature checks per
// certificate named like the issuer; a budget of exactly that is enough.
func TestCheckChainBudget(t *testing.T) {
	f := getFixture(t)
	leaf, inter := f.leaf.Cert, f.inter.Cert.Cert
	all := []*x509.Certificate{leaf, inter}
	cc := chainContextOf(all, []*x509.Certificate{inter}, all, 2)
	if fs := checkChain(item{cert: leaf, file: "chain.pem"}, cc, Options{Roots: rootPool(f)}); len(fs) != 0 {
		t.Errorf("budget 2: %s", dumpFindings(fs))
	}
	if cc.budget != 0 {
		t.Errorf("budget left %d, want 0", cc.budget)
	}
	cc = chainContextOf(all, []*x509.Certificate{inter}, all, 1)
	fs := checkChain(item{cert: leaf, file: "chain.pem"}, cc, Options{Roots: rootPool(f)})
	if len(fs) != 1 || fs[0].Code != CodeChainUntrusted || fs[0].Severity != finding.Error || !strings.HasPrefix(fs[0].Message, "the chain was not checked:") {
		t.Errorf("budget 1: %s", dumpFindings(fs))
	}
	if cc.budget != 1 {
		t.Errorf("budget left %d, want 1 (nothing spent)", cc.budget)
	}
}

// TestCheckChainGaveUp: an issuer whose chain search already ran out of
// signature checks is not searched again; the finding says why.
func TestCheckChainGaveUp(t *testing.T) {
	f := getFixture(t)
	leaf, inter := f.leaf.Cert, f.inter.Cert.Cert
	all := []*x509.Certificate{leaf, inter}
	cc := chainContextOf(all, []*x509.Certificate{inter}, all, MaxChainSignatureChecks)
	cc.gaveUp[string(leaf.RawIssuer)] = errors.New("x509: signature check attempts limit reached")
	fs := checkChain(item{cert: leaf, file: "chain.pem"}, cc, Options{Roots: rootPool(f)})
	if len(fs) != 1 || fs[0].Code != CodeChainUntrusted || fs[0].Message != "the chain does not verify: signature check attempts limit reached" {
		t.Errorf("gave up: %s", dumpFindings(fs))
	}
	if cc.budget != MaxChainSignatureChecks {
		t.Errorf("budget %d spent on an issuer given up", MaxChainSignatureChecks-cc.budget)
	}
}

// TestCheckChainShortest: of the chains that verify, the shortest counts.
// Here the chain search may use an intermediate the files do not hold (as
// the Windows and macOS verifiers find one in the system stores). Trusted
// as a root itself, it is the end of the shortest chain and need not be in
// the files; the longer chain through it to the root would need it there.
func TestCheckChainShortest(t *testing.T) {
	f := getFixture(t)
	leaf, inter := f.leaf.Cert, f.inter.Cert.Cert
	roots := x509.NewCertPool()
	roots.AddCert(f.root.Cert.Cert)
	roots.AddCert(inter)
	chains, err := leaf.Verify(x509.VerifyOptions{Intermediates: chainContextOf(nil, []*x509.Certificate{inter}, nil, 0).inter, Roots: roots})
	if err != nil || len(chains) != 2 {
		t.Fatalf("%d chains, %v; want two", len(chains), err)
	}
	cc := chainContextOf([]*x509.Certificate{leaf}, []*x509.Certificate{inter}, []*x509.Certificate{leaf}, MaxChainSignatureChecks)
	if fs := checkChain(item{cert: leaf, file: "leaf.pem"}, cc, Options{Roots: roots}); len(fs) != 0 {
		t.Errorf("leaf under a trusted intermediate: %s", dumpFindings(fs))
	}
	// Without the intermediate among the roots, it must be in the files.
	fs := checkChain(item{cert: leaf, file: "leaf.pem"}, cc, Options{Roots: rootPool(f)})
	if len(fs) != 1 || fs[0].Code != CodeChainIncomplete {
		t.Errorf("intermediate neither trusted nor given: %s", dumpFindings(fs))
	}
}

// TestCheckCSRWeakKey: a request for a key too weak for a public CA.
func TestCheckCSRWeakKey(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	fs := CheckCSR(mustCSR(t, key), "weak.req", Options{})
	w := findingFor(fs, CodeWeakKey)
	if w == nil || w.Severity != finding.Error || w.Subject != "weak.req" ||
		w.Message != "the request has an RSA key of 1024 bits (at least 2048 are required); public CAs refuse it" {
		t.Errorf("weak request key: %s", dumpFindings(fs))
	}
}

// TestPresentedNames: the SANs, then the CN when no SAN repeats it.
func TestPresentedNames(t *testing.T) {
	for _, tt := range []struct {
		cn   string
		sans []string
		want []string
	}{
		{"EXCH01.acme.local", []string{"mail.acme.com"}, []string{"mail.acme.com", "exch01.acme.local"}},
		{"Mail.Acme.com", []string{"mail.acme.com"}, []string{"mail.acme.com"}},
		{"", []string{"mail.acme.com"}, []string{"mail.acme.com"}},
		{"exch01", nil, []string{"exch01"}},
	} {
		c := &x509.Certificate{Subject: pkix.Name{CommonName: tt.cn}, DNSNames: tt.sans}
		if got := presentedNames(c); !slices.Equal(got, tt.want) {
			t.Errorf("CN %q, SANs %q: %q, want %q", tt.cn, tt.sans, got, tt.want)
		}
	}
}
