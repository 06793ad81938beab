package inspect

import (
	"testing"

	"github.com/exchcert/exchcert/internal/testpki"
)

// The MAC's iteration count is reported apart from the encryption's: a
// 1-iteration MAC (go-pkcs12's LegacyDES) is a password check far cheaper
// than the 2,048-iteration encryption, and a report of one count for both
// would hide that.
func TestPFXInfoIterations(t *testing.T) {
	root, err := testpki.NewRoot("Iter Root")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := root.Issue(testpki.Template{CommonName: "exch2.acme.com"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		enc       testpki.PFXEncoding
		pw        string
		edit      func([]byte) ([]byte, error)
		bags, mac int
	}{
		{testpki.PFXLegacyDES, "pw", nil, 2048, 1},
		{testpki.PFXLegacyRC2, "pw", nil, 2048, 1},
		{testpki.PFXModern2023, "pw", nil, 2048, 2048},
		{testpki.PFXModern2026, "pw", nil, 2048, 2048}, // PBMAC1: its PBKDF2 count
		{testpki.PFXPasswordless, "", nil, 0, 0},
		{testpki.PFXLegacyDES, "pw", func(b []byte) ([]byte, error) { return testpki.SetPFXIterations(b, 2000, 0) }, 2048, 2000},
	} {
		der, err := testpki.PFX(tc.enc, leaf.Key, leaf.Cert, nil, tc.pw)
		if err != nil {
			t.Fatal(err)
		}
		if tc.edit != nil {
			if der, err = tc.edit(der); err != nil {
				t.Fatal(err)
			}
		}
		s, err := scanPFX(der, DefaultMaxIterations)
		if err != nil {
			t.Fatalf("%s: %v", tc.enc, err)
		}
		if s.info.BagIterations != tc.bags || s.info.MACIterations != tc.mac {
			t.Errorf("%s: bags %d, MAC %d; want %d, %d", tc.enc, s.info.BagIterations, s.info.MACIterations, tc.bags, tc.mac)
		}
	}
}
