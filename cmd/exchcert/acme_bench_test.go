package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// BenchmarkStartupPlan execs a freshly built exchcert binary running
// `exchcert plan`, to see what linking lego's DNS providers (for
// `exchcert acme --dns`) costs every command at start-up. Compare with a
// build of the previous commit:
//
//	go test ./cmd/exchcert -run '^$' -bench StartupPlan -benchtime 200x
func BenchmarkStartupPlan(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "exchcert")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	b.ResetTimer()
	for range b.N {
		cmd := exec.Command(bin, "plan", "--fqdn", "exch2.acme.com", "--domain", "acme.com", "--exchange", "2010", "--from", "2003")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("exchcert plan: %v\n%s", err, out)
		}
	}
}
