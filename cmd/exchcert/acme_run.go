package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/exchcert/exchcert/acme"
	"github.com/exchcert/exchcert/csr"
	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/plan"
	"github.com/spf13/cobra"
)

func (o *acmeOptions) files(p *plan.Plan) acme.Files { return acme.FilesFor(o.outDir, p.CommonName) }

func (o *acmeOptions) run(a *app, cmd *cobra.Command) error {
	p, err := o.plan.load(a, cmd)
	if err != nil {
		return err
	}
	if o.staging {
		o.server = acme.LetsEncryptStaging
	}
	// Every flag value is checked before a password is asked for or a
	// file (the account key included) is written.
	if err := acme.CheckServer(o.server); err != nil {
		return &usageError{fmt.Errorf("--server: %w", err)}
	}
	if o.email != "" {
		if a, err := mail.ParseAddress(o.email); err != nil || a.Address != o.email {
			return &usageError{fmt.Errorf("--email %q: want a plain address such as admin@acme.com", o.email)}
		}
	}
	// The bind script's friendly name, checked as exchange.BindScript
	// checks it, so that a bad one fails now and not once the CA has issued.
	if strings.ContainsAny(o.friendlyName, "\r\n") || len([]rune(o.friendlyName)) > 63 {
		return &usageError{errors.New("--friendly-name: must be one line of fewer than 64 characters")}
	}
	for _, r := range o.dnsResolvers {
		if _, _, err := net.SplitHostPort(r); err != nil {
			return &usageError{fmt.Errorf("--dns-resolver %q: want HOST:PORT, e.g. 1.1.1.1:53", r)}
		}
	}
	if o.dns == "" && o.http == "" && o.webroot.dir == "" {
		return &usageError{errors.New("choose a challenge: --dns PROVIDER (DNS-01), --http-webroot DIR (HTTP-01 through IIS) or --http :80 (HTTP-01)")}
	}
	webroot, err := o.webroot.options()
	if err != nil {
		return err
	}
	if err := o.deploy.check(p); err != nil {
		return err
	}
	if o.keyFile == "" {
		if err := csr.CheckExchangeKey(p.Exchange, o.keyType.v.Info()); err != nil {
			return keyError(err, o.keyType.v, "")
		}
	}
	if o.deploy.deploy && !cmd.Flags().Changed("import-path") {
		// The wrapper imports the PFX where it was written.
		if abs, err := filepath.Abs(o.files(p).PFX); err == nil {
			o.importPath = abs
		}
	}
	// The PFX encoding: for --windows, else for the plan's Exchange
	// version (modern for 2019 and SE, which run on Windows Server 2019
	// and later only).
	enc, encReason := exchange.PFXEncodingForExchange(p.Exchange)
	if o.windows != "" {
		w, err := exchange.ParseWindows(o.windows)
		if err != nil {
			return &usageError{fmt.Errorf("--windows: %w", err)}
		}
		enc, encReason = exchange.PFXEncodingFor(w), "--windows "+w.String()+": "+w.Title()+" cannot import AES-256"
	}
	if o.stateDir == "" {
		dir, err := os.UserConfigDir()
		if err != nil {
			return &usageError{fmt.Errorf("no --state-dir and no user config folder: %v", err)}
		}
		o.stateDir = filepath.Join(dir, "exchcert", "acme")
	}
	if st, err := os.Stat(o.stateDir); err == nil && !st.IsDir() {
		return inFile(o.stateDir, errors.New("not a folder (--state-dir names the folder that keeps the ACME account)"))
	}
	checkStateDir(a, o.stateDir)
	if o.importPath == "" {
		o.importPath = exchange.DefaultImportPath(filepath.Base(o.files(p).PFX))
	}
	if err := exchange.CheckWindowsPath(o.importPath); err != nil {
		return &usageError{fmt.Errorf("--import-path: %w", err)}
	}
	set := o.files(p)

	// What is there now decides whether anything is to be done.
	var current *x509.Certificate
	if o.renew {
		if current, err = readCurrentCert(set.Cert); err != nil {
			return err
		}
	}
	var dnsProvider acmeProvider
	if o.dns != "" {
		if dnsProvider, err = newDNSProvider(o.dns); err != nil {
			return err
		}
	}
	var serverRoots, roots *x509.CertPool
	if o.serverRoot != "" {
		if serverRoots, err = loadRoots("--server-root", o.serverRoot); err != nil {
			return err
		}
	}
	if o.checks.roots != "" {
		if roots, err = loadRoots("--roots", o.checks.roots); err != nil {
			return err
		}
	}
	req := acme.IssueRequest{
		Plan: p, OutDir: o.outDir, Files: set,
		Renew: o.renew, Current: current, Days: o.days, Force: o.force,
		Secrets: func() (crypto.Signer, []byte, error) {
			key, err := exchangeKey(p.Exchange, o.keyType.v, o.keyFile)
			if err != nil {
				return nil, nil, err
			}
			password, err := o.pw.read(a, "PFX password: ", true)
			return key, password, err
		},
		Encoding: enc, LegacyWarning: legacyWarning(encReason), Roots: roots,
		Bind: acme.BindOptions{
			ImportPath: o.importPath, FriendlyName: o.friendlyName,
			// With --deploy nobody answers the bind script's questions.
			ReplaceSMTP: o.deploy.replaceSMTP, TestMailbox: o.deploy.testMailbox,
		},
		Options: acme.Options{
			Server:          o.server,
			Email:           o.email,
			StateDir:        o.stateDir,
			AcceptTOS:       o.acceptTOS,
			Roots:           serverRoots,
			DNS:             dnsProvider,
			Resolvers:       o.dnsResolvers,
			RecursiveOnly:   o.dnsRecursive,
			PropagationWait: o.dnsWait,
			HTTP:            o.http,
			Webroot:         webroot,
			Profile:         o.profile,
			Progress:        progressPrinter(a.stderr, o.verbose),
		},
		Summary: writeAcmeSummary,
		Now:     a.now,
		Notify:  a.notify,
	}
	if o.deploy.deploy {
		req.Deploy = func(ctx context.Context, rep *acme.Report, old string, password []byte) (string, error) {
			return o.deploy.run(ctx, a, p, set, rep, old, password)
		}
	}
	// Ctrl-C cancels the CA's requests, so lego still removes the TXT
	// records and stops its HTTP-01 server before exchcert exits.
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
	defer stop()
	rep, err := acme.Issue(ctx, req)
	if err != nil {
		if rep != nil { // written, but the deploy failed
			_ = a.report(o.output, rep, func(w io.Writer) error { return writeAcmeSummary(w, rep) })
			return err
		}
		return issueError(a.stderr, err, o.renew)
	}
	if rep.Action == acme.ActionNotDue {
		return a.report(o.output, rep, func(w io.Writer) error {
			_, err := fmt.Fprintf(w, "not due: %s (%s)\n%s\n", esc(rep.Renewal.Reason), esc(set.Cert), ruleLine(*rep.Renewal))
			return err
		})
	}
	if err := a.report(o.output, rep, func(w io.Writer) error { return writeAcmeSummary(w, rep) }); err != nil {
		return err
	}
	if rep.Findings.HasErrors() {
		return errFindings
	}
	return nil
}

// issueError words Issue's errors for the command line (see acmeError for
// those of the order itself).
func issueError(stderr io.Writer, err error, renew bool) error {
	var ie *acme.InputError
	var se *acme.SelfCheckError
	switch {
	case errors.As(err, &ie):
		return inFile(ie.Path, ie.Err)
	case errors.Is(err, acme.ErrHTTP01Names):
		return &usageError{err}
	case errors.As(err, &se):
		return selfCheckError(stderr, se)
	}
	return acmeError(err, renew)
}

// acmeProvider is a lego challenge provider (kept as an alias so this file
// does not import lego).
type acmeProvider = interface {
	Present(domain, token, keyAuth string) error
	CleanUp(domain, token, keyAuth string) error
}
