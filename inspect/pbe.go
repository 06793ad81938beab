package inspect

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"errors"
	"hash"
)

// This file decrypts the encrypted safes of a PFX for one purpose only: to
// read the iteration counts of the shrouded key bags inside them before
// go-pkcs12 derives their keys. Those counts are invisible until the safe
// is decrypted, and a hostile file can hide 2^31 iterations there. The
// safe's own count has been checked already, so this costs at most one
// bounded key derivation per safe. What cannot be decrypted here (a wrong
// password, an unknown cipher) is left to go-pkcs12, which then fails the
// MAC or refuses the algorithm before reaching the bags.

var errNoDecrypt = errors.New("cannot decrypt")

// bmpPassword encodes a password as PKCS #12 wants it for its own KDF (RFC
// 7292 Appendix B.1): UTF-16 big-endian with a terminating zero. The
// empty password is two zero bytes; some writers use no bytes at all,
// which the caller tries too.
func bmpPassword(pw string) ([]byte, bool) {
	out := make([]byte, 0, 2*len(pw)+2)
	for _, r := range pw {
		if r > 0xFFFF {
			return nil, false // not in the BMP: go-pkcs12 refuses it too
		}
		out = append(out, byte(r>>8), byte(r))
	}
	return append(out, 0, 0), true
}

// pkcs12KDF is the key derivation of RFC 7292 Appendix B.2 with SHA-1 (the
// only hash the PKCS #12 PBE algorithms use): id 1 for keys, 2 for IVs.
func pkcs12KDF(id byte, password, salt []byte, iterations, n int) []byte {
	return pkcs12KDFHash(sha1.New, 64, id, password, salt, iterations, n) // v = 64: SHA-1's block size
}

// decryptSafe decrypts an encrypted safe or shrouded bag content with the
// algorithm alg (an AlgorithmIdentifier element) and the password pw,
// returning the plaintext or errNoDecrypt.
func decryptSafe(alg element, ciphertext []byte, pw string, emptyAsNil bool) ([]byte, error) {
	f, err := alg.children()
	if err != nil || len(f) != 2 {
		return nil, errNoDecrypt
	}
	o := f[0].oid()
	var block cipher.Block
	var iv []byte
	switch {
	case o.Equal(oidPBES2):
		block, iv, err = pbes2Cipher(f[1], pw)
	case hasPrefix(o, oidPKCS12PBEPrefix) && len(o) == 8:
		block, iv, err = pkcs12Cipher(o[7], f[1], pw, emptyAsNil)
	default:
		return nil, errNoDecrypt
	}
	if err != nil {
		return nil, errNoDecrypt
	}
	bs := block.BlockSize()
	if len(ciphertext) == 0 || len(ciphertext)%bs != 0 || len(iv) != bs {
		return nil, errNoDecrypt
	}
	out := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, ciphertext)
	// PKCS #7 padding (RFC 5652 §6.3); a wrong password rarely leaves a
	// valid one, and then the SafeContents does not parse.
	p := int(out[len(out)-1])
	if p == 0 || p > bs {
		return nil, errNoDecrypt
	}
	for _, b := range out[len(out)-p:] {
		if int(b) != p {
			return nil, errNoDecrypt
		}
	}
	return out[:len(out)-p], nil
}

// pkcs12Cipher sets up a PKCS #12 PBE cipher (RFC 7292 Appendix C):
// pbeWithSHAAnd3-KeyTripleDES-CBC (3), 2-KeyTripleDES (4), 128-bit RC2
// (5), 40-bit RC2 (6). The RC4 variants are not block ciphers and
// go-pkcs12 does not read them.
func pkcs12Cipher(kind int, params element, pw string, emptyAsNil bool) (cipher.Block, []byte, error) {
	p, err := params.children()
	if err != nil || len(p) != 2 {
		return nil, nil, errNoDecrypt
	}
	salt, ok := p[0].octets()
	n := p[1].integer()
	// 1<<31 itself passes, but from here it fails with errNoDecrypt as over the bound or runs
	// 2^31 iterations (minutes): >= is left untested; scanPFX refuses counts over its limit first.
	if !ok || n == nil || !n.IsInt64() || n.Int64() < 1 || n.Int64() > 1<<31 {
		return nil, nil, errNoDecrypt
	}
	iter := int(n.Int64())
	password, ok := bmpPassword(pw)
	if !ok {
		return nil, nil, errNoDecrypt
	}
	if pw == "" && emptyAsNil {
		password = nil
	}
	iv := pkcs12KDF(2, password, salt, iter, 8)
	switch kind {
	case 3:
		b, err := des.NewTripleDESCipher(pkcs12KDF(1, password, salt, iter, 24))
		return b, iv, err
	case 4:
		k := pkcs12KDF(1, password, salt, iter, 16)
		b, err := des.NewTripleDESCipher(append(k, k[:8]...))
		return b, iv, err
	case 5:
		return newRC2(pkcs12KDF(1, password, salt, iter, 16), 128), iv, nil
	case 6:
		return newRC2(pkcs12KDF(1, password, salt, iter, 5), 40), iv, nil
	}
	return nil, nil, errNoDecrypt
}

var (
	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
)

// pbes2Cipher sets up PBES2 (RFC 8018 §6.2) with PBKDF2 and AES-CBC or
// DES-EDE3-CBC. The password is UTF-8, as go-pkcs12 and Windows use it for
// PBES2.
func pbes2Cipher(params element, pw string) (cipher.Block, []byte, error) {
	p, err := params.children()
	if err != nil || len(p) != 2 {
		return nil, nil, errNoDecrypt
	}
	kdf, err := p[0].children()
	if err != nil || len(kdf) != 2 || !kdf[0].oid().Equal(oidPBKDF2) {
		return nil, nil, errNoDecrypt
	}
	kp, err := kdf[1].children()
	if err != nil || len(kp) < 2 {
		return nil, nil, errNoDecrypt
	}
	salt, ok := kp[0].octets()
	n := kp[1].integer()
	// 1<<31 itself passes, but from here it fails with errNoDecrypt as over the bound or runs
	// 2^31 iterations (minutes): >= is left untested; scanPFX refuses counts over its limit first.
	if !ok || n == nil || !n.IsInt64() || n.Int64() < 1 || n.Int64() > 1<<31 {
		return nil, nil, errNoDecrypt
	}
	prf := sha1.New
	for _, extra := range kp[2:] {
		if !extra.isSequence() {
			continue // keyLength: implied by the cipher
		}
		a, err := extra.children()
		if err != nil || len(a) < 1 {
			return nil, nil, errNoDecrypt
		}
		switch o := a[0].oid(); {
		case o.Equal(oidHMACSHA1):
		case o.Equal(oidHMACSHA256):
			prf = sha256.New
		case o.Equal(oidHMACSHA384):
			prf = sha512.New384
		case o.Equal(oidHMACSHA512):
			prf = sha512.New
		default:
			return nil, nil, errNoDecrypt
		}
	}
	enc, err := p[1].children()
	if err != nil || len(enc) != 2 {
		return nil, nil, errNoDecrypt
	}
	iv, ok := enc[1].octets()
	if !ok {
		return nil, nil, errNoDecrypt
	}
	var keyLen int
	var mk func([]byte) (cipher.Block, error)
	switch o := enc[0].oid(); {
	case o.Equal(oidAES128CBC):
		keyLen, mk = 16, aes.NewCipher
	case o.Equal(oidAES192CBC):
		keyLen, mk = 24, aes.NewCipher
	case o.Equal(oidAES256CBC):
		keyLen, mk = 32, aes.NewCipher
	case o.Equal(oidDESEDE3CBC):
		keyLen, mk = 24, des.NewTripleDESCipher
	default:
		return nil, nil, errNoDecrypt
	}
	key, err := pbkdf2.Key(func() hash.Hash { return prf() }, pw, salt, int(n.Int64()), keyLen)
	if err != nil {
		return nil, nil, errNoDecrypt
	}
	b, err := mk(key)
	return b, iv, err
}

// rc2 is RC2 decryption (RFC 2268), needed only to look inside the 40-bit
// RC2 safes that OpenSSL 1.x and `openssl pkcs12 -legacy` write.
type rc2 struct{ k [64]uint16 }

// rc2Pi is PITABLE of RFC 2268 §2, a permutation of 0..255 derived from
// the digits of pi.
var rc2Pi = [256]byte{
	0xd9, 0x78, 0xf9, 0xc4, 0x19, 0xdd, 0xb5, 0xed, 0x28, 0xe9, 0xfd, 0x79, 0x4a, 0xa0, 0xd8, 0x9d,
	0xc6, 0x7e, 0x37, 0x83, 0x2b, 0x76, 0x53, 0x8e, 0x62, 0x4c, 0x64, 0x88, 0x44, 0x8b, 0xfb, 0xa2,
	0x17, 0x9a, 0x59, 0xf5, 0x87, 0xb3, 0x4f, 0x13, 0x61, 0x45, 0x6d, 0x8d, 0x09, 0x81, 0x7d, 0x32,
	0xbd, 0x8f, 0x40, 0xeb, 0x86, 0xb7, 0x7b, 0x0b, 0xf0, 0x95, 0x21, 0x22, 0x5c, 0x6b, 0x4e, 0x82,
	0x54, 0xd6, 0x65, 0x93, 0xce, 0x60, 0xb2, 0x1c, 0x73, 0x56, 0xc0, 0x14, 0xa7, 0x8c, 0xf1, 0xdc,
	0x12, 0x75, 0xca, 0x1f, 0x3b, 0xbe, 0xe4, 0xd1, 0x42, 0x3d, 0xd4, 0x30, 0xa3, 0x3c, 0xb6, 0x26,
	0x6f, 0xbf, 0x0e, 0xda, 0x46, 0x69, 0x07, 0x57, 0x27, 0xf2, 0x1d, 0x9b, 0xbc, 0x94, 0x43, 0x03,
	0xf8, 0x11, 0xc7, 0xf6, 0x90, 0xef, 0x3e, 0xe7, 0x06, 0xc3, 0xd5, 0x2f, 0xc8, 0x66, 0x1e, 0xd7,
	0x08, 0xe8, 0xea, 0xde, 0x80, 0x52, 0xee, 0xf7, 0x84, 0xaa, 0x72, 0xac, 0x35, 0x4d, 0x6a, 0x2a,
	0x96, 0x1a, 0xd2, 0x71, 0x5a, 0x15, 0x49, 0x74, 0x4b, 0x9f, 0xd0, 0x5e, 0x04, 0x18, 0xa4, 0xec,
	0xc2, 0xe0, 0x41, 0x6e, 0x0f, 0x51, 0xcb, 0xcc, 0x24, 0x91, 0xaf, 0x50, 0xa1, 0xf4, 0x70, 0x39,
	0x99, 0x7c, 0x3a, 0x85, 0x23, 0xb8, 0xb4, 0x7a, 0xfc, 0x02, 0x36, 0x5b, 0x25, 0x55, 0x97, 0x31,
	0x2d, 0x5d, 0xfa, 0x98, 0xe3, 0x8a, 0x92, 0xae, 0x05, 0xdf, 0x29, 0x10, 0x67, 0x6c, 0xba, 0xc9,
	0xd3, 0x00, 0xe6, 0xcf, 0xe1, 0x9e, 0xa8, 0x2c, 0x63, 0x16, 0x01, 0x3f, 0x58, 0xe2, 0x89, 0xa9,
	0x0d, 0x38, 0x34, 0x1b, 0xab, 0x33, 0xff, 0xb0, 0xbb, 0x48, 0x0c, 0x5f, 0xb9, 0xb1, 0xcd, 0x2e,
	0xc5, 0xf3, 0xdb, 0x47, 0xe5, 0xa5, 0x9c, 0x77, 0x0a, 0xa6, 0x20, 0x68, 0xfe, 0x7f, 0xc1, 0xad,
}

// newRC2 expands key with effective key length t1 bits (RFC 2268 §2).
func newRC2(key []byte, t1 int) *rc2 {
	var l [128]byte
	t := len(key)
	copy(l[:], key)
	for i := t; i < 128; i++ {
		l[i] = rc2Pi[l[i-1]+l[i-t]]
	}
	t8 := (t1 + 7) / 8
	tm := byte(0xff >> (8*t8 - t1))
	l[128-t8] = rc2Pi[l[128-t8]&tm]
	for i := 127 - t8; i >= 0; i-- {
		l[i] = rc2Pi[l[i+1]^l[i+t8]]
	}
	c := &rc2{}
	for i := range c.k {
		c.k[i] = uint16(l[2*i]) | uint16(l[2*i+1])<<8
	}
	return c
}

func (c *rc2) BlockSize() int { return 8 }

func (c *rc2) Encrypt(dst, src []byte) { panic("inspect: RC2 is used for decryption only") }

// Decrypt runs the inverse rounds of RFC 2268 §4: five mixing rounds, a
// mashing round, six mixing rounds, a mashing round, five mixing rounds.
func (c *rc2) Decrypt(dst, src []byte) {
	r := [4]uint16{
		uint16(src[0]) | uint16(src[1])<<8, uint16(src[2]) | uint16(src[3])<<8,
		uint16(src[4]) | uint16(src[5])<<8, uint16(src[6]) | uint16(src[7])<<8,
	}
	s := [4]uint{1, 2, 3, 5}
	j := 63
	mix := func() {
		for i := 3; i >= 0; i-- {
			r[i] = r[i]>>s[i] | r[i]<<(16-s[i])
			r[i] -= c.k[j] + (r[(i+3)%4] & r[(i+2)%4]) + (^r[(i+3)%4] & r[(i+1)%4])
			j--
		}
	}
	mash := func() {
		for i := 3; i >= 0; i-- {
			r[i] -= c.k[r[(i+3)%4]&63]
		}
	}
	for round := 0; round < 16; round++ {
		mix()
		if round == 4 || round == 10 {
			mash()
		}
	}
	for i, w := range r {
		dst[2*i], dst[2*i+1] = byte(w), byte(w>>8)
	}
}
