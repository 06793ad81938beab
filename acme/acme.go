// Package acme obtains the planned Exchange certificate from an ACME CA
// (RFC 8555: Let's Encrypt, or any CA that speaks ACME) through lego, and
// decides when it is due for renewal.
//
// Obtain keeps the account in a state folder (the account key is created
// once, 0600, and reused), answers DNS-01 with any lego DNS provider,
// HTTP-01 with lego's built-in web server or through a web server's folder
// (Webroot: IIS on the Exchange server, with a self-check first), and
// returns the issued chain; it writes nothing but the account state and,
// for the webroot, the token folder it removes again. Decide says whether
// a certificate should be renewed, from the CA's renewal information (RFC
// 9773, FetchWindow) or a fixed third of its lifetime. Deploy writes the
// PowerShell wrapper that runs the bind script unattended, and Task the
// commands for a daily scheduled task. Issue puts it together: the
// workflow of exchcert acme and acme renew from the renewal decision to
// the written files, with the clock and the secrets from the caller.
// Progress goes to a callback, never to a terminal; the
// package reads no environment variables itself (lego's DNS providers,
// which the caller constructs, read their documented ones).
//
// It leaves out what the other packages do: planning the names (plan),
// making and encoding keys (csr), checking the result (inspect) and
// writing the PFX and bind script (exchange).
package acme

import (
	"bytes"
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	legoacme "github.com/go-acme/lego/v4/acme"
	"github.com/go-acme/lego/v4/certificate"
	"github.com/go-acme/lego/v4/challenge"
	"github.com/go-acme/lego/v4/challenge/dns01"
	"github.com/go-acme/lego/v4/challenge/http01"
	"github.com/go-acme/lego/v4/lego"
	legolog "github.com/go-acme/lego/v4/log"
	"github.com/go-acme/lego/v4/registration"

	"github.com/exchcert/exchcert/plan"
)

// Directory URLs of Let's Encrypt (https://letsencrypt.org/docs/acme-protocol-updates/).
const (
	LetsEncrypt        = lego.LEDirectoryProduction
	LetsEncryptStaging = lego.LEDirectoryStaging
)

// Options say which CA to use, where the account lives and how to answer
// the challenges. Exactly one of DNS and HTTP must be set.
type Options struct {
	Server    string         // ACME directory URL; LetsEncrypt when empty
	Email     string         // account contact (optional; CAs mail expiry and policy notices there)
	StateDir  string         // folder holding the account key and registration (required)
	AcceptTOS bool           // agree to the CA's terms of service when registering a new account
	Roots     *x509.CertPool // roots trusted for the CA's HTTPS; nil: the system roots

	// DNS answers DNS-01 challenges: any lego DNS provider
	// (https://go-acme.github.io/lego/dns/), or a caller's own.
	DNS challenge.Provider
	// Resolvers (host:port) are asked whether the TXT records are visible
	// before the CA is told to look. Empty: lego's default (the system's
	// resolvers). With split DNS, name public resolvers here.
	Resolvers []string
	// RecursiveOnly waits for the TXT records at Resolvers only, instead of
	// at every authoritative name server of the zone.
	RecursiveOnly bool
	// PropagationWait, when set, replaces the propagation check by a
	// plain wait: for servers that cannot reach any resolver that sees
	// the public zone.
	PropagationWait time.Duration

	// HTTP is the address lego's HTTP-01 server listens on, e.g. ":80".
	HTTP string
	// Webroot answers HTTP-01 through a web server that already owns
	// port 80 (IIS on an Exchange server), by writing the tokens into its
	// folder.
	Webroot *WebrootOptions

	Profile string // ACME profile to ask for (draft-ietf-acme-profiles), e.g. Let's Encrypt's "tlsserver"

	Progress  func(Event) // called as the order advances; may be nil
	UserAgent string      // added to lego's User-Agent
}

// Request is what to order: the plan's names (the Common Name first) and
// the private key the certificate is for.
type Request struct {
	Plan *plan.Plan
	Key  crypto.Signer
	// Replaces is the ARI identifier (ReplacesID) of the certificate this
	// one renews: the CA then knows it is a renewal (RFC 9773 §5). Sent
	// only to CAs that offer renewal information.
	Replaces string
}

// Result is the issued certificate and the account that ordered it.
type Result struct {
	Account Account             `json:"account"`
	Names   []string            `json:"names"`    // the names ordered, Common Name first
	CertURL string              `json:"cert_url"` // where the CA serves the certificate
	Chain   []*x509.Certificate `json:"-"`        // leaf first, then the issuers as the CA sent them
	PEM     []byte              `json:"-"`        // the chain as PEM, leaf first
}

// Step is a stage of the order, reported through Options.Progress.
type Step string

// Steps of an order, in the order they happen.
const (
	StepConnect   Step = "connect"   // the CA's directory was read
	StepAccount   Step = "account"   // account found or registered
	StepOrder     Step = "order"     // order placed for all names
	StepChallenge Step = "challenge" // a name's challenge answer is published (TXT record or HTTP token)
	StepValidated Step = "validated" // the CA validated a name
	StepCleanup   Step = "cleanup"   // a name's challenge answer was removed
	StepFinalize  Step = "finalize"  // all names valid; the CSR was sent
	StepIssued    Step = "issued"    // the certificate arrived
	StepInfo      Step = "info"      // any other message from lego
)

// Event is one progress report. Name is empty when it concerns the whole order.
type Event struct {
	Name   string
	Step   Step
	Detail string
}

// TermsError means a new account is needed and the CA has terms of service
// the caller has not accepted (Options.AcceptTOS).
type TermsError struct {
	Server string
	URL    string
}

func (e *TermsError) Error() string {
	if e.URL == "" {
		return fmt.Sprintf("%s needs the terms of service accepted to register an account", e.Server)
	}
	return fmt.Sprintf("%s needs its terms of service (%s) accepted to register an account", e.Server, e.URL)
}

// OrderError means the CA, the network or a challenge failed; nothing was
// issued and nothing but the account state was written, so running again
// is safe. Names holds per-name failures when the CA reported them.
type OrderError struct {
	Step  Step             // where it failed: account, order, challenge, finalize
	Names map[string]error // per-name failures (challenges), if any
	Err   error
}

func (e *OrderError) Error() string {
	var b strings.Builder
	switch e.Step {
	case StepConnect:
		b.WriteString("cannot reach the CA: ")
	case StepAccount:
		b.WriteString("the CA did not accept the account: ")
	case StepChallenge:
		b.WriteString("validation failed: ")
	case StepFinalize:
		b.WriteString("the CA failed to issue the certificate: ")
	default:
		b.WriteString("the order failed: ")
	}
	if len(e.Names) > 0 {
		first := true
		for _, n := range sortedKeys(e.Names) {
			if !first {
				b.WriteString("; ")
			}
			first = false
			fmt.Fprintf(&b, "%s: %s", n, describe(e.Names[n]))
		}
		return b.String()
	}
	b.WriteString(describe(e.Err))
	return b.String()
}

func (e *OrderError) Unwrap() error { return e.Err }

// Problem returns the CA's RFC 7807 problem document behind err, if any.
func Problem(err error) *legoacme.ProblemDetails {
	var p *legoacme.ProblemDetails
	if errors.As(err, &p) {
		return p
	}
	return nil
}

// describe words an error from lego for people: an ACME problem becomes
// "type: detail (HTTP status)", without lego's method and URL dump.
func describe(err error) string {
	if err == nil {
		return ""
	}
	if p := Problem(err); p != nil {
		typ := strings.TrimPrefix(p.Type, "urn:ietf:params:acme:error:")
		s := typ
		if p.Detail != "" {
			s += ": " + p.Detail
		}
		for _, sp := range p.SubProblems {
			s += fmt.Sprintf("; %s: %s", sp.Identifier.Value, sp.Detail)
		}
		if p.HTTPStatus != 0 {
			s += fmt.Sprintf(" (HTTP %d)", p.HTTPStatus)
		}
		return s
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}

// transportError returns the network or TLS error under lego's wrapping
// ("get directory at ...: Get ...: dial tcp ...") when there is one.
func transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// legoMu serialises Obtain: lego keeps its logger and DNS resolver list in
// package variables.
var legoMu sync.Mutex

// Obtain orders a certificate for the plan's names with req.Key, answering
// the challenges as o says, and returns the issued chain. It returns a
// *TermsError when a new account needs the terms accepted, a *StateError for
// a damaged state file, an *OrderError when the CA, the network or a
// challenge fails (nothing issued; safe to run again), and a plain error
// for bad options.
func Obtain(ctx context.Context, req Request, o Options) (*Result, error) {
	if req.Plan == nil || len(req.Plan.Names) == 0 {
		return nil, errors.New("the plan has no names")
	}
	if req.Key == nil {
		return nil, errors.New("no private key for the certificate")
	}
	if o.StateDir == "" {
		return nil, errors.New("no state folder for the account")
	}
	if n := countTrue(o.DNS != nil, o.HTTP != "", o.Webroot != nil); n != 1 {
		return nil, errors.New("choose one challenge: DNS-01 (a DNS provider), HTTP-01 (a listen address) or HTTP-01 through a webroot")
	}
	if o.Server == "" {
		o.Server = LetsEncrypt
	}
	names := orderNames(req.Plan)
	progress := o.Progress
	if progress == nil {
		progress = func(Event) {}
	}

	legoMu.Lock()
	defer legoMu.Unlock()
	prev := legolog.Logger
	logger := &progressLogger{names: names, progress: progress}
	legolog.Logger = logger
	defer func() { legolog.Logger = prev }()

	var webroot *Webroot
	if o.Webroot != nil {
		w, done, err := startWebroot(ctx, names, *o.Webroot, progress)
		if err != nil {
			return nil, err
		}
		defer done()
		webroot = w
	}

	dir, err := accountDir(o.StateDir, o.Server)
	if err != nil {
		return nil, err
	}
	key, reg, _, err := loadAccount(dir)
	if err != nil {
		return nil, err
	}
	user := &accountUser{email: o.Email, key: key, reg: reg}

	cfg := lego.NewConfig(user)
	cfg.CADirURL = o.Server
	cfg.HTTPClient = httpClient(ctx, o.Roots)
	cfg.UserAgent = strings.TrimSpace("exchcert " + o.UserAgent)
	client, err := lego.NewClient(cfg)
	if err != nil {
		return nil, &OrderError{Step: StepConnect, Err: fmt.Errorf("%s: %w", o.Server, transportError(err))}
	}

	acct := Account{Server: o.Server, Email: o.Email, Dir: dir}
	if reg == nil {
		tos := client.GetToSURL()
		if tos != "" && !o.AcceptTOS {
			return nil, &TermsError{Server: o.Server, URL: tos}
		}
		if client.GetExternalAccountRequired() {
			return nil, &OrderError{Step: StepAccount, Err: errors.New("the CA requires external account binding (EAB), which exchcert does not support yet")}
		}
		reg, err = client.Registration.Register(registration.RegisterOptions{TermsOfServiceAgreed: o.AcceptTOS})
		if err != nil {
			return nil, &OrderError{Step: StepAccount, Err: err}
		}
		if err := saveRegistration(dir, reg); err != nil {
			return nil, fmt.Errorf("saving the account registration: %w", err)
		}
		user.reg = reg
		acct.New = true
		progress(Event{Step: StepAccount, Detail: "registered new account " + reg.URI})
	} else {
		acct.Email = contact(reg)
		detail := "using account " + reg.URI
		if o.Email != "" && !strings.EqualFold(o.Email, acct.Email) {
			detail += fmt.Sprintf(" (its contact stays %q; the e-mail address is set when an account is registered)", acct.Email)
		}
		progress(Event{Step: StepAccount, Detail: detail})
	}
	acct.URL = reg.URI

	if err := setSolver(client, o, webroot, progress); err != nil {
		return nil, err
	}

	progress(Event{Step: StepOrder, Detail: fmt.Sprintf("ordering a certificate for %d names from %s", len(names), o.Server)})
	obtain := certificate.ObtainRequest{
		Domains:        names,
		PrivateKey:     req.Key,
		Bundle:         true,
		Profile:        o.Profile,
		ReplacesCertID: req.Replaces,
	}
	res, err := client.Certificate.Obtain(obtain)
	if p := Problem(err); p != nil && req.Replaces != "" && strings.HasSuffix(p.Type, ":alreadyReplaced") {
		// An earlier renewal of the same certificate was issued but not
		// kept (RFC 9773 §5): order again as a new certificate.
		progress(Event{Step: StepOrder, Detail: "the CA says the certificate was already replaced; ordering without naming it"})
		obtain.ReplacesCertID = ""
		res, err = client.Certificate.Obtain(obtain)
	}
	if err != nil {
		return nil, orderError(err, logger.finalizing)
	}
	chain, err := parseChain(res.Certificate)
	if err != nil {
		return nil, &OrderError{Step: StepFinalize, Err: fmt.Errorf("the CA sent an unreadable certificate: %w", err)}
	}
	if !samePublicKey(chain[0].PublicKey, req.Key.Public()) {
		return nil, &OrderError{Step: StepFinalize, Err: errors.New("the CA issued a certificate for a different key")}
	}
	progress(Event{Step: StepIssued, Detail: fmt.Sprintf("certificate issued: serial %X, valid until %s", chain[0].SerialNumber, chain[0].NotAfter.UTC().Format(time.RFC3339))})
	return &Result{Account: acct, Names: names, CertURL: res.CertURL, Chain: chain, PEM: encodeChain(chain)}, nil
}

// orderNames puts the Common Name first, as lego makes the first name the
// CSR's Common Name.
func orderNames(p *plan.Plan) []string {
	names := []string{p.CommonName}
	for _, n := range p.DNSNames() {
		if n != p.CommonName {
			names = append(names, n)
		}
	}
	return names
}

func setSolver(client *lego.Client, o Options, webroot *Webroot, progress func(Event)) error {
	if webroot != nil {
		return client.Challenge.SetHTTP01Provider(wrapProvider(webroot, progress, "HTTP-01 token in "+webroot.Dir()))
	}
	if o.DNS != nil {
		opts := []dns01.ChallengeOption{
			dns01.CondOption(len(o.Resolvers) > 0, dns01.AddRecursiveNameservers(dns01.ParseNameservers(o.Resolvers))),
			dns01.CondOption(o.RecursiveOnly, dns01.DisableAuthoritativeNssPropagationRequirement()),
			dns01.CondOption(o.RecursiveOnly, dns01.RecursiveNSsPropagationRequirement()),
			dns01.CondOption(o.PropagationWait > 0, dns01.PropagationWait(o.PropagationWait, true)),
		}
		return client.Challenge.SetDNS01Provider(wrapProvider(o.DNS, progress, "DNS-01 TXT record"), opts...)
	}
	host, port, err := net.SplitHostPort(o.HTTP)
	if err != nil {
		return fmt.Errorf("HTTP-01 address %q: want [host]:port, e.g. :80", o.HTTP)
	}
	return client.Challenge.SetHTTP01Provider(wrapProvider(http01.NewProviderServer(host, port), progress, "HTTP-01 token"))
}

// orderError turns lego's error into an *OrderError, splitting lego's
// per-name failures ("[name] message" lines) out when they are challenge
// failures. After validation lego reports a finalize or download failure
// once per name with the same error; that becomes one error.
func orderError(err error, finalizing bool) *OrderError {
	oe := &OrderError{Step: StepOrder, Err: err}
	if finalizing {
		oe.Step = StepFinalize
		if u, ok := err.(interface{ Unwrap() []error }); ok {
			if errs := u.Unwrap(); len(errs) > 0 {
				oe.Err = errs[0]
			}
		}
		return oe
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "error: one or more domains had a problem:") {
		oe.Step = StepChallenge
		oe.Names = map[string]error{}
		for _, line := range strings.Split(msg, "\n")[1:] {
			name, rest, ok := strings.Cut(strings.TrimPrefix(line, "["), "] ")
			if !ok {
				continue
			}
			rest = strings.TrimPrefix(rest, "["+name+"] ")
			oe.Names[name] = errors.New(strings.TrimSpace(strings.TrimPrefix(rest, "acme: ")))
		}
	}
	return oe
}

// httpClient trusts roots (or the system) for the CA's HTTPS and ties
// every request to ctx, so a cancelled context stops a hanging CA.
func httpClient(ctx context.Context, roots *x509.CertPool) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	t.ResponseHeaderTimeout = 30 * time.Second
	return &http.Client{Timeout: 2 * time.Minute, Transport: ctxTransport{ctx: ctx, rt: t}}
}

type ctxTransport struct {
	ctx context.Context
	rt  http.RoundTripper
}

func (t ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.ctx != nil {
		r = r.WithContext(t.ctx)
	}
	return t.rt.RoundTrip(r)
}

func parseChain(data []byte) ([]*x509.Certificate, error) {
	var chain []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		chain = append(chain, c)
	}
	if len(chain) == 0 {
		return nil, errors.New("no certificate in the response")
	}
	return chain, nil
}

func encodeChain(chain []*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range chain {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes()
}

func samePublicKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}
