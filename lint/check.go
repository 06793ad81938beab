package lint

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/internal/wording"
)

// checker checks one file at a time; the workers share it.
type checker struct {
	opt Options
	// lints remembers the zlint findings of certificates seen before,
	// by SHA-256: a repository holds the same certificate in several
	// files (the .crt, the .pfx, the .p7b, a full chain), and zlint is
	// most of the cost of a file.
	mu    sync.Mutex
	lints map[[32]byte][]Finding
}

// maxCachedLints bounds the zlint cache, so that memory stays flat on a
// tree of many different certificates: past it the cache starts afresh.
const maxCachedLints = 4096

func newChecker(opt Options) *checker {
	return &checker{opt: opt, lints: make(map[[32]byte][]Finding)}
}

// zlint returns the zlint findings of cert, labelled subject.
func (c *checker) zlint(cert *x509.Certificate, subject string) []Finding {
	sum := sha256.Sum256(cert.Raw)
	c.mu.Lock()
	fs, ok := c.lints[sum]
	c.mu.Unlock()
	if !ok {
		fs = c.opt.Linter.Lint(cert.Raw, "")
		c.mu.Lock()
		if len(c.lints) >= maxCachedLints {
			clear(c.lints)
		}
		c.lints[sum] = fs
		c.mu.Unlock()
	}
	out := slices.Clone(fs)
	for i := range out {
		out[i].Subject = subject
	}
	return out
}

// fileFinding is a finding about the file as a whole.
func fileFinding(code string, sev finding.Severity, msg, fix string) Finding {
	return Finding{
		Finding: finding.Finding{Code: code, Severity: sev, Message: msg, Fix: fix},
		Source:  SourceExchcert,
		Line:    1,
	}
}

func (c *checker) check(j job) *File {
	f := &File{Path: j.path}
	switch j.kind {
	case entryError:
		f.Findings = []Finding{fileFinding(CodeUnreadable, finding.Error, "cannot read: "+j.err.Error(),
			"make it readable by the CI user, fix or remove the link, or leave it out with --exclude")}
		return f
	case entryOutside:
		f.Findings = []Finding{fileFinding(CodeLinkOutside, finding.Warning, "not checked: symbolic link to "+j.target+", outside the paths given",
			"give that file's folder as a path too, pass --follow-outside to open such links, or leave it out with --exclude")}
		return f
	case entryNotRegular:
		f.Findings = []Finding{fileFinding(CodeNotRegular, finding.Warning, "not checked: this is "+modeName(j.mode)+", not a file",
			"leave it out with --exclude")}
		return f
	}
	data, big, err := readFile(j.path)
	if err != nil {
		f.Findings = []Finding{fileFinding(CodeUnreadable, finding.Error, "cannot read: "+err.Error(),
			"make it readable by the CI user, or leave it out with --exclude")}
		return f
	}
	if big {
		if !looksLikeCertFile(data) {
			f.Ignored = true
			return f
		}
		f.Findings = []Finding{fileFinding(CodeTooLarge, finding.Warning,
			fmt.Sprintf("not checked: larger than %d bytes, the most a certificate file is read", inspect.MaxFileSize),
			"split the bundle, or leave it out with --exclude")}
		return f
	}
	b, err := inspect.Load(j.path, data, inspect.LoadOptions{Password: c.opt.Password})
	if err != nil {
		if ignore(f, err, nil, false) {
			return f
		}
		f.Findings = []Finding{loadFinding(err)}
		return f
	}
	if ignore(f, nil, b, j.paired) {
		return f
	}
	c.checkBundle(f, b, data, j.key)
	sortFindings(f.Findings)
	return f
}

// loadFinding turns a loader error into a finding: a PFX that cannot be
// opened is something to report, not a reason to stop.
func loadFinding(err error) Finding {
	switch {
	case errors.Is(err, inspect.ErrNeedPassword):
		return fileFinding(CodePasswordNeeded, finding.Error, wording.PFXNeedsPassword, wording.GivePassword)
	case errors.Is(err, inspect.ErrWrongPassword):
		return fileFinding(CodeWrongPassword, finding.Error, wording.WrongPFXPassword, wording.GivePassword)
	case errors.Is(err, inspect.ErrTooManyIterations):
		return fileFinding(CodeTooManyIterations, finding.Error, "not opened: "+err.Error(),
			"export the PFX again: Windows, OpenSSL and Java use 2,000 to 10,000 iterations")
	case errors.Is(err, inspect.ErrUnsupported):
		return fileFinding(CodeUnsupported, finding.Error, "not checked: "+err.Error(),
			"convert it to PEM, or export the PFX again with AES or 3DES encryption and a password")
	case errors.Is(err, inspect.ErrTooLarge):
		return fileFinding(CodeTooLarge, finding.Warning, "not checked: "+err.Error(),
			"split the bundle, or leave it out with --exclude")
	}
	return fileFinding(CodeDamaged, finding.Error, "cannot decode: "+err.Error(),
		"replace the file with an intact copy from the CA or the export")
}

// checkBundle runs every check on a loaded file: the checks of exchcert
// inspect on the file (with the key file next to it), then zlint on each
// certificate.
func (c *checker) checkBundle(f *File, b *inspect.Bundle, data []byte, keyFile string) {
	f.Format = string(b.Format)
	f.CSRs = len(b.CSRs)
	f.Keys = len(b.Keys)
	lines := pemLines(data, b)
	base := filepath.Base(f.Path)
	subjects := make(map[string]int, len(b.Certs))
	// relabel gives certificates without a subject (as the Baseline
	// Requirements now prefer) their first name instead of inspect's empty
	// one; two such certificates in a file share inspect's label, and keep
	// it.
	relabel := map[string]string{}
	certLabels := make([]string, len(b.Certs))
	for i, cert := range b.Certs {
		subject := cert.Subject.String()
		l, il := labels(base, cert, subject)
		if l != il {
			if r, seen := relabel[il]; seen && r != l {
				l = il
			}
			relabel[il] = l
		}
		f.Certificates = append(f.Certificates, CertInfo{
			Subject:    subject,
			Issuer:     cert.Issuer.String(),
			NotAfter:   cert.NotAfter.UTC(),
			Thumbprint: inspect.Thumbprint(cert),
			Line:       lines[i],
		})
		for _, l := range []string{l, il} {
			if _, dup := subjects[l]; !dup {
				subjects[l] = i
			}
		}
		certLabels[i] = l
	}
	leaf := leafIndex(b.Certs)
	// line finds the certificate a finding is about by its subject, the
	// label inspect and Linter.Lint give it; coverage findings are about
	// the server certificate.
	line := func(x finding.Finding) int {
		i, ok := subjects[x.Subject]
		switch {
		case ok:
		case x.Code == inspect.CodeNameNotCovered || x.Code == inspect.CodeCNOnly || x.Code == inspect.CodeExtraName:
			i = leaf
		default:
			return 1
		}
		if i < 0 {
			return 1
		}
		return max(lines[i], 1)
	}

	// inspect names the file in its findings by Bundle.Name: the base name
	// is enough, as every report already groups findings by path.
	named := *b
	named.Name = base
	bundles := []*inspect.Bundle{&named}
	if keyFile != "" && len(b.Keys) == 0 && (len(b.Certs) > 0 || len(b.CSRs) > 0) {
		if kb := c.loadKey(keyFile); kb != nil {
			bundles = append(bundles, kb)
		}
	}
	var found finding.Findings
	if fs, ok := c.checkSingle(&named, len(bundles) > 1); ok {
		found = fs
	} else {
		found = inspect.Check(bundles, c.inspectOptions()).Findings
	}
	for _, x := range found {
		if !keepInspect(x, b) {
			continue
		}
		if x.Code == inspect.CodeExpiresSoon && c.opt.FailSoon {
			x.Severity = finding.Error
		}
		l := line(x)
		for il, r := range relabel {
			if x.Subject == il {
				x.Subject = r
			}
			x.Message = strings.ReplaceAll(x.Message, il, r)
		}
		f.Findings = append(f.Findings, Finding{Finding: x, Source: SourceExchcert, Line: l})
	}

	if c.opt.Linter == nil {
		return
	}
	for i, cert := range b.Certs {
		if cert.IsCA && !c.opt.LintCA {
			continue
		}
		for _, x := range c.zlint(cert, certLabels[i]) {
			x.Line = max(lines[i], 1)
			f.Findings = append(f.Findings, x)
		}
	}
}

// checkSingle is the short way to inspect.Check's findings, as far as
// keepInspect keeps them, for the most common file of a repository: one
// certificate, no key or request, no plan, not a PFX. Check would also
// summarise the certificate and build its chain from the file, work whose
// results lint drops for such a file (chain-incomplete, key-not-checked,
// no-leaf); what remains are the certificate's own checks and the few
// chain problems a lone certificate can show. When one of those is
// possible (a self-issued certificate, a chain that fails for another
// reason than a missing issuer) it returns false and the caller runs
// Check. TestCheckSingleAsCheck holds the two ways to the same findings.
func (c *checker) checkSingle(b *inspect.Bundle, withKey bool) (finding.Findings, bool) {
	if len(b.Certs) != 1 || len(b.CSRs) > 0 || len(b.Refused) > 0 || len(b.Keys) > 0 || len(b.Findings) > 0 || withKey || c.opt.Plan != nil || b.Format == inspect.FormatPKCS12 {
		return nil, false
	}
	cert := b.Certs[0]
	opt := c.inspectOptions()
	if inspect.RoleOf(cert) == inspect.RoleLeaf {
		if bytes.Equal(cert.RawSubject, cert.RawIssuer) {
			return nil, false
		}
		at := c.opt.Now
		if at.Before(cert.NotBefore) {
			at = cert.NotBefore
		}
		if at.After(cert.NotAfter) {
			at = cert.NotAfter
		}
		_, err := cert.Verify(x509.VerifyOptions{Roots: c.opt.Roots, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		if err != nil && !errors.As(err, new(x509.UnknownAuthorityError)) {
			return nil, false
		}
	}
	_, il := labels(b.Name, cert, cert.Subject.String())
	return inspect.CheckCertificate(cert, il, opt), true
}

func (c *checker) inspectOptions() inspect.Options {
	return inspect.Options{
		Plan:      c.opt.Plan,
		Roots:     c.opt.Roots,
		MinDays:   c.opt.MinDays,
		Now:       c.opt.Now,
		Exchange:  c.opt.Exchange,
		PrivateCA: c.opt.PrivateCA,
	}
}

// keepInspect leaves out the findings of exchcert inspect that speak to
// someone inspecting a delivery, not to a tree of files: that no key was
// given (lint pairs keys by name itself), that a file holds only CA
// certificates (a chain file next to the certificate is normal), and that
// the chain is incomplete in a file that holds only the server
// certificate, as repositories keep the chain in a file of its own. A file
// meant to be deployed as it is, a PFX or a PEM with the key or a chain,
// must be complete and keeps the finding.
func keepInspect(x finding.Finding, b *inspect.Bundle) bool {
	switch x.Code {
	case inspect.CodeKeyNotChecked, inspect.CodeNoLeaf:
		return false
	case inspect.CodeChainIncomplete:
		return len(b.Certs) > 1 || len(b.Keys) > 0
	}
	return true
}

// labels names a certificate in findings: label as exchcert inspect does,
// "file: Common Name" or the whole subject when it has no Common Name, and
// own, the same but for the first name when the subject is empty, as the
// Baseline Requirements now recommend (7.1.2.7.2). subject is
// c.Subject.String(), made once by the caller.
func labels(file string, c *x509.Certificate, subject string) (own, label string) {
	name := c.Subject.CommonName
	if name == "" {
		name = subject
	}
	label = file + ": " + name
	if name == "" && len(c.DNSNames) > 0 {
		return file + ": " + c.DNSNames[0], label
	}
	return label, label
}

// leafIndex returns the index of the server certificate of a file, the
// first that is not a CA, or -1.
func leafIndex(certs []*x509.Certificate) int {
	for i, c := range certs {
		if !c.IsCA {
			return i
		}
	}
	return -1
}

// loadKey loads the private key kept next to a certificate or request
// file (see isKeyName). A key that cannot be read is not reported here:
// its own file is checked and reported on its own.
func (c *checker) loadKey(name string) *inspect.Bundle {
	data, big, err := readFile(name)
	if err != nil || big {
		return nil
	}
	b, err := inspect.Load(filepath.Base(name), data, inspect.LoadOptions{Password: c.opt.Password})
	if err != nil || len(b.Keys) == 0 {
		return nil
	}
	// Only the key: certificates in the key file are checked with that
	// file.
	return &inspect.Bundle{Name: b.Name, Format: b.Format, Keys: b.Keys}
}

// readFile reads at most inspect.MaxFileSize bytes of name. big reports a
// longer file; data then holds its first bytes only.
func readFile(name string) (data []byte, big bool, err error) {
	fh, err := openFile(name)
	if err != nil {
		return nil, false, describe(err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, false, describe(err)
	}
	if !st.Mode().IsRegular() {
		return nil, false, fmt.Errorf("%s, not a file", modeName(st.Mode()))
	}
	if st.Size() > int64(inspect.MaxFileSize) {
		head := make([]byte, 4096)
		n, err := io.ReadFull(fh, head)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return nil, false, describe(err)
		}
		return head[:n], true, nil
	}
	// Read what Stat promised; a file that shrank meanwhile is read to its
	// new end, one that grew is read as it was.
	data = make([]byte, st.Size())
	n, err := io.ReadFull(fh, data)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, false, describe(err)
	}
	return data[:n], false, nil
}

// looksLikeCertFile reports whether the first bytes of a file too large to
// load look like a certificate file (PEM armour or a DER SEQUENCE with a
// long length), so that a large tarball is ignored but a huge bundle is
// reported.
func looksLikeCertFile(head []byte) bool {
	if bytes.Contains(head, []byte("-----BEGIN ")) {
		return true
	}
	return len(head) > 2 && head[0] == 0x30 && head[1] >= 0x82 && head[1] <= 0x84
}

// pemLines returns, for each certificate of b, the line of its BEGIN line
// in data, or 0 when data is not PEM or the certificate is not found
// there (the loader also reads P7B, PFX and UTF-16 files).
func pemLines(data []byte, b *inspect.Bundle) []int {
	lines := make([]int, len(b.Certs))
	if len(b.Certs) == 0 || b.Format != inspect.FormatPEM {
		return lines
	}
	// The loader keeps PEM certificates in file order: when there are as
	// many CERTIFICATE blocks as certificates, the n-th block is the n-th
	// certificate, and finding the BEGIN lines is enough.
	begin := []byte("-----BEGIN CERTIFICATE-----")
	var offs []int
	for off := 0; ; {
		i := bytes.Index(data[off:], begin)
		if i < 0 {
			break
		}
		offs = append(offs, off+i)
		off += i + len(begin)
	}
	if len(offs) == len(b.Certs) {
		line, last := 1, 0
		for i, off := range offs {
			line += bytes.Count(data[last:off], []byte("\n"))
			lines[i], last = line, off
		}
		return lines
	}
	// Otherwise (PKCS #7 inside a CERTIFICATE block, TRUSTED CERTIFICATE,
	// repeated certificates) match the blocks by content.
	rest := data
	for len(rest) > 0 {
		blk, r := pem.Decode(rest)
		if blk == nil {
			break
		}
		for i, c := range b.Certs {
			if lines[i] == 0 && bytes.Equal(c.Raw, blk.Bytes) {
				// The part just consumed ends with this block, so its
				// last BEGIN line is the block's own.
				consumed := rest[:len(rest)-len(r)]
				off := len(data) - len(rest) + bytes.LastIndex(consumed, []byte("-----BEGIN"))
				lines[i] = 1 + bytes.Count(data[:off], []byte("\n"))
				break
			}
		}
		rest = r
	}
	return lines
}
