package inspect

import (
	"errors"
	"strings"
	"testing"

	"github.com/exchcert/exchcert/internal/testpki"
)

// Hostile and broken PFX files made by testpki's edits: each is refused
// with the sentinel that says what is wrong, and fast.
func TestLoadHostilePFX(t *testing.T) {
	f := getFixture(t)
	legacy, err := testpki.PFX(testpki.PFXLegacyDES, f.leaf.Key, f.leaf.Cert, nil, "pw")
	if err != nil {
		t.Fatal(err)
	}
	modern, err := testpki.PFX(testpki.PFXModern2023, f.leaf.Key, f.leaf.Cert, nil, "pw")
	if err != nil {
		t.Fatal(err)
	}
	open, err := testpki.PFX(testpki.PFXPasswordless, f.leaf.Key, f.leaf.Cert, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	hugePBKDF2, _, err := testpki.SetPBKDF2Iterations(modern, 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"corrupt MAC", must(testpki.PFXCorruptMAC(legacy)), ErrWrongPassword, "wrong password"},
		// go-pkcs12 opens a PFX without a MAC only with the empty
		// password; the content is not damaged, the variant unreadable.
		{"no MAC", must(testpki.PFXWithoutMAC(legacy)), ErrUnsupported, "has no MAC"},
		{"no MAC, modern", must(testpki.PFXWithoutMAC(modern)), ErrUnsupported, "has no MAC"},
		{"PBKDF2 2^40", hugePBKDF2, ErrTooManyIterations, "1099511627776 iterations for PBKDF2"},
		{"nested too deep", must(testpki.PFXNestBags(open, 200)), ErrDamaged, "SafeContents does not parse"},
	} {
		_, err := Load("x.pfx", tc.data, LoadOptions{Password: func() ([]byte, error) { return []byte("pw"), nil }})
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %v, want %v saying %q", tc.name, err, tc.want, tc.msg)
		}
	}
	// The control: the unedited passwordless file loads.
	if _, err := Load("open.pfx", open, LoadOptions{}); err != nil {
		t.Errorf("passwordless PFX: %v", err)
	}
}
