package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLenientHostileText: a certificate crypto/x509 refuses, whose Common
// Name (a UniversalString, which only the lenient reader decodes) and
// dNSName (not IA5, so refused) carry terminal controls, is shown by
// inspect and lint with every control escaped, and reported with its
// refusal code.
func TestLenientHostileText(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var utf32 []byte
	for _, r := range hostileCN {
		utf32 = append(utf32, byte(r>>24), byte(r>>16), byte(r>>8), byte(r))
	}
	mustRaw := func(v asn1.RawValue) []byte {
		b, err := asn1.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	oid, _ := asn1.Marshal(asn1.ObjectIdentifier{2, 5, 4, 3})
	atv := mustRaw(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: append(oid, mustRaw(asn1.RawValue{Tag: 28, Bytes: utf32})...)})
	subject := mustRaw(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: mustRaw(asn1.RawValue{Tag: asn1.TagSet, IsCompound: true, Bytes: atv})})
	san := mustRaw(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: mustRaw(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 2, Bytes: []byte(hostileSAN + "\xc3\xa4")})})
	tmpl := &x509.Certificate{
		SerialNumber:    big.NewInt(7),
		RawSubject:      subject,
		NotBefore:       time.Now().Add(-time.Hour),
		NotAfter:        time.Now().Add(90 * 24 * time.Hour),
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 17}, Value: san}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, &x509.Certificate{Subject: pkix.Name{CommonName: "Hostile CA"}}, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x509.ParseCertificate(der); err == nil {
		t.Fatal("crypto/x509 reads the fixture: it tests nothing")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "hostile.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"inspect", file},
		{"lint", "--no-zlint", dir},
		{"lint", dir},
	} {
		code, out, errs := runCLI(args...)
		if code != 1 {
			t.Errorf("%v: exit %d, want 1 (findings)\n%s%s", args, code, out, errs)
		}
		checkTerminalText(t, strings.Join(args, " "), out+errs)
		if !strings.Contains(out, "unsupported-dn-string") || !strings.Contains(out, `\x1b`) {
			t.Errorf("%v: no unsupported-dn-string finding or escaped name:\n%s", args, out)
		}
	}
}
