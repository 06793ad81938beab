package inspect

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exchcert/exchcert/internal/testpki"
)

var writeSeeds = flag.Bool("write-fuzz-seeds", false, "rewrite testdata/fuzz/FuzzLoad from freshly generated files")

// fuzzSeeds are one file of every kind Load reads, freshly generated.
func fuzzSeeds(t testing.TB) map[string][]byte {
	f := getFixture(t)
	leaf, inter := f.leaf.Cert, f.inter.Cert.Cert
	p7 := testpki.P7B(leaf, inter)
	legacy, err := testpki.PFX(testpki.PFXLegacyRC2, f.leaf.Key, leaf, nil, "x")
	if err != nil {
		t.Fatal(err)
	}
	modern, err := testpki.PFX(testpki.PFXModern2026, f.ecKey, leaf, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	key, _ := testpki.KeyPEM(f.ecKey)
	return map[string][]byte{
		"pem-chain":       testpki.PEM(leaf, inter),
		"pem-utf16":       utf16LE(string(crlf(testpki.PEM(leaf))), true),
		"der-cert":        leaf.Raw,
		"p7b-der":         p7,
		"p7b-ber":         testpki.P7BIndefinite(leaf),
		"p7b-pem":         testpki.P7BPEM("PKCS7", p7),
		"csr-new-pem":     crlf(pemBlock("NEW CERTIFICATE REQUEST", f.csrDER)),
		"csr-base64":      base64Lines(f.csrDER),
		"key-ec":          key,
		"pfx-legacy-rc2":  legacy,
		"pfx-modern-2026": modern,
		"ber-nested":      {0x30, 0x80, 0x30, 0x80, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00},
		"high-tag":        {0x30, 0x06, 0x1f, 0x81, 0x80, 0x01, 0x01, 0x00},
	}
}

// TestWriteFuzzSeeds rewrites the committed seed corpus with
// go test ./inspect -run TestWriteFuzzSeeds -write-fuzz-seeds
func TestWriteFuzzSeeds(t *testing.T) {
	if !*writeSeeds {
		t.Skip("run with -write-fuzz-seeds to rewrite testdata/fuzz/FuzzLoad")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzLoad")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range fuzzSeeds(t) {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzLoad checks that Load never panics or hangs, that success means
// something was found, and that every error is one line matching exactly
// one sentinel. Its seeds are the committed corpus in testdata/fuzz/FuzzLoad
// (see TestWriteFuzzSeeds): generating RSA keys in every fuzz worker would
// stall it for seconds.
func FuzzLoad(f *testing.F) {
	sentinels := []error{ErrNotRecognised, ErrNeedPassword, ErrWrongPassword, ErrDamaged, ErrTooManyIterations, ErrUnsupported, ErrTooLarge}
	f.Fuzz(func(t *testing.T, data []byte) {
		opt := LoadOptions{
			Password:      func() ([]byte, error) { return []byte("x"), nil },
			MaxIterations: 4096, // keep each run fast; the limit logic is the same
		}
		b, err := Load("fuzz", data, opt)
		if err == nil {
			if len(b.Certs)+len(b.CSRs)+len(b.Keys) == 0 {
				t.Fatalf("Load succeeded with an empty bundle (format %q)", b.Format)
			}
			switch b.Format {
			case FormatPEM, FormatDER, FormatPKCS7, FormatPKCS12, FormatBase64:
			default:
				t.Fatalf("unknown format %q", b.Format)
			}
			for _, c := range b.Certs {
				if c == nil {
					t.Fatal("nil certificate")
				}
			}
			return
		}
		n := 0
		for _, s := range sentinels {
			if errors.Is(err, s) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("error %q matches %d sentinels", err, n)
		}
		if strings.ContainsAny(err.Error(), "\r\n") {
			t.Fatalf("error %q is not one line", err)
		}
	})
}
