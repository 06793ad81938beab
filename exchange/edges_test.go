package exchange

import (
	"strings"
	"testing"
)

// The tests in this file pin the edges of small rules, so that an
// off-by-one or a swapped branch fails a test.

func TestNormalizeThumbprintDigits(t *testing.T) {
	const tp = "1ABE0E4B21F07E46FD35137BDA04EB6D80A81CD"
	// Every hex digit, at both ends of each range, is taken; the
	// characters just outside each range are not.
	for _, c := range "0123456789abcdefABCDEF" {
		got, err := NormalizeThumbprint(tp + string(c))
		if err != nil || got != tp+strings.ToUpper(string(c)) {
			t.Errorf("last digit %q: %q, %v", c, got, err)
		}
	}
	for _, c := range "/:@G`g٠０" {
		if c == ':' {
			continue // a separator, removed
		}
		if got, err := NormalizeThumbprint(tp + string(c)); err == nil || !strings.Contains(err.Error(), "not a hex digit") {
			t.Errorf("last character %q: %q, %v", c, got, err)
		}
	}
	for n, want := range map[int]string{39: "has 39 hex digits, want 40", 41: "has 41 hex digits, want 40", 64: "SHA-256 fingerprint", 0: "has 0 hex digits"} {
		if _, err := NormalizeThumbprint(strings.Repeat("a", n)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%d digits: %v, want %q", n, err, want)
		}
	}
	// Separators and invisible characters of every kind are removed.
	if got, err := NormalizeThumbprint("\u200e1a-be:0e\t4b\u00a021f07e46fd35137bda04eb6d80a81cd\u2009d"); err != nil || got != tp+"D" {
		t.Errorf("separators: %q, %v", got, err)
	}
}

func TestVersionText(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Version
		err  bool
	}{
		{"", None, false},
		{"2003", Exchange2003, false},
		{"2007", Exchange2007, false},
		{"se", ExchangeSE, false},
		{"2012", None, true},
	} {
		v := Exchange2016 // overwritten by every successful call
		err := v.UnmarshalText([]byte(tt.in))
		if (err != nil) != tt.err || !tt.err && v != tt.want {
			t.Errorf("UnmarshalText(%q) = %v, %v", tt.in, v, err)
		}
		if tt.err && v != Exchange2016 {
			t.Errorf("UnmarshalText(%q) changed the version to %v on error", tt.in, v)
		}
	}
	for v, want := range map[Version]bool{
		Exchange2003: false, Exchange2007: false, Exchange2010: false,
		Exchange2013: true, Exchange2016: true, Exchange2019: true, ExchangeSE: true,
	} {
		if v.Is2013OrLater() != want {
			t.Errorf("%v.Is2013OrLater() = %v", v, !want)
		}
	}
}
