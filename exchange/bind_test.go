package exchange

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func loadCert(t *testing.T, name string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(data)
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func thumb(c *x509.Certificate) string {
	s := sha1.Sum(c.Raw)
	return strings.ToUpper(hex.EncodeToString(s[:]))
}

// bindCase builds the input for a certificate from testdata, as the bind
// command does: names and Common Name from the certificate.
func bindCase(t *testing.T, certFile string, in BindInput) BindInput {
	c := loadCert(t, certFile)
	in.Thumbprint = thumb(c)
	in.CommonName = c.Subject.CommonName
	in.Names = c.DNSNames
	return in
}

var goldenCases = []struct {
	name, cert string
	in         BindInput
}{
	{"2007", "exch2.acme.com.pem", BindInput{Version: Exchange2007, Server: "EXCH2", URLHost: "exch2.acme.com", File: `C:\certs\exch2.pfx`, FileKind: PFXFile, FriendlyName: "exch2 2026"}},
	// The seed: Exchange 2010 joining an Exchange 2003 organisation,
	// completing the request made on the server.
	{"2010-from-2003", "exch2.acme.com.pem", BindInput{Version: Exchange2010, From: Exchange2003, Server: "EXCH2", URLHost: "exch2.acme.com", LegacyHost: "legacy.acme.com", File: `C:\certs\exch2.p7b`, FileKind: CertFile}},
	// The seed on two servers: the request completes on EXCH2, the key goes
	// to EXCH3 by export and import.
	{"2010-from-2003-two-servers", "exch2.acme.com.pem", BindInput{Version: Exchange2010, From: Exchange2003, Servers: []string{"EXCH2", "EXCH3"}, URLHost: "exch2.acme.com", LegacyHost: "legacy.acme.com", File: `C:\certs\exch2.p7b`, FileKind: CertFile}},
	// Every supported coexistence pair.
	{"2007-from-2003", "mail.acme.com.pem", BindInput{Version: Exchange2007, From: Exchange2003, Server: "EXCH2", URLHost: "mail.acme.com", File: `C:\certs\mail.pfx`, FileKind: PFXFile}},
	{"2010-from-2007", "exch2.acme.com.pem", BindInput{Version: Exchange2010, From: Exchange2007, Server: "EXCH2", URLHost: "exch2.acme.com", LegacyHost: "legacy.acme.com", File: `C:\certs\exch2.pfx`, FileKind: PFXFile}},
	{"2013-from-2007", "exch2.acme.com.pem", BindInput{Version: Exchange2013, From: Exchange2007, Server: "EXCH2", URLHost: "exch2.acme.com", LegacyHost: "legacy.acme.com", File: `C:\certs\exch2.pfx`, FileKind: PFXFile}},
	{"2013-from-2010", "mail.acme.com.pem", BindInput{Version: Exchange2013, From: Exchange2010, Server: "EXCH2", URLHost: "mail.acme.com", File: `\\fs01\certs\mail.pfx`, FileKind: PFXFile}},
	{"2016-from-2010", "mail.acme.com.pem", BindInput{Version: Exchange2016, From: Exchange2010, Server: "EXCH2", URLHost: "mail.acme.com", File: `C:\certs\mail.cer`, FileKind: CertFile}},
	{"2019-from-2013", "mail.acme.com.pem", BindInput{Version: Exchange2019, From: Exchange2013, Servers: []string{"EXCH2", "EXCH3"}, URLHost: "mail.acme.com", File: `C:\certs\mail.pfx`, FileKind: PFXFile}},
	{"se-from-2016", "mail.acme.com.pem", BindInput{Version: ExchangeSE, From: Exchange2016, Server: "EXCH2", URLHost: "mail.acme.com", File: `C:\certs\mail.cer`, FileKind: CertFile}},
	{"se-from-2019", "mail.acme.com.pem", BindInput{Version: ExchangeSE, From: Exchange2019, Server: "EXCH2", URLHost: "mail.acme.com", File: `C:\certs\mail.pfx`, FileKind: PFXFile}},
	{"2016", "mail.acme.com.pem", BindInput{Version: Exchange2016, Server: "EXCH2", URLHost: "mail.acme.com", File: `C:\certs\mail.pfx`, FileKind: PFXFile, FriendlyName: "mail 2026"}},
	{"2019-wildcard", "wildcard.acme.com.pem", BindInput{Version: Exchange2019, Server: "EXCH2", URLHost: "mail.acme.com", File: `C:\certs\wildcard.pfx`, FileKind: PFXFile}},
	{"se", "mail.acme.com.pem", BindInput{Version: ExchangeSE, Server: "exch2.acme.com", URLHost: "mail.acme.com", Services: []string{"IIS", "SMTP"}, ReplaceSMTPDefault: true, RequireSSL: true}},
}

func TestBindGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			in := bindCase(t, tc.cert, tc.in)
			got, err := BindScript(in)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "bind", tc.name+".ps1")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got.Script), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got.Script != string(want) {
				t.Errorf("script differs from %s (go test ./exchange -update, then review the diff):\n%s", golden, got.Script)
			}
			if !strings.Contains(got.Script, in.Thumbprint) {
				t.Errorf("thumbprint %s missing", in.Thumbprint)
			}
			// Every golden script passes every check; a coexistence pair's
			// has the import guard and the old servers' section.
			checkScript(t, tc.name, got.Script, in)
			if in.From != None && (in.FileKind == NoFile || !strings.Contains(got.Script, OldServersHeading(in.From))) {
				t.Errorf("%s: a coexistence golden without an import or an old-server section", tc.name)
			}
		})
	}
}

// Every script for every version and every coexistence pair, with every
// option, passes Validate (the cmdlet table) and CheckSyntax (the tokens);
// every Exchange cmdlet stops the script on failure; an import is guarded;
// and the section for the old servers names only what that version has. A
// script made for one version is refused by another where the facts differ
// (so the validator is not vacuous).
func TestBindScriptsValidEverywhere(t *testing.T) {
	froms := func(v Version) []Version {
		out := []Version{None}
		for _, p := range CoexistencePairs() {
			if p[1] == v {
				out = append(out, p[0])
			}
		}
		return out
	}
	n := 0
	for _, v := range Targets {
		for _, from := range froms(v) {
			for _, kind := range []FileKind{NoFile, PFXFile, CertFile} {
				for _, cert := range []string{"exch2.acme.com.pem", "mail.acme.com.pem", "wildcard.acme.com.pem"} {
					for _, opt := range []func(*BindInput){
						func(*BindInput) {},
						func(in *BindInput) { in.ReplaceSMTPDefault, in.RequireSSL = true, true },
						func(in *BindInput) { in.URLHost = "owa.other.com" },
						func(in *BindInput) { in.Services = []string{"IIS"} },
						func(in *BindInput) { in.Services = []string{"SMTP", "POP"}; in.TestMailbox = "a@acme.com" },
						func(in *BindInput) { in.Servers = []string{"EXCH2", "exch3.acme.com"} },
						func(in *BindInput) {
							in.Missing = []MissingName{{Name: "autodiscover.acme.com", Code: "autodiscover-not-covered", Breaks: "Outlook cannot find its settings"}}
						},
					} {
						in := bindCase(t, cert, BindInput{Version: v, From: from, Server: "EXCH2", URLHost: "mail.acme.com", File: `C:\c\x.pfx`, FileKind: kind, FriendlyName: "x"})
						if c, _ := CoexistenceOf(from, v); c.LegacyName {
							in.LegacyHost = "legacy.acme.com"
						}
						opt(&in)
						name := fmt.Sprintf("%s from %s, %s, kind %d, %d servers", v.Title(), from.Title(), cert, kind, len(in.Servers))
						b, err := BindScript(in)
						if v == Exchange2007 && len(in.Servers) > 1 {
							if err == nil {
								t.Errorf("%s: accepted (2007 cannot act on another server)", name)
							}
							continue
						}
						if err != nil {
							t.Fatalf("%s: %v", name, err)
						}
						n++
						checkScript(t, name, b.Script, in)
					}
				}
			}
		}
	}
	if n < 1000 {
		t.Errorf("only %d scripts checked", n)
	}
	// A 2013 script uses Set-ClientAccessServer, which 2016 no longer has;
	// a 2016 one uses -FileData without -Server problems but 2007 has no -Server.
	in := bindCase(t, "mail.acme.com.pem", BindInput{Version: Exchange2013, Server: "EXCH2", URLHost: "mail.acme.com", File: `C:\c\x.pfx`, FileKind: PFXFile})
	b, _ := BindScript(in)
	if err := Validate(b.Script, Exchange2016); err == nil || !strings.Contains(err.Error(), "Set-ClientAccessServer does not exist in Exchange 2016") {
		t.Errorf("2013 script on 2016: %v", err)
	}
	in.Version = Exchange2016
	b, _ = BindScript(in)
	if err := Validate(b.Script, Exchange2007); err == nil || !strings.Contains(err.Error(), "-Server does not exist in Exchange 2007") {
		t.Errorf("2016 script on 2007: %v", err)
	}
}

func TestBindRules(t *testing.T) {
	base := func(v Version, cert string) BindInput {
		return bindCase(t, cert, BindInput{Version: v, Server: "EXCH2", URLHost: "mail.acme.com", File: `C:\c\x.pfx`, FileKind: PFXFile})
	}
	has := func(t *testing.T, in BindInput, want ...string) string {
		t.Helper()
		b, err := BindScript(in)
		if err != nil {
			t.Fatal(err)
		}
		code := codeOnly(b.Script)
		for _, w := range want {
			neg := strings.HasPrefix(w, "!")
			text := b.Script
			if neg {
				text = code // a comment may explain what is not done
			}
			if strings.Contains(text, strings.TrimPrefix(w, "!")) == neg {
				t.Errorf("%s: contains %q = %v", in.Version.Title(), strings.TrimPrefix(w, "!"), !neg)
			}
		}
		return b.Script
	}
	// never a bare -Force for SMTP unless asked.
	for _, v := range Targets {
		s := has(t, base(v, "mail.acme.com.pem"), "-Services SMTP -ErrorAction Stop\n", "answer N (No)")
		if strings.Contains(codeOnly(s), "-Force") {
			t.Errorf("%s: -Force without --replace-smtp-default", v.Title())
		}
		in := base(v, "mail.acme.com.pem")
		in.ReplaceSMTPDefault = true
		has(t, in, "-Services SMTP -Force -ErrorAction Stop\n", "WARNING")
	}
	// file handling per version.
	has(t, base(Exchange2007, "mail.acme.com.pem"), "Import-ExchangeCertificate -Path 'C:\\c\\x.pfx'", "!-FileData", "!ExchangeCertificate -Server", "!Settings -Server")
	for _, v := range []Version{Exchange2010, Exchange2013, Exchange2016, Exchange2019, ExchangeSE} {
		has(t, base(v, "mail.acme.com.pem"), "-FileData ([System.IO.File]::ReadAllBytes('C:\\c\\x.pfx'))", "!-FileName", "!-Path", "-PrivateKeyExportable $true")
	}
	// SCP cmdlet per version.
	has(t, base(Exchange2013, "mail.acme.com.pem"), "Set-ClientAccessServer -Identity 'EXCH2' -AutoDiscoverServiceInternalUri 'https://autodiscover.acme.com/Autodiscover/Autodiscover.xml'")
	has(t, base(Exchange2016, "mail.acme.com.pem"), "Set-ClientAccessService -Identity 'EXCH2'", "!Set-ClientAccessServer")
	// restarts per version.
	has(t, base(Exchange2010, "mail.acme.com.pem"), "Get-Service 'MSExchangePOP3','MSExchangeIMAP4' -ErrorAction SilentlyContinue |", "!POP3BE")
	has(t, base(Exchange2019, "mail.acme.com.pem"), "Get-Service 'MSExchangePOP3','MSExchangePOP3BE','MSExchangeIMAP4','MSExchangeIMAP4BE' -ErrorAction SilentlyContinue |")
	// msstd only when needed.
	has(t, base(Exchange2016, "mail.acme.com.pem"), "!Set-OutlookProvider")
	in := base(Exchange2016, "exch2.acme.com.pem")
	in.URLHost = "exch2.acme.com"
	has(t, in, "!Set-OutlookProvider")
	in.URLHost = "autodiscover.acme.com" // covered, but not the CN
	has(t, in, "Set-OutlookProvider EXPR -CertPrincipalName 'msstd:exch2.acme.com'")
	has(t, base(Exchange2019, "wildcard.acme.com.pem"), "Set-OutlookProvider EXPR -CertPrincipalName 'msstd:*.acme.com'", "-Services IIS -DoNotRequireSsl -ErrorAction Stop\n", "Set-PopSettings -Server 'EXCH2' -ExternalConnectionSettings 'mail.acme.com:995:SSL','mail.acme.com:110:TLS' -X509CertificateName 'mail.acme.com'")
	// -DoNotRequireSsl unless asked; never in 2007.
	has(t, base(Exchange2016, "mail.acme.com.pem"), "-Services IIS,POP,IMAP -DoNotRequireSsl")
	has(t, base(Exchange2007, "mail.acme.com.pem"), "!-DoNotRequireSsl", "Require SSL")
	// Not covered: warn and leave URL steps out.
	in = base(Exchange2016, "mail.acme.com.pem")
	in.URLHost = "owa.acme.org"
	b, err := BindScript(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Warnings) == 0 || b.Warnings[0].Code != "url-host-not-covered" || strings.Contains(b.Script, "owa.acme.org/owa") {
		t.Errorf("uncovered host: %v", b.Warnings)
	}
	// Test-OutlookWebServices only in 2010.
	for _, v := range Targets {
		s := has(t, base(v, "mail.acme.com.pem"))
		if strings.Contains(codeOnly(s), "Test-OutlookWebServices") != (v == Exchange2010) {
			t.Errorf("%s: Test-OutlookWebServices", v.Title())
		}
	}
}

// codeOnly drops the comment lines of a script.
func codeOnly(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func TestBindErrors(t *testing.T) {
	ok := BindInput{Version: Exchange2016, Server: "EXCH2", Thumbprint: strings.Repeat("A", 40), URLHost: "mail.acme.com", Names: []string{"mail.acme.com"}}
	if _, err := BindScript(ok); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(*BindInput){
		"version":    func(in *BindInput) { in.Version = None },
		"thumbprint": func(in *BindInput) { in.Thumbprint = "ABC" },
		"server":     func(in *BindInput) { in.Server = "EX 01" },
		"host":       func(in *BindInput) { in.URLHost = "mail" },
		"path":       func(in *BindInput) { in.FileKind, in.File = PFXFile, "mail.pfx" },
		"federation": func(in *BindInput) { in.Services = []string{"IIS", "Federation"} },
		"none":       func(in *BindInput) { in.Services = []string{"None"} },
		"unknown":    func(in *BindInput) { in.Services = []string{"HTTP"} },
		"um 2019":    func(in *BindInput) { in.Version, in.Services = Exchange2019, []string{"UM"} },
		"fed 2007":   func(in *BindInput) { in.Version, in.Services = Exchange2007, []string{"UMCallRouter"} },
		"friendly":   func(in *BindInput) { in.FriendlyName = "a\nb" },
	} {
		in := ok
		f(&in)
		if _, err := BindScript(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestBindKeyAndEncoding(t *testing.T) {
	in := BindInput{Version: Exchange2013, Server: "EXCH2", Thumbprint: strings.Repeat("A", 40), URLHost: "mail.acme.com", Names: []string{"mail.acme.com", "autodiscover.acme.com"}, KeyAlgorithm: ECDSA}
	if _, err := BindScript(in); err == nil || !strings.Contains(err.Error(), "KeyAlgorithmUnsupported") {
		t.Errorf("ECC on 2013: %v", err)
	}
	in.Version = Exchange2019
	b, err := BindScript(in)
	if err != nil || len(b.Warnings) != 1 || b.Warnings[0].Code != "ecc-key" || !strings.Contains(b.Script, "EnableEccCertificateSupport") {
		t.Errorf("ECC on 2019: %v %v", err, b)
	}
	in = BindInput{Version: Exchange2016, Server: "EXCH2", Thumbprint: strings.Repeat("A", 40), URLHost: "mail.acme.com", Names: []string{"mail.acme.com", "autodiscover.acme.com"}, FileKind: PFXFile, File: `C:\c\x.pfx`, PFXModern: true}
	b, err = BindScript(in)
	if err != nil || len(b.Warnings) != 1 || b.Warnings[0].Code != "pfx-modern-encoding" || !strings.Contains(b.Warnings[0].Message, "--windows 2016") {
		t.Errorf("modern PFX on 2016: %v %+v", err, b.Warnings)
	}
	in.Version = Exchange2019
	if b, _ = BindScript(in); len(b.Warnings) != 0 {
		t.Errorf("modern PFX on 2019: %+v", b.Warnings)
	}
}

func TestNormalizeThumbprint(t *testing.T) {
	want := "1ABE0E4B21F07E46FD35137BDA04EB6D80A81CDD"
	for _, in := range []string{
		want,
		"1a be 0e 4b 21 f0 7e 46 fd 35 13 7b da 04 eb 6d 80 a8 1c dd",
		"\u200e1a:be:0e:4b:21:f0:7e:46:fd:35:13:7b:da:04:eb:6d:80:a8:1c:dd",
		"\ufeff 1ABE0E4B21F07E46FD35137BDA04EB6D80A81CDD\u00a0\r\n",
	} {
		got, err := NormalizeThumbprint(in)
		if err != nil || got != want {
			t.Errorf("%q: %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "1ABE", strings.Repeat("a", 64), "1ABE0E4B21F07E46FD35137BDA04EB6D80A81CDG", strings.Repeat("٣", 40)} {
		if _, err := NormalizeThumbprint(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCovers(t *testing.T) {
	names := []string{"mail.acme.com", "*.acme.org"}
	for host, want := range map[string]bool{"mail.acme.com": true, "MAIL.acme.com.": true, "x.acme.org": true, "acme.org": false, "a.b.acme.org": false, "acme.com": false} {
		if Covers(names, host) != want {
			t.Errorf("%s: %v", host, !want)
		}
	}
}

func TestPrereqs(t *testing.T) {
	for _, v := range Targets {
		for _, w := range WindowsVersions {
			got, err := Prereqs(v, w)
			switch {
			case !RunsOn(v, w):
				if err == nil || errors.Is(err, ErrNoFeatureList) {
					t.Errorf("%s on %s: %v", v, w, err)
				}
			case errors.Is(err, ErrNoFeatureList):
				// a supported pair without a verified list
			case err != nil:
				t.Errorf("%s on %s: %v", v, w, err)
			default:
				if err := Validate(got, v); err != nil {
					t.Errorf("%s on %s: %v", v, w, err)
				}
				if err := CheckSyntax(got); err != nil {
					t.Errorf("%s on %s: %v", v, w, err)
				}
				if !strings.Contains(got, "Not Windows features:") || (len(Downloads(v, w)) == 0) != (v == Exchange2007) {
					t.Errorf("%s on %s: no downloads", v, w)
				}
				if w == Windows2008 {
					want := "ServerManagerCmd -ip Exchange-Typical.xml\n"
					if v == Exchange2007 {
						want = "    ServerManagerCmd -i $feature\n"
					}
					if !strings.Contains(got, want) {
						t.Errorf("%s on %s: no %q", v, w, want)
					}
					// A second run, or one that needs a restart, is not a failure.
					if !strings.Contains(got, "if ($LASTEXITCODE -ne 0 -and $LASTEXITCODE -ne 3010 -and $LASTEXITCODE -ne 1003) { throw ") {
						t.Errorf("%s on %s: ServerManagerCmd's exit codes 3010 and 1003 are not taken as success", v, w)
					}
					continue
				}
				for _, f := range []string{"Web-Basic-Auth", "Web-Windows-Auth"} {
					if !strings.Contains(got, f+",") {
						t.Errorf("%s on %s: no %s", v, w, f)
					}
				}
			}
		}
	}
	want := map[[2]string]string{
		{"2010", "2008r2"}: "Import-Module ServerManager\nAdd-WindowsFeature NET-Framework,RSAT-ADDS,",
		{"2013", "2012r2"}: "Install-WindowsFeature AS-HTTP-Activation, Desktop-Experience,",
		{"2016", "2012"}:   "Install-WindowsFeature AS-HTTP-Activation, Server-Media-Foundation,",
		{"2016", "2016"}:   "Install-WindowsFeature Server-Media-Foundation,",
		{"se", "2022"}:     "Install-WindowsFeature Server-Media-Foundation,",
	}
	for k, w := range want {
		v, _ := ParseVersion(k[0], Targets)
		win, _ := ParseWindows(k[1])
		got, err := Prereqs(v, win)
		if err != nil || !strings.Contains(got, w) {
			t.Errorf("%v: %v\n%s", k, err, got)
		}
	}
	// Exchange 2007 on Windows Server 2008: Microsoft's list for a server
	// with the Hub Transport, Client Access and Mailbox roles, in its order,
	// and Windows PowerShell left to a command prompt before the script.
	got07, err := Prereqs(Exchange2007, Windows2008)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"foreach ($feature in 'Web-Server', 'Web-ISAPI-Ext', 'Web-Metabase', 'Web-Lgcy-Mgmt-Console', 'Web-Basic-Auth', 'Web-Digest-Auth', 'Web-Windows-Auth', 'Web-Dyn-Compression', 'RPC-over-HTTP-proxy') {\n",
		"first run ServerManagerCmd -i PowerShell at a command prompt",
		"# Source: https://learn.microsoft.com/previous-versions/office/exchange-server-2007/bb691354(v=exchg.80)\n",
		"aa996719(v=exchg.80)",
	} {
		if !strings.Contains(got07, want) {
			t.Errorf("2007 on 2008: no %q\n%s", want, got07)
		}
	}
	// The pairs without a verified list: Exchange 2007 on 2003 and 2008 R2,
	// and 2010 on 2012.
	for _, p := range []struct {
		v    Version
		w    Windows
		page string
	}{
		{Exchange2007, Windows2003, "aa996719(v=exchg.80)"},
		{Exchange2007, Windows2008R2, "aa996719(v=exchg.80)"},
		{Exchange2010, Windows2012, "bb691354(v=exchg.141)"},
	} {
		_, err := Prereqs(p.v, p.w)
		if !errors.Is(err, ErrNoFeatureList) || !strings.HasSuffix(err.Error(), p.page) {
			t.Errorf("%s on %s: %v, want ErrNoFeatureList pointing at %s", p.v, p.w, err, p.page)
		}
	}
	// Every other supported pair has one, with its downloads per CU.
	n := 0
	for _, v := range Targets {
		for _, w := range SupportedWindows(v) {
			if _, err := Prereqs(v, w); err == nil {
				n++
			}
		}
	}
	if n != 15 {
		t.Errorf("%d pairs with a list, want 15", n)
	}
	got, _ := Prereqs(Exchange2016, Windows2016)
	for _, want := range []string{".NET Framework 4.8: CU13 and later", "Visual C++ Redistributable for Visual Studio 2012", "Visual C++ Redistributable for Visual Studio 2013", "Unified Communications Managed API 4.0", "IIS URL Rewrite Module 2.1: CU22 and later", "KB3206632"} {
		if !strings.Contains(got, want) {
			t.Errorf("2016 on 2016: no %q", want)
		}
	}
	got, _ = Prereqs(Exchange2010, Windows2008R2)
	if !strings.Contains(got, "Office 2010 Filter Pack") {
		t.Error("2010 on 2008 R2: no Filter Pack")
	}
	if _, err := Prereqs(Exchange2016, Windows2019); err == nil || !strings.Contains(err.Error(), "Exchange 2016 does not run on Windows Server 2019 (supported: 2012|2012r2|2016)") {
		t.Errorf("2016 on 2019: %v", err)
	}
}

// checkScript is every check a bind script must pass.
func checkScript(t *testing.T, name, script string, in BindInput) {
	t.Helper()
	if err := Validate(script, in.Version); err != nil {
		t.Errorf("%s: %v", name, err)
	}
	if err := CheckSyntax(script); err != nil {
		t.Errorf("%s: %v", name, err)
	}
	for _, p := range errorActionMissing(script) {
		t.Errorf("%s: an Exchange cmdlet without -ErrorAction: %s", name, p)
	}
	if in.FileKind != NoFile && !strings.Contains(script, "if (-not (Get-ExchangeCertificate") {
		t.Errorf("%s: the import is not guarded", name)
	}
	for _, l := range strings.Split(script, "\n") {
		if strings.HasPrefix(l, "Import-ExchangeCertificate") {
			t.Errorf("%s: an unguarded import: %s", name, l)
		}
	}
	if !strings.Contains(script, "Test-Step ") {
		t.Errorf("%s: no read-back of the steps", name)
	}
	if len(in.Missing) > 0 && !strings.Contains(script, "WARNING: the certificate does not cover every name") {
		t.Errorf("%s: no warning block for missing names", name)
	}
	if in.From == None {
		if strings.Contains(script, "# === On the") {
			t.Errorf("%s: an old-server section without --from", name)
		}
		return
	}
	cmds, found := OldServerCommands(script, in.From)
	if !found {
		t.Fatalf("%s: no section %q", name, OldServersHeading(in.From))
	}
	checkOldSection(t, name, script, cmds, in.From)
}

// checkOldSection: the old servers' commands exist in that version (2003
// has none: only console steps from the table).
func checkOldSection(t *testing.T, name, script, cmds string, from Version) {
	t.Helper()
	if from == Exchange2003 {
		if cmds != "" {
			t.Errorf("%s: shell commands for Exchange 2003, which has no shell:\n%s", name, cmds)
		}
		sec := script[strings.Index(script, OldServersHeading(from)):]
		steps := 0
		for _, l := range strings.Split(sec, "\n") {
			if !strings.HasPrefix(l, "#   - ") {
				continue
			}
			steps++
			ok := false
			for _, m := range ManualSteps() {
				if m.Line() == l && m.Versions.Has(from) {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s: a 2003 step that is not in the table: %s", name, l)
			}
		}
		if steps == 0 {
			t.Errorf("%s: no steps for the 2003 servers", name)
		}
		return
	}
	if cmds == "" {
		t.Errorf("%s: no commands for the %s servers", name, from.Title())
	}
	if err := Validate(cmds, from); err != nil {
		t.Errorf("%s: old-server commands: %v", name, err)
	}
	if err := CheckSyntax(cmds); err != nil {
		t.Errorf("%s: old-server commands: %v", name, err)
	}
	for _, p := range errorActionMissing(cmds) {
		t.Errorf("%s: old-server command without -ErrorAction: %s", name, p)
	}
}

// exchangeCmdlet matches a call of a cmdlet of the table that is not a
// Windows PowerShell one, up to the end of its pipeline element.
var exchangeCmdlet = regexp.MustCompile(`\b([A-Z][a-z]+-[A-Za-z]+)\b[^|;{}]*`)

// errorActionMissing returns the Exchange cmdlet calls in a script's code
// that have no -ErrorAction.
func errorActionMissing(script string) []string {
	var out []string
	for _, l := range strings.Split(codeOnly(script), "\n") {
		// strip quoted strings so a name inside one is not a call
		l = regexp.MustCompile(`'[^']*'`).ReplaceAllString(l, "''")
		for _, m := range exchangeCmdlet.FindAllStringSubmatch(l, -1) {
			c := LookupCmdlet(m[1])
			if c == nil || c.Source == srcPowerShell || c.Source == srcPrereqs {
				continue
			}
			// the call ends at the closing parenthesis that ends its group
			call := m[0]
			depth := 0
			for k, r := range call {
				if r == '(' {
					depth++
				}
				if r == ')' {
					if depth == 0 {
						call = call[:k]
						break
					}
					depth--
				}
			}
			if !strings.Contains(call, "-ErrorAction") {
				out = append(out, m[0])
			}
		}
	}
	return out
}

// The old-server checks are not vacuous: the commands written for 2013
// servers are refused for 2007, and anything written for a shell is
// refused for 2003; the 2003 section holds only console steps of the table.
func TestOldServerSections(t *testing.T) {
	script := func(v, from Version, cert string) string {
		in := bindCase(t, cert, BindInput{Version: v, From: from, Server: "EXCH2", URLHost: "mail.acme.com", File: `C:\c\x.pfx`, FileKind: PFXFile})
		if c, _ := CoexistenceOf(from, v); c.LegacyName {
			in.LegacyHost = "legacy.acme.com"
		}
		b, err := BindScript(in)
		if err != nil {
			t.Fatal(err)
		}
		return b.Script
	}
	cmds, _ := OldServerCommands(script(Exchange2019, Exchange2013, "mail.acme.com.pem"), Exchange2013)
	if err := Validate(cmds, Exchange2007); err == nil || !strings.Contains(err.Error(), "Set-MapiVirtualDirectory does not exist in Exchange 2007") {
		t.Errorf("2013 commands on 2007: %v", err)
	}
	cmds, _ = OldServerCommands(script(Exchange2013, Exchange2007, "exch2.acme.com.pem"), Exchange2007)
	if err := Validate(cmds, Exchange2003); err == nil || !strings.Contains(err.Error(), "does not exist in Exchange 2003") {
		t.Errorf("2007 commands on 2003: %v", err)
	}
	if !strings.Contains(cmds, "Enable-OutlookAnywhere -Server $old") || !strings.Contains(cmds, "-IISAuthenticationMethods Basic,NTLM") {
		t.Errorf("2013 from 2007: Outlook Anywhere with NTLM missing:\n%s", cmds)
	}
	s := script(Exchange2007, Exchange2003, "mail.acme.com.pem")
	for _, want := range []string{LookupManualStep("esm-iwa-exchange").Line(), LookupManualStep("esm-iwa-eas").Line()} {
		if !strings.Contains(s, want+"\n") {
			t.Errorf("2007 from 2003: missing %q", want)
		}
	}
	if strings.Contains(s, "legacy.acme.com") || strings.Contains(s, "iis-import-pfx") {
		t.Error("2007 from 2003 mentions a legacy name")
	}
	s = script(Exchange2010, Exchange2003, "exch2.acme.com.pem")
	for _, id := range []string{"esm-iwa-eas", "esm-rpc-http-backend", "kb-sha2-2003", "iis-import-pfx"} {
		if !strings.Contains(s, LookupManualStep(id).Line()+"\n") {
			t.Errorf("2010 from 2003: missing step %s", id)
		}
	}
	if _, err := BindScript(bindCase(t, "mail.acme.com.pem", BindInput{Version: Exchange2016, From: Exchange2003, Server: "EXCH2", URLHost: "mail.acme.com"})); err == nil {
		t.Error("2016 from 2003 accepted")
	}
}
