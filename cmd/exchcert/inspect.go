package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/exchcert/exchcert/inspect"
)

// inspectOptions are the flags of exchcert inspect.
type inspectOptions struct {
	plan     planFlags
	password passwordFlags
	keyFile  string
	checks   checkFlags
	output   outputFlag
}

func newInspectCmd(a *app) *cobra.Command {
	var o inspectOptions
	cmd := &cobra.Command{
		Use:   "inspect FILE...",
		Short: "Check a delivered certificate against the plan",
		Long: `Inspect reads certificate files by their content — PEM, DER, .p7b (PKCS #7),
.pfx/.p12 (PKCS #12), certificate requests (also NEW CERTIFICATE REQUEST and bare
base64 as Exchange prints them), UTF-8 or UTF-16 — and shows every certificate
(subject, issuer, serial, validity, names, key, usages, the thumbprint exactly as
Exchange shows it), then checks:

  - coverage: every planned name is a SAN (exactly or by a one-label wildcard);
    a name only in the Common Name does not count, nor does a wildcard directly
    under a public suffix (*.com, *.co.uk) or a name with control characters
  - the private key (--key, or the one inside a PFX) belongs to the certificate
  - the chain is complete, in order and trusted (--roots, default the system roots)
  - expired, not yet valid, or expiring within --min-days days
  - SHA-1 signatures, RSA under 2048 bits, no serverAuth EKU, a validity longer
    than public CAs may issue, internal names, a key type the Exchange version
    cannot use, a PFX encryption older Windows cannot import

A self-signed CA certificate that names hosts (what openssl req -x509 makes)
is checked as a server certificate too. Text from the files is shown with
control characters escaped (\x1b, \u202e); -o json keeps the real values.

Give the plan with the plan flags or --plan FILE; without one, coverage is not
checked. A PFX is tried with the empty password first, then --password-env,
--password-file or a prompt.

Exit codes: 0 no error-level finding, 1 error-level findings, 2 a file could not
be read (unreadable, wrong password, not a certificate file).`,
		Example: `  # The certificate the CA delivered, against the saved plan and the key from exchcert csr
  exchcert inspect --plan acme.plan.json --key exch2.acme.com.key delivered.p7b

  # A PFX, password from an environment variable, for Exchange 2016 on Windows Server 2016
  exchcert inspect --fqdn exch2.acme.com --domain acme.com --exchange 2016 --password-env PFX_PASS exch2.pfx

  # An internal CA: trust its root, and check the request and the issued certificate together
  exchcert inspect --plan acme.plan.json --roots acme-root.cer exch2.req certnew.cer

  # As of a future date, in JSON
  exchcert inspect --at 2027-01-01 -o json exch2.pfx`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			return o.run(a, cmd, files)
		},
	}
	o.register(cmd)
	addOutputFlag(cmd, &o.output)
	return cmd
}

// register adds the flags that say what a certificate is checked against;
// exchcert report takes the same.
func (o *inspectOptions) register(cmd *cobra.Command) {
	o.plan.register(cmd.Flags())
	o.password.register(cmd)
	cmd.Flags().StringVar(&o.keyFile, "key", "", "the private key `FILE` the certificate must match (PEM or DER; never printed)")
	o.checks.register(cmd.Flags())
}

func (o *inspectOptions) run(a *app, cmd *cobra.Command, files []string) error {
	rep, err := o.check(a, cmd, files)
	if err != nil {
		return err
	}
	if err := a.report(o.output, rep, func(w io.Writer) error { return writeInspectTables(w, rep) }); err != nil {
		return err
	}
	if rep.HasErrors() {
		return errFindings
	}
	return nil
}

// check loads the files and checks them against the flags; exchcert report
// uses it too.
func (o *inspectOptions) check(a *app, cmd *cobra.Command, files []string) (*inspect.Report, error) {
	now, err := o.checks.when(a.now())
	if err != nil {
		return nil, err
	}
	opt := inspect.Options{MinDays: o.checks.minDays, Now: now, PrivateCA: o.plan.privateCA}
	p, v, err := o.plan.loadOptional(a, cmd)
	if err != nil {
		return nil, err
	}
	opt.Plan, opt.Exchange = p, v
	if opt.Roots, err = o.checks.pool(); err != nil {
		return nil, err
	}
	load := o.loader(a)
	if o.keyFile != "" {
		b, err := load(o.keyFile)
		if err != nil {
			return nil, notA(o.keyFile, "a private key", err)
		}
		switch len(b.Keys) {
		case 0:
			return nil, inFile(o.keyFile, errors.New("holds no private key (--key wants the key file exchcert csr wrote, PEM or DER)"))
		case 1:
			opt.Key = b.Keys[0]
		default:
			return nil, inFile(o.keyFile, fmt.Errorf("holds %d private keys; --key wants exactly one", len(b.Keys)))
		}
	}
	bundles := make([]*inspect.Bundle, 0, len(files))
	for _, f := range files {
		b, err := load(f)
		if err != nil {
			return nil, notA(f, "a certificate", err)
		}
		bundles = append(bundles, b)
	}
	if err := keyOnly(bundles); err != nil {
		return nil, err
	}
	return inspect.Check(bundles, opt), nil
}

// loader returns a function that reads and loads one file, asking for a
// PFX password only when a PFX needs one. A password from --password-env
// or --password-file is read once and used for every PFX; a prompt asks
// per file.
func (o *inspectOptions) loader(a *app) func(name string) (*inspect.Bundle, error) {
	var cached []byte
	return func(name string) (*inspect.Bundle, error) {
		data, err := readInput(name, inspect.MaxFileSize)
		if err != nil {
			return nil, err
		}
		var lo inspect.LoadOptions
		if o.password.given() || a.readPassword != nil {
			lo.Password = func() ([]byte, error) {
				if cached != nil {
					return append([]byte(nil), cached...), nil
				}
				pw, err := o.password.read(a, "Password for "+esc(name)+": ", false)
				if err != nil {
					return nil, err
				}
				if o.password.given() {
					cached = append([]byte(nil), pw...)
				}
				return pw, nil
			}
		}
		b, err := inspect.Load(name, data, lo)
		if err != nil {
			return nil, inFile(name, loadHint(err))
		}
		return b, nil
	}
}
