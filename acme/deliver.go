package acme

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/exchcert/exchcert/csr"
	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/internal/safefile"
	"github.com/exchcert/exchcert/plan"
)

// Files are the names of what an issued certificate becomes in the output
// folder, all named after the plan's Common Name.
type Files struct{ Key, Cert, PFX, Bind, Summary string }

// FilesFor returns the file names for a plan's Common Name in dir; a
// wildcard's "*" becomes "_".
func FilesFor(dir, commonName string) Files {
	base := filepath.Join(dir, strings.ReplaceAll(commonName, "*", "_"))
	return Files{Key: base + ".key", Cert: base + ".crt", PFX: base + ".pfx", Bind: base + ".bind.ps1", Summary: base + ".summary.txt"}
}

// All lists the files, key first.
func (f Files) All() []string { return []string{f.Key, f.Cert, f.PFX, f.Bind, f.Summary} }

// BindOptions are what the bind script written with the certificate
// needs beyond the plan and the certificate.
type BindOptions struct {
	ImportPath   string // absolute Windows path the PFX is imported from
	FriendlyName string // "" for the Common Name and the expiry date
	// ReplaceSMTP and TestMailbox answer the script's questions ahead, for
	// a script that runs unattended.
	ReplaceSMTP bool
	TestMailbox string
}

// Deliverables encodes what Exchange needs from an issued chain: the key
// (PKCS #8 PEM, 0600), the chain as PEM, the PFX in encoding enc with
// password (0600) and the bind script, with the script's warnings. Nothing
// is written.
func Deliverables(p *plan.Plan, files Files, key crypto.Signer, chain []*x509.Certificate, certPEM, password []byte, enc exchange.PFXEncoding, opt BindOptions) ([]safefile.File, []exchange.BindWarning, error) {
	keyPEM, err := csr.MarshalPrivateKeyPEM(key)
	if err != nil {
		return nil, nil, err
	}
	pfx, err := exchange.EncodePFX(key, chain[0], chain[1:], password, enc)
	if err != nil {
		return nil, nil, fmt.Errorf("PFX: %w", err)
	}
	in := p.BindInput()
	in.Thumbprint = inspect.Thumbprint(chain[0])
	in.CommonName, in.Names, in.NamesFromPlan = chain[0].Subject.CommonName, chain[0].DNSNames, false
	in.File, in.FileKind, in.PFXModern = opt.ImportPath, exchange.PFXFile, enc == exchange.PFXModern
	in.FriendlyName, in.ReplaceSMTPDefault, in.TestMailbox = opt.FriendlyName, opt.ReplaceSMTP, opt.TestMailbox
	if info, err := csr.DescribeKey(key.Public()); err == nil {
		in.KeyAlgorithm = info.Algorithm
	}
	if in.CommonName == "" {
		// Let's Encrypt's tlsserver profile leaves the Common Name out.
		in.CommonName = p.CommonName
	}
	if in.FriendlyName == "" {
		in.FriendlyName = fmt.Sprintf("%s %s", p.CommonName, chain[0].NotAfter.UTC().Format(time.DateOnly))
	}
	b, err := exchange.BindScript(in)
	if err != nil {
		return nil, nil, fmt.Errorf("bind script: %w", err)
	}
	return []safefile.File{
		{Name: files.Key, Data: keyPEM},
		{Name: files.Cert, Data: certPEM, Perm: 0o644},
		{Name: files.PFX, Data: pfx},
		{Name: files.Bind, Data: []byte(b.Script), Perm: 0o644},
	}, b.Warnings, nil
}

// ArchiveError names the file that could not be archived.
type ArchiveError struct {
	Path string
	Err  error
}

func (e *ArchiveError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *ArchiveError) Unwrap() error { return e.Err }

// Archive copies the current files into dir/archive/SERIAL/ (the serial
// of current, else of the certificate in files.Cert, else the time now),
// so that a replacement never loses a key. The folders are private (0700;
// on Windows the owner, SYSTEM and Administrators). It returns the folder,
// or "" when there was nothing to archive. A file that is not a plain file
// is an *ArchiveError, and nothing is archived.
func Archive(dir string, files Files, current *x509.Certificate, now time.Time) (string, error) {
	var out []safefile.File
	for _, f := range files.All() {
		data, perm, err := readPlain(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", &ArchiveError{Path: f, Err: err}
		}
		out = append(out, safefile.File{Name: filepath.Base(f), Data: data, Perm: perm})
	}
	if len(out) == 0 {
		return "", nil
	}
	if current == nil {
		current = firstCert(files.Cert)
	}
	stamp := now.UTC().Format("20060102T150405Z")
	name := stamp
	if current != nil {
		name = fmt.Sprintf("%X", current.SerialNumber)
	}
	to := filepath.Join(dir, "archive", name)
	if _, err := os.Lstat(to); err == nil {
		to += "-" + stamp
	}
	if err := safefile.MkdirSecret(to); err != nil {
		return "", err
	}
	for i := range out {
		out[i].Name = filepath.Join(to, out[i].Name)
	}
	if err := safefile.Write(safefile.Options{}, out...); err != nil {
		return "", err
	}
	return to, nil
}

// firstCert reads the first certificate of a PEM file, or nil.
func firstCert(name string) *x509.Certificate {
	data, _, err := readPlain(name)
	if err != nil {
		return nil
	}
	for {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			return nil
		}
		if b.Type == "CERTIFICATE" {
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil
			}
			return c
		}
	}
}

// readPlain reads a file to archive, which must be a plain file: it is
// looked at with Lstat and opened without following a link that appears
// meanwhile (the opened file must be the one looked at). It returns the
// data and the permission bits.
func readPlain(name string) ([]byte, fs.FileMode, error) {
	st, err := os.Lstat(name)
	if err != nil {
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		return nil, 0, errors.New("is not a plain file (a symbolic link?); it was not archived, and nothing was replaced")
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	fst, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	if !os.SameFile(st, fst) {
		return nil, 0, errors.New("changed while it was archived; nothing was replaced")
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, 0, err
	}
	return data, st.Mode().Perm(), nil
}
