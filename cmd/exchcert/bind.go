package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/spf13/cobra"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/internal/safefile"
)

// bindSchema identifies the JSON form of a bind script.
const bindSchema = "exchcert.bind/v1"

type bindOptions struct {
	plan         planFlags
	pw           passwordFlags
	thumbprint   string
	servers      []string
	allowMissing bool
	services     []string
	urlHost      string
	importPath   string
	friendlyName string
	replaceSMTP  bool
	requireSSL   bool
	testMailbox  string
	prereqs      bool
	windows      string
	out          string
	force        bool
	output       outputFlag
}

// bindDoc is the JSON document of -o json.
type bindDoc struct {
	Schema     string                 `json:"schema"`
	Exchange   exchange.Version       `json:"exchange"`
	Server     string                 `json:"server,omitempty"`
	Servers    []string               `json:"servers,omitempty"`
	Thumbprint string                 `json:"thumbprint,omitempty"`
	Windows    exchange.Windows       `json:"windows,omitempty"`
	Warnings   []exchange.BindWarning `json:"warnings"`
	Script     string                 `json:"script"`
}

func newBindCmd(a *app) *cobra.Command {
	var o bindOptions
	cmd := &cobra.Command{
		Use:   "bind [CERTFILE]",
		Short: "Print the Exchange Management Shell script that puts the certificate to work",
		Long: `Bind prints one commented PowerShell script for the Exchange Management Shell
that imports the certificate (a PFX, or the CA's answer that completes a
pending request), enables it for the services, points POP/IMAP, the virtual
directory URLs, Outlook Anywhere and the Autodiscover SCP at names the
certificate covers, sets Windows and Basic authentication on Autodiscover
and EWS, restarts what must be restarted and reads everything back. Every
cmdlet and parameter in it exists in the target Exchange version.

The thumbprint comes from CERTFILE (PEM, DER, PKCS #7 or PFX) or from
--thumbprint when the certificate is already on the server. SMTP is enabled
in a step of its own that keeps the self-signed internal transport
certificate (answer N at the prompt) unless --replace-smtp-default.

--prereqs prints the Windows feature installation for the Exchange version
and --windows instead.`,
		Example: `  # Exchange 2010 joining Exchange 2003: complete the request with the CA's answer
  exchcert bind --fqdn exch2.acme.com --domain acme.com --exchange 2010 --from 2003 \
    --import-path 'C:\certs\exch2.p7b' exch2.p7b --out bind-exch2.ps1

  # A PFX made with exchcert pfx, clients using mail.acme.com
  exchcert bind --plan acme.plan.json --url-host mail.acme.com --password-env PFX_PASSWORD exch2.pfx

  # Two servers behind one name: the key goes from EXCH2 to EXCH3 by export and import
  exchcert bind --fqdn exch2.acme.com --domain acme.com --exchange 2010 --from 2003 \
    --server EXCH2 --server EXCH3 --import-path 'C:\certs\exch2.p7b' exch2.p7b

  # Already imported: only the thumbprint
  exchcert bind --fqdn exch2.acme.com --exchange 2019 --thumbprint "5113AE0233A72FCCB75B1D0198628675333D010E"

  # Windows features for Exchange SE on Windows Server 2022
  exchcert bind --prereqs --exchange se --windows 2022`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.prereqs {
				return o.runPrereqs(a, cmd, args)
			}
			return o.run(a, cmd, args)
		},
	}
	f := cmd.Flags()
	o.plan.register(f)
	o.pw.register(cmd)
	f.StringVar(&o.thumbprint, "thumbprint", "", "`SHA1` thumbprint of a certificate already on the server (spaces, colons and invisible marks are removed)")
	f.StringArrayVar(&o.servers, "server", nil, "an Exchange server `NAME` to put the certificate on (repeatable, or a comma-separated list: every server of a DAG or load-balanced set gets the same certificate and URLs; default: the FQDN's first label)")
	f.BoolVar(&o.allowMissing, "allow-missing", false, "exit 0 even when the certificate lacks planned names (the script still opens with a warning block)")
	f.StringSliceVar(&o.services, "services", exchange.DefaultServices, "services to enable: IIS,POP,IMAP,SMTP (UM, UMCallRouter where the version has them)")
	f.StringVar(&o.urlHost, "url-host", "", "the `NAME` clients use for OWA/EWS/EAS/OAB/MAPI/Outlook Anywhere (default: the plan's Common Name, i.e. the FQDN or --namespace)")
	f.StringVar(&o.importPath, "import-path", "", "absolute Windows `PATH` the file is copied to on the server, C:\\certs\\x.pfx or \\\\fs01\\certs\\x.pfx (default "+exchange.DefaultImportPath("<CERTFILE's name>")+")")
	f.StringVar(&o.friendlyName, "friendly-name", "", "friendly name set when a PFX is imported (fewer than 64 characters)")
	f.BoolVar(&o.replaceSMTP, "replace-smtp-default", false, "make this the default SMTP (internal transport) certificate with -Force; Microsoft advises against it")
	f.BoolVar(&o.requireSSL, "require-ssl", false, "let Enable-ExchangeCertificate turn on Require SSL on the Default Web Site (no -DoNotRequireSsl)")
	f.StringVar(&o.testMailbox, "test-mailbox", "", "`ADDRESS` of a mailbox for Test-OutlookWebServices (Exchange 2010; default: asked when the script runs)")
	f.BoolVar(&o.prereqs, "prereqs", false, "print the Windows feature installation for --exchange and --windows instead")
	f.StringVar(&o.windows, "windows", "", "Windows Server `VERSION` for --prereqs: "+exchange.JoinWindows(exchange.WindowsVersions))
	f.StringVar(&o.out, "out", "", "write the script to `FILE.ps1` instead of stdout")
	f.BoolVar(&o.force, "force", false, "replace the --out file if it exists")
	addOutputFlag(cmd, &o.output)
	cmd.Flags().Lookup("output").Usage = "table: the script; json: the script with its warnings"
	return cmd
}

func (o *bindOptions) runPrereqs(a *app, cmd *cobra.Command, args []string) error {
	if len(args) > 0 || o.thumbprint != "" {
		return &usageError{errors.New("flag '--prereqs' is incompatible with a certificate or '--thumbprint'")}
	}
	if o.windows == "" {
		return &usageError{fmt.Errorf("--prereqs needs --windows %s", exchange.JoinWindows(exchange.WindowsVersions))}
	}
	w, err := exchange.ParseWindows(o.windows)
	if err != nil {
		return &usageError{fmt.Errorf("--windows: %w", err)}
	}
	var v exchange.Version
	if o.plan.file != "" {
		p, err := readPlanFile(o.plan.file)
		if err != nil {
			return err
		}
		v = p.Exchange
	} else if v, err = exchange.ParseVersion(o.plan.exchange, exchange.Targets); err != nil {
		return &usageError{fmt.Errorf("--exchange: %w", err)}
	}
	script, err := exchange.Prereqs(v, w)
	if err != nil {
		return err
	}
	return o.emit(a, bindDoc{Schema: bindSchema, Exchange: v, Windows: w, Warnings: []exchange.BindWarning{}, Script: script})
}

func (o *bindOptions) run(a *app, cmd *cobra.Command, args []string) error {
	if cmd.Flags().Changed("windows") {
		return &usageError{errors.New("--windows is used only with --prereqs")}
	}
	if len(args) == 0 && o.thumbprint == "" {
		return &usageError{errors.New("no certificate: give CERTFILE, or --thumbprint for one already on the server")}
	}
	if len(args) > 0 && o.thumbprint != "" {
		return &usageError{errors.New("give CERTFILE or '--thumbprint', not both")}
	}
	p, err := o.plan.load(a, cmd)
	if err != nil {
		return err
	}
	// Flag values are checked before a PFX password is asked for.
	if o.importPath != "" {
		if err := exchange.CheckWindowsPath(o.importPath); err != nil {
			return &usageError{fmt.Errorf("--import-path: %w", err)}
		}
	}
	in := p.BindInput()
	in.Servers, in.Services = splitList(o.servers), splitList(o.services)
	in.File, in.FriendlyName = o.importPath, o.friendlyName
	in.ReplaceSMTPDefault, in.RequireSSL, in.TestMailbox = o.replaceSMTP, o.requireSSL, o.testMailbox
	if len(in.Servers) == 0 {
		in.Servers = []string{p.Server()}
	}
	in.Server = in.Servers[0]
	if o.urlHost != "" {
		in.URLHost = o.urlHost
	}
	var extra []exchange.BindWarning
	if len(args) > 0 {
		if err := o.fromFile(a, args[0], &in); err != nil {
			return err
		}
		// The certificate is what counts; say which planned names it lacks
		// and what breaks without each (exchcert inspect says more).
		in.Missing = p.Missing(in.Names)
		for _, m := range in.Missing {
			extra = append(extra, exchange.BindWarning{Code: m.Code,
				Message: fmt.Sprintf("%s does not cover the planned %s: %s", args[0], m.Name, m.Breaks)})
		}
	} else {
		if in.Thumbprint, err = exchange.NormalizeThumbprint(o.thumbprint); err != nil {
			return &usageError{fmt.Errorf("--thumbprint: %w", err)}
		}
		if o.importPath != "" {
			if in.FileKind, err = kindOfPath(o.importPath); err != nil {
				return &usageError{fmt.Errorf("--import-path: %w", err)}
			}
		}
	}
	if in.FileKind != exchange.NoFile {
		if err := exchange.CheckWindowsPath(in.File); err != nil {
			return &usageError{fmt.Errorf("--import-path: %w", err)}
		}
	}
	if o.friendlyName != "" && in.FileKind != exchange.PFXFile {
		return &usageError{errors.New("--friendly-name is set when a PFX is imported; a completed request keeps the name it was made with")}
	}
	b, err := exchange.BindScript(in)
	if err != nil {
		return err
	}
	warnings := append(extra, b.Warnings...)
	for _, w := range warnings {
		fmt.Fprintf(a.stderr, "exchcert: warning: %s\n", w.Message)
	}
	if err := o.emit(a, bindDoc{Schema: bindSchema, Exchange: in.Version, Server: in.Server, Servers: in.Servers, Thumbprint: in.Thumbprint,
		Warnings: append([]exchange.BindWarning{}, warnings...), Script: b.Script}); err != nil {
		return err
	}
	if len(in.Missing) > 0 && !o.allowMissing {
		fmt.Fprintf(a.stderr, "exchcert: the certificate lacks %d planned name(s); the script was written with a warning block (use --allow-missing to exit 0)\n", len(in.Missing))
		return errFindings
	}
	return nil
}

// emit writes the script (or the JSON document) to stdout or --out.
func (o *bindOptions) emit(a *app, doc bindDoc) error {
	var text strings.Builder
	if o.output == formatJSON {
		if err := writeJSON(&text, doc); err != nil {
			return err
		}
	} else {
		text.WriteString(doc.Script)
	}
	if o.out == "" {
		_, err := io.WriteString(a.stdout, text.String())
		return err
	}
	data := []byte(text.String())
	if o.output != formatJSON {
		// Windows PowerShell 5.1 reads a .ps1 without a byte-order mark in
		// the ANSI code page; the script is ASCII unless a name or path is
		// not, so mark it as UTF-8 for those.
		data = append([]byte("\ufeff"), data...)
		data = []byte(strings.ReplaceAll(string(data), "\n", "\r\n"))
	}
	if err := safefile.Write(safefile.Options{Force: o.force}, safefile.File{Name: o.out, Data: data, Perm: 0o644}); err != nil {
		return outputError(o.out, err)
	}
	fmt.Fprintf(a.stderr, "exchcert: wrote %s\n", o.out)
	return nil
}

// unwrapPath drops the *fs.PathError wrapper, whose path the caller names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
