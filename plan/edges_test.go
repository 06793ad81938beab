package plan

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// The tests in this file pin the edges of the name and document rules: the
// last value accepted and the first refused, and the exact reason given,
// so that an off-by-one or a swapped branch fails a test.

// label returns a DNS label of n letters.
func label(n int) string { return strings.Repeat("a", n) }

// nameOf returns a name of exactly n characters under .acme.com, made of
// labels of at most 63 characters.
func nameOf(n int) string {
	const suffix = ".acme.com"
	var labels []string
	for left := n - len(suffix); left > 0; {
		l := min(left, 63)
		if left-l == 1 { // a label of 0 characters is not possible: split differently
			l--
		}
		labels = append(labels, label(l))
		left -= l + 1
	}
	name := strings.Join(labels, ".") + suffix
	if len(name) != n {
		panic(fmt.Sprintf("nameOf(%d) made %d characters", n, len(name)))
	}
	return name
}

func TestNormalizeReasons(t *testing.T) {
	for _, tt := range []struct {
		in     string
		want   string // the normalised name, or "" for an error
		reason string // part of the NameError's reason
	}{
		{"", "", "it is empty"},
		{"  ", "", "it is empty"},
		{"Exch2.ACME.com.", "exch2.acme.com", ""},
		{"[fd00::1]", "fd00::1", ""},
		{"10.0.0.5", "10.0.0.5", ""},
		{"fe80::1%eth0", "", "disallowed rune U+003A"},
		{"a\x1fb.acme.com", "", "control character"},
		{"a\x7fb.acme.com", "", "control character"},
		{"a\x00b.acme.com", "", "control character"},
		{"a b.acme.com", "", "contains a space"},
		{"a_b.acme.com", "", "underscore"},
		{"a..acme.com", "", "empty label"},
		{".acme.com", "", "empty label"},
		{"-a.acme.com", "", "starts or ends with a hyphen"},
		{"a-.acme.com", "", "starts or ends with a hyphen"},
		{"a-b.acme.com", "a-b.acme.com", ""},
		{label(63) + ".acme.com", label(63) + ".acme.com", ""},
		{label(64) + ".acme.com", "", "longer than 63 characters"},
		{"\xff.acme.com", "", "not valid UTF-8"},
		{"a\uFFFDb.acme.com", "", "not valid UTF-8"},
		{"*.acme.com", "*.acme.com", ""},
		{"*.COM", "", "at least two labels"},
		{"a*.acme.com", "", "whole leftmost label"},
		{"*.*.acme.com", "", "whole leftmost label"},
		{"Bücher.example.com", "xn--bcher-kva.example.com", ""},
		// The IDNA library's own reason, without its prefix.
		{"exch2.acme.com:443", "", "disallowed rune U+003A"},
		{nameOf(MaxNameLength), nameOf(MaxNameLength), ""},
		{nameOf(MaxNameLength + 1), "", "longer than 253 characters"},
		// Over the length limit and with an underscore: the length is
		// what the admin needs to hear first.
		{nameOf(MaxNameLength + 1)[:MaxNameLength-9] + "_.acme.com", "", "longer than 253"},
		// At the limit, the underscore is the problem.
		{nameOf(MaxNameLength)[:MaxNameLength-10] + "_.acme.com", "", "underscore"},
	} {
		got, err := Normalize(tt.in)
		if tt.reason == "" {
			if err != nil || got != tt.want {
				t.Errorf("Normalize(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			continue
		}
		var ne *NameError
		if !errors.As(err, &ne) || !strings.Contains(ne.Reason, tt.reason) || strings.Contains(ne.Reason, "idna") || ne.Name != tt.in {
			t.Errorf("Normalize(%q) = %q, %v; want a NameError saying %q", tt.in, got, err, tt.reason)
		}
	}
}

func TestInternalReasonText(t *testing.T) {
	for name, want := range map[string]string{
		"exch2.acme.local":      "multicast DNS",
		"exch2.acme.internal":   "reserved by ICANN",
		"exch2.acme.test":       "reserved for testing",
		"exch2.acme.example":    "documentation",
		"*.acme.local":          "multicast DNS",
		"exch2":                 "single-label",
		"*.exch2":               "single-label",
		"exch2.acme.zzzq":       `".zzzq" is not a public top-level domain`,
		"5.0.0.10.in-addr.arpa": "reverse-DNS",
		"in-addr.arpa":          "reverse-DNS",
		"ip6.arpa":              "reverse-DNS",
		"co.uk":                 "public suffix",
		"10.0.0.5":              "reserved (private) IP",
		"127.0.0.1":             "reserved (private) IP",
		"fe80::1":               "reserved (private) IP",
		"0.0.0.0":               "reserved (private) IP",
		"224.0.0.1":             "reserved (private) IP",
		"8.8.8.8":               "IP address; Exchange clients connect by host name",
		"exch2.acme.com":        "",
		"acme.co.uk":            "",
		"autodiscover.acme.com": "",
	} {
		got := InternalReason(name)
		if want == "" && got != "" || !strings.Contains(got, want) {
			t.Errorf("InternalReason(%q) = %q, want %q", name, got, want)
		}
	}
}

// doc returns a plan document for Exchange 2010 with the given domains and
// extra names (the Common Name a.acme.com is the first name).
func doc(exchange string, domains, names []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"schema":%q,"exchange":%q,"fqdn":"a.acme.com","common_name":"a.acme.com","domains":[`, Schema, exchange)
	for i, d := range domains {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q", d)
	}
	b.WriteString(`],"names":[{"name":"a.acme.com"}`)
	for _, n := range names {
		fmt.Fprintf(&b, `,{"name":%q}`, n)
	}
	b.WriteString("]}")
	return b.String()
}

func TestDecodeEdges(t *testing.T) {
	many := func(n int, f string) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf(f, i))
		}
		return out
	}
	small := doc("2010", []string{"acme.com"}, nil)
	for _, tt := range []struct {
		name string
		doc  string
		err  string // "" when accepted
	}{
		{"exchange 2007", doc("2007", nil, nil), ""},
		{"exchange se", doc("se", nil, nil), ""},
		{"no exchange", `{"schema":"exchcert.plan/v1","fqdn":"a.acme.com","common_name":"a.acme.com","names":[{"name":"a.acme.com"}]}`, `no valid "exchange" version`},
		{"no schema", `{"names":[]}`, `no "schema" field`},
		{"other schema", `{"schema":"exchcert.plan/v9"}`, `plan schema "exchcert.plan/v9" is not supported`},
		{"at the size limit", small + strings.Repeat(" ", MaxDocumentSize-len(small)), ""},
		{"over the size limit", small + strings.Repeat(" ", MaxDocumentSize-len(small)+1), "larger than 4194304 bytes"},
		{"most names", doc("2010", nil, many(MaxNames-1, "n%d.acme.com")), ""},
		{"too many names", doc("2010", nil, many(MaxNames, "n%d.acme.com")), "plan has 1001 names; the limit is 1000"},
		{"most domains", doc("2010", many(MaxNames, "d%d.com"), nil), ""},
		{"too many domains", doc("2010", many(MaxNames+1, "d%d.com"), nil), "plan has 1001 domains; the limit is 1000"},
		{"bad domain", doc("2010", []string{"acme..com"}, nil), "domains: "},
		{"bad json", `{"schema" 1}`, "invalid JSON at byte 11"},
		{"cut json", `{"schema":`, "not a plan document: unexpected EOF"},
		{"wrong type", `{"schema":1}`, "not a plan document: cannot unmarshal"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Decode(strings.NewReader(tt.doc))
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("err %v, want one saying %q", err, tt.err)
			case tt.err == "" && p.Findings == nil:
				t.Errorf("a decoded plan has nil Findings (JSON null), want an empty list")
			}
		})
	}
	// A reader that fails is reported as such.
	if _, err := Decode(errReader{}); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("read error: %v", err)
	}
	// The decoded document round-trips to the same bytes.
	p, err := Decode(strings.NewReader(doc("2013", []string{"acme.com"}, []string{"mail.acme.com"})))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Encode(&buf, p); err != nil || !strings.Contains(buf.String(), `"mail.acme.com"`) {
		t.Errorf("Encode: %v\n%s", err, buf.String())
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }
