package plan

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/exchcert/exchcert/exchange"
)

// FuzzBuild applies the planning rules to arbitrary input and checks what
// every plan must satisfy: the Common Name is one of the names, names are
// normalised and unique, there are at most MaxNames, and the JSON document
// of the plan reads back (Decode) as the same plan.
func FuzzBuild(f *testing.F) {
	// fqdn, domains and names (comma-separated), namespace, legacy name,
	// target and source version, and flag bits: 1 include-fqdn, 2 no-root,
	// 4 private-ca.
	f.Add("exch2.acme.com", "acme.com", "", "", "", uint8(exchange.Exchange2010), uint8(exchange.Exchange2003), uint8(0))
	f.Add("exch2.acme.com", "acme.com,fabrikam.com", "mail.acme.com,bücher.acme.com", "mail.acme.com", "", uint8(exchange.ExchangeSE), uint8(exchange.Exchange2016), uint8(1))
	f.Add("EXCH2.ACME.COM.", "acme.com", "*.acme.com", "", "old.acme.com", uint8(exchange.Exchange2013), uint8(exchange.Exchange2007), uint8(2))
	f.Add("exch2.acme.local", "acme.local", "10.0.0.1,exch2", "", "", uint8(exchange.Exchange2019), uint8(0), uint8(4))
	f.Add("exch2", "", "", "", "", uint8(0), uint8(0), uint8(7))
	f.Add("xn--bcher-kva.de", "xn--bcher-kva.de", "a..b,-a.b", "", "", uint8(9), uint8(200), uint8(255))
	f.Fuzz(func(t *testing.T, fqdn, domains, names, namespace, legacy string, target, from, flags uint8) {
		in := Input{
			FQDN: fqdn, Domains: split(domains), Names: split(names), Namespace: namespace, LegacyName: legacy,
			Exchange: exchange.Version(target), From: exchange.Version(from),
			IncludeFQDN: flags&1 != 0, NoRoot: flags&2 != 0, PrivateCA: flags&4 != 0,
		}
		defer watchdog(fmt.Sprintf("Build(%#v)", in))()
		p, err := Build(in)
		if err != nil {
			if _, ok := err.(*InputError); !ok {
				t.Fatalf("Build error %T %q is not an *InputError", err, err)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("Build error %q is not one line", err)
			}
			return
		}
		checkPlan(t, p)
		var buf bytes.Buffer
		if err := Encode(&buf, p); err != nil {
			t.Fatal(err)
		}
		q, err := Decode(&buf)
		if err != nil {
			t.Fatalf("the document of a built plan does not read back: %v\n%s", err, buf.Bytes())
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("plan changed in the round trip:\nbuilt %+v\nread  %+v", p, q)
		}
	})
}

// FuzzDecode reads arbitrary plan documents. Whatever Decode accepts must
// be a valid plan, and writing it out and reading it again must give the
// same plan: an edited file cannot smuggle in a name the checks would
// refuse on the second reading.
func FuzzDecode(f *testing.F) {
	seed, err := Build(Input{FQDN: "exch2.acme.com", Domains: []string{"acme.com"}, Exchange: exchange.Exchange2010, From: exchange.Exchange2003})
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Encode(&buf, seed); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(append([]byte{0xEF, 0xBB, 0xBF}, buf.Bytes()...))
	f.Add([]byte(`{"schema":"exchcert.plan/v1","exchange":"2010","fqdn":"a.acme.local","private_ca":true,"common_name":"a.acme.local","names":[{"name":"a.acme.local"},{"name":"10.0.0.1"}]}`))
	f.Add([]byte(`{"schema":"exchcert.plan/v1","exchange":"se","fqdn":"A.acme.com.","domains":["ACME.com"],"common_name":"a.acme.com","names":[{"name":"a.acme.com"},{"name":"*.acme.com"}],"findings":[{"code":"x","severity":"info"}]}`))
	f.Add([]byte(`{"schema":"exchcert.plan/v1","exchange":"2010","fqdn":"a\u0000.acme.com","common_name":"x","names":[{"name":"x"}]}`))
	f.Add([]byte(`{"schema":"exchcert.plan/v1"} trailing`))
	f.Fuzz(func(t *testing.T, data []byte) {
		defer watchdog(fmt.Sprintf("Decode(%q)", data))()
		p, err := Decode(bytes.NewReader(data))
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("Decode error %q is not one line", err)
			}
			return
		}
		checkPlan(t, p)
		var buf bytes.Buffer
		if err := Encode(&buf, p); err != nil {
			t.Fatal(err)
		}
		q, err := Decode(&buf)
		if err != nil {
			t.Fatalf("an accepted plan does not read back: %v\n%s", err, buf.Bytes())
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("plan changed in the round trip:\nfirst  %+v\nsecond %+v", p, q)
		}
	})
}

// checkPlan checks the invariants of a plan that Build or Decode returned.
func checkPlan(t *testing.T, p *Plan) {
	t.Helper()
	if p.Schema != Schema {
		t.Fatalf("schema %q", p.Schema)
	}
	if p.Exchange.String() == "" || p.Exchange < exchange.Exchange2007 {
		t.Fatalf("plan for an unknown Exchange version %d", p.Exchange)
	}
	if len(p.Names) == 0 || len(p.Names) > MaxNames {
		t.Fatalf("plan has %d names", len(p.Names))
	}
	seen := map[string]bool{}
	for _, n := range p.Names {
		m, err := Normalize(n.Name)
		if err != nil || m != n.Name {
			t.Fatalf("planned name %q is not normalised (%q, %v)", n.Name, m, err)
		}
		if seen[n.Name] {
			t.Fatalf("name %q twice", n.Name)
		}
		seen[n.Name] = true
		if InternalReason(n.Name) != "" && !p.PrivateCA {
			t.Fatalf("internal name %q without private_ca", n.Name)
		}
	}
	if !seen[p.CommonName] {
		t.Fatalf("Common Name %q is not among the names", p.CommonName)
	}
}

// watchdog crashes the fuzz worker when one input takes longer than
// fuzzHang: go test -fuzz has no time limit per input, and a crash makes it
// save the input as a failing case. Call the returned function when done.
func watchdog(what string) (stop func()) {
	t := time.AfterFunc(fuzzHang, func() { panic(fmt.Sprintf("hang: %s takes more than %v", what, fuzzHang)) })
	return func() { t.Stop() }
}

// fuzzHang is far above what any input needs (microseconds) and far below
// the fixed fuzzing time in CI.
const fuzzHang = 5 * time.Second

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
