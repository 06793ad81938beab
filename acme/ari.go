package acme

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/go-acme/lego/v4/acme/api"
	"github.com/go-acme/lego/v4/certificate"
	"github.com/go-acme/lego/v4/lego"
)

// Renewal rules: what decided RenewDue's answer.
const (
	RulePlan          = "plan"           // the plan has a name the certificate lacks
	RuleExpired       = "expired"        // the certificate has expired
	RuleARI           = "ari"            // the CA's renewal window (RFC 9773)
	RuleFixedFraction = "fixed-fraction" // a third of the lifetime left
	RuleDays          = "days"           // fewer than --days left
)

// Window is the renewal window a CA suggests for a certificate (ACME
// Renewal Information, RFC 9773 §4.2).
type Window struct {
	Start       time.Time     `json:"start"`
	End         time.Time     `json:"end"`
	Explanation string        `json:"explanation_url,omitempty"`
	RetryAfter  time.Duration `json:"-"` // when to ask again (0: the CA did not say)
}

// ErrNoARI means the CA does not offer renewal information (no
// renewalInfo in its directory).
var ErrNoARI = errors.New("the CA does not offer renewal information (RFC 9773)")

// FetchWindow asks the CA in o.Server for cert's renewal window. It needs
// no account: the renewalInfo resource is fetched with a plain GET (RFC
// 9773 §4.1). It returns ErrNoARI when the CA does not offer it.
func FetchWindow(ctx context.Context, cert *x509.Certificate, o Options) (*Window, error) {
	if o.Server == "" {
		o.Server = LetsEncrypt
	}
	if len(cert.AuthorityKeyId) == 0 {
		return nil, errors.New("the certificate has no Authority Key Identifier, which renewal information needs")
	}
	// lego needs a key to make a client; this one signs nothing.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	cfg := lego.NewConfig(&accountUser{key: key})
	cfg.CADirURL = o.Server
	cfg.HTTPClient = httpClient(ctx, o.Roots)
	cfg.UserAgent = strings.TrimSpace("exchcert " + o.UserAgent)
	client, err := lego.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", o.Server, describe(transportError(err)))
	}
	info, err := client.Certificate.GetRenewalInfo(certificate.RenewalInfoRequest{Cert: cert})
	if errors.Is(err, api.ErrNoARI) {
		return nil, ErrNoARI
	}
	if err != nil {
		return nil, fmt.Errorf("renewal information: %s", describe(transportError(err)))
	}
	w := &Window{Start: info.SuggestedWindow.Start.UTC(), End: info.SuggestedWindow.End.UTC(), Explanation: info.ExplanationURL, RetryAfter: info.RetryAfter}
	if !w.Start.Before(w.End) {
		// RFC 9773 §4.2: such a window is invalid, as if none came.
		return nil, fmt.Errorf("renewal information: the window ends (%s) before it starts (%s)", w.End.Format(time.RFC3339), w.Start.Format(time.RFC3339))
	}
	return w, nil
}

// ReplacesID is the ARI certificate identifier of cert (RFC 9773 §4.1),
// which a renewal order names in "replaces" (§5).
func ReplacesID(cert *x509.Certificate) string {
	if cert == nil || len(cert.AuthorityKeyId) == 0 {
		return ""
	}
	id, err := certificate.MakeARICertID(cert)
	if err != nil {
		return ""
	}
	return id
}

// Policy is how Decide weighs the rules.
type Policy struct {
	// Days, when > 0, renews at fewer than Days days left; otherwise a
	// third of the lifetime is the fixed rule. With a Window, Days still
	// renews earlier than the CA suggests, never later.
	Days int
	// Window is the CA's renewal window; nil when the CA offers none or
	// it could not be fetched (WindowErr says why): then the fixed rule
	// decides.
	Window    *Window
	WindowErr error
	// Pick chooses the moment inside the window (RFC 9773 §4.2: uniformly
	// at random); nil uses a random one. Tests pass a fixed one.
	Pick func(start, end time.Time) time.Time
}

// maxCheck and minCheck bound the CA's Retry-After (RFC 9773 §4.3).
const (
	minCheck = time.Minute
	maxCheck = 24 * time.Hour
)

// Decide is RenewDue with the CA's renewal information: the plan's names
// and expiry first, then the CA's window when it offers one, else the
// fixed rule. Renewal.Rule says which decided, NextCheck when to look
// again.
func Decide(cert *x509.Certificate, p interface{ DNSNames() []string }, pol Policy, now time.Time) Renewal {
	r := fixedRule(cert, p.DNSNames(), pol.Days, now)
	if r.Rule == RulePlan || r.Rule == RuleExpired || pol.Window == nil {
		if pol.WindowErr != nil && r.Rule != RulePlan && r.Rule != RuleExpired {
			r.ARIError = pol.WindowErr.Error()
			r.Reason += " (" + ariFallback(pol.WindowErr) + ")"
		}
		r.NextCheck = r.RenewFrom
		if r.Due || r.NextCheck.Before(now) {
			r.NextCheck = now
		}
		return r
	}
	w := pol.Window
	r.Window = w
	pick := pol.Pick
	if pick == nil {
		pick = randomIn
	}
	at := pick(w.Start, w.End)
	fixedDue := r.Due && pol.Days > 0 // --days may renew earlier than the CA says
	r.RenewFrom = w.Start
	retry := w.RetryAfter
	if retry == 0 {
		retry = maxCheck
	}
	retry = min(max(retry, minCheck), maxCheck)
	r.NextCheck = now.Add(retry)
	switch {
	case !now.Before(at):
		r.Due, r.Rule = true, RuleARI
		r.Reason = fmt.Sprintf("the CA's renewal window is %s to %s", w.Start.Format(time.RFC3339), w.End.Format(time.RFC3339))
		if w.Explanation != "" {
			r.Reason += " (" + w.Explanation + ")"
		}
		r.NextCheck = now
	case fixedDue:
		r.Reason += fmt.Sprintf(" (--days; the CA suggests %s to %s)", w.Start.Format(time.DateOnly), w.End.Format(time.DateOnly))
		r.NextCheck = now
	default:
		r.Due, r.Rule = false, RuleARI
		r.Reason = fmt.Sprintf("%s left; the CA's renewal window is %s to %s", days2(cert.NotAfter.Sub(now)), w.Start.Format(time.RFC3339), w.End.Format(time.RFC3339))
	}
	return r
}

func ariFallback(err error) string {
	if errors.Is(err, ErrNoARI) {
		return "the CA offers no renewal information"
	}
	return "renewal information unavailable: " + err.Error()
}

// randomIn picks a uniformly random moment in [start, end) (RFC 9773
// §4.2, step 1).
func randomIn(start, end time.Time) time.Time {
	d := end.Sub(start)
	if d <= 0 {
		return start
	}
	n, err := rand.Int(rand.Reader, big.NewInt(int64(d)))
	if err != nil {
		return start
	}
	return start.Add(time.Duration(n.Int64()))
}
