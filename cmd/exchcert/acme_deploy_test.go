package main

import (
	"strings"
	"testing"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/plan"
)

func TestDeployFlagsCheck(t *testing.T) {
	p2010 := &plan.Plan{Exchange: exchange.Exchange2010}
	p2019 := &plan.Plan{Exchange: exchange.Exchange2019}
	for _, tc := range []struct {
		name string
		f    deployFlags
		p    *plan.Plan
		want string // "" accepted
	}{
		{"off", deployFlags{}, p2019, ""},
		{"remove-old alone", deployFlags{removeOld: true}, p2019, "--remove-old needs --deploy"},
		{"linux", deployFlags{deploy: true, goos: "linux"}, p2019, "works only on the Exchange server"},
		{"windows 2019", deployFlags{deploy: true, goos: "windows"}, p2019, ""},
		{"windows 2010 without mailbox", deployFlags{deploy: true, goos: "windows"}, p2010, "--test-mailbox"},
		{"windows 2010 with mailbox", deployFlags{deploy: true, goos: "windows", testMailbox: "a@acme.com"}, p2010, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.f.check(tc.p)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err %v, want %q", err, tc.want)
			}
			if err != nil && exitCode(err) != 2 {
				t.Errorf("exit code %d, want 2", exitCode(err))
			}
		})
	}
}

func TestDeployServices(t *testing.T) {
	if got := strings.Join(deployServices([]string{"mail.acme.com"}), ","); got != "IIS,POP,IMAP,SMTP" {
		t.Errorf("got %s", got)
	}
	if got := strings.Join(deployServices([]string{"*.acme.com", "acme.com"}), ","); got != "IIS,SMTP" {
		t.Errorf("wildcard: got %s", got)
	}
}

func TestRenewArgs(t *testing.T) {
	a := &app{}
	cmd := newAcmeScheduleCmd(a)
	err := cmd.Flags().Parse([]string{"--fqdn", "mail.acme.com", "--dns", "route53", "--dns-resolver", "1.1.1.1:53", "--dns-resolver", "8.8.8.8:53",
		"--dns-recursive-only", "--password-file", `C:\x\pfx.pass`, "--run-as", `ACME\svc`, "--at", "01:02", "--deploy=false"})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(renewArgs(cmd.Flags()), " ")
	want := `--deploy=false --dns route53 --dns-recursive-only --dns-resolver 1.1.1.1:53 --dns-resolver 8.8.8.8:53 --fqdn mail.acme.com --password-file C:\x\pfx.pass`
	if got != want {
		t.Errorf("renew args\n got %s\nwant %s", got, want)
	}
}
