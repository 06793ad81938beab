package exchange

import (
	"fmt"
	"strings"
	"unicode"
)

// NormalizeThumbprint turns a thumbprint as an admin pastes it into the
// form Exchange uses: spaces, colons, hyphens and invisible characters
// removed (copying from the Windows certificate dialog can bring a leading
// U+200E left-to-right mark), upper case. It returns an error unless 40
// hex digits remain.
func NormalizeThumbprint(s string) (string, error) {
	var b strings.Builder
	for _, r := range s {
		if r == ':' || r == '-' || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zs, r) {
			continue
		}
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return "", fmt.Errorf("thumbprint %q contains %q, which is not a hex digit", s, r)
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	t := b.String()
	if len(t) == 64 {
		return "", fmt.Errorf("thumbprint has 64 hex digits: that is a SHA-256 fingerprint; Exchange uses the 40-digit SHA-1 thumbprint (Get-ExchangeCertificate shows it)")
	}
	if len(t) != 40 {
		return "", fmt.Errorf("thumbprint has %d hex digits, want 40 (the SHA-1 thumbprint Get-ExchangeCertificate shows)", len(t))
	}
	return t, nil
}
