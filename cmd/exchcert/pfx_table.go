package main

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"io"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/internal/textwrap"
)

func writePFXTable(w io.Writer, r *pfxReport) error {
	target := "Windows Server of any version"
	if r.Windows != exchange.WindowsUnknown {
		target = r.Windows.Title()
	} else if r.Encoding == exchange.PFXModern {
		target = "Windows Server 2019 and later only"
	}
	if _, err := fmt.Fprintf(w, "Wrote %s (%s) for %s\nEncoding: %s: %s; %d iterations for the encryption, %d for the MAC\n\n", r.File, r.Protection, target, r.Encoding, r.Algorithms, r.Iterations, r.MACIter); err != nil {
		return err
	}
	t := newTable(w, "#", "Subject", "Issuer", "Thumbprint")
	rows := append([]pfxCert{r.Leaf}, r.Chain...)
	for i, c := range rows {
		n := fmt.Sprint(i)
		if i == 0 {
			n = "leaf"
		}
		if err := t.Append([]string{n, textwrap.Soft(c.Subject, 40), textwrap.Soft(c.Issuer, 40), c.Thumbprint}); err != nil {
			return err
		}
	}
	return t.Render()
}

func describeCert(c *x509.Certificate) pfxCert {
	return pfxCert{Subject: c.Subject.String(), Issuer: c.Issuer.String(), Thumbprint: inspect.Thumbprint(c)}
}

// pfxIterations reads, from the PFX structure as written, the iteration
// counts of the encryption and of the MAC, as inspect reports them.
func pfxIterations(name string, der, pw []byte) (bags, mac int, err error) {
	b, err := inspect.Load(name, der, inspect.LoadOptions{Password: func() ([]byte, error) { return bytes.Clone(pw), nil }})
	if err != nil {
		return 0, 0, err
	}
	if b.PFX == nil {
		return 0, 0, errors.New("not a PFX")
	}
	return b.PFX.BagIterations, b.PFX.MACIterations, nil
}
