package inspect

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"

	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/internal/textenc"
)

// Format is how a file is encoded, as Load recognised it from its content.
type Format string

// Formats Load recognises. A PKCS#7 or PFX wrapped in PEM or bare base64
// is reported as FormatPKCS7 or FormatPKCS12: what it holds matters more
// than its wrapping.
const (
	FormatPEM    Format = "pem"    // PEM blocks: certificates, requests, keys
	FormatDER    Format = "der"    // a binary certificate, request or key
	FormatPKCS7  Format = "pkcs7"  // PKCS#7 SignedData (.p7b, .p7c), DER or PEM
	FormatPKCS12 Format = "pkcs12" // PKCS#12 (.pfx, .p12)
	FormatBase64 Format = "base64" // base64 without PEM headers, as Exchange 2010 prints a request
)

// MaxFileSize is the largest file Load reads. A certificate with its chain
// is a few kilobytes, a PFX under 20 KB, and the whole Mozilla root bundle
// about 220 KB; 4 MiB leaves room for any real bundle and bounds the work a
// hostile file can cause. The command refuses larger files before reading.
const MaxFileSize = 4 << 20

// MaxItems is the most certificates, requests and private keys one file
// may hold. A server certificate file holds a handful; a CA bundle such as
// Mozilla's about 150 roots, a Windows root store export a few hundred. A
// file of thousands, each a leaf naming the same issuer as many CA
// certificates, would make the chain checks of every leaf try every CA.
const MaxItems = 1000

// MaxCertNames is the most subject alternative names (DNS and IP) one
// certificate or request may carry. Public CAs issue at most 100 to 250
// and a plan holds at most plan.MaxNames (1,000); a certificate of 160,000
// names still fits in MaxFileSize and would cost the coverage check and the
// report hundreds of megabytes.
const MaxCertNames = 10_000

// LoadOptions control Load.
type LoadOptions struct {
	// Password returns the PFX password to try after the empty one; nil:
	// no password available (then a PFX that needs one fails with
	// ErrNeedPassword). It is called at most once per file, and only for a
	// PFX the empty password does not open. Load clears the returned slice
	// after use; an error it returns is returned by Load unchanged.
	Password func() ([]byte, error)
	// MaxIterations is the PBKDF/MAC iteration limit per count in a PFX;
	// 0 means DefaultMaxIterations.
	MaxIterations int
}

// Bundle is what one file holds.
type Bundle struct {
	Name   string
	Format Format
	Certs  []*x509.Certificate        // in file order (leaf first for PFX)
	CSRs   []*x509.CertificateRequest // certificate requests (PKCS #10)
	Keys   []crypto.Signer            // private keys found (PEM, DER, or inside a PFX)
	PFX    *PFXInfo                   // how a PFX is protected; nil for other formats
	// Findings are what reading the file found wrong with it while still
	// reading it (bytes after a PFX, a certificate bag that does not
	// parse); Check reports them with the file's other findings.
	Findings finding.Findings
	// RefusedCerts are certificates found in the file that crypto/x509
	// refuses, as DER (a PFX certificate bag with a negative serial, say):
	// not in Certs, each named by a finding.
	RefusedCerts [][]byte
	// Refused lists the certificates and requests of Certs and CSRs that
	// Go's crypto/x509 refuses and the lenient reader read, with why.
	Refused []*Refusal
}

// Load recognises data by its content, not its name, and returns the
// certificates, requests and private keys it holds. It reads:
//
//   - PEM: CERTIFICATE (also a PKCS#7 inside, as Windows writes .p7b
//     files), TRUSTED CERTIFICATE, CERTIFICATE REQUEST and NEW
//     CERTIFICATE REQUEST (the legacy label Windows uses, RFC 7468 §7),
//     PKCS7, and private keys in PKCS #1, PKCS #8 and SEC 1 form;
//   - DER: certificates (one or several concatenated), requests, keys;
//   - PKCS #7 SignedData (.p7b), DER or PEM, BER accepted;
//   - PKCS #12 (.pfx, .p12) through go-pkcs12's DecodeChain, after checking
//     its iteration counts (see DefaultMaxIterations), and what DecodeChain
//     refuses while Windows reads it (BER, trailing bytes, no key or no
//     certificate, several keys) with a finding in Bundle.Findings;
//   - base64 without PEM headers, as Exchange 2010 prints a request and
//     Export-ExchangeCertificate without -BinaryEncoded writes a PFX.
//
// A certificate or request that crypto/x509 refuses is read with zcrypto's
// parser (see Refusal and docs/formats.md): it is in Certs or CSRs like the
// others, and listed in Refused with why. Text around PEM blocks is
// ignored.
//
// Text may be UTF-8 with or without a byte-order mark or UTF-16 (as Windows
// PowerShell writes it), with LF or CRLF line ends. name is only stored in
// the Bundle; errors do not repeat it.
//
// Every error matches one of ErrNotRecognised, ErrNeedPassword,
// ErrWrongPassword, ErrDamaged, ErrTooManyIterations, ErrUnsupported or
// ErrTooLarge with errors.Is, except an error returned by opt.Password,
// which is passed through. A file of another kind (a CRL, an OCSP response,
// a key Load cannot use, a Java keystore) gives a *KindError.
func Load(name string, data []byte, opt LoadOptions) (*Bundle, error) {
	b, err := load(name, data, opt)
	if err != nil {
		return nil, whatElse(name, data, err)
	}
	return b, nil
}

func load(name string, data []byte, opt LoadOptions) (*Bundle, error) {
	if len(data) > MaxFileSize {
		return nil, failure(ErrTooLarge, fmt.Sprintf("the file is %d bytes; the limit is %d", len(data), MaxFileSize))
	}
	b := &Bundle{Name: name}
	if len(data) > 0 && data[0] == 0x30 { // an ASN.1 SEQUENCE: DER or BER
		err := loadDER(b, data, opt, FormatDER)
		if err != errUnknownDER {
			return result(b, err)
		}
		if !isText(data) {
			if err := truncatedDER(data); err != nil {
				return nil, err
			}
		}
	}
	text := textenc.Decode(data)
	if bytes.Contains(text, []byte("-----BEGIN ")) {
		return result(b, loadPEM(b, text, opt))
	}
	if der, ok := bareBase64(text); ok {
		return result(b, loadDER(b, der, opt, FormatBase64))
	}
	return nil, failure(ErrNotRecognised, describeUnknown(data))
}

func result(b *Bundle, err error) (*Bundle, error) {
	if err != nil {
		return nil, err
	}
	if n := len(b.Certs) + len(b.CSRs) + len(b.Keys); n > MaxItems {
		return nil, failure(ErrTooLarge, fmt.Sprintf("the file holds %d certificates, requests and keys; the limit is %d", n, MaxItems))
	}
	for i, c := range b.Certs {
		if n := len(c.DNSNames) + len(c.IPAddresses); n > MaxCertNames {
			return nil, failure(ErrTooLarge, fmt.Sprintf("certificate %d has %d names; the limit is %d", i+1, n, MaxCertNames))
		}
	}
	for i, r := range b.CSRs {
		if n := len(r.DNSNames) + len(r.IPAddresses); n > MaxCertNames {
			return nil, failure(ErrTooLarge, fmt.Sprintf("certificate request %d has %d names; the limit is %d", i+1, n, MaxCertNames))
		}
	}
	return b, nil
}

// errUnknownDER is loadDER's error for data that is none of the known
// DER structures; Load then tries it as text.
var errUnknownDER = failure(ErrNotRecognised, ErrNotRecognised.Error())

// isText reports whether the start of data is printable ASCII text.
func isText(data []byte) bool {
	for _, c := range data[:min(len(data), 512)] {
		if (c < 0x20 || c >= 0x7f) && c != '\r' && c != '\n' && c != '\t' {
			return false
		}
	}
	return true
}

// truncatedDER recognises binary data whose outer SEQUENCE claims more
// bytes than there are: a certificate file cut short in transfer. It
// returns nil when the start is not that of a known structure.
func truncatedDER(data []byte) error {
	if len(data) < 4 || data[0] != 0x30 || data[1] < 0x81 || data[1] > 0x84 {
		return nil
	}
	n := int(data[1] & 0x7f)
	if 2+n >= len(data) {
		return nil
	}
	l := 0
	for _, c := range data[2 : 2+n] {
		l = l<<8 | int(c)
	}
	body := data[2+n:]
	if l <= len(body) {
		return nil
	}
	what := ""
	switch {
	case bytes.HasPrefix(body, []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02}):
		what = "PKCS#7 structure"
	case bytes.HasPrefix(body, []byte{0x02, 0x01, 0x03, 0x30}):
		what = "PFX"
	case body[0] == 0x30:
		what = "DER certificate or request"
	default:
		return nil
	}
	return failure(ErrDamaged, fmt.Sprintf("%s is truncated: %d of %d bytes", what, len(body), l))
}

// describeUnknown says what an unrecognised file looks like.
func describeUnknown(data []byte) string {
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return "the file is empty, not a certificate file"
	case bytes.HasPrefix(data, []byte("{")):
		return "the file is JSON, not a certificate file"
	}
	return ErrNotRecognised.Error()
}

// loadDER classifies one DER (or BER) structure. It returns a
// ErrNotRecognised error when der is none of the known structures.
func loadDER(b *Bundle, der []byte, opt LoadOptions, f Format) error {
	b.Format = f
	switch {
	case isPFX(der):
		b.Format = FormatPKCS12
		return loadPFX(b, der, opt)
	case isPKCS7(der):
		b.Format = FormatPKCS7
		certs, refused, err := parsePKCS7(der)
		if err != nil {
			return err
		}
		if len(certs) == 0 {
			return failure(ErrNotRecognised, "the PKCS#7 file holds no certificates")
		}
		b.Certs = append(b.Certs, certs...)
		b.Refused = append(b.Refused, refused...)
		return nil
	}
	if certs, err := x509.ParseCertificates(der); err == nil && len(certs) > 0 { // der is never empty here, so >= 0 behaves the same
		b.Certs = append(b.Certs, certs...)
		return nil
	}
	if csr, err := x509.ParseCertificateRequest(der); err == nil {
		b.CSRs = append(b.CSRs, csr)
		return nil
	}
	if key, err := parseKey(der); err == nil {
		b.Keys = append(b.Keys, key)
		return nil
	}
	if kind := signedShape(der); kind != "" {
		// SEQUENCE { SEQUENCE, AlgorithmIdentifier, BIT STRING }: the
		// shape of a certificate or request crypto/x509 refuses.
		return loadDERLenient(b, der, kind)
	}
	return errUnknownDER
}

// loadDERLenient reads DER that crypto/x509 refused: one request, or one
// or more concatenated certificates, each through the lenient reader.
func loadDERLenient(b *Bundle, der []byte, kind string) error {
	if kind != "certificate" {
		r, ref, err := readRequest(der, func() string { return "DER " + kind })
		if err != nil && kind == "certificate or request" {
			if c, cref, cerr := readCertificate(der, func() string { return "DER " + kind }); cerr == nil {
				b.Certs = append(b.Certs, c)
				b.Refused = append(b.Refused, cref)
				return nil
			}
		}
		if err != nil {
			return err
		}
		b.CSRs = append(b.CSRs, r)
		b.Refused = append(b.Refused, ref)
		return nil
	}
	var certs []*x509.Certificate
	var refused []*Refusal
	for n, rest := 1, der; len(rest) > 0; n++ {
		e, r, err := readElement(rest)
		if err != nil || e.nonDER {
			off, why := derDamage(rest, len(der)-len(rest), 0)
			if off < 0 {
				off, why = len(der)-len(rest), "not a DER element"
			}
			return failure(ErrDamaged, fmt.Sprintf("DER certificate %d is damaged at byte %d of %d: %s", n, off, len(der), why))
		}
		where := func() string {
			if n > 1 || len(r) > 0 {
				return fmt.Sprintf("DER certificate %d (at byte %d)", n, len(der)-len(rest))
			}
			return "DER certificate"
		}
		c, ref, err := readCertificate(e.full, where)
		if err != nil {
			return err
		}
		certs = append(certs, c)
		if ref != nil {
			refused = append(refused, ref)
		}
		rest = r
	}
	b.Certs = append(b.Certs, certs...)
	b.Refused = append(b.Refused, refused...)
	return nil
}

// signedShape reports whether der looks like a signed X.509 structure and
// which: "certificate" when the to-be-signed part starts with a version [0]
// or a serial number followed by an AlgorithmIdentifier, "certificate
// request" when it starts with INTEGER 0 and a Name, "" for neither.
func signedShape(der []byte) string {
	e, _, err := readElement(der)
	if err != nil || !e.isSequence() {
		return ""
	}
	k, err := e.children()
	if err != nil || len(k) != 3 || !k[0].isSequence() || !k[1].isSequence() || !k[2].is(asn1.ClassUniversal, asn1.TagBitString) {
		return ""
	}
	tbs, err := k[0].children()
	if err != nil || len(tbs) < 3 {
		return "certificate or request"
	}
	if tbs[0].is(asn1.ClassContextSpecific, 0) {
		return "certificate"
	}
	if tbs[0].integer() != nil && tbs[1].isSequence() {
		if k2, err := tbs[1].children(); err == nil && len(k2) >= 1 && k2[0].oid() != nil {
			return "certificate" // serial, then the signature AlgorithmIdentifier (v1)
		}
		return "certificate request" // version 0, then the subject Name
	}
	return "certificate or request"
}

// trimX509 words a crypto/x509 parse error without the package prefix.
func trimX509(err error) string {
	if err == nil {
		return "unknown error"
	}
	return strings.TrimPrefix(err.Error(), "x509: ")
}

// pemLabels sorts PEM labels into what Load does with them.
var pemLabels = map[string]string{
	"CERTIFICATE":             "cert",
	"X509 CERTIFICATE":        "cert",
	"X.509 CERTIFICATE":       "cert",
	"TRUSTED CERTIFICATE":     "trusted",
	"CERTIFICATE REQUEST":     "csr",
	"NEW CERTIFICATE REQUEST": "csr",
	"PKCS7":                   "pkcs7",
	"PKCS #7 SIGNED DATA":     "pkcs7",
	"CMS":                     "pkcs7",
	"CERTIFICATE CHAIN":       "pkcs7",
	"PKCS12":                  "pkcs12",
	"PRIVATE KEY":             "key",
	"RSA PRIVATE KEY":         "key",
	"EC PRIVATE KEY":          "key",
	"ENCRYPTED PRIVATE KEY":   "encrypted-key",
}

// loadPEM reads every PEM block of text. Blocks with other labels (public
// keys, CRLs, parameters) are skipped; a file with none of the known labels
// is not recognised.
func loadPEM(b *Bundle, text []byte, opt LoadOptions) error {
	b.Format = FormatPEM
	var seen []string // labels of decoded blocks, for the damage check
	onlyPKCS7 := true
	rest := text
	for n := 1; ; n++ {
		var blk *pem.Block
		before := rest
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		// where names the block by its number and the line of its BEGIN;
		// it is worked out only for a message.
		consumed := before[:len(before)-len(rest)]
		where := func() string {
			line := 1 + bytes.Count(text[:len(text)-len(before)+bytes.LastIndex(consumed, []byte("-----BEGIN"))], []byte("\n"))
			return fmt.Sprintf("PEM block %d %q (line %d)", n, blk.Type, line)
		}
		seen = append(seen, blk.Type)
		what := pemLabels[blk.Type]
		if what != "" && what != "pkcs7" {
			onlyPKCS7 = false
		}
		damaged := func(why string) error {
			return failure(ErrDamaged, where()+": "+why)
		}
		keep := func(r *Refusal) {
			if r != nil {
				b.Refused = append(b.Refused, r)
			}
		}
		switch what {
		case "cert":
			// Windows writes .p7b files with CERTIFICATE labels.
			if isPKCS7(blk.Bytes) {
				certs, refused, err := parsePKCS7(blk.Bytes)
				if err != nil {
					return fmt.Errorf("%s: %w", where(), err)
				}
				b.Certs = append(b.Certs, certs...)
				b.Refused = append(b.Refused, refused...)
				continue
			}
			c, r, err := readCertificate(blk.Bytes, where)
			if err != nil {
				return err
			}
			b.Certs = append(b.Certs, c)
			keep(r)
		case "trusted":
			// OpenSSL's TRUSTED CERTIFICATE is a certificate followed by
			// its trust settings.
			e, _, err := readElement(blk.Bytes)
			if err != nil {
				off, why := derDamage(blk.Bytes, 0, 0)
				if off < 0 {
					off, why = 0, "not a DER element"
				}
				return damaged(fmt.Sprintf("certificate is damaged at byte %d of %d: %s", off, len(blk.Bytes), why))
			}
			c, r, err := readCertificate(e.full, where)
			if err != nil {
				return err
			}
			b.Certs = append(b.Certs, c)
			keep(r)
		case "csr":
			csr, r, err := readRequest(blk.Bytes, where)
			if err != nil {
				return err
			}
			b.CSRs = append(b.CSRs, csr)
			keep(r)
		case "pkcs7":
			certs, refused, err := parsePKCS7(blk.Bytes)
			if err != nil {
				return fmt.Errorf("%s: %w", where(), err)
			}
			b.Certs = append(b.Certs, certs...)
			b.Refused = append(b.Refused, refused...)
		case "pkcs12":
			if !isPFX(blk.Bytes) {
				return damaged("not a PFX structure")
			}
			if err := loadPFX(b, blk.Bytes, opt); err != nil {
				return err
			}
			b.Format = FormatPKCS12
			return nil
		case "key":
			if blk.Headers["Proc-Type"] != "" || blk.Headers["DEK-Info"] != "" {
				return failure(ErrUnsupported, fmt.Sprintf("PEM block %q is an encrypted private key; decrypt it first (openssl pkey -in KEY -out plain.key) and keep the result private", blk.Type))
			}
			key, err := parseKey(blk.Bytes)
			if err != nil {
				return damaged("private key does not parse: " + trimX509(err))
			}
			b.Keys = append(b.Keys, key)
		case "encrypted-key":
			return failure(ErrUnsupported, "the private key is encrypted (ENCRYPTED PRIVATE KEY); decrypt it first (openssl pkey -in KEY -out plain.key) and keep the result private")
		}
	}
	if err := checkPEMLabels(text, seen); err != nil {
		return err
	}
	if len(b.Certs) == 0 && len(b.CSRs) == 0 && len(b.Keys) == 0 {
		if len(seen) == 0 {
			return failure(ErrNotRecognised, ErrNotRecognised.Error())
		}
		return failure(ErrNotRecognised, fmt.Sprintf("no certificate, request or private key in the PEM file (found %s)", strings.Join(seen, ", ")))
	}
	if onlyPKCS7 && len(b.Certs) > 0 { // >= 0 behaves the same: PKCS7 blocks hold only certificates, and something was found
		b.Format = FormatPKCS7
	}
	return nil
}

// checkPEMLabels finds PEM blocks with a known label that encoding/pem
// skipped because their base64 is broken or their END line is missing: a
// damaged file rather than an unrecognised one.
func checkPEMLabels(text []byte, seen []string) error {
	decoded := map[string]int{}
	for _, l := range seen {
		decoded[l]++
	}
	for n, line := range strings.Split(string(text), "\n") {
		line = strings.TrimRight(line, " \t\r")
		label, ok := strings.CutPrefix(line, "-----BEGIN ")
		if !ok {
			continue
		}
		label, ok = strings.CutSuffix(label, "-----")
		if !ok || pemLabels[label] == "" {
			continue
		}
		if decoded[label] == 0 {
			return failure(ErrDamaged, fmt.Sprintf("PEM block %q (line %d) is damaged: bad base64 or no matching END line", label, n+1))
		}
		decoded[label]--
	}
	return nil
}

// bareBase64 decodes text that is nothing but base64 (with any line
// breaks), as Exchange 2010's New-ExchangeCertificate prints a request. It
// requires the decoded bytes to start like DER, so ordinary words are not
// mistaken for base64.
func bareBase64(text []byte) ([]byte, bool) {
	var s strings.Builder
	for _, c := range text {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/', c == '=':
			s.WriteByte(c)
		case c == ' ', c == '\t', c == '\r', c == '\n':
		default:
			return nil, false
		}
	}
	str := s.String()
	if len(str) < 64 || !strings.HasPrefix(str, "M") { // DER SEQUENCE 0x30 encodes as "M"
		return nil, false
	}
	der, err := base64.StdEncoding.DecodeString(str)
	if err != nil {
		if der, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(str, "=")); err != nil {
			return nil, false
		}
	}
	return der, true
}
