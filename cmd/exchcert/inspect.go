package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/inspect"
)

// inspectOptions are the flags of exchcert inspect.
type inspectOptions struct {
	plan     planFlags
	password passwordFlags
	keyFile  string
	roots    string
	minDays  int
	at       string
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
	o.register(cmd.Flags())
	addOutputFlag(cmd, &o.output)
	return cmd
}

// register adds the flags that say what a certificate is checked against;
// exchcert report takes the same.
func (o *inspectOptions) register(fs *pflag.FlagSet) {
	o.plan.register(fs)
	o.password.register(fs)
	fs.StringVar(&o.keyFile, "key", "", "the private key `FILE` the certificate must match (PEM or DER; never printed)")
	fs.StringVar(&o.roots, "roots", "", "trust the root certificates in `FILE` (PEM, DER or .p7b) instead of the system roots")
	fs.IntVar(&o.minDays, "min-days", inspect.DefaultMinDays, "warn when a certificate expires in fewer than `N` days")
	fs.StringVar(&o.at, "at", "", "evaluate as of `TIME` (RFC 3339, e.g. 2027-01-01T00:00:00Z, or YYYY-MM-DD) instead of now")
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
	opt := inspect.Options{MinDays: o.minDays, Now: a.now(), PrivateCA: o.plan.privateCA}
	if o.minDays < 0 {
		return nil, &usageError{errors.New("--min-days must be 0 or more")}
	}
	if o.at != "" {
		t, err := parseAt(o.at)
		if err != nil {
			return nil, &usageError{err}
		}
		opt.Now = t
	}
	if o.password.env != "" && o.password.file != "" {
		return nil, &usageError{errors.New("flag '--password-env' is incompatible with '--password-file'")}
	}
	p, v, err := o.plan.loadOptional(a, cmd)
	if err != nil {
		return nil, err
	}
	opt.Plan, opt.Exchange = p, v
	if o.roots != "" {
		pool, err := loadRoots("--roots", o.roots)
		if err != nil {
			return nil, err
		}
		opt.Roots = pool
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

// loadHint adds the next step to a loader error. The result still matches
// the loader's sentinel with errors.Is.
func loadHint(err error) error {
	var k *inspect.KindError
	switch {
	case errors.As(err, &k):
		return err
	case errors.Is(err, inspect.ErrWrongPassword):
		return &hintError{"wrong password for PFX: the MAC check failed (give the right one with --password-env VAR or --password-file FILE)", err}
	case errors.Is(err, inspect.ErrNeedPassword):
		return &hintError{"the PFX is protected by a password and the empty one does not open it (use --password-env VAR or --password-file FILE, or run in a terminal to be prompted)", err}
	case errors.Is(err, inspect.ErrNotRecognised):
		return &hintError{err.Error() + " (expected a PEM, DER, .p7b or .pfx certificate file, or a request)", err}
	case errors.Is(err, inspect.ErrDamaged):
		return &hintError{err.Error() + " (get the file from the CA again)", err}
	}
	return err
}

// hintError rewords an error and keeps it for errors.Is.
type hintError struct {
	msg string
	err error
}

func (e *hintError) Error() string { return e.msg }
func (e *hintError) Unwrap() error { return e.err }

// loadRoots reads the certificates of a roots flag (--roots, --server-root)
// with the inspect loader, so PEM bundles, DER, P7B and UTF-16 files all
// work. Errors name the file and the flag.
func loadRoots(flag, name string) (*x509.CertPool, error) {
	data, err := readInput(name, inspect.MaxFileSize)
	if err != nil {
		return nil, err
	}
	b, err := inspect.Load(name, data, inspect.LoadOptions{})
	if err != nil {
		return nil, inFile(name, fmt.Errorf("%s: %w", flag, loadHint(err)))
	}
	if len(b.Certs) == 0 {
		return nil, inFile(name, fmt.Errorf("%s: holds no certificates", flag))
	}
	pool := x509.NewCertPool()
	for _, c := range b.Certs {
		pool.AddCert(c)
	}
	return pool, nil
}

// parseAt parses --at: RFC 3339, or a date (midnight UTC).
func parseAt(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--at: %q is not a time (want RFC 3339 such as 2027-01-01T09:00:00Z, or a date such as 2027-01-01)", s)
}

// writeInspectTables renders the report for people: one table per
// certificate and request, the coverage of the plan, then the findings.
func writeInspectTables(w io.Writer, r *inspect.Report) error {
	fmt.Fprintf(w, "Evaluated at %s", r.EvaluatedAt.Format(time.RFC3339))
	if r.Exchange != "" {
		v, _ := exchange.ParseVersion(r.Exchange, exchange.Targets)
		fmt.Fprintf(w, " for %s", v.Title())
	}
	fmt.Fprintln(w)
	for _, f := range r.Files {
		fmt.Fprintf(w, "%s: %s, %s", esc(f.Name), f.Format, count(f.Certs, "certificate"))
		if f.CSRs > 0 {
			fmt.Fprintf(w, ", %s", count(f.CSRs, "request"))
		}
		if f.Keys > 0 {
			fmt.Fprintf(w, ", %s", count(f.Keys, "private key"))
		}
		if f.PFX != nil {
			// The iteration counts of the encryption and of the MAC are
			// separate: a 1-iteration MAC is a cheap password check.
			fmt.Fprintf(w, " (PFX: %s certificates, %s key", f.PFX.CertEncryption, f.PFX.KeyEncryption)
			if f.PFX.BagIterations > 0 {
				fmt.Fprintf(w, ", %s", count(f.PFX.BagIterations, "iteration"))
			}
			fmt.Fprintf(w, "; MAC %s", f.PFX.MAC)
			if f.PFX.MACIterations > 0 {
				fmt.Fprintf(w, ", %s", count(f.PFX.MACIterations, "iteration"))
			}
			fmt.Fprint(w, ")")
		}
		fmt.Fprintln(w)
	}
	for _, c := range r.Certificates {
		fmt.Fprintf(w, "\n%s #%d: %s\n", esc(c.File), c.Index, c.Role)
		t := newTable(w, "Field", "Value")
		key := fmt.Sprintf("%s %d", c.KeyType, c.KeyBits)
		if c.KeyCurve != "" {
			key = c.KeyType + " " + c.KeyCurve
		}
		rows := [][]string{
			{"Subject", esc(c.Subject)},
			{"Issuer", esc(c.Issuer)},
			{"Serial", c.Serial},
			{"Valid", fmt.Sprintf("%s to %s (%s)", c.NotBefore.Format(time.DateTime), c.NotAfter.Format(time.DateTime), daysText(c.DaysLeft))},
			{"Names (SAN)", wrap(strings.Join(escList(append(append([]string{}, c.DNSNames...), c.IPAddresses...)), ", "), 72)},
			{"Key", key},
			{"Signature", c.SignatureAlgorithm},
			{"Key usage", orNone(strings.Join(c.KeyUsage, ", "))},
			{"Extended key usage", orNone(strings.Join(c.ExtKeyUsage, ", "))},
			{"CA", yesNo(c.IsCA)},
			{"Thumbprint (SHA-1)", c.Thumbprint},
			{"SHA-256", c.SHA256Fingerprint},
		}
		if c.Role == inspect.RoleLeaf {
			rows = append(rows, []string{"Private key", keyText(c.HasPrivateKey, r.PrivateKeys)})
		}
		if err := appendRows(t, rows); err != nil {
			return err
		}
	}
	for _, c := range r.CSRs {
		fmt.Fprintf(w, "\n%s #%d: certificate request\n", esc(c.File), c.Index)
		t := newTable(w, "Field", "Value")
		key := fmt.Sprintf("%s %d", c.KeyType, c.KeyBits)
		if c.KeyCurve != "" {
			key = c.KeyType + " " + c.KeyCurve
		}
		rows := [][]string{
			{"Subject", esc(c.Subject)},
			{"Names (SAN)", wrap(strings.Join(escList(append(append([]string{}, c.DNSNames...), c.IPAddresses...)), ", "), 72)},
			{"Key", key},
			{"Signature", c.SignatureAlgorithm + ", " + map[bool]string{true: "valid", false: "INVALID"}[c.SignatureValid]},
			{"Private key", keyText(c.HasPrivateKey, r.PrivateKeys)},
		}
		if err := appendRows(t, rows); err != nil {
			return err
		}
	}
	for _, cov := range r.Coverage {
		fmt.Fprintf(w, "\nCoverage of the plan by %s (%s %s):\n", esc(cov.File), cov.Kind, esc(cov.Subject))
		t := newTable(w, "Name", "Covered", "By")
		var rows [][]string
		for _, n := range cov.Names {
			by := n.By
			if n.Match != "" && n.Match != n.Name {
				by += " " + n.Match
			}
			rows = append(rows, []string{esc(n.Name), yesNo(n.Covered), esc(by)})
		}
		if err := appendRows(t, rows); err != nil {
			return err
		}
	}
	if len(r.Findings) == 0 {
		_, err := fmt.Fprintln(w, "\nNo findings.")
		return err
	}
	return writeFindings(w, "Findings", r.Findings)
}

func appendRows(t *tablewriter.Table, rows [][]string) error {
	for _, r := range rows {
		if err := appendRow(t, r...); err != nil {
			return err
		}
	}
	return t.Render()
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func daysText(d int) string {
	switch {
	case d == -1:
		return "expired today"
	case d < 0: // d is rounded down: -1 within a day of expiry
		return fmt.Sprintf("expired %d days ago", -d-1)
	case d == 1:
		return "1 day left"
	}
	return fmt.Sprintf("%d days left", d)
}

func keyText(matches bool, keys int) string {
	switch {
	case matches:
		return "matches"
	case keys == 0:
		return "not checked (no key given)"
	}
	return "DOES NOT MATCH the key given"
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
