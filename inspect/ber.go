package inspect

import (
	"encoding/asn1"
	"errors"
	"math/big"
)

// element is one ASN.1 element read by readElement. The reader accepts BER
// (indefinite lengths, non-minimal lengths) because PKCS#7 files made by
// Windows and Java tools use it; nonDER tells the caller when it saw any.
type element struct {
	class       int // asn1.ClassUniversal, ClassContextSpecific, …
	tag         int
	constructed bool
	content     []byte // the content octets (for an indefinite length: up to, not including, the end-of-contents)
	full        []byte // the whole element, header included
	nonDER      bool   // an indefinite or non-minimal length was used here or below
}

// maxDepth bounds the nesting readElement follows, so hostile input cannot
// exhaust the stack; real certificate files nest less than 20 deep.
const maxDepth = 64

var errASN1 = errors.New("malformed ASN.1")

// readElement reads one element from the start of b and returns it and the
// bytes after it.
func readElement(b []byte) (element, []byte, error) { return readElementDepth(b, 0) }

func readElementDepth(b []byte, depth int) (element, []byte, error) {
	var e element
	if depth > maxDepth {
		return e, nil, errors.New("ASN.1 nested too deeply")
	}
	if len(b) < 2 {
		return e, nil, errASN1
	}
	i := 0
	e.class = int(b[0] >> 6)
	e.constructed = b[0]&0x20 != 0
	e.tag = int(b[0] & 0x1f)
	i++
	if e.tag == 0x1f { // high tag number form
		e.tag = 0
		for {
			if i >= len(b) || e.tag > 1<<24 {
				return e, nil, errASN1
			}
			c := b[i]
			i++
			e.tag = e.tag<<7 | int(c&0x7f)
			if c&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return e, nil, errASN1
	}
	l := int(b[i])
	i++
	switch {
	case l == 0x80: // indefinite length: children up to an end-of-contents
		if !e.constructed {
			return e, nil, errASN1
		}
		e.nonDER = true
		start := i
		rest := b[i:]
		for {
			if len(rest) >= 2 && rest[0] == 0 && rest[1] == 0 {
				e.content = b[start : len(b)-len(rest)]
				rest = rest[2:]
				e.full = b[:len(b)-len(rest)]
				return e, rest, nil
			}
			child, r, err := readElementDepth(rest, depth+1)
			if err != nil {
				return e, nil, err
			}
			rest = r
			_ = child
		}
	case l&0x80 != 0:
		n := l & 0x7f
		if n > 4 || i+n > len(b) {
			return e, nil, errASN1
		}
		l = 0
		for j := 0; j < n; j++ {
			l = l<<8 | int(b[i+j])
		}
		if l < 0x80 || (n > 1 && b[i] == 0) { // n >= 1 behaves the same: a one-byte length of 0 is under 0x80
			e.nonDER = true
		}
		i += n
	}
	if l > len(b)-i {
		return e, nil, errASN1
	}
	e.content = b[i : i+l]
	e.full = b[:i+l]
	if e.constructed && !e.nonDER {
		// A BER form below makes this element BER too.
		rest := e.content
		for len(rest) > 0 { // >= 0 behaves the same: reading from nothing fails and ends the loop
			c, r, err := readElementDepth(rest, depth+1)
			if err != nil {
				// Constructed content that is not a list of elements is
				// malformed; the caller decides whether that matters.
				break
			}
			if c.nonDER {
				e.nonDER = true
				break
			}
			rest = r
		}
	}
	return e, b[i+l:], nil
}

// children returns the elements inside a constructed element.
func (e element) children() ([]element, error) {
	if !e.constructed {
		return nil, errASN1
	}
	var out []element
	rest := e.content
	for len(rest) > 0 {
		c, r, err := readElementDepth(rest, 1)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		rest = r
	}
	return out, nil
}

func (e element) is(class, tag int) bool { return e.class == class && e.tag == tag }

func (e element) isSequence() bool {
	return e.is(asn1.ClassUniversal, asn1.TagSequence) && e.constructed
}

// oid returns the element as an object identifier, or nil.
func (e element) oid() asn1.ObjectIdentifier {
	if !e.is(asn1.ClassUniversal, asn1.TagOID) || e.constructed {
		return nil
	}
	var o asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(e.full, &o); err != nil {
		return nil
	}
	return o
}

// integer returns the element as an integer, or nil when it is not one.
func (e element) integer() *big.Int {
	if !e.is(asn1.ClassUniversal, asn1.TagInteger) || e.constructed || len(e.content) == 0 {
		return nil
	}
	n := new(big.Int).SetBytes(e.content)
	if e.content[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(e.content))))
	}
	return n
}

// octets returns the content of a primitive OCTET STRING, or nil.
func (e element) octets() ([]byte, bool) {
	if !e.is(asn1.ClassUniversal, asn1.TagOctetString) || e.constructed {
		return nil, false
	}
	return e.content, true
}
