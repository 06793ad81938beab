package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/exchcert/exchcert/acme"
	"github.com/exchcert/exchcert/exchange"
)

// scheduleOnly are the flags of acme schedule that are not passed on to
// the scheduled acme renew.
var scheduleOnly = map[string]bool{"run-as": true, "at": true, "task-name": true, "exe": true, "format": true}

// pathFlags name files or folders: the task starts in
// C:\Windows\System32, so they must be absolute.
var pathFlags = []string{"plan", "password-file", "state-dir", "out-dir", "http-webroot", "key", "roots", "server-root"}

func newAcmeScheduleCmd(a *app) *cobra.Command {
	o := &acmeOptions{renew: true}
	var runAs, at, name, exe, format string
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "Print the commands that run 'acme renew' daily from Task Scheduler",
		Long: `Schedule prints, and does not run, the Windows PowerShell commands
(Register-ScheduledTask) and the equivalent schtasks command that create a
daily task running 'exchcert acme renew' with the flags given here, as
SYSTEM or as a named account (--run-as DOMAIN\user; its Windows password is
asked for when the task is registered).

The PFX password must come from --password-file: a scheduled task has no
one to type it, and a password on the task's command line is readable by
every administrator. Protect that file with an access list that lets only
the task's account and Administrators read it (the printed icacls command
does that). Paths must be absolute Windows paths: the task starts in
C:\Windows\System32.`,
		Example: `  # In PowerShell on the Exchange server; paste what it prints into an elevated PowerShell
  C:\exchcert\exchcert.exe acme schedule --plan C:\exchcert\acme.plan.json --http-webroot C:\inetpub\wwwroot ` + "`" + `
    --windows 2019 --password-file C:\exchcert\pfx.pass --state-dir C:\exchcert --out-dir C:\exchcert\out ` + "`" + `
    --deploy --at 03:17`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := o.plan.load(a, cmd)
			if err != nil {
				return err
			}
			if o.dns == "" && o.http == "" && o.webroot.dir == "" {
				return &usageError{errors.New("choose a challenge for the renewal: --dns PROVIDER or --http-webroot DIR")}
			}
			if o.pw.env != "" {
				return &usageError{errors.New("flag '--password-env' is incompatible with 'acme schedule': a scheduled task has no such variable; use --password-file FILE")}
			}
			for _, f := range pathFlags {
				if fl := cmd.Flags().Lookup(f); fl != nil && fl.Changed {
					if err := exchange.CheckWindowsPath(fl.Value.String()); err != nil {
						return &usageError{fmt.Errorf("--%s: %w (the task starts in C:\\Windows\\System32)", f, err)}
					}
				}
			}
			if exe == "" {
				if runtime.GOOS != "windows" {
					return &usageError{errors.New("--exe: give the absolute path of exchcert.exe on the Exchange server")}
				}
				if exe, err = os.Executable(); err != nil {
					return err
				}
			}
			if name == "" {
				name = "exchcert renew " + p.CommonName
			}
			t := acme.Task{Name: name, Exe: exe, At: at, RunAs: runAs, PasswordFile: o.pw.file, Args: append([]string{"acme", "renew"}, renewArgs(cmd.Flags())...)}
			return printTask(a.stdout, t, format)
		},
	}
	o.register(cmd)
	o.deploy.register(cmd.Flags())
	cmd.Flags().IntVar(&o.days, "days", 0, "renew when fewer than `N` days are left (default: the CA's renewal window, else a third of the lifetime)")
	cmd.Flags().StringVar(&runAs, "run-as", "SYSTEM", "`ACCOUNT` the task runs as: SYSTEM, or DOMAIN\\user (a member of Organization Management for --deploy)")
	cmd.Flags().StringVar(&at, "at", "03:17", "time of day `HH:MM` the task runs")
	cmd.Flags().StringVar(&name, "task-name", "", "`NAME` of the task (default: exchcert renew <Common Name>)")
	cmd.Flags().StringVar(&exe, "exe", "", "absolute `PATH` of exchcert.exe on the server (default: this program, on Windows)")
	cmd.Flags().StringVar(&format, "format", "both", "what to print: powershell, schtasks or both")
	cmd.MarkFlagsMutuallyExclusive("dns", "http", "http-webroot")
	return cmd
}

// renewArgs turns the flags given to acme schedule back into arguments
// for acme renew, in the order pflag lists them.
func renewArgs(fs *pflag.FlagSet) []string {
	var args []string
	fs.Visit(func(f *pflag.Flag) {
		if scheduleOnly[f.Name] {
			return
		}
		switch f.Value.Type() {
		case "bool":
			if f.Value.String() == "true" {
				args = append(args, "--"+f.Name)
			} else {
				args = append(args, "--"+f.Name+"=false")
			}
		case "stringArray":
			if sv, ok := f.Value.(pflag.SliceValue); ok {
				for _, v := range sv.GetSlice() {
					args = append(args, "--"+f.Name, v)
				}
			}
		default:
			args = append(args, "--"+f.Name, f.Value.String())
		}
	})
	return args
}

func printTask(w io.Writer, t acme.Task, format string) error {
	var parts []string
	switch format {
	case "powershell", "both", "schtasks":
	default:
		return &usageError{fmt.Errorf("--format %q: want powershell, schtasks or both", format)}
	}
	if format != "schtasks" {
		s, err := t.PowerShell()
		if err != nil {
			return &usageError{err}
		}
		parts = append(parts, s)
	}
	if format != "powershell" {
		s, err := t.Schtasks()
		if err != nil {
			return &usageError{err}
		}
		if format == "both" {
			s = "\n# Or, from cmd.exe:\n" + s
		}
		parts = append(parts, s)
	}
	for _, s := range parts {
		if _, err := io.WriteString(w, s); err != nil {
			return err
		}
	}
	return nil
}
