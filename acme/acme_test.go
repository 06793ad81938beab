package acme_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exchcert/exchcert/acme"
	"github.com/exchcert/exchcert/acme/acmetest"
	"github.com/exchcert/exchcert/csr"
	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/plan"
)

// seedPlan is the project's seed scenario: Exchange 2010 joining an
// Exchange 2003 organisation (exch2, legacy, the root domain, autodiscover).
func seedPlan(t *testing.T) *plan.Plan {
	t.Helper()
	p, err := plan.Build(plan.Input{FQDN: "exch2.acme.com", Domains: []string{"acme.com"}, Exchange: exchange.Exchange2010, From: exchange.Exchange2003})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newKey makes the key Exchange 2010 can use: RSA 2048.
func newKey(t *testing.T) crypto.Signer {
	t.Helper()
	k, err := csr.GenerateKey(csr.RSA2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// recorder collects progress events.
type recorder struct {
	mu     sync.Mutex
	events []acme.Event
}

func (r *recorder) add(e acme.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) has(name string, step acme.Step) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		if e.Name == name && e.Step == step {
			return true
		}
	}
	return false
}

func dnsOptions(c *acmetest.CA, state string, rec *recorder) acme.Options {
	return acme.Options{
		Server:        c.URL,
		Email:         "admin@acme.com",
		StateDir:      state,
		AcceptTOS:     true,
		Roots:         c.TLSRoots,
		DNS:           acmetest.Provider{DNS: c.DNS},
		Resolvers:     []string{c.DNS.Addr},
		RecursiveOnly: true,
		Progress:      rec.add,
	}
}

// verify checks that chain chains to Pebble's root and covers every
// planned name.
func verify(t *testing.T, c *acmetest.CA, p *plan.Plan, res *acme.Result, key crypto.Signer) {
	t.Helper()
	leaf := res.Chain[0]
	inter := x509.NewCertPool()
	for _, ic := range res.Chain[1:] {
		inter.AddCert(ic)
	}
	for _, n := range p.DNSNames() {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: n, Roots: c.Roots(), Intermediates: inter}); err != nil {
			t.Errorf("issued certificate for %s: %v", n, err)
		}
	}
	if leaf.Subject.CommonName != p.CommonName {
		t.Errorf("Common Name %q, want %q", leaf.Subject.CommonName, p.CommonName)
	}
	if !leaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(key.Public()) {
		t.Error("certificate is not for the requested key")
	}
	// exchcert inspect's checks agree: coverage, key, chain to Pebble's root.
	b, err := inspect.Load("issued.pem", res.PEM, inspect.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep := inspect.Check([]*inspect.Bundle{b}, inspect.Options{Plan: p, Key: key, Roots: c.Roots()})
	for _, f := range rep.Findings {
		if f.Severity >= finding.Warning {
			t.Errorf("inspect: %s %s: %s", f.Severity, f.Code, f.Message)
		}
	}
	if !bytes.HasPrefix(res.PEM, []byte("-----BEGIN CERTIFICATE-----")) || bytes.Count(res.PEM, []byte("BEGIN CERTIFICATE")) != len(res.Chain) {
		t.Errorf("PEM does not hold the %d certificates of the chain", len(res.Chain))
	}
}

func TestObtainDNS01(t *testing.T) {
	c := acmetest.Start(t, acmetest.Options{})
	p := seedPlan(t)
	state := t.TempDir()
	rec := &recorder{}
	key := newKey(t)
	res, err := acme.Obtain(context.Background(), acme.Request{Plan: p, Key: key}, dnsOptions(c, state, rec))
	if err != nil {
		t.Fatal(err)
	}
	verify(t, c, p, res, key)
	if got, want := strings.Join(res.Names, ","), "exch2.acme.com,legacy.acme.com,acme.com,autodiscover.acme.com"; got != want {
		t.Errorf("names %s, want %s", got, want)
	}
	for _, n := range p.DNSNames() {
		for _, step := range []acme.Step{acme.StepChallenge, acme.StepValidated, acme.StepCleanup} {
			if !rec.has(n, step) {
				t.Errorf("no %s progress for %s", step, n)
			}
		}
		if txt := c.DNS.TXT("_acme-challenge." + n); len(txt) != 0 {
			t.Errorf("TXT record for %s left behind: %q", n, txt)
		}
	}
	if !rec.has("", acme.StepIssued) {
		t.Error("no issued progress")
	}
	if !res.Account.New || res.Account.URL == "" {
		t.Errorf("account %+v: want a new registration", res.Account)
	}
	keyFile := filepath.Join(res.Account.Dir, "account.key")
	st, err := os.Stat(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if isUnix() && st.Mode().Perm() != 0o600 {
		t.Errorf("account key mode %04o, want 0600", st.Mode().Perm())
	}
	if !strings.HasPrefix(res.Account.Dir, filepath.Join(state, "accounts", "127.0.0.1_")) {
		t.Errorf("account folder %s not under the state folder by server", res.Account.Dir)
	}
}

func TestObtainReusesAccount(t *testing.T) {
	c := acmetest.Start(t, acmetest.Options{})
	p := seedPlan(t)
	state := t.TempDir()
	first, err := acme.Obtain(context.Background(), acme.Request{Plan: p, Key: newKey(t)}, dnsOptions(c, state, &recorder{}))
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(first.Account.Dir, "account.key")
	before, _ := os.ReadFile(keyFile)
	regBefore, _ := os.ReadFile(filepath.Join(first.Account.Dir, "account.json"))
	accounts := c.Hits(acmetest.PathNewAccount)

	// Without AcceptTOS or the e-mail address: an existing account needs
	// no new agreement, and is found by server alone.
	o := dnsOptions(c, state, &recorder{})
	o.AcceptTOS = false
	o.Email = ""
	second, err := acme.Obtain(context.Background(), acme.Request{Plan: p, Key: newKey(t)}, o)
	if err != nil {
		t.Fatal(err)
	}
	if second.Account.New || second.Account.URL != first.Account.URL || second.Account.Email != "admin@acme.com" {
		t.Errorf("second order used account %+v, want the existing %s", second.Account, first.Account.URL)
	}
	if n := c.Hits(acmetest.PathNewAccount); n != accounts {
		t.Errorf("second order registered again (%d newAccount requests)", n-accounts)
	}
	after, _ := os.ReadFile(keyFile)
	regAfter, _ := os.ReadFile(filepath.Join(first.Account.Dir, "account.json"))
	if !bytes.Equal(before, after) || !bytes.Equal(regBefore, regAfter) {
		t.Error("account state changed on reuse")
	}
	if first.Chain[0].SerialNumber.Cmp(second.Chain[0].SerialNumber) == 0 {
		t.Error("second order returned the same certificate")
	}
}

func TestObtainHTTP01(t *testing.T) {
	c := acmetest.Start(t, acmetest.Options{})
	p := seedPlan(t)
	rec := &recorder{}
	key := newKey(t)
	res, err := acme.Obtain(context.Background(), acme.Request{Plan: p, Key: key}, acme.Options{
		Server:    c.URL,
		StateDir:  t.TempDir(),
		AcceptTOS: true,
		Roots:     c.TLSRoots,
		HTTP:      "127.0.0.1:" + strconv.Itoa(c.HTTPPort),
		Progress:  rec.add,
	})
	if err != nil {
		t.Fatal(err)
	}
	verify(t, c, p, res, key)
	for _, n := range p.DNSNames() {
		if !rec.has(n, acme.StepValidated) {
			t.Errorf("no validated progress for %s", n)
		}
	}
	if res.Account.Email != "" {
		t.Errorf("account without e-mail: %+v", res.Account)
	}
}

func TestObtainCAErrorMidOrder(t *testing.T) {
	c := acmetest.Start(t, acmetest.Options{})
	p := seedPlan(t)
	state := t.TempDir()
	first, err := acme.Obtain(context.Background(), acme.Request{Plan: p, Key: newKey(t)}, dnsOptions(c, state, &recorder{}))
	if err != nil {
		t.Fatal(err)
	}
	keyBefore, _ := os.ReadFile(filepath.Join(first.Account.Dir, "account.key"))

	// The CA fails when the certificate request is sent, after every name
	// was validated.
	c.FailNext(acmetest.PathFinalize, http.StatusInternalServerError)
	_, err = acme.Obtain(context.Background(), acme.Request{Plan: p, Key: newKey(t)}, dnsOptions(c, state, &recorder{}))
	var oe *acme.OrderError
	if !errors.As(err, &oe) {
		t.Fatalf("got %v (%T), want *acme.OrderError", err, err)
	}
	if oe.Step != acme.StepFinalize {
		t.Errorf("failed at %s, want %s", oe.Step, acme.StepFinalize)
	}
	if pd := acme.Problem(err); pd == nil || pd.HTTPStatus != http.StatusInternalServerError {
		t.Errorf("problem %+v, want the CA's 500", pd)
	}
	msg := err.Error()
	if !strings.Contains(msg, "the CA failed to issue the certificate: serverInternal: the test CA failed this request on purpose (HTTP 500)") || strings.Contains(msg, "\n") {
		t.Errorf("message %q", msg)
	}
	keyAfter, _ := os.ReadFile(filepath.Join(first.Account.Dir, "account.key"))
	if !bytes.Equal(keyBefore, keyAfter) {
		t.Error("account key changed after a failed order")
	}

	// Running again succeeds with the same account.
	again, err := acme.Obtain(context.Background(), acme.Request{Plan: p, Key: newKey(t)}, dnsOptions(c, state, &recorder{}))
	if err != nil {
		t.Fatal(err)
	}
	if again.Account.URL != first.Account.URL {
		t.Error("the retry registered a new account")
	}
}

func TestObtainNewOrderRefused(t *testing.T) {
	c := acmetest.Start(t, acmetest.Options{})
	c.FailNext(acmetest.PathNewOrder, http.StatusServiceUnavailable)
	_, err := acme.Obtain(context.Background(), acme.Request{Plan: seedPlan(t), Key: newKey(t)}, dnsOptions(c, t.TempDir(), &recorder{}))
	var oe *acme.OrderError
	if !errors.As(err, &oe) || oe.Step != acme.StepOrder {
		t.Fatalf("got %v, want an OrderError at the order step", err)
	}
	if !strings.Contains(err.Error(), "(HTTP 503)") {
		t.Errorf("message %q does not give the CA's status", err)
	}
}

// wrongTXT publishes a TXT value the CA cannot match.
type wrongTXT struct{ acmetest.Provider }

func (w wrongTXT) Present(domain, token, keyAuth string) error {
	return w.Provider.Present(domain, token, keyAuth+"x")
}

func (w wrongTXT) CleanUp(domain, token, keyAuth string) error {
	return w.Provider.CleanUp(domain, token, keyAuth+"x")
}

func TestObtainChallengeFails(t *testing.T) {
	c := acmetest.Start(t, acmetest.Options{})
	o := dnsOptions(c, t.TempDir(), &recorder{})
	o.DNS = wrongTXT{acmetest.Provider{DNS: c.DNS}}
	o.Resolvers = []string{c.DNS.Addr}
	// Skip lego's own propagation check: the value it waits for never
	// appears, and the CA's verdict is what this test is about.
	o.PropagationWait = 10 * time.Millisecond
	_, err := acme.Obtain(context.Background(), acme.Request{Plan: seedPlan(t), Key: newKey(t)}, o)
	var oe *acme.OrderError
	if !errors.As(err, &oe) || oe.Step != acme.StepChallenge {
		t.Fatalf("got %v, want an OrderError at the challenge step", err)
	}
	if len(oe.Names) == 0 {
		t.Fatalf("no per-name failures in %v", err)
	}
	for n, e := range oe.Names {
		if !strings.Contains(e.Error(), "Correct value not found for DNS challenge") {
			t.Errorf("%s: %v", n, e)
		}
	}
}

func TestObtainTermsNotAccepted(t *testing.T) {
	c := acmetest.Start(t, acmetest.Options{})
	state := t.TempDir()
	o := dnsOptions(c, state, &recorder{})
	o.AcceptTOS = false
	_, err := acme.Obtain(context.Background(), acme.Request{Plan: seedPlan(t), Key: newKey(t)}, o)
	var te *acme.TermsError
	if !errors.As(err, &te) || te.URL == "" {
		t.Fatalf("got %v, want a TermsError naming the terms", err)
	}
	if c.Hits(acmetest.PathNewAccount) != 0 || c.Hits(acmetest.PathNewOrder) != 0 {
		t.Error("registered or ordered without accepted terms")
	}
}

func TestObtainBadOptions(t *testing.T) {
	p := seedPlan(t)
	for _, tc := range []struct {
		name string
		o    acme.Options
	}{
		{"no challenge", acme.Options{StateDir: "x"}},
		{"two challenges", acme.Options{StateDir: "x", HTTP: ":80", DNS: acmetest.Provider{}}},
		{"no state", acme.Options{HTTP: ":80"}},
		{"bad server", acme.Options{StateDir: t.TempDir(), HTTP: ":80", Server: "ftp://x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := acme.Obtain(context.Background(), acme.Request{Plan: p, Key: newKey(t)}, tc.o); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestObtainDamagedState(t *testing.T) {
	c := acmetest.Start(t, acmetest.Options{})
	state := t.TempDir()
	first, err := acme.Obtain(context.Background(), acme.Request{Plan: seedPlan(t), Key: newKey(t)}, dnsOptions(c, state, &recorder{}))
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(first.Account.Dir, "account.key")
	if err := os.WriteFile(keyFile, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = acme.Obtain(context.Background(), acme.Request{Plan: seedPlan(t), Key: newKey(t)}, dnsOptions(c, state, &recorder{}))
	var se *acme.StateError
	if !errors.As(err, &se) || se.Path != keyFile {
		t.Fatalf("got %v, want a StateError for %s", err, keyFile)
	}
	if data, _ := os.ReadFile(keyFile); string(data) != "garbage" {
		t.Error("damaged account key was replaced")
	}
}

func TestObtainAlwaysValid(t *testing.T) {
	// Pebble's always-valid switch: nothing answers the challenges' lookups
	// beyond what lego publishes; the CA accepts every name.
	c := acmetest.Start(t, acmetest.Options{AlwaysValid: true, Validity: 7 * 24 * time.Hour})
	p := seedPlan(t)
	key := newKey(t)
	res, err := acme.Obtain(context.Background(), acme.Request{Plan: p, Key: key}, dnsOptions(c, t.TempDir(), &recorder{}))
	if err != nil {
		t.Fatal(err)
	}
	verify(t, c, p, res, key)
	if d := res.Chain[0].NotAfter.Sub(res.Chain[0].NotBefore); d < 6*24*time.Hour || d > 8*24*time.Hour {
		t.Errorf("validity %s, want the CA's 7 days", d)
	}
}

func isUnix() bool { return filepath.Separator == '/' }

func TestObtainCAUnreachable(t *testing.T) {
	// A port on 127.0.0.1 nothing listens on.
	port := acmetest.FreePort(t)
	_, err := acme.Obtain(context.Background(), acme.Request{Plan: seedPlan(t), Key: newKey(t)}, acme.Options{
		Server: "https://127.0.0.1:" + strconv.Itoa(port) + "/dir", StateDir: t.TempDir(), HTTP: "127.0.0.1:0",
	})
	var oe *acme.OrderError
	if !errors.As(err, &oe) || oe.Step != acme.StepConnect {
		t.Fatalf("got %v, want an OrderError at the connect step", err)
	}
	if !strings.HasPrefix(err.Error(), "cannot reach the CA: https://127.0.0.1:") || !strings.Contains(err.Error(), "dial tcp") {
		t.Errorf("message %q", err)
	}
}
