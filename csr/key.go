package csr

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/internal/textenc"
)

// KeyType is a kind of key GenerateKey makes. The zero value is not a valid
// key type; DefaultKeyType is what an admin gets without asking.
type KeyType int

// Key types, in the order the command line lists them.
const (
	RSA2048 KeyType = iota + 1
	RSA3072
	RSA4096
	ECDSAP256
	ECDSAP384
)

// DefaultKeyType is RSA 2048: every Exchange version and every Windows
// Server can use it, and it is the size New-ExchangeCertificate makes by
// default (https://learn.microsoft.com/powershell/module/exchangepowershell/new-exchangecertificate).
const DefaultKeyType = RSA2048

// KeyTypes lists every key type.
var KeyTypes = []KeyType{RSA2048, RSA3072, RSA4096, ECDSAP256, ECDSAP384}

var keyTypeNames = map[KeyType]string{
	RSA2048:   "rsa2048",
	RSA3072:   "rsa3072",
	RSA4096:   "rsa4096",
	ECDSAP256: "ecdsa-p256",
	ECDSAP384: "ecdsa-p384",
}

// String returns the key type as the command line spells it ("rsa2048",
// "ecdsa-p256"), or "" for an invalid value.
func (t KeyType) String() string { return keyTypeNames[t] }

// Algorithm returns RSA or ECDSA.
func (t KeyType) Algorithm() exchange.KeyAlgorithm {
	if t == ECDSAP256 || t == ECDSAP384 {
		return exchange.ECDSA
	}
	return exchange.RSA
}

// ParseKeyType parses a key type name as String returns it
// (case-insensitive). Its error lists the valid names.
func ParseKeyType(s string) (KeyType, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for _, k := range KeyTypes {
		if k.String() == t {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown key type %q (want one of %s)", s, JoinKeyTypes())
}

// JoinKeyTypes lists the key types as "rsa2048|rsa3072|…".
func JoinKeyTypes() string {
	s := make([]string, len(KeyTypes))
	for i, k := range KeyTypes {
		s[i] = k.String()
	}
	return strings.Join(s, "|")
}

// MarshalText implements encoding.TextMarshaler.
func (t KeyType) MarshalText() ([]byte, error) {
	if t.String() == "" {
		return nil, fmt.Errorf("invalid key type %d", int(t))
	}
	return []byte(t.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *KeyType) UnmarshalText(b []byte) error {
	k, err := ParseKeyType(string(b))
	if err != nil {
		return err
	}
	*t = k
	return nil
}

// GenerateKey makes a new private key of type t from crypto/rand. It returns
// an error only for an invalid t or a failing random source.
func GenerateKey(t KeyType) (crypto.Signer, error) {
	switch t {
	case RSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case RSA3072:
		return rsa.GenerateKey(rand.Reader, 3072)
	case RSA4096:
		return rsa.GenerateKey(rand.Reader, 4096)
	case ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECDSAP384:
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	}
	return nil, fmt.Errorf("invalid key type %d", int(t))
}

// KeyInfo describes a public key as far as a certificate request cares.
type KeyInfo struct {
	Algorithm exchange.KeyAlgorithm `json:"algorithm"`       // "rsa" or "ecdsa"
	Bits      int                   `json:"bits"`            // RSA modulus size, or the curve size
	Curve     string                `json:"curve,omitempty"` // "P-256", "P-384", "P-521" for ECDSA
}

// String returns "RSA 2048" or "ECDSA P-256".
func (k KeyInfo) String() string {
	if k.Algorithm == exchange.ECDSA {
		return "ECDSA " + k.Curve
	}
	return fmt.Sprintf("RSA %d", k.Bits)
}

// Name returns the key as the command line spells key types: "rsa2048",
// "ecdsa-p256" (also for sizes GenerateKey does not make, such as "rsa8192"
// or "ecdsa-p521" of a reused key).
func (k KeyInfo) Name() string {
	if k.Algorithm == exchange.ECDSA {
		return "ecdsa-" + strings.ToLower(strings.ReplaceAll(k.Curve, "-", ""))
	}
	return fmt.Sprintf("rsa%d", k.Bits)
}

// SecurityBits returns the key's security strength in bits, from NIST SP
// 800-57 Part 1 Rev. 5 Table 2: RSA 2048 → 112, RSA 3072 → 128, RSA 7680 →
// 192, RSA 15360 → 256; an ECDSA curve of n bits → n/2. RSA sizes between
// the table's rows get the strength of the row below.
func (k KeyInfo) SecurityBits() int {
	if k.Algorithm == exchange.ECDSA {
		return k.Bits / 2
	}
	// NIST SP 800-57 Part 1 Rev. 5 Table 2, from the strongest row down.
	for _, row := range []struct{ bits, strength int }{{15360, 256}, {7680, 192}, {3072, 128}, {2048, 112}} {
		if k.Bits >= row.bits {
			return row.strength
		}
	}
	return 80
}

// UnsupportedKeyError reports a key that public CAs or Windows do not take:
// RSA under 2048 bits or not a multiple of 8, a curve other than P-256,
// P-384 and P-521, or another algorithm (Ed25519).
type UnsupportedKeyError struct {
	Key    string // what the key is: "RSA 1024", "Ed25519"
	Reason string
}

func (e *UnsupportedKeyError) Error() string {
	return fmt.Sprintf("%s key cannot be used: %s", e.Key, e.Reason)
}

// DescribeKey returns what pub is, or an *UnsupportedKeyError for a key that
// a public CA refuses under the CA/Browser Forum Baseline Requirements
// §6.1.5 (RSA of at least 2048 bits, a multiple of 8; ECDSA on P-256, P-384
// or P-521) or that Exchange cannot use at all.
func DescribeKey(pub crypto.PublicKey) (KeyInfo, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		info := KeyInfo{Algorithm: exchange.RSA, Bits: k.N.BitLen()}
		if info.Bits < 2048 {
			return info, &UnsupportedKeyError{Key: info.String(), Reason: "public CAs sign only RSA keys of 2048 bits or more (Baseline Requirements §6.1.5); make a new key"}
		}
		if info.Bits%8 != 0 {
			return info, &UnsupportedKeyError{Key: info.String(), Reason: "the modulus size must be a multiple of 8 bits (Baseline Requirements §6.1.5); make a new key"}
		}
		return info, nil
	case *ecdsa.PublicKey:
		info := KeyInfo{Algorithm: exchange.ECDSA, Bits: k.Curve.Params().BitSize, Curve: k.Curve.Params().Name}
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return info, nil
		}
		return info, &UnsupportedKeyError{Key: "ECDSA " + info.Curve, Reason: "public CAs accept only the curves P-256, P-384 and P-521 (Baseline Requirements §6.1.5)"}
	case ed25519.PublicKey:
		return KeyInfo{}, &UnsupportedKeyError{Key: "Ed25519", Reason: "public CAs and Windows do not accept Ed25519 certificates; use an RSA or ECDSA key"}
	}
	return KeyInfo{}, &UnsupportedKeyError{Key: fmt.Sprintf("%T", pub), Reason: "only RSA and ECDSA keys are supported"}
}

// PublicKeySHA256 returns the SHA-256 digest of pub's DER
// SubjectPublicKeyInfo as lowercase hex: the same value as
// `openssl pkey -pubout -outform DER | sha256sum` on the key, or on the
// request and certificate made from it, so it ties the three together.
func PublicKeySHA256(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:]), nil
}

// MarshalPrivateKeyPEM encodes key as a PKCS#8 "PRIVATE KEY" PEM block, the
// form openssl, Windows certutil and every other tool reads.
func MarshalPrivateKeyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ErrEncryptedKey is returned by ParsePrivateKeyPEM for a key protected by a
// password (an "ENCRYPTED PRIVATE KEY" block, or a legacy PEM block with a
// "Proc-Type: 4,ENCRYPTED" header).
var ErrEncryptedKey = errors.New("the private key is encrypted")

// NotKeyError is returned by ParsePrivateKeyPEM for input that holds no
// usable private key. Found says what it holds instead.
type NotKeyError struct {
	Found string // "a certificate", "no PEM data", "a damaged RSA PRIVATE KEY block (…)"
}

func (e *NotKeyError) Error() string {
	return "not a private key: it holds " + e.Found
}

// pemKinds names the PEM blocks people mistake for keys.
var pemKinds = map[string]string{
	"CERTIFICATE":                 "a certificate",
	"TRUSTED CERTIFICATE":         "a certificate",
	"CERTIFICATE REQUEST":         "a certificate request",
	"NEW CERTIFICATE REQUEST":     "a certificate request",
	"PKCS7":                       "a PKCS#7 certificate bundle",
	"PUBLIC KEY":                  "a public key",
	"RSA PUBLIC KEY":              "a public key",
	"X509 CRL":                    "a CRL",
	"EC PARAMETERS":               "only EC parameters",
	"OPENSSH PRIVATE KEY":         "an OpenSSH key (convert it with ssh-keygen -p -m PEM)",
	"ENCRYPTED PRIVATE KEY":       "an encrypted key",
	"PGP PRIVATE KEY BLOCK":       "a PGP key",
	"SSH2 ENCRYPTED PRIVATE KEY":  "an SSH key",
	"PGP PUBLIC KEY BLOCK":        "a PGP key",
	"CERTIFICATE REVOCATION LIST": "a CRL",
}

// ParsePrivateKeyPEM reads the one private key in data: a PKCS#1 ("RSA
// PRIVATE KEY"), PKCS#8 ("PRIVATE KEY") or SEC1 ("EC PRIVATE KEY") PEM
// block. Other blocks (certificates, EC parameters) are skipped, so a file
// with the key and its certificate works. UTF-16 and UTF-8 with a byte-order
// mark (as Windows editors save) and CRLF line ends are accepted.
//
// It returns ErrEncryptedKey for a password-protected key, a *NotKeyError
// when data holds no private key or a damaged one, and an error when it
// holds more than one key. Build refuses keys other than RSA and ECDSA
// (DescribeKey).
func ParsePrivateKeyPEM(data []byte) (crypto.Signer, error) {
	data = textenc.Decode(data)
	var (
		keys   []crypto.Signer
		others []string
		damage error
	)
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		var (
			key any
			err error
		)
		switch b.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			if isLegacyEncrypted(b) {
				return nil, ErrEncryptedKey
			}
			key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			if isLegacyEncrypted(b) {
				return nil, ErrEncryptedKey
			}
			key, err = x509.ParseECPrivateKey(b.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, ErrEncryptedKey
		default:
			others = append(others, b.Type)
			continue
		}
		if err != nil {
			if damage == nil {
				damage = &NotKeyError{Found: fmt.Sprintf("a damaged %s block (%v)", b.Type, err)}
			}
			continue
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, &NotKeyError{Found: fmt.Sprintf("a %T key, which cannot sign a request", key)}
		}
		keys = append(keys, signer)
	}
	switch {
	case len(keys) == 1:
		return keys[0], nil
	case len(keys) > 1:
		return nil, fmt.Errorf("the file holds %d private keys; give a file with only the one for this certificate", len(keys))
	case damage != nil:
		return nil, damage
	case len(others) > 0:
		kind, ok := pemKinds[others[0]]
		if !ok {
			kind = fmt.Sprintf("a %q PEM block", others[0])
		}
		return nil, &NotKeyError{Found: kind}
	case looksBinary(data):
		return nil, &NotKeyError{Found: "binary data, not PEM text (a PFX or DER file?)"}
	}
	return nil, &NotKeyError{Found: "no PEM data"}
}

// isLegacyEncrypted reports an OpenSSL "traditional" encrypted key
// (RFC 1421 headers).
func isLegacyEncrypted(b *pem.Block) bool {
	return strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") || b.Headers["DEK-Info"] != ""
}

// looksBinary reports data that is not text: a NUL byte or invalid UTF-8
// near the start (DER and PFX files begin with 0x30 and a length).
func looksBinary(b []byte) bool {
	head := b[:min(len(b), 512)]
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	// Where head cut the data short, forgive a rune cut in two at its end
	// (at most UTFMax-1 bytes of it). An empty head is valid UTF-8, so
	// the loop never cuts below zero.
	for i := 0; len(head) < len(b) && i < utf8.UTFMax-1 && !utf8.Valid(head); i++ {
		head = head[:len(head)-1]
	}
	return !utf8.Valid(head)
}

// Info describes the keys GenerateKey makes of type t.
func (t KeyType) Info() KeyInfo {
	switch t {
	case ECDSAP256:
		return KeyInfo{Algorithm: exchange.ECDSA, Bits: 256, Curve: "P-256"}
	case ECDSAP384:
		return KeyInfo{Algorithm: exchange.ECDSA, Bits: 384, Curve: "P-384"}
	case RSA3072:
		return KeyInfo{Algorithm: exchange.RSA, Bits: 3072}
	case RSA4096:
		return KeyInfo{Algorithm: exchange.RSA, Bits: 4096}
	}
	return KeyInfo{Algorithm: exchange.RSA, Bits: 2048}
}

// ExchangeKeyError means the target Exchange version cannot use a key of
// this algorithm at all (exchange.KeySupport).
type ExchangeKeyError struct {
	Version exchange.Version
	Key     KeyInfo
	Note    string // why, and what to use instead
}

func (e *ExchangeKeyError) Error() string { return e.Note }

// CheckExchangeKey returns an *ExchangeKeyError when Exchange version v
// cannot use a key like k.
func CheckExchangeKey(v exchange.Version, k KeyInfo) error {
	if ok, note := exchange.KeySupport(v, k.Algorithm); !ok {
		return &ExchangeKeyError{Version: v, Key: k, Note: note}
	}
	return nil
}

// ExchangeKey returns the private key of a certificate for Exchange
// version v: the PEM key when keyPEM is not nil, else a new key of type
// t, made only once the type has passed CheckExchangeKey. A key the
// version cannot use is an *ExchangeKeyError; a key no CA signs is an
// *UnsupportedKeyError.
func ExchangeKey(v exchange.Version, t KeyType, keyPEM []byte) (crypto.Signer, KeyInfo, error) {
	if keyPEM == nil {
		info := t.Info()
		if err := CheckExchangeKey(v, info); err != nil {
			return nil, info, err
		}
		key, err := GenerateKey(t)
		return key, info, err
	}
	key, err := ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, KeyInfo{}, err
	}
	info, err := DescribeKey(key.Public())
	if err != nil {
		return nil, info, err
	}
	if err := CheckExchangeKey(v, info); err != nil {
		return nil, info, err
	}
	return key, info, nil
}
