package main

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/mail"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/exchcert/exchcert/acme"
	"github.com/exchcert/exchcert/csr"
	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/internal/safefile"
	"github.com/exchcert/exchcert/plan"
)

// acmeSchema identifies the JSON report of exchcert acme and acme renew.
const acmeSchema = "exchcert.acme/v1"

// acmeOptions are the flags of exchcert acme and exchcert acme renew.
type acmeOptions struct {
	plan planFlags

	server     string
	staging    bool
	serverRoot string
	checks     checkFlags
	email      string
	acceptTOS  bool
	stateDir   string
	profile    string

	dns          string
	dnsResolvers []string
	dnsRecursive bool
	dnsWait      time.Duration
	http         string
	webroot      webrootFlags
	deploy       deployFlags // renew only
	keyType      keyTypeFlag
	keyFile      string
	outDir       string
	windows      string
	importPath   string
	friendlyName string
	force        bool
	verbose      bool
	days         int // renew only
	pw           passwordFlags
	output       outputFlag
	renew        bool
}

func (o *acmeOptions) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	o.plan.register(fs)
	fs.StringVar(&o.server, "server", acme.LetsEncrypt, "ACME directory `URL` of the CA")
	fs.BoolVar(&o.staging, "staging", false, "use Let's Encrypt's staging CA (untrusted test certificates, generous rate limits)")
	fs.StringVar(&o.serverRoot, "server-root", "", "PEM `FILE` of the root that signed the ACME server's HTTPS certificate (an internal ACME CA)")
	o.checks.registerRoots(fs)
	fs.StringVar(&o.email, "email", "", "contact `ADDRESS` for the account (expiry and policy notices)")
	fs.BoolVar(&o.acceptTOS, "accept-tos", false, "agree to the CA's terms of service (needed once, when the account is registered)")
	fs.StringVar(&o.stateDir, "state-dir", "", "`DIR` keeping the ACME account key and registration (default: exchcert/acme in the user's config folder)")
	fs.StringVar(&o.profile, "profile", "", "certificate `PROFILE` to ask the CA for (Let's Encrypt: classic, tlsserver)")
	fs.StringVar(&o.dns, "dns", "", "answer DNS-01 with the lego DNS `PROVIDER` (cloudflare, route53, azuredns, …), credentials from its environment variables")
	fs.StringArrayVar(&o.dnsResolvers, "dns-resolver", nil, "resolver `HOST:PORT` that sees the public zone, for the propagation check (repeatable; default: the system's)")
	fs.BoolVar(&o.dnsRecursive, "dns-recursive-only", false, "check the TXT records at --dns-resolver only, not at the zone's authoritative name servers")
	fs.DurationVar(&o.dnsWait, "dns-wait", 0, "skip the propagation check and wait this `DURATION` (e.g. 2m) after publishing the TXT records")
	fs.StringVar(&o.http, "http", "", "answer HTTP-01 with a web server on `ADDRESS` (e.g. :80); port 80 of every name must reach it")
	o.webroot.register(fs)
	fs.StringVar(&o.keyFile, "key", "", "use the private key in `FILE` instead of making a new one")
	o.keyType.register(cmd)
	fs.StringVar(&o.outDir, "out-dir", ".", "`DIR` for the key, certificate, PFX, bind script and summary")
	fs.StringVar(&o.windows, "windows", "", "`VERSION` of the Windows Server that imports the PFX: "+exchange.JoinWindows(exchange.WindowsVersions)+" (default: the legacy encoding every Windows imports)")
	fs.StringVar(&o.importPath, "import-path", "", `absolute Windows `+"`PATH`"+` the PFX is copied to on the server, for the bind script (default C:\certs\<name>.pfx)`)
	fs.StringVar(&o.friendlyName, "friendly-name", "", "friendly `NAME` the bind script sets on import (default: the Common Name and the expiry date)")
	fs.BoolVar(&o.verbose, "verbose", false, "show every message from the ACME client, not only the progress per name")
	o.pw.register(cmd)
}

func newAcmeCmd(a *app) *cobra.Command {
	o := &acmeOptions{}
	cmd := &cobra.Command{
		Use:   "acme",
		Short: "Obtain the planned certificate from Let's Encrypt or another ACME CA",
		Long: `Acme orders the planned certificate from an ACME CA (Let's Encrypt by
default), proves control of every name with DNS-01 or HTTP-01, and writes
what Exchange needs into --out-dir, named after the Common Name:

  NAME.key          the private key (PKCS #8 PEM, mode 0600)
  NAME.crt          the certificate followed by its chain (PEM)
  NAME.pfx          key, certificate and chain for Import-ExchangeCertificate
                    (mode 0600; encoding for --windows, as exchcert pfx)
  NAME.bind.ps1     the Exchange Management Shell script (as exchcert bind)
  NAME.summary.txt  what was issued and whether it covers the plan

DNS-01 is the realistic choice: <domain> itself usually points at the company
web site and the legacy name at the old server, so HTTP-01 cannot reach this
machine for them. On the Exchange server IIS owns port 80: --http-webroot DIR
answers HTTP-01 through it, writing the tokens and a web.config into
DIR\.well-known\acme-challenge (for Exchange the Default Web Site's root,
C:\inetpub\wwwroot) after a self-check that fetches a probe file for every
name; everything written is removed afterwards (docs/acme-exchange.md). --dns takes any lego DNS provider by name; its credentials
come from the environment variables lego documents for it
(https://go-acme.github.io/lego/dns/). With split DNS, give a public resolver
with --dns-resolver so the propagation check sees the public zone.

The account key is created once in --state-dir (mode 0600) and reused; it is
never replaced. Nothing is written to --out-dir unless the CA issues the
certificate, and existing files are replaced only with --force (the old ones
are first copied to --out-dir/archive/SERIAL/). Renew later with
'exchcert acme renew' and the same flags.

Exit codes: 0 issued; 1 the CA, the network or a challenge failed (nothing
written; run again), or the issued certificate fails inspect's checks (the
files are written; read the notes); 2 usage or input error.`,
		Example: `  # Let's Encrypt, DNS-01 through Cloudflare (token in CLOUDFLARE_DNS_API_TOKEN)
  export CLOUDFLARE_DNS_API_TOKEN=…
  exchcert acme --plan acme.plan.json --dns cloudflare --email admin@acme.com --accept-tos \
    --windows 2016 --password-env PFX_PASSWORD --state-dir /srv/exchcert --out-dir /srv/exchcert/out

  # The same in PowerShell on the Exchange server (Windows Server 2019: modern PFX)
  $env:CLOUDFLARE_DNS_API_TOKEN = '…'
  exchcert acme --plan acme.plan.json --dns cloudflare --email admin@acme.com --accept-tos ` + "`" + `
    --windows 2019 --password-file C:\exchcert\pfx.pass --state-dir C:\exchcert --out-dir C:\certs

  # Try it against Let's Encrypt's staging CA first
  exchcert acme --plan acme.plan.json --dns route53 --staging --accept-tos --password-env PFX_PASSWORD`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(a, cmd) },
	}
	o.register(cmd)
	cmd.Flags().BoolVar(&o.force, "force", false, "replace the files in --out-dir (the old ones are archived first)")
	addOutputFlag(cmd, &o.output)
	cmd.MarkFlagsMutuallyExclusive("dns", "http", "http-webroot")
	cmd.MarkFlagsMutuallyExclusive("server", "staging")
	cmd.AddCommand(newAcmeRenewCmd(a), newAcmeScheduleCmd(a))
	return cmd
}

func newAcmeRenewCmd(a *app) *cobra.Command {
	o := &acmeOptions{renew: true}
	cmd := &cobra.Command{
		Use:   "renew",
		Short: "Renew the ACME certificate in --out-dir when it is due",
		Long: `Renew reads NAME.crt from --out-dir and renews it when the CA's renewal
window has come (ACME Renewal Information, RFC 9773: Let's Encrypt moves it
earlier after a revocation), when the plan has a name the certificate lacks,
or, when the CA offers no renewal information, when a third of its lifetime
is left (30 of 90 days, 66 of 200, 15 of 47); --days N renews at N days
left even before the CA's window. The second line on stdout says which rule
decided and when the next check is due. It takes the flags of 'exchcert acme'.
With --deploy (on the Exchange server) the bind script then runs in the
Exchange Management Shell without questions; 'exchcert acme schedule' prints
the commands for a daily task. A renewal makes a new key (unless --key),
copies the current files to --out-dir/archive/SERIAL/ and replaces them
with the new key, certificate, PFX, bind script and summary.

Made for a scheduled task: the first line on stdout says "renewed" or
"not due", and the exit code is
  0  renewed, or not due yet
  1  due, but the CA, the network or a challenge failed; the current files
     are untouched (run again later, and read the message); or renewed, but
     the new certificate fails inspect's checks
  2  usage or input error (no certificate in --out-dir, bad flag, …)`,
		Example: `  # Daily, from cron: renew at 30 days left of 90
  exchcert acme renew --plan acme.plan.json --dns cloudflare \
    --windows 2016 --password-file /srv/exchcert/pfx.pass --state-dir /srv/exchcert --out-dir /srv/exchcert/out

  # Daily, from Task Scheduler on the Exchange server (PowerShell)
  $a = New-ScheduledTaskAction -Execute 'C:\exchcert\exchcert.exe' -Argument 'acme renew --plan C:\exchcert\acme.plan.json --dns cloudflare --windows 2019 --password-file C:\exchcert\pfx.pass --state-dir C:\exchcert --out-dir C:\certs'
  Register-ScheduledTask -TaskName 'exchcert renew' -Action $a -Trigger (New-ScheduledTaskTrigger -Daily -At 3am) -User SYSTEM`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(a, cmd) },
	}
	o.register(cmd)
	cmd.Flags().IntVar(&o.days, "days", 0, "renew when fewer than `N` days are left, even before the CA's renewal window (default: the CA's window, else a third of the lifetime)")
	cmd.Flags().BoolVar(&o.force, "force", false, "renew now even if not due")
	o.deploy.register(cmd.Flags())
	addOutputFlag(cmd, &o.output)
	cmd.MarkFlagsMutuallyExclusive("dns", "http", "http-webroot")
	cmd.MarkFlagsMutuallyExclusive("server", "staging")
	return cmd
}

// acmeFile is one file acme wrote.
type acmeFile struct {
	Kind string `json:"kind"` // key, certificate, pfx, bind-script, summary
	Path string `json:"path"`
}

// acmeReport is the JSON document of exchcert acme and acme renew.
type acmeReport struct {
	Schema      string                 `json:"schema"`
	Action      string                 `json:"action"` // issued, renewed, not-due
	Renewal     *acme.Renewal          `json:"renewal,omitempty"`
	Server      string                 `json:"server"`
	Account     string                 `json:"account,omitempty"`
	CommonName  string                 `json:"common_name"`
	Names       []string               `json:"names"`
	Serial      string                 `json:"serial"`
	Thumbprint  string                 `json:"thumbprint"`
	Issuer      string                 `json:"issuer"`
	NotBefore   time.Time              `json:"not_before"`
	NotAfter    time.Time              `json:"not_after"`
	RenewFrom   time.Time              `json:"renew_from"`
	Covers      bool                   `json:"covers_plan"`
	Missing     []string               `json:"missing"`
	Coverage    []inspect.NameCoverage `json:"coverage"`
	PFXEncoding string                 `json:"pfx_encoding,omitempty"`
	Files       []acmeFile             `json:"files"`
	Archived    string                 `json:"archived,omitempty"`
	Findings    plan.Findings          `json:"findings"`
	Warnings    []exchange.BindWarning `json:"bind_warnings,omitempty"`
	Deployed    bool                   `json:"deployed,omitempty"`
	DeployLog   string                 `json:"deploy_log,omitempty"`
}

// acmeSet is the file names for a plan in --out-dir.
type acmeSet struct{ key, cert, pfx, bind, summary string }

func (o *acmeOptions) files(p *plan.Plan) acmeSet {
	base := filepath.Join(o.outDir, strings.ReplaceAll(p.CommonName, "*", "_"))
	return acmeSet{key: base + ".key", cert: base + ".crt", pfx: base + ".pfx", bind: base + ".bind.ps1", summary: base + ".summary.txt"}
}

func (s acmeSet) all() []string { return []string{s.key, s.cert, s.pfx, s.bind, s.summary} }

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
		if abs, err := filepath.Abs(o.files(p).pfx); err == nil {
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
		o.importPath = exchange.DefaultImportPath(filepath.Base(o.files(p).pfx))
	}
	if err := exchange.CheckWindowsPath(o.importPath); err != nil {
		return &usageError{fmt.Errorf("--import-path: %w", err)}
	}
	set := o.files(p)

	rep := &acmeReport{Schema: acmeSchema, Server: o.server, CommonName: p.CommonName, Files: []acmeFile{}, Missing: []string{}, Findings: plan.Findings{}}

	// What is there now decides whether anything is to be done.
	var current *x509.Certificate
	if o.renew {
		current, err = readCurrentCert(set.cert)
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
				_, err := fmt.Fprintf(w, "not due: %s (%s)\n%s\n", r.Reason, set.cert, ruleLine(r))
				return err
			})
		}
		if !r.Due {
			r.Reason = "--force: " + r.Reason
			rep.Renewal = &r
		}
	} else if !o.force {
		for _, f := range set.all() {
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
	for _, f := range set.all() {
		if st, err := os.Lstat(f); err == nil && !st.Mode().IsRegular() {
			return inFile(f, errors.New("is not a plain file (a symbolic link or a folder); exchcert writes plain files there: remove it"))
		}
	}
	safefile.Recover(a.notify, set.all()...)

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
	if err := checkIssued(rep, p, set.cert, res.PEM, key, roots, a.now()); err != nil {
		return err
	}

	files, warnings, err := o.deliverables(p, set, key, res.Chain, res.PEM, password, enc)
	if err != nil {
		return fmt.Errorf("the certificate was issued but cannot be written: %w", err)
	}
	rep.PFXEncoding = enc.String()
	rep.Warnings = warnings
	for _, f := range []struct{ kind, path string }{{"key", set.key}, {"certificate", set.cert}, {"pfx", set.pfx}, {"bind-script", set.bind}, {"summary", set.summary}} {
		rep.Files = append(rep.Files, acmeFile{Kind: f.kind, Path: f.path})
	}
	var summary bytes.Buffer
	if err := writeAcmeSummary(&summary, rep); err != nil {
		return err
	}
	files = append(files, safefile.File{Name: set.summary, Data: summary.Bytes(), Perm: 0o644})

	replace := o.renew || o.force
	if replace {
		if rep.Archived, err = archive(o.outDir, set, current); err != nil {
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

// loadKey reads --key or makes a key of --key-type, and refuses a key the
// target Exchange version cannot use.
func (o *acmeOptions) loadKey(p *plan.Plan) (crypto.Signer, error) {
	var (
		key crypto.Signer
		err error
	)
	if o.keyFile != "" {
		data, err := readInput(o.keyFile, csr.MaxKeyFileSize)
		if err != nil {
			return nil, err
		}
		if key, err = csr.ParsePrivateKeyPEM(data); err != nil {
			return nil, inFile(o.keyFile, err)
		}
	} else if key, err = csr.GenerateKey(o.keyType.t); err != nil {
		return nil, err
	}
	info, err := csr.DescribeKey(key.Public())
	if err != nil {
		return nil, err
	}
	if ok, note := exchange.KeySupport(p.Exchange, info.Algorithm); !ok {
		return nil, &usageError{fmt.Errorf("%s cannot use an %s key: %s (use --key-type rsa2048)", p.Exchange.Title(), strings.ToUpper(string(info.Algorithm)), note)}
	}
	return key, nil
}

// deliverables encodes the key, the chain, the PFX and the bind script.
func (o *acmeOptions) deliverables(p *plan.Plan, set acmeSet, key crypto.Signer, chain []*x509.Certificate, certPEM, password []byte, enc exchange.PFXEncoding) ([]safefile.File, []exchange.BindWarning, error) {
	keyPEM, err := csr.MarshalPrivateKeyPEM(key)
	if err != nil {
		return nil, nil, err
	}
	pfx, err := exchange.EncodePFX(key, chain[0], chain[1:], password, enc)
	if err != nil {
		return nil, nil, fmt.Errorf("PFX: %w", err)
	}
	in := exchange.BindInput{
		Version:      p.Exchange,
		From:         p.From,
		Server:       p.Server(),
		Thumbprint:   inspect.Thumbprint(chain[0]),
		URLHost:      p.CommonName,
		CommonName:   chain[0].Subject.CommonName,
		Names:        chain[0].DNSNames,
		File:         o.importPath,
		FileKind:     exchange.PFXFile,
		PFXModern:    enc == exchange.PFXModern,
		FriendlyName: o.friendlyName,
		// With --deploy nobody answers the bind script's questions.
		ReplaceSMTPDefault: o.deploy.replaceSMTP,
		TestMailbox:        o.deploy.testMailbox,
	}
	if info, err := csr.DescribeKey(key.Public()); err == nil {
		in.KeyAlgorithm = info.Algorithm
	}
	if in.CommonName == "" {
		// Let's Encrypt's tlsserver profile leaves the Common Name out.
		in.CommonName = p.CommonName
	}
	if in.FriendlyName == "" {
		in.FriendlyName = fmt.Sprintf("%s %s", p.CommonName, chain[0].NotAfter.UTC().Format(time.DateOnly))
	}
	for _, n := range p.Names {
		for _, r := range n.Roles {
			if r == plan.RoleLegacy {
				in.LegacyHost = n.Name
			}
		}
	}
	b, err := exchange.BindScript(in)
	if err != nil {
		return nil, nil, fmt.Errorf("bind script: %w", err)
	}
	return []safefile.File{
		{Name: set.key, Data: keyPEM},
		{Name: set.cert, Data: certPEM, Perm: 0o644},
		{Name: set.pfx, Data: pfx},
		{Name: set.bind, Data: []byte(b.Script), Perm: 0o644},
	}, b.Warnings, nil
}

// fillCert puts the certificate's facts and how it covers the plan into rep.
func fillCert(rep *acmeReport, p *plan.Plan, leaf *x509.Certificate) {
	rep.Names = append([]string{}, leaf.DNSNames...)
	rep.Serial = fmt.Sprintf("%X", leaf.SerialNumber)
	rep.Thumbprint = inspect.Thumbprint(leaf)
	rep.Issuer = leaf.Issuer.CommonName
	rep.NotBefore, rep.NotAfter = leaf.NotBefore.UTC(), leaf.NotAfter.UTC()
	rep.Coverage = inspect.CoverPlan(p, inspect.CertNames(leaf))
	rep.Missing = []string{}
	for _, c := range rep.Coverage {
		if !c.Covered {
			rep.Missing = append(rep.Missing, c.Name)
		}
	}
	rep.Covers = len(rep.Missing) == 0
}

// checkIssued runs inspect's checks on the issued chain as written to
// name: coverage of the plan, the key, the chain up to a trusted root,
// validity and what the target Exchange version can use.
func checkIssued(rep *acmeReport, p *plan.Plan, name string, certPEM []byte, key crypto.Signer, roots *x509.CertPool, now time.Time) error {
	b, err := inspect.Load(name, certPEM, inspect.LoadOptions{})
	if err != nil {
		return inFile(name, err)
	}
	r := inspect.Check([]*inspect.Bundle{b}, inspect.Options{Plan: p, Key: key, Roots: roots, Now: now})
	rep.Findings = append(rep.Findings, r.Findings...)
	return nil
}

func writeAcmeSummary(w io.Writer, rep *acmeReport) error {
	var b strings.Builder
	switch rep.Action {
	case "renewed":
		fmt.Fprintf(&b, "renewed: %s\n%s\n", rep.Renewal.Reason, ruleLine(*rep.Renewal))
	case "issued":
		fmt.Fprintf(&b, "issued: %s\n", rep.CommonName)
	}
	fmt.Fprintf(&b, "\nCA:          %s\n", rep.Server)
	if rep.Account != "" {
		fmt.Fprintf(&b, "Account:     %s\n", rep.Account)
	}
	fmt.Fprintf(&b, "Issuer:      %s\n", rep.Issuer)
	fmt.Fprintf(&b, "Serial:      %s\n", rep.Serial)
	fmt.Fprintf(&b, "Thumbprint:  %s\n", rep.Thumbprint)
	fmt.Fprintf(&b, "Valid:       %s to %s (renew from %s)\n", rep.NotBefore.Format(time.RFC3339), rep.NotAfter.Format(time.RFC3339), rep.RenewFrom.Format(time.DateOnly))
	if rep.Covers {
		fmt.Fprintf(&b, "Plan:        covered (every planned name is on the certificate)\n")
	} else {
		fmt.Fprintf(&b, "Plan:        NOT covered, missing %s\n", strings.Join(rep.Missing, ", "))
	}
	if rep.PFXEncoding != "" {
		fmt.Fprintf(&b, "PFX:         %s encoding\n", rep.PFXEncoding)
	}
	if rep.Archived != "" {
		fmt.Fprintf(&b, "Previous:    archived in %s\n", rep.Archived)
	}
	if rep.DeployLog != "" {
		fmt.Fprintf(&b, "Deployed:    %v (log %s)\n", rep.Deployed, rep.DeployLog)
	}
	if _, err := io.WriteString(w, b.String()+"\n"); err != nil {
		return err
	}
	t := newTable(w, "Planned name", "Role", "Covered")
	for _, c := range rep.Coverage {
		roles := make([]string, len(c.Roles))
		for i, r := range c.Roles {
			roles[i] = string(r)
		}
		covered := "yes (" + c.By + ")"
		if !c.Covered {
			covered = "NO"
		}
		if err := t.Append([]string{c.Name, strings.Join(roles, ", "), covered}); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	if len(rep.Files) > 0 {
		if _, err := io.WriteString(w, "\nFiles:\n"); err != nil {
			return err
		}
		for _, f := range rep.Files {
			if _, err := fmt.Fprintf(w, "  %-12s %s\n", f.Kind, f.Path); err != nil {
				return err
			}
		}
	}
	return writeFindings(w, "Notes", rep.Findings)
}

// progressPrinter shows the order's progress on stderr, one line per step
// and name.
func progressPrinter(w io.Writer, verbose bool) func(acme.Event) {
	return func(e acme.Event) {
		if e.Step == acme.StepInfo && !verbose {
			return
		}
		if e.Name != "" {
			fmt.Fprintf(w, "acme: %s: %s\n", e.Name, e.Detail)
			return
		}
		fmt.Fprintf(w, "acme: %s\n", e.Detail)
	}
}

// acmeError words Obtain's errors for the command line and picks the exit
// code: a CA, network or challenge failure is exit 1 (nothing was written;
// running again is safe), everything else exit 2.
func acmeError(err error, renew bool) error {
	var te *acme.TermsError
	if errors.As(err, &te) {
		return &usageError{fmt.Errorf("%w (read them, then add --accept-tos)", err)}
	}
	var oe *acme.OrderError
	if errors.As(err, &oe) {
		what := "nothing was written"
		if renew {
			what = "the current files are untouched"
		}
		var ua x509.UnknownAuthorityError
		if errors.As(err, &ua) {
			return &usageError{fmt.Errorf("%w (give the ACME server's root with --server-root FILE)", err)}
		}
		return &runError{fmt.Errorf("%w (%s; run again later)", err, what)}
	}
	var se *acme.StateError
	if errors.As(err, &se) {
		return inFile(se.Path, fmt.Errorf("%w (the account state is damaged; restore it from a backup, or use another --state-dir for a new account)", se.Err))
	}
	return err
}

// readCurrentCert reads the certificate renew looks at.
func readCurrentCert(name string) (*x509.Certificate, error) {
	if _, err := os.Stat(name); errors.Is(err, fs.ErrNotExist) {
		return nil, inFile(name, errors.New("no such file (issue the certificate with 'exchcert acme' first, or check --out-dir)"))
	}
	certs, err := loadCerts(name)
	if err != nil {
		return nil, err
	}
	if len(certs) == 0 {
		return nil, inFile(name, errors.New("holds no certificate"))
	}
	return certs[0], nil
}

// archive copies the current files of set into DIR/archive/SERIAL/ (the
// serial of the current certificate, or the time when there is none), so a
// replacement never loses a key. It returns the folder, or "" when there
// was nothing to archive.
func archive(dir string, set acmeSet, current *x509.Certificate) (string, error) {
	var files []safefile.File
	for _, f := range set.all() {
		data, perm, err := readPlain(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", inFile(f, err)
		}
		files = append(files, safefile.File{Name: filepath.Base(f), Data: data, Perm: perm})
	}
	if len(files) == 0 {
		return "", nil
	}
	if current == nil {
		if c, err := readCurrentCert(set.cert); err == nil {
			current = c
		}
	}
	name := time.Now().UTC().Format("20060102T150405Z")
	if current != nil {
		name = fmt.Sprintf("%X", current.SerialNumber)
	}
	to := filepath.Join(dir, "archive", name)
	if _, err := os.Lstat(to); err == nil {
		to += "-" + time.Now().UTC().Format("20060102T150405Z")
	}
	// The archive holds keys: its folders are private (0700; on Windows
	// the owner, SYSTEM and Administrators only).
	if err := safefile.MkdirSecret(to); err != nil {
		return "", err
	}
	for i := range files {
		files[i].Name = filepath.Join(to, files[i].Name)
	}
	if err := safefile.Write(safefile.Options{}, files...); err != nil {
		return "", err
	}
	return to, nil
}

// readPlain reads a file to archive, which must be a plain file: it is
// looked at with Lstat and opened without following a link that appears
// meanwhile (the opened file must be the one looked at). It returns the
// data and the permission bits.
func readPlain(name string) ([]byte, fs.FileMode, error) {
	st, err := os.Lstat(name)
	if err != nil {
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		return nil, 0, errors.New("is not a plain file (a symbolic link?); it was not archived, and nothing was replaced")
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	fst, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	if !os.SameFile(st, fst) {
		return nil, 0, errors.New("changed while it was archived; nothing was replaced")
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, 0, err
	}
	return data, st.Mode().Perm(), nil
}

// checkStateDir warns about a state folder (and the account keys in it)
// that others can read, and tightens the folder when it is the user's own.
func checkStateDir(a *app, dir string) {
	if bits, err := safefile.Loose(dir); err == nil && bits != 0 {
		if changed, err := safefile.Tighten(dir); err == nil && changed {
			fmt.Fprintf(a.stderr, "exchcert: warning: %s: the state folder was readable by others (mode bits %04o); made it private (0700)\n", dir, bits)
		} else {
			fmt.Fprintf(a.stderr, "exchcert: warning: %s: the state folder is readable by others (mode bits %04o) and is not yours to change: chmod go= it\n", dir, bits)
		}
	}
	keys, _ := filepath.Glob(filepath.Join(dir, "accounts", "*", "account.key"))
	for _, k := range keys {
		warnLoose(a, k, "the ACME account key")
	}
}

// warnLoose warns when an existing secret has group or other permission
// bits (Unix; Windows has none).
func warnLoose(a *app, name, what string) {
	if bits, err := safefile.Loose(name); err == nil && bits != 0 {
		fmt.Fprintf(a.stderr, "exchcert: warning: %s: %s is readable or writable by others (mode bits %04o): chmod 600 it\n", name, what, bits)
	}
}
