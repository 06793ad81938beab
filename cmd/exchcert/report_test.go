package main

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"os"
	"path/filepath"

	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/exchcert/exchcert/internal/testpki"
)

func init() {
	scriptCmds["reportkit"] = cmdReportKit
}

// reportkit DIR writes the certificates of the report scenarios into DIR
// (see writeReportKit).
func cmdReportKit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: reportkit DIR")
	}
	dir := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(dir, 0o755))
	ts.Check(writeReportKit(dir))
}

// writeReportKit writes a fresh test PKI for the seed plan (Exchange 2010
// joining 2003 at acme.com) into dir:
//
//	root.pem                the trusted root
//	delivered.p7b           the good case: leaf for every seed name + intermediate
//	leaf.pem, leaf.key      that leaf alone, and its key (for servers to serve)
//	failing.p7b             the failing case: a leaf without autodiscover.acme.com,
//	                        issued by an intermediate that expired ten days ago
//	old.pem, old.key        another certificate for the seed names, as a server
//	                        still serving the previous certificate has
func writeReportKit(dir string) error {
	write := func(name string, data []byte) error { return testpki.WriteFile(filepath.Join(dir, name), data) }
	root, err := testpki.NewRoot("exchcert Test Root")
	if err != nil {
		return err
	}
	inter, err := root.Intermediate("exchcert Test Intermediate")
	if err != nil {
		return err
	}
	leaf, err := inter.Issue(testpki.Template{CommonName: kitNames[0], DNSNames: kitNames})
	if err != nil {
		return err
	}
	old, err := inter.Issue(testpki.Template{CommonName: kitNames[0], DNSNames: kitNames, NotBefore: time.Now().Add(-300 * 24 * time.Hour), NotAfter: time.Now().Add(20 * 24 * time.Hour)})
	if err != nil {
		return err
	}
	now := time.Now()
	expiredKey, err := testpki.NewKey(testpki.RSA2048)
	if err != nil {
		return err
	}
	ec, err := root.Sign(&x509.Certificate{
		Subject:   pkix.Name{CommonName: "exchcert Expired Intermediate", Organization: []string{"exchcert test"}},
		NotBefore: now.Add(-400 * 24 * time.Hour), NotAfter: now.Add(-10 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true,
	}, expiredKey.Public())
	if err != nil {
		return err
	}
	expired := &testpki.CA{Cert: testpki.Cert{Cert: ec, Key: expiredKey}, Chain: []*x509.Certificate{ec}}
	bad, err := expired.Issue(testpki.Template{CommonName: kitNames[0], DNSNames: kitNames[:3]})
	if err != nil {
		return err
	}
	leafKey, err := testpki.KeyPEM(leaf.Key)
	if err != nil {
		return err
	}
	oldKey, err := testpki.KeyPEM(old.Key)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{
		{"root.pem", testpki.PEM(root.Cert.Cert)},
		{"delivered.p7b", testpki.P7B(leaf.Cert, inter.Cert.Cert)},
		{"leaf.pem", testpki.PEM(leaf.Cert, inter.Cert.Cert)},
		{"leaf.key", leafKey},
		{"failing.p7b", testpki.P7B(bad.Cert, ec)},
		{"old.pem", testpki.PEM(old.Cert, inter.Cert.Cert)},
		{"old.key", oldKey},
	} {
		if err := write(f.name, f.data); err != nil {
			return err
		}
	}
	return nil
}
