package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkStartup measures what an admin waits for: building the real
// exchcert binary once, then starting it and waiting for it to finish,
// for a command that needs nothing but the command line (plan), its JSON
// form, and --help. Every package linked into the binary runs its init
// functions on every start, whether the command uses it or not (zlint
// registers its lints, lego its DNS providers), so this is where a slow
// registration would show. Besides ns/op it reports, from
// GODEBUG=inittrace=1, the time and memory all package inits take per
// start (init-ms/op, init-KiB/op), and logs the costliest packages.
//
// EXCHCERT_BENCH_BINARY=PATH measures that binary instead, e.g. one built
// from an older commit, to compare. Either is timed from a copy
// (asInstalled).
func BenchmarkStartup(b *testing.B) {
	exe := os.Getenv("EXCHCERT_BENCH_BINARY")
	if exe == "" {
		exe = buildExchcert(b)
	}
	exe = asInstalled(b, exe)
	for _, bc := range []struct {
		name string
		args []string
	}{
		{"help", []string{"--help"}},
		{"plan", []string{"plan", "--fqdn", "exch2.acme.com", "--domain", "acme.com", "--exchange", "2010", "--from", "2003"}},
		{"plan-json", []string{"plan", "--fqdn", "exch2.acme.com", "--domain", "acme.com", "-o", "json"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				cmd := exec.Command(exe, bc.args...)
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("exchcert %s: %v\n%s", strings.Join(bc.args, " "), err, out)
				}
			}
			b.StopTimer()
			inits := initTrace(b, exe, bc.args)
			var ms, bytes float64
			for _, in := range inits {
				ms += in.ms
				bytes += in.bytes
			}
			b.ReportMetric(ms, "init-ms/op")
			b.ReportMetric(bytes/1024, "init-KiB/op")
			sort.Slice(inits, func(i, j int) bool { return inits[i].ms > inits[j].ms })
			for _, in := range inits[:min(8, len(inits))] {
				b.Logf("init %-55s %6.2f ms %7.0f KiB", in.pkg, in.ms, in.bytes/1024)
			}
		})
	}
}

// pkgInit is one line of GODEBUG=inittrace=1: "init PKG @T ms, MS ms
// clock, BYTES bytes, N allocs".
type pkgInit struct {
	pkg       string
	ms, bytes float64
}

func initTrace(tb testing.TB, exe string, args []string) []pkgInit {
	tb.Helper()
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("exchcert with inittrace: %v\n%s", err, stderr.Bytes())
	}
	var out []pkgInit
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		// init PKG @0.012 ms, 0.003 ms clock, 0 bytes, 0 allocs
		if len(f) < 11 || f[0] != "init" || f[6] != "clock," {
			continue
		}
		ms, err1 := strconv.ParseFloat(f[4], 64)
		by, err2 := strconv.ParseFloat(f[7], 64)
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, pkgInit{pkg: f[1], ms: ms, bytes: by})
	}
	return out
}

// asInstalled copies the binary at exe into a new file written with
// ordinary writes, as unpacking a release archive writes it, and returns
// the copy's path. The start-up benchmarks time such copies: on Linux a
// binary just written by the Go linker (which writes through a memory
// map) started 0.5 ms (zlint) to 1.7 ms (exchcert) slower than the same
// bytes copied, or read back from disk after the page cache was dropped,
// and the larger binary lost more (BENCHMARKS.md). An admin's binary is
// one of the latter.
func asInstalled(tb testing.TB, exe string) string {
	tb.Helper()
	data, err := os.ReadFile(exe)
	if err != nil {
		tb.Fatal(err)
	}
	cp := filepath.Join(tb.TempDir(), filepath.Base(exe))
	if err := os.WriteFile(cp, data, 0o755); err != nil {
		tb.Fatal(err)
	}
	return cp
}

// buildExchcert builds ./cmd/exchcert (this package) into a temporary
// folder with the go command that runs the tests; the build cache makes
// every build after the first a link.
func buildExchcert(tb testing.TB) string {
	tb.Helper()
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		goCmd = "go"
	}
	exe := filepath.Join(tb.TempDir(), "exchcert")
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	if out, err := exec.Command(goCmd, "build", "-o", exe, ".").CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return exe
}

// TestNoCollectionAtStart holds that no command starts with a garbage
// collection (GODEBUG=gctrace=1 prints a "gc N @" line for each), with Go's
// default GOGC. It fails when a new dependency makes package
// initialisation allocate past the 4 MB of the first collection's target,
// which cost about 2 ms of every start when tablewriter's caches were
// linked (BENCHMARKS.md).
func TestNoCollectionAtStart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	exe := buildExchcert(t)
	for _, args := range [][]string{
		{"--help"},
		{"plan", "--fqdn", "exch2.acme.com", "--domain", "acme.com", "--exchange", "2010", "--from", "2003"},
		{"bind", "--help"},
	} {
		cmd := exec.Command(exe, args...)
		cmd.Env = append(withoutEnv(os.Environ(), "GOGC", "GODEBUG"), "GODEBUG=gctrace=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("exchcert %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
		}
		for line := range strings.SplitSeq(stderr.String(), "\n") {
			if strings.HasPrefix(line, "gc ") {
				t.Errorf("exchcert %s collected while starting: %s", strings.Join(args, " "), line)
			}
		}
	}
}

// withoutEnv returns env without the variables named.
func withoutEnv(env []string, names ...string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(names, k) {
			out = append(out, kv)
		}
	}
	return out
}
