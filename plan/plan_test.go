package plan

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/exchcert/exchcert/exchange"
)

func TestBuildRules(t *testing.T) {
	const (
		e03 = exchange.Exchange2003
		e07 = exchange.Exchange2007
		e10 = exchange.Exchange2010
		e13 = exchange.Exchange2013
		e16 = exchange.Exchange2016
		e19 = exchange.Exchange2019
		se  = exchange.ExchangeSE
	)
	base := Input{FQDN: "exch2.acme.com", Domains: []string{"acme.com"}}
	with := func(f func(*Input)) Input { in := base; f(&in); return in }
	tests := []struct {
		name    string
		in      Input
		cn      string
		names   []string
		finding string // a finding code that must be present
	}{
		{"seed 2003 to 2010", with(func(in *Input) { in.Exchange, in.From = e10, e03 }), "exch2.acme.com",
			[]string{"exch2.acme.com", "legacy.acme.com", "acme.com", "autodiscover.acme.com"}, ""},
		// 2007 proxies OWA and ActiveSync for 2003 mailboxes to the 2003
		// back end: no legacy name.
		{"2003 to 2007", with(func(in *Input) { in.Exchange, in.From = e07, e03 }), "exch2.acme.com",
			[]string{"exch2.acme.com", "acme.com", "autodiscover.acme.com"}, "no-legacy-name"},
		{"migration keeps the current name", with(func(in *Input) { in.Exchange, in.From = e10, e03 }), "exch2.acme.com",
			[]string{"exch2.acme.com", "legacy.acme.com", "acme.com", "autodiscover.acme.com"}, "keep-current-name"},
		// The default legacy name is on the FIRST domain, whatever the order
		// of the others.
		{"two domains legacy on first", with(func(in *Input) {
			in.Exchange, in.From, in.Domains = e10, e03, []string{"fabrikam.com", "acme.com"}
		}), "exch2.acme.com",
			[]string{"exch2.acme.com", "legacy.fabrikam.com", "fabrikam.com", "autodiscover.fabrikam.com", "acme.com", "autodiscover.acme.com"}, ""},
		{"two domains legacy on first 2007", with(func(in *Input) {
			in.Exchange, in.From, in.Domains = e13, e07, []string{"acme.com", "fabrikam.com"}
		}), "exch2.acme.com",
			[]string{"exch2.acme.com", "legacy.acme.com", "acme.com", "autodiscover.acme.com", "fabrikam.com", "autodiscover.fabrikam.com"}, ""},
		{"2007 to 2010", with(func(in *Input) { in.Exchange, in.From = e10, e07 }), "exch2.acme.com",
			[]string{"exch2.acme.com", "legacy.acme.com", "acme.com", "autodiscover.acme.com"}, ""},
		{"2007 to 2013", with(func(in *Input) { in.Exchange, in.From = e13, e07 }), "exch2.acme.com",
			[]string{"exch2.acme.com", "legacy.acme.com", "acme.com", "autodiscover.acme.com"}, "no-namespace"},
		{"2010 to 2013", with(func(in *Input) { in.Exchange, in.From = e13, e10 }), "exch2.acme.com",
			[]string{"exch2.acme.com", "acme.com", "autodiscover.acme.com"}, "no-legacy-name"},
		{"2010 to 2016", with(func(in *Input) { in.Exchange, in.From = e16, e10 }), "exch2.acme.com",
			[]string{"exch2.acme.com", "acme.com", "autodiscover.acme.com"}, "no-legacy-name"},
		{"2013 to 2016", with(func(in *Input) { in.Exchange, in.From = e16, e13 }), "exch2.acme.com",
			[]string{"exch2.acme.com", "acme.com", "autodiscover.acme.com"}, "no-legacy-name"},
		{"2013 to 2019", with(func(in *Input) { in.Exchange, in.From = e19, e13 }), "exch2.acme.com",
			[]string{"exch2.acme.com", "acme.com", "autodiscover.acme.com"}, "no-legacy-name"},
		{"2016 to 2019", with(func(in *Input) { in.Exchange, in.From = e19, e16 }), "exch2.acme.com",
			[]string{"exch2.acme.com", "acme.com", "autodiscover.acme.com"}, "no-legacy-name"},
		{"2016 to SE", with(func(in *Input) { in.Exchange, in.From = se, e16 }), "exch2.acme.com",
			[]string{"exch2.acme.com", "acme.com", "autodiscover.acme.com"}, "no-legacy-name"},
		{"2019 to SE", with(func(in *Input) { in.Exchange, in.From = se, e19 }), "exch2.acme.com",
			[]string{"exch2.acme.com", "acme.com", "autodiscover.acme.com"}, "no-legacy-name"},
		{"default target is SE", base, "exch2.acme.com",
			[]string{"exch2.acme.com", "acme.com", "autodiscover.acme.com"}, "no-namespace"},
		{"2010 has no namespace advice", with(func(in *Input) { in.Exchange = e10 }), "exch2.acme.com",
			[]string{"exch2.acme.com", "acme.com", "autodiscover.acme.com"}, ""},
		{"SE namespace", with(func(in *Input) { in.Exchange, in.Namespace = se, "mail.acme.com" }), "mail.acme.com",
			[]string{"mail.acme.com", "acme.com", "autodiscover.acme.com"}, "fqdn-left-off"},
		{"SE namespace include fqdn", with(func(in *Input) { in.Namespace, in.IncludeFQDN = "mail.acme.com", true }), "mail.acme.com",
			[]string{"mail.acme.com", "exch2.acme.com", "acme.com", "autodiscover.acme.com"}, ""},
		{"2010 namespace keeps fqdn", with(func(in *Input) { in.Exchange, in.Namespace = e10, "mail.acme.com" }), "mail.acme.com",
			[]string{"mail.acme.com", "exch2.acme.com", "acme.com", "autodiscover.acme.com"}, ""},
		{"two domains", with(func(in *Input) { in.Domains = []string{"acme.com", "Fabrikam.COM."} }), "exch2.acme.com",
			[]string{"exch2.acme.com", "acme.com", "autodiscover.acme.com", "fabrikam.com", "autodiscover.fabrikam.com"}, ""},
		{"no root", with(func(in *Input) { in.NoRoot = true }), "exch2.acme.com",
			[]string{"exch2.acme.com", "autodiscover.acme.com"}, "root-domain-left-off"},
		{"default domain", Input{FQDN: "exch2.acme.com"}, "exch2.acme.com",
			[]string{"exch2.acme.com", "acme.com", "autodiscover.acme.com"}, "domain-from-fqdn"},
		{"custom legacy name", with(func(in *Input) { in.Exchange, in.From, in.LegacyName = e10, e03, "owa2003.acme.com" }), "exch2.acme.com",
			[]string{"exch2.acme.com", "owa2003.acme.com", "acme.com", "autodiscover.acme.com"}, ""},
		{"legacy name without from", with(func(in *Input) { in.LegacyName = "old.acme.com" }), "exch2.acme.com",
			[]string{"exch2.acme.com", "acme.com", "autodiscover.acme.com"}, "legacy-name-unused"},
		{"extras deduplicated", with(func(in *Input) { in.Names = []string{"mail.acme.com", "MAIL.acme.com.", "acme.com"} }), "exch2.acme.com",
			[]string{"exch2.acme.com", "acme.com", "autodiscover.acme.com", "mail.acme.com"}, ""},
		{"wildcard extra", with(func(in *Input) { in.Names = []string{"*.acme.com"} }), "exch2.acme.com",
			[]string{"exch2.acme.com", "acme.com", "autodiscover.acme.com", "*.acme.com"}, "wildcard-name"},
		{"idn", with(func(in *Input) { in.Domains = []string{"bücher.de"} }), "exch2.acme.com",
			[]string{"exch2.acme.com", "xn--bcher-kva.de", "autodiscover.xn--bcher-kva.de"}, ""},
		{"private CA", Input{FQDN: "exch2.acme.local", PrivateCA: true}, "exch2.acme.local",
			[]string{"exch2.acme.local", "acme.local", "autodiscover.acme.local"}, "internal-name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Build(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if p.CommonName != tt.cn {
				t.Errorf("CommonName = %s, want %s", p.CommonName, tt.cn)
			}
			if got := p.DNSNames(); !reflect.DeepEqual(got, tt.names) {
				t.Errorf("names = %v, want %v", got, tt.names)
			}
			for _, n := range p.Names {
				if n.Reason == "" || len(n.Roles) == 0 {
					t.Errorf("%s has no role or reason", n.Name)
				}
			}
			if tt.finding != "" && !hasFinding(p, tt.finding) {
				t.Errorf("no %s finding in %+v", tt.finding, p.Findings)
			}
		})
	}
}

func hasFinding(p *Plan, code string) bool {
	for _, f := range p.Findings {
		if f.Code == code {
			return true
		}
	}
	return false
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      Input
		field   string
		refused bool
	}{
		{"no fqdn", Input{}, "fqdn", false},
		{"local", Input{FQDN: "exch2.acme.local"}, "fqdn", true},
		{"lan", Input{FQDN: "exch2.acme.com", Domains: []string{"acme.lan"}}, "domain", true},
		{"netbios", Input{FQDN: "exch2.acme.com", Names: []string{"EXCH2"}}, "name", true},
		{"private ip", Input{FQDN: "exch2.acme.com", Names: []string{"192.168.1.10"}}, "name", true},
		{"unknown tld", Input{FQDN: "exch2.acme.notatld"}, "fqdn", true},
		{"reverse zone", Input{FQDN: "exch2.acme.com", Names: []string{"5.1.168.192.in-addr.arpa"}}, "name", true},
		{"public suffix", Input{FQDN: "exch2.acme.com", Names: []string{"co.uk"}}, "name", true},
		{"underscore", Input{FQDN: "exch_2.acme.com"}, "fqdn", false},
		{"long label", Input{FQDN: strings.Repeat("a", 64) + ".acme.com"}, "fqdn", false},
		{"wildcard fqdn", Input{FQDN: "*.acme.com"}, "fqdn", false},
		{"mid wildcard", Input{FQDN: "exch2.acme.com", Names: []string{"a.*.acme.com"}}, "name", false},
		{"older target", Input{FQDN: "exch2.acme.com", Exchange: exchange.Exchange2003}, "exchange", false},
		{"backwards", Input{FQDN: "exch2.acme.com", Exchange: exchange.Exchange2010, From: exchange.Exchange2016}, "from", false},
		{"from is the target", Input{FQDN: "exch2.acme.com", Exchange: exchange.Exchange2019, From: exchange.Exchange2019}, "from", false},
		{"from is the target 2007", Input{FQDN: "exch2.acme.com", Exchange: exchange.Exchange2007, From: exchange.Exchange2007}, "from", false},
		{"2010 to 2019", Input{FQDN: "exch2.acme.com", Exchange: exchange.Exchange2019, From: exchange.Exchange2010}, "from", false},
		{"2013 to SE", Input{FQDN: "exch2.acme.com", Exchange: exchange.ExchangeSE, From: exchange.Exchange2013}, "from", false},
		{"2003 to 2013", Input{FQDN: "exch2.acme.com", Exchange: exchange.Exchange2013, From: exchange.Exchange2003}, "from", false},
		{"control char", Input{FQDN: "exch2.acme.com\x00"}, "fqdn", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(tt.in)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want *InputError", err)
			}
			if ie.Field != tt.field {
				t.Errorf("field = %s, want %s (%v)", ie.Field, tt.field, err)
			}
			if errors.Is(err, ErrRefusedName) != tt.refused {
				t.Errorf("refused = %v, want %v (%v)", !tt.refused, tt.refused, err)
			}
		})
	}
}

func TestDocumentRoundTrip(t *testing.T) {
	p, err := Build(Input{FQDN: "exch2.acme.com", Domains: []string{"acme.com", "fabrikam.com"}, Exchange: exchange.Exchange2010, From: exchange.Exchange2003, Names: []string{"mail.acme.com"}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Encode(&buf, p); err != nil {
		t.Fatal(err)
	}
	q, err := Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, q) {
		t.Fatalf("round trip changed the plan:\n%+v\n%+v", p, q)
	}
	// UTF-16 with a BOM, as PowerShell 5.1 redirection writes it.
	u := []byte{0xFF, 0xFE}
	for _, c := range buf.Bytes() {
		u = append(u, c, 0)
	}
	if q, err = Decode(bytes.NewReader(u)); err != nil || !reflect.DeepEqual(p, q) {
		t.Fatalf("UTF-16 plan: %v", err)
	}
}

func TestDecodeRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"empty":          ``,
		"not json":       `hello`,
		"no schema":      `{"names":[]}`,
		"unknown field":  `{"schema":"exchcert.plan/v1","bogus":1}`,
		"bad version":    `{"schema":"exchcert.plan/v1","exchange":"2012"}`,
		"no names":       `{"schema":"exchcert.plan/v1","exchange":"2010","fqdn":"a.acme.com","common_name":"a.acme.com","names":[]}`,
		"cn not a san":   `{"schema":"exchcert.plan/v1","exchange":"2010","fqdn":"a.acme.com","common_name":"a.acme.com","names":[{"name":"b.acme.com"}]}`,
		"internal name":  `{"schema":"exchcert.plan/v1","exchange":"2010","fqdn":"a.acme.local","common_name":"a.acme.local","names":[{"name":"a.acme.local"}]}`,
		"duplicate name": `{"schema":"exchcert.plan/v1","exchange":"2010","fqdn":"a.acme.com","common_name":"a.acme.com","names":[{"name":"a.acme.com"},{"name":"A.acme.com"}]}`,
	} {
		if _, err := Decode(strings.NewReader(doc)); err == nil {
			t.Errorf("%s: Decode accepted %q", name, doc)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"exch2.acme.com", "*.acme.com", "bücher.de", "a..b", "-a.b", "10.0.0.1", "::1", "EXCH2.", "xn--bcher-kva.de", "a.*.b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Normalize(s)
		if err != nil {
			return
		}
		// A normalised name normalises to itself.
		m, err := Normalize(n)
		if err != nil || m != n {
			t.Fatalf("Normalize(%q) = %q, again = %q, %v", s, n, m, err)
		}
		_ = InternalReason(n)
	})
}

func BenchmarkBuild(b *testing.B) {
	in := Input{FQDN: "exch2.acme.com", Domains: []string{"acme.com", "fabrikam.com"}, Exchange: exchange.Exchange2010, From: exchange.Exchange2003, Names: []string{"mail.acme.com", "bücher.acme.com"}}
	for b.Loop() {
		if _, err := Build(in); err != nil {
			b.Fatal(err)
		}
	}
}

// A migration plan says the name clients use today must stay, with the
// exact flag that keeps it: --name beside the FQDN for 2007/2010,
// --namespace for 2013 and later; a plan that already has the namespace
// says so instead.
func TestKeepCurrentName(t *testing.T) {
	tests := []struct {
		in   Input
		want string // in Fix
	}{
		{Input{FQDN: "exch2.acme.com", Exchange: exchange.Exchange2010, From: exchange.Exchange2003}, "--name mail.acme.com"},
		{Input{FQDN: "exch2.acme.com", Exchange: exchange.Exchange2007, From: exchange.Exchange2003}, "--name mail.acme.com"},
		{Input{FQDN: "exch2.acme.com", Exchange: exchange.Exchange2016, From: exchange.Exchange2010}, "--namespace mail.acme.com"},
		{Input{FQDN: "exch2.acme.com", Exchange: exchange.ExchangeSE, From: exchange.Exchange2019, Namespace: "mail.acme.com"}, "another name, add it with --name"},
		{Input{FQDN: "exch2.acme.com", Exchange: exchange.Exchange2010, From: exchange.Exchange2007, Names: []string{"mail.acme.com"}}, "another name, add it with --name"},
	}
	for _, tt := range tests {
		p, err := Build(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, f := range p.Findings {
			if f.Code == "keep-current-name" {
				found = true
				if !strings.Contains(f.Fix, tt.want) || f.Citation == "" {
					t.Errorf("%s from %s: fix %q, want %q and a citation", tt.in.Exchange, tt.in.From, f.Fix, tt.want)
				}
			}
		}
		if !found {
			t.Errorf("%s from %s: no keep-current-name finding", tt.in.Exchange, tt.in.From)
		}
	}
	p, _ := Build(Input{FQDN: "exch2.acme.com", Exchange: exchange.Exchange2010})
	if hasFinding(p, "keep-current-name") {
		t.Error("keep-current-name without --from")
	}
}
