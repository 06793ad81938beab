package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/plan"
)

// planFlags are the inputs of a plan, shared by every command that needs
// one: either the flags of `exchcert plan` or --plan FILE.
type planFlags struct {
	fqdn        string
	domains     []string
	exchange    string
	from        string
	legacyName  string
	names       []string
	namespace   string
	includeFQDN bool
	noRoot      bool
	privateCA   bool
	file        string
	// privateCAWithPlan lets --private-ca go with --plan: for the checking
	// commands it is a way of checking, not a part of the plan.
	privateCAWithPlan bool
}

// planFlagNames are the flags that --plan replaces.
var planFlagNames = []string{"fqdn", "domain", "exchange", "from", "legacy-name", "name", "namespace", "include-fqdn", "no-root", "private-ca"}

func (f *planFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.fqdn, "fqdn", "", "the Exchange server's FQDN, e.g. exch2.acme.com")
	fs.StringArrayVar(&f.domains, "domain", nil, "an SMTP domain (repeatable; default: the FQDN's parent domain)")
	fs.StringVar(&f.exchange, "exchange", "se", "target Exchange version: "+exchange.Join(exchange.Targets))
	fs.StringVar(&f.from, "from", "", "version being migrated from: "+exchange.Join(exchange.Sources))
	fs.StringVar(&f.legacyName, "legacy-name", "", "legacy host name during coexistence (default legacy.<first domain>)")
	fs.StringArrayVar(&f.names, "name", nil, "an extra name for the certificate (repeatable), e.g. mail.acme.com")
	fs.StringVar(&f.namespace, "namespace", "", "client namespace that becomes the Common Name, e.g. mail.acme.com")
	fs.BoolVar(&f.includeFQDN, "include-fqdn", false, "keep the server FQDN on the certificate when --namespace is given")
	fs.BoolVar(&f.noRoot, "no-root", false, "leave <domain> itself off the certificate")
	fs.BoolVar(&f.privateCA, "private-ca", false, "allow names a public CA refuses (internal names) for an internal CA")
	fs.StringVar(&f.file, "plan", "", "read the plan from `FILE` (saved with exchcert plan -o json) instead of the flags")
}

// given reports whether the command line names a plan at all.
func (f *planFlags) given(cmd *cobra.Command) bool {
	return cmd.Flags().Changed("plan") || cmd.Flags().Changed("fqdn")
}

// planOnlyFlags are plan flags that mean nothing without --fqdn.
var planOnlyFlags = []string{"domain", "from", "legacy-name", "name", "namespace", "include-fqdn", "no-root"}

// loadOptional is load for commands where the plan is optional (inspect,
// lint): any flag that describes a plan asks for one; --exchange alone only
// sets the version whose key-type rules apply (returned as v, None when not
// given).
func (f *planFlags) loadOptional(a *app, cmd *cobra.Command) (p *plan.Plan, v exchange.Version, err error) {
	need := f.given(cmd)
	for _, n := range planOnlyFlags {
		need = need || cmd.Flags().Changed(n)
	}
	if need {
		// Here --private-ca says how to check, so it goes with --plan too.
		f.privateCAWithPlan = true
		p, err = f.load(a, cmd)
		if err == nil && f.privateCA {
			p.PrivateCA = true
		}
		return p, exchange.None, err
	}
	if cmd.Flags().Changed("exchange") {
		if v, err = exchange.ParseVersion(f.exchange, exchange.Targets); err != nil {
			return nil, exchange.None, &usageError{fmt.Errorf("--exchange: %w", err)}
		}
	}
	return nil, v, nil
}

// load builds the plan from the flags or reads --plan FILE. It returns a
// usage error when --plan is combined with plan flags or neither is given.
func (f *planFlags) load(a *app, cmd *cobra.Command) (*plan.Plan, error) {
	if f.file != "" {
		for _, n := range planFlagNames {
			if n == "private-ca" && f.privateCAWithPlan {
				continue
			}
			if cmd.Flags().Changed(n) {
				if n == "private-ca" {
					return nil, &usageError{errors.New("flag '--plan' is incompatible with '--private-ca' here: a plan keeps private_ca (make it with exchcert plan --private-ca -o json)")}
				}
				return nil, &usageError{fmt.Errorf("flag '--plan' is incompatible with '--%s'", n)}
			}
		}
		return readPlanFile(f.file)
	}
	if f.fqdn == "" {
		return nil, &usageError{fmt.Errorf("no plan: give --fqdn (and --domain) or --plan FILE")}
	}
	target, err := exchange.ParseVersion(f.exchange, exchange.Targets)
	if err != nil {
		return nil, &usageError{fmt.Errorf("--exchange: %w", err)}
	}
	var from exchange.Version
	if f.from != "" {
		if from, err = exchange.ParseVersion(f.from, exchange.Sources); err != nil {
			return nil, &usageError{fmt.Errorf("--from: %w", err)}
		}
	}
	p, err := plan.Build(plan.Input{
		FQDN: f.fqdn, Domains: splitList(f.domains), Exchange: target, From: from,
		LegacyName: f.legacyName, Names: splitList(f.names), Namespace: f.namespace,
		IncludeFQDN: f.includeFQDN, NoRoot: f.noRoot, PrivateCA: f.privateCA,
	})
	if err != nil {
		if ie, ok := err.(*plan.InputError); ok {
			return nil, fmt.Errorf("--%s: %w", flagOfField(ie.Field), err)
		}
		return nil, err
	}
	return p, nil
}

func flagOfField(field string) string {
	switch field {
	case "domains":
		return "domain"
	case "names":
		return "name"
	}
	return field
}

// splitList accepts repeated flags and comma-separated lists alike.
func splitList(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// readPlanFile reads a plan document; errors name the file.
func readPlanFile(name string) (*plan.Plan, error) {
	data, err := readInput(name, plan.MaxDocumentSize)
	if err != nil {
		return nil, err
	}
	p, err := plan.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, inFile(name, err)
	}
	return p, nil
}

// readInput reads a whole input file of at most limit bytes. Errors name the
// file and say what is wrong in words an admin understands.
func readInput(name string, limit int64) ([]byte, error) {
	f, err := openInput(name)
	if err != nil {
		return nil, inFile(name, describeOSError(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, inFile(name, describeOSError(err))
	}
	if st.IsDir() {
		return nil, inFile(name, fmt.Errorf("is a directory, not a file"))
	}
	if st.Size() > limit {
		return nil, inFile(name, fmt.Errorf("file is %d bytes; the limit is %d", st.Size(), limit))
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, inFile(name, describeOSError(err))
	}
	if int64(buf.Len()) > limit {
		return nil, inFile(name, fmt.Errorf("file is larger than %d bytes", limit))
	}
	return buf.Bytes(), nil
}

// describeOSError drops the operation and path from *fs.PathError (the
// caller adds the file name) and words the common cases plainly.
func describeOSError(err error) error {
	switch {
	case os.IsNotExist(err):
		return fmt.Errorf("no such file")
	case os.IsPermission(err):
		return fmt.Errorf("permission denied")
	}
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
