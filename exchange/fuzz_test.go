package exchange

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// psQuotes are the characters PowerShell takes as a single quote inside a
// single-quoted string (about_Quoting_Rules; the tokenizer's
// IsSingleQuote): ' and the typographic ‘ ’ ‚ ‛.
const psQuotes = "'\u2018\u2019\u201A\u201B"

// FuzzPSQuote checks that PSQuote's output is one single-quoted string
// that PowerShell reads back as the input: every quote character inside is
// doubled, so a certificate name, path or friendly name cannot end the
// string early and inject a command into the bind script.
func FuzzPSQuote(f *testing.F) {
	for _, s := range []string{"", "C:\\certs\\exch2.pfx", "O'Brien", "a\u2019b", "'; Remove-Item C:\\ -Recurse; '", "$(calc)", "\u201B\u201A''"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := PSQuote(s)
		first, n := utf8.DecodeRuneInString(q)
		if first != '\'' || !strings.HasSuffix(q, "'") || len(q) < 2 {
			t.Fatalf("PSQuote(%q) = %q is not a single-quoted string", s, q)
		}
		body := q[n : len(q)-1]
		var back strings.Builder
		for i := 0; i < len(body); {
			r, w := utf8.DecodeRuneInString(body[i:])
			if strings.ContainsRune(psQuotes, r) {
				r2, w2 := utf8.DecodeRuneInString(body[i+w:])
				if i+w >= len(body) || !strings.ContainsRune(psQuotes, r2) {
					t.Fatalf("PSQuote(%q) = %q: a lone quote at byte %d ends the string", s, q, n+i)
				}
				back.WriteString(body[i : i+w]) // a doubled quote stands for one
				i += w + w2
				continue
			}
			back.WriteString(body[i : i+w])
			i += w
		}
		if back.String() != s {
			t.Fatalf("PSQuote(%q) = %q reads back as %q", s, q, back.String())
		}
	})
}

// FuzzNormalizeThumbprint checks that whatever an admin pastes, a
// thumbprint that is accepted is 40 uppercase hex digits and stays the
// same when normalised again.
func FuzzNormalizeThumbprint(f *testing.F) {
	for _, s := range []string{"5113AE0233A72FCCB75B1D0198628675333D010E", "\u200e51 13 ae 02 33 a7 2f cc b7 5b 1d 01 98 62 86 75 33 3d 01 0e", "51:13:AE", "ｆｆ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tp, err := NormalizeThumbprint(s)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("error %q is not one line", err)
			}
			return
		}
		if len(tp) != 40 || strings.Trim(tp, "0123456789ABCDEF") != "" {
			t.Fatalf("NormalizeThumbprint(%q) = %q", s, tp)
		}
		if again, err := NormalizeThumbprint(tp); err != nil || again != tp {
			t.Fatalf("NormalizeThumbprint(%q) = %q, %v", tp, again, err)
		}
	})
}

// FuzzCheckSyntax: the token-level check never panics, and a command whose
// argument is any PSQuote'd text passes it (so quoting and checking agree
// on where a string ends, typographic quotes included).
func FuzzCheckSyntax(f *testing.F) {
	for _, s := range []string{"", "O'Brien", "a\u2019b\u2018", "\"$x\"", "@'\n", "`", "(((", "$(", "\u201Cx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = CheckSyntax(s)
		if !utf8.ValidString(s) {
			return
		}
		script := "Write-Host " + PSQuote(s) + "\n"
		if err := CheckSyntax(script); err != nil {
			t.Fatalf("PSQuote(%q): %v", s, err)
		}
	})
}
