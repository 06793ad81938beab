package textwrap

import (
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
)

func TestSoft(t *testing.T) {
	got := Soft("one two three four", 9)
	if got != "one two\nthree\nfour" {
		t.Errorf("Soft = %q", got)
	}
	// A word longer than the width stays whole.
	if got := Soft("a 0123456789 b", 5); got != "a\n0123456789\nb" {
		t.Errorf("Soft long word = %q", got)
	}
	// A line exactly as wide as width stays one line; the spaces count.
	if got := Soft("ab cd", 5); got != "ab cd" {
		t.Errorf("Soft exact fit = %q", got)
	}
	if got := Soft("aa bb cc", 7); got != "aa bb\ncc" {
		t.Errorf("Soft spaces = %q", got)
	}
}

func TestHard(t *testing.T) {
	if got := Hard("a 0123456789 b", 4); got != "a\n0123\n4567\n89\nb" {
		t.Errorf("Hard = %q", got)
	}
	// A word exactly width wide is not broken.
	if got := Hard("0123", 4); got != "0123" {
		t.Errorf("Hard exact fit = %q", got)
	}
}

func TestHanging(t *testing.T) {
	got := Hanging("  error   ", "code (subject): a message that goes on for quite a while", 10, 30)
	want := "  error   code (subject): a\n" +
		"          message that goes on\n" +
		"          for quite a while"
	if got != want {
		t.Errorf("Hanging:\n%s\nwant:\n%s", got, want)
	}
	for _, l := range strings.Split(got, "\n") {
		if len(l) > 30 {
			t.Errorf("line longer than 30: %q", l)
		}
	}
	// A NUL marks where a long list may break; it is dropped.
	got = Hanging("", "2003|\x002008|\x002012|\x002016", 2, 11)
	if got != "2003|2008|\n  2012|2016" {
		t.Errorf("Hanging list = %q", got)
	}
}

// TestWidth holds Width's fast path for printable ASCII to go-runewidth's
// measure, at the edges of that range and beyond it.
func TestWidth(t *testing.T) {
	for _, s := range []string{
		"", " ", "~", "autodiscover.contoso.com", "--dns string   a lego DNS provider",
		"\x1f", "a\x7f", "\t", "a\nb", "é", "日本語", "e\u0301", "Ａ", "\U0001F600",
	} {
		if got, want := Width(s), runewidth.StringWidth(s); got != want {
			t.Errorf("Width(%q) = %d, go-runewidth %d", s, got, want)
		}
	}
	for b := 0; b < 256; b++ {
		s := "x" + string([]byte{byte(b)})
		if got, want := Width(s), runewidth.StringWidth(s); got != want {
			t.Errorf("Width(%q) = %d, go-runewidth %d", s, got, want)
		}
	}
}
