// Package lint checks every certificate file in a set of folders, the way a
// CI job wants it: it walks the trees, recognises certificate files by
// content with the inspect loader (PEM, DER, P7B, PFX, CSR), runs the
// inspect checks and the zlint lints on each, in parallel, and streams one
// result per file, in a stable order, to a writer for people (text) or for
// CI systems (JSON, JUnit XML, SARIF 2.1.0, GitHub workflow commands).
//
// Memory stays flat however large the tree: at most a few files per worker
// are held at once, and results leave in walk order as soon as the files
// before them are done. Files that are not certificate files are skipped
// without a word; files that cannot be read are findings, never a reason to
// stop. lint never follows a symbolic link to a folder (that is how walks
// loop), and skips version-control folders.
//
// The package does no printing and reads no environment: the caller passes
// the clock, the password source and the output stream.
package lint

import (
	"fmt"
	"strings"
	"time"

	"github.com/exchcert/exchcert/finding"
)

// Schema is the id of the JSON report.
const Schema = "exchcert.lint/v1"

// SourceExchcert is the Source of findings made by exchcert's own checks;
// zlint findings carry zlint's source name (RFC5280, CABF_BR, ...).
const SourceExchcert = "exchcert"

// Finding codes of the file-level checks made here. Like every finding code
// they never change. The inspect checks bring theirs (inspect.CodeExpired,
// inspect.CodeKeyMismatch, ...), and zlint findings carry the lint's name.
const (
	// CodeUnreadable: the file or folder could not be read (permission
	// denied, a broken symbolic link, an I/O error).
	CodeUnreadable = "unreadable"
	// CodeNotRegular: a named pipe, socket or device where a file was
	// expected. It is never opened: opening a pipe waits for a writer.
	CodeNotRegular = "not-regular-file"
	// CodeLinkOutside: a symbolic link to a file outside the paths the run
	// was given. It is not opened (Options.FollowOutside opens it): in a
	// pull request's CI, a link to /etc/... would publish facts about a
	// file outside the checkout.
	CodeLinkOutside = "link-outside"
	// CodeTooLarge: a file that looks like a certificate file but is larger
	// than the loader reads.
	CodeTooLarge = "file-too-large"
	// CodePasswordNeeded: a PFX that needs a password, and none was given.
	CodePasswordNeeded = "password-needed"
	// CodeWrongPassword: a PFX the given password does not open.
	CodeWrongPassword = "wrong-password"
	// CodeDamaged: a file that starts like a certificate file but does not
	// decode.
	CodeDamaged = "damaged-file"
	// CodeTooManyIterations: a PFX whose key derivation asks for more work
	// than the loader allows (a denial-of-service guard).
	CodeTooManyIterations = "too-many-iterations"
	// CodeUnsupported: a certificate file in a variant the loader cannot
	// read (a PFX protected by public-key integrity, an unknown PBE
	// algorithm).
	CodeUnsupported = "unsupported-file"
	// CodeZlintUnparsable: a certificate crypto/x509 reads but zcrypto, the
	// stricter parser zlint uses, rejects.
	CodeZlintUnparsable = "zlint-unparsable"
)

// A Finding is one thing a check found in a file.
type Finding struct {
	finding.Finding
	// Source is SourceExchcert or the zlint source of the lint, such as
	// "RFC5280" or "CABF_BR".
	Source string `json:"source"`
	// Line is the line of the certificate's BEGIN line in a PEM file, 1 for
	// a finding about the whole file or a binary file.
	Line int `json:"line,omitempty"`
	// Rule says what the check looks for, the same text for every finding
	// with this Code (a zlint lint's description); empty when Message says
	// it all.
	Rule string `json:"-"`
}

// A File is the result for one file: a certificate file, or a file that
// could not be read.
type File struct {
	// Path is the file as the walk reached it: relative paths stay
	// relative, with the operating system's separator.
	Path string `json:"path"`
	// IgnoredReason says what an ignored file recognisably is instead ("a
	// certificate revocation list (CRL), not a certificate"); empty for
	// files that are nothing of the kind (a README, a script).
	IgnoredReason string `json:"ignored,omitempty"`
	// Format is the loader's name for the file's format (pem, der, p7b,
	// pfx, csr); empty when the file could not be read.
	Format       string     `json:"format,omitempty"`
	Certificates []CertInfo `json:"certificates,omitempty"`
	CSRs         int        `json:"csrs,omitempty"`
	Keys         int        `json:"keys,omitempty"`
	Findings     []Finding  `json:"findings"`
	// Ignored marks a file that is not a certificate file. Writers see
	// only those with an IgnoredReason; Run counts them all.
	Ignored bool `json:"-"`
}

// CertInfo identifies a certificate of a file in reports.
type CertInfo struct {
	Subject  string    `json:"subject"`
	Issuer   string    `json:"issuer"`
	NotAfter time.Time `json:"not_after"`
	// Thumbprint is the SHA-1 thumbprint as Exchange shows it and
	// Enable-ExchangeCertificate -Thumbprint takes it: it names the
	// certificate, it is not a security check.
	Thumbprint string `json:"thumbprint"`
	Line       int    `json:"line,omitempty"`
}

// Max returns the highest severity among the file's findings, or -1.
func (f *File) Max() finding.Severity {
	m := finding.Severity(-1)
	for _, x := range f.Findings {
		if x.Severity > m {
			m = x.Severity
		}
	}
	return m
}

// Summary counts what a run saw.
type Summary struct {
	// Files is the number of files looked at, certificate files or not.
	Files int `json:"files"`
	// CertificateFiles is the number of files the loader recognised.
	CertificateFiles int `json:"certificate_files"`
	// Certificates is the number of certificates in them.
	Certificates int `json:"certificates"`
	// Ignored is the number of files that are not certificate files.
	Ignored int `json:"ignored"`
	// Unreadable is the number of files and folders that could not be read.
	Unreadable int `json:"unreadable"`
	Errors     int `json:"errors"`
	Warnings   int `json:"warnings"`
	Infos      int `json:"infos"`
	// Failed is the number of files with a finding at or above FailOn.
	Failed int              `json:"failed_files"`
	FailOn finding.Severity `json:"fail_on"`
	// Lints is the number of zlint lints run on each certificate, and
	// LintSources their sources; zero and empty without zlint.
	Lints       int      `json:"lints"`
	LintSources []string `json:"lint_sources,omitempty"`
	// LintSourcesOff are the sources left out for a private CA: the
	// CA/Browser Forum and root-program rules bind public CAs only.
	LintSourcesOff []string `json:"lint_sources_off,omitempty"`
}

// HasFailures reports whether the run found a problem at or above s.FailOn.
func (s *Summary) HasFailures() bool { return s.Failed > 0 }

func (s *Summary) add(f *File) {
	s.Files++
	if f.Ignored {
		s.Ignored++
		return
	}
	if f.Format != "" {
		s.CertificateFiles++
		s.Certificates += len(f.Certificates)
	}
	failed := false
	for _, x := range f.Findings {
		switch x.Severity {
		case finding.Error:
			s.Errors++
		case finding.Warning:
			s.Warnings++
		default:
			s.Infos++
		}
		if x.Code == CodeUnreadable || x.Code == CodeNotRegular || x.Code == CodeLinkOutside {
			s.Unreadable++
		}
		failed = failed || x.Severity >= s.FailOn
	}
	if failed {
		s.Failed++
	}
}

// String is the one-line summary that ends the text report.
func (s *Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s checked: %s", plural(s.Files, "file"), plural(s.CertificateFiles, "certificate file"))
	fmt.Fprintf(&b, " (%s)", plural(s.Certificates, "certificate"))
	if s.Ignored > 0 {
		fmt.Fprintf(&b, ", %d other ignored", s.Ignored)
	}
	if s.Unreadable > 0 {
		fmt.Fprintf(&b, ", %d unreadable", s.Unreadable)
	}
	fmt.Fprintf(&b, "; %s, %s, %d info", plural(s.Errors, "error"), plural(s.Warnings, "warning"), s.Infos)
	if s.Failed > 0 {
		fmt.Fprintf(&b, "; %s failed (--fail-on %s)", plural(s.Failed, "file"), s.FailOn)
	}
	if len(s.LintSourcesOff) > 0 {
		fmt.Fprintf(&b, "; private CA: the public-CA lint sources %s were not run", strings.Join(s.LintSourcesOff, ", "))
	}
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
