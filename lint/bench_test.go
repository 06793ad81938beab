package lint

import (
	"context"
	"encoding/pem"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	zx509 "github.com/zmap/zcrypto/x509"
	"github.com/zmap/zlint/v3"
	zl "github.com/zmap/zlint/v3/lint"

	"github.com/exchcert/exchcert/lint/internal/benchtree"
)

// benchFiles is the size of the benchmark tree, the same as
// lint/bench/run.sh uses, so the numbers compare.
const benchFiles = 2000

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

// benchTree writes the benchmark tree once per test binary; TestMain
// removes it. LINT_BENCH_TREE names a tree written before with
// `go run ./lint/bench/gentree DIR` instead, so that runs of the test
// binary, one benchmark each, can alternate on the same files.
func benchTree(b *testing.B) string {
	b.Helper()
	if dir := os.Getenv("LINT_BENCH_TREE"); dir != "" {
		return dir
	}
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "exchcert-lint-bench-")
		if benchErr == nil {
			_, benchErr = benchtree.Write(benchDir, benchFiles, 1)
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// BenchmarkRun is `exchcert lint` on the benchmark tree without the
// command-line wrapper: walk, read, load, check, lint and write JSON.
func BenchmarkRun(b *testing.B) {
	dir := benchTree(b)
	linter, err := NewLinter(nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name   string
		jobs   int
		linter *Linter
	}{
		{"zlint/jobs=1", 1, linter},
		{"zlint/jobs=all", runtime.GOMAXPROCS(0), linter},
		{"no-zlint/jobs=1", 1, nil},
		{"no-zlint/jobs=all", runtime.GOMAXPROCS(0), nil},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				sum, err := Run(context.Background(), Options{Paths: []string{dir}, Jobs: bc.jobs, Linter: bc.linter},
					NewWriter(io.Discard, JSON, WriterOptions{}))
				if err != nil {
					b.Fatal(err)
				}
				if sum.Certificates != benchFiles {
					b.Fatalf("checked %d certificates, want %d", sum.Certificates, benchFiles)
				}
			}
			b.ReportMetric(float64(benchFiles*b.N)/b.Elapsed().Seconds(), "certs/s")
		})
	}
}

// BenchmarkZlintLoop is the floor Run is measured against: the same
// certificates parsed with zcrypto and linted with zlint's own API
// (LintCertificateEx) and the same lint sources, one after the other.
// "files" reads each file and decodes its PEM in the loop, as any tool
// must; "memory" starts from the DER already in memory, zlint's work alone.
func BenchmarkZlintLoop(b *testing.B) {
	dir := benchTree(b)
	var paths []string
	var ders [][]byte
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		paths = append(paths, p)
		ders = append(ders, derOf(data))
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	reg, err := zl.GlobalRegistry().Filter(zl.FilterOptions{IncludeSources: zl.SourceList{zl.RFC5280, zl.CABFBaselineRequirements}})
	if err != nil {
		b.Fatal(err)
	}
	lint := func(der []byte) {
		c, err := zx509.ParseCertificate(der)
		if err != nil {
			b.Fatal(err)
		}
		zlint.LintCertificateEx(c, reg)
	}
	b.Run("files", func(b *testing.B) {
		for b.Loop() {
			for _, p := range paths {
				data, err := os.ReadFile(p)
				if err != nil {
					b.Fatal(err)
				}
				lint(derOf(data))
			}
		}
		b.ReportMetric(float64(len(paths)*b.N)/b.Elapsed().Seconds(), "certs/s")
	})
	b.Run("memory", func(b *testing.B) {
		for b.Loop() {
			for _, der := range ders {
				lint(der)
			}
		}
		b.ReportMetric(float64(len(ders)*b.N)/b.Elapsed().Seconds(), "certs/s")
	})
}

// derOf returns the certificate of a PEM file, or data as it is (DER).
func derOf(data []byte) []byte {
	if blk, _ := pem.Decode(data); blk != nil {
		return blk.Bytes
	}
	return data
}
