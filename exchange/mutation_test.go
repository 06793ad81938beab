package exchange

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/exchcert/exchcert/internal/testpki"
)

// The tests in this file pin behaviours that mutation testing
// (scripts/mutation.sh, docs/mutation.md) found no other test pinning.

func TestKeySupport(t *testing.T) {
	tests := []struct {
		v       Version
		alg     KeyAlgorithm
		ok      bool
		noteHas []string // substrings of the note; nil: empty note
	}{
		{Exchange2007, RSA, true, nil},
		{ExchangeSE, RSA, true, nil},
		{Exchange2007, ECDSA, false, []string{"Exchange 2007 cannot use ECC", "KeyAlgorithmUnsupported"}},
		{Exchange2010, ECDSA, false, []string{"Exchange 2010 cannot use ECC"}},
		{Exchange2013, ECDSA, false, []string{"Exchange 2013 cannot use ECC"}},
		{Exchange2016, ECDSA, true, []string{"Exchange 2016 accepts ECC certificates only from CU23", "EnableEccCertificateSupport"}},
		{Exchange2019, ECDSA, true, []string{"Exchange 2019 accepts ECC certificates only from CU14 HU2", "EnableEccCertificateSupport"}},
		{ExchangeSE, ECDSA, true, []string{"ECC certificates need the opt-in", "EnableEccCertificateSupport"}},
	}
	for _, tt := range tests {
		ok, note := KeySupport(tt.v, tt.alg)
		if ok != tt.ok {
			t.Errorf("KeySupport(%s, %s) ok = %v, want %v", tt.v.Title(), tt.alg, ok, tt.ok)
		}
		if tt.noteHas == nil && note != "" {
			t.Errorf("KeySupport(%s, %s) note = %q, want none", tt.v.Title(), tt.alg, note)
		}
		for _, s := range tt.noteHas {
			if !strings.Contains(note, s) {
				t.Errorf("KeySupport(%s, %s) note = %q, want it to contain %q", tt.v.Title(), tt.alg, note, s)
			}
		}
	}
}

func TestSupportedTargets(t *testing.T) {
	want := map[Version]string{
		None:         "none",
		Exchange2003: "2007|2010",
		Exchange2007: "2010|2013",
		Exchange2010: "2013|2016",
		Exchange2013: "2016|2019",
		Exchange2016: "2019|se",
		Exchange2019: "se",
		ExchangeSE:   "none",
	}
	for v, w := range want {
		if got := SupportedTargets(v); got != w {
			t.Errorf("SupportedTargets(%s) = %q, want %q", v.Title(), got, w)
		}
	}
}

// TestBindInputErrors checks that each bad input is refused for its own
// reason, and that the inputs just inside each limit pass.
func TestBindInputErrors(t *testing.T) {
	ok := BindInput{Version: Exchange2016, Server: "EXCH2", Thumbprint: strings.Repeat("A", 40), URLHost: "mail.acme.com", Names: []string{"mail.acme.com", "autodiscover.acme.com"}}
	tests := []struct {
		name string
		f    func(*BindInput)
		want string // substring of the error; "" when the input is fine
	}{
		{"ok", func(*BindInput) {}, ""},
		{"version", func(in *BindInput) { in.Version = None }, "unknown Exchange version"},
		{"version 2003", func(in *BindInput) { in.Version = Exchange2003 }, "unknown Exchange version"},
		{"no coexistence", func(in *BindInput) { in.From = Exchange2007 }, "Exchange 2016 cannot coexist with Exchange 2007 (supported from Exchange 2007: 2010|2013)"},
		{"coexistence", func(in *BindInput) { in.From = Exchange2010 }, ""},
		{"two servers 2007", func(in *BindInput) { in.Version, in.Servers = Exchange2007, []string{"EX1", "EX2"} }, "make one script per server"},
		{"same server twice 2007", func(in *BindInput) { in.Version, in.Servers = Exchange2007, []string{"EX1", "ex1.acme.com"} }, ""},
		{"missing name with newline", func(in *BindInput) { in.Missing = []MissingName{{Name: "a\nb"}} }, "missing-name entry must be one line"},
		{"host not qualified", func(in *BindInput) { in.URLHost = "mail" }, `URL host "mail" is not a fully qualified host name`},
		{"host bad", func(in *BindInput) { in.URLHost = "ma il.acme.com" }, "is not a fully qualified host name"},
		{"host trailing dot", func(in *BindInput) { in.URLHost = "Mail.Acme.com." }, ""},
		{"file path", func(in *BindInput) { in.FileKind, in.File = PFXFile, "mail.pfx" }, "file path:"},
		{"no file, no path check", func(in *BindInput) { in.File = "mail.pfx" }, ""},
		{"friendly name 63", func(in *BindInput) { in.FriendlyName = strings.Repeat("é", maxFriendlyName) }, ""},
		{"friendly name 64", func(in *BindInput) { in.FriendlyName = strings.Repeat("é", maxFriendlyName+1) }, "friendly name must be one line of fewer than 64 characters"},
		{"friendly name two lines", func(in *BindInput) { in.FriendlyName = "a\rb" }, "friendly name must be one line"},
		{"test mailbox two lines", func(in *BindInput) { in.TestMailbox = "a@b\nc" }, "test mailbox must be one line"},
		{"unknown service", func(in *BindInput) { in.Services = []string{"IIS", "HTTP"} }, `service "HTTP" cannot be enabled on Exchange 2016 (want None,IMAP,POP,UM,IIS,SMTP,Federation,UMCallRouter)`},
		{"service None", func(in *BindInput) { in.Services = []string{"None"} }, "service None enables nothing"},
		{"Federation", func(in *BindInput) { in.Services = []string{"federation"} }, "Federation service is never enabled"},
		{"UM 2016", func(in *BindInput) { in.Services = []string{"UM", "UMCallRouter"} }, ""},
		{"UM 2019", func(in *BindInput) { in.Version, in.Services = Exchange2019, []string{"IIS", "UM"} }, "Exchange 2019 has no Unified Messaging role; drop UM"},
		{"UMCallRouter SE", func(in *BindInput) { in.Version, in.Services = ExchangeSE, []string{"UMCallRouter"} }, "Exchange Server SE has no Unified Messaging role; drop UMCallRouter"},
		{"UMCallRouter 2007", func(in *BindInput) { in.Version, in.Services = Exchange2007, []string{"UMCallRouter"} }, "cannot be enabled on Exchange 2007"},
		{"services spaced and repeated", func(in *BindInput) { in.Services = []string{" iis", "IIS ", "smtp"} }, ""},
		{"ECC 2013", func(in *BindInput) { in.Version, in.KeyAlgorithm = Exchange2013, ECDSA }, "Exchange 2013 cannot use ECC"},
		{"ECC 2016", func(in *BindInput) { in.KeyAlgorithm = ECDSA }, ""},
		{"autodiscover host bad", func(in *BindInput) { in.AutodiscoverHost = "auto discover" }, `Autodiscover host "auto discover" is not a host name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.f(&in)
			_, err := BindScript(in)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("accepted, want an error containing %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestPrereqsGolden pins the whole prerequisites script of every pair of
// Exchange and Windows Server versions that has one: the feature list, the
// command, the steps after it and the downloads with the CUs that need
// them. A deliberate change: go test ./exchange -run TestPrereqsGolden
// -update, then review the diff of testdata/prereqs.
func TestPrereqsGolden(t *testing.T) {
	n := 0
	for _, v := range Targets {
		for _, w := range WindowsVersions {
			got, err := Prereqs(v, w)
			if err != nil {
				continue // TestPrereqs checks the refusals
			}
			n++
			golden := filepath.Join("testdata", "prereqs", v.String()+"-on-"+w.String()+".ps1")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("%s on %s differs from %s:\n%s", v.Title(), w.Title(), golden, got)
			}
		}
	}
	if files, _ := filepath.Glob(filepath.Join("testdata", "prereqs", "*.ps1")); len(files) != n {
		t.Errorf("%d golden files for %d scripts: remove the stale ones", len(files), n)
	}
}

// OrderChain's signature checks count over the whole chain: exactly
// maxChainSignatureChecks of them still find the root.
func TestOrderChainSignatureLimitExact(t *testing.T) {
	root, err := testpki.NewRoot("Decoy Test Root")
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.Intermediate("Decoy Test Intermediate")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := inter.Issue(testpki.Template{CommonName: "exch2.acme.com", DNSNames: []string{"exch2.acme.com"}, KeyType: testpki.ECDSAP256})
	if err != nil {
		t.Fatal(err)
	}
	// 98 failed checks and the intermediate's make 99; the root's is the 100th.
	certs := append(decoyCAs(t, inter.Cert.Cert.Subject, maxChainSignatureChecks-2), inter.Cert.Cert, root.Cert.Cert)
	chain, _, missing := OrderChain(leaf.Cert, certs)
	if len(chain) != 2 || missing != "" {
		t.Errorf("with exactly %d checks: chain %d, missing %q; want the intermediate and the root", maxChainSignatureChecks, len(chain), missing)
	}
}

func TestValidPassword(t *testing.T) {
	for pw, want := range map[string]bool{
		"":               true,
		"Pa55word":       true,
		"\x00abc":        false,
		"abc\x00":        false,
		"\xff":           false,
		"caf\u00e9":      true,
		"\uffff":         true,  // the last BMP code point: one UTF-16 unit
		"\U00010000":     false, // the first outside it (PKCS #12 passwords are BMPStrings)
		"\U0001F512 key": false,
	} {
		if got := validPassword([]byte(pw)); got != want {
			t.Errorf("validPassword(%q) = %v, want %v", pw, got, want)
		}
	}
}

func TestOldServerCommandsAtStart(t *testing.T) {
	script := OldServersHeading(Exchange2010) + "\n# text\n" + OldCommandPrefix + "Get-ExchangeCertificate\n"
	cmds, found := OldServerCommands(script, Exchange2010)
	if !found || cmds != "Get-ExchangeCertificate\n" {
		t.Errorf("heading on the first line: %q, %v", cmds, found)
	}
	if cmds, found := OldServerCommands("Get-ExchangeCertificate\n", Exchange2010); found || cmds != "" {
		t.Errorf("no heading: %q, %v", cmds, found)
	}
}

// TestNameAndPathRules checks the limits of the server-name, -DomainName
// and path rules one step either side, each with its own error.
func TestNameAndPathRules(t *testing.T) {
	label63 := strings.Repeat("a", 63)
	host253 := strings.Join([]string{label63, label63, label63, strings.Repeat("b", 61)}, ".") // 253 characters
	servers := []struct {
		in string
		ok bool
	}{
		{"A", true}, {"Z", true}, {"a", true}, {"z", true}, {"EX-01", true}, {"0", true}, {"9", true},
		{"@", false}, {"[", false}, {"`", false}, {"{", false}, {"/", false}, {":", false},
		{"", false}, {"-ex", false}, {"ex-", false}, {"ex..acme", false}, {"ex_1", false},
		{label63 + ".acme.com", true}, {label63 + "a.acme.com", false},
		{host253, true}, {host253 + "b", false},
	}
	for _, tt := range servers {
		if err := CheckServerName(tt.in); (err == nil) != tt.ok {
			t.Errorf("CheckServerName(%q) = %v, want ok %v", tt.in, err, tt.ok)
		}
	}
	name255 := strings.Repeat("a", 251) + ".com"
	domains := []struct {
		in   string
		want string // substring of the error; "" for a valid name
	}{
		{"A.z", ""}, {"*.acme.com", ""}, {"xn--bcher-kva.example", ""}, {"0-9.example", ""},
		{name255, ""}, {name255 + "m", "1 to 255 characters"},
		{"", "1 to 255 characters"}, {"*.", "1 to 255 characters"},
		{"exch_2.acme.com", "only letters, digits, hyphens and dots"}, {"a@b", "only letters"}, {"a[b", "only letters"}, {"a`b", "only letters"}, {"a{b", "only letters"}, {"a/b", "only letters"}, {"a:b", "only letters"},
	}
	for _, tt := range domains {
		err := checkDomainName(tt.in)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("checkDomainName(%q) = %v, want %q", tt.in, err, tt.want)
		}
	}
	paths := []struct {
		in   string
		want string
	}{
		{`C:\a`, ""}, {`z:\a`, ""}, {`A:\a`, ""}, {`Z:\a`, ""},
		{`C:\`, "not an absolute Windows path"}, {`C:\a\`, "not an absolute Windows path"}, {`@:\a`, "not an absolute Windows path"}, {`[:\a`, "not an absolute Windows path"}, {"`:\\a", "not an absolute Windows path"}, {`{:\a`, "not an absolute Windows path"},
		{`C:/a`, "not an absolute Windows path"}, {`CC\a`, "not an absolute Windows path"},
		{`C:\a:b`, "colon after the drive letter"},
		{"", "no path given"}, {"C:\\a\tb", "does not allow"}, {`C:\a?`, "does not allow"}, {`C:\a"`, "does not allow"},
		{`\\fs\share\f`, ""}, {`\\fs\share`, "not a UNC file path"}, {`\\\share\f`, "not a UNC file path"}, {`\\fs\\f`, "not a UNC file path"}, {`\\fs\share\`, "not a UNC file path"},
	}
	for _, tt := range paths {
		err := CheckWindowsPath(tt.in)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("CheckWindowsPath(%q) = %v, want %q", tt.in, err, tt.want)
		}
	}
}

// TestRequestCommandLimits: the friendly name may have 63 characters, not
// 64; a request without names has no -DomainName; each refusal says why.
func TestRequestCommandLimits(t *testing.T) {
	base := RequestParams{Version: Exchange2016, SubjectName: "CN=exch2.acme.com", KeySize: 2048, RequestPath: `C:\certs\exch2.req`}
	tests := []struct {
		name string
		f    func(*RequestParams)
		want string // substring of the error, or of the command when ok is true
		ok   bool
	}{
		{"friendly 63", func(p *RequestParams) { p.FriendlyName = strings.Repeat("é", 63) }, "-FriendlyName '" + strings.Repeat("é", 63) + "'", true},
		{"friendly 64", func(p *RequestParams) { p.FriendlyName = strings.Repeat("é", 64) }, "the friendly name has 64 characters", false},
		{"friendly line break", func(p *RequestParams) { p.FriendlyName = "a\nb" }, "the friendly name contains a line break", false},
		{"no names", func(*RequestParams) {}, "-SubjectName 'CN=exch2.acme.com' -KeySize 2048", true},
		{"key 1024", func(p *RequestParams) { p.KeySize = 1024 }, "-KeySize 1024", true},
		{"key 4096", func(p *RequestParams) { p.KeySize = 4096 }, "-KeySize 4096", true},
		{"key 3072", func(p *RequestParams) { p.KeySize = 3072 }, "-KeySize takes 1024, 2048 or 4096, not 3072", false},
		{"version", func(p *RequestParams) { p.Version = None }, "unknown Exchange version", false},
		{"version 2003", func(p *RequestParams) { p.Version = Exchange2003 }, "unknown Exchange version", false},
		{"subject blank", func(p *RequestParams) { p.SubjectName = " " }, "the subject name is empty", false},
		{"subject line break", func(p *RequestParams) { p.SubjectName = "CN=a\rb" }, "the subject name contains a line break", false},
		{"path", func(p *RequestParams) { p.RequestPath = "a.req" }, "request path:", false},
		{"domain", func(p *RequestParams) { p.DomainNames = []string{"a", "b_c"} }, `domain name "b_c"`, false},
		{"server", func(p *RequestParams) { p.Server = "EX 1" }, `server name "EX 1"`, false},
		{"2007 with server", func(p *RequestParams) { p.Version, p.Server = Exchange2007, "EX1" }, "run this on EX1 itself.\nNew-ExchangeCertificate -GenerateRequest -Path", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base
			tt.f(&p)
			got, err := RequestCommand(p)
			switch {
			case tt.ok && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.ok && !strings.Contains(got, tt.want):
				t.Fatalf("command %q, want it to contain %q", got, tt.want)
			case tt.ok && tt.name == "no names" && strings.Contains(got, "-DomainName"):
				t.Fatalf("command %q has -DomainName", got)
			case !tt.ok && err == nil:
				t.Fatalf("accepted: %s", got)
			case !tt.ok && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestValidateProblems checks every problem Validate reports, with its
// line, for the constructs its tokenizer handles: continuations, comments,
// strings over several lines, brackets, pipelines, assignments, functions.
func TestValidateProblems(t *testing.T) {
	bad := "Import-ExchangeCertificate -FileName 'x'" // no -FileName in 2016
	tests := []struct {
		name   string
		script string
		want   []string // "line: problem"
	}{
		{"continuation", "Get-ExchangeCertificate `\n  -Thumbprint AB `\n  -Server 'EX1'\n" + bad + "\n",
			[]string{"4: Import-ExchangeCertificate -FileName does not exist in Exchange 2016 (exists in 2013)"}},
		{"continuation CRLF", "Get-ExchangeCertificate `\r\n  -Foo AB\r\n",
			[]string{"2: Get-ExchangeCertificate has no parameter -Foo"}},
		{"continuation at the end", "Get-ExchangeCertificate `\n", nil},
		{"continuation with CR at the end", "Get-ExchangeCertificate `\r", nil},
		{"continuation then command", "Write-Host 'a' `\n\n" + bad + "\n",
			[]string{"3: Import-ExchangeCertificate -FileName does not exist in Exchange 2016 (exists in 2013)"}},
		{"backtick not at the end", "Write-Host `$x -Foo\n", []string{"1: Write-Host has no parameter -Foo"}},
		{"comment", "# Get-Foo -Bar\n" + bad + " # -Baz\n", []string{"2: Import-ExchangeCertificate -FileName does not exist in Exchange 2016 (exists in 2013)"}},
		{"comment at the end", "Get-ExchangeCertificate # no newline", nil},
		{"block comment", "<# Get-Foo\n\n#>\n" + bad + "\n", []string{"4: Import-ExchangeCertificate -FileName does not exist in Exchange 2016 (exists in 2013)"}},
		{"block comment then command", "<# a #>Get-Foo\n", []string{"1: Get-Foo is not in exchcert's cmdlet table"}},
		{"block comment unterminated", "Get-Foo\n<# never\n", []string{"1: Get-Foo is not in exchcert's cmdlet table", "2: unterminated block comment"}},
		{"string over lines", "Write-Host 'a\nb'\n" + bad + "\n", []string{"3: Import-ExchangeCertificate -FileName does not exist in Exchange 2016 (exists in 2013)"}},
		{"double-quoted escape", "Write-Host \"a`\"b\" -Foo\n", []string{"1: Write-Host has no parameter -Foo"}},
		{"doubled quote", "Write-Host 'it''s' -Foo\n", []string{"1: Write-Host has no parameter -Foo"}},
		{"services values", "Enable-ExchangeCertificate -Thumbprint AB -Services 'IIS, Foo,,SMTP' -Force\n",
			[]string{"1: -Services value Foo does not exist in Exchange 2016 (valid: None, IMAP, POP, UM, IIS, SMTP, Federation, UMCallRouter)"}},
		{"services bare", "Enable-ExchangeCertificate -Services IIS,Bar -Thumbprint AB\n",
			[]string{"1: -Services value Bar does not exist in Exchange 2016 (valid: None, IMAP, POP, UM, IIS, SMTP, Federation, UMCallRouter)"}},
		{"services end at the line", "Enable-ExchangeCertificate -Thumbprint AB -Services IIS\nWrite-Host Foo\n", nil},
		{"services end at a semicolon", "Enable-ExchangeCertificate -Services IIS; Write-Host 'Foo'\n", nil},
		{"services end at a pipe", "Enable-ExchangeCertificate -Services IIS | Format-List Foo\n", nil},
		{"services end at a variable", "Enable-ExchangeCertificate -Services IIS -Thumbprint $x 'Foo'\n", nil},
		{"pipe continues", "Get-ExchangeCertificate |\n  Format-List -Foo\n", []string{"2: Format-List has no parameter -Foo"}},
		{"comma continues", "Format-List -Property a,\n  b -Foo\n", []string{"2: Format-List has no parameter -Foo"}},
		{"semicolon", "Write-Host 'a'; Get-Foo\n", []string{"1: Get-Foo is not in exchcert's cmdlet table"}},
		{"assignment", "$a = Get-Foo\n", []string{"1: Get-Foo is not in exchcert's cmdlet table"}},
		{"type literal", "[System.IO.File]::ReadAllBytes('x') -Foo\n", []string{"1: unknown operator -Foo"}},
		{"type literal nested", "[System.Collections.Generic.List[string]]::new() -Bar\n", []string{"1: unknown operator -Bar"}},
		{"type literal unbalanced", "[a\nb]\n", []string{"1: unbalanced '['"}},
		{"subexpression", "Write-Host $(Get-Foo) @(Get-Bar)\n", []string{"1: Get-Foo is not in exchcert's cmdlet table", "1: Get-Bar is not in exchcert's cmdlet table"}},
		{"parenthesised expression member", "(Get-ExchangeCertificate).Thumbprint -Baz\n", []string{"1: unknown operator -Baz"}},
		{"unbalanced close", "Write-Host 'a')\n", []string{"1: unbalanced ')'"}},
		{"mismatched close", "Write-Host ('a'}\n", []string{"1: unbalanced '}'"}},
		{"unclosed", "if ($a) {\n", []string{"2: unclosed '{'"}},
		{"number", "1 -Foo\n", []string{"1: unknown operator -Foo"}},
		{"numbers 0 and 9", "0 -Foo\n9 -Bar\n", []string{"1: unknown operator -Foo", "2: unknown operator -Bar"}},
		{"type literal alone", "[int] -Foo\n", []string{"1: unknown operator -Foo"}},
		{"parameter letters", "Write-Host -A -Z -a -z\n", []string{"1: Write-Host has no parameter -A", "1: Write-Host has no parameter -Z", "1: Write-Host has no parameter -a", "1: Write-Host has no parameter -z"}},
		{"not parameters", "Write-Host -@x -`x -0\n", nil},
		{"not", "-not $a -Foo\n", []string{"1: unknown operator -Foo"}},
		{"unknown command", "certutil -f\n", []string{"1: unknown command certutil"}},
		{"external wrong version", "servermanagercmd -ip x.xml\n", []string{"1: servermanagercmd is not available with Exchange 2016"}},
		{"function", "function Show-It { Write-Host 'x' }\nShow-It -Anything 1\n", nil},
		{"cmdlet missing in the version", "Set-ClientAccessServer -Identity x\n",
			[]string{"1: Set-ClientAccessServer does not exist in Exchange 2016 (exists in 2007|2010|2013)", "1: Set-ClientAccessServer -Identity does not exist in Exchange 2016 (exists in 2007|2010|2013)"}},
		{"parameter with colon", "Remove-ExchangeCertificate -Thumbprint AB -Confirm:$false -Foo:1\n", []string{"1: Remove-ExchangeCertificate has no parameter -Foo"}},
		{"dash alone", "Write-Host - 'a'\n", nil},
		{"digit parameter", "Write-Host -1\n", nil},
		{"several", "Get-Foo\nGet-Bar\n", []string{"1: Get-Foo is not in exchcert's cmdlet table", "2: Get-Bar is not in exchcert's cmdlet table"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			if err := Validate(tt.script, Exchange2016); err != nil {
				var se ScriptErrors
				if !errors.As(err, &se) {
					t.Fatalf("Validate = %v", err)
				}
				for _, p := range se {
					got = append(got, fmt.Sprintf("%d: %s", p.Line, p.Problem))
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestBindSMTPOnly: with SMTP alone there is no first Enable step for the
// other services, only SMTP's own.
func TestBindSMTPOnly(t *testing.T) {
	in := BindInput{Version: Exchange2016, Server: "EXCH2", Thumbprint: strings.Repeat("A", 40), URLHost: "mail.acme.com", Names: []string{"mail.acme.com", "autodiscover.acme.com"}, Services: []string{"SMTP"}}
	b, err := BindScript(in)
	if err != nil {
		t.Fatal(err)
	}
	var enables []string
	for _, l := range strings.Split(b.Script, "\n") {
		if strings.HasPrefix(l, "Enable-ExchangeCertificate") {
			enables = append(enables, l)
		}
	}
	if len(enables) != 1 || !strings.Contains(enables[0], "-Services SMTP") {
		t.Errorf("Enable lines %q, want SMTP's alone", enables)
	}
}

// TestVerifyPFXChainMismatch: a chain certificate that differs from the
// one in the PFX is named by its 1-based position.
func TestVerifyPFXChainMismatch(t *testing.T) {
	leaf, inter, root := testChain(t)
	other, err := testpki.NewRoot("Other Root")
	if err != nil {
		t.Fatal(err)
	}
	pw := []byte("Passw0rd")
	der, err := EncodePFX(leaf.Key, leaf.Cert, []*x509.Certificate{inter.Cert.Cert, root.Cert.Cert}, pw, PFXModern)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyPFX(der, pw, leaf.Key, leaf.Cert, []*x509.Certificate{inter.Cert.Cert, root.Cert.Cert}); err != nil {
		t.Fatalf("the chain written: %v", err)
	}
	err = VerifyPFX(der, pw, leaf.Key, leaf.Cert, []*x509.Certificate{inter.Cert.Cert, other.Cert.Cert})
	if err == nil || err.Error() != "chain certificate 2 differs after decoding" {
		t.Errorf("another root: %v", err)
	}
}

// TestPFXEncodingZero: the zero PFXEncoding is no encoding, so a caller
// that forgets to choose one is refused rather than given one.
func TestPFXEncodingZero(t *testing.T) {
	var zero PFXEncoding
	if zero.String() != "" || slices.Contains(PFXEncodings, zero) {
		t.Errorf("the zero PFXEncoding is %q", zero)
	}
	leaf, _, _ := testChain(t)
	if _, err := EncodePFX(leaf.Key, leaf.Cert, nil, []byte("Passw0rd"), zero); err == nil || err.Error() != "unknown PFX encoding 0" {
		t.Errorf("EncodePFX with no encoding: %v", err)
	}
}

// TestSHA2Note: only Windows Server 2003 needs a note, and only for a
// chain with a SHA-2 signature in it.
func TestSHA2Note(t *testing.T) {
	sha1 := &x509.Certificate{SignatureAlgorithm: x509.SHA1WithRSA}
	sha256 := &x509.Certificate{SignatureAlgorithm: x509.SHA256WithRSA, Subject: pkix.Name{CommonName: "Test Root"}}
	if got := SHA2Note(Windows2003, []*x509.Certificate{sha1, sha256}); !strings.HasPrefix(got, `"CN=Test Root" is signed with SHA256-RSA: Windows Server 2003 SP2 can use it only with the SHA-2 update KB968730`) {
		t.Errorf("2003, SHA-256: %q", got)
	}
	if got := SHA2Note(Windows2003, []*x509.Certificate{sha1}); got != "" {
		t.Errorf("2003, SHA-1 only: %q", got)
	}
	for _, w := range []Windows{Windows2008, Windows2008R2, Windows2012, Windows2016} {
		if got := SHA2Note(w, []*x509.Certificate{sha256}); got != "" {
			t.Errorf("%v: %q", w, got)
		}
	}
}
