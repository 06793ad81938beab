package testpki

import (
	"bytes"
	"errors"
	"testing"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

func editFixture(t *testing.T, e PFXEncoding, password string) []byte {
	t.Helper()
	root, err := NewRoot("edit root")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := root.Issue(Template{CommonName: "exch2.acme.com", DNSNames: []string{"exch2.acme.com"}, KeyType: ECDSAP256})
	if err != nil {
		t.Fatal(err)
	}
	pfx, err := PFX(e, leaf.Key, leaf.Cert, nil, password)
	if err != nil {
		t.Fatal(err)
	}
	return pfx
}

func TestParseDERRoundTrip(t *testing.T) {
	for _, e := range PFXEncodings {
		pw := "pw"
		if e == PFXPasswordless {
			pw = ""
		}
		pfx := editFixture(t, e, pw)
		n, err := parseDER(pfx)
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		if _, err := authSafe(n); err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		if got := n.encode(); !bytes.Equal(got, pfx) {
			t.Errorf("%s: re-encoding changed the PFX", e)
		}
	}
}

func TestPFXEdits(t *testing.T) {
	legacy := editFixture(t, PFXLegacyDES, "pw")

	noMAC, err := PFXWithoutMAC(legacy)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := pkcs12.DecodeChain(noMAC, "pw"); err == nil || err.Error() != "pkcs12: no MAC in data" {
		t.Errorf("without MAC: DecodeChain error %v, want no MAC in data", err)
	}

	bad, err := PFXCorruptMAC(legacy)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) != len(legacy) {
		t.Errorf("corrupt MAC changed the length")
	}
	if _, _, _, err := pkcs12.DecodeChain(bad, "pw"); !errors.Is(err, pkcs12.ErrIncorrectPassword) {
		t.Errorf("corrupt MAC: DecodeChain error %v, want ErrIncorrectPassword", err)
	}

	modern := editFixture(t, PFXModern2023, "pw")
	huge, n, err := SetPBKDF2Iterations(modern, 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("SetPBKDF2Iterations changed %d counts, want 2 (certificates and key)", n)
	}
	if !bytes.Contains(huge, []byte{0x02, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00}) {
		t.Errorf("no INTEGER 2^40 in the edited PFX")
	}
	if _, _, err := SetPBKDF2Iterations(legacy, 5); err == nil {
		t.Error("SetPBKDF2Iterations accepted a PFX without PBES2")
	}

	open := editFixture(t, PFXPasswordless, "")
	nested, err := PFXNestBags(open, 3)
	if err != nil {
		t.Fatal(err)
	}
	n0, err := parseDER(nested)
	if err != nil {
		t.Fatal(err)
	}
	safes, err := authSafe(n0)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := safes.kids[0].kids[1].open("safe")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		bag := sc.kids[0]
		if !bag.kids[0].oid().Equal(oidSafeContentsBag) {
			t.Fatalf("bag is %v, want safeContentsBag", bag.kids[0].oid())
		}
		sc = bag.kids[1].kids[0]
	}
	if _, err := PFXNestBags(legacy, 3); err != nil {
		t.Errorf("legacy PFX (key bag unencrypted safe): %v", err)
	}
}
