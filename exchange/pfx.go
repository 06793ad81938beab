package exchange

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// PFXEncoding is the PKCS #12 protection profile of a PFX file.
type PFXEncoding int

// PFX encodings (docs/keys.md "PFX encodings").
const (
	// PFXLegacy is go-pkcs12's LegacyDES with the MAC's iteration count
	// raised to the bags' (Encoder.WithIterations): certificate and key
	// bags both encrypted with pbeWithSHAAnd3-KeyTripleDES-CBC, MAC
	// HMAC-SHA-1, 2,048 iterations each — what OpenSSL's -descert writes
	// by default. Every Windows Server imports it. (go-pkcs12's LegacyRC2
	// encrypts the certificates with 40-bit RC2, which OpenSSL 3 cannot
	// read without -legacy, so exchcert never uses it.)
	//
	// LegacyDES alone derives the MAC key with 1 iteration, which makes
	// the MAC a password check 2,048 times cheaper than the encryption.
	// Windows reads the MAC's iteration count: its own TripleDES-SHA1
	// exports use 2,000 (Microsoft's Pkcs12Builder.SealWithMac remarks,
	// https://learn.microsoft.com/dotnet/api/system.security.cryptography.pkcs.pkcs12builder.sealwithmac,
	// for Windows 7, the client release of Windows Server 2008 R2), and
	// OpenSSL has written 2,048 MAC iterations by default for years
	// (OpenSSL 1.1.1 pkcs12(1), https://manpages.ubuntu.com/manpages/focal/man1/pkcs12.1ssl.html:
	// by default "both MAC and encryption iteration counts are set to
	// 2048"; only "MSIE 4.0 doesn't support MAC iteration counts").
	PFXLegacy PFXEncoding = iota + 1
	// PFXModern is go-pkcs12's Modern2023: PBES2 with PBKDF2-HMAC-SHA-256
	// and AES-256-CBC for both bags, MAC HMAC-SHA-256, 2,048 iterations
	// each. Windows Server 2019 and later import it; 2016 and older refuse
	// it with a misleading "password is incorrect". (Windows itself writes
	// this format from Windows Server 2019 on, PKCS12_PBES2_EXPORT_PARAMS:
	// https://learn.microsoft.com/windows/win32/api/wincrypt/ns-wincrypt-pkcs12_pbes2_export_params.)
	PFXModern
)

// PFXIterations is the KDF iteration count of both encodings, for the
// bags and the MAC alike: go-pkcs12's encoder default, never raised. More
// iterations add little against a weak password, and far higher counts are
// refused by some readers (.NET caps what it imports).
const PFXIterations = 2048

// PFXMACIterations is the MAC's iteration count in both encodings.
const PFXMACIterations = PFXIterations

// PFXEncodings lists the encodings.
var PFXEncodings = []PFXEncoding{PFXLegacy, PFXModern}

func (e PFXEncoding) String() string {
	switch e {
	case PFXLegacy:
		return "legacy"
	case PFXModern:
		return "modern"
	}
	return ""
}

// Describe says what the encoding is, for people.
func (e PFXEncoding) Describe() string {
	switch e {
	case PFXLegacy:
		return "3DES (pbeWithSHAAnd3-KeyTripleDES-CBC) for key and certificates, HMAC-SHA-1 MAC"
	case PFXModern:
		return "AES-256-CBC (PBES2, PBKDF2-HMAC-SHA-256) for key and certificates, HMAC-SHA-256 MAC"
	}
	return ""
}

// MarshalText implements encoding.TextMarshaler.
func (e PFXEncoding) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// ParsePFXEncoding parses "legacy" or "modern"; its error lists both.
func ParsePFXEncoding(s string) (PFXEncoding, error) {
	for _, e := range PFXEncodings {
		if strings.EqualFold(strings.TrimSpace(s), e.String()) {
			return e, nil
		}
	}
	return 0, fmt.Errorf("unknown PFX encoding %q (want legacy|modern)", s)
}

// PFXEncodingFor returns the encoding a Windows Server version imports: the
// modern one from Windows Server 2019 (the first server release with the
// PBES2/AES-256 PKCS #12 format, PKCS12_PBES2_EXPORT_PARAMS), the legacy one
// for 2016 and older or an unknown version.
func PFXEncodingFor(w Windows) PFXEncoding {
	if w >= Windows2019 {
		return PFXModern
	}
	return PFXLegacy
}

// LegacyCost says, in one line, what the legacy encoding costs compared
// with the modern one.
const LegacyCost = "it costs: the key is protected by 3DES and SHA-1, which NIST SP 800-131A Rev. 2 retires, so use a long random password and delete the file once imported"

// PFXEncodingForExchange returns the encoding for a server of Exchange
// version v when the Windows version is not known: the modern one when
// every Windows Server v runs on imports it (Exchange 2019 and SE run on
// Windows Server 2019 and later only), else the legacy one, with the
// reason for people.
func PFXEncodingForExchange(v Version) (PFXEncoding, string) {
	ws := SupportedWindows(v)
	if len(ws) == 0 {
		return PFXLegacy, "the Windows Server version is not known"
	}
	oldest := slices.Min(ws)
	if PFXEncodingFor(oldest) == PFXModern {
		return PFXModern, fmt.Sprintf("%s runs on %s or later only", v.Title(), oldest.Title())
	}
	return PFXLegacy, fmt.Sprintf("%s also runs on %s, which cannot import AES-256 (give --windows 2019 or later if the server runs it)", v.Title(), oldest.Title())
}

func (e PFXEncoding) encoder() *pkcs12.Encoder {
	switch e {
	case PFXLegacy:
		return pkcs12.LegacyDES.WithIterations(PFXIterations)
	case PFXModern:
		return pkcs12.Modern2023.WithIterations(PFXIterations)
	}
	return nil
}

// Errors of EncodePFX; match them with errors.Is.
var (
	ErrEmptyPassword = errors.New("an empty PFX password is not allowed (Windows treats an empty and a missing password differently, and an unprotected key file is a leak)")
	ErrKeyMismatch   = errors.New("the private key does not belong to the certificate")
	ErrBadPassword   = errors.New("the PFX password must be UTF-8 text without NUL, made of characters of the Basic Multilingual Plane (PKCS #12 passwords are BMPStrings)")
)

// EncodePFX builds a password-protected PFX holding key, the leaf
// certificate and the chain (in the given order, after the leaf), in the
// encoding enc. go-pkcs12 writes the localKeyId attribute on the key bag and
// the leaf only, which is how Windows pairs them; it
// cannot write the friendlyName or the Microsoft CSP-name attribute, so the
// friendly name is set on import (Import-ExchangeCertificate -FriendlyName)
// and Windows chooses the key provider.
//
// The result is decoded again with the same password and compared with the
// inputs before it is returned. EncodePFX returns ErrEmptyPassword,
// ErrBadPassword, ErrKeyMismatch, or an error for a key type Exchange cannot
// use (only RSA and ECDSA are accepted).
func EncodePFX(key crypto.PrivateKey, leaf *x509.Certificate, chain []*x509.Certificate, password []byte, enc PFXEncoding) ([]byte, error) {
	encoder := enc.encoder()
	if encoder == nil {
		return nil, fmt.Errorf("unknown PFX encoding %d", enc)
	}
	if len(password) == 0 {
		return nil, ErrEmptyPassword
	}
	if !validPassword(password) {
		return nil, ErrBadPassword
	}
	if leaf == nil {
		return nil, errors.New("no certificate")
	}
	if err := KeyMatches(key, leaf); err != nil {
		return nil, err
	}
	pfx, err := encoder.Encode(key, leaf, chain, string(password))
	if err != nil {
		return nil, fmt.Errorf("encoding the PFX: %w", err)
	}
	if err := VerifyPFX(pfx, password, key, leaf, chain); err != nil {
		return nil, err
	}
	return pfx, nil
}

// VerifyPFX decodes pfx with password and checks that it holds exactly key,
// leaf and chain, in that order. It is how a written PFX is proved.
func VerifyPFX(pfx, password []byte, key crypto.PrivateKey, leaf *x509.Certificate, chain []*x509.Certificate) error {
	gotKey, gotLeaf, gotChain, err := pkcs12.DecodeChain(pfx, string(password))
	if err != nil {
		return fmt.Errorf("the PFX does not decode again: %w", err)
	}
	if !bytes.Equal(gotLeaf.Raw, leaf.Raw) {
		return errors.New("the PFX decodes to a different certificate")
	}
	if len(gotChain) != len(chain) {
		return fmt.Errorf("the PFX decodes to %d chain certificates, want %d", len(gotChain), len(chain))
	}
	for i := range chain {
		if !bytes.Equal(gotChain[i].Raw, chain[i].Raw) {
			return fmt.Errorf("chain certificate %d differs after decoding", i+1)
		}
	}
	type equaler interface{ Equal(crypto.PrivateKey) bool }
	k, ok := gotKey.(equaler)
	if !ok || !k.Equal(key) {
		return errors.New("the PFX decodes to a different private key")
	}
	return nil
}

// KeyMatches returns nil when key is the private key of cert's public key,
// ErrKeyMismatch (wrapped, naming the certificate) when it is not, or an
// error for a key type Exchange cannot use.
func KeyMatches(key crypto.PrivateKey, cert *x509.Certificate) error {
	var pub crypto.PublicKey
	switch k := key.(type) {
	case *rsa.PrivateKey:
		pub = &k.PublicKey
	case *ecdsa.PrivateKey:
		pub = &k.PublicKey
	case nil:
		return errors.New("no private key")
	default:
		return fmt.Errorf("a %T key cannot be used by Exchange (RSA or ECDSA only)", key)
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if p, ok := pub.(equaler); !ok || !p.Equal(cert.PublicKey) {
		return fmt.Errorf("%w %q", ErrKeyMismatch, cert.Subject.String())
	}
	return nil
}

func validPassword(pw []byte) bool {
	if !utf8.Valid(pw) || bytes.IndexByte(pw, 0) >= 0 {
		return false
	}
	for _, r := range string(pw) {
		if utf16.IsSurrogate(r) || r > 0xFFFF {
			return false
		}
	}
	return true
}

// maxChainSignatureChecks bounds the signatures OrderChain checks, as
// crypto/x509's Verify bounds its own (maxChainSignatureChecks, also 100):
// a real chain needs a handful, while a hostile file of many CA
// certificates that all carry the leaf's issuer name would otherwise cost
// one signature check per certificate at every step.
const maxChainSignatureChecks = 100

// OrderChain picks, from certs, the issuers of leaf in order (leaf's issuer
// first, up to a self-signed root if it is there), checking each signature.
// It returns the chain and the certificates that are not on it (the leaf
// itself and duplicates excluded). When the chain does not reach a
// self-signed certificate, missing names the issuer that is not among certs
// (or whose certificate was not reached within the signature checks a real
// chain needs).
func OrderChain(leaf *x509.Certificate, certs []*x509.Certificate) (chain, unused []*x509.Certificate, missing string) {
	pool := make([]*x509.Certificate, 0, len(certs))
	seen := map[string]bool{string(leaf.Raw): true}
	for _, c := range certs {
		if !seen[string(c.Raw)] {
			seen[string(c.Raw)] = true
			pool = append(pool, c)
		}
	}
	used := map[*x509.Certificate]bool{}
	checks := 0
	cur := leaf
	for !selfSigned(cur) {
		var next *x509.Certificate
		for _, c := range pool {
			if used[c] || !bytes.Equal(c.RawSubject, cur.RawIssuer) {
				continue
			}
			if checks++; checks > maxChainSignatureChecks {
				break
			}
			if cur.CheckSignatureFrom(c) == nil {
				next = c
				break
			}
		}
		if next == nil {
			missing = cur.Issuer.String()
			break
		}
		used[next] = true
		chain = append(chain, next)
		cur = next
	}
	for _, c := range pool {
		if !used[c] {
			unused = append(unused, c)
		}
	}
	return chain, unused, missing
}

func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawSubject, c.RawIssuer) && c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}
