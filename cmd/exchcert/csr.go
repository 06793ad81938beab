package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/exchcert/exchcert/csr"
	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/internal/safefile"
	"github.com/exchcert/exchcert/plan"
)

// csrSchema identifies the JSON document of `exchcert csr -o json`.
const csrSchema = "exchcert.csr/v1"

type csrOptions struct {
	plan        planFlags
	subject     csr.Subject
	keyType     keyTypeFlag
	keyFile     string
	outDir      string
	force       bool
	requestPath string
	output      outputFlag
}

// csrReport is the JSON document: where the files are and what the
// request says.
type csrReport struct {
	Schema     string `json:"schema"`
	KeyFile    string `json:"key_file"`
	KeyCreated bool   `json:"key_created"` // false when --key reused a key
	CSRFile    string `json:"csr_file"`
	*csr.CSR
	Exchange exchange.Version `json:"exchange"`
	// ExchangeRequest is the New-ExchangeCertificate alternative, for a key
	// that stays inside Windows.
	ExchangeRequest string `json:"exchange_request_command,omitempty"`
	ExchangeNote    string `json:"exchange_request_note,omitempty"`
}

func newCSRCmd(a *app) *cobra.Command {
	o := &csrOptions{}
	cmd := &cobra.Command{
		Use:   "csr",
		Short: "Make the private key and the certificate request for the plan",
		Long: `Csr makes a private key and a certificate signing request (CSR) that carry
exactly the planned names: the Common Name, and every planned name as a
subject alternative name. Send the .csr file to the CA; keep the .key file.

The key is written to <common name>.key in --out-dir with mode 0600, and the
request to <common name>.csr. Neither replaces an existing file unless
--force is given, and a failure leaves neither behind. The key is never
printed. For a renewal, --key reuses an existing key (PKCS#1, PKCS#8 or SEC1
PEM) instead of making a new one.

For an organisation-validated (OV) certificate give --org, --country and
--locality or --state as the organisation is registered; a domain-validated
certificate needs none of them.

The report also prints the equivalent New-ExchangeCertificate -GenerateRequest
command, for a key made and kept inside Windows instead. A key made here is
joined with the certificate later by exchcert pfx; a request made on the
server is completed there with Import-ExchangeCertificate of the .cer.`,
		Example: `  # The seed scenario: Exchange 2010 joining an Exchange 2003 organisation
  exchcert csr --fqdn exch2.acme.com --domain acme.com --exchange 2010 --from 2003 --org ACME

  # From a saved plan, for an OV certificate, into a folder
  exchcert csr --plan acme.plan.json --org "ACME Ltd" --locality Canterbury --state Kent --country GB --out-dir certs

  # Renewal with the existing key
  exchcert csr --plan acme.plan.json --org "ACME Ltd" --country GB --key certs/exch2.acme.com.key --out-dir renew`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCSR(a, cmd, o)
		},
	}
	flags := cmd.Flags()
	o.plan.register(flags)
	flags.StringVar(&o.subject.Organization, "org", "", "organisation (O) as the CA validates it, for an OV certificate")
	flags.StringVar(&o.subject.OrganizationalUnit, "org-unit", "", "organisational unit (OU); public CAs drop it")
	flags.StringVar(&o.subject.Locality, "locality", "", "city or town (L)")
	flags.StringVar(&o.subject.State, "state", "", "state, county or province (ST)")
	flags.StringVar(&o.subject.Country, "country", "", "two-letter ISO 3166 country code (C), e.g. GB, DE, US")
	flags.StringVar(&o.keyFile, "key", "", "reuse the private key in `FILE` (PEM) instead of making one, e.g. for a renewal")
	o.keyType.register(cmd)
	flags.StringVar(&o.outDir, "out-dir", ".", "folder to write the key and request to")
	flags.BoolVar(&o.force, "force", false, "replace existing key and request files")
	flags.StringVar(&o.requestPath, "request-path", "", "Windows path for the request file in the New-ExchangeCertificate command (default "+exchange.DefaultImportPath("<common name>.req")+")")
	addOutputFlag(cmd, &o.output)
	return cmd
}

func runCSR(a *app, cmd *cobra.Command, o *csrOptions) error {
	p, err := o.plan.load(a, cmd)
	if err != nil {
		return err
	}
	// A key type the target version cannot use is refused before anything
	// is made or written (exchange.KeySupport cites Microsoft's page).
	if o.keyFile == "" {
		if err := csr.CheckExchangeKey(p.Exchange, o.keyType.v.Info()); err != nil {
			return keyError(err, o.keyType.v, "")
		}
	}
	// Check the cheap things before making a key, which can take seconds.
	if _, err := csr.NormalizeSubject(o.subject); err != nil {
		return subjectFlagError(err)
	}
	if err := checkOutDir(o.outDir); err != nil {
		return err
	}
	if o.requestPath != "" {
		if err := exchange.CheckWindowsPath(o.requestPath); err != nil {
			return &usageError{fmt.Errorf("--request-path: %w", err)}
		}
	}
	base := fileBase(p.CommonName)
	keyPath := filepath.Join(o.outDir, base+".key")
	csrPath := filepath.Join(o.outDir, base+".csr")
	targets := []string{csrPath}
	if o.keyFile == "" {
		targets = []string{keyPath, csrPath}
	}
	if err := refuseExisting(a, o.force, targets...); err != nil {
		return err
	}

	key, err := exchangeKey(p.Exchange, o.keyType.v, o.keyFile)
	if err != nil {
		return err
	}
	if o.keyFile != "" {
		keyPath = o.keyFile
	}

	req, err := csr.Build(csr.Request{Plan: p, Key: key, Subject: o.subject})
	if err != nil {
		var ke *csr.UnsupportedKeyError
		if errors.As(err, &ke) && o.keyFile != "" {
			return inFile(o.keyFile, err)
		}
		return subjectFlagError(err)
	}

	files := []safefile.File{{Name: csrPath, Data: req.PEM, Perm: 0o644}}
	if o.keyFile == "" {
		keyPEM, err := csr.MarshalPrivateKeyPEM(key)
		if err != nil {
			return fmt.Errorf("encoding the key: %w", err)
		}
		files = []safefile.File{{Name: keyPath, Data: keyPEM}, files[0]}
	}
	rep := &csrReport{
		Schema: csrSchema, KeyFile: keyPath, KeyCreated: o.keyFile == "", CSRFile: csrPath,
		CSR: req, Exchange: p.Exchange,
	}
	// Everything that can fail comes before the files are written.
	rep.ExchangeRequest, rep.ExchangeNote, err = exchangeRequest(p, req, o.requestPath)
	if err != nil {
		return err
	}
	if err := safefile.Write(safefile.Options{Force: o.force, Notify: a.notify}, files...); err != nil {
		return writeFilesError(err)
	}
	return a.reportAsIs(o.output, rep, func(w io.Writer) error { return writeCSRTable(w, rep) })
}

// fileBase turns the Common Name into a file name that works on Windows
// too: a wildcard's "*" becomes "wildcard".
func fileBase(cn string) string {
	return strings.Replace(cn, "*", "wildcard", 1)
}

// subjectFlagError names the flag of a bad subject field.
func subjectFlagError(err error) error {
	var se *csr.SubjectError
	if !errors.As(err, &se) {
		return err
	}
	flag, ok := map[string]string{
		"organization": "org", "organizational_unit": "org-unit", "locality": "locality",
		"state": "state", "country": "country",
	}[se.Field]
	if !ok { // the plan's Common Name
		return se.Err
	}
	return &usageError{fmt.Errorf("--%s: %w", flag, se.Err)}
}

// exchangeRequest returns the New-ExchangeCertificate -GenerateRequest
// command for the same certificate with a key made inside Windows.
func exchangeRequest(p *plan.Plan, req *csr.CSR, requestPath string) (command, note string, err error) {
	return exchange.EquivalentRequest(exchange.Equivalent{
		Version: p.Exchange, Server: p.Server(), SubjectName: req.X500Name(), CommonName: req.CommonName,
		Names: req.SANs, KeyAlgorithm: req.Key.Algorithm, KeyBits: req.Key.Bits, SecurityBits: req.Key.SecurityBits(),
		RequestPath: requestPath, FileName: fileBase(p.CommonName) + ".req",
	})
}
