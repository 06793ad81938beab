package exchange

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// RequestParams describes a certificate request made on the Exchange server
// with New-ExchangeCertificate -GenerateRequest.
type RequestParams struct {
	Version      Version
	SubjectName  string   // X.500 form "C=GB,O=ACME,CN=exch2.acme.com"
	DomainNames  []string // SANs
	KeySize      int      // RSA bits
	FriendlyName string
	Server       string // -Server NAME, where the version supports it; "" for none
	RequestPath  string // Windows path where the request file is saved
}

// maxFriendlyName: New-ExchangeCertificate takes a FriendlyName of fewer
// than 64 characters (reference §2.2).
const maxFriendlyName = 63

// RequestCommand returns the Exchange Management Shell lines (each ending in
// "\n") that make the request on the server and save it to p.RequestPath:
//
//   - Exchange 2007: New-ExchangeCertificate -Path writes the file itself.
//   - Exchange 2010 to SE: the request text is captured from the pipeline
//     and written with [System.IO.File]::WriteAllText, which works in
//     PowerShell 2.0 to 5.1 (2010 never had -RequestFile, and the 2022 H1
//     CUs removed it from 2016 and 2019).
//
// The key is always made exportable, so the certificate can later be
// exported to the other servers. The result passes Validate for p.Version.
// RequestCommand returns an error for a version without the cmdlet, an empty
// subject, a name the cmdlet refuses, a key size it does not offer, a friendly
// name of 64 characters or more, or a path that is not an absolute Windows
// path.
func RequestCommand(p RequestParams) (string, error) {
	if !isTarget(p.Version) {
		return "", fmt.Errorf("unknown Exchange version %d", p.Version)
	}
	if strings.TrimSpace(p.SubjectName) == "" {
		return "", errors.New("the subject name is empty")
	}
	if strings.ContainsAny(p.SubjectName, "\r\n") {
		return "", errors.New("the subject name contains a line break")
	}
	switch p.KeySize {
	case 1024, 2048, 4096: // -KeySize accepts only these (reference §2.2)
	default:
		return "", fmt.Errorf("New-ExchangeCertificate -KeySize takes 1024, 2048 or 4096, not %d", p.KeySize)
	}
	if utf8.RuneCountInString(p.FriendlyName) > maxFriendlyName {
		return "", fmt.Errorf("the friendly name has %d characters; New-ExchangeCertificate takes fewer than 64", utf8.RuneCountInString(p.FriendlyName))
	}
	if strings.ContainsAny(p.FriendlyName, "\r\n") {
		return "", errors.New("the friendly name contains a line break")
	}
	if err := CheckWindowsPath(p.RequestPath); err != nil {
		return "", fmt.Errorf("request path: %w", err)
	}
	for _, d := range p.DomainNames {
		if err := checkDomainName(d); err != nil {
			return "", err
		}
	}
	if p.Server != "" {
		if err := CheckServerName(p.Server); err != nil {
			return "", err
		}
	}

	var args []string
	args = append(args, "-GenerateRequest")
	if p.Version == Exchange2007 {
		// Exchange 2007 writes the request itself, on the server the shell
		// runs on (no -Server on its certificate cmdlets).
		args = append(args, "-Path "+PSQuote(p.RequestPath))
	} else if p.Server != "" {
		args = append([]string{"-Server " + PSQuote(p.Server)}, args...)
	}
	args = append(args, "-SubjectName "+PSQuote(p.SubjectName))
	if len(p.DomainNames) > 0 {
		q := make([]string, len(p.DomainNames))
		for i, d := range p.DomainNames {
			q[i] = PSQuote(d)
		}
		args = append(args, "-DomainName "+strings.Join(q, ","))
	}
	args = append(args, fmt.Sprintf("-KeySize %d", p.KeySize), "-PrivateKeyExportable $true")
	if p.FriendlyName != "" {
		args = append(args, "-FriendlyName "+PSQuote(p.FriendlyName))
	}
	var b strings.Builder
	if p.Version == Exchange2007 {
		if p.Server != "" {
			fmt.Fprintf(&b, "# Exchange 2007 has no -Server on its certificate cmdlets: run this on %s itself.\n", p.Server)
		}
		fmt.Fprintf(&b, "New-ExchangeCertificate %s\n", strings.Join(args, " "))
	} else {
		fmt.Fprintf(&b, "$req = New-ExchangeCertificate %s\n", strings.Join(args, " "))
		// ASCII: the request is Base64 PEM text; every CA web form and
		// certreq reads ASCII, while Microsoft's own example writes UTF-16.
		fmt.Fprintf(&b, "[System.IO.File]::WriteAllText(%s, [string]$req, [System.Text.Encoding]::ASCII)\n", PSQuote(p.RequestPath))
	}
	out := b.String()
	if err := Validate(out, p.Version); err != nil {
		return "", fmt.Errorf("internal error: request command not valid for %s: %w", p.Version.Title(), err)
	}
	if err := CheckSyntax(out); err != nil {
		return "", fmt.Errorf("internal error: request command is not well-formed PowerShell: %w", err)
	}
	return out, nil
}

// isTarget reports whether v is one of the Targets.
func isTarget(v Version) bool {
	for _, t := range Targets {
		if t == v {
			return true
		}
	}
	return false
}

// PSQuote returns s as a PowerShell single-quoted string: no variable
// expansion, a single quote doubled.
func PSQuote(s string) string {
	// PowerShell also treats the typographic quotes ‘ ’ ‚ ‛ as single quotes.
	r := strings.NewReplacer("'", "''", "\u2018", "\u2018\u2018", "\u2019", "\u2019\u2019", "\u201A", "\u201A\u201A", "\u201B", "\u201B\u201B")
	return "'" + r.Replace(s) + "'"
}

// CheckWindowsPath accepts an absolute Windows path: C:\dir\file or a UNC
// path \\server\share\file. .NET resolves relative paths against the
// process working directory, not the shell's location, so a script must
// never use one (reference §2.1).
func CheckWindowsPath(p string) error {
	if p == "" {
		return errors.New("no path given")
	}
	if strings.ContainsAny(p, "\r\n\t\x00\"<>|?*") {
		return fmt.Errorf("%q contains a character Windows does not allow in a path", p)
	}
	if IsUNC(p) {
		parts := strings.Split(strings.TrimPrefix(p, `\\`), `\`)
		if len(parts) < 3 || parts[0] == "" || parts[1] == "" || parts[len(parts)-1] == "" {
			return fmt.Errorf("%q is not a UNC file path (want \\\\server\\share\\file)", p)
		}
		return nil
	}
	if len(p) >= 4 && isLetter(p[0]) && p[1] == ':' && p[2] == '\\' && !strings.HasSuffix(p, `\`) {
		if strings.Contains(p[2:], ":") {
			return fmt.Errorf("%q contains a colon after the drive letter", p)
		}
		return nil
	}
	return fmt.Errorf("%q is not an absolute Windows path (want C:\\certs\\file or \\\\server\\share\\file)", p)
}

// IsUNC reports whether p is a UNC path (\\server\share\…).
func IsUNC(p string) bool { return strings.HasPrefix(p, `\\`) }

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

// CheckServerName accepts an Exchange server name as -Server takes it: a
// NetBIOS name or an FQDN.
func CheckServerName(s string) error {
	if s == "" || len(s) > 253 {
		return fmt.Errorf("server name %q is empty or too long", s)
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("server name %q is not a host name", s)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(isLetter(c) || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("server name %q is not a host name", s)
			}
		}
	}
	return nil
}

// checkDomainName applies -DomainName's rule: letters, digits, hyphens and
// dots, an optional leading "*." for a wildcard, at most 255 characters
// (reference §2.2).
func checkDomainName(d string) error {
	n := strings.TrimPrefix(d, "*.")
	if d == "" || len(d) > 255 || n == "" {
		return fmt.Errorf("domain name %q: New-ExchangeCertificate takes names of 1 to 255 characters", d)
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(isLetter(c) || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return fmt.Errorf("domain name %q: New-ExchangeCertificate allows only letters, digits, hyphens and dots", d)
		}
	}
	return nil
}
