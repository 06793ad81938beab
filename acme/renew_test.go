package acme_test

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/exchcert/exchcert/acme"
)

func TestRenewDue(t *testing.T) {
	p := seedPlan(t) // exch2, legacy, acme.com, autodiscover
	all := p.DNSNames()
	day := 24 * time.Hour
	issued := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	cert := func(lifetime time.Duration, names ...string) *x509.Certificate {
		return &x509.Certificate{NotBefore: issued, NotAfter: issued.Add(lifetime), DNSNames: names}
	}
	for _, tc := range []struct {
		name    string
		cert    *x509.Certificate
		days    int
		now     time.Time
		due     bool
		reason  string
		missing []string
	}{
		// A third of 90 days is 30: due from day 60.
		{"90 days, day 59", cert(90*day, all...), 0, issued.Add(59 * day), false, "31 days left; due from 2026-05-31", nil},
		{"90 days, day 60", cert(90*day, all...), 0, issued.Add(60 * day), true, "30 days left, renewal window is 30 days", nil},
		// 200-day certificates (from 2026-03-15): due at 66 days left.
		{"200 days, day 133", cert(200*day, all...), 0, issued.Add(133 * day), false, "", nil},
		{"200 days, day 134", cert(200*day, all...), 0, issued.Add(134 * day), true, "", nil},
		// 47-day certificates (from 2029-03-15): due at 15 days left.
		{"47 days, day 31", cert(47*day, all...), 0, issued.Add(31 * day), false, "", nil},
		{"47 days, day 32", cert(47*day, all...), 0, issued.Add(32 * day), true, "", nil},
		// --days overrides the third.
		{"--days 10, 11 left", cert(90*day, all...), 10, issued.Add(79 * day), false, "", nil},
		{"--days 10, 10 left", cert(90*day, all...), 10, issued.Add(80 * day), true, "", nil},
		{"expired", cert(90*day, all...), 0, issued.Add(91 * day), true, "the certificate expired on 2026-06-30", nil},
		// The plan gained a name: due at once.
		{"plan gained a name", cert(90*day, all[:3]...), 0, issued.Add(day), true, "the plan has names the certificate lacks: autodiscover.acme.com", []string{"autodiscover.acme.com"}},
		// The plan dropped a name: the certificate still covers the plan.
		{"plan dropped a name", cert(90*day, append(all, "old.acme.com")...), 0, issued.Add(day), false, "", nil},
		// Case differences on the certificate do not count.
		{"upper-case SAN", cert(90*day, "EXCH2.acme.com", "legacy.acme.com", "acme.com", "Autodiscover.acme.com"), 0, issued.Add(day), false, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := acme.RenewDue(tc.cert, p, tc.days, tc.now)
			if r.Due != tc.due {
				t.Errorf("due %v (%s), want %v", r.Due, r.Reason, tc.due)
			}
			if tc.reason != "" && r.Reason != tc.reason {
				t.Errorf("reason %q, want %q", r.Reason, tc.reason)
			}
			if strings.Join(r.Missing, ",") != strings.Join(tc.missing, ",") {
				t.Errorf("missing %v, want %v", r.Missing, tc.missing)
			}
		})
	}
}

func TestHTTP01Findings(t *testing.T) {
	fs := acme.HTTP01Findings(seedPlan(t))
	got := map[string]string{}
	for _, f := range fs {
		got[f.Subject] = f.Code + "/" + f.Severity.String()
	}
	want := map[string]string{
		"acme.com":        "http01-root-domain/warning",
		"legacy.acme.com": "http01-legacy/warning",
	}
	if len(got) != len(want) {
		t.Errorf("findings %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
}
