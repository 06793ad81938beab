package inspect

import (
	"bytes"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"path/filepath"
	"strings"

	"github.com/exchcert/exchcert/internal/textenc"
)

// KindError is Load's error for a file that is recognisably something other
// than a certificate file: a CRL, an OCSP response, a private key Load
// cannot use, a PKCS #7 that holds no certificates, a Java keystore. It
// matches ErrNotRecognised with errors.Is, except for private keys in a
// form Load cannot use (encrypted, explicit curve parameters, DSA,
// OpenSSH), which match ErrUnsupported: given as a key, they are the
// right kind of file in a form that needs converting.
type KindError struct {
	// What names the kind with its article: "a certificate revocation
	// list", "an encrypted private key (PKCS #8)".
	What string
	// Hint is the next step, or "".
	Hint string
	// Key is set for the private-key kinds.
	Key bool

	kind error  // ErrNotRecognised or ErrUnsupported
	msg  string // the message for a key given as a key; "" for the others
}

// Error says what the file is. For a key kind it is the message for the
// key given where a key is expected: how to convert it.
func (e *KindError) Error() string {
	if e.msg != "" {
		return e.msg
	}
	return e.Not("a certificate")
}

func (e *KindError) Unwrap() error { return e.kind }

// Not says what the file is and what it is not, with the hint: "a
// certificate revocation list, not a certificate". want names what was
// expected, with its article.
func (e *KindError) Not(want string) string {
	s := e.What + ", not " + want
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

// Reason is the line lint gives for ignoring the file.
func (e *KindError) Reason() string { return e.Not("a certificate") }

func kindOf(what, hint string) *KindError {
	return &KindError{What: what, Hint: hint, kind: ErrNotRecognised}
}

func keyKind(what, msg string) *KindError {
	return &KindError{What: what, Key: true, kind: ErrUnsupported, msg: msg}
}

// KeyOnly returns a *KindError when b holds private keys and nothing else
// (a .key file), outside a PFX: offered where a certificate is expected,
// it is the wrong file. It returns nil for any other bundle.
func (b *Bundle) KeyOnly() *KindError {
	if len(b.Keys) == 0 || len(b.Certs) > 0 || len(b.CSRs) > 0 || b.Format == FormatPKCS12 {
		return nil
	}
	k := &KindError{What: "a private key", Key: true, kind: ErrNotRecognised}
	if len(b.Keys) > 1 {
		k.What = "a file of private keys"
	}
	return k
}

var (
	magicJKS   = []byte{0xfe, 0xed, 0xfe, 0xed}
	magicJCEKS = []byte{0xce, 0xce, 0xce, 0xce}

	oidPKCS7Prefix   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7}
	oidCMSPrefix     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1}
	oidOCSPBasic     = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	oidKeyRSA        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidKeyRSAPSS     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidKeyEC         = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidKeyDSA        = asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}
	oidKeyDH         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 3, 1}
	oidKeyX25519     = asn1.ObjectIdentifier{1, 3, 101, 110}
	oidKeyX448       = asn1.ObjectIdentifier{1, 3, 101, 111}
	oidKeyEd25519    = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidKeyEd448      = asn1.ObjectIdentifier{1, 3, 101, 113}
	pkcs7ContentName = map[int]string{
		1: "PKCS #7 data (no certificates)",
		3: "PKCS #7 enveloped data (an encrypted message, such as S/MIME)",
		4: "PKCS #7 signed and enveloped data (an encrypted message)",
		5: "PKCS #7 digested data",
		6: "PKCS #7 encrypted data",
	}
	cmsContentName = map[int]string{
		2:  "CMS authenticated data (a message with a MAC)",
		9:  "CMS compressed data",
		23: "CMS authenticated enveloped data (an encrypted message)",
	}
)

const (
	hintJKS       = "convert it to a PFX with: keytool -importkeystore -srckeystore FILE -destkeystore out.pfx -deststoretype pkcs12"
	hintKeyArg    = "give it with --key"
	hintEmptyP7   = "ask the CA for the .p7b or PEM file with the certificate and its chain"
	msgEncrypted  = "the private key is encrypted (ENCRYPTED PRIVATE KEY); decrypt it first (openssl pkey -in KEY -out plain.key) and keep the result private"
	msgExplicitEC = "the EC private key carries explicit curve parameters instead of a named curve, which Go and Windows do not accept; convert it: openssl ec -in KEY -param_enc named_curve -out named.key"
	msgOpenSSH    = "the private key is in OpenSSH format (ssh-keygen), not a TLS key; use the key the certificate request was made with"
)

// identify says what data is when Load found no certificate, request, key
// or PFX in it, by content first and, when the content says nothing, by
// name. It returns nil when it cannot tell either.
func identify(name string, data []byte) *KindError {
	switch {
	case bytes.HasPrefix(data, magicJKS):
		return kindOf("a Java keystore (JKS)", hintJKS)
	case bytes.HasPrefix(data, magicJCEKS):
		return kindOf("a Java keystore (JCEKS)", hintJKS)
	}
	if len(data) > 0 && data[0] == 0x30 {
		if k := identifyDER(data); k != nil {
			return k
		}
	}
	text := textenc.Decode(data)
	switch {
	case bytes.Contains(text, []byte("-----BEGIN ")):
		if k := identifyPEM(text); k != nil {
			return k
		}
	case bytes.HasPrefix(text, []byte("PuTTY-User-Key-File-")):
		return keyKind("a PuTTY private key", "the private key is a PuTTY key (.ppk), not a TLS key; use the key the certificate request was made with")
	default:
		if der, ok := bareBase64(text); ok {
			if k := identifyDER(der); k != nil {
				return k
			}
		}
	}
	return nil
}

// nameHint words what a file's name suggests when its content is none of
// the kinds identify knows: "" when the name suggests nothing.
func nameHint(name string) string {
	what := map[string]string{
		".crl": "a CRL", ".jks": "a Java keystore", ".keystore": "a Java keystore", ".jceks": "a Java keystore",
		".ocsp": "an OCSP response", ".p7m": "a PKCS #7 message", ".p7s": "a PKCS #7 signature",
	}[strings.ToLower(filepath.Ext(name))]
	if what == "" {
		return ""
	}
	return "the name suggests " + what + ", but the content is not one either"
}

// identifyPEM identifies a PEM file none of whose blocks Load could use.
// A file with a certificate, request or PFX block is left alone: it is a
// certificate file, damaged or not.
func identifyPEM(text []byte) *KindError {
	var found, params *KindError
	rest := text
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		var k *KindError
		switch blk.Type {
		case "CERTIFICATE", "X509 CERTIFICATE", "X.509 CERTIFICATE", "TRUSTED CERTIFICATE",
			"CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST", "PKCS12":
			return nil
		case "X509 CRL":
			k = kindOf("a certificate revocation list (CRL)", "")
		case "PUBLIC KEY", "RSA PUBLIC KEY":
			k = kindOf("a public key", "")
		case "ENCRYPTED PRIVATE KEY":
			k = keyKind("an encrypted private key (PKCS #8)", msgEncrypted)
		case "OPENSSH PRIVATE KEY":
			k = keyKind("an OpenSSH private key", msgOpenSSH)
		case "DSA PRIVATE KEY":
			k = keyKind("a DSA private key", msgDSA)
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
			if blk.Headers["Proc-Type"] != "" || blk.Headers["DEK-Info"] != "" {
				k = keyKind("an encrypted private key (OpenSSL PEM encryption)",
					"PEM block \""+blk.Type+"\" is an encrypted private key; decrypt it first (openssl pkey -in KEY -out plain.key) and keep the result private")
			} else {
				k = identifyKey(blk.Bytes)
			}
		case "PKCS7", "PKCS #7 SIGNED DATA", "CMS", "CERTIFICATE CHAIN":
			k = identifyDER(blk.Bytes)
		case "EC PARAMETERS", "DH PARAMETERS", "X9.42 DH PARAMETERS", "DSA PARAMETERS":
			if params == nil {
				params = kindOf("key parameters ("+blk.Type+")", "")
			}
		}
		if k != nil && found == nil {
			found = k
		}
	}
	if found == nil {
		found = params
	}
	return found
}

// identifyDER identifies one DER (or BER) structure that is not a
// certificate, request, usable key or PFX.
func identifyDER(der []byte) *KindError {
	e, _, err := readElement(der)
	if err != nil || !e.isSequence() {
		return nil
	}
	kids, err := e.children()
	if err != nil || len(kids) == 0 {
		return nil
	}
	// ContentInfo ::= SEQUENCE { contentType OID, [0] EXPLICIT content }
	if o := kids[0].oid(); o != nil && len(kids) <= 2 {
		switch {
		case o.Equal(oidSignedData):
			if certs, _, err := parsePKCS7(der); err == nil && len(certs) == 0 {
				return kindOf("an empty PKCS #7 file (SignedData holding no certificates)", hintEmptyP7)
			}
			return nil
		case hasPrefix(o, oidPKCS7Prefix) && len(o) == 7:
			if n, ok := pkcs7ContentName[o[6]]; ok {
				return kindOf(n, "")
			}
		case hasPrefix(o, oidCMSPrefix) && len(o) == 9:
			if n, ok := cmsContentName[o[8]]; ok {
				return kindOf(n, "")
			}
		}
	}
	switch {
	case isOCSPResponse(kids):
		return kindOf("an OCSP response", "")
	case isOCSPRequest(kids):
		return kindOf("an OCSP request", "")
	case isCRL(kids):
		return kindOf("a certificate revocation list (CRL)", "")
	}
	return identifyKey(der)
}

// isOCSPResponse: OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED,
// responseBytes [0] EXPLICIT ResponseBytes OPTIONAL } (RFC 6960 §4.2.1).
func isOCSPResponse(kids []element) bool {
	if len(kids) > 2 || !kids[0].is(asn1.ClassUniversal, asn1.TagEnum) || kids[0].constructed || len(kids[0].content) != 1 {
		return false
	}
	if len(kids) == 1 {
		return kids[0].content[0] != 0 // an error status carries no bytes
	}
	if !kids[1].is(asn1.ClassContextSpecific, 0) {
		return false
	}
	rb, err := kids[1].children()
	if err != nil || len(rb) != 1 || !rb[0].isSequence() {
		return false
	}
	f, err := rb[0].children()
	return err == nil && len(f) == 2 && f[0].oid() != nil && hasPrefix(f[0].oid(), oidOCSPBasic[:9])
}

// isOCSPRequest: OCSPRequest ::= SEQUENCE { tbsRequest SEQUENCE { version
// [0] OPTIONAL, requestorName [1] OPTIONAL, requestList SEQUENCE OF Request,
// … }, optionalSignature [0] OPTIONAL }; Request ::= SEQUENCE { reqCert
// CertID, … }; CertID ::= SEQUENCE { hashAlgorithm, issuerNameHash OCTET
// STRING, issuerKeyHash OCTET STRING, serialNumber INTEGER } (RFC 6960 §4.1.1).
func isOCSPRequest(kids []element) bool {
	if len(kids) > 2 || !kids[0].isSequence() {
		return false
	}
	tbs, err := kids[0].children()
	if err != nil {
		return false
	}
	for len(tbs) > 0 && tbs[0].class == asn1.ClassContextSpecific {
		tbs = tbs[1:]
	}
	if len(tbs) == 0 || !tbs[0].isSequence() {
		return false
	}
	reqs, err := tbs[0].children()
	if err != nil || len(reqs) == 0 || !reqs[0].isSequence() {
		return false
	}
	req, err := reqs[0].children()
	if err != nil || len(req) == 0 || !req[0].isSequence() {
		return false
	}
	id, err := req[0].children()
	if err != nil || len(id) != 4 || !id[0].isSequence() || id[3].integer() == nil {
		return false
	}
	_, ok1 := id[1].octets()
	_, ok2 := id[2].octets()
	return ok1 && ok2
}

// isCRL: CertificateList ::= SEQUENCE { tbsCertList SEQUENCE { version
// INTEGER OPTIONAL, signature AlgorithmIdentifier, issuer Name, thisUpdate
// Time, … }, signatureAlgorithm, signatureValue BIT STRING } (RFC 5280
// §5.1). A certificate has a Validity SEQUENCE after the issuer; a CRL a
// time.
func isCRL(kids []element) bool {
	if len(kids) != 3 || !kids[0].isSequence() || !kids[1].isSequence() || !kids[2].is(asn1.ClassUniversal, asn1.TagBitString) {
		return false
	}
	tbs, err := kids[0].children()
	if err != nil {
		return false
	}
	if len(tbs) > 0 && tbs[0].integer() != nil {
		tbs = tbs[1:]
	}
	if len(tbs) < 3 || !tbs[0].isSequence() || !tbs[1].isSequence() {
		return false
	}
	return tbs[2].is(asn1.ClassUniversal, asn1.TagUTCTime) || tbs[2].is(asn1.ClassUniversal, asn1.TagGeneralizedTime)
}

// msgDSA is the message for a DSA key given as a key.
const msgDSA = "the private key is a DSA key; Exchange and Windows TLS use RSA or ECDSA keys only, so have a new certificate issued for an RSA key (exchcert csr)"

// identifyKey identifies a private key Load could not use: encrypted
// PKCS #8, an algorithm other than RSA and ECDSA, an EC key with explicit
// curve parameters.
func identifyKey(der []byte) *KindError {
	e, _, err := readElement(der)
	if err != nil || !e.isSequence() {
		return nil
	}
	k, err := e.children()
	if err != nil || len(k) < 2 {
		return nil
	}
	// EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm, encryptedData OCTET STRING } (RFC 5958 §3)
	if len(k) == 2 && k[0].isSequence() {
		if alg, err := k[0].children(); err == nil && len(alg) >= 1 {
			if o := alg[0].oid(); o != nil && (o.Equal(oidPBES2) || hasPrefix(o, oidPKCS12PBEPrefix) || hasPrefix(o, oidPKCS5PBEPrefix)) {
				if _, ok := octetValue(k[1]); ok && k[1].is(asn1.ClassUniversal, asn1.TagOctetString) {
					return keyKind("an encrypted private key (PKCS #8)", msgEncrypted)
				}
			}
		}
		return nil
	}
	v := k[0].integer()
	if v == nil {
		return nil
	}
	// PrivateKeyInfo ::= SEQUENCE { version, privateKeyAlgorithm, privateKey OCTET STRING, … } (RFC 5958 §2)
	if len(k) >= 3 && k[1].isSequence() && k[2].is(asn1.ClassUniversal, asn1.TagOctetString) {
		alg, err := k[1].children()
		if err != nil || len(alg) == 0 || alg[0].oid() == nil {
			return nil
		}
		switch o := alg[0].oid(); {
		case o.Equal(oidKeyEC):
			if len(alg) == 2 && alg[1].isSequence() {
				return keyKind("an EC private key with explicit curve parameters", msgExplicitEC)
			}
			if len(alg) == 2 && alg[1].oid() != nil {
				return keyKind("an EC private key on an unsupported curve ("+alg[1].oid().String()+")",
					"the EC private key uses a curve other than P-256, P-384 or P-521, which Exchange cannot use")
			}
		case o.Equal(oidKeyDSA):
			return keyKind("a DSA private key", msgDSA)
		case o.Equal(oidKeyDH):
			return keyKind("a Diffie-Hellman private key", "the private key is a Diffie-Hellman key, which cannot sign; Exchange needs an RSA or ECDSA key")
		case o.Equal(oidKeyX25519), o.Equal(oidKeyX448):
			return keyKind("an X25519/X448 private key", "the private key is an X25519 or X448 key, which cannot sign; Exchange needs an RSA or ECDSA key")
		case o.Equal(oidKeyEd448):
			return keyKind("an Ed448 private key", "the private key is an Ed448 key, which Exchange cannot use; it needs an RSA or ECDSA key")
		case o.Equal(oidKeyRSAPSS):
			return keyKind("an RSA-PSS private key", "the private key is restricted to RSA-PSS (OID 1.2.840.113549.1.1.10), which Go and Windows certificate stores do not accept; convert it with openssl pkey -in KEY -traditional, or use an rsaEncryption key")
		case o.Equal(oidKeyRSA), o.Equal(oidKeyEd25519):
			return nil // parses when intact: this one is damaged
		default:
			return keyKind("a private key of algorithm "+o.String(), "the private key's algorithm ("+o.String()+") is not one Exchange can use; it needs an RSA or ECDSA key")
		}
		return nil
	}
	// ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, parameters [0], publicKey [1] } (RFC 5915 §3)
	if v.Int64() == 1 && k[1].is(asn1.ClassUniversal, asn1.TagOctetString) {
		for _, f := range k[2:] {
			if f.is(asn1.ClassContextSpecific, 0) {
				if p, err := f.children(); err == nil && len(p) == 1 && p[0].isSequence() {
					return keyKind("an EC private key with explicit curve parameters", msgExplicitEC)
				}
			}
		}
		return nil
	}
	// DSAPrivateKey (OpenSSL): SEQUENCE { version 0, p, q, g, pub, priv }
	if v.Sign() == 0 && len(k) == 6 {
		for _, f := range k[1:] {
			if f.integer() == nil {
				return nil
			}
		}
		return keyKind("a DSA private key", msgDSA)
	}
	return nil
}

// octetValue returns the value of an OCTET STRING in its primitive or its
// BER constructed form (the segments joined), or false. The tag is not
// checked beyond primitive/constructed, so an IMPLICIT [0] OCTET STRING
// works too.
func octetValue(e element) ([]byte, bool) {
	if !e.constructed {
		return e.content, true
	}
	parts, err := e.children()
	if err != nil {
		return nil, false
	}
	var out []byte
	for _, p := range parts {
		if !p.is(asn1.ClassUniversal, asn1.TagOctetString) {
			return nil, false
		}
		v, ok := octetValue(p)
		if !ok {
			return nil, false
		}
		out = append(out, v...)
	}
	return out, true
}

// whatElse replaces an error of Load about a file that is no certificate
// file, or a damaged or unsupported one, by a *KindError when the file is
// recognisably something else (a CRL, a key, a keystore). A file that is
// not recognised at all gets the hint its name gives, if any.
func whatElse(name string, data []byte, err error) error {
	if !errors.Is(err, ErrNotRecognised) && !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrUnsupported) {
		return err
	}
	if len(data) > MaxFileSize {
		return err
	}
	if k := identify(name, data); k != nil {
		return k
	}
	if errors.Is(err, ErrNotRecognised) && bytes.HasPrefix(data, []byte{0x30, 0x80, 0x02, 0x01, 0x03, 0x30}) {
		return failure(ErrDamaged, "PFX structure is damaged: the BER (indefinite-length) PFX does not end where it should; the file is truncated or edited")
	}
	if h := nameHint(name); h != "" && errors.Is(err, ErrNotRecognised) {
		return failure(ErrNotRecognised, err.Error()+"; "+h)
	}
	return err
}
