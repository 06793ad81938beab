package inspect

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"testing"
)

// TestLoadLimitsExact checks each limit of Load at the limit and one over.
func TestLoadLimitsExact(t *testing.T) {
	junk := bytes.Repeat([]byte{'z'}, MaxFileSize)
	if _, err := Load("a", junk, LoadOptions{}); errors.Is(err, ErrTooLarge) {
		t.Errorf("%d bytes: %v", MaxFileSize, err)
	}
	if _, err := Load("a", append(junk, 'z'), LoadOptions{}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("%d bytes: %v", MaxFileSize+1, err)
	}

	cert := &x509.Certificate{}
	items := func(n int) *Bundle {
		b := &Bundle{}
		for range n {
			b.Certs = append(b.Certs, cert)
		}
		return b
	}
	if _, err := result(items(MaxItems), nil); err != nil {
		t.Errorf("%d items: %v", MaxItems, err)
	}
	if _, err := result(items(MaxItems+1), nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("%d items: %v", MaxItems+1, err)
	}
	b := &Bundle{Keys: make([]crypto.Signer, MaxItems-1)}
	b.CSRs = []*x509.CertificateRequest{{}, {}}
	if _, err := result(b, nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("certificates, requests and keys counted together: %v", err)
	}

	names := func(dns, ips int) ([]string, []net.IP) {
		return make([]string, dns), make([]net.IP, ips)
	}
	for _, tt := range []struct {
		dns, ips int
		ok       bool
	}{{MaxCertNames, 0, true}, {MaxCertNames - 1, 1, true}, {MaxCertNames, 1, false}, {0, MaxCertNames + 1, false}} {
		d, ip := names(tt.dns, tt.ips)
		_, err := result(&Bundle{Certs: []*x509.Certificate{{}, {DNSNames: d, IPAddresses: ip}}}, nil)
		if (err == nil) != tt.ok || err != nil && !strings.Contains(err.Error(), "certificate 2 has") {
			t.Errorf("certificate with %d DNS and %d IP names: %v", tt.dns, tt.ips, err)
		}
		_, err = result(&Bundle{CSRs: []*x509.CertificateRequest{{}, {DNSNames: d, IPAddresses: ip}}}, nil)
		if (err == nil) != tt.ok || err != nil && !strings.Contains(err.Error(), "certificate request 2 has") {
			t.Errorf("request with %d DNS and %d IP names: %v", tt.dns, tt.ips, err)
		}
	}
}

func TestIsTextAndTruncatedDER(t *testing.T) {
	for in, want := range map[string]bool{
		"abc": true, " ~": true, "a\r\n\tb": true, "a\x1fb": false, "a\x7fb": false, "a\x80": false, "": true,
		strings.Repeat("a", 512) + "\x00": true, strings.Repeat("a", 511) + "\x00": false,
	} {
		if got := isText([]byte(in)); got != want {
			t.Errorf("isText(%q) = %v, want %v", in, got, want)
		}
	}
	for _, tt := range []struct {
		in        []byte
		truncated bool
	}{
		{[]byte{0x30, 0x81, 0x05, 0x30}, true},
		{[]byte{0x30, 0x81, 0x01, 0x30}, false}, // exactly the bytes it claims
		{[]byte{0x30, 0x81, 0x02, 0x30}, true},
		{[]byte{0x30, 0x82, 0x01, 0x00}, false}, // no body at all: not recognised
		{[]byte{0x30, 0x82, 0x01, 0x00, 0x30}, true},
		{[]byte{0x30, 0x84, 0, 0, 1, 0, 0x30}, true},
		{[]byte{0x30, 0x85, 0, 0, 1, 0, 0x30}, false},
		{[]byte{0x30, 0x80, 0x05, 0x30}, false},
		{[]byte{0x31, 0x81, 0x05, 0x30}, false},
		{[]byte{0x30, 0x81, 0x05}, false},
		{[]byte{0x30, 0x81, 0x05, 'a'}, false}, // not the start of a known structure
	} {
		if err := truncatedDER(tt.in); (err != nil) != tt.truncated {
			t.Errorf("truncatedDER(%x) = %v, want truncated %v", tt.in, err, tt.truncated)
		}
	}
}

func TestCheckPEMLabelsCounts(t *testing.T) {
	two := "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----  \r\nbroken\n"
	if err := checkPEMLabels([]byte(two), []string{"CERTIFICATE"}); !errors.Is(err, ErrDamaged) {
		t.Errorf("two blocks, one decoded: %v", err)
	}
	if err := checkPEMLabels([]byte(two), []string{"CERTIFICATE", "CERTIFICATE"}); err != nil {
		t.Errorf("two blocks, two decoded: %v", err)
	}
	if err := checkPEMLabels([]byte("-----BEGIN FOO-----\n-----BEGIN CERTIFICATE\n"), nil); err != nil {
		t.Errorf("unknown label and no closing dashes: %v", err)
	}
}

func TestBareBase64Edges(t *testing.T) {
	m63 := "M" + strings.Repeat("A", 63)
	tests := []struct {
		in  string
		ok  bool
		len int
	}{
		{m63, true, 48},
		{m63[:63], false, 0},
		{"N" + m63[1:], false, 0},
		{m63[:32] + "\r\n\t " + m63[32:], true, 48},
		{m63 + "AA==", true, 49},
		{m63 + "AA=", true, 49}, // bad padding: decoded without it
		{m63 + "A", false, 0},   // 65 characters: not base64 either way
		{m63 + "!", false, 0},
	}
	for _, tt := range tests {
		der, ok := bareBase64([]byte(tt.in))
		if ok != tt.ok || len(der) != tt.len {
			t.Errorf("bareBase64(%q) = %d bytes, %v; want %d, %v", tt.in, len(der), ok, tt.len, tt.ok)
		}
	}
}

func TestSignedShape(t *testing.T) {
	seq := func(kids ...[]byte) []byte { return shortTLV(0x30, kids...) }
	alg := seq(shortTLV(0x06, []byte{0x2a, 0x03}))
	bits := shortTLV(0x03, []byte{0x00, 0x01})
	integer := shortTLV(0x02, []byte{0x01})
	name := seq(shortTLV(0x31))
	shape := func(tbs ...[]byte) []byte { return seq(seq(tbs...), alg, bits) }
	tests := []struct {
		name string
		der  []byte
		want string
	}{
		{"v3 certificate", shape(shortTLV(0xa0, integer), integer, alg), "certificate"},
		{"v1 certificate", shape(integer, alg, name), "certificate"},
		{"request", shape(integer, name, seq()), "certificate request"},
		{"serial then empty sequence", shape(integer, seq(), name), "certificate request"},
		{"two fields", shape(integer, alg), "certificate or request"},
		{"neither", shape(name, name, name), "certificate or request"},
		{"integer then not a sequence", shape(integer, integer, name), "certificate or request"},
		{"four parts", seq(seq(integer, alg, name), alg, bits, bits), ""},
		{"no bit string", seq(seq(integer, alg, name), alg, alg), ""},
		{"algorithm not a sequence", seq(seq(integer, alg, name), integer, bits), ""},
		{"tbs not a sequence", seq(integer, alg, bits), ""},
		{"not a sequence", integer, ""},
	}
	for _, tt := range tests {
		if got := signedShape(tt.der); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// tlv encodes one DER element with a short-form length.
func shortTLV(tag byte, kids ...[]byte) []byte {
	var body []byte
	for _, k := range kids {
		body = append(body, k...)
	}
	return append([]byte{tag, byte(len(body))}, body...)
}

// A damaged request is explained by the request parser, a damaged
// certificate by the certificate parser.
func TestDamagedSignedStructureReason(t *testing.T) {
	seq := func(kids ...[]byte) []byte { return shortTLV(0x30, kids...) }
	alg := seq(shortTLV(0x06, []byte{0x2a, 0x03}))
	bits := shortTLV(0x03, []byte{0x00, 0x01})
	integer := shortTLV(0x02, []byte{0x00})
	for _, tt := range []struct {
		der  []byte
		kind string
	}{
		{seq(seq(integer, seq(shortTLV(0x31)), seq()), alg, bits), "certificate request"},
		{seq(seq(shortTLV(0xa0, integer), integer, alg), alg, bits), "certificate"},
	} {
		_, err := Load("x.der", tt.der, LoadOptions{})
		var why error
		if tt.kind == "certificate request" {
			_, why = x509.ParseCertificateRequest(tt.der)
		} else {
			_, why = x509.ParseCertificate(tt.der)
		}
		want := "DER " + tt.kind + ": " + tt.kind + " is whole as ASN.1 but neither certificate parser reads it: crypto/x509: " + trimX509(why)
		if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", tt.kind, err, want)
		}
	}
}
