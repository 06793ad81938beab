package plan

import (
	"testing"

	"github.com/exchcert/exchcert/exchange"
)

func TestBindInputAndMissing(t *testing.T) {
	p, err := Build(Input{FQDN: "exch2.acme.com", Domains: []string{"acme.com"}, Exchange: exchange.Exchange2010, From: exchange.Exchange2003})
	if err != nil {
		t.Fatal(err)
	}
	in := p.BindInput()
	if in.Version != exchange.Exchange2010 || in.From != exchange.Exchange2003 || in.Server != "EXCH2" ||
		in.URLHost != "exch2.acme.com" || in.LegacyHost != "legacy.acme.com" || !in.NamesFromPlan {
		t.Errorf("BindInput = %+v", in)
	}
	if len(in.Names) != len(p.Names) {
		t.Errorf("names %v, plan %v", in.Names, p.Names)
	}

	missing := p.Missing([]string{"exch2.acme.com", "legacy.acme.com", "acme.com"})
	if len(missing) != 1 || missing[0].Name != "autodiscover.acme.com" || missing[0].Code != "autodiscover-not-covered" || missing[0].Breaks == "" {
		t.Errorf("Missing = %+v", missing)
	}
	if m := p.Missing(p.DNSNames()); len(m) != 0 {
		t.Errorf("a certificate with every planned name misses %+v", m)
	}
}
