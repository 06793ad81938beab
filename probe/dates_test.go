package probe

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/exchcert/exchcert/internal/testpki"
	"github.com/exchcert/exchcert/probe/probetest"
)

// TestDateBoundaries pins the served certificate's date checks to the
// second: valid from notBefore to notAfter inclusive (RFC 5280 §4.1.2.5),
// and cert-expiring when less than ExpiringDays days are left.
func TestDateBoundaries(t *testing.T) {
	p := newPKI(t)
	now := time.Now().UTC().Truncate(time.Second)
	day := 24 * time.Hour
	tests := []struct {
		name   string
		nb, na time.Time
		want   []string // date codes about pop3s, sorted
	}{
		{"expired one second ago", now.Add(-10 * day), now.Add(-time.Second), []string{CodeCertExpired}},
		{"expires this very second", now.Add(-10 * day), now, []string{CodeCertExpiring}},
		{"expires in one second", now.Add(-10 * day), now.Add(time.Second), []string{CodeCertExpiring}},
		{"one second short of ExpiringDays", now.Add(-10 * day), now.Add(ExpiringDays*day - time.Second), []string{CodeCertExpiring}},
		{"exactly ExpiringDays left", now.Add(-10 * day), now.Add(ExpiringDays * day), nil},
		{"valid from one second on", now.Add(time.Second), now.Add(60 * day), []string{CodeCertExpired}},
		{"valid from this very second, expiring", now, now.Add(5 * day), []string{CodeCertExpiring}},
		{"valid from this very second", now, now.Add(60 * day), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := p.issue(t, testpki.Template{CommonName: planNames[0], DNSNames: planNames, NotBefore: tt.nb, NotAfter: tt.na, KeyType: testpki.ECDSAP256})
			s := startSite(t, p, on(POP3S, func(o *probetest.Options) { o.Cert = p.chain(c) }))
			o := s.options(t, p)
			o.Now = func() time.Time { return now }
			rep, err := Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range rep.Findings {
				if (f.Code == CodeCertExpired || f.Code == CodeCertExpiring) && strings.HasPrefix(f.Subject, "pop3s ") {
					got = append(got, f.Code)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("pop3s date findings = %v, want %v (all: %v)", got, tt.want, rep.Findings)
			}
		})
	}
}
