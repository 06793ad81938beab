package plan

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/finding"
)

// These tests pin behaviours found unpinned by mutation testing
// (docs/mutation.md): each fails when the operator it names is changed.

func findingByCode(p *Plan, code string) (finding.Finding, bool) {
	for _, f := range p.Findings {
		if f.Code == code {
			return f, true
		}
	}
	return finding.Finding{}, false
}

func plannedName(t *testing.T, p *Plan, name string) Name {
	t.Helper()
	for _, n := range p.Names {
		if n.Name == name {
			return n
		}
	}
	t.Fatalf("plan lacks %s: %+v", name, p.Names)
	return Name{}
}

func TestInputErrorWording(t *testing.T) {
	bare := &InputError{Field: "fqdn", Err: errors.New("is required")}
	if got := bare.Error(); got != "is required" {
		t.Errorf("without a value: %q", got)
	}
	withValue := &InputError{Field: "name", Value: "exch.local", Err: errors.New("is internal")}
	if got := withValue.Error(); got != "exch.local is internal" {
		t.Errorf("with a value: %q", got)
	}
}

// --from SE is a known version (the error is that it is the target), not
// an unknown one; one past SE is unknown.
func TestFromRangeEdges(t *testing.T) {
	_, err := Build(Input{FQDN: "exch.acme.com", Exchange: exchange.ExchangeSE, From: exchange.ExchangeSE})
	if err == nil || strings.Contains(err.Error(), "unknown Exchange version") || !strings.Contains(err.Error(), "target version itself") {
		t.Errorf("--from se --exchange se: %v", err)
	}
	_, err = Build(Input{FQDN: "exch.acme.com", Exchange: exchange.ExchangeSE, From: exchange.ExchangeSE + 1})
	if err == nil || !strings.Contains(err.Error(), "unknown Exchange version") {
		t.Errorf("--from one past SE: %v", err)
	}
}

// A backwards migration is refused as such, also in a plan document.
func TestBackwardsMigration(t *testing.T) {
	if _, err := coexistence(exchange.Exchange2016, exchange.Exchange2013); err == nil || !strings.Contains(err.Error(), "older") {
		t.Errorf("2016 to 2013: %v", err)
	}
	if _, err := coexistence(exchange.Exchange2013, exchange.Exchange2016); err != nil {
		t.Errorf("2013 to 2016: %v", err)
	}
	doc := `{"schema":"` + Schema + `","exchange":"2013","from":"2016","common_name":"exch.acme.com","names":[{"name":"exch.acme.com","roles":["fqdn"]}],"domains":["acme.com"]}`
	if _, err := Decode(strings.NewReader(doc)); err == nil || !strings.Contains(err.Error(), `plan "from"`) {
		t.Errorf("document from 2016 to 2013: %v", err)
	}
}

func TestLegacyNameUnusedWhenNoneNeeded(t *testing.T) {
	p, err := Build(Input{FQDN: "exch.acme.com", Exchange: exchange.Exchange2016, From: exchange.Exchange2013, LegacyName: "legacy.acme.com"})
	if err != nil {
		t.Fatal(err)
	}
	f, ok := findingByCode(p, "legacy-name-unused")
	if !ok || !strings.Contains(f.Message, "needs no legacy name") {
		t.Errorf("legacy-name-unused: %+v, %v", f, ok)
	}
	p, err = Build(Input{FQDN: "exch.acme.com", Exchange: exchange.Exchange2016, From: exchange.Exchange2013})
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := findingByCode(p, "legacy-name-unused"); ok {
		t.Errorf("legacy-name-unused without --legacy-name: %+v", f)
	}
}

// Only second and later domains get the SRV-record alternative.
func TestSRVAlternativeFromTheSecondDomain(t *testing.T) {
	p, err := Build(Input{FQDN: "exch.acme.com", Domains: []string{"acme.com", "acme.org"}})
	if err != nil {
		t.Fatal(err)
	}
	if r := plannedName(t, p, "autodiscover.acme.com").Reason; strings.Contains(r, "SRV") {
		t.Errorf("first domain's autodiscover reason mentions SRV: %q", r)
	}
	if r := plannedName(t, p, "autodiscover.acme.org").Reason; !strings.Contains(r, "_autodiscover._tcp.acme.org pointing at autodiscover.acme.com") {
		t.Errorf("second domain's autodiscover reason: %q", r)
	}
}

// keep-current-name says which name the plan carries: the namespace, or
// the name clients are guessed to use when it is on the plan.
func TestKeepCurrentNameCarries(t *testing.T) {
	for _, in := range []Input{
		{FQDN: "exch.acme.com", Exchange: exchange.Exchange2016, From: exchange.Exchange2010, Namespace: "mail.acme.com"},
		{FQDN: "exch.acme.com", Exchange: exchange.Exchange2013, From: exchange.Exchange2010, Names: []string{"mail.acme.com"}},
	} {
		p, err := Build(in)
		if err != nil {
			t.Fatal(err)
		}
		f, ok := findingByCode(p, "keep-current-name")
		if !ok || !strings.Contains(f.Message, "the plan carries mail.acme.com,") {
			t.Errorf("%+v: keep-current-name %+v", in, f)
		}
	}
}

// A name asked for again with another role gets that role once; an
// extra name does not add its reason to a planned name's.
func TestRolesOfARepeatedName(t *testing.T) {
	p, err := Build(Input{FQDN: "exch.acme.com", Names: []string{"autodiscover.acme.com", "Autodiscover.acme.com."}})
	if err != nil {
		t.Fatal(err)
	}
	n := plannedName(t, p, "autodiscover.acme.com")
	if fmt.Sprint(n.Roles) != fmt.Sprint([]Role{RoleAutodiscover, RoleExtra}) {
		t.Errorf("roles %v", n.Roles)
	}
	base, err := Build(Input{FQDN: "exch.acme.com"})
	if err != nil {
		t.Fatal(err)
	}
	if want := plannedName(t, base, "autodiscover.acme.com").Reason; n.Reason != want {
		t.Errorf("the extra name changed the reason: %q, want %q", n.Reason, want)
	}
	// Two planned roles on one name: both reasons are kept.
	p, err = Build(Input{FQDN: "acme.com", Domains: []string{"acme.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := plannedName(t, p, "acme.com"); len(n.Roles) != 2 || !strings.Contains(n.Reason, "; Outlook tries") {
		t.Errorf("acme.com as FQDN and root domain: %+v", n)
	}
}

// The name limit counts every name: exactly MaxNames is a plan.
func TestBuildAtMaxNames(t *testing.T) {
	extra := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("n%d.acme.com", i)
		}
		return out
	}
	// exch.acme.com, acme.com and autodiscover.acme.com come first.
	p, err := Build(Input{FQDN: "exch.acme.com", Names: extra(MaxNames - 3)})
	if err != nil || len(p.Names) != MaxNames {
		t.Fatalf("MaxNames names: %v", err)
	}
	if _, err := Build(Input{FQDN: "exch.acme.com", Names: extra(MaxNames - 2)}); err == nil {
		t.Error("one name over MaxNames was planned")
	}
}
