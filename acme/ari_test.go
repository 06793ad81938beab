package acme_test

import (
	"context"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/exchcert/exchcert/acme"
	"github.com/exchcert/exchcert/acme/acmetest"
)

// TestARIFromPebble: Pebble serves renewal information (RFC 9773); its
// window, not the fixed third, decides whether renew is due.
func TestARIFromPebble(t *testing.T) {
	c := acmetest.Start(t, acmetest.Options{})
	p := seedPlan(t)
	state := t.TempDir()
	issue := func(replaces string) *x509.Certificate {
		t.Helper()
		res, err := acme.Obtain(context.Background(), acme.Request{Plan: p, Key: newKey(t), Replaces: replaces}, dnsOptions(c, state, &recorder{}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Chain[0]
	}
	opts := acme.Options{Server: c.URL, Roots: c.TLSRoots}
	decide := func(cert *x509.Certificate, days int, now time.Time) acme.Renewal {
		t.Helper()
		w, err := acme.FetchWindow(context.Background(), cert, opts)
		return acme.Decide(cert, p, acme.Policy{Days: days, Window: w, WindowErr: err}, now)
	}

	t.Run("fresh certificate: the CA's window says not yet", func(t *testing.T) {
		cert := issue("")
		now := time.Now()
		r := decide(cert, 0, now)
		if r.Due || r.Rule != acme.RuleARI || r.Window == nil {
			t.Fatalf("%+v: want not due by the CA's window", r)
		}
		// Pebble's default window: a day either side of a third of the
		// lifetime before expiry.
		ideal := cert.NotAfter.Add(-cert.NotAfter.Sub(cert.NotBefore) / 3)
		if d := r.Window.Start.Sub(ideal.Add(-24 * time.Hour)); d < -time.Minute || d > time.Minute {
			t.Errorf("window starts %s, want about %s", r.Window.Start, ideal.Add(-24*time.Hour))
		}
		// Pebble says Retry-After: 6 hours.
		if got := r.NextCheck.Sub(now); got != 6*time.Hour {
			t.Errorf("next check in %s, want the CA's 6h", got)
		}
		if !strings.Contains(r.Reason, "the CA's renewal window") {
			t.Errorf("reason %q", r.Reason)
		}
	})

	t.Run("window moved into the past: due although a third is far off", func(t *testing.T) {
		cert := issue("")
		now := time.Now()
		if fixed := acme.RenewDue(cert, p, 0, now); fixed.Due {
			t.Fatalf("fixed rule already due: %+v", fixed)
		}
		if !c.SetRenewalWindow(cert, now.Add(-2*time.Hour), now.Add(-time.Hour)) {
			t.Fatal("Pebble does not know the certificate")
		}
		r := decide(cert, 0, now)
		if !r.Due || r.Rule != acme.RuleARI || !r.NextCheck.Equal(now) {
			t.Errorf("%+v: want due by the CA's window", r)
		}
	})

	t.Run("revoked: due at once", func(t *testing.T) {
		cert := issue("")
		if !c.Revoke(cert) {
			t.Fatal("Pebble does not know the certificate")
		}
		r := decide(cert, 0, time.Now())
		if !r.Due || r.Rule != acme.RuleARI {
			t.Errorf("%+v: want due after revocation", r)
		}
	})

	t.Run("window later than --days: --days renews earlier", func(t *testing.T) {
		cert := issue("")
		now := time.Now()
		r := decide(cert, 90, now) // --days 90 of a 90-day certificate: due now
		if !r.Due || r.Rule != acme.RuleDays || r.Window == nil {
			t.Errorf("%+v: want due by --days with the window reported", r)
		}
	})

	t.Run("renewal information fails: the fixed third decides", func(t *testing.T) {
		cert := issue("")
		c.FailNext(acmetest.PathRenewal, 503)
		r := decide(cert, 0, time.Now())
		if r.Due || r.Rule != acme.RuleFixedFraction || r.ARIError == "" || !strings.Contains(r.Reason, "renewal information unavailable") {
			t.Errorf("%+v: want the fixed rule with the ARI failure said", r)
		}
		if !r.NextCheck.Equal(r.RenewFrom) {
			t.Errorf("next check %s, want the fixed rule's %s", r.NextCheck, r.RenewFrom)
		}
	})

	t.Run("renewal names the certificate it replaces", func(t *testing.T) {
		old := issue("")
		id := acme.ReplacesID(old)
		if id == "" {
			t.Fatal("no ARI identifier")
		}
		issue(id)
		// A second renewal of the same certificate: Pebble refuses the
		// "replaces" (alreadyReplaced), and Obtain orders without it.
		issue(id)
	})
}

func TestDecide(t *testing.T) {
	p := seedPlan(t)
	day := 24 * time.Hour
	issued := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	cert := &x509.Certificate{NotBefore: issued, NotAfter: issued.Add(90 * day), DNSNames: p.DNSNames()}
	start, end := issued.Add(40*day), issued.Add(42*day)
	mid := func(s, e time.Time) time.Time { return s.Add(e.Sub(s) / 2) }
	win := &acme.Window{Start: start, End: end, RetryAfter: 6 * time.Hour}
	for _, tc := range []struct {
		name string
		cert *x509.Certificate
		pol  acme.Policy
		now  time.Time
		due  bool
		rule string
		next time.Duration // from now
	}{
		{"before the window", cert, acme.Policy{Window: win}, issued.Add(30 * day), false, acme.RuleARI, 6 * time.Hour},
		{"in the window before the picked moment", cert, acme.Policy{Window: win}, issued.Add(40*day + time.Hour), false, acme.RuleARI, 6 * time.Hour},
		{"at the picked moment", cert, acme.Policy{Window: win}, issued.Add(41 * day), true, acme.RuleARI, 0},
		{"after the window", cert, acme.Policy{Window: win}, issued.Add(50 * day), true, acme.RuleARI, 0},
		// A window later than the fixed third still decides: the CA may
		// want renewals later.
		{"window later than a third", cert, acme.Policy{Window: &acme.Window{Start: issued.Add(80 * day), End: issued.Add(85 * day)}}, issued.Add(70 * day), false, acme.RuleARI, 24 * time.Hour},
		{"retry-after clamped to a minute", cert, acme.Policy{Window: &acme.Window{Start: start, End: end, RetryAfter: time.Second}}, issued, false, acme.RuleARI, time.Minute},
		{"no window: a third", cert, acme.Policy{WindowErr: acme.ErrNoARI}, issued.Add(61 * day), true, acme.RuleFixedFraction, 0},
		{"no window, not due: next check when due", cert, acme.Policy{WindowErr: acme.ErrNoARI}, issued.Add(30 * day), false, acme.RuleFixedFraction, 30 * day},
		{"expired beats the window", cert, acme.Policy{Window: &acme.Window{Start: issued.Add(100 * day), End: issued.Add(101 * day)}}, issued.Add(91 * day), true, acme.RuleExpired, 0},
		{"plan beats the window", &x509.Certificate{NotBefore: issued, NotAfter: issued.Add(90 * day), DNSNames: p.DNSNames()[:2]}, acme.Policy{Window: win}, issued, true, acme.RulePlan, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.pol.Pick = mid
			r := acme.Decide(tc.cert, p, tc.pol, tc.now)
			if r.Due != tc.due || r.Rule != tc.rule {
				t.Errorf("due %v by %s (%s), want %v by %s", r.Due, r.Rule, r.Reason, tc.due, tc.rule)
			}
			if got := r.NextCheck.Sub(tc.now); got != tc.next {
				t.Errorf("next check in %s, want %s", got, tc.next)
			}
		})
	}
}
