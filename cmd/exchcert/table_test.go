package main

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFitColumns(t *testing.T) {
	// Wide enough: unchanged.
	if got := fitColumns([]int{4, 10}, []int{4, 4}, 20); got[0] != 4 || got[1] != 10 {
		t.Errorf("fitColumns = %v", got)
	}
	// The widest column gives way first, never below its header word.
	got := fitColumns([]int{8, 60, 20}, []int{4, 3, 6}, 50)
	if got[0] != 8 || got[0]+got[1]+got[2] != 50 || got[2] != 20 {
		t.Errorf("fitColumns = %v, want the 60 narrowed to 22", got)
	}
}

func TestTableFitsWidth(t *testing.T) {
	for _, width := range []int{40, 80, 120} {
		var buf bytes.Buffer
		tb := newTable(&screen{&buf, width}, "Name", "Role", "Why")
		reason := strings.Repeat("the reason this name is on the certificate ", 4)
		if err := appendRows(tb, [][]string{{"autodiscover.contoso.com", "autodiscover", reason}, {"acme.com", "root-domain", "short"}}); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
			if n := utf8.RuneCountInString(l); n > width {
				t.Errorf("width %d: line of %d: %q", width, n, l)
			}
		}
		if !strings.Contains(buf.String(), "autodiscover.contoso.com") {
			t.Errorf("width %d: a name was broken:\n%s", width, buf.String())
		}
	}
}

func TestEditDistanceAndOrList(t *testing.T) {
	if d := editDistance("fqnd", "fqdn"); d != 2 {
		t.Errorf("editDistance = %d", d)
	}
	if s := orList([]string{"a", "b", "c"}); s != "a, b or c" {
		t.Errorf("orList = %q", s)
	}
}
