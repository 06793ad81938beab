package acme_test

import (
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/exchcert/exchcert/acme"
	"github.com/exchcert/exchcert/exchange"
)

const (
	newTP = "0123456789ABCDEF0123456789ABCDEF01234567"
	oldTP = "89ABCDEF0123456789ABCDEF0123456789ABCDEF"
)

func deployFor(v exchange.Version) acme.Deploy {
	return acme.Deploy{
		Version:       v,
		BindScript:    `C:\exchcert\out\mail.acme.com.bind.ps1`,
		Thumbprint:    newTP,
		OldThumbprint: oldTP,
	}
}

func TestDeployGolden(t *testing.T) {
	type tc struct {
		name string
		d    acme.Deploy
	}
	var cases []tc
	for _, v := range exchange.Targets {
		cases = append(cases, tc{v.String(), deployFor(v)})
	}
	replace := deployFor(exchange.Exchange2019)
	replace.ReplaceSMTPDefault, replace.RemoveOld = true, true
	cases = append(cases, tc{"2019-replace-smtp-remove-old", replace})
	mbx := deployFor(exchange.Exchange2010)
	mbx.TestMailbox, mbx.Services = "admin@acme.com", []string{"IIS", "SMTP"}
	cases = append(cases, tc{"2010-test-mailbox", mbx})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := c.d.Script()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "deploy/"+c.name+".ps1", []byte(s))
			code := codeLines(s)
			switch {
			case c.d.Version == exchange.Exchange2007:
				must(t, code, "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.Admin")
				mustNot(t, code, "RemoteExchange.ps1")
			default:
				must(t, code, "RemoteExchange.ps1", "Connect-ExchangeServer -auto")
				mustNot(t, code, "Add-PSSnapin")
			}
			if c.d.Version >= exchange.Exchange2013 {
				must(t, code, "Get-TransportService")
			} else {
				must(t, code, "Get-TransportServer")
			}
			// -Force only with --replace-smtp-default; and then it is the
			// bind script's, not the wrapper's.
			for _, l := range strings.Split(code, "\n") {
				if strings.Contains(l, "Enable-ExchangeCertificate") && strings.Contains(l, "-Force") {
					t.Errorf("the wrapper adds -Force: %s", l)
				}
			}
			if !c.d.ReplaceSMTPDefault {
				must(t, code, "the default SMTP certificate changed")
			}
			// The old certificate is removed only after the read-back.
			if i, j := strings.Index(code, "Remove-ExchangeCertificate"), strings.Index(code, "$cert = Get-ExchangeCertificate -Thumbprint $new"); i >= 0 && (j < 0 || i < j) {
				t.Error("Remove-ExchangeCertificate before the read-back")
			}
			if got := strings.Contains(code, "Remove-ExchangeCertificate"); got != c.d.RemoveOld {
				t.Errorf("removes the old certificate: %v, want %v", got, c.d.RemoveOld)
			}
			if strings.Contains(s, "password") && strings.Contains(s, "-Password ") {
				t.Error("a password parameter in the wrapper")
			}
		})
	}
}

// codeLines drops the comment lines.
func codeLines(s string) string {
	var out []string
	for _, l := range strings.SplitAfter(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

func must(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("missing %q", sub)
		}
	}
}

func mustNot(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			t.Errorf("unexpected %q", sub)
		}
	}
}

func TestDeployRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*acme.Deploy)
	}{
		{"bad thumbprint", func(d *acme.Deploy) { d.Thumbprint = "xyz" }},
		{"bad old thumbprint", func(d *acme.Deploy) { d.OldThumbprint = "12" }},
		{"relative bind script", func(d *acme.Deploy) { d.BindScript = "x.bind.ps1" }},
	} {
		d := deployFor(exchange.Exchange2016)
		tc.change(&d)
		if _, err := d.Script(); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

func TestPowerShellCommandLine(t *testing.T) {
	if got, want := acme.PowerShellExe(`C:\Windows\`), `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`; got != want {
		t.Errorf("exe %s, want %s", got, want)
	}
	got := strings.Join(acme.PowerShellArgs(`C:\out\mail.acme.com.deploy.ps1`), " ")
	if want := `-NoProfile -NonInteractive -ExecutionPolicy Bypass -File C:\out\mail.acme.com.deploy.ps1`; got != want {
		t.Errorf("args %s, want %s", got, want)
	}
}

func TestRunDeployElsewhere(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("runs PowerShell on Windows")
	}
	err := acme.RunDeploy(context.Background(), "powershell.exe", nil, nil, io.Discard)
	if !errors.Is(err, acme.ErrDeployNotWindows) {
		t.Errorf("err %v, want ErrDeployNotWindows", err)
	}
}
