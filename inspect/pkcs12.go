package inspect

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"strings"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// DefaultMaxIterations is the key-derivation iteration count above which a
// PFX is refused before any password is tried (LoadOptions.MaxIterations 0).
// Every MAC, encrypted safe and shrouded key bag names its own count, and
// go-pkcs12 runs whatever the file asks: a hostile file with 2^31
// iterations burns minutes of CPU per password tried.
//
// Real exporters stay far below: OpenSSL writes 2,048 (PKCS12_DEFAULT_ITER),
// go-pkcs12 2,048, Windows 2,000, Java 10,000. 300,000 is the per-count and
// MAC limit of .NET's PFX loader (Pkcs12LoaderLimits defaults,
// System.Security.Cryptography.X509Certificates), so a file Windows tooling
// accepts is accepted here too. The counts of one file together may not
// exceed MaxTotalIterationsFactor times the limit (1,200,000; .NET allows
// 1,000,000). A file at the limits costs about a second of CPU
// (BenchmarkLoadPFXAtLimit).
const DefaultMaxIterations = 300_000

// MaxTotalIterationsFactor bounds the sum of all iteration counts in one
// PFX to this multiple of the per-count limit, so many bags each just under
// the limit cannot add up.
const MaxTotalIterationsFactor = 4

// PFXInfo describes how a PFX is protected, as read from its structure
// before decryption.
type PFXInfo struct {
	MAC            string `json:"mac"`             // "HMAC-SHA-1", "HMAC-SHA-256", "PBMAC1", "none", or an OID
	CertEncryption string `json:"cert_encryption"` // encryption of the certificate safe ("3DES", "RC2-40", "AES-256-CBC", "none", …)
	KeyEncryption  string `json:"key_encryption"`  // encryption of the shrouded key bag
	MaxIterations  int    `json:"max_iterations"`  // the largest iteration count in the file
	BagIterations  int    `json:"bag_iterations"`  // the largest iteration count of the key and certificate encryption
	MACIterations  int    `json:"mac_iterations"`  // the MAC's iteration count (1 when the file gives none); 0 without a MAC
}

// Modern reports whether the PFX uses PBES2/AES encryption, which Windows
// imports only from Windows Server 2019 (Windows 10 1709) on; older Windows
// reports "The password is incorrect" for it.
func (p *PFXInfo) Modern() bool {
	return strings.HasPrefix(p.CertEncryption, "AES") || strings.HasPrefix(p.KeyEncryption, "AES")
}

var (
	oidPBES2           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidPBMAC1          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 14}
	oidShroudedKeyBag  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidSafeContentsBag = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 6}
	oidPKCS12PBEPrefix = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1}
	oidPKCS5PBEPrefix  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5}
	oidSHA1            = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256          = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384          = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512          = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidAES128CBC       = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC       = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC       = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC      = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
	pkcs12PBENames     = map[int]string{1: "RC4-128", 2: "RC4-40", 3: "3DES", 4: "2DES", 5: "RC2-128", 6: "RC2-40"}
)

// isPFX reports whether der starts like a PKCS#12 PFX: SEQUENCE { INTEGER,
// SEQUENCE { OID data or signedData, … } … }.
func isPFX(der []byte) bool {
	e, _, err := readElement(der)
	if err != nil || !e.isSequence() {
		return false
	}
	kids, err := e.children()
	if err != nil || len(kids) < 2 || kids[0].integer() == nil || !kids[1].isSequence() {
		return false
	}
	ci, err := kids[1].children()
	if err != nil || len(ci) < 1 {
		return false
	}
	o := ci[0].oid()
	return o.Equal(oidData) || o.Equal(oidSignedData)
}

// pfxScan holds what scanPFX found.
type pfxScan struct {
	info   PFXInfo
	total  int64 // sum of all iteration counts
	last   int   // the count read last
	max    int   // the limit
	safes  []encryptedSafe
	opened int  // safes inside could look into (for tests)
	nested bool // bags inside a SafeContentsBag, which go-pkcs12 does not follow
}

// encryptedSafe is an encrypted SafeContents, kept to look inside once a
// password is known.
type encryptedSafe struct {
	alg        element // the PBE AlgorithmIdentifier
	ciphertext []byte
}

// scanPFX reads the structure of a PFX (RFC 7292 §4) without decrypting
// anything: the MAC's iteration count, and the PBE parameters of each
// encrypted safe and each shrouded key bag outside encrypted safes. It
// refuses BER (go-pkcs12 reads only DER), public-key integrity mode, and
// counts above max.
func scanPFX(der []byte, max int) (*pfxScan, error) {
	damaged := func(why string) error { return failure(ErrDamaged, "PFX structure is damaged: "+why) }
	pfx, rest, err := readElement(der)
	if err != nil || !pfx.isSequence() {
		return nil, damaged("the outer structure does not parse")
	}
	if len(rest) != 0 {
		return nil, damaged("data after the end of the structure")
	}
	if pfx.nonDER {
		return nil, failure(ErrUnsupported, "the PFX is BER-encoded (indefinite lengths), which cannot be read; re-export it, or convert it with: openssl pkcs12 -in FILE -nodes | openssl pkcs12 -export -out new.pfx")
	}
	kids, err := pfx.children()
	if err != nil || len(kids) < 2 || len(kids) > 3 {
		return nil, damaged("PFX is not SEQUENCE { version, authSafe, macData }")
	}
	if v := kids[0].integer(); v == nil || v.Cmp(big.NewInt(3)) != 0 {
		return nil, failure(ErrUnsupported, fmt.Sprintf("PFX version %v is not supported (want 3)", kids[0].integer()))
	}
	s := &pfxScan{max: max, info: PFXInfo{MAC: "none", CertEncryption: "none", KeyEncryption: "none"}}
	ci, err := kids[1].children()
	if err != nil || len(ci) != 2 || !ci[1].is(asn1.ClassContextSpecific, 0) {
		return nil, damaged("authSafe ContentInfo does not parse")
	}
	switch o := ci[0].oid(); {
	case o.Equal(oidSignedData):
		return nil, failure(ErrUnsupported, "the PFX uses public-key integrity mode (signed, not password-protected); export it with a password")
	case !o.Equal(oidData):
		return nil, damaged("authSafe is neither data nor signedData")
	}
	wrapped, err := ci[1].children()
	if err != nil || len(wrapped) != 1 {
		return nil, damaged("authSafe content does not parse")
	}
	authSafe, ok := wrapped[0].octets()
	if !ok {
		return nil, damaged("authSafe content is not an OCTET STRING")
	}
	if len(kids) == 3 {
		if err := s.mac(kids[2]); err != nil {
			return nil, err
		}
	}
	seq, rest, err := readElement(authSafe)
	if err != nil || !seq.isSequence() || len(rest) != 0 {
		return nil, damaged("AuthenticatedSafe does not parse")
	}
	if seq.nonDER {
		return nil, failure(ErrUnsupported, "the PFX content is BER-encoded (indefinite lengths), which cannot be read; re-export it")
	}
	safes, err := seq.children()
	if err != nil {
		return nil, damaged("AuthenticatedSafe does not parse")
	}
	for _, safe := range safes {
		parts, err := safe.children()
		if err != nil || len(parts) != 2 || !parts[1].is(asn1.ClassContextSpecific, 0) {
			return nil, damaged("a ContentInfo of the AuthenticatedSafe does not parse")
		}
		inner, err := parts[1].children()
		if err != nil || len(inner) != 1 {
			return nil, damaged("a ContentInfo of the AuthenticatedSafe does not parse")
		}
		switch o := parts[0].oid(); {
		case o.Equal(oidData):
			data, ok := inner[0].octets()
			if !ok {
				return nil, damaged("a SafeContents is not an OCTET STRING")
			}
			if err := s.safeContents(data, 0); err != nil {
				return nil, err
			}
		case o.Equal(oidEncrypted):
			// EncryptedData ::= SEQUENCE { version, EncryptedContentInfo
			// SEQUENCE { contentType, contentEncryptionAlgorithm, [0] … } }
			ed, err := inner[0].children()
			if err != nil || len(ed) < 2 || !ed[1].isSequence() {
				return nil, damaged("an EncryptedData does not parse")
			}
			eci, err := ed[1].children()
			if err != nil || len(eci) < 2 {
				return nil, damaged("an EncryptedContentInfo does not parse")
			}
			name, err := s.pbe(eci[1])
			if err != nil {
				return nil, err
			}
			s.info.CertEncryption = name
			if len(eci) == 3 && eci[2].is(asn1.ClassContextSpecific, 0) && !eci[2].constructed {
				s.safes = append(s.safes, encryptedSafe{alg: eci[1], ciphertext: eci[2].content})
			}
		default:
			return nil, failure(ErrUnsupported, "the PFX holds a safe that is neither data nor password-encrypted (certificate-encrypted safes are not supported)")
		}
	}
	if err := s.checkTotal(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *pfxScan) checkTotal() error {
	if s.total > int64(MaxTotalIterationsFactor)*int64(s.max) {
		return failure(ErrTooManyIterations, fmt.Sprintf("the PFX asks for %d key-derivation iterations in all; the limit is %d (%d per count)", s.total, MaxTotalIterationsFactor*s.max, s.max))
	}
	return nil
}

// inside decrypts the encrypted safes with pw and checks the iteration
// counts of the shrouded key bags they hold, before go-pkcs12 derives
// their keys. A safe that does not decrypt with pw is skipped: then the
// password is wrong and go-pkcs12 fails the MAC before reaching the bags.
func (s *pfxScan) inside(pw string) error {
	for _, safe := range s.safes {
		for _, emptyAsNil := range []bool{false, true} {
			if emptyAsNil && pw != "" {
				break
			}
			plain, err := decryptSafe(safe.alg, safe.ciphertext, pw, emptyAsNil)
			if err != nil {
				continue
			}
			total, info := s.total, s.info
			if err := s.safeContents(plain, 0); err != nil {
				if errors.Is(err, ErrTooManyIterations) {
					return err
				}
				s.total, s.info = total, info // garbage from a wrong password
				continue
			}
			s.opened++
			if err := s.checkTotal(); err != nil {
				return err
			}
			break
		}
	}
	return nil
}

// mac reads MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING,
// iterations INTEGER DEFAULT 1 } (RFC 7292 §4), with PBMAC1 (RFC 9579) whose
// PBKDF2 parameters replace the iterations.
func (s *pfxScan) mac(md element) error {
	damaged := failure(ErrDamaged, "PFX structure is damaged: MacData does not parse")
	f, err := md.children()
	if err != nil || len(f) < 2 || len(f) > 3 || !f[0].isSequence() {
		return damaged
	}
	di, err := f[0].children()
	if err != nil || len(di) != 2 || !di[0].isSequence() {
		return damaged
	}
	alg, err := di[0].children()
	if err != nil || len(alg) < 1 || alg[0].oid() == nil {
		return damaged
	}
	switch o := alg[0].oid(); {
	case o.Equal(oidSHA1):
		s.info.MAC = "HMAC-SHA-1"
	case o.Equal(oidSHA256):
		s.info.MAC = "HMAC-SHA-256"
	case o.Equal(oidSHA384):
		s.info.MAC = "HMAC-SHA-384"
	case o.Equal(oidSHA512):
		s.info.MAC = "HMAC-SHA-512"
	case o.Equal(oidPBMAC1):
		s.info.MAC = "PBMAC1"
		// PBMAC1-params ::= SEQUENCE { keyDerivationFunc, messageAuthScheme }
		if len(alg) != 2 {
			return damaged
		}
		p, err := alg[1].children()
		if err != nil || len(p) != 2 {
			return damaged
		}
		if err := s.kdf(p[0]); err != nil {
			return err
		}
	default:
		s.info.MAC = o.String()
	}
	if s.info.MAC == "PBMAC1" {
		// RFC 9579 §3: macData.iterations is ignored with PBMAC1; the
		// PBKDF2 parameters above count.
		s.info.MACIterations = s.last
		return nil
	}
	iter := big.NewInt(1)
	if len(f) == 3 {
		if iter = f[2].integer(); iter == nil {
			return damaged
		}
	}
	if err := s.count("the MAC", iter); err != nil {
		return err
	}
	s.info.MACIterations = s.last
	return nil
}

// safeContents reads SafeContents ::= SEQUENCE OF SafeBag and checks the
// PBE parameters of every shrouded key bag.
func (s *pfxScan) safeContents(data []byte, depth int) error {
	damaged := failure(ErrDamaged, "PFX structure is damaged: a SafeContents does not parse")
	if depth > 4 {
		return damaged
	}
	seq, rest, err := readElement(data)
	if err != nil || !seq.isSequence() || len(rest) != 0 {
		return damaged
	}
	bags, err := seq.children()
	if err != nil {
		return damaged
	}
	for _, bag := range bags {
		// SafeBag ::= SEQUENCE { bagId, [0] EXPLICIT bagValue, bagAttributes SET OPTIONAL }
		f, err := bag.children()
		if err != nil || len(f) < 2 || f[0].oid() == nil || !f[1].is(asn1.ClassContextSpecific, 0) {
			return damaged
		}
		v, err := f[1].children()
		if err != nil || len(v) != 1 {
			return damaged
		}
		switch o := f[0].oid(); {
		case o.Equal(oidShroudedKeyBag):
			// EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm, encryptedData }
			epki, err := v[0].children()
			if err != nil || len(epki) != 2 {
				return damaged
			}
			name, err := s.pbe(epki[0])
			if err != nil {
				return err
			}
			s.info.KeyEncryption = name
		case o.Equal(oidSafeContentsBag):
			s.nested = true
			if err := s.safeContents(v[0].full, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// pbe reads a password-based encryption AlgorithmIdentifier, checks its
// iteration count and names the cipher. Algorithms it does not know are
// left to go-pkcs12, which refuses them.
func (s *pfxScan) pbe(alg element) (string, error) {
	damaged := failure(ErrDamaged, "PFX structure is damaged: an encryption AlgorithmIdentifier does not parse")
	f, err := alg.children()
	if err != nil || len(f) < 1 || f[0].oid() == nil {
		return "", damaged
	}
	o := f[0].oid()
	switch {
	case o.Equal(oidPBES2):
		// PBES2-params ::= SEQUENCE { keyDerivationFunc, encryptionScheme }
		if len(f) != 2 {
			return "", damaged
		}
		p, err := f[1].children()
		if err != nil || len(p) != 2 {
			return "", damaged
		}
		if err := s.kdf(p[0]); err != nil {
			return "", err
		}
		s.bag()
		enc, err := p[1].children()
		if err != nil || len(enc) < 1 {
			return "", damaged
		}
		switch e := enc[0].oid(); {
		case e.Equal(oidAES256CBC):
			return "AES-256-CBC", nil
		case e.Equal(oidAES192CBC):
			return "AES-192-CBC", nil
		case e.Equal(oidAES128CBC):
			return "AES-128-CBC", nil
		case e.Equal(oidDESEDE3CBC):
			return "PBES2-3DES", nil
		default:
			return "PBES2 " + e.String(), nil
		}
	case hasPrefix(o, oidPKCS12PBEPrefix) || hasPrefix(o, oidPKCS5PBEPrefix) && len(o) == 7:
		// pkcs-12PbeParams and PKCS #5 v1 PBEParameter are both
		// SEQUENCE { salt OCTET STRING, iterations INTEGER }.
		if len(f) != 2 {
			return "", damaged
		}
		p, err := f[1].children()
		if err != nil || len(p) != 2 {
			return "", damaged
		}
		if err := s.count("an encryption key", p[1].integer()); err != nil {
			return "", err
		}
		s.bag()
		if hasPrefix(o, oidPKCS12PBEPrefix) && len(o) == 8 {
			if n, ok := pkcs12PBENames[o[7]]; ok {
				return n, nil
			}
		}
		return o.String(), nil
	}
	return o.String(), nil
}

// kdf reads a PBKDF2 AlgorithmIdentifier (RFC 8018 §A.2): PBKDF2-params ::=
// SEQUENCE { salt, iterationCount, keyLength OPTIONAL, prf DEFAULT }.
func (s *pfxScan) kdf(alg element) error {
	damaged := failure(ErrDamaged, "PFX structure is damaged: PBKDF2 parameters do not parse")
	f, err := alg.children()
	if err != nil || len(f) != 2 {
		return damaged
	}
	if !f[0].oid().Equal(oidPBKDF2) {
		return nil // another KDF: go-pkcs12 refuses it
	}
	p, err := f[1].children()
	if err != nil || len(p) < 2 {
		return damaged
	}
	return s.count("PBKDF2", p[1].integer())
}

// count checks one iteration count against the limit.
func (s *pfxScan) count(what string, n *big.Int) error {
	if n == nil {
		return failure(ErrDamaged, "PFX structure is damaged: an iteration count is not an INTEGER")
	}
	if n.Sign() <= 0 {
		return failure(ErrDamaged, fmt.Sprintf("PFX structure is damaged: %s has iteration count %v", what, n))
	}
	if !n.IsInt64() || n.Int64() > int64(s.max) {
		return failure(ErrTooManyIterations, fmt.Sprintf("the PFX asks for %v iterations for %s; the limit is %d (a hostile file can burn minutes of CPU)", n, what, s.max))
	}
	v := int(n.Int64())
	s.last = v
	s.total += int64(v)
	// >= would store the same value again (equivalent mutant).
	if v > s.info.MaxIterations {
		s.info.MaxIterations = v
	}
	return nil
}

// bag records the count just read as one of the encryption's.
func (s *pfxScan) bag() {
	// >= would store the same value again (equivalent mutant).
	if s.last > s.info.BagIterations {
		s.info.BagIterations = s.last
	}
}

func hasPrefix(o, prefix asn1.ObjectIdentifier) bool {
	return len(o) >= len(prefix) && o[:len(prefix)].Equal(prefix)
}

// loadPFX checks the structure and iteration counts, then decodes the PFX
// with go-pkcs12's DecodeChain: first with the empty password, then with the
// one opt.Password returns. What DecodeChain refuses although Windows reads
// it (BER, bytes after the structure, certificate-only and key-only files,
// several keys, certificates crypto/x509 refuses, DSA keys, nested bags) is
// read by decodeBags, and each such oddity becomes a finding in b.Findings.
func loadPFX(b *Bundle, der []byte, opt LoadOptions) error {
	max := opt.MaxIterations
	if max <= 0 {
		max = DefaultMaxIterations
	}
	trailing := 0
	// Without rest, e.full is der and trailing stays 0: >= 0 changes nothing (equivalent mutant).
	if e, rest, err := readElement(der); err == nil && len(rest) > 0 {
		trailing, der = len(rest), e.full
	}
	der, macInput, ber := normalisePFX(der)
	scan, err := scanPFX(der, max)
	if err != nil {
		return err
	}
	if err := scan.inside(""); err != nil {
		return err
	}
	decode := func(pw string) (*pfxContents, error) {
		if !ber && !scan.nested {
			key, leaf, cas, err := pkcs12.DecodeChain(der, pw)
			if err == nil {
				return fromChain(key, leaf, cas)
			}
			if !fallbackToBags(err) {
				return nil, err
			}
			c, berr := decodeBags(der, macInput, pw)
			if berr != nil {
				var le *loadError
				if errors.As(berr, &le) {
					return nil, berr
				}
				return nil, err
			}
			return c, nil
		}
		return decodeBags(der, macInput, pw)
	}
	c, err := decode("")
	if errors.Is(err, pkcs12.ErrIncorrectPassword) {
		if opt.Password == nil {
			return failure(ErrNeedPassword, "the PFX is protected by a password (the empty password did not open it)")
		}
		pw, perr := opt.Password()
		if perr != nil {
			return perr
		}
		err = scan.inside(string(pw))
		if err == nil {
			c, err = decode(string(pw))
		}
		clear(pw)
		if errors.Is(err, ErrTooManyIterations) {
			return err
		}
	}
	b.PFX = &scan.info
	switch {
	case err != nil && scan.info.MAC == "none" && errors.Is(err, pkcs12.ErrDecryption):
		// go-pkcs12 opens a PFX without a MAC only with the empty
		// password, so the content failed to decrypt with that one and
		// the given password was never tried: the file is not damaged.
		return failure(ErrUnsupported, "the PFX has no MAC (integrity check) and its content is encrypted with a password, which cannot be read; export it again with a MAC (OpenSSL: without -nomac)")
	case err != nil:
		return pfxError(err)
	}
	if n := len(c.certs) + len(c.refused) + len(c.keys) + len(c.unusable); n > MaxItems {
		return failure(ErrTooLarge, fmt.Sprintf("the PFX holds %d certificates and keys; the limit is %d", n, MaxItems))
	}
	if n := len(c.certs) + len(c.refused) + len(c.keys) + len(c.unusable); n == 0 {
		return failure(ErrNotRecognised, "the PFX holds no certificate and no private key")
	}
	c.add(b, trailing, ber)
	return nil
}

// pfxError maps a go-pkcs12 error to one of Load's.
func pfxError(err error) error {
	if le := (*loadError)(nil); errors.As(err, &le) {
		return err
	}
	var ni pkcs12.NotImplementedError
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword):
		return failure(ErrWrongPassword, ErrWrongPassword.Error())
	case errors.Is(err, pkcs12.ErrDecryption):
		// The MAC verified, so the password was right: the encrypted
		// content itself is damaged.
		return failure(ErrDamaged, "PFX content does not decrypt although its MAC verified: the file is damaged")
	case errors.As(err, &ni):
		return failure(ErrUnsupported, "PFX variant not supported: "+strings.TrimPrefix(err.Error(), "pkcs12: "))
	}
	msg := strings.TrimPrefix(err.Error(), "pkcs12: ")
	switch msg {
	case "private key missing":
		return failure(ErrUnsupported, "the PFX holds no private key; for certificates alone use a .p7b or PEM file")
	case "certificate missing":
		return failure(ErrUnsupported, "the PFX holds no certificate")
	case "no MAC in data":
		return failure(ErrUnsupported, "the PFX has no MAC and does not open with the empty password")
	}
	var se asn1.StructuralError
	var sy asn1.SyntaxError
	if errors.As(err, &se) || errors.As(err, &sy) || strings.Contains(msg, "asn1:") || strings.Contains(msg, "x509:") {
		return failure(ErrDamaged, "PFX content is damaged: "+msg)
	}
	return failure(ErrDamaged, "PFX does not decode: "+msg)
}
