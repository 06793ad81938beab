package report

import (
	"bytes"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/internal/testpki"
	"github.com/exchcert/exchcert/plan"
	"github.com/exchcert/exchcert/probe"
)

var seedNames = []string{"exch2.acme.com", "legacy.acme.com", "acme.com", "autodiscover.acme.com"}

// fixture is the seed plan, a chain and the inspect report of a leaf for
// names.
type fixture struct {
	plan  *plan.Plan
	root  *x509.CertPool
	inter *testpki.CA
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	p, err := plan.Build(plan.Input{FQDN: "exch2.acme.com", Domains: []string{"acme.com"}, Exchange: exchange.Exchange2010, From: exchange.Exchange2003})
	if err != nil {
		t.Fatal(err)
	}
	root, err := testpki.NewRoot("Report Test Root")
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.Intermediate("Report Test Intermediate")
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root.Cert.Cert)
	return &fixture{plan: p, root: pool, inter: inter}
}

func (f *fixture) leaf(t *testing.T, cn string, names ...string) *x509.Certificate {
	t.Helper()
	c, err := f.inter.Issue(testpki.Template{CommonName: cn, DNSNames: names})
	if err != nil {
		t.Fatal(err)
	}
	return c.Cert
}

func (f *fixture) inspect(t *testing.T, leaf *x509.Certificate) *inspect.Report {
	t.Helper()
	b, err := inspect.Load("delivered.p7b", testpki.P7B(leaf, f.inter.Cert.Cert), inspect.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return inspect.Check([]*inspect.Bundle{b}, inspect.Options{Plan: f.plan, Roots: f.root, MinDays: 30})
}

// served is a probe endpoint that completed a handshake with leaf.
func served(svc probe.Service, name string, leaf *x509.Certificate) *probe.Endpoint {
	return &probe.Endpoint{Service: svc, Address: "127.0.0.1:1", Name: name, Reachable: true, TLS: &probe.TLS{
		Version: "TLS 1.3", Thumbprint: inspect.Thumbprint(leaf), Complete: true, Trusted: true, InDate: true,
		CoversName: leaf.VerifyHostname(name) == nil,
		Chain:      []probe.Cert{{Subject: leaf.Subject.String(), DNSNames: leaf.DNSNames, NotAfter: leaf.NotAfter, Thumbprint: inspect.Thumbprint(leaf)}},
	}}
}

func TestBuildMatrix(t *testing.T) {
	f := newFixture(t)
	good := f.leaf(t, "exch2.acme.com", seedNames...)
	old := f.leaf(t, "exch2.acme.com", seedNames...)
	short := f.leaf(t, "exch2.acme.com", seedNames[:3]...)
	no := false
	tests := []struct {
		name      string
		leaf      *x509.Certificate
		endpoints []*probe.Endpoint
		want      map[string][]string // planned name → cell states, certificate first
		ready     bool
		codes     []string // report-level finding codes
		bindDone  bool
	}{
		{
			name: "certificate only", leaf: good,
			want:  map[string][]string{"autodiscover.acme.com": {Covered}, "acme.com": {Covered}},
			ready: true,
		},
		{
			name: "name missing", leaf: short,
			want: map[string][]string{"autodiscover.acme.com": {Missing}, "acme.com": {Covered}},
		},
		{
			name: "served everywhere", leaf: good, ready: true, bindDone: true,
			endpoints: []*probe.Endpoint{served(probe.HTTPS, "exch2.acme.com", good), served(probe.HTTPS, "autodiscover.acme.com", good), served(probe.SMTP, "exch2.acme.com", good)},
			want: map[string][]string{
				"exch2.acme.com":        {Covered, Covered, Covered},
				"autodiscover.acme.com": {Covered, Covered, Covered},
				"legacy.acme.com":       {Covered, Covered, Covered}, // no SNI probe: judged by the host's certificate
			},
		},
		{
			name: "old certificate still served", leaf: good, ready: true, codes: []string{CodeOtherCertificate},
			endpoints: []*probe.Endpoint{served(probe.HTTPS, "exch2.acme.com", old), served(probe.SMTP, "exch2.acme.com", good)},
			want:      map[string][]string{"exch2.acme.com": {Covered, WrongCert, Covered}},
		},
		{
			name: "served certificate lacks the name", leaf: short, ready: false, bindDone: true,
			endpoints: []*probe.Endpoint{served(probe.SMTP, "exch2.acme.com", short)},
			want:      map[string][]string{"autodiscover.acme.com": {Missing, Missing}, "exch2.acme.com": {Covered, Covered}},
		},
		{
			name: "unreachable and no STARTTLS", leaf: good, ready: true,
			endpoints: []*probe.Endpoint{
				{Service: probe.POP3, Address: "127.0.0.1:1", Name: "exch2.acme.com", Failure: &probe.Failure{Kind: probe.FailRefused, Stage: "connect", Message: "connection refused"}},
				{Service: probe.IMAP, Address: "127.0.0.1:2", Name: "exch2.acme.com", Reachable: true, StartTLS: &no},
			},
			want: map[string][]string{"exch2.acme.com": {Covered, Unreachable, Unreachable}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := Input{Plan: f.plan, Inspect: f.inspect(t, tc.leaf), MinDays: 30}
			if tc.endpoints != nil {
				in.Probe = &probe.Report{Host: "exch2.acme.com", Endpoints: tc.endpoints}
			}
			r, err := Build(in)
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range r.Matrix {
				want, ok := tc.want[row.Name]
				if !ok {
					continue
				}
				var got []string
				for _, c := range row.Cells {
					got = append(got, c.State)
					if c.Reason == "" {
						t.Errorf("%s: a %s cell without a reason", row.Name, c.State)
					}
				}
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("%s: cells %v, want %v", row.Name, got, want)
				}
			}
			if r.Verdict.Ready != tc.ready {
				t.Errorf("ready = %v, want %v (%v)", r.Verdict.Ready, tc.ready, r.Verdict.Reasons)
			}
			var codes []string
			for _, fd := range r.Findings {
				if fd.Source == SourceReport {
					codes = append(codes, fd.Code)
				}
			}
			if strings.Join(codes, ",") != strings.Join(tc.codes, ",") {
				t.Errorf("report findings %v, want %v", codes, tc.codes)
			}
			if r.Bind.Done != tc.bindDone || (len(r.Bind.Steps) == 0) != tc.bindDone {
				t.Errorf("bind done = %v with %d steps, want done = %v", r.Bind.Done, len(r.Bind.Steps), tc.bindDone)
			}
		})
	}
}

func TestBuildInputErrors(t *testing.T) {
	var ie *InputError
	if _, err := Build(Input{Inspect: &inspect.Report{}}); !errors.As(err, &ie) {
		t.Errorf("no plan: %v, want *InputError", err)
	}
	if _, err := Build(Input{Plan: &plan.Plan{}}); !errors.As(err, &ie) {
		t.Errorf("no inspect report: %v, want *InputError", err)
	}
}

// Text from a certificate is data, never markup, in HTML and Markdown.
func TestRenderEscapes(t *testing.T) {
	f := newFixture(t)
	evil := `<script>alert(1)</script>|**x**`
	leaf := f.leaf(t, evil, seedNames...)
	r, err := Build(Input{Plan: f.plan, Inspect: f.inspect(t, leaf), MinDays: 30, Generator: "exchcert test"})
	if err != nil {
		t.Fatal(err)
	}
	var h, m bytes.Buffer
	if err := r.WriteHTML(&h); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteMarkdown(&m); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h.String(), "<script>") || !strings.Contains(h.String(), "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("HTML does not escape the certificate's subject")
	}
	// Outside code blocks (whose text Markdown shows as it is).
	var prose []string
	for i, part := range strings.Split(m.String(), "```") {
		if i%2 == 0 {
			prose = append(prose, part)
		}
	}
	if md := strings.Join(prose, ""); strings.Contains(md, "<script>") || !strings.Contains(md, `&lt;script&gt;alert(1)&lt;/script&gt;\|\*\*x\*\*`) {
		t.Errorf("Markdown does not escape the certificate's subject:\n%s", m.String())
	}
	for _, s := range []string{"src=", "href=", "url(", "@import"} {
		if strings.Contains(h.String(), s) {
			t.Errorf("HTML refers to a resource: %q", s)
		}
	}
}

func TestSplitSteps(t *testing.T) {
	got := splitSteps("# head\n$x = 1\n\n# --- 1. One ---\na\n# --- 2. Two ---\nb\nc\n")
	want := []Step{{"Before the first step", "# head\n$x = 1\n"}, {"1. One", "a\n"}, {"2. Two", "b\nc\n"}}
	if len(got) != len(want) {
		t.Fatalf("got %d steps, want %d: %q", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("step %d: %q, want %q", i, got[i], want[i])
		}
	}
}

func TestTimeline(t *testing.T) {
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	tl := &Timeline{Start: now, End: now.AddDate(0, 0, 100)}
	for _, c := range []struct {
		at   time.Time
		want float64
	}{{now, 0}, {now.AddDate(0, 0, 50), 50}, {now.AddDate(-1, 0, 0), 0}, {now.AddDate(1, 0, 0), 100}} {
		if got := tl.pct(c.at); got != c.want {
			t.Errorf("pct(%s) = %v, want %v", c.at, got, c.want)
		}
	}
}
