package exchange

import (
	"errors"
	"fmt"
	"net"
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
// than 64 characters (https://learn.microsoft.com/powershell/module/exchangepowershell/new-exchangecertificate).
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
	case 1024, 2048, 4096: // -KeySize accepts only these (New-ExchangeCertificate)
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

// DefaultImportDir is the folder on the Exchange server that the bind
// script imports a file from, and the New-ExchangeCertificate command saves
// a request to, unless a path is given. It is absolute: .NET resolves a
// relative path against the process's directory, not the shell's location
// (https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_locations).
const DefaultImportDir = `C:\certs`

// DefaultImportPath is name in DefaultImportDir.
func DefaultImportPath(name string) string { return DefaultImportDir + `\` + name }

// CheckWindowsPath accepts an absolute Windows path: C:\dir\file or a UNC
// path \\server\share\file. .NET resolves relative paths against the
// process working directory, not the shell's location, so a script must
// never use one (the process's directory is not the shell's location:
// https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_locations).
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
// (https://learn.microsoft.com/powershell/module/exchangepowershell/new-exchangecertificate).
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

// Equivalent describes a request made outside Windows, for
// EquivalentRequest.
type Equivalent struct {
	Version      Version
	Server       string // -Server NAME; "" for none
	SubjectName  string // X.500 form, as RequestParams
	CommonName   string
	Names        []string // the request's SANs; IP addresses are left out
	KeyAlgorithm KeyAlgorithm
	KeyBits      int // RSA bits, or the curve's size
	SecurityBits int // the key's strength in bits (112 for RSA 2048)
	// RequestPath is where the request is saved on the server; ""
	// means DefaultImportPath(FileName).
	RequestPath string
	FileName    string
}

// EquivalentRequest returns the New-ExchangeCertificate -GenerateRequest
// command that asks for the same certificate with a key made inside
// Windows, and a note naming where that request differs, following the
// cmdlet's rules
// (https://learn.microsoft.com/powershell/module/exchangepowershell/new-exchangecertificate):
// -KeySize offers 1024, 2048 and 4096 bits of RSA only, -DomainName takes
// host names only, -FriendlyName fewer than 64 characters.
func EquivalentRequest(e Equivalent) (command, note string, err error) {
	var notes []string
	// The smallest -KeySize at least as strong as the key, or the largest.
	size := 2048
	if e.SecurityBits > 112 {
		size = 4096
	}
	switch {
	case e.KeyAlgorithm == ECDSA:
		notes = append(notes, fmt.Sprintf("New-ExchangeCertificate cannot make ECC keys, so this asks for the RSA equivalent, -KeySize %d", size))
	case e.KeyBits != size:
		notes = append(notes, fmt.Sprintf("-KeySize takes 1024, 2048 or 4096 only, so this asks for %d bits instead of %d", size, e.KeyBits))
	}
	var names []string
	for _, n := range e.Names {
		if net.ParseIP(n) != nil {
			notes = append(notes, fmt.Sprintf("-DomainName takes host names only, so %s is left out", n))
			continue
		}
		names = append(names, n)
	}
	friendly := e.CommonName
	if utf8.RuneCountInString(friendly) > maxFriendlyName { // characters, as RequestCommand counts them
		friendly = ""
	}
	path := e.RequestPath
	if path == "" {
		path = DefaultImportPath(e.FileName)
		notes = append(notes, "the folder "+DefaultImportDir+" must exist; --request-path chooses another file")
	}
	command, err = RequestCommand(RequestParams{
		Version: e.Version, SubjectName: e.SubjectName, DomainNames: names, KeySize: size,
		FriendlyName: friendly, Server: e.Server, RequestPath: path,
	})
	if err != nil {
		return "", "", fmt.Errorf("the New-ExchangeCertificate command: %w", err)
	}
	return command, strings.Join(notes, "; "), nil
}
