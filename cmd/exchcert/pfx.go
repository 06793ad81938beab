package main

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/internal/safefile"
)

// pfxSchema identifies the JSON report of exchcert pfx.
const pfxSchema = "exchcert.pfx/v1"

type pfxOptions struct {
	cert     string
	key      string
	chain    []string
	out      string
	windows  string
	encoding string
	exchange string
	planFile string
	force    bool
	pw       passwordFlags
	output   outputFlag
}

// pfxCert is one certificate in the report.
type pfxCert struct {
	Subject    string `json:"subject"`
	Issuer     string `json:"issuer"`
	Thumbprint string `json:"thumbprint"`
}

// pfxReport is what exchcert pfx wrote.
type pfxReport struct {
	Schema     string               `json:"schema"`
	File       string               `json:"file"`
	Protection string               `json:"protection"` // who can read the file
	Encoding   exchange.PFXEncoding `json:"encoding"`
	Reason     string               `json:"encoding_reason"`
	Algorithms string               `json:"algorithms"`
	Iterations int                  `json:"iterations"`     // of the key and certificate encryption, as written
	MACIter    int                  `json:"mac_iterations"` // of the MAC, as written
	Windows    exchange.Windows     `json:"windows,omitempty"`
	Leaf       pfxCert              `json:"leaf"`
	Chain      []pfxCert            `json:"chain"`
	Warnings   []string             `json:"warnings"`
}

func newPfxCmd(a *app) *cobra.Command {
	var o pfxOptions
	cmd := &cobra.Command{
		Use:   "pfx --cert FILE --key FILE [--chain FILE] --out FILE.pfx",
		Short: "Build a password-protected PFX that the server's Windows version can import",
		Long: `Pfx puts the private key, the certificate and its chain into one
password-protected PKCS #12 (.pfx) file for Import-ExchangeCertificate.

The certificate whose public key matches --key comes first; the chain is
ordered from the certificates in --cert and --chain (issuer by issuer, each
signature checked). The encoding follows the Windows Server that imports the
file: the legacy one (3DES, SHA-1 MAC) up to 2016, which every Windows
imports, the modern one (AES-256, SHA-256 MAC) from 2019. Without --windows
or --encoding it follows --exchange (or the --plan's version): modern for
Exchange 2019 and SE, which run on Windows Server 2019 and later only, else
legacy; a legacy choice is named in a warning. Both use 2,048
key-derivation iterations for the encryption and for the MAC.

The password comes from --password-env, --password-file or a prompt (asked
twice); an empty password is refused. The file is readable by its owner
only (mode 0600; on Windows an access list for the owner, SYSTEM and
Administrators), never written over an existing file without --force, and
decoded again from disk after writing: if that fails, the file it replaced
is put back. A friendly name cannot be stored by this encoder: set it on
import (exchcert bind --friendly-name).`,
		Example: `  # For Exchange 2016 on Windows Server 2016 (legacy encoding)
  exchcert pfx --cert exch2.crt --key exch2.key --chain intermediate.pem --windows 2016 --out exch2.pfx

  # For Exchange SE on Windows Server 2022, password from the environment
  PFX_PASSWORD='…' exchcert pfx --cert fullchain.pem --key exch2.key --windows 2022 \
    --password-env PFX_PASSWORD --out exch2.pfx`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(a) },
	}
	f := cmd.Flags()
	f.StringVar(&o.cert, "cert", "", "the certificate `FILE` (PEM, DER or PKCS #7; may hold the chain too)")
	f.StringVar(&o.key, "key", "", "the private key `FILE` (PEM or DER)")
	f.StringArrayVar(&o.chain, "chain", nil, "a `FILE` of chain certificates (repeatable)")
	f.StringVar(&o.out, "out", "", "the PFX `FILE` to write")
	f.StringVar(&o.windows, "windows", "", "`VERSION` of the Windows Server that imports the file: "+exchange.JoinWindows(exchange.WindowsVersions))
	f.StringVar(&o.encoding, "encoding", "", "PFX `ENCODING`: legacy|modern (default: from --windows, else from --exchange or --plan, else legacy)")
	f.StringVar(&o.exchange, "exchange", "", "Exchange `VERSION` of the server, when --windows is not known: "+exchange.Join(exchange.Targets))
	f.StringVar(&o.planFile, "plan", "", "take the Exchange version from the plan in `FILE` (saved with exchcert plan -o json)")
	f.BoolVar(&o.force, "force", false, "replace --out if it exists")
	o.pw.register(cmd)
	addOutputFlag(cmd, &o.output)
	for _, n := range []string{"cert", "key", "out"} {
		_ = cmd.MarkFlagRequired(n)
	}
	return cmd
}

// chooseEncoding picks the encoding from --windows, --encoding, --exchange
// or --plan, and says why.
func (o *pfxOptions) chooseEncoding(rep *pfxReport) error {
	switch {
	case o.windows != "" && o.encoding != "":
		return incompatible("windows", "encoding")
	case o.exchange != "" && o.planFile != "":
		return incompatible("plan", "exchange")
	case o.windows != "":
		w, err := exchange.ParseWindows(o.windows)
		if err != nil {
			return &usageError{fmt.Errorf("--windows: %w", err)}
		}
		rep.Windows, rep.Encoding = w, exchange.PFXEncodingFor(w)
		rep.Reason = "--windows " + w.String()
		if rep.Encoding == exchange.PFXLegacy {
			rep.Reason += ": " + w.Title() + " cannot import AES-256"
		}
	case o.encoding != "":
		e, err := exchange.ParsePFXEncoding(o.encoding)
		if err != nil {
			return &usageError{fmt.Errorf("--encoding: %w", err)}
		}
		rep.Encoding, rep.Reason = e, "--encoding "+e.String()
	case o.exchange != "" || o.planFile != "":
		v, from := exchange.None, ""
		if o.planFile != "" {
			p, err := readPlanFile(o.planFile)
			if err != nil {
				return err
			}
			v, from = p.Exchange, "the plan's "
		} else {
			var err error
			if v, err = exchange.ParseVersion(o.exchange, exchange.Targets); err != nil {
				return &usageError{fmt.Errorf("--exchange: %w", err)}
			}
		}
		e, why := exchange.PFXEncodingForExchange(v)
		rep.Encoding, rep.Reason = e, from+why
	default:
		rep.Encoding = exchange.PFXLegacy
		rep.Reason = "no --windows, --exchange or --plan says the server runs Windows Server 2019 or later"
	}
	rep.Algorithms = rep.Encoding.Describe()
	return nil
}

// legacyWarning is the one line that says why the legacy encoding was
// chosen and what it costs.
func legacyWarning(reason string) string {
	return fmt.Sprintf("legacy PFX encoding (3DES, SHA-1) because %s; %s", reason, exchange.LegacyCost)
}

func (o *pfxOptions) run(a *app) error {
	rep := pfxReport{Schema: pfxSchema, File: o.out, Chain: []pfxCert{}, Warnings: []string{}, Protection: safefile.Protection(0o600)}
	if err := o.chooseEncoding(&rep); err != nil {
		return err
	}

	// Fail on an existing output, or a folder that is not there, before
	// asking for a password.
	if err := refuseExisting(a, o.force, o.out); err != nil {
		return err
	}
	if st, err := os.Stat(filepath.Dir(o.out)); err != nil || !st.IsDir() {
		return inFile(o.out, errors.New("cannot be created: its folder does not exist"))
	}

	certs, err := loadCerts(o.cert)
	if err != nil {
		return err
	}
	if len(certs) == 0 {
		return inFile(o.cert, errors.New("holds no certificate"))
	}
	key, err := loadKey(o.key)
	if err != nil {
		return err
	}
	var pool []*x509.Certificate
	for _, name := range o.chain {
		cs, err := loadCerts(name)
		if err != nil {
			return err
		}
		if len(cs) == 0 {
			return inFile(name, errors.New("holds no certificate"))
		}
		pool = append(pool, cs...)
	}
	leaf := matchingCert(key, certs)
	if leaf == nil {
		err := exchange.KeyMatches(key, certs[0])
		if errors.Is(err, exchange.ErrKeyMismatch) {
			return inFile(o.key, fmt.Errorf("%w in %s (check that the key is the one the request was made with)", err, o.cert))
		}
		return inFile(o.key, err)
	}
	chain, unused, missing := exchange.OrderChain(leaf, append(certs, pool...))
	for _, c := range unused {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("left out %q: it is not in the chain of %q", c.Subject.String(), leaf.Subject.String()))
	}
	if missing != "" {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("the chain is incomplete: the issuer %q is not among the inputs; add it with --chain, or the server must already trust it", missing))
	}
	if note := exchange.SHA2Note(rep.Windows, append([]*x509.Certificate{leaf}, chain...)); note != "" {
		rep.Warnings = append(rep.Warnings, note)
	}
	rep.Leaf = describeCert(leaf)
	for _, c := range chain {
		rep.Chain = append(rep.Chain, describeCert(c))
	}

	pw, err := o.pw.read(a, "PFX password: ", true)
	if err != nil {
		return err
	}
	defer clear(pw)
	der, err := exchange.EncodePFX(key, leaf, chain, pw, rep.Encoding)
	switch {
	case errors.Is(err, exchange.ErrEmptyPassword), errors.Is(err, exchange.ErrBadPassword):
		return &usageError{o.pw.blame(err)}
	case err != nil:
		return err
	}
	// Prove the file on disk, not only the bytes in memory, before the
	// file it replaces is dropped: if it does not read back, the old one
	// is put back.
	verify := func() error {
		written, err := readBack(o.out)
		if err == nil {
			err = exchange.VerifyPFX(written, pw, key, leaf, chain)
		}
		if err == nil {
			rep.Iterations, rep.MACIter, err = pfxIterations(o.out, written, pw)
		}
		return err
	}
	err = safefile.Write(safefile.Options{Force: o.force, Verify: verify, Notify: a.notify},
		safefile.File{Name: o.out, Data: der, Perm: 0o600})
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Op == "verify" {
		what := "nothing was written"
		if o.force {
			what = "the file it replaced, if any, was put back"
		}
		return inFile(o.out, fmt.Errorf("the written file does not read back (%v); %s", pe.Err, what))
	}
	if err != nil {
		return outputError(o.out, err)
	}
	if rep.Encoding == exchange.PFXLegacy {
		rep.Warnings = append(rep.Warnings, legacyWarning(rep.Reason))
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(a.stderr, "exchcert: warning: %s\n", w)
	}
	return a.report(o.output, rep, func(w io.Writer) error { return writePFXTable(w, &rep) })
}

// matchingCert returns the certificate in certs whose public key is key's.
func matchingCert(key crypto.PrivateKey, certs []*x509.Certificate) *x509.Certificate {
	for _, c := range certs {
		if exchange.KeyMatches(key, c) == nil {
			return c
		}
	}
	return nil
}
