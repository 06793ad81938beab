// Package textenc turns text files as Windows writes them into plain UTF-8:
// it removes a UTF-8 byte-order mark and decodes UTF-16 (with a byte-order
// mark, as Windows PowerShell 5.1 redirection writes, or little-endian
// without one, as [Text.Encoding]::Unicode.GetBytes writes). It leaves
// anything else, binary data included, untouched.
package textenc

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"
)

// Decode returns b as UTF-8 text when it is UTF-16 or carries a byte-order
// mark, and b itself otherwise. Line ends are left as they are.
func Decode(b []byte) []byte {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return b[3:]
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return fromUTF16(b[2:], false)
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return fromUTF16(b[2:], true)
	case looksUTF16LE(b):
		return fromUTF16(b, false)
	}
	return b
}

// looksUTF16LE reports whether b is ASCII text written as UTF-16LE without a
// byte-order mark: an even length, and a zero high byte after every
// printable or white-space low byte in the first kilobyte.
func looksUTF16LE(b []byte) bool {
	if len(b) < 4 || len(b)%2 != 0 {
		return false
	}
	n := min(len(b), 1024)
	for i := 0; i+1 < n; i += 2 {
		c := b[i]
		if b[i+1] != 0 || !(c >= 0x20 && c < 0x7f || c == '\r' || c == '\n' || c == '\t') {
			return false
		}
	}
	return true
}

func fromUTF16(b []byte, bigEndian bool) []byte {
	u := make([]uint16, len(b)/2)
	for i := range u {
		if bigEndian {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	out := make([]byte, 0, len(u))
	for _, r := range utf16.Decode(u) {
		out = utf8.AppendRune(out, r)
	}
	return out
}
