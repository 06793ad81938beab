package acme

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/exchcert/exchcert/exchange"
)

// Sources for the scheduled-task commands.
const (
	srcRegisterTask  = "https://learn.microsoft.com/powershell/module/scheduledtasks/register-scheduledtask"
	srcTaskPrincipal = "https://learn.microsoft.com/powershell/module/scheduledtasks/new-scheduledtaskprincipal"
	srcTaskSettings  = "https://learn.microsoft.com/powershell/module/scheduledtasks/new-scheduledtasksettingsset"
	srcSchtasks      = "https://learn.microsoft.com/windows-server/administration/windows-commands/schtasks-create"
	srcIcacls        = "https://learn.microsoft.com/windows-server/administration/windows-commands/icacls"
	srcCmdLine       = "https://learn.microsoft.com/cpp/c-language/parsing-c-command-line-arguments"
)

// schtasksMaxTR is the longest /TR value schtasks accepts (srcSchtasks).
const schtasksMaxTR = 261

// Task is a daily scheduled task that runs exchcert acme renew.
type Task struct {
	Name         string   // task name, e.g. "exchcert renew mail.acme.com"
	Exe          string   // absolute Windows path of exchcert.exe
	Args         []string // arguments after the program: acme renew ...
	At           string   // time of day, HH:MM (24 h)
	RunAs        string   // SYSTEM, or a named account DOMAIN\user
	PasswordFile string   // the PFX password file the task reads (must be protected)
}

// timeOfDay matches Task.At; compiled when first needed, not at every
// start of exchcert.
var timeOfDay = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`) })

// IsSystem reports whether the task runs as the local SYSTEM account.
func (t Task) IsSystem() bool {
	switch strings.ToUpper(t.RunAs) {
	case "", "SYSTEM", `NT AUTHORITY\SYSTEM`:
		return true
	}
	return false
}

// Check refuses what would make a broken task.
func (t Task) Check() error {
	if err := exchange.CheckWindowsPath(t.Exe); err != nil {
		return fmt.Errorf("program path: %w", err)
	}
	if !timeOfDay().MatchString(t.At) {
		return fmt.Errorf("time of day %q: want HH:MM, 24-hour (e.g. 03:17)", t.At)
	}
	if t.PasswordFile == "" {
		return errors.New("the task needs --password-file FILE: a scheduled task has no one to type the PFX password, and a password in the task's command line is readable by every administrator")
	}
	if err := exchange.CheckWindowsPath(t.PasswordFile); err != nil {
		return fmt.Errorf("--password-file: %w", err)
	}
	if strings.TrimSpace(t.Name) == "" || strings.ContainsAny(t.Name, `"'\/:*?<>|`+"\r\n") {
		return fmt.Errorf("task name %q: use letters, digits, spaces, dots and dashes", t.Name)
	}
	if !t.IsSystem() && !regexp.MustCompile(`^[A-Za-z0-9._-]+\\[A-Za-z0-9._$-]+$|^[A-Za-z0-9._$-]+@[A-Za-z0-9.-]+$`).MatchString(t.RunAs) {
		return fmt.Errorf("account %q: want SYSTEM, DOMAIN\\user or user@domain", t.RunAs)
	}
	return nil
}

// CommandLine is the task's arguments as one Windows command line,
// quoted the way the C runtime parses it (srcCmdLine).
func (t Task) CommandLine() string {
	q := make([]string, len(t.Args))
	for i, a := range t.Args {
		q[i] = WindowsArg(a)
	}
	return strings.Join(q, " ")
}

// PowerShell returns the Register-ScheduledTask commands.
func (t Task) PowerShell() (string, error) {
	if err := t.Check(); err != nil {
		return "", err
	}
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# Daily renewal of the Exchange certificate with exchcert, as %s.", t.account())
	p("# Run once in an elevated Windows PowerShell on the Exchange server.")
	p("# Sources: %s", srcRegisterTask)
	p("#          %s", srcTaskPrincipal)
	p("#          %s", srcTaskSettings)
	t.passwordFileNote(p)
	p("$action = New-ScheduledTaskAction -Execute %s -Argument %s -WorkingDirectory %s", exchange.PSQuote(t.Exe), exchange.PSQuote(t.CommandLine()), exchange.PSQuote(windowsDir(t.Exe)))
	p("$trigger = New-ScheduledTaskTrigger -Daily -At %s", exchange.PSQuote(t.At))
	p("# StartWhenAvailable: a missed run (the server was down) starts as soon as it can; IgnoreNew: never two renewals at once.")
	p("$settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -MultipleInstances IgnoreNew -ExecutionTimeLimit (New-TimeSpan -Hours 2)")
	if t.IsSystem() {
		p("$principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest")
		p("Register-ScheduledTask -TaskName %s -Action $action -Trigger $trigger -Settings $settings -Principal $principal", exchange.PSQuote(t.Name))
	} else {
		p("# The account's Windows password is asked for here and stored by Task Scheduler (\"Run whether user is logged on or not\"); it is not the PFX password.")
		p("$cred = Get-Credential -UserName %s -Message 'Password of the account the renewal runs as'", exchange.PSQuote(t.RunAs))
		p("Register-ScheduledTask -TaskName %s -Action $action -Trigger $trigger -Settings $settings -RunLevel Highest -User $cred.UserName -Password $cred.GetNetworkCredential().Password", exchange.PSQuote(t.Name))
	}
	p("# Test it now, then read the result (LastTaskResult 0 = renewed or not due):")
	p("Start-ScheduledTask -TaskName %s", exchange.PSQuote(t.Name))
	p("Get-ScheduledTaskInfo -TaskName %s | Format-List LastRunTime,LastTaskResult,NextRunTime", exchange.PSQuote(t.Name))
	return b.String(), nil
}

// Schtasks returns the schtasks.exe command for cmd.exe, with a note when
// the command line is longer than schtasks allows.
func (t Task) Schtasks() (string, error) {
	if err := t.Check(); err != nil {
		return "", err
	}
	tr := WindowsArg(t.Exe) + " " + t.CommandLine()
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("rem Daily renewal of the Exchange certificate with exchcert, as %s (cmd.exe, elevated).", t.account())
	p("rem Source: %s", srcSchtasks)
	if len(tr) > schtasksMaxTR {
		p("rem WARNING: the command is %d characters; schtasks /TR takes at most %d. Use the Register-ScheduledTask", len(tr), schtasksMaxTR)
		p("rem commands instead, or put the exchcert command line into a .cmd file and schedule that.")
	}
	// schtasks parses its own command line with the C runtime's rules, so
	// the quotes inside /TR are escaped with a backslash.
	trArg := `"` + strings.ReplaceAll(tr, `"`, `\"`) + `"`
	if t.IsSystem() {
		p(`schtasks /Create /TN "%s" /TR %s /SC DAILY /ST %s /RU SYSTEM /RL HIGHEST /F`, t.Name, trArg, t.At)
	} else {
		p("rem /RP * asks for the account's Windows password (not the PFX password).")
		p(`schtasks /Create /TN "%s" /TR %s /SC DAILY /ST %s /RU %s /RP * /RL HIGHEST /F`, t.Name, trArg, t.At, t.RunAs)
	}
	return b.String(), nil
}

func (t Task) account() string {
	if t.IsSystem() {
		return "SYSTEM"
	}
	return t.RunAs
}

// passwordFileNote says the password file must be protected, with the
// icacls command that leaves only the task's account and Administrators.
func (t Task) passwordFileNote(p func(string, ...any)) {
	who := "SYSTEM"
	if !t.IsSystem() {
		who = t.RunAs
	}
	p("#")
	p("# The PFX password comes from %s, never from the command line. Only %s and", t.PasswordFile, who)
	p("# Administrators may read it; this removes every other entry (%s):", srcIcacls)
	p("#   icacls %s /inheritance:r /grant:r %s /grant:r %s", WindowsArg(t.PasswordFile), WindowsArg(who+":R"), WindowsArg("BUILTIN\\Administrators:F"))
	p("")
}

// windowsDir is the folder of a Windows path.
func windowsDir(p string) string {
	i := strings.LastIndex(p, `\`)
	if i <= 2 {
		return p[:i+1]
	}
	return p[:i]
}

// WindowsArg quotes one argument so that the C runtime's command-line
// parser (srcCmdLine), which exchcert.exe's Go runtime follows, reads it
// back unchanged.
func WindowsArg(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"") {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	slashes := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			slashes++
		case '"':
			b.WriteString(strings.Repeat(`\`, slashes+1))
			slashes = 0
		default:
			slashes = 0
		}
		b.WriteByte(c)
	}
	b.WriteString(strings.Repeat(`\`, slashes))
	b.WriteByte('"')
	return b.String()
}
