package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/inspect"
)

// fromFile takes the certificate to bind from CERTFILE: its thumbprint, its
// names, and what the script imports (the PFX itself, or the certificate
// that completes the pending request).
func (o *bindOptions) fromFile(a *app, name string, in *exchange.BindInput) error {
	b, err := loadFile(name, inspect.LoadOptions{Password: func() ([]byte, error) {
		return o.pw.read(a, "PFX password: ", false)
	}})
	switch {
	case errors.Is(err, inspect.ErrWrongPassword), errors.Is(err, inspect.ErrNeedPassword):
		// The same words and fix as inspect, after the file's name.
		var fe *fileError
		if errors.As(err, &fe) {
			return inFile(fe.name, loadHint(fe.err))
		}
		return loadHint(err)
	case err != nil:
		return err
	}
	if b.Format != inspect.FormatPKCS12 && len(b.Keys) > 0 {
		return inFile(name, errors.New("holds a private key: Exchange imports a key only inside a PFX (make one with exchcert pfx, then bind the PFX)"))
	}
	var leaf *x509.Certificate
	if b.Format == inspect.FormatPKCS12 {
		if len(b.Certs) == 0 || len(b.Keys) == 0 {
			return inFile(name, errors.New("the PFX holds no certificate with its private key"))
		}
		leaf = b.Certs[0]
		if err := exchange.KeyMatches(b.Keys[0], leaf); err != nil {
			return inFile(name, fmt.Errorf("the PFX's key does not belong to its first certificate: %w", err))
		}
		in.FileKind = exchange.PFXFile
		in.PFXModern = b.PFX != nil && b.PFX.Modern()
	} else {
		// The server certificate is the only one, or the only one that is
		// not a CA (a .p7b carries the chain too).
		leaves := b.Certs
		if len(leaves) > 1 {
			leaves = nil
			for _, c := range b.Certs {
				if !c.IsCA {
					leaves = append(leaves, c)
				}
			}
		}
		switch {
		case len(b.Certs) == 0 && len(b.CSRs) > 0:
			return inFile(name, errors.New("is a certificate request, not the certificate the CA issued"))
		case len(leaves) == 0:
			return inFile(name, errors.New("holds no server certificate, only CA certificates"))
		case len(leaves) > 1:
			return inFile(name, fmt.Errorf("holds %d server certificates; give a file with the one to bind", len(leaves)))
		}
		leaf = leaves[0]
		in.FileKind = exchange.CertFile
	}
	in.Thumbprint = inspect.Thumbprint(leaf)
	in.CommonName = leaf.Subject.CommonName
	in.Names = leaf.DNSNames
	in.NamesFromPlan = false
	if len(in.Names) == 0 && in.CommonName != "" {
		in.Names = []string{in.CommonName}
	}
	switch leaf.PublicKeyAlgorithm {
	case x509.ECDSA:
		in.KeyAlgorithm = exchange.ECDSA
	case x509.RSA:
		in.KeyAlgorithm = exchange.RSA
	}
	if in.File == "" {
		in.File = exchange.DefaultImportPath(filepath.Base(name))
	} else if k, err := kindOfPath(in.File); err == nil && k != in.FileKind {
		return &usageError{fmt.Errorf("--import-path %s does not name the kind of file %s is", in.File, name)}
	}
	return nil
}

// kindOfPath tells from the extension of the Windows path what the script
// imports: a PFX, or a certificate / PKCS #7 that completes a request.
func kindOfPath(p string) (exchange.FileKind, error) {
	i := strings.LastIndexAny(p, `.\`)
	ext := ""
	if i >= 0 && p[i] == '.' {
		ext = strings.ToLower(p[i:])
	}
	switch ext {
	case ".pfx", ".p12":
		return exchange.PFXFile, nil
	case ".cer", ".crt", ".der", ".pem", ".p7b", ".p7c":
		return exchange.CertFile, nil
	}
	return exchange.NoFile, fmt.Errorf("%q: cannot tell a PFX (.pfx, .p12) from a certificate (.cer, .crt, .der, .pem, .p7b) by its extension", p)
}
