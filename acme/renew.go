package acme

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/exchcert/exchcert/plan"
)

// Renewal is RenewDue's answer, and the JSON the renew command reports.
type Renewal struct {
	Due       bool      `json:"due"`
	Reason    string    `json:"reason"`
	NotAfter  time.Time `json:"not_after"`
	RenewFrom time.Time `json:"renew_from"`        // when the certificate becomes due by age
	Missing   []string  `json:"missing,omitempty"` // planned names the certificate lacks
	Extra     []string  `json:"extra,omitempty"`   // names on the certificate the plan no longer has
	// Rule is what decided: plan, expired, ari (the CA's renewal window),
	// fixed-fraction or days.
	Rule      string    `json:"rule"`
	NextCheck time.Time `json:"next_check"`       // when to look again (now when due)
	Window    *Window   `json:"window,omitempty"` // the CA's renewal window, when it offers one
	ARIError  string    `json:"ari_error,omitempty"`
}

// RenewDue decides whether cert should be renewed at now: when it lacks a
// planned name (the plan gained one), or when fewer than days remain
// before it expires. days <= 0 means a third of its lifetime, the window
// Let's Encrypt recommends and lego uses for 90-day certificates (renew at
// 30 days left); it scales as lifetimes shrink to 200, 100 and 47 days
// (CA/Browser Forum BR §6.3.2, ballot SC-081). Names the plan dropped do not
// make a renewal due: the certificate still covers every planned name.
func RenewDue(cert *x509.Certificate, p *plan.Plan, days int, now time.Time) Renewal {
	return Decide(cert, p, Policy{Days: days}, now)
}

func fixedRule(cert *x509.Certificate, planned []string, days int, now time.Time) Renewal {
	window := time.Duration(days) * 24 * time.Hour
	if days <= 0 {
		window = cert.NotAfter.Sub(cert.NotBefore) / 3
	}
	r := Renewal{NotAfter: cert.NotAfter, RenewFrom: cert.NotAfter.Add(-window)}
	have := map[string]bool{}
	for _, n := range cert.DNSNames {
		have[strings.ToLower(n)] = true
	}
	want := map[string]bool{}
	for _, n := range planned {
		want[n] = true
		if !have[n] {
			r.Missing = append(r.Missing, n)
		}
	}
	for _, n := range cert.DNSNames {
		if !want[strings.ToLower(n)] {
			r.Extra = append(r.Extra, n)
		}
	}
	left := cert.NotAfter.Sub(now)
	r.Rule = RuleFixedFraction
	if days > 0 {
		r.Rule = RuleDays
	}
	switch {
	case len(r.Missing) > 0:
		r.Due, r.Rule, r.Reason = true, RulePlan, fmt.Sprintf("the plan has names the certificate lacks: %s", strings.Join(r.Missing, ", "))
	case !now.Before(cert.NotAfter):
		r.Due, r.Rule, r.Reason = true, RuleExpired, fmt.Sprintf("the certificate expired on %s", cert.NotAfter.UTC().Format(time.DateOnly))
	case !now.Before(r.RenewFrom):
		r.Due, r.Reason = true, fmt.Sprintf("%s left, renewal window is %s", days2(left), days2(window))
	default:
		r.Reason = fmt.Sprintf("%s left; due from %s", days2(left), r.RenewFrom.UTC().Format(time.DateOnly))
	}
	return r
}

// days2 words a duration in days, rounding down ("29 days", "1 day", "less than a day").
func days2(d time.Duration) string {
	n := int(d / (24 * time.Hour))
	switch n {
	case 0:
		return "less than a day"
	case 1:
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}
