// Package probe checks the live endpoints of an Exchange server the way
// clients see them: HTTPS (with SNI for every planned name), SMTP and
// submission with STARTTLS, IMAP4 and POP3 with STARTTLS and over implicit
// TLS, and the authentication that Autodiscover and EWS offer. For each
// endpoint it reports whether it answers (and why not), whether STARTTLS is
// offered, the TLS version, the chain served (complete, trusted, in date,
// valid for the name used) and the leaf's SHA-1 thumbprint, so that a
// service still serving an old certificate stands out. What it finds are
// finding.Findings with stable codes.
//
// Every endpoint is probed concurrently, so a probe takes about as long as
// its slowest endpoint. Everything read from the network has a hard limit:
// line length and count before TLS (MaxLine, MaxLines), HTTP header and
// body size (MaxHeaderBytes, MaxBody) and time (Options.Timeout, per
// endpoint, covering DNS, connect, protocol, handshake and request).
//
// The package sends nothing but what a mail client or Outlook sends before
// it logs on: EHLO, CAPABILITY, CAPA, STARTTLS/STLS, an unauthenticated
// GET. It never authenticates, and uses no proxy. It does not print, read
// files or the environment; the caller passes the trust roots and clock.
package probe

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/plan"
)

// Schema identifies the JSON report and its version.
const Schema = "exchcert.probe/v1"

// DefaultTimeout is the per-endpoint time limit when Options.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// MaxParallel is how many connections Run has open at once. Every endpoint
// of a usual plan (the seven services, a handful of names, Autodiscover and
// EWS) fits in one round, so the probe takes one Timeout at most; a plan
// with more names takes one Timeout per further round.
const MaxParallel = 32

// Options say what to probe.
type Options struct {
	// Host is the name clients use for the server (mail.contoso.com), or
	// an IP address. Mail services are checked against this name.
	Host string
	// Plan, when set, lists the names the HTTPS certificate must cover
	// (each is tried with SNI) and the SMTP domains whose Autodiscover URLs
	// are checked. Without a plan only Host is expected, and the
	// Autodiscover domain is Host's parent domain.
	Plan *plan.Plan
	// Addrs points a service at another address (host:port) than Host and
	// the standard port: split DNS, a load balancer's inside address, a
	// non-standard port, tests.
	Addrs map[Service]string
	// HostAddrs points the HTTPS requests for a host name (the Autodiscover
	// URLs' autodiscover.<domain> and <domain>) at another address
	// (host:port) than that name's DNS answer and port 443.
	HostAddrs map[string]string
	// Roots are the trusted roots; nil means the system's.
	Roots *x509.CertPool
	// Timeout bounds each endpoint, from DNS lookup to the last byte read;
	// DefaultTimeout when 0.
	Timeout time.Duration
	// Now is the clock certificates are judged by; time.Now when nil.
	Now func() time.Time
	// Dial opens connections; a net.Dialer when nil. Tests use it to see
	// and steer every connection.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
}

// Report is the result of Run and the JSON document "exchcert.probe/v1".
type Report struct {
	Schema    string    `json:"schema"`
	Host      string    `json:"host"`
	CheckedAt time.Time `json:"checked_at"`
	// TimeoutSeconds is the per-endpoint limit used.
	TimeoutSeconds float64 `json:"timeout_seconds"`
	// Names are the names the HTTPS certificate was expected to cover.
	Names     []string         `json:"names"`
	Endpoints []*Endpoint      `json:"endpoints"`
	Web       []*WebCheck      `json:"web"`
	Findings  finding.Findings `json:"findings"`
}

// Endpoint is one connection to one service under one name.
type Endpoint struct {
	Service Service `json:"service"`
	// Address is the host:port connected to.
	Address string `json:"address"`
	// Name is the name the client uses: sent as SNI and checked against
	// the certificate.
	Name      string `json:"name"`
	Reachable bool   `json:"reachable"`
	// Banner is the server's first line (greeting), shortened.
	Banner string `json:"banner,omitempty"`
	// StartTLS says whether the server offers STARTTLS (STLS for POP3);
	// absent for implicit-TLS services.
	StartTLS *bool    `json:"starttls,omitempty"`
	TLS      *TLS     `json:"tls,omitempty"`
	Failure  *Failure `json:"failure,omitempty"`
	// ElapsedMS is how long the endpoint took, in milliseconds.
	ElapsedMS int64 `json:"elapsed_ms"`
}

// Kinds of Failure.
const (
	FailDNS      = "dns"      // the name does not resolve
	FailRefused  = "refused"  // nothing listens on the port
	FailTimeout  = "timeout"  // no answer within Timeout (a firewall dropping packets, or a stalled server)
	FailNetwork  = "network"  // another network error (unreachable network, reset)
	FailClosed   = "closed"   // the server closed the connection
	FailProtocol = "protocol" // the server's reply is not what the protocol allows (or too long)
	FailTLS      = "tls"      // the TLS handshake failed
	FailHTTP     = "http"     // the HTTP exchange failed after TLS
)

// Failure says why an endpoint could not be checked completely.
type Failure struct {
	Kind string `json:"kind"`
	// Stage is where it failed: connect, greeting, ehlo, capability,
	// starttls, handshake, request.
	Stage   string `json:"stage"`
	Message string `json:"message"`
}

func (f *Failure) String() string { return f.Kind + " at " + f.Stage + ": " + f.Message }

// connected reports whether the failure happened after the TCP connection
// was up.
func (f *Failure) connected() bool { return f != nil && f.Stage != stageConnect }

// OptionsError reports Options that Run cannot use.
type OptionsError struct {
	Field string
	Err   error
}

func (e *OptionsError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *OptionsError) Unwrap() error { return e.Err }

// Run probes every endpoint concurrently and returns the report. Network
// failures are findings in the report, never errors: Run returns an
// *OptionsError only when o cannot be used (no host, an address that is not
// host:port).
func Run(ctx context.Context, o Options) (*Report, error) {
	r, err := newRunner(o)
	if err != nil {
		return nil, err
	}
	return r.run(ctx), nil
}

type runner struct {
	o       Options
	host    string
	names   []string
	domains []string
	now     time.Time
}

func newRunner(o Options) (*runner, error) {
	host := strings.TrimSuffix(strings.TrimSpace(o.Host), ".")
	if host == "" {
		return nil, &OptionsError{"host", errors.New("no host to probe")}
	}
	if strings.ContainsAny(host, "/:@ ") && !isIP(host) {
		return nil, &OptionsError{"host", fmt.Errorf("%q is not a host name or IP address (give the name alone, without a scheme or port; --addr sets ports)", o.Host)}
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	for s, a := range o.Addrs {
		if _, ok := serviceInfos[s]; !ok {
			_, err := ParseService(string(s))
			return nil, &OptionsError{"addr", err}
		}
		if err := checkAddr(a); err != nil {
			return nil, &OptionsError{"addr", fmt.Errorf("%s=%s: %w", s, a, err)}
		}
	}
	for h, a := range o.HostAddrs {
		if err := checkAddr(a); err != nil {
			return nil, &OptionsError{"addr", fmt.Errorf("%s=%s: %w", h, a, err)}
		}
	}
	if o.Timeout < 0 {
		return nil, &OptionsError{"timeout", errors.New("must be positive")}
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Dial == nil {
		d := &net.Dialer{}
		o.Dial = d.DialContext
	}
	r := &runner{o: o, host: host, now: o.Now()}
	r.names = []string{host}
	if o.Plan != nil {
		for _, n := range o.Plan.DNSNames() {
			// A wildcard is no name a client connects to; the names it
			// stands for are checked where they are listed.
			if !strings.HasPrefix(n, "*.") && n != host {
				r.names = append(r.names, n)
			}
		}
		r.domains = o.Plan.Domains
	} else if _, parent, ok := strings.Cut(host, "."); ok && !isIP(host) && strings.Contains(parent, ".") {
		r.domains = []string{parent}
	}
	return r, nil
}

func checkAddr(a string) error {
	h, p, err := net.SplitHostPort(a)
	if err != nil {
		return errors.New("want HOST:PORT")
	}
	if h == "" {
		return errors.New("no host before the port")
	}
	if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 1 to 65535", p)
	}
	return nil
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(strings.Trim(s, "[]"))
	return err == nil
}

// addr returns where a service is reached.
func (r *runner) addr(s Service) string {
	if a, ok := r.o.Addrs[s]; ok {
		return a
	}
	return net.JoinHostPort(r.host, strconv.Itoa(s.Port()))
}

// webAddr returns where HTTPS requests for host go.
func (r *runner) webAddr(host string) string {
	if a, ok := r.o.HostAddrs[host]; ok {
		return a
	}
	if host == r.host {
		return r.addr(HTTPS)
	}
	return net.JoinHostPort(host, "443")
}

func (r *runner) run(ctx context.Context) *Report {
	rep := &Report{
		Schema:         Schema,
		Host:           r.host,
		CheckedAt:      r.now.UTC(),
		TimeoutSeconds: r.o.Timeout.Seconds(),
		Names:          r.names,
		Endpoints:      []*Endpoint{},
		Web:            []*WebCheck{},
		Findings:       finding.Findings{},
	}
	for _, n := range r.names {
		rep.Endpoints = append(rep.Endpoints, &Endpoint{Service: HTTPS, Address: r.addr(HTTPS), Name: n})
	}
	for _, s := range Services[1:] {
		rep.Endpoints = append(rep.Endpoints, &Endpoint{Service: s, Address: r.addr(s), Name: r.host})
	}
	for _, d := range r.domains {
		for _, w := range []struct{ kind, host, path string }{
			{WebAutodiscover, "autodiscover." + d, "/Autodiscover/Autodiscover.xml"},
			{WebRootDomain, d, "/autodiscover/autodiscover.xml"},
		} {
			rep.Web = append(rep.Web, &WebCheck{Kind: w.kind, URL: "https://" + w.host + w.path, Address: r.webAddr(w.host), host: w.host})
		}
	}
	rep.Web = append(rep.Web, &WebCheck{Kind: WebEWS, URL: "https://" + hostForURL(r.host) + "/EWS/Exchange.asmx", Address: r.webAddr(r.host), host: r.host})

	sem := make(chan struct{}, MaxParallel)
	var wg sync.WaitGroup
	start := func(f func(ctx context.Context)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				f(ctx) // records the cancellation without waiting
				return
			}
			defer func() { <-sem }()
			ectx, cancel := context.WithTimeout(ctx, r.o.Timeout)
			defer cancel()
			f(ectx)
		}()
	}
	for _, e := range rep.Endpoints {
		start(func(ctx context.Context) { r.probeEndpoint(ctx, e) })
	}
	for _, w := range rep.Web {
		start(func(ctx context.Context) { r.probeWeb(ctx, w) })
	}
	wg.Wait()
	rep.Findings = r.findings(rep)
	return rep
}

func hostForURL(h string) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

// dial connects and ties the connection to ctx: its deadline becomes the
// connection's, and cancelling ctx closes it, so no read or write can
// outlive the endpoint's time limit.
func (r *runner) dial(ctx context.Context, addr string) (net.Conn, func(), error) {
	c, err := r.o.Dial(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	return c, func() { stop(); c.Close() }, nil
}

// classify turns an error into a Failure.
func classify(ctx context.Context, stage string, err error) *Failure {
	f := &Failure{Stage: stage, Message: describe(err)}
	var dnsErr *net.DNSError
	var ne net.Error
	var pe *protocolError
	switch {
	case errors.As(err, &dnsErr) && !dnsErr.IsTimeout:
		f.Kind = FailDNS
		f.Message = fmt.Sprintf("%s does not resolve", dnsErr.Name)
		if !dnsErr.IsNotFound {
			f.Message += ": " + dnsErr.Err
		}
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		f.Kind = FailTimeout
		f.Message = "no answer in time"
		if stage != stageConnect {
			f.Message = "the server stopped answering"
		}
	case isRefused(err):
		f.Kind = FailRefused
		f.Message = "connection refused: nothing listens on this port"
	case errors.Is(err, ErrLineTooLong), errors.Is(err, ErrTooManyLines), errors.Is(err, ErrResponseTooLarge), errors.As(err, &pe):
		f.Kind = FailProtocol
	case isClosed(err):
		f.Kind = FailClosed
		f.Message = "the server closed the connection"
	case stage == stageHandshake:
		f.Kind = FailTLS
	case stage == stageRequest:
		f.Kind = FailHTTP
	default:
		f.Kind = FailNetwork
	}
	return f
}

// describe shortens a Go network error to its cause.
func describe(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		err = oe.Err
	}
	return oneLine(strings.TrimPrefix(err.Error(), "tls: "))
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
