package inspect

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"

	"github.com/exchcert/exchcert/finding"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// Finding codes of reading a PFX. They never change once published.
const (
	CodePFXTrailingData   = "pfx-trailing-data"
	CodePFXBER            = "pfx-ber-encoding"
	CodePFXNoKey          = "pfx-no-private-key"
	CodePFXNoCertificate  = "pfx-no-certificate"
	CodePFXSeveralKeys    = "pfx-several-keys"
	CodePFXKeyUnusable    = "pfx-key-unusable"
	CodePFXCertUnreadable = "pfx-certificate-unreadable"
	citePFX               = "RFC 7292 §4, §5.1"
	fixReexportPFX        = "export the PFX again, or rewrite it: openssl pkcs12 -in FILE -nodes | openssl pkcs12 -export -out new.pfx"
	msgNoPrivateKeyInPFX  = "no private key: Exchange cannot use this PFX for TLS"
	oidCertTypeX509String = "1.2.840.113549.1.9.22.1"
	maxPFXBagNestingDepth = 4
)

var (
	oidKeyBag  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 1}
	oidCertBag = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
)

// pfxContents is what the bags of a PFX hold.
type pfxContents struct {
	certs    []*x509.Certificate
	refused  [][]byte // certificate bags crypto/x509 refuses, as DER
	reasons  []string // why, for each of refused
	keys     []crypto.Signer
	unusable []string // keys that cannot be used, as KindError.What words them
}

// decodeBags reads a PFX with this package's own readers rather than
// go-pkcs12's DecodeChain, for what DecodeChain refuses although Windows
// reads it: BER, certificate-only and key-only files, several keys,
// certificates crypto/x509 refuses, DSA keys, nested bags. der is the PFX
// as normalisePFX returned it, macInput the octets its MAC covers. The
// iteration counts were checked by scanPFX and pfxScan.inside. A wrong
// password gives pkcs12.ErrIncorrectPassword, as DecodeChain does.
func decodeBags(der, macInput []byte, pw string) (*pfxContents, error) {
	damaged := func(why string) error { return failure(ErrDamaged, "PFX structure is damaged: "+why) }
	pfx, _, err := readElement(der)
	if err != nil {
		return nil, damaged("the outer structure does not parse")
	}
	kids, err := pfx.children()
	if err != nil || len(kids) < 2 || macInput == nil {
		return nil, damaged("PFX is not SEQUENCE { version, authSafe, macData }")
	}
	emptyAsNil := false
	if len(kids) == 3 {
		ok, nilPW, err := verifyMAC(kids[2], macInput, pw)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, pkcs12.ErrIncorrectPassword
		}
		emptyAsNil = nilPW
	} else if pw != "" {
		return nil, errors.New("pkcs12: no MAC in data")
	}
	ci, err := kids[1].children()
	if err != nil || len(ci) != 2 {
		return nil, damaged("authSafe ContentInfo does not parse")
	}
	w, err := ci[1].children()
	if err != nil || len(w) != 1 {
		return nil, damaged("authSafe content does not parse")
	}
	authSafe, _ := w[0].octets()
	seq, _, err := readElement(authSafe)
	if err != nil {
		return nil, damaged("AuthenticatedSafe does not parse")
	}
	safes, err := seq.children()
	if err != nil {
		return nil, damaged("AuthenticatedSafe does not parse")
	}
	c := &pfxContents{}
	for _, safe := range safes {
		parts, err := safe.children()
		if err != nil || len(parts) != 2 {
			return nil, damaged("a ContentInfo of the AuthenticatedSafe does not parse")
		}
		inner, err := parts[1].children()
		if err != nil || len(inner) != 1 {
			return nil, damaged("a ContentInfo of the AuthenticatedSafe does not parse")
		}
		var data []byte
		switch o := parts[0].oid(); {
		case o.Equal(oidData):
			v, ok := octetValue(inner[0])
			if !ok {
				return nil, damaged("a SafeContents is not an OCTET STRING")
			}
			data = v
		case o.Equal(oidEncrypted):
			ed, err := inner[0].children()
			if err != nil || len(ed) < 2 {
				return nil, damaged("an EncryptedData does not parse")
			}
			eci, err := ed[1].children()
			if err != nil || len(eci) != 3 {
				return nil, damaged("an EncryptedContentInfo does not parse")
			}
			ct, ok := octetValue(eci[2])
			if !ok {
				return nil, damaged("an EncryptedContentInfo does not parse")
			}
			if data, err = decryptSafe(eci[1], ct, pw, emptyAsNil); err != nil {
				return nil, pkcs12.ErrDecryption
			}
		default:
			return nil, failure(ErrUnsupported, "the PFX holds a safe that is neither data nor password-encrypted (certificate-encrypted safes are not supported)")
		}
		if err := c.bags(data, pw, emptyAsNil, 0); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// bags reads one SafeContents (BER accepted) and the bags inside it.
func (c *pfxContents) bags(data []byte, pw string, emptyAsNil bool, depth int) error {
	damaged := failure(ErrDamaged, "PFX structure is damaged: a SafeContents does not parse")
	if depth > maxPFXBagNestingDepth {
		return damaged
	}
	seq, _, err := readElement(data)
	if err != nil || !seq.isSequence() {
		return damaged
	}
	bags, err := seq.children()
	if err != nil {
		return damaged
	}
	for _, bag := range bags {
		if len(c.certs)+len(c.refused)+len(c.keys)+len(c.unusable) > MaxItems {
			return failure(ErrTooLarge, fmt.Sprintf("the PFX holds more than %d certificates and keys", MaxItems))
		}
		f, err := bag.children()
		if err != nil || len(f) < 2 || !f[1].is(asn1.ClassContextSpecific, 0) {
			return damaged
		}
		v, err := f[1].children()
		if err != nil || len(v) != 1 {
			return damaged
		}
		switch o := f[0].oid(); {
		case o.Equal(oidCertBag):
			// CertBag ::= SEQUENCE { certId OID, certValue [0] EXPLICIT OCTET STRING }
			cb, err := v[0].children()
			if err != nil || len(cb) != 2 {
				return damaged
			}
			if cb[0].oid().String() != oidCertTypeX509String {
				continue // an SDSI certificate: nothing Windows uses
			}
			w, err := cb[1].children()
			if err != nil || len(w) != 1 {
				return damaged
			}
			raw, ok := octetValue(w[0])
			if !ok {
				return damaged
			}
			c.cert(raw)
		case o.Equal(oidKeyBag):
			c.key(v[0].full)
		case o.Equal(oidShroudedKeyBag):
			epki, err := v[0].children()
			if err != nil || len(epki) != 2 {
				return damaged
			}
			ct, ok := octetValue(epki[1])
			if !ok {
				return damaged
			}
			plain, err := decryptSafe(epki[0], ct, pw, emptyAsNil)
			if err != nil {
				return pkcs12.ErrDecryption
			}
			c.key(plain)
		case o.Equal(oidSafeContentsBag):
			if err := c.bags(v[0].full, pw, emptyAsNil, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// cert adds a certificate bag's certificate, or keeps its DER and why
// crypto/x509 refuses it.
func (c *pfxContents) cert(raw []byte) {
	if e, _, err := readElement(raw); err == nil && e.nonDER {
		if d, err := derOf(e, 0); err == nil {
			raw = d
		}
	}
	cert, err := x509.ParseCertificate(raw)
	if err != nil {
		c.refused = append(c.refused, raw)
		c.reasons = append(c.reasons, trimX509(err))
		return
	}
	c.certs = append(c.certs, cert)
}

// key adds a PrivateKeyInfo, or records what kind of key Exchange cannot
// use it is.
func (c *pfxContents) key(der []byte) {
	if e, _, err := readElement(der); err == nil && e.nonDER {
		if d, err := derOf(e, 0); err == nil {
			der = d
		}
	}
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		if s, ok := k.(crypto.Signer); ok {
			c.keys = append(c.keys, s)
			return
		}
	}
	what := "a private key that does not parse"
	if k := identifyKey(der); k != nil {
		what = k.What
	}
	c.unusable = append(c.unusable, what)
}

// fallbackToBags reports whether a DecodeChain error is one decodeBags may
// read past: every error but a wrong password, content that does not
// decrypt, and a PFX without a MAC (which loadPFX words itself).
func fallbackToBags(err error) bool {
	return err != nil && !errors.Is(err, pkcs12.ErrIncorrectPassword) && !errors.Is(err, pkcs12.ErrDecryption) &&
		err.Error() != "pkcs12: no MAC in data"
}

// fromChain turns DecodeChain's result into pfxContents.
func fromChain(key any, leaf *x509.Certificate, cas []*x509.Certificate) (*pfxContents, error) {
	c := &pfxContents{certs: append([]*x509.Certificate{leaf}, cas...)}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, failure(ErrUnsupported, fmt.Sprintf("the PFX holds a %T private key, which is not supported", key))
	}
	c.keys = []crypto.Signer{signer}
	return c, nil
}

// add puts what the PFX holds into b, with the findings about it: bytes
// after the structure, BER, no key, no certificate, several keys, keys
// Exchange cannot use, certificates crypto/x509 refuses.
func (c *pfxContents) add(b *Bundle, trailing int, ber bool) {
	b.Certs = append(b.Certs, c.certs...)
	b.Keys = append(b.Keys, c.keys...)
	add := func(code string, sev finding.Severity, msg, fix string) {
		b.Findings = append(b.Findings, finding.Finding{Code: code, Severity: sev, Subject: b.Name, Message: msg, Fix: fix, Citation: citePFX})
	}
	certs := len(c.certs) + len(c.refused) // before the lenient reading below moves some out of c.refused
	// A certificate crypto/x509 refuses is read leniently, as in any other
	// file: it is shown and checked, and its refusal is a finding with its
	// own code. Only what no parser reads stays unreadable.
	var refused [][]byte
	var reasons []string
	for i, der := range c.refused {
		n := i + 1
		cert, r, err := readCertificate(der, func() string { return fmt.Sprintf("certificate bag %d of the refused ones", n) })
		if err != nil || r == nil {
			refused, reasons = append(refused, der), append(reasons, c.reasons[i])
			continue
		}
		b.Certs = append(b.Certs, cert)
		b.Refused = append(b.Refused, r)
	}
	c.refused, c.reasons = refused, reasons
	b.RefusedCerts = append(b.RefusedCerts, c.refused...)
	if trailing > 0 {
		add(CodePFXTrailingData, finding.Warning,
			fmt.Sprintf("%d bytes follow the end of the PFX structure; they were ignored and the PFX was read, but strict readers (Go, Java, some load balancers) refuse such a file", trailing),
			fixReexportPFX)
	}
	if ber {
		add(CodePFXBER, finding.Info,
			"the PFX is BER-encoded (indefinite lengths or segmented strings), as Java keytool and older tools write it; it was read by converting it to DER, and its MAC verified over the content as the file holds it; readers that take only DER refuse it",
			fixReexportPFX)
	}
	n := len(c.keys) + len(c.unusable)
	// loadPFX calls add only for a PFX that holds something, so without a
	// key certs > 0 holds: certs >= 0 would change nothing (equivalent mutant).
	if n == 0 && certs > 0 {
		add(CodePFXNoKey, finding.Error, msgNoPrivateKeyInPFX+": it holds certificates only",
			"export the certificate with its private key from the server the request was made on (Export-ExchangeCertificate, or the certificate console: Export, \"Yes, export the private key\")")
	}
	if certs == 0 {
		add(CodePFXNoCertificate, finding.Error, "no certificate: the PFX holds only a private key, so Exchange cannot use it for TLS",
			"build the PFX from the key and the certificate the CA issued for it: exchcert pfx --cert CERT --key KEY, or openssl pkcs12 -export -inkey KEY -in CERT")
	}
	if n > 1 {
		add(CodePFXSeveralKeys, finding.Warning,
			fmt.Sprintf("the PFX holds %d private keys where one is expected; each is matched against the certificates (key-mismatch names those that match none), and an import may pick another than intended", n),
			"export one certificate with its key per PFX")
	}
	for _, what := range c.unusable {
		add(CodePFXKeyUnusable, finding.Error,
			fmt.Sprintf("the PFX holds %s, which Exchange cannot use for TLS: it needs an RSA or ECDSA key", what),
			"have a certificate issued for an RSA key (exchcert csr) and export that one")
	}
	for i, why := range c.reasons {
		add(CodePFXCertUnreadable, finding.Error,
			fmt.Sprintf("a certificate in the PFX (bag %d of the refused ones) is not shown or checked: Go's crypto/x509 refuses it (%s)", i+1, strings.TrimSpace(why)),
			"have the CA re-issue the certificate; clients that validate strictly refuse it too")
	}
}
