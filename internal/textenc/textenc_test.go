package textenc

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in, out string
	}{
		{"plain", "-----BEGIN", "-----BEGIN"},
		{"utf-8 bom", "\xEF\xBB\xBFabc", "abc"},
		{"utf-16le bom", "\xFF\xFEa\x00b\x00\r\x00\n\x00", "ab\r\n"},
		{"utf-16be bom", "\xFE\xFF\x00a\x00b", "ab"},
		{"utf-16le without bom", "a\x00b\x00c\x00d\x00", "abcd"},
		{"surrogate pair", "\xFF\xFE\x3D\xD8\x00\xDE", "\U0001F600"},
		{"lone surrogate", "\xFF\xFE\x3D\xD8", "\uFFFD"},
		{"odd length", "\xFF\xFEa\x00b", "a"},
		{"binary stays", "\x30\x82\x01\x00", "\x30\x82\x01\x00"},
		{"empty", "", ""},
	} {
		if got := string(Decode([]byte(tc.in))); got != tc.out {
			t.Errorf("%s: Decode(%q) = %q, want %q", tc.name, tc.in, got, tc.out)
		}
	}
}

// FuzzDecode checks that Decode never panics, returns valid UTF-8 whenever
// it decoded UTF-16, removes nothing but a UTF-8 byte-order mark otherwise,
// and never grows its input by more than half: one
// UTF-16 code unit (2 bytes) becomes at most 3 bytes of UTF-8, so a file
// within a reader's size limit stays within 1.5 times that limit.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"-----BEGIN CERTIFICATE-----\r\n",
		"\xEF\xBB\xBF{\"schema\":\"exchcert.plan/v1\"}",
		"\xFF\xFE-\x00-\x00-\x00\r\x00\n\x00",
		"\xFE\xFF\x00-\x00-",
		"M\x00I\x00I\x00\r\x00\n\x00",
		"\xFF\xFE\x3D\xD8",
		"\x30\x82\x01\x00\x02\x01\x03",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		orig := bytes.Clone(in)
		out := Decode(in)
		if !bytes.Equal(in, orig) {
			t.Fatal("Decode changed its input")
		}
		if len(out) > len(in)*3/2 {
			t.Fatalf("Decode grew %d bytes to %d", len(in), len(out))
		}
		switch {
		case bytes.Equal(out, in):
			return // left as it was
		case bytes.HasPrefix(in, []byte{0xEF, 0xBB, 0xBF}):
			if !bytes.Equal(out, in[3:]) {
				t.Fatalf("Decode(%q) = %q: more than the UTF-8 byte-order mark removed", in, out)
			}
			return
		}
		// Decoded from UTF-16: lone surrogates become U+FFFD.
		if !utf8.Valid(out) {
			t.Fatalf("Decode(%q) = %q: not UTF-8", in, out)
		}
	})
}
