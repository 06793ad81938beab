package exchange

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"testing"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/exchcert/exchcert/internal/testpki"
)

func TestParseWindows(t *testing.T) {
	for in, want := range map[string]Windows{"2008r2": Windows2008R2, "Windows Server 2012 R2": Windows2012R2, "ws2016": Windows2016, "2025": Windows2025, "2008 R2": Windows2008R2} {
		got, err := ParseWindows(in)
		if err != nil || got != want {
			t.Errorf("ParseWindows(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseWindows("2000"); err == nil || err.Error() != `unknown Windows Server version "2000" (want one of 2003|2008|2008r2|2012|2012r2|2016|2019|2022|2025)` {
		t.Errorf("error: %v", err)
	}
	want := map[Windows]PFXEncoding{Windows2003: PFXLegacy, Windows2008: PFXLegacy, Windows2008R2: PFXLegacy, Windows2012: PFXLegacy, Windows2012R2: PFXLegacy, Windows2016: PFXLegacy,
		Windows2019: PFXModern, Windows2022: PFXModern, Windows2025: PFXModern, WindowsUnknown: PFXLegacy}
	for w, e := range want {
		if got := PFXEncodingFor(w); got != e {
			t.Errorf("PFXEncodingFor(%s) = %s, want %s", w.Title(), got, e)
		}
	}
	if Windows2012R2.Title() != "Windows Server 2012 R2" {
		t.Error(Windows2012R2.Title())
	}
}

// pfxParams reads, without the password, the algorithms and iteration
// counts of a PFX written by go-pkcs12: the MAC, the encrypted certificate
// SafeContents, and the shrouded key bag.
type pfxParams struct {
	macAlg            asn1.ObjectIdentifier
	macIter           int
	certAlg, keyAlg   asn1.ObjectIdentifier
	certIter, keyIter int
}

var (
	oid3DES   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	oidPBES2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidAES256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
)

type algID struct {
	Alg    asn1.ObjectIdentifier
	Params asn1.RawValue `asn1:"optional"`
}

// iterations returns the KDF iteration count in a PKCS#12 PBE or PBES2
// parameter block, and for PBES2 the cipher.
func iterations(t *testing.T, a algID) (int, asn1.ObjectIdentifier) {
	t.Helper()
	if a.Alg.Equal(oidPBES2) {
		var p struct {
			KDF struct {
				Alg    asn1.ObjectIdentifier
				Params struct {
					Salt []byte
					Iter int
					Rest asn1.RawValue `asn1:"optional"`
				}
			}
			Enc algID
		}
		if _, err := asn1.Unmarshal(a.Params.FullBytes, &p); err != nil {
			t.Fatal(err)
		}
		return p.KDF.Params.Iter, p.Enc.Alg
	}
	var p struct {
		Salt []byte
		Iter int
	}
	if _, err := asn1.Unmarshal(a.Params.FullBytes, &p); err != nil {
		t.Fatal(err)
	}
	return p.Iter, a.Alg
}

func readPFXParams(t *testing.T, der []byte) pfxParams {
	t.Helper()
	type contentInfo struct {
		Type    asn1.ObjectIdentifier
		Content asn1.RawValue `asn1:"explicit,optional,tag:0"`
	}
	var pfx struct {
		Version  int
		AuthSafe contentInfo
		Mac      struct {
			Digest struct {
				Alg    algID
				Digest []byte
			}
			Salt []byte
			Iter int `asn1:"optional,default:1"`
		}
	}
	if _, err := asn1.Unmarshal(der, &pfx); err != nil {
		t.Fatal(err)
	}
	var out pfxParams
	out.macAlg, out.macIter = pfx.Mac.Digest.Alg.Alg, pfx.Mac.Iter
	var safeBytes []byte
	if _, err := asn1.Unmarshal(pfx.AuthSafe.Content.Bytes, &safeBytes); err != nil {
		t.Fatal(err)
	}
	var safes []contentInfo
	if _, err := asn1.Unmarshal(safeBytes, &safes); err != nil {
		t.Fatal(err)
	}
	for _, ci := range safes {
		switch {
		case ci.Type.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}): // encryptedData
			var ed struct {
				Version int
				Info    struct {
					Type asn1.ObjectIdentifier
					Alg  algID
				}
			}
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &ed); err != nil {
				t.Fatal(err)
			}
			out.certIter, out.certAlg = iterations(t, ed.Info.Alg)
		case ci.Type.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}): // data: the key bag
			var data []byte
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &data); err != nil {
				t.Fatal(err)
			}
			var bags []struct {
				ID    asn1.ObjectIdentifier
				Value asn1.RawValue `asn1:"explicit,tag:0"`
				Attrs asn1.RawValue `asn1:"optional,set"`
			}
			if _, err := asn1.Unmarshal(data, &bags); err != nil {
				t.Fatal(err)
			}
			var epki struct {
				Alg  algID
				Data []byte
			}
			if _, err := asn1.Unmarshal(bags[0].Value.Bytes, &epki); err != nil {
				t.Fatal(err)
			}
			out.keyIter, out.keyAlg = iterations(t, epki.Alg)
		}
	}
	return out
}

func testChain(t *testing.T) (*testpki.Cert, *testpki.CA, *testpki.CA) {
	t.Helper()
	root, err := testpki.NewRoot("Test Root")
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.Intermediate("Test Intermediate")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := inter.Issue(testpki.Template{CommonName: "exch2.acme.com", DNSNames: []string{"exch2.acme.com", "autodiscover.acme.com"}})
	if err != nil {
		t.Fatal(err)
	}
	return leaf, inter, root
}

func TestEncodePFX(t *testing.T) {
	leaf, inter, root := testChain(t)
	pw := []byte("Passw0rd-äöü")
	chain := []*x509.Certificate{inter.Cert.Cert, root.Cert.Cert}
	for _, enc := range PFXEncodings {
		t.Run(enc.String(), func(t *testing.T) {
			der, err := EncodePFX(leaf.Key, leaf.Cert, chain, pw, enc)
			if err != nil {
				t.Fatal(err)
			}
			key, cert, cas, err := pkcs12.DecodeChain(der, string(pw))
			if err != nil || !cert.Equal(leaf.Cert) || len(cas) != 2 || !cas[0].Equal(inter.Cert.Cert) || key == nil {
				t.Fatalf("decode: %v", err)
			}
			if _, _, _, err := pkcs12.DecodeChain(der, "wrong"); !errors.Is(err, pkcs12.ErrIncorrectPassword) {
				t.Errorf("wrong password: %v", err)
			}
			p := readPFXParams(t, der)
			// The MAC is as costly to test a password against as the
			// encryption: 2,048 iterations for both, in both encodings.
			if p.macIter != PFXMACIterations || p.certIter != PFXIterations || p.keyIter != PFXIterations {
				t.Errorf("iterations mac %d cert %d key %d, want %d for each", p.macIter, p.certIter, p.keyIter, PFXIterations)
			}
			switch enc {
			case PFXLegacy: // 3DES for both bags, SHA-1 MAC: what Windows Server 2016 and older import
				if !p.certAlg.Equal(oid3DES) || !p.keyAlg.Equal(oid3DES) || !p.macAlg.Equal(oidSHA1) {
					t.Errorf("legacy: %+v", p)
				}
			case PFXModern:
				if !p.certAlg.Equal(oidAES256) || !p.keyAlg.Equal(oidAES256) || !p.macAlg.Equal(oidSHA256) {
					t.Errorf("modern: %+v", p)
				}
			}
		})
	}
}

func TestPFXEncodingForExchange(t *testing.T) {
	for _, tc := range []struct {
		v    Version
		want PFXEncoding
	}{
		{Exchange2010, PFXLegacy},
		{Exchange2013, PFXLegacy},
		{Exchange2016, PFXLegacy}, // also runs on Windows Server 2012
		{Exchange2019, PFXModern}, // Windows Server 2019 and later only
		{ExchangeSE, PFXModern},
		{None, PFXLegacy},
	} {
		got, why := PFXEncodingForExchange(tc.v)
		if got != tc.want || why == "" {
			t.Errorf("%v: %v (%q), want %v", tc.v, got, why, tc.want)
		}
	}
}

func TestEncodePFXErrors(t *testing.T) {
	leaf, inter, _ := testChain(t)
	other, err := testpki.NewKey(testpki.RSA2048)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := inter.Issue(testpki.Template{CommonName: "ec.acme.com", KeyType: testpki.ECDSAP256})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := EncodePFX(ec.Key, ec.Cert, nil, []byte("x"), PFXModern); err != nil {
		t.Errorf("ECDSA: %v", err)
	}
	if _, err := EncodePFX(leaf.Key, leaf.Cert, nil, nil, PFXLegacy); !errors.Is(err, ErrEmptyPassword) {
		t.Errorf("empty password: %v", err)
	}
	if _, err := EncodePFX(other, leaf.Cert, nil, []byte("x"), PFXLegacy); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("mismatch: %v", err)
	}
	if _, err := EncodePFX(ec.Key, leaf.Cert, nil, []byte("x"), PFXLegacy); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("EC key for RSA cert: %v", err)
	}
	for _, pw := range []string{"a\x00b", "\xff\xfe", "emoji \U0001F600"} {
		if _, err := EncodePFX(leaf.Key, leaf.Cert, nil, []byte(pw), PFXLegacy); !errors.Is(err, ErrBadPassword) {
			t.Errorf("password %q: %v", pw, err)
		}
	}
	if _, err := EncodePFX(leaf.Key, leaf.Cert, nil, []byte("x"), 0); err == nil {
		t.Error("no encoding accepted")
	}
}

func TestOrderChain(t *testing.T) {
	leaf, inter, root := testChain(t)
	strayRoot, err := testpki.NewRoot("Other Root")
	if err != nil {
		t.Fatal(err)
	}
	chain, unused, missing := OrderChain(leaf.Cert, []*x509.Certificate{root.Cert.Cert, strayRoot.Cert.Cert, leaf.Cert, inter.Cert.Cert, inter.Cert.Cert})
	if len(chain) != 2 || !chain[0].Equal(inter.Cert.Cert) || !chain[1].Equal(root.Cert.Cert) || missing != "" {
		t.Errorf("chain %d, missing %q", len(chain), missing)
	}
	if len(unused) != 1 || !unused[0].Equal(strayRoot.Cert.Cert) {
		t.Errorf("unused %v", unused)
	}
	chain, _, missing = OrderChain(leaf.Cert, nil)
	if len(chain) != 0 || missing != inter.Cert.Cert.Subject.String() {
		t.Errorf("no issuers: chain %d missing %q", len(chain), missing)
	}
	chain, _, missing = OrderChain(leaf.Cert, []*x509.Certificate{inter.Cert.Cert})
	if len(chain) != 1 || missing != root.Cert.Cert.Subject.String() {
		t.Errorf("no root: chain %d missing %q", len(chain), missing)
	}
}
