package main

import (
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/exchcert/exchcert/acme"
	"github.com/exchcert/exchcert/exchange"
)

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

// newAcmeCmd builds acme with its own commands.
func newAcmeCmd(a *app) *cobra.Command { return newAcmeCmdFor(a, nil, true) }

// acmeCmd builds acme without its own commands.
func acmeCmd(a *app) *cobra.Command {
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
	return cmd
}

// acmeCommands are acme's own commands.
var acmeCommands = []command{
	{"renew", "Renew the ACME certificate in --out-dir when it is due", newAcmeRenewCmd, nil},
	{"schedule", "Print the commands that run 'acme renew' daily from Task Scheduler", newAcmeScheduleCmd, nil},
}

// newAcmeCmdFor builds acme for a run with args (the arguments after
// "acme"): its own commands in full only when args name them, as stand-ins
// otherwise (see newRootCmdFor), or all in full when whole is set; each
// takes about as long to build as acme itself.
func newAcmeCmdFor(a *app, args []string, whole bool) *cobra.Command {
	cmd := acmeCmd(a)
	for _, c := range acmeCommands {
		if whole || slices.Contains(args, c.name) {
			cmd.AddCommand(c.build(a))
		} else {
			cmd.AddCommand(c.standIn())
		}
	}
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
