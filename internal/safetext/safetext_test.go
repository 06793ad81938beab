package safetext

import (
	"strings"
	"testing"
	"unicode"
)

func TestEscape(t *testing.T) {
	tests := []struct {
		name, in, keep, want string
	}{
		{"plain", "exch2.acme.com", "", "exch2.acme.com"},
		{"unicode letters stay", "bücher.acme.com Zürich", "", "bücher.acme.com Zürich"},
		{"backslash stays", `C:\certs\x1b.pem`, "", `C:\certs\x1b.pem`},
		{"ESC sequence", "a\x1b]0;owned\x07b", "", `a\x1b]0;owned\x07b`},
		{"CSI clear", "\x1b[2J", "", `\x1b[2J`},
		{"CR LF NUL tab", "a\r\nb\x00c\td", "", `a\x0d\x0ab\x00c\x09d`},
		{"DEL", "a\x7fb", "", `a\x7fb`},
		{"C1 CSI as UTF-8", "a\u009b2Jb", "", `a\x9b2Jb`},
		{"invalid UTF-8 byte", "a\x9b2J\xffb", "", `a\x9b2J\xffb`},
		{"bidi override", "exe.\u202etxt", "", `exe.\u202etxt`},
		{"bidi isolates", "\u2066\u2067\u2068\u2069", "", `\u2066\u2067\u2068\u2069`},
		{"bidi embeddings", "\u202a\u202b\u202c\u202d", "", `\u202a\u202b\u202c\u202d`},
		{"marks and separators", "\u200e\u200f\u061c\u2028\u2029", "", `\u200e\u200f\u061c\u2028\u2029`},
		{"keep newline", "a\nb\x1b", "\n", "a\nb\\x1b"},
		{"keep CR LF", "a\r\nb\u202e", "\r\n", "a\r\nb\\u202e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := EscapeExcept(tt.in, tt.keep)
			if got != tt.want {
				t.Errorf("EscapeExcept(%q, %q) = %q, want %q", tt.in, tt.keep, got, tt.want)
			}
			if again := EscapeExcept(got, tt.keep); again != got {
				t.Errorf("not idempotent: %q then %q", got, again)
			}
			if Contains(tt.in) != (tt.in != Escape(tt.in)) {
				t.Errorf("Contains(%q) = %v disagrees with Escape", tt.in, Contains(tt.in))
			}
		})
	}
}

// Every control character and every bidirectional control is escaped.
func TestEscapeCoversEveryControl(t *testing.T) {
	for r := rune(0); r <= 0x2fff; r++ {
		bidi := r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
		if !unicode.IsControl(r) && !bidi {
			continue
		}
		out := Escape("a" + string(r) + "b")
		if strings.ContainsRune(out, r) || !strings.HasPrefix(out, "a\\") {
			t.Errorf("U+%04X comes out as %q", r, out)
		}
	}
}

func FuzzEscape(f *testing.F) {
	f.Add("exch\x1b[31m\u202e\x00.acme.com")
	f.Add("\xff\xfe\xed\xa0\x80")
	f.Fuzz(func(t *testing.T, s string) {
		out := Escape(s)
		for _, r := range out {
			if Unsafe(r) || r == 0xfffd && !strings.ContainsRune(s, 0xfffd) {
				t.Fatalf("Escape(%q) = %q holds %U", s, out, r)
			}
		}
		if Escape(out) != out {
			t.Fatalf("Escape(%q) is not idempotent", s)
		}
	})
}
