package inspect

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/exchcert/exchcert/internal/testpki"
)

// TestReadElementForms pins the BER reader on each header form, one step
// either side of its limits.
func TestReadElementForms(t *testing.T) {
	x128 := bytes.Repeat([]byte{'x'}, 128)
	tests := []struct {
		name        string
		in          []byte
		err         bool
		class, tag  int
		constructed bool
		nonDER      bool
		content     []byte
		rest        []byte
	}{
		{"short form", []byte{0x04, 0x01, 'a', 'b'}, false, 0, 4, false, false, []byte("a"), []byte("b")},
		{"all of the input", []byte{0x04, 0x02, 'a', 'b'}, false, 0, 4, false, false, []byte("ab"), []byte{}},
		{"one byte short", []byte{0x04, 0x03, 'a', 'b'}, true, 0, 0, false, false, nil, nil},
		{"one byte", []byte{0x04}, true, 0, 0, false, false, nil, nil},
		{"context constructed", []byte{0xa0, 0x00}, false, 2, 0, true, false, []byte{}, []byte{}},
		{"high tag", []byte{0x1f, 0x81, 0x01, 0x01, 'a'}, false, 0, 129, false, false, []byte("a"), []byte{}},
		{"high tag, no length", []byte{0x1f, 0x01}, true, 0, 0, false, false, nil, nil},
		{"high tag unterminated", []byte{0x1f, 0x81, 0x81}, true, 0, 0, false, false, nil, nil},
		{"high tag too large", []byte{0x1f, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00}, true, 0, 0, false, false, nil, nil},
		{"long form minimal", append([]byte{0x04, 0x81, 0x80}, x128...), false, 0, 4, false, false, x128, []byte{}},
		{"long form not minimal", []byte{0x04, 0x81, 0x01, 'a'}, false, 0, 4, false, true, []byte("a"), []byte{}},
		{"long form leading zero", append([]byte{0x04, 0x82, 0x00, 0x80}, x128...), false, 0, 4, false, true, x128, []byte{}},
		{"four length bytes", []byte{0x04, 0x84, 0, 0, 0, 1, 'a'}, false, 0, 4, false, true, []byte("a"), []byte{}},
		{"five length bytes", []byte{0x04, 0x85, 0, 0, 0, 0, 1, 'a'}, true, 0, 0, false, false, nil, nil},
		{"length bytes missing", []byte{0x04, 0x82, 0x01}, true, 0, 0, false, false, nil, nil},
		{"indefinite", []byte{0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00, 'r'}, false, 0, 16, true, true, []byte{0x02, 0x01, 0x05}, []byte("r")},
		{"indefinite primitive", []byte{0x04, 0x80, 0x00, 0x00}, true, 0, 0, false, false, nil, nil},
		{"indefinite unterminated", []byte{0x30, 0x80, 0x02, 0x01, 0x05}, true, 0, 0, false, false, nil, nil},
		{"BER below", []byte{0x30, 0x06, 0x30, 0x80, 0x05, 0x00, 0x00, 0x00}, false, 0, 16, true, true, []byte{0x30, 0x80, 0x05, 0x00, 0x00, 0x00}, []byte{}},
		{"DER below", []byte{0x30, 0x02, 0x05, 0x00}, false, 0, 16, true, false, []byte{0x05, 0x00}, []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, rest, err := readElement(tt.in)
			if tt.err {
				if err == nil {
					t.Fatalf("no error: %+v", e)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.class != tt.class || e.tag != tt.tag || e.constructed != tt.constructed || e.nonDER != tt.nonDER || !bytes.Equal(e.content, tt.content) || !bytes.Equal(rest, tt.rest) {
				t.Errorf("got class %d tag %d constructed %v nonDER %v content %x rest %x", e.class, e.tag, e.constructed, e.nonDER, e.content, rest)
			}
			if !bytes.Equal(e.full, tt.in[:len(tt.in)-len(rest)]) {
				t.Errorf("full %x", e.full)
			}
		})
	}
	// The depth limit.
	if _, _, err := readElementDepth([]byte{0x05, 0x00}, maxDepth); err != nil {
		t.Errorf("at the depth limit: %v", err)
	}
	if _, _, err := readElementDepth([]byte{0x05, 0x00}, maxDepth+1); err == nil {
		t.Error("beyond the depth limit: no error")
	}
	// INTEGER values, two's complement.
	for in, want := range map[string]string{"\x02\x01\x05": "5", "\x02\x01\xff": "-1", "\x02\x01\x80": "-128", "\x02\x02\x00\x80": "128", "\x02\x02\xff\x7f": "-129"} {
		e, _, err := readElement([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if got := e.integer(); got == nil || got.String() != want {
			t.Errorf("integer(%x) = %v, want %s", in, got, want)
		}
	}
}

func TestHasControlLimits(t *testing.T) {
	for r, want := range map[rune]bool{0x00: true, 0x1f: true, 0x20: false, 0x7e: false, 0x7f: true, 0x80: true, 0x9f: true, 0xa0: false, 'é': false} {
		if got := HasControl("a" + string(r) + "b"); got != want {
			t.Errorf("HasControl(U+%04X) = %v, want %v", r, got, want)
		}
	}
}

// TestExpiredMessage: the number of whole days since the certificate
// expired.
func TestExpiredMessage(t *testing.T) {
	f := getFixture(t)
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for ago, want := range map[time.Duration]string{time.Second: "(0 days ago)", 73 * time.Hour: "(3 days ago)", 25 * time.Hour: "(1 days ago)"} {
		c := issue(t, f.inter, testpki.Template{CommonName: "exch2.acme.com", DNSNames: seedNames, NotBefore: now.Add(-100 * 24 * time.Hour), NotAfter: now.Add(-ago), Key: f.ecKey})
		var msg string
		for _, x := range CheckCertificate(c.Cert, "leaf", Options{Now: now, PrivateCA: true}) {
			if x.Code == CodeExpired {
				msg = x.Message
			}
		}
		if !strings.Contains(msg, fmt.Sprintf("expired on %s %s", now.Add(-ago).Format(time.DateOnly), want)) {
			t.Errorf("expired %s ago: %q, want %q", ago, msg, want)
		}
	}
}
