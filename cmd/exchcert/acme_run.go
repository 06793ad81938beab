package main

import (
	"bytes"
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
	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/internal/safefile"
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

	rep := &acmeReport{Schema: acmeSchema, Server: o.server, CommonName: p.CommonName, Files: []acmeFile{}, Missing: []string{}, Findings: plan.Findings{}}

	// What is there now decides whether anything is to be done.
	var current *x509.Certificate
	if o.renew {
		current, err = readCurrentCert(set.Cert)
		if err != nil {
			return err
		}
		r, err := o.decide(cmd.Context(), a, current, p)
		if err != nil {
			return err
		}
		rep.Renewal = &r
		if !r.Due && !o.force {
			rep.Action = "not-due"
			fillCert(rep, p, current)
			rep.RenewFrom = r.RenewFrom
			return a.report(o.output, rep, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "not due: %s (%s)\n%s\n", r.Reason, set.Cert, ruleLine(r))
				return err
			})
		}
		if !r.Due {
			r.Reason = "--force: " + r.Reason
			rep.Renewal = &r
		}
	} else if !o.force {
		for _, f := range set.All() {
			if _, err := os.Lstat(f); err == nil {
				return inFile(f, errors.New("already exists (use 'exchcert acme renew', or --force to replace the files)"))
			}
		}
	}
	if st, err := os.Stat(o.outDir); err != nil || !st.IsDir() {
		return inFile(o.outDir, errors.New("is not a folder (create it first)"))
	}
	// The files are archived and replaced as plain files: a link among
	// them would copy whatever it points to into the archive.
	for _, f := range set.All() {
		if st, err := os.Lstat(f); err == nil && !st.Mode().IsRegular() {
			return inFile(f, errors.New("is not a plain file (a symbolic link or a folder); exchcert writes plain files there: remove it"))
		}
	}
	safefile.Recover(a.notify, set.All()...)

	// Everything that can be wrong locally is checked before the CA is asked.
	if o.http != "" || webroot != nil {
		fs := acme.HTTP01Findings(p)
		for _, f := range fs {
			fmt.Fprintf(a.stderr, "exchcert: %s: %s: %s (%s)\n", f.Severity, f.Subject, f.Message, f.Fix)
		}
		rep.Findings = append(rep.Findings, fs...)
		if fs.HasErrors() {
			return &usageError{errors.New("HTTP-01 cannot validate every planned name (use --dns PROVIDER)")}
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
	key, err := o.loadKey(p)
	if err != nil {
		return err
	}
	password, err := o.pw.read(a, "PFX password: ", true)
	if err != nil {
		return err
	}

	// Ctrl-C cancels the CA's requests, so lego still removes the TXT
	// records and stops its HTTP-01 server before exchcert exits.
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
	defer stop()
	res, err := acme.Obtain(ctx, acme.Request{Plan: p, Key: key, Replaces: acme.ReplacesID(current)}, acme.Options{
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
	})
	if err != nil {
		var se *acme.SelfCheckError
		if errors.As(err, &se) {
			return selfCheckError(a.stderr, se)
		}
		return acmeError(err, o.renew)
	}
	rep.Account = res.Account.URL
	if o.renew {
		rep.Action = "renewed"
	} else {
		rep.Action = "issued"
	}
	fillCert(rep, p, res.Chain[0])
	rep.RenewFrom = acme.RenewDue(res.Chain[0], p, o.days, a.now()).RenewFrom
	if err := checkIssued(rep, p, set.Cert, res.PEM, key, roots, a.now()); err != nil {
		return err
	}

	files, warnings, err := acme.Deliverables(p, set, key, res.Chain, res.PEM, password, enc, acme.BindOptions{
		ImportPath: o.importPath, FriendlyName: o.friendlyName,
		// With --deploy nobody answers the bind script's questions.
		ReplaceSMTP: o.deploy.replaceSMTP, TestMailbox: o.deploy.testMailbox,
	})
	if err != nil {
		return fmt.Errorf("the certificate was issued but cannot be written: %w", err)
	}
	rep.PFXEncoding = enc.String()
	rep.Warnings = warnings
	for _, f := range []struct{ kind, path string }{{"key", set.Key}, {"certificate", set.Cert}, {"pfx", set.PFX}, {"bind-script", set.Bind}, {"summary", set.Summary}} {
		rep.Files = append(rep.Files, acmeFile{Kind: f.kind, Path: f.path})
	}
	var summary bytes.Buffer
	if err := writeAcmeSummary(&summary, rep); err != nil {
		return err
	}
	files = append(files, safefile.File{Name: set.Summary, Data: summary.Bytes(), Perm: 0o644})

	replace := o.renew || o.force
	if replace {
		if rep.Archived, err = acme.Archive(o.outDir, set, current, a.now()); err != nil {
			var ae *acme.ArchiveError
			if errors.As(err, &ae) {
				err = inFile(ae.Path, ae.Err)
			}
			return fmt.Errorf("the certificate was issued but the current files cannot be archived: %w", err)
		}
	}
	if err := safefile.Write(safefile.Options{Force: replace, Notify: a.notify}, files...); err != nil {
		return fmt.Errorf("the certificate was issued but cannot be written: %w", err)
	}
	for _, w := range warnings {
		fmt.Fprintf(a.stderr, "exchcert: warning: %s\n", w.Message)
	}
	if enc == exchange.PFXLegacy {
		fmt.Fprintf(a.stderr, "exchcert: warning: %s\n", legacyWarning(encReason))
	}
	if o.deploy.deploy && rep.Findings.HasErrors() {
		fmt.Fprintf(a.stderr, "exchcert: not deployed: the new certificate fails inspect's checks (see the notes); the server keeps the old one\n")
	} else if o.deploy.deploy {
		old := ""
		if current != nil {
			old = inspect.Thumbprint(current)
		}
		rep.DeployLog, err = o.deploy.run(ctx, a, p, set, rep, old, password)
		if err != nil {
			_ = a.report(o.output, rep, func(w io.Writer) error { return writeAcmeSummary(w, rep) })
			return err
		}
		rep.Deployed = true
	}
	if err := a.report(o.output, rep, func(w io.Writer) error { return writeAcmeSummary(w, rep) }); err != nil {
		return err
	}
	if rep.Findings.HasErrors() {
		return errFindings
	}
	return nil
}

// acmeProvider is a lego challenge provider (kept as an alias so this file
// does not import lego).
type acmeProvider = interface {
	Present(domain, token, keyAuth string) error
	CleanUp(domain, token, keyAuth string) error
}
