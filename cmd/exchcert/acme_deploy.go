package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/exchcert/exchcert/acme"
	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/internal/safefile"
	"github.com/exchcert/exchcert/plan"
)

// deployFlags are acme renew's flags for running the bind script after a
// renewal.
type deployFlags struct {
	deploy      bool
	replaceSMTP bool
	removeOld   bool
	testMailbox string
	goos        string // runtime.GOOS; tests set another
}

func (f *deployFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&f.deploy, "deploy", false, "after a renewal, run the bind script without questions in the Exchange Management Shell (Windows, on the Exchange server); log in --out-dir/NAME.deploy.log")
	fs.BoolVar(&f.replaceSMTP, "replace-smtp-default", false, "let the new certificate replace the default SMTP certificate (Enable-ExchangeCertificate -Force); Microsoft advises keeping the self-signed one")
	fs.BoolVar(&f.removeOld, "remove-old", false, "with --deploy: remove the replaced certificate from the server once the new one is enabled and read back")
	fs.StringVar(&f.testMailbox, "test-mailbox", "", "mailbox `ADDRESS` the Exchange 2010 bind script tests Autodiscover with (needed by --deploy for 2010)")
}

// check refuses --deploy where it cannot work, before anything is done.
func (f *deployFlags) check(p *plan.Plan) error {
	if !f.deploy {
		if f.removeOld {
			return &usageError{errors.New("--remove-old needs --deploy")}
		}
		return nil
	}
	goos := f.goos
	if goos == "" {
		goos = runtime.GOOS
	}
	if goos != "windows" {
		return &usageError{fmt.Errorf("%w: run exchcert on the Exchange server, or leave --deploy off and run the bind script there", acme.ErrDeployNotWindows)}
	}
	if p.Exchange == exchange.Exchange2010 && f.testMailbox == "" {
		return &usageError{errors.New("--deploy for Exchange 2010 needs --test-mailbox user@domain: the bind script tests Autodiscover with a mailbox")}
	}
	return nil
}

// deployServices is what the bind script enables for the certificate:
// the default services, without POP and IMAP for a wildcard (the bind
// script selects it by name there instead).
func deployServices(names []string) []string {
	for _, n := range names {
		if strings.HasPrefix(n, "*.") {
			return []string{"IIS", "SMTP"}
		}
	}
	return exchange.DefaultServices
}

// run writes NAME.deploy.ps1 next to the bind script and runs it in
// Windows PowerShell, its output appended to NAME.deploy.log. It returns
// the log's path and an error when a step failed.
func (f *deployFlags) run(ctx context.Context, a *app, p *plan.Plan, set acme.Files, rep *acme.Report, oldThumbprint string, password []byte) (string, error) {
	base := strings.TrimSuffix(set.Bind, ".bind.ps1")
	wrapper, logName := base+".deploy.ps1", base+".deploy.log"
	bind, err := filepath.Abs(set.Bind)
	if err != nil {
		return "", err
	}
	d := acme.Deploy{
		Version:            p.Exchange,
		BindScript:         bind,
		Thumbprint:         rep.Thumbprint,
		OldThumbprint:      oldThumbprint,
		Services:           deployServices(rep.Names),
		ReplaceSMTPDefault: f.replaceSMTP,
		RemoveOld:          f.removeOld,
		TestMailbox:        f.testMailbox,
	}
	script, err := d.Script()
	if err != nil {
		return "", err
	}
	if err := safefile.Write(safefile.Options{Force: true}, safefile.File{Name: wrapper, Data: []byte(script), Perm: 0o644}); err != nil {
		return "", err
	}
	log, err := os.OpenFile(logName, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return "", err
	}
	defer log.Close()
	fmt.Fprintf(log, "=== %s exchcert acme renew --deploy: %s\r\n", a.now().UTC().Format(time.RFC3339), wrapper)
	absWrapper, _ := filepath.Abs(wrapper)
	systemRoot := a.getenv("SystemRoot")
	if systemRoot == "" {
		systemRoot = `C:\Windows`
	}
	env := append(os.Environ(), acme.PasswordEnv+"="+string(password))
	err = acme.RunDeploy(ctx, acme.PowerShellExe(systemRoot), acme.PowerShellArgs(absWrapper), env, io.MultiWriter(log, a.stderr))
	if err != nil {
		fmt.Fprintf(log, "=== failed: %v\r\n", err)
		return logName, &runError{fmt.Errorf("renewed, but the deploy failed (%w): read %s; the old certificate is still on the server", err, logName)}
	}
	fmt.Fprintf(log, "=== deployed\r\n")
	return logName, nil
}
