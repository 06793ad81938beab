package acme_test

import (
	"strings"
	"testing"

	"github.com/exchcert/exchcert/acme"
)

func scheduleTask() acme.Task {
	return acme.Task{
		Name: "exchcert renew mail.acme.com",
		Exe:  `C:\Program Files\exchcert\exchcert.exe`,
		Args: []string{"acme", "renew", "--plan", `C:\exchcert\acme.plan.json`, "--http-webroot", `C:\inetpub\wwwroot`,
			"--windows", "2019", "--password-file", `C:\exchcert\pfx.pass`, "--state-dir", `C:\exchcert`, "--out-dir", `C:\exchcert\out`, "--deploy"},
		At:           "03:17",
		PasswordFile: `C:\exchcert\pfx.pass`,
	}
}

func TestScheduleGolden(t *testing.T) {
	named := scheduleTask()
	named.RunAs = `ACME\svc-exchcert`
	short := scheduleTask()
	short.Exe = `C:\exchcert\exchcert.exe`
	short.Args = []string{"acme", "renew", "--plan", `C:\exchcert\p.json`, "--dns", "cloudflare", "--password-file", `C:\exchcert\pfx.pass`}
	for _, tc := range []struct {
		name string
		task acme.Task
	}{
		{"system", scheduleTask()},
		{"account", named},
		{"short", short},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := tc.task.PowerShell()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "schedule/"+tc.name+".ps1", []byte(ps))
			cmd, err := tc.task.Schtasks()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "schedule/"+tc.name+".cmd", []byte(cmd))
			if strings.Contains(ps+cmd, "--password ") || strings.Contains(ps+cmd, "--password-env") {
				t.Error("a password on the command line")
			}
			long := len(`"`+tc.task.Exe+`" `+tc.task.CommandLine()) > 261
			if got := strings.Contains(cmd, "WARNING: the command is"); got != long {
				t.Errorf("length warning %v, want %v", got, long)
			}
		})
	}
}

func TestScheduleRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*acme.Task)
		want   string
	}{
		{"no password file", func(t *acme.Task) { t.PasswordFile = "" }, "--password-file"},
		{"relative password file", func(t *acme.Task) { t.PasswordFile = `pfx.pass` }, "--password-file"},
		{"relative program", func(t *acme.Task) { t.Exe = `exchcert.exe` }, "program path"},
		{"bad time", func(t *acme.Task) { t.At = "3am" }, "HH:MM"},
		{"bad account", func(t *acme.Task) { t.RunAs = "a b" }, "account"},
		{"bad name", func(t *acme.Task) { t.Name = `a"b` }, "task name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			task := scheduleTask()
			tc.change(&task)
			if _, err := task.PowerShell(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("PowerShell: %v, want %q", err, tc.want)
			}
			if _, err := task.Schtasks(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Schtasks: %v, want %q", err, tc.want)
			}
		})
	}
}

func TestWindowsArg(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:            `plain`,
		`C:\a b\c`:         `"C:\a b\c"`,
		``:                 `""`,
		`say "hi"`:         `"say \"hi\""`,
		`C:\dir with\`:     `"C:\dir with\\"`,
		`a\"b`:             `"a\\\"b"`,
		`C:\no\spaces.txt`: `C:\no\spaces.txt`,
	} {
		if got := acme.WindowsArg(in); got != want {
			t.Errorf("WindowsArg(%q) = %s, want %s", in, got, want)
		}
	}
}
