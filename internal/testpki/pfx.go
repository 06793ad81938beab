package testpki

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// PFXEncoding names one of go-pkcs12's encoders.
type PFXEncoding string

// The encoders go-pkcs12 v0.7.4 exports under their own names; Legacy and
// Modern are aliases of LegacyDES and Modern2023.
const (
	PFXLegacyDES    PFXEncoding = "LegacyDES"    // 3DES bags, SHA-1 MAC: every Windows
	PFXLegacyRC2    PFXEncoding = "LegacyRC2"    // RC2-40 certificates, 3DES key (OpenSSL 1.x default)
	PFXModern2023   PFXEncoding = "Modern2023"   // PBES2 AES-256, SHA-256 MAC: Windows Server 2019+
	PFXModern2026   PFXEncoding = "Modern2026"   // PBES2 AES-256, PBMAC1
	PFXPasswordless PFXEncoding = "Passwordless" // no encryption, no MAC; password must be empty
)

// PFXEncodings lists every encoding, for table tests.
var PFXEncodings = []PFXEncoding{PFXLegacyDES, PFXLegacyRC2, PFXModern2023, PFXModern2026, PFXPasswordless}

// Encoder returns go-pkcs12's encoder for e.
func (e PFXEncoding) Encoder() (*pkcs12.Encoder, error) {
	switch e {
	case PFXLegacyDES:
		return pkcs12.LegacyDES, nil
	case PFXLegacyRC2:
		return pkcs12.LegacyRC2, nil
	case PFXModern2023:
		return pkcs12.Modern2023, nil
	case PFXModern2026:
		return pkcs12.Modern2026, nil
	case PFXPasswordless:
		return pkcs12.Passwordless, nil
	}
	return nil, fmt.Errorf("testpki: unknown PFX encoding %q", e)
}

// PFX encodes key, leaf and chain (leaf first) as a PKCS #12 file in
// encoding e, protected by password.
func PFX(e PFXEncoding, key crypto.Signer, leaf *x509.Certificate, chain []*x509.Certificate, password string) ([]byte, error) {
	enc, err := e.Encoder()
	if err != nil {
		return nil, err
	}
	return enc.Encode(key, leaf, chain, password)
}

// The PFX structures of RFC 7292, as far as SetPFXIterations rewrites them.
type pfxPDU struct {
	Version  int
	AuthSafe contentInfo
	MacData  macData `asn1:"optional"`
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
}

type macData struct {
	Mac        asn1.RawValue
	MacSalt    []byte
	Iterations int `asn1:"optional,default:1"`
}

type safeBag struct {
	ID         asn1.ObjectIdentifier
	Value      asn1.RawValue `asn1:"tag:0,explicit"`
	Attributes asn1.RawValue `asn1:"optional"`
}

type encryptedPrivateKeyInfo struct {
	Algorithm     pkix.AlgorithmIdentifier
	EncryptedData []byte
}

type pbeParams struct {
	Salt       []byte
	Iterations int
}

var (
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidShroudedKey   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidPKCS12PBE3DES = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
)

// SetPFXIterations rewrites the iteration counts of a LegacyDES or
// LegacyRC2 PFX without recomputing anything: the MAC's count when mac is
// not 0, and the shrouded key bag's when key is not 0 (negative counts too). The result no longer verifies;
// it models a hostile file that asks for an expensive key derivation.
func SetPFXIterations(pfx []byte, mac, key int) ([]byte, error) {
	var p pfxPDU
	if _, err := asn1.Unmarshal(pfx, &p); err != nil {
		return nil, err
	}
	if mac != 0 {
		p.MacData.Iterations = mac
	}
	if key != 0 {
		var octets []byte
		if _, err := asn1.Unmarshal(p.AuthSafe.Content.Bytes, &octets); err != nil {
			return nil, err
		}
		var safes []contentInfo
		if _, err := asn1.Unmarshal(octets, &safes); err != nil {
			return nil, err
		}
		for i, ci := range safes {
			if !ci.ContentType.Equal(oidData) {
				continue
			}
			var data []byte
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &data); err != nil {
				return nil, err
			}
			var bags []safeBag
			if _, err := asn1.Unmarshal(data, &bags); err != nil {
				return nil, err
			}
			for j, bag := range bags {
				if !bag.ID.Equal(oidShroudedKey) {
					continue
				}
				var epki encryptedPrivateKeyInfo
				if _, err := asn1.Unmarshal(bag.Value.Bytes, &epki); err != nil {
					return nil, err
				}
				if !epki.Algorithm.Algorithm.Equal(oidPKCS12PBE3DES) {
					return nil, fmt.Errorf("testpki: key bag uses %v, not pbeWithSHAAnd3-KeyTripleDES-CBC", epki.Algorithm.Algorithm)
				}
				var pp pbeParams
				if _, err := asn1.Unmarshal(epki.Algorithm.Parameters.FullBytes, &pp); err != nil {
					return nil, err
				}
				pp.Iterations = key
				b, err := asn1.Marshal(pp)
				if err != nil {
					return nil, err
				}
				epki.Algorithm.Parameters = asn1.RawValue{FullBytes: b}
				if b, err = asn1.Marshal(epki); err != nil {
					return nil, err
				}
				bags[j].Value = explicit0(b)
			}
			b, err := asn1.Marshal(bags)
			if err != nil {
				return nil, err
			}
			if b, err = asn1.Marshal(b); err != nil {
				return nil, err
			}
			safes[i].Content = explicit0(b)
		}
		b, err := asn1.Marshal(safes)
		if err != nil {
			return nil, err
		}
		if b, err = asn1.Marshal(b); err != nil {
			return nil, err
		}
		p.AuthSafe.Content = explicit0(b)
	}
	return asn1.Marshal(p)
}

// explicit0 wraps an encoded element in a [0] EXPLICIT tag.
func explicit0(inner []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner}
}
