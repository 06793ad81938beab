package startheap

import (
	"runtime/debug"
	"testing"
)

func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestApply(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))

	debug.SetGCPercent(100)
	apply(func(string) string { return "" })
	if got := gcPercent(); got != Percent {
		t.Errorf("GOGC unset: GC percent %d, want %d", got, Percent)
	}

	debug.SetGCPercent(50)
	apply(func(k string) string {
		if k == "GOGC" {
			return "50"
		}
		return ""
	})
	if got := gcPercent(); got != 50 {
		t.Errorf("GOGC=50 in the environment: GC percent %d, want it left at 50", got)
	}
}
