package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/internal/testpki"
	"github.com/exchcert/exchcert/plan"
	"github.com/exchcert/exchcert/probe/probetest"
)

// pki is a test CA with a leaf for the planned names.
type pki struct {
	root  *testpki.CA
	inter *testpki.CA
	leaf  *testpki.Cert
	roots *x509.CertPool
}

var planNames = []string{"mail.acme.com", "acme.com", "autodiscover.acme.com"}

func newPKI(t testing.TB) *pki {
	t.Helper()
	root, err := testpki.NewRoot("Probe Test Root")
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.Intermediate("Probe Test Intermediate")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := inter.Issue(testpki.Template{CommonName: planNames[0], DNSNames: planNames})
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(root.Cert.Cert)
	return &pki{root: root, inter: inter, leaf: leaf, roots: roots}
}

// chain returns a leaf with its intermediate, as a server should send it.
func (p *pki) chain(leaf *testpki.Cert) tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{leaf.Cert.Raw, p.inter.Cert.Cert.Raw}, PrivateKey: leaf.Key}
}

// leafOnly returns a leaf without its intermediate.
func leafOnly(leaf *testpki.Cert) tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{leaf.Cert.Raw}, PrivateKey: leaf.Key}
}

func (p *pki) issue(t testing.TB, tmpl testpki.Template) *testpki.Cert {
	t.Helper()
	c, err := p.inter.Issue(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testPlan(t testing.TB) *plan.Plan {
	t.Helper()
	p, err := plan.Build(plan.Input{FQDN: "mail.acme.com", Domains: []string{"acme.com"}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// loopbackOnly is the Dial hook of every test: it refuses (and fails the
// test for) anything but an IP literal on 127.0.0.1, so no test ever
// resolves a name or leaves the machine.
func loopbackOnly(t testing.TB) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil || host != "127.0.0.1" {
			t.Errorf("probe dialled %s; tests may only reach 127.0.0.1", addr)
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

// site is a full set of fake servers for every service.
type site struct {
	servers map[Service]*probetest.Server
	web     *probetest.Server
}

func (s *site) options(t testing.TB, p *pki) Options {
	addrs := map[Service]string{}
	for svc, srv := range s.servers {
		addrs[svc] = srv.Addr
	}
	return Options{
		Host:      "mail.acme.com",
		Plan:      testPlan(t),
		Addrs:     addrs,
		HostAddrs: map[string]string{"autodiscover.acme.com": s.web.Addr, "acme.com": s.web.Addr},
		Roots:     p.roots,
		Timeout:   5 * time.Second,
		Dial:      loopbackOnly(t),
	}
}

var protocolOf = map[Service]probetest.Protocol{
	HTTPS: probetest.HTTPS, SMTP: probetest.SMTP, Submission: probetest.SMTP,
	IMAP: probetest.IMAP, IMAPS: probetest.IMAPS, POP3: probetest.POP3, POP3S: probetest.POP3S,
}

// startSite starts a well-behaved server for every service; change, when
// set, may adjust each server's options first.
func startSite(t testing.TB, p *pki, change func(Service, *probetest.Options)) *site {
	t.Helper()
	s := &site{servers: map[Service]*probetest.Server{}}
	for _, svc := range Services {
		o := probetest.Options{Protocol: protocolOf[svc], Cert: p.chain(p.leaf)}
		if change != nil {
			change(svc, &o)
		}
		srv, err := probetest.Start(o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Close)
		s.servers[svc] = srv
	}
	s.web = s.servers[HTTPS]
	return s
}

func codes(fs finding.Findings, min finding.Severity) []string {
	var out []string
	for _, f := range fs {
		if f.Severity >= min {
			out = append(out, f.Severity.String()+" "+f.Code+" "+f.Subject)
		}
	}
	return out
}

func findCode(fs finding.Findings, code string) []finding.Finding {
	var out []finding.Finding
	for _, f := range fs {
		if f.Code == code {
			out = append(out, f)
		}
	}
	return out
}

func TestRunCorrectSetup(t *testing.T) {
	p := newPKI(t)
	s := startSite(t, p, nil)
	rep, err := Run(context.Background(), s.options(t, p))
	if err != nil {
		t.Fatal(err)
	}
	if got := codes(rep.Findings, finding.Warning); len(got) > 0 {
		t.Fatalf("a correct setup has findings:\n%s", strings.Join(got, "\n"))
	}
	want := inspect.Thumbprint(p.leaf.Cert)
	if len(rep.Endpoints) != len(planNames)+len(Services)-1 {
		t.Fatalf("%d endpoints, want %d", len(rep.Endpoints), len(planNames)+len(Services)-1)
	}
	for _, e := range rep.Endpoints {
		if !e.Reachable || e.Failure != nil || e.TLS == nil {
			t.Fatalf("%s: reachable %v, failure %v", e.label(), e.Reachable, e.Failure)
		}
		if e.Service.StartTLS() != (e.StartTLS != nil && *e.StartTLS) {
			t.Errorf("%s: starttls %v", e.label(), e.StartTLS)
		}
		tl := e.TLS
		if tl.Thumbprint != want || !tl.Complete || !tl.Trusted || !tl.InDate || !tl.CoversName || len(tl.Chain) != 2 {
			t.Errorf("%s: %+v", e.label(), tl)
		}
		if e.Banner == "" && e.Service != HTTPS {
			t.Errorf("%s: no banner", e.label())
		}
	}
	if len(rep.Web) != 3 {
		t.Fatalf("%d web checks, want 3", len(rep.Web))
	}
	for _, w := range rep.Web {
		if w.Status != 401 || strings.Join(w.AuthOffered, ",") != "Negotiate,NTLM,Basic" {
			t.Errorf("%s: status %d, auth %v, failure %v", w.URL, w.Status, w.AuthOffered, w.Failure)
		}
	}
	// The report is the JSON document.
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"schema":"exchcert.probe/v1"`, `"chain_complete":true`, `"starttls":true`, `"auth_offered":["Negotiate","NTLM","Basic"]`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("JSON lacks %s", k)
		}
	}
}

func TestRunFindings(t *testing.T) {
	p := newPKI(t)
	noAutodiscover := p.issue(t, testpki.Template{CommonName: "mail.acme.com", DNSNames: []string{"mail.acme.com", "acme.com"}})
	expired := p.issue(t, testpki.Template{CommonName: "mail.acme.com", DNSNames: planNames,
		NotBefore: time.Now().Add(-400 * 24 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)})
	older := p.issue(t, testpki.Template{CommonName: "mail.acme.com", DNSNames: planNames, NotBefore: time.Now().Add(-30 * 24 * time.Hour)})
	otherRoot, _ := testpki.NewRoot("Someone Else's Root")
	otherInter, _ := otherRoot.Intermediate("Someone Else's Intermediate")
	foreign, _ := otherInter.Issue(testpki.Template{CommonName: "mail.acme.com", DNSNames: planNames})

	tests := []struct {
		name    string
		change  func(Service, *probetest.Options)
		code    string
		sev     finding.Severity
		subject string // a part of the finding's subject
	}{
		{"smtp without STARTTLS", on(SMTP, func(o *probetest.Options) { o.NoStartTLS = true }), CodeStartTLSMissing, finding.Error, "smtp "},
		{"submission without STARTTLS", on(Submission, func(o *probetest.Options) { o.NoStartTLS = true }), CodeStartTLSMissing, finding.Error, "submission "},
		{"imap without STARTTLS", on(IMAP, func(o *probetest.Options) { o.NoStartTLS = true }), CodeStartTLSMissing, finding.Error, "imap "},
		{"pop3 without STLS", on(POP3, func(o *probetest.Options) { o.NoStartTLS = true }), CodeStartTLSMissing, finding.Error, "pop3 "},
		{"https missing a planned name", on(HTTPS, func(o *probetest.Options) { o.Cert = p.chain(noAutodiscover) }), CodeNameNotCovered, finding.Error, "as autodiscover.acme.com"},
		{"imaps without its intermediate", on(IMAPS, func(o *probetest.Options) { o.Cert = leafOnly(p.leaf) }), CodeIntermediateMissing, finding.Error, "imaps "},
		{"smtp with a foreign chain", on(SMTP, func(o *probetest.Options) {
			o.Cert = tls.Certificate{Certificate: [][]byte{foreign.Cert.Raw, otherInter.Cert.Cert.Raw}, PrivateKey: foreign.Key}
		}), CodeUntrusted, finding.Error, "smtp "},
		{"pop3s expired", on(POP3S, func(o *probetest.Options) { o.Cert = p.chain(expired) }), CodeCertExpired, finding.Error, "pop3s "},
		{"pop3 still on the old certificate", on(POP3, func(o *probetest.Options) { o.Cert = p.chain(older) }), CodeOldCertificate, finding.Warning, "pop3 "},
		{"imaps on TLS 1.0", on(IMAPS, func(o *probetest.Options) { o.MaxVersion = tls.VersionTLS10 }), CodeTLSOldVersion, finding.Warning, "imaps "},
		{"autodiscover with Basic only", on(HTTPS, func(o *probetest.Options) { o.Auth = []string{`Basic realm="x"`} }), CodeWindowsAuthMissing, finding.Error, "https://autodiscover.acme.com/Autodiscover/Autodiscover.xml"},
		{"ews with Basic only", on(HTTPS, func(o *probetest.Options) { o.Auth = []string{`Basic realm="x"`} }), CodeWindowsAuthMissing, finding.Error, "/EWS/Exchange.asmx"},
		{"autodiscover without Basic", on(HTTPS, func(o *probetest.Options) { o.Auth = []string{"Negotiate", "NTLM"} }), CodeBasicAuthMissing, finding.Warning, "https://autodiscover.acme.com/"},
		{"ews answering 404", on(HTTPS, func(o *probetest.Options) { o.Status = 404 }), CodeUnexpectedStatus, finding.Error, "/EWS/Exchange.asmx"},
		{"garbage smtp banner", on(SMTP, func(o *probetest.Options) { o.Greeting = "SSH-2.0-OpenSSH_9.2\r\n" }), CodeProtocolError, finding.Error, "smtp "},
		{"imap greeting without line end", on(IMAP, func(o *probetest.Options) { o.Greeting = strings.Repeat("A", 2*MaxLine) }), CodeProtocolError, finding.Error, "imap "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSite(t, p, tt.change)
			rep, err := Run(context.Background(), s.options(t, p))
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range findCode(rep.Findings, tt.code) {
				if strings.Contains(f.Subject, tt.subject) && f.Severity == tt.sev {
					found = true
					if f.Message == "" || f.Fix == "" {
						t.Errorf("%s has no message or fix: %+v", f.Code, f)
					}
				}
			}
			if !found {
				t.Fatalf("no %s %s finding about %q; got:\n%s", tt.sev, tt.code, tt.subject, strings.Join(codes(rep.Findings, finding.Info), "\n"))
			}
		})
	}
}

func on(svc Service, f func(*probetest.Options)) func(Service, *probetest.Options) {
	return func(s Service, o *probetest.Options) {
		if s == svc {
			f(o)
		}
	}
}

func TestWindowsAuthFixNamesTheCmdlet(t *testing.T) {
	p := newPKI(t)
	s := startSite(t, p, on(HTTPS, func(o *probetest.Options) { o.Auth = []string{`Basic realm="x"`} }))
	rep, err := Run(context.Background(), s.options(t, p))
	if err != nil {
		t.Fatal(err)
	}
	var fixes []string
	for _, f := range findCode(rep.Findings, CodeWindowsAuthMissing) {
		fixes = append(fixes, f.Fix)
	}
	all := strings.Join(fixes, "\n")
	for _, want := range []string{
		`Set-AutodiscoverVirtualDirectory -Identity 'MAIL\Autodiscover (Default Web Site)' -WindowsAuthentication $true -BasicAuthentication $true`,
		`Set-WebServicesVirtualDirectory -Identity 'MAIL\EWS (Default Web Site)' -WindowsAuthentication $true -BasicAuthentication $true`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("fixes lack %s:\n%s", want, all)
		}
	}
}

func TestUnreachable(t *testing.T) {
	p := newPKI(t)
	s := startSite(t, p, nil)
	o := s.options(t, p)
	// A port nobody listens on: refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	o.Addrs[IMAP] = closed
	o.Addrs[HTTPS] = closed
	// A name that does not resolve (the hook answers as a resolver would).
	dial := o.Dial
	o.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if strings.HasPrefix(addr, "nowhere.acme.com:") {
			return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "nowhere.acme.com", IsNotFound: true}}
		}
		return dial(ctx, network, addr)
	}
	o.Addrs[POP3] = "nowhere.acme.com:110"
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[Service]string{}
	for _, e := range rep.Endpoints {
		if e.Failure != nil {
			kinds[e.Service] = e.Failure.Kind
		}
	}
	if kinds[IMAP] != FailRefused || kinds[HTTPS] != FailRefused || kinds[POP3] != FailDNS {
		t.Fatalf("failure kinds %v", kinds)
	}
	sev := map[string]finding.Severity{}
	for _, f := range findCode(rep.Findings, CodeUnreachable) {
		sev[f.Subject] = f.Severity
	}
	// HTTPS is reported once for all its names, as an error; IMAP and POP3
	// being off is normal.
	if len(sev) != 3 || sev["https "+closed] != finding.Error || sev["imap "+closed] != finding.Info || sev["pop3 nowhere.acme.com:110"] != finding.Info {
		t.Fatalf("unreachable findings %v", sev)
	}
	if !rep.Findings.HasErrors() {
		t.Fatal("HTTPS unreachable must be an error")
	}
}

// rawServer serves each connection on 127.0.0.1 with handle.
func rawServer(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(30 * time.Second))
				handle(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// probeOne runs the probe with one service pointed at addr and every other
// service at a refused port.
func probeOne(t *testing.T, svc Service, addr string, timeout time.Duration) *Endpoint {
	t.Helper()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()
	addrs := map[Service]string{}
	for _, s := range Services {
		addrs[s] = closed
	}
	addrs[svc] = addr
	rep, err := Run(context.Background(), Options{Host: "127.0.0.1", Addrs: addrs, Timeout: timeout, Dial: loopbackOnly(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Endpoints {
		if e.Service == svc {
			return e
		}
	}
	t.Fatalf("no %s endpoint", svc)
	return nil
}

func TestHostileServers(t *testing.T) {
	p := newPKI(t)
	cert := p.chain(p.leaf)
	tests := []struct {
		name   string
		svc    Service
		handle func(net.Conn)
		kind   string
		stage  string
		msg    string
	}{
		{"smtp huge line", SMTP, func(c net.Conn) {
			io.WriteString(c, "220-"+strings.Repeat("x", 10*MaxLine))
			io.Copy(io.Discard, c)
		}, FailProtocol, stageGreeting, "line longer than the limit"},
		{"smtp endless EHLO", SMTP, func(c net.Conn) {
			io.WriteString(c, "220 hi\r\n")
			for i := 0; i < 10*MaxLines; i++ {
				if _, err := io.WriteString(c, "250-X\r\n"); err != nil {
					return
				}
			}
			// Stay open: closing here could reset the connection before
			// the client reads the flood, which would test something else.
			io.Copy(io.Discard, c)
		}, FailProtocol, stageEHLO, "more lines than the limit"},
		{"smtp code changes", SMTP, func(c net.Conn) {
			io.WriteString(c, "220-hi\r\n250 there\r\n")
			io.Copy(io.Discard, c)
		}, FailProtocol, stageGreeting, "reply code changes"},
		{"smtp refuses service", SMTP, func(c net.Conn) {
			io.WriteString(c, "554 5.7.1 go away\r\n")
			io.Copy(io.Discard, c)
		}, FailProtocol, stageGreeting, "refuses service"},
		{"smtp closes after greeting", SMTP, func(c net.Conn) {
			io.WriteString(c, "220 hi\r\n")
		}, FailClosed, stageEHLO, "closed"},
		{"smtp stalls mid-line", SMTP, func(c net.Conn) {
			io.WriteString(c, "220 hel")
			io.Copy(io.Discard, c)
		}, FailTimeout, stageGreeting, "stopped answering"},
		{"smtp injects after STARTTLS", SMTP, func(c net.Conn) {
			io.WriteString(c, "220 hi\r\n")
			buf := make([]byte, 512)
			c.Read(buf) // EHLO
			io.WriteString(c, "250-hi\r\n250 STARTTLS\r\n")
			c.Read(buf) // STARTTLS
			io.WriteString(c, "220 go ahead\r\n250 injected\r\n")
			io.Copy(io.Discard, c)
		}, FailProtocol, stageStartTLS, "after agreeing to STARTTLS"},
		{"smtp stalls in the handshake", SMTP, func(c net.Conn) {
			io.WriteString(c, "220 hi\r\n")
			buf := make([]byte, 512)
			c.Read(buf)
			io.WriteString(c, "250-hi\r\n250 STARTTLS\r\n")
			c.Read(buf)
			io.WriteString(c, "220 go ahead\r\n")
			io.Copy(io.Discard, c)
		}, FailTimeout, stageHandshake, ""},
		{"imap garbage", IMAP, func(c net.Conn) {
			io.WriteString(c, "\x00\x01\x02garbage\r\n")
			io.Copy(io.Discard, c)
		}, FailProtocol, stageGreeting, "not an IMAP greeting"},
		{"imap BYE", IMAP, func(c net.Conn) {
			io.WriteString(c, "* BYE too many connections\r\n")
		}, FailProtocol, stageGreeting, "refuses service"},
		{"imap endless untagged", IMAP, func(c net.Conn) {
			io.WriteString(c, "* OK hi\r\n")
			for i := 0; i < 10*MaxLines; i++ {
				if _, err := io.WriteString(c, "* CAPABILITY IMAP4rev1\r\n"); err != nil {
					return
				}
			}
			// Stay open: closing here could reset the connection before
			// the client reads the flood, which would test something else.
			io.Copy(io.Discard, c)
		}, FailProtocol, stageCapability, "more lines"},
		{"pop3 garbage", POP3, func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 400 Bad Request\r\n")
			io.Copy(io.Discard, c)
		}, FailProtocol, stageGreeting, "not a POP3 reply"},
		{"pop3 endless CAPA", POP3, func(c net.Conn) {
			io.WriteString(c, "+OK hi\r\n")
			buf := make([]byte, 512)
			c.Read(buf)
			io.WriteString(c, "+OK\r\n")
			for i := 0; i < 10*MaxLines; i++ {
				if _, err := io.WriteString(c, "USER\r\n"); err != nil {
					return
				}
			}
			// Stay open: closing here could reset the connection before
			// the client reads the flood, which would test something else.
			io.Copy(io.Discard, c)
		}, FailProtocol, stageCapability, "more lines"},
		{"imaps speaks plain text", IMAPS, func(c net.Conn) {
			io.WriteString(c, "* OK plain text on the TLS port\r\n")
			io.Copy(io.Discard, c)
		}, FailTLS, stageHandshake, ""},
		{"imaps greets with garbage after TLS", IMAPS, func(c net.Conn) {
			tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
			if tc.Handshake() != nil {
				return
			}
			io.WriteString(tc, "220 this is SMTP\r\n")
			io.Copy(io.Discard, tc)
		}, FailProtocol, stageGreeting, "not an IMAP greeting"},
		{"https header flood", HTTPS, nil, "", "", ""}, // see TestWebLimits
	}
	for _, tt := range tests {
		if tt.handle == nil {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			e := probeOne(t, tt.svc, rawServer(t, tt.handle), time.Second)
			f := e.Failure
			if f == nil || f.Kind != tt.kind || f.Stage != tt.stage || !strings.Contains(f.Message, tt.msg) {
				t.Fatalf("failure %+v, want %s at %s containing %q", f, tt.kind, tt.stage, tt.msg)
			}
			if !e.Reachable {
				t.Error("a server that accepted the connection is reachable")
			}
		})
	}
}

func TestWebLimits(t *testing.T) {
	p := newPKI(t)
	cert := p.chain(p.leaf)
	serve := func(write func(io.Writer)) func(net.Conn) {
		return func(c net.Conn) {
			tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
			if tc.Handshake() != nil {
				return
			}
			buf := make([]byte, 4096)
			tc.Read(buf)
			write(tc)
			io.Copy(io.Discard, tc)
		}
	}
	tests := []struct {
		name  string
		write func(io.Writer)
		kind  string
		msg   string
	}{
		{"endless header", func(w io.Writer) {
			io.WriteString(w, "HTTP/1.1 401 Unauthorized\r\n")
			for i := 0; i < 100000; i++ {
				if _, err := io.WriteString(w, "WWW-Authenticate: NTLM\r\n"); err != nil {
					return
				}
			}
		}, FailProtocol, "larger than the limit"},
		{"not HTTP", func(w io.Writer) { io.WriteString(w, "220 SMTP here\r\n") }, FailHTTP, "malformed HTTP"},
		{"stall after request", func(w io.Writer) {}, FailTimeout, "stopped answering"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := rawServer(t, serve(tt.write))
			rep, err := Run(context.Background(), Options{Host: "127.0.0.1", Addrs: map[Service]string{HTTPS: addr},
				Timeout: time.Second, Roots: p.roots, Dial: func(ctx context.Context, network, a string) (net.Conn, error) {
					if a != addr {
						return nil, errors.New("refused by test")
					}
					return loopbackOnly(t)(ctx, network, a)
				}})
			if err != nil {
				t.Fatal(err)
			}
			w := rep.Web[len(rep.Web)-1]
			if w.Kind != WebEWS || w.Failure == nil || w.Failure.Kind != tt.kind || !strings.Contains(w.Failure.Message, tt.msg) {
				t.Fatalf("%s: failure %+v, want %s with %q", w.URL, w.Failure, tt.kind, tt.msg)
			}
		})
	}
}

// TestConcurrent checks that endpoints run side by side: with every
// server stalling, the whole probe ends after about one timeout, not one
// per endpoint. The bound is loose on purpose (two timeouts against the
// thirteen a sequential probe would take): it checks the structure, not
// the speed of the machine.
func TestConcurrent(t *testing.T) {
	p := newPKI(t)
	s := startSite(t, p, func(_ Service, o *probetest.Options) { o.Stall = true })
	o := s.options(t, p)
	o.Timeout = 2 * time.Second
	start := time.Now()
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	total := time.Since(start)
	n := len(rep.Endpoints) + len(rep.Web)
	if total >= 2*o.Timeout {
		t.Fatalf("%d stalled endpoints took %v with a %v timeout: not concurrent", n, total, o.Timeout)
	}
	for _, e := range rep.Endpoints {
		if e.Failure == nil || e.Failure.Kind != FailTimeout {
			t.Errorf("%s: failure %+v, want timeout", e.label(), e.Failure)
		}
	}
	if got := findCode(rep.Findings, CodeStalled); len(got) < len(Services) {
		t.Errorf("%d stalled findings, want at least %d", len(got), len(Services))
	}
}

func TestCancel(t *testing.T) {
	p := newPKI(t)
	s := startSite(t, p, func(_ Service, o *probetest.Options) { o.Stall = true })
	o := s.options(t, p)
	o.Timeout = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	rep, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Endpoints {
		if e.Failure == nil {
			t.Errorf("%s: no failure after cancel", e.label())
		}
	}
}

func TestOptionsErrors(t *testing.T) {
	for _, o := range []Options{
		{},
		{Host: "https://mail.acme.com/"},
		{Host: "mail.acme.com", Addrs: map[Service]string{"smtps": "127.0.0.1:465"}},
		{Host: "mail.acme.com", Addrs: map[Service]string{SMTP: "127.0.0.1"}},
		{Host: "mail.acme.com", Addrs: map[Service]string{SMTP: "127.0.0.1:99999"}},
		{Host: "mail.acme.com", HostAddrs: map[string]string{"acme.com": ":443"}},
		{Host: "mail.acme.com", Timeout: -time.Second},
	} {
		_, err := Run(context.Background(), o)
		var oe *OptionsError
		if !errors.As(err, &oe) {
			t.Errorf("%+v: error %v, want *OptionsError", o, err)
		}
	}
}

func TestNoPlan(t *testing.T) {
	r, err := newRunner(Options{Host: "Mail.Acme.com."})
	if err != nil {
		t.Fatal(err)
	}
	if r.host != "mail.acme.com" || fmt.Sprint(r.names) != "[mail.acme.com]" || fmt.Sprint(r.domains) != "[acme.com]" {
		t.Fatalf("host %s names %v domains %v", r.host, r.names, r.domains)
	}
	if r.addr(SMTP) != "mail.acme.com:25" || r.webAddr("autodiscover.acme.com") != "autodiscover.acme.com:443" {
		t.Fatal("default addresses")
	}
	r, _ = newRunner(Options{Host: "192.0.2.10"})
	if len(r.domains) != 0 {
		t.Fatalf("an IP host has no Autodiscover domain, got %v", r.domains)
	}
	r, _ = newRunner(Options{Host: "acme.com", Plan: testPlan(t), Addrs: map[Service]string{HTTPS: "10.0.0.5:8443"}})
	if r.webAddr("acme.com") != "10.0.0.5:8443" {
		t.Fatal("the host's own URLs follow --addr https")
	}
}

func TestMaskedSTARTTLS(t *testing.T) {
	// Cisco ASA "inspect esmtp" overwrites STARTTLS in the EHLO reply.
	addr := rawServer(t, func(c net.Conn) {
		io.WriteString(c, "220 ****************************\r\n")
		buf := make([]byte, 512)
		c.Read(buf)
		io.WriteString(c, "250-mail.acme.com\r\n250-XXXXXXXA\r\n250 8BITMIME\r\n")
		io.Copy(io.Discard, c)
	})
	p := newPKI(t)
	s := startSite(t, p, nil)
	o := s.options(t, p)
	o.Addrs[SMTP] = addr
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	fs := findCode(rep.Findings, CodeStartTLSMissing)
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "Cisco ASA") || fs[0].Severity != finding.Error {
		t.Fatalf("findings %+v", rep.Findings)
	}
}

func TestAutodiscoverReachability(t *testing.T) {
	p := newPKI(t)
	s := startSite(t, p, nil)
	o := s.options(t, p)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()
	stall, err := probetest.Start(probetest.Options{Protocol: probetest.HTTPS, Stall: true})
	if err != nil {
		t.Fatal(err)
	}
	defer stall.Close()
	o.HostAddrs = map[string]string{"autodiscover.acme.com": closed, "acme.com": stall.Addr}
	o.Timeout = time.Second
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	got := codes(rep.Findings, finding.Info)
	want := []string{
		"warning " + CodeAutodiscoverMissing + " https://autodiscover.acme.com/Autodiscover/Autodiscover.xml",
		"info " + CodeRootDomainSlow + " https://acme.com/autodiscover/autodiscover.xml",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestHostNotPlanned(t *testing.T) {
	p := newPKI(t)
	s := startSite(t, p, nil)
	o := s.options(t, p)
	o.Host = "exch2.acme.com" // the server's own name, left off a namespace plan
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	fs := findCode(rep.Findings, CodeHostNotPlanned)
	if len(fs) != 1 || !strings.Contains(fs[0].Fix, "exchcert probe mail.acme.com") {
		t.Fatalf("findings %+v", rep.Findings)
	}
	o.Host = "mail.acme.com"
	if rep, _ = Run(context.Background(), o); len(findCode(rep.Findings, CodeHostNotPlanned)) != 0 {
		t.Fatal("a planned host is no finding")
	}
}
