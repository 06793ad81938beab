// Package safetext makes text that came from a file or a server safe to
// show to a person: a certificate's subject or names, a file name, a
// server's banner, a message that quotes them. Such text may hold escape
// sequences that retitle or clear a terminal, carriage returns and line
// feeds that forge report lines, NUL bytes, or bidirectional overrides that
// make text display in another order than it reads (CVE-2021-42574,
// "Trojan Source"). It does not touch JSON or XML, whose encoders escape
// their own way and keep the real value.
package safetext

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Escape returns s with every unsafe character (see Unsafe) written as an
// escape: \xNN for C0 and C1 controls, DEL and bytes that are not UTF-8,
// \uNNNN for the other ones ("\x1b", "\u202e"). Everything else, a
// backslash included, stays as it is, so Escape(Escape(s)) == Escape(s) and
// Windows paths read as they are.
func Escape(s string) string { return EscapeExcept(s, "") }

// EscapeExcept is Escape leaving the characters of keep alone, for formats
// that escape those their own way (GitHub workflow commands turn CR and LF
// into %0D and %0A) or for text broken into lines on purpose.
func EscapeExcept(s, keep string) string {
	i := firstUnsafe(s, keep)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case Unsafe(r) && !strings.ContainsRune(keep, r):
			if r < 0x100 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// firstUnsafe returns the index of the first byte Escape changes, or -1.
func firstUnsafe(s, keep string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 || Unsafe(r) && !strings.ContainsRune(keep, r) {
			return i
		}
		i += n
	}
	return -1
}

// Unsafe reports whether r is escaped: the C0 controls (U+0000–U+001F,
// ESC, CR, LF and tab among them), DEL, the C1 controls (U+0080–U+009F,
// CSI U+009B among them), the bidirectional embeddings, overrides and
// isolates (U+202A–U+202E, U+2066–U+2069) and marks (U+200E, U+200F,
// U+061C), and the line and paragraph separators U+2028 and U+2029
// (Unicode Standard Annex #9, https://www.unicode.org/reports/tr9/).
func Unsafe(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c, r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

// Contains reports whether s holds a character Escape would change.
func Contains(s string) bool { return firstUnsafe(s, "") >= 0 }
