package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// zlintBenchEnv names a zlint binary for BenchmarkStartupVsZlint to time
// instead of building github.com/zmap/zlint/v3/cmd/zlint (from the module
// cache, at the version go.mod requires) with the same go command.
const zlintBenchEnv = "EXCHCERT_BENCH_ZLINT"

// BenchmarkStartupVsZlint compares exchcert's start-up with `zlint
// -version` built the same way: zlint is the one dependency that brings
// comparable start-up work (its lint registration), so it is the yardstick
// (BENCHMARKS.md, "Start-up against zlint"). Each iteration starts exchcert
// once and zlint once, alternating, so that a busy machine slows both
// alike. It reports the median of each (ns/op is exchcert's median,
// zlint-ns/op zlint's) and their ratio (x-zlint).
//
// EXCHCERT_BENCH_BINARY=PATH times that exchcert instead of building this
// package, as BenchmarkStartup does.
//
//	go test ./cmd/exchcert -run '^$' -bench StartupVsZlint -benchtime 40x -count 3
func BenchmarkStartupVsZlint(b *testing.B) {
	exe := os.Getenv("EXCHCERT_BENCH_BINARY")
	if exe == "" {
		exe = buildExchcert(b)
	}
	zlint := os.Getenv(zlintBenchEnv)
	if zlint == "" {
		zlint = buildZlint(b)
	}
	// Both are timed from copies written the ordinary way, not from the
	// files the linker wrote (asInstalled).
	exe, zlint = asInstalled(b, exe), asInstalled(b, zlint)
	cases := []struct {
		name string
		args []string
	}{
		{"help", []string{"--help"}},
		{"version", []string{"--version"}},
		{"plan", []string{"plan", "--fqdn", "exch2.acme.com", "--domain", "acme.com", "--exchange", "2010", "--from", "2003"}},
	}
	// Every command's help: what each command costs before it does any
	// work of its own.
	for _, c := range []string{"csr", "inspect", "pfx", "bind", "probe", "acme", "lint", "report"} {
		cases = append(cases, struct {
			name string
			args []string
		}{c + "-help", []string{c, "--help"}})
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			var ours, theirs []time.Duration
			for b.Loop() {
				ours = append(ours, timeRun(b, exe, bc.args...))
				theirs = append(theirs, timeRun(b, zlint, "-version"))
			}
			b.StopTimer()
			m, z := median(ours), median(theirs)
			b.ReportMetric(float64(m.Nanoseconds()), "ns/op")
			b.ReportMetric(float64(z.Nanoseconds()), "zlint-ns/op")
			b.ReportMetric(float64(m)/float64(z), "x-zlint")
		})
	}
}

func timeRun(b *testing.B, exe string, args ...string) time.Duration {
	b.Helper()
	cmd := exec.Command(exe, args...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil {
		b.Fatalf("%s %s: %v\n%s", filepath.Base(exe), strings.Join(args, " "), err, out)
	}
	return d
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// buildZlint builds zlint's command at the version go.mod requires, with
// the go command and flags buildExchcert uses.
func buildZlint(tb testing.TB) string {
	tb.Helper()
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		goCmd = "go"
	}
	exe := filepath.Join(tb.TempDir(), "zlint")
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	if out, err := exec.Command(goCmd, "build", "-o", exe, "github.com/zmap/zlint/v3/cmd/zlint").CombinedOutput(); err != nil {
		tb.Fatalf("go build zlint: %v\n%s", err, out)
	}
	return exe
}
