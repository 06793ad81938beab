package exchange

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		v       Version
		script  string
		problem string // substring of the first problem; "" for valid
	}{
		{"import E10 FileData", Exchange2010, "Import-ExchangeCertificate -Server 'EX01' -FileData ([System.IO.File]::ReadAllBytes('C:\\x.pfx')) -Password (Read-Host -AsSecureString 'PFX password')\n", ""},
		{"import E16 FileName removed", Exchange2016, "Import-ExchangeCertificate -FileName '\\\\fs\\c\\x.pfx'\n", "Import-ExchangeCertificate -FileName does not exist in Exchange 2016 (exists in 2013)"},
		{"import E13 FileName", Exchange2013, "Import-ExchangeCertificate -FileName '\\\\fs\\c\\x.pfx'\n", ""},
		{"import E07 Path", Exchange2007, "Import-ExchangeCertificate -Path 'C:\\x.pfx'\n", ""},
		{"import E10 Path", Exchange2010, "Import-ExchangeCertificate -Path 'C:\\x.pfx'\n", "-Path does not exist in Exchange 2010"},
		{"E07 no Server", Exchange2007, "Enable-ExchangeCertificate -Server EX01 -Thumbprint AB -Services IIS\n", "-Server does not exist in Exchange 2007"},
		{"SCP E16 old cmdlet", Exchange2016, "Set-ClientAccessServer -Identity EX01 -AutoDiscoverServiceInternalUri 'https://a/x'\n", "Set-ClientAccessServer does not exist in Exchange 2016"},
		{"SCP E13 new cmdlet", Exchange2013, "Set-ClientAccessService -Identity EX01 -AutoDiscoverServiceInternalUri 'https://a/x'\n", "Set-ClientAccessService does not exist in Exchange 2013"},
		{"unknown parameter", Exchange2019, "Enable-ExchangeCertificate -Thumbprint AB -Servics IIS\n", "has no parameter -Servics"},
		{"unknown cmdlet", Exchange2019, "Get-Foo\n", "Get-Foo is not in exchcert's cmdlet table"},
		{"alias", Exchange2019, "Get-ExchangeCertificate | fl\n", "unknown command fl"},
		{"services value", Exchange2007, "Enable-ExchangeCertificate -Thumbprint AB -Services IIS,Federation\n", "-Services value Federation does not exist in Exchange 2007"},
		{"services quoted", Exchange2010, "Enable-ExchangeCertificate -Thumbprint AB -Services 'IIS,POP, UMCallRouter'\n", "-Services value UMCallRouter"},
		{"comments ignored", Exchange2016, "# Import-ExchangeCertificate -FileName x\n<# Set-ClientAccessServer\n #>\nGet-ExchangeCertificate\n", ""},
		{"string not a command", Exchange2016, "Write-Warning 'Set-ClientAccessServer -Foo is old'\n", ""},
		{"pipeline and block", Exchange2016, "Get-ExchangeCertificate -Thumbprint AB | Where-Object { $_.Status -eq 'Valid' -and $_.HasPrivateKey } | Format-List Thumbprint,Services\n", ""},
		{"bad operator", Exchange2016, "if ($a -equals 'b') { Write-Host 'x' }\n", "unknown operator -equals"},
		{"param in subexpression", Exchange2016, "Import-ExchangeCertificate -FileData ([System.IO.File]::ReadAllBytes('C:\\a')) -Password (Read-Host -Secure 'x')\n", "Read-Host has no parameter -Secure"},
		{"switch with value", Exchange2016, "Remove-ExchangeCertificate -Thumbprint AB -Confirm:$false\n", ""},
		{"external", Exchange2010, "iisreset /noforce\n", ""},
		{"if else", Exchange2010, "if ($x) {\n  Write-Host 'a'\n} else {\n  Write-Warning 'b'\n}\n", ""},
		{"unbalanced", Exchange2010, "Write-Host ('a'\n", "unclosed"},
		{"unterminated", Exchange2010, "Write-Host 'a\n", "unterminated string"},
		{"assignment", Exchange2019, "$c = Get-ExchangeCertificate -Server 'EX01' -Thumbprint AB\n", ""},
		{"assignment bad", Exchange2007, "$c = Get-ExchangeCertificate -Server 'EX01'\n", "Get-ExchangeCertificate -Server does not exist in Exchange 2007"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.script, tt.v)
			if tt.problem == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var se ScriptErrors
			if !errors.As(err, &se) {
				t.Fatalf("Validate = %v, want ScriptErrors containing %q", err, tt.problem)
			}
			if !strings.Contains(se[0].Problem, tt.problem) {
				t.Fatalf("first problem %q, want %q", se[0].Problem, tt.problem)
			}
		})
	}
}

func TestValidateLineNumbers(t *testing.T) {
	err := Validate("Get-ExchangeCertificate\n\n# x\nImport-ExchangeCertificate -FileName 'a'\n", Exchange2019)
	var se ScriptErrors
	if !errors.As(err, &se) || len(se) != 1 || se[0].Line != 4 || se[0].Text != "Import-ExchangeCertificate -FileName 'a'" {
		t.Fatalf("got %#v", err)
	}
}

// The table must agree with the version-dependent facts of Microsoft's cmdlet
// pages (srcCmdletRef and the Exchange 2007 pages in cmdlets.go).
func TestTableFacts(t *testing.T) {
	facts := []struct {
		cmdlet, param string
		want          Versions
	}{
		{"New-ExchangeCertificate", "Path", e07},
		{"New-ExchangeCertificate", "RequestFile", e13},
		{"New-ExchangeCertificate", "Server", from2010},
		{"Import-ExchangeCertificate", "Path", e07},
		{"Import-ExchangeCertificate", "FileData", from2010},
		{"Import-ExchangeCertificate", "FileName", e13},
		{"Import-ExchangeCertificate", "PrivateKeyExportable", from2010},
		{"Enable-ExchangeCertificate", "Identity", from2013},
		{"Set-ClientAccessServer", "AutoDiscoverServiceInternalUri", e07 | e10 | e13},
		{"Set-ClientAccessService", "AutoDiscoverServiceInternalUri", from2016},
		{"Set-MapiVirtualDirectory", "InternalUrl", from2013},
		{"Set-PopSettings", "X509CertificateName", all},
	}
	for _, f := range facts {
		c := LookupCmdlet(f.cmdlet)
		if c == nil {
			t.Fatalf("%s missing", f.cmdlet)
		}
		for _, v := range Targets {
			if got := c.HasParam(f.param, v); got != f.want.Has(v) {
				t.Errorf("%s -%s in %s: %v, want %v", f.cmdlet, f.param, v.Title(), got, f.want.Has(v))
			}
		}
	}
	for _, c := range Cmdlets() {
		if c.Source == "" {
			t.Errorf("%s has no source", c.Name)
		}
		for p, vs := range c.Params {
			if vs&^c.Versions != 0 {
				t.Errorf("%s -%s claims versions (%s) the cmdlet does not exist in (%s)", c.Name, p, vs, c.Versions)
			}
		}
	}
}

func TestRequestCommand(t *testing.T) {
	base := RequestParams{
		SubjectName:  "C=GB,O=ACME,CN=exch2.acme.com",
		DomainNames:  []string{"exch2.acme.com", "autodiscover.acme.com", "*.acme.com"},
		KeySize:      2048,
		FriendlyName: "exch2 2026",
		Server:       "EXCH2",
		RequestPath:  `C:\certs\exch2.req`,
	}
	want := map[Version]string{
		Exchange2007: "# Exchange 2007 has no -Server on its certificate cmdlets: run this on EXCH2 itself.\n" +
			"New-ExchangeCertificate -GenerateRequest -Path 'C:\\certs\\exch2.req' -SubjectName 'C=GB,O=ACME,CN=exch2.acme.com' -DomainName 'exch2.acme.com','autodiscover.acme.com','*.acme.com' -KeySize 2048 -PrivateKeyExportable $true -FriendlyName 'exch2 2026'\n",
		Exchange2016: "$req = New-ExchangeCertificate -Server 'EXCH2' -GenerateRequest -SubjectName 'C=GB,O=ACME,CN=exch2.acme.com' -DomainName 'exch2.acme.com','autodiscover.acme.com','*.acme.com' -KeySize 2048 -PrivateKeyExportable $true -FriendlyName 'exch2 2026'\n" +
			"[System.IO.File]::WriteAllText('C:\\certs\\exch2.req', [string]$req, [System.Text.Encoding]::ASCII)\n",
	}
	for _, v := range Targets {
		p := base
		p.Version = v
		got, err := RequestCommand(p)
		if err != nil {
			t.Fatalf("%s: %v", v.Title(), err)
		}
		if w, ok := want[v]; ok && got != w {
			t.Errorf("%s:\ngot  %s\nwant %s", v.Title(), got, w)
		}
		if err := Validate(got, v); err != nil {
			t.Errorf("%s: %v", v.Title(), err)
		}
		if err := CheckSyntax(got); err != nil {
			t.Errorf("%s: %v", v.Title(), err)
		}
		if strings.Contains(got, "-RequestFile") {
			t.Errorf("%s: uses -RequestFile", v.Title())
		}
	}
	p := base
	p.Version = Exchange2010
	p.Server = ""
	got, _ := RequestCommand(p)
	if strings.Contains(got, "-Server") {
		t.Errorf("no server given, got %s", got)
	}
	p.FriendlyName = "O'Brien"
	got, _ = RequestCommand(p)
	if !strings.Contains(got, "-FriendlyName 'O''Brien'") {
		t.Errorf("quote not doubled: %s", got)
	}

	bad := []func(*RequestParams){
		func(p *RequestParams) { p.Version = None },
		func(p *RequestParams) { p.SubjectName = "" },
		func(p *RequestParams) { p.KeySize = 3072 },
		func(p *RequestParams) { p.FriendlyName = strings.Repeat("x", 64) },
		func(p *RequestParams) { p.RequestPath = "exch2.req" },
		func(p *RequestParams) { p.RequestPath = `C:exch2.req` },
		func(p *RequestParams) { p.RequestPath = `\\server` },
		func(p *RequestParams) { p.DomainNames = []string{"exch_2.acme.com"} },
		func(p *RequestParams) { p.Server = "EX 01" },
		func(p *RequestParams) { p.SubjectName = "CN=a\nRemove-Item x" },
	}
	for i, f := range bad {
		p := base
		p.Version = Exchange2019
		f(&p)
		if got, err := RequestCommand(p); err == nil {
			t.Errorf("case %d: no error, got %s", i, got)
		}
	}
}

func TestCheckWindowsPath(t *testing.T) {
	for _, ok := range []string{`C:\certs\a.pfx`, `d:\a b\c.cer`, `\\fs01\certs\a.pfx`, `\\fs01.acme.com\c$\x\a.p7b`} {
		if err := CheckWindowsPath(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a.pfx", `certs\a.pfx`, `C:a.pfx`, `C:\`, `\\fs01\certs`, `/tmp/a.pfx`, `C:\a\b.pfx:ads`, "C:\\a\nb"} {
		if err := CheckWindowsPath(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Validate never panics or loops, whatever it is given.
func FuzzValidate(f *testing.F) {
	golden, _ := filepath.Glob(filepath.Join("testdata", "bind", "*.ps1"))
	for _, name := range golden {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(string(data))
		}
	}
	f.Add("if ($a -eq 'b') { Get-ExchangeCertificate | Format-List } else { iisreset /noforce }\n")
	f.Add("[System.IO.File]::ReadAllBytes('C:\\x') `\n-Force\n<# x #>\n")
	f.Add("@{ a = 1 }; $(Get-Service x); \"a`\"b\"; [a[b]]::c")
	f.Fuzz(func(t *testing.T, s string) {
		_ = Validate(s, Exchange2016)
	})
}

// CheckSyntax finds each kind of token-level mistake, and passes what
// exchcert writes (TestBindScriptsValidEverywhere runs it over every script).
func TestCheckSyntax(t *testing.T) {
	good := []string{
		"$a = 'x'\nWrite-Host \"value: $a\"\n",
		"Write-Host \"$($env:COMPUTERNAME) `$5 and $_ \"\n",
		"Get-Service 'a' |\n    Restart-Service\n",
		"Write-Host `\n    'continued'\n",
		"$x = @\"\nline $x\n\"@\nWrite-Host $x\n",
		"$y = @'\nno $expansion here\n'@\n",
		"# a comment with ' and \" and ( unbalanced\n<# block ' \" ( #>\nWrite-Host 'it''s'\n",
		"if ((Get-Item 'x').Name -eq 'x') { $a = @(1, 2)[0] }\n",
		"Write-Host 'it\u2019\u2019s' \u2018typographic\u2019 \u201Cdouble\u201D\n",
	}
	for _, s := range good {
		if err := CheckSyntax(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	bad := map[string]string{
		"Write-Host 'open\n":                          "unterminated single-quoted string",
		"Write-Host \"open\n":                         "unterminated double-quoted string",
		"Write-Host \"cost: $5\"\n":                   "bare $",
		"Write-Host \"$undefined here\"\n":            "$undefined inside a double-quoted string",
		"Write-Host \"$(Get-Date\"\n":                 "unterminated $(",
		"if ($a) { Write-Host 'x'\n":                  "'{' is never closed",
		"Write-Host ('x'))\n":                         "')' closes nothing",
		"Write-Host @(1, 2]\n":                        "']' closes nothing",
		"$x = @\"\nnever closed\n":                    "here-string @\" is never closed",
		"$x = @'\nnever closed\n '@\n":                "here-string @' is never closed",
		"Write-Host 'a' ` \n'b'\n":                    "backtick followed by a space",
		"Write-Host 'a' `\n\nWrite-Host 'b'\n":        "continuation followed by nothing",
		"Write-Host 'a' `\n# comment\n":               "continuation followed by nothing",
		"Write-Host 'a' `":                            "end of the script",
		"Get-Service 'a' |\n":                         "ends with a pipe",
		"<# never closed\nWrite-Host 'a'\n":           "unterminated block comment",
		"$h = @{ a = 1 \nWrite-Host $h\n":             "'{' is never closed",
		"Write-Host \"ok\" \"$(1 + (2)\" 'x'\n":       "unterminated $(",
		"Set-X -Identity \"EXCH2\\owa $old\"\n":       "$old inside a double-quoted string",
		"[System.IO.File]::ReadAllBytes('x'\n":        "'(' is never closed",
		"Write-Host \"a\" + \"b\nWrite-Host 'c'\n":    "unterminated double-quoted string",
		"Write-Host 'x'\n}\n":                         "'}' closes nothing",
		"Write-Host \"tab `t ok\" \"end $\"\n":        "bare $",
		"Write-Host \"${braced}\" \"$(ok)\" \"$5\"\n": "bare $",
		// A typographic quote ends a PowerShell string like an ASCII one.
		"Write-Host 'it\u2019s'\n":   "unterminated single-quoted string",
		"Write-Host \"a\u201D b\"\n": "unterminated double-quoted string",
	}
	for s, want := range bad {
		err := CheckSyntax(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", s, err, want)
		}
	}
}
