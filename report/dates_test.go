package report

import (
	"testing"
	"time"

	"github.com/exchcert/exchcert/inspect"
)

// TestLinkDateBoundaries pins a chain link's state to the second and the
// day, as inspect counts them: valid from notBefore to notAfter inclusive
// (RFC 5280 §4.1.2.5), and expires-soon means fewer than --min-days whole
// days left.
func TestLinkDateBoundaries(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	tests := []struct {
		name     string
		nb, na   time.Time
		daysLeft int
		minDays  int
		want     string
	}{
		{"expired one second ago", now.Add(-10 * day), now.Add(-time.Second), -1, 30, LinkExpired},
		{"expires this very second", now.Add(-10 * day), now, 0, 0, LinkValid},
		{"exactly min-days left", now.Add(-10 * day), now.Add(30 * day), 30, 30, LinkValid},
		{"one day short of min-days", now.Add(-10 * day), now.Add(29 * day), 29, 30, LinkExpiresSoon},
		{"valid from one second on", now.Add(time.Second), now.Add(60 * day), 60, 0, LinkNotYetValid},
		{"valid from this very second", now, now.Add(60 * day), 60, 0, LinkValid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Report{EvaluatedAt: now, MinDays: tt.minDays}
			c := &inspect.Certificate{Subject: "CN=exch2.acme.com", NotBefore: tt.nb, NotAfter: tt.na, DaysLeft: tt.daysLeft}
			if got := r.link(c); got.State != tt.want {
				t.Errorf("state = %s (%s), want %s", got.State, got.Note, tt.want)
			}
		})
	}
}
