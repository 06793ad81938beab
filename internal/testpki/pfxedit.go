package testpki

import (
	"encoding/asn1"
	"errors"
	"fmt"
)

// The functions in this file damage a PFX on purpose, the way a hostile or
// broken file would be, for tests of readers. They re-encode the DER they
// change, so every length stays consistent and only the named defect is
// present. None of them recomputes a MAC.

// derNode is one DER element, parsed as deep as an edit needs.
type derNode struct {
	class, tag int
	compound   bool
	kids       []*derNode // compound elements
	content    []byte     // primitive elements
	inner      *derNode   // an OCTET STRING whose content was opened as DER
}

func parseDER(b []byte) (*derNode, error) {
	var rv asn1.RawValue
	rest, err := asn1.Unmarshal(b, &rv)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, errors.New("testpki: data after the DER element")
	}
	n := &derNode{class: rv.Class, tag: rv.Tag, compound: rv.IsCompound}
	if !rv.IsCompound {
		n.content = append([]byte(nil), rv.Bytes...)
		return n, nil
	}
	for b := rv.Bytes; len(b) > 0; {
		var k asn1.RawValue
		if b, err = asn1.Unmarshal(b, &k); err != nil {
			return nil, err
		}
		kn, err := parseDER(k.FullBytes)
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, kn)
	}
	return n, nil
}

func (n *derNode) encode() []byte {
	rv := asn1.RawValue{Class: n.class, Tag: n.tag, IsCompound: n.compound}
	switch {
	case n.inner != nil:
		rv.Bytes = n.inner.encode()
	case n.compound:
		for _, k := range n.kids {
			rv.Bytes = append(rv.Bytes, k.encode()...)
		}
	default:
		rv.Bytes = n.content
	}
	b, err := asn1.Marshal(rv)
	if err != nil {
		panic(err) // a RawValue always marshals
	}
	return b
}

// kid returns the i-th child, or an error naming what was expected.
func (n *derNode) kid(i int, what string) (*derNode, error) {
	if n == nil || !n.compound || i >= len(n.kids) {
		return nil, fmt.Errorf("testpki: PFX has no %s", what)
	}
	return n.kids[i], nil
}

// open parses the content of an OCTET STRING (possibly inside a [0]
// EXPLICIT wrapper) as one DER element, so edits below it are re-encoded.
func (n *derNode) open(what string) (*derNode, error) {
	o := n
	if o.class == asn1.ClassContextSpecific && o.compound && len(o.kids) == 1 {
		o = o.kids[0]
	}
	if o.class != asn1.ClassUniversal || o.tag != asn1.TagOctetString || o.compound {
		return nil, fmt.Errorf("testpki: %s is not an OCTET STRING", what)
	}
	if o.inner == nil {
		in, err := parseDER(o.content)
		if err != nil {
			return nil, fmt.Errorf("testpki: %s: %v", what, err)
		}
		o.inner = in
	}
	return o.inner, nil
}

func (n *derNode) oid() asn1.ObjectIdentifier {
	var o asn1.ObjectIdentifier
	if n.class != asn1.ClassUniversal || n.tag != asn1.TagOID {
		return nil
	}
	if _, err := asn1.Unmarshal(n.encode(), &o); err != nil {
		return nil
	}
	return o
}

var (
	oidEncryptedData   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidSafeContentsBag = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 6}
	oidPBES2           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
)

// PFXWithoutMAC returns pfx with its MacData removed, as OpenSSL's
// pkcs12 -export -nomac writes it.
func PFXWithoutMAC(pfx []byte) ([]byte, error) {
	root, err := parseDER(pfx)
	if err != nil {
		return nil, err
	}
	if _, err := root.kid(2, "MacData"); err != nil {
		return nil, err
	}
	root.kids = root.kids[:2]
	return root.encode(), nil
}

// PFXCorruptMAC returns pfx with the last byte of its MAC value flipped:
// the structure is intact, but no password verifies it.
func PFXCorruptMAC(pfx []byte) ([]byte, error) {
	root, err := parseDER(pfx)
	if err != nil {
		return nil, err
	}
	mac, err := root.kid(2, "MacData")
	if err != nil {
		return nil, err
	}
	di, err := mac.kid(0, "MAC DigestInfo")
	if err != nil {
		return nil, err
	}
	digest, err := di.kid(1, "MAC digest")
	if err != nil {
		return nil, err
	}
	if len(digest.content) == 0 {
		return nil, errors.New("testpki: empty MAC digest")
	}
	digest.content[len(digest.content)-1] ^= 0xff
	return root.encode(), nil
}

// SetPBKDF2Iterations sets the PBKDF2 iteration count of every PBES2
// encryption in pfx (the encrypted certificate safe and the shrouded key
// bag of a Modern2023 or Modern2026 PFX) to n, which may be any value
// asn1 can encode, and returns how many counts it changed. The MAC is left
// as it is and no longer matches.
func SetPBKDF2Iterations(pfx []byte, n int64) ([]byte, int, error) {
	root, err := parseDER(pfx)
	if err != nil {
		return nil, 0, err
	}
	safes, err := authSafe(root)
	if err != nil {
		return nil, 0, err
	}
	count := 0
	// setPBES2 edits AlgorithmIdentifier{PBES2, {kdf{PBKDF2, {salt, iterations, …}}, enc}}.
	setPBES2 := func(alg *derNode) error {
		if o, err := alg.kid(0, "algorithm"); err != nil || !o.oid().Equal(oidPBES2) {
			return nil // not PBES2: nothing to change
		}
		params, err := alg.kid(1, "PBES2 parameters")
		if err != nil {
			return err
		}
		kdf, err := params.kid(0, "PBES2 key derivation function")
		if err != nil {
			return err
		}
		kp, err := kdf.kid(1, "PBKDF2 parameters")
		if err != nil {
			return err
		}
		if _, err := kp.kid(1, "PBKDF2 iteration count"); err != nil {
			return err
		}
		b, err := asn1.Marshal(n)
		if err != nil {
			return err
		}
		if kp.kids[1], err = parseDER(b); err != nil {
			return err
		}
		count++
		return nil
	}
	for i, ci := range safes.kids {
		typ, err := ci.kid(0, "ContentInfo type")
		if err != nil {
			return nil, 0, err
		}
		body, err := ci.kid(1, "ContentInfo content")
		if err != nil {
			return nil, 0, err
		}
		if typ.oid().Equal(oidEncryptedData) {
			// [0] { EncryptedData { version, EncryptedContentInfo { type, alg, … } } }
			ed, err := body.kid(0, "EncryptedData")
			if err != nil {
				return nil, 0, err
			}
			eci, err := ed.kid(1, "EncryptedContentInfo")
			if err != nil {
				return nil, 0, err
			}
			alg, err := eci.kid(1, "content encryption algorithm")
			if err != nil {
				return nil, 0, err
			}
			if err := setPBES2(alg); err != nil {
				return nil, 0, err
			}
			continue
		}
		bags, err := body.open(fmt.Sprintf("SafeContents %d", i))
		if err != nil {
			return nil, 0, err
		}
		for _, bag := range bags.kids {
			if id, _ := bag.kid(0, "bag id"); id == nil || !id.oid().Equal(oidShroudedKey) {
				continue
			}
			// [0] { EncryptedPrivateKeyInfo { alg, data } }
			v, err := bag.kid(1, "bag value")
			if err != nil {
				return nil, 0, err
			}
			epki, err := v.kid(0, "EncryptedPrivateKeyInfo")
			if err != nil {
				return nil, 0, err
			}
			alg, err := epki.kid(0, "key encryption algorithm")
			if err != nil {
				return nil, 0, err
			}
			if err := setPBES2(alg); err != nil {
				return nil, 0, err
			}
		}
	}
	if count == 0 {
		return nil, 0, errors.New("testpki: no PBES2 encryption in the PFX")
	}
	return root.encode(), count, nil
}

// PFXNestBags wraps the bags of every unencrypted SafeContents of pfx in
// depth levels of SafeContentsBag (RFC 7292 §4.2.6), which readers must
// follow or refuse; a Passwordless PFX has only unencrypted ones.
func PFXNestBags(pfx []byte, depth int) ([]byte, error) {
	root, err := parseDER(pfx)
	if err != nil {
		return nil, err
	}
	safes, err := authSafe(root)
	if err != nil {
		return nil, err
	}
	oid, err := asn1.Marshal(oidSafeContentsBag)
	if err != nil {
		return nil, err
	}
	bagID, err := parseDER(oid)
	if err != nil {
		return nil, err
	}
	nested := 0
	for i, ci := range safes.kids {
		typ, err := ci.kid(0, "ContentInfo type")
		if err != nil {
			return nil, err
		}
		if !typ.oid().Equal(oidData) {
			continue
		}
		body, err := ci.kid(1, "ContentInfo content")
		if err != nil {
			return nil, err
		}
		sc, err := body.open(fmt.Sprintf("SafeContents %d", i))
		if err != nil {
			return nil, err
		}
		for range depth {
			// SafeContents { SafeBag { safeContentsBag, [0] { SafeContents } } }
			bag := &derNode{class: asn1.ClassUniversal, tag: asn1.TagSequence, compound: true, kids: []*derNode{
				bagID,
				{class: asn1.ClassContextSpecific, tag: 0, compound: true, kids: []*derNode{sc}},
			}}
			sc = &derNode{class: asn1.ClassUniversal, tag: asn1.TagSequence, compound: true, kids: []*derNode{bag}}
		}
		// Replace the opened content with the nested one.
		o := body
		if o.class == asn1.ClassContextSpecific {
			o = o.kids[0]
		}
		o.inner = sc
		nested++
	}
	if nested == 0 {
		return nil, errors.New("testpki: no unencrypted SafeContents in the PFX")
	}
	return root.encode(), nil
}

// authSafe opens PFX { version, ContentInfo { data, [0] { OCTET STRING {
// AuthenticatedSafe } } }, … } down to the AuthenticatedSafe, a SEQUENCE
// of ContentInfo.
func authSafe(root *derNode) (*derNode, error) {
	ci, err := root.kid(1, "authSafe ContentInfo")
	if err != nil {
		return nil, err
	}
	body, err := ci.kid(1, "authSafe content")
	if err != nil {
		return nil, err
	}
	return body.open("authSafe content")
}
