package inspect

import (
	"crypto/x509"
	"testing"
	"time"

	"github.com/exchcert/exchcert/internal/testpki"
)

func BenchmarkLoadPEMChain(b *testing.B) {
	f := getFixture(b)
	data := testpki.PEM(f.leaf.Cert, f.inter.Cert.Cert)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Load("fullchain.pem", data, LoadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadP7B(b *testing.B) {
	f := getFixture(b)
	data := testpki.P7B(f.leaf.Cert, f.inter.Cert.Cert)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Load("chain.p7b", data, LoadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// benchmarkLoadPFX measures a PFX that needs a password: the empty one is
// tried first, then the right one; 2,048 iterations each (go-pkcs12 and
// OpenSSL's default).
func benchmarkLoadPFX(b *testing.B, e testpki.PFXEncoding) {
	f := getFixture(b)
	data, err := testpki.PFX(e, f.leaf.Key, f.leaf.Cert, []*x509.Certificate{f.inter.Cert.Cert}, "Pa55word")
	if err != nil {
		b.Fatal(err)
	}
	opt := LoadOptions{Password: func() ([]byte, error) { return []byte("Pa55word"), nil }}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Load("leaf.pfx", data, opt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadPFXLegacyDES(b *testing.B)  { benchmarkLoadPFX(b, testpki.PFXLegacyDES) }
func BenchmarkLoadPFXLegacyRC2(b *testing.B)  { benchmarkLoadPFX(b, testpki.PFXLegacyRC2) }
func BenchmarkLoadPFXModern2023(b *testing.B) { benchmarkLoadPFX(b, testpki.PFXModern2023) }

// BenchmarkLoadPFXAtLimit is the worst a PFX within DefaultMaxIterations
// costs: every count at the limit.
func BenchmarkLoadPFXAtLimit(b *testing.B) {
	f := getFixture(b)
	enc, _ := testpki.PFXLegacyDES.Encoder()
	data, err := enc.WithIterations(DefaultMaxIterations).Encode(f.leaf.Key, f.leaf.Cert, nil, "")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Load("slow.pfx", data, LoadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckCertificate is a whole inspect of one delivered chain
// against the seed plan: summaries, coverage, chain building, findings.
func BenchmarkCheckCertificate(b *testing.B) {
	f := getFixture(b)
	bundles := []*Bundle{{Name: "fullchain.pem", Format: FormatPEM, Certs: []*x509.Certificate{f.leaf.Cert, f.inter.Cert.Cert}}}
	opt := Options{Plan: seedPlan(b), Roots: rootsOf(f.root), MinDays: DefaultMinDays, Now: time.Now(), Key: f.leaf.Key}
	for b.Loop() {
		if r := Check(bundles, opt); r.HasErrors() {
			b.Fatal(dumpFindings(r.Findings))
		}
	}
}

// BenchmarkCheckPFX loads and checks a PFX, as `exchcert inspect x.pfx` does.
func BenchmarkCheckPFX(b *testing.B) {
	f := getFixture(b)
	data, err := testpki.PFX(testpki.PFXLegacyDES, f.leaf.Key, f.leaf.Cert, []*x509.Certificate{f.inter.Cert.Cert}, "")
	if err != nil {
		b.Fatal(err)
	}
	opt := Options{Plan: seedPlan(b), Roots: rootsOf(f.root), MinDays: DefaultMinDays, Now: time.Now()}
	for b.Loop() {
		bd, err := Load("leaf.pfx", data, LoadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if r := Check([]*Bundle{bd}, opt); r.HasErrors() {
			b.Fatal(dumpFindings(r.Findings))
		}
	}
}

// BenchmarkCheckCertificateOnly is the per-file check lint runs.
func BenchmarkCheckCertificateOnly(b *testing.B) {
	f := getFixture(b)
	opt := Options{Now: time.Now(), MinDays: DefaultMinDays}
	for b.Loop() {
		CheckCertificate(f.leaf.Cert, "leaf.pem", opt)
	}
}
