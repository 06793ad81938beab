package lint

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	// The zlint package registers every lint of every source in its init.
	_ "github.com/zmap/zlint/v3"
	zl "github.com/zmap/zlint/v3/lint"

	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/inspect"
)

// DefaultSources are the zlint lint sources run unless Options.Sources says
// otherwise: the certificate profile of RFC 5280 and the CA/Browser Forum
// Baseline Requirements for publicly trusted TLS server certificates, which
// every certificate an Exchange server presents to the internet must meet.
var DefaultSources = []string{string(zl.RFC5280), string(zl.CABFBaselineRequirements)}

// superseded are lints left out when a more specific profile that says the
// opposite is selected too, so that a certificate can pass both:
// RFC 5280 4.2.1.2 says end-entity certificates SHOULD carry a subject key
// identifier, and the Baseline Requirements 7.1.2.7.6 (a profile of RFC
// 5280 for public TLS certificates, ballot SC62) make it NOT RECOMMENDED.
var superseded = map[string]zl.LintSource{
	"w_ext_subject_key_identifier_missing_sub_cert": zl.CABFBaselineRequirements,
}

// sourceAll selects every source zlint knows.
const sourceAll = "all"

// Sources returns the names of the lint sources zlint knows, sorted; each is
// a valid element of Options.Sources.
func Sources() []string {
	var out []string
	for _, s := range zl.GlobalRegistry().Sources() {
		out = append(out, string(s))
	}
	sort.Strings(out)
	return out
}

// Linter runs a fixed set of zlint certificate lints. Build it once with
// NewLinter: filtering zlint's registry sorts and copies every lint, which
// costs more than linting a certificate. A Linter is safe for concurrent use:
// each lint is constructed afresh for every certificate (zlint's own
// contract), and the configuration is only read.
type Linter struct {
	lints   []*zl.CertificateLint
	config  zl.Configuration
	sources []string
	off     []string
}

// NewLinter selects the lints of sources, zlint source names such as
// "RFC5280" or "CABF_BR" (case-insensitive; "all" for every source). An
// empty list means DefaultSources. An unknown name is an error that lists
// the valid ones.
func NewLinter(sources []string) (*Linter, error) {
	if len(sources) == 0 {
		sources = DefaultSources
	}
	known := Sources()
	var list zl.SourceList
	var names []string
	for _, s := range sources {
		s = strings.TrimSpace(s)
		if strings.EqualFold(s, sourceAll) {
			list, names = nil, append([]string(nil), known...)
			for _, k := range known {
				list = append(list, zl.LintSource(k))
			}
			break
		}
		i := slices.IndexFunc(known, func(k string) bool { return strings.EqualFold(k, s) })
		if i < 0 {
			return nil, fmt.Errorf("unknown lint source %q (want all or a list of %s)", s, strings.Join(known, ", "))
		}
		if !slices.Contains(names, known[i]) {
			list = append(list, zl.LintSource(known[i]))
			names = append(names, known[i])
		}
	}
	reg, err := zl.GlobalRegistry().Filter(zl.FilterOptions{IncludeSources: list})
	if err != nil {
		return nil, fmt.Errorf("selecting zlint lints: %w", err)
	}
	var lints []*zl.CertificateLint
	for _, cl := range reg.CertificateLints().Lints() {
		if by, ok := superseded[cl.Name]; ok && slices.Contains(list, by) {
			continue
		}
		lints = append(lints, cl)
	}
	sort.Strings(names)
	return &Linter{
		lints:   lints,
		config:  reg.GetConfiguration(),
		sources: names,
	}, nil
}

// publicTrustSources are the lint sources whose rules bind only CAs whose
// roots are in the browsers' and operating systems' root programs: the
// CA/Browser Forum's requirements and the root store policies of Mozilla,
// Apple and Chrome. A private (enterprise) CA need not follow them.
var publicTrustSources = []zl.LintSource{
	zl.CABFBaselineRequirements, zl.CABFCSBaselineRequirements, zl.CABFSMIMEBaselineRequirements,
	zl.CABFEVGuidelines, zl.MozillaRootStorePolicy, zl.AppleRootStorePolicy, zl.ChromeRootStorePolicy,
}

// NewPrivateCALinter is NewLinter for certificates from a private CA: the
// CA/Browser Forum and root-program sources among sources are left out,
// and Off names them for the report.
func NewPrivateCALinter(sources []string) (*Linter, error) {
	full, err := NewLinter(sources)
	if err != nil {
		return nil, err
	}
	var kept, off []string
	for _, s := range full.sources {
		if slices.Contains(publicTrustSources, zl.LintSource(s)) {
			off = append(off, s)
		} else {
			kept = append(kept, s)
		}
	}
	if len(off) == 0 {
		return full, nil
	}
	l := &Linter{sources: []string{}, off: off}
	if len(kept) > 0 {
		if l, err = NewLinter(kept); err != nil {
			return nil, err
		}
		l.off = off
	}
	return l, nil
}

// Off returns the lint sources asked for but left out because the
// certificates come from a private CA (NewPrivateCALinter), sorted.
func (l *Linter) Off() []string { return slices.Clone(l.off) }

// Sources returns the lint sources l runs, sorted.
func (l *Linter) Sources() []string { return slices.Clone(l.sources) }

// Len returns the number of lints l runs.
func (l *Linter) Len() int { return len(l.lints) }

// Lint parses der with zcrypto's x509 parser, the one zlint's lints are
// written against, and runs every lint of l on it. Lints that pass, do not
// apply, or are not yet effective report nothing; the others become
// findings with the lint's name as Code, its citation, and subject as
// Subject. A certificate zcrypto refuses as it is is parsed the lenient
// way (inspect.ParseZcrypto), so the lints run on what can be read; one
// that cannot be read at all is one error finding.
func (l *Linter) Lint(der []byte, subject string) []Finding {
	c, _, err := inspect.ParseZcrypto(der)
	if err != nil {
		return []Finding{{
			Finding: finding.Finding{
				Code:     CodeZlintUnparsable,
				Severity: finding.Error,
				Subject:  subject,
				Message:  "zlint's certificate parser rejects this certificate: " + err.Error(),
				Fix:      "re-issue the certificate; clients with strict DER parsers will reject it too",
				Citation: "RFC 5280 section 4.1",
			},
			Source: SourceExchcert,
		}}
	}
	var out []Finding
	// The lints run in registry order, which zlint keeps stable, so the
	// findings of a certificate come out in the same order every run.
	for _, cl := range l.lints {
		res := cl.Execute(c, l.config)
		sev, ok := zlintSeverity(res.Status)
		if !ok {
			continue
		}
		msg := cl.Description
		if d := strings.TrimSpace(res.Details); d != "" {
			msg += " (" + d + ")"
		}
		out = append(out, Finding{
			Finding: finding.Finding{
				Code:     cl.Name,
				Severity: sev,
				Subject:  subject,
				Message:  msg,
				Citation: cl.Citation,
			},
			Source: string(cl.Source),
			Rule:   cl.Description,
		})
	}
	return out
}

// zlintSeverity maps a zlint status to a finding severity. Fatal means the
// lint itself failed on this certificate (zlint turns a panicking lint into
// Fatal), which only a malformed certificate provokes: an error.
func zlintSeverity(s zl.LintStatus) (finding.Severity, bool) {
	switch s {
	case zl.Fatal, zl.Error:
		return finding.Error, true
	case zl.Warn:
		return finding.Warning, true
	case zl.Notice:
		return finding.Info, true
	}
	return 0, false // Pass, NA (does not apply), NE (not yet effective), Reserved
}
