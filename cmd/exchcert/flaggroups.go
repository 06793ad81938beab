package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/exchcert/exchcert/csr"
	"github.com/exchcert/exchcert/inspect"
)

// checkFlags say what a certificate is checked against besides the plan:
// the roots it must chain to, the days it must stay valid, and the time it
// is checked at. inspect, report and lint take all three; probe and acme
// take --roots.
type checkFlags struct {
	roots   string
	minDays int
	at      string
}

// registerRoots adds --roots.
func (f *checkFlags) registerRoots(fs *pflag.FlagSet) {
	fs.StringVar(&f.roots, "roots", "", "trust the root certificates in `FILE` (PEM, DER or .p7b) instead of the system roots")
}

// register adds --roots, --min-days and --at.
func (f *checkFlags) register(fs *pflag.FlagSet) {
	f.registerRoots(fs)
	fs.IntVar(&f.minDays, "min-days", inspect.DefaultMinDays, "a certificate must stay valid for `N` more days; fewer is an expires-soon finding")
	fs.StringVar(&f.at, "at", "", "evaluate as of `TIME` (RFC 3339, e.g. 2027-01-01T00:00:00Z, or YYYY-MM-DD) instead of now")
}

// pool reads --roots; nil (the system roots) when it is not given.
func (f *checkFlags) pool() (*x509.CertPool, error) {
	if f.roots == "" {
		return nil, nil
	}
	return loadRoots("--roots", f.roots)
}

// when checks --min-days and returns --at, or now when it is not given.
func (f *checkFlags) when(now time.Time) (time.Time, error) {
	if f.minDays < 0 {
		return time.Time{}, &usageError{errors.New("--min-days must be 0 or more")}
	}
	if f.at == "" {
		return now, nil
	}
	t, err := parseAt(f.at)
	if err != nil {
		return time.Time{}, &usageError{err}
	}
	return t, nil
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

// typedFlag is a flag whose value is parsed into T while the flags are
// parsed, so a typo is a usage error before anything runs.
type typedFlag[T fmt.Stringer] struct {
	v     T
	parse func(string) (T, error)
	kind  string // shown in the help, e.g. "format"
}

func (f *typedFlag[T]) String() string { return f.v.String() }
func (f *typedFlag[T]) Type() string   { return f.kind }
func (f *typedFlag[T]) Set(s string) (err error) {
	v, err := f.parse(s)
	if err == nil {
		f.v = v
	}
	return err
}

// keyTypeFlag is --key-type.
type keyTypeFlag struct{ typedFlag[csr.KeyType] }

// register adds --key-type, csr.DefaultKeyType unless given. It does not
// go with --key: a key that is reused keeps its type.
func (f *keyTypeFlag) register(cmd *cobra.Command) {
	f.typedFlag = typedFlag[csr.KeyType]{v: csr.DefaultKeyType, parse: csr.ParseKeyType, kind: "type"}
	cmd.Flags().Var(f, "key-type", "key `TYPE` to make: "+csr.JoinKeyTypes())
	cmd.MarkFlagsMutuallyExclusive("key", "key-type")
}

// exclusiveGroup matches cobra's error for flags of a mutually exclusive
// group given together. Compiled when first needed, not at every start.
var exclusiveGroup = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^if any flags in the group \[[^\]]*\] are set none of the others can be; \[([^\]]*)\] were all set$`)
})

// incompatible words every pair of flags that cannot go together the same
// way, whether cobra found it (MarkFlagsMutuallyExclusive) or a command.
func incompatible(a, b string) error {
	return &usageError{errors.New("flag '--" + a + "' is incompatible with '--" + b + "'")}
}

// rewordGroupError turns cobra's mutually-exclusive-group error into the
// words of incompatible.
func rewordGroupError(err error) error {
	m := exclusiveGroup().FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	set := strings.Fields(m[1])
	if len(set) < 2 {
		return err
	}
	return incompatible(set[0], set[1])
}
