package inspect

import (
	"slices"
	"testing"
	"time"

	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/internal/testpki"
)

// TestDateBoundaries pins the date checks to the second and the day: a
// certificate is valid from notBefore to notAfter inclusive (RFC 5280
// §4.1.2.5), and expires-soon means fewer than --min-days whole days left.
func TestDateBoundaries(t *testing.T) {
	f := getFixture(t)
	now := time.Now().UTC().Truncate(time.Second)
	day := 24 * time.Hour
	tests := []struct {
		name     string
		nb, na   time.Time
		minDays  int
		want     []string // date codes expected, sorted
		daysLeft int
		severity finding.Severity
	}{
		{"expired one second ago", now.Add(-10 * day), now.Add(-time.Second), 0, []string{CodeExpired}, -1, finding.Error},
		{"expires this very second", now.Add(-10 * day), now, 0, nil, 0, 0},
		{"expires in one second", now.Add(-10 * day), now.Add(time.Second), 0, nil, 0, 0},
		{"expires in one second, min-days 30", now.Add(-10 * day), now.Add(time.Second), 30, []string{CodeExpiresSoon}, 0, finding.Warning},
		{"exactly min-days left", now.Add(-10 * day), now.Add(30 * day), 30, nil, 30, 0},
		{"one second short of min-days", now.Add(-10 * day), now.Add(30*day - time.Second), 30, []string{CodeExpiresSoon}, 29, finding.Warning},
		{"one second over min-days", now.Add(-10 * day), now.Add(30*day + time.Second), 30, nil, 30, 0},
		{"exactly one day left, min-days 1", now.Add(-10 * day), now.Add(day), 1, nil, 1, 0},
		{"valid from one second on", now.Add(time.Second), now.Add(60 * day), 0, []string{CodeNotYetValid}, 60, finding.Error},
		{"valid from this very second", now, now.Add(60 * day), 0, nil, 60, 0},
		{"valid since one second ago", now.Add(-time.Second), now.Add(60 * day), 0, nil, 60, 0},
	}
	dateCodes := []string{CodeExpired, CodeExpiresSoon, CodeNotYetValid}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := issue(t, f.inter, testpki.Template{CommonName: "exch2.acme.com", DNSNames: seedNames, NotBefore: tt.nb, NotAfter: tt.na, Key: f.ecKey})
			fs := CheckCertificate(c.Cert, "leaf", Options{Now: now, MinDays: tt.minDays, PrivateCA: true})
			var got []string
			for _, x := range fs {
				if slices.Contains(dateCodes, x.Code) {
					got = append(got, x.Code)
					if x.Severity != tt.severity {
						t.Errorf("%s has severity %s, want %s", x.Code, x.Severity, tt.severity)
					}
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("date findings = %v, want %v", got, tt.want)
			}
			if d := DaysLeft(c.Cert, now); d != tt.daysLeft {
				t.Errorf("DaysLeft = %d, want %d", d, tt.daysLeft)
			}
		})
	}
}
