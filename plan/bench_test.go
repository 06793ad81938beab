package plan

import (
	"bytes"
	"testing"

	"github.com/exchcert/exchcert/exchange"
)

// BenchmarkDecode reads back the plan document of the seed scenario, as
// every command given --plan FILE does.
func BenchmarkDecode(b *testing.B) {
	p, err := Build(Input{FQDN: "exch2.acme.com", Domains: []string{"acme.com", "fabrikam.com"}, Exchange: exchange.Exchange2010, From: exchange.Exchange2003, Names: []string{"mail.acme.com", "bücher.acme.com"}})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Encode(&buf, p); err != nil {
		b.Fatal(err)
	}
	doc := buf.Bytes()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := Decode(bytes.NewReader(doc)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildMaxNames plans the most names a plan may hold: the cost of
// the limit, which bounds every command that takes a plan.
func BenchmarkBuildMaxNames(b *testing.B) {
	names := make([]string, MaxNames-3)
	for i := range names {
		names[i] = "host" + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676)) + ".acme.com"
	}
	in := Input{FQDN: "exch2.acme.com", Domains: []string{"acme.com"}, Exchange: exchange.ExchangeSE, Names: names}
	for b.Loop() {
		p, err := Build(in)
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Names) != MaxNames {
			b.Fatalf("%d names", len(p.Names))
		}
	}
}
