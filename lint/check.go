package lint

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/plan"
)

// checker checks one file; it is shared by the workers and only read.
type checker struct {
	opt Options
}

func newChecker(opt Options) *checker { return &checker{opt: opt} }

// fileFinding is a finding about the file as a whole.
func fileFinding(code string, sev plan.Severity, msg, fix string) Finding {
	return Finding{
		Finding: plan.Finding{Code: code, Severity: sev, Message: msg, Fix: fix},
		Source:  SourceExchcert,
		Line:    1,
	}
}

func (c *checker) check(j job) *File {
	f := &File{Path: j.path}
	switch j.kind {
	case entryError:
		f.Findings = []Finding{fileFinding(CodeUnreadable, plan.Error, "cannot read: "+j.err.Error(),
			"make it readable by the CI user, fix or remove the link, or leave it out with --exclude")}
		return f
	case entryNotRegular:
		f.Findings = []Finding{fileFinding(CodeNotRegular, plan.Warning, "not checked: this is "+modeName(j.mode)+", not a file",
			"leave it out with --exclude")}
		return f
	}
	data, big, err := readFile(j.path)
	if err != nil {
		f.Findings = []Finding{fileFinding(CodeUnreadable, plan.Error, "cannot read: "+err.Error(),
			"make it readable by the CI user, or leave it out with --exclude")}
		return f
	}
	if big {
		if !looksLikeCertFile(data) {
			f.Ignored = true
			return f
		}
		f.Findings = []Finding{fileFinding(CodeTooLarge, plan.Warning,
			fmt.Sprintf("not checked: larger than %d bytes, the most a certificate file is read", inspect.MaxFileSize),
			"split the bundle, or leave it out with --exclude")}
		return f
	}
	b, err := inspect.Load(j.path, data, inspect.LoadOptions{Password: c.opt.Password})
	if err != nil {
		if errors.Is(err, inspect.ErrNotRecognised) {
			f.Ignored = true
			return f
		}
		f.Findings = []Finding{loadFinding(err)}
		return f
	}
	c.checkBundle(f, b, data)
	sortFindings(f.Findings)
	return f
}

// loadFinding turns a loader error into a finding: a PFX that cannot be
// opened is something to report, not a reason to stop.
func loadFinding(err error) Finding {
	switch {
	case errors.Is(err, inspect.ErrNeedPassword):
		return fileFinding(CodePasswordNeeded, plan.Error, "the PFX is protected by a password and none was given",
			"give the password with --password-env VAR or --password-file FILE")
	case errors.Is(err, inspect.ErrWrongPassword):
		return fileFinding(CodeWrongPassword, plan.Error, "the password does not open this PFX",
			"check the password given with --password-env or --password-file")
	case errors.Is(err, inspect.ErrTooManyIterations):
		return fileFinding(CodeTooManyIterations, plan.Error, "not opened: "+err.Error(),
			"export the PFX again with the usual iteration count (2000 to 600000)")
	case errors.Is(err, inspect.ErrUnsupported):
		return fileFinding(CodeUnsupported, plan.Error, "not checked: "+err.Error(),
			"convert it to PEM, or export the PFX again with AES or 3DES encryption and a password")
	case errors.Is(err, inspect.ErrTooLarge):
		return fileFinding(CodeTooLarge, plan.Warning, "not checked: "+err.Error(),
			"split the bundle, or leave it out with --exclude")
	}
	return fileFinding(CodeDamaged, plan.Error, "cannot decode: "+err.Error(),
		"replace the file with an intact copy from the CA or the export")
}

// checkBundle runs every check on a loaded file.
func (c *checker) checkBundle(f *File, b *inspect.Bundle, data []byte) {
	f.Format = string(b.Format)
	f.CSRs = len(b.CSRs)
	f.Keys = len(b.Keys)
	lines := pemLines(data, b)
	subjects := make([]string, len(b.Certs))
	for i, cert := range b.Certs {
		f.Certificates = append(f.Certificates, CertInfo{
			Subject:    cert.Subject.String(),
			Issuer:     cert.Issuer.String(),
			NotAfter:   cert.NotAfter.UTC(),
			Thumbprint: inspect.Thumbprint(cert),
			Line:       lines[i],
		})
		subjects[i] = certSubject(i, cert)
	}
	add := func(i int, fs ...Finding) {
		for _, x := range fs {
			if x.Line == 0 {
				x.Line = max(lines[i], 1)
			}
			f.Findings = append(f.Findings, x)
		}
	}

	keys := b.Keys
	keyFile := ""
	if len(keys) == 0 && (len(b.Certs) > 0 || len(b.CSRs) > 0) {
		keyFile, keys = c.partnerKeys(f.Path)
	}
	for i, cert := range b.Certs {
		if len(keys) > 0 && leafIndex(b.Certs) == i && !anyKeyMatches(cert.PublicKey, keys) {
			where := "the private key in this file"
			if keyFile != "" {
				where = "the private key in " + keyFile
			}
			add(i, Finding{
				Finding: plan.Finding{
					Code: CodeKeyMismatch, Severity: plan.Error, Subject: subjects[i],
					Message: where + " does not belong to this certificate",
					Fix:     "pair the certificate with the key its request was made with",
				},
				Source: SourceExchcert,
			})
		}
		if c.opt.Linter != nil && (c.opt.LintCA || !cert.IsCA) {
			add(i, c.opt.Linter.Lint(cert.Raw, subjects[i])...)
		}
	}
}

// certSubject names a certificate in findings: its position in the file
// and its subject.
func certSubject(i int, cert *x509.Certificate) string {
	name := cert.Subject.CommonName
	if name == "" {
		name = cert.Subject.String()
	}
	if name == "" && len(cert.DNSNames) > 0 {
		name = cert.DNSNames[0]
	}
	return fmt.Sprintf("certificate %d: %s", i+1, name)
}

// leafIndex returns the index of the end-entity certificate of a file: the
// first certificate that is not a CA, or the first certificate.
func leafIndex(certs []*x509.Certificate) int {
	for i, c := range certs {
		if !c.IsCA {
			return i
		}
	}
	return 0
}

type publicKey interface{ Equal(crypto.PublicKey) bool }

func anyKeyMatches(pub crypto.PublicKey, keys []crypto.Signer) bool {
	p, ok := pub.(publicKey)
	if !ok {
		return true // a key type Go cannot compare: say nothing
	}
	for _, k := range keys {
		if p.Equal(k.Public()) {
			return true
		}
	}
	return false
}

// keyExts are the names a private key kept next to its certificate goes by.
var keyExts = []string{".key"}

// partnerKeys loads the private key kept next to a certificate or request
// file: same folder, same name, extension .key (exch2.crt and exch2.key). A
// key that cannot be read is not reported here: its own file is checked
// and reported on its own.
func (c *checker) partnerKeys(name string) (string, []crypto.Signer) {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for _, ke := range keyExts {
		if strings.EqualFold(ext, ke) {
			return "", nil
		}
		p := stem + ke
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		data, big, err := readFile(p)
		if err != nil || big {
			continue
		}
		b, err := inspect.Load(p, data, inspect.LoadOptions{Password: c.opt.Password})
		if err != nil || len(b.Keys) == 0 {
			continue
		}
		return filepath.Base(p), b.Keys
	}
	return "", nil
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
	if len(b.Certs) == 0 || !bytes.Contains(data, []byte("-----BEGIN")) {
		return lines
	}
	rest := data
	for len(rest) > 0 {
		blk, r := pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type == "CERTIFICATE" {
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
		}
		rest = r
	}
	return lines
}
