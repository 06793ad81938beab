// Package acmetest runs Let's Encrypt's test CA, Pebble, inside a test:
// its web front end on an HTTPS port of 127.0.0.1, its validation
// authority resolving every name through a small DNS server on 127.0.0.1,
// and an endpoint in lego's "httpreq" DNS provider protocol that writes the
// DNS-01 TXT records into that DNS server. Validation is real: Pebble looks
// the TXT records up and fetches HTTP-01 tokens from 127.0.0.1. Nothing
// listens on, or is sent to, any other address.
//
// It is for tests only.
package acmetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/letsencrypt/pebble/v2/ca"
	"github.com/letsencrypt/pebble/v2/core"
	"github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
	"github.com/miekg/dns"
)

// Options configure the test CA.
type Options struct {
	// HTTPPort is where Pebble fetches HTTP-01 tokens (on 127.0.0.1, as
	// every name resolves there). 0 picks a free port.
	HTTPPort int
	// Validity of issued certificates; 90 days when zero.
	Validity time.Duration
	// AlwaysValid turns Pebble's validation off (PEBBLE_VA_ALWAYS_VALID).
	AlwaysValid bool
	// Log receives Pebble's log; discarded when nil.
	Log io.Writer
}

// CA is a running Pebble.
type CA struct {
	URL      string         // the ACME directory URL
	TLSRoots *x509.CertPool // trusts the directory's HTTPS certificate
	TLSPEM   []byte         // that certificate, PEM, for --server-root
	HTTPPort int            // the HTTP-01 port Pebble connects to on 127.0.0.1
	DNS      *DNS           // the DNS server Pebble resolves through
	HTTPReq  string         // URL of the lego "httpreq" endpoint that writes TXT records

	ca    *ca.CAImpl
	store *db.MemoryStore
	mu    sync.Mutex
	fail  map[string]int // path prefix -> HTTP status for the next request
	hits  map[string]int
}

// TB is the part of testing.TB that Start uses, so that testscript
// commands can start a CA too.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

var _ TB = testing.TB(nil)

// envMu serialises the construction of Pebbles: Pebble reads its switches
// from the process environment when its parts are made.
var envMu sync.Mutex

// Start runs Pebble until the test ends. Pebble's switches are set for
// tests (no random sleeps, no rejected nonces, no authorization reuse);
// several CAs may run at once.
func Start(t TB, o Options) *CA {
	t.Helper()
	if o.Validity == 0 {
		o.Validity = 90 * 24 * time.Hour
	}
	if o.HTTPPort == 0 {
		o.HTTPPort = FreePort(t)
	}
	w := o.Log
	if w == nil {
		w = io.Discard
	}
	logger := log.New(w, "pebble ", log.LstdFlags)

	d := StartDNS(t)
	store := db.NewMemoryStore()
	// One profile: Pebble picks a random one for orders that name none.
	profiles := map[string]ca.Profile{
		"default": {Description: "test profile", PromoteCommonName: true, ValidityPeriod: uint64(o.Validity / time.Second)},
	}
	alwaysValid := "0"
	if o.AlwaysValid {
		alwaysValid = "1"
	}
	envMu.Lock()
	for k, v := range map[string]string{
		"PEBBLE_VA_NOSLEEP":      "1",
		"PEBBLE_WFE_NONCEREJECT": "0",
		"PEBBLE_AUTHZREUSE":      "0",
		"PEBBLE_VA_ALWAYS_VALID": alwaysValid,
	} {
		os.Setenv(k, v)
	}
	authority := ca.New(logger, store, "", "ecdsa", 0, 1, profiles)
	validator := va.New(logger, o.HTTPPort, FreePort(t), false, d.Addr, store)
	front := wfe.New(logger, store, validator, authority, []string{"pebble.letsencrypt.org"}, false, false, 1, 1)
	os.Setenv("PEBBLE_VA_ALWAYS_VALID", "0")
	envMu.Unlock()

	c := &CA{HTTPPort: o.HTTPPort, DNS: d, ca: authority, store: store, fail: map[string]int{}, hits: map[string]int{}}
	handler := front.Handler()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if status := c.injected(r.URL.Path); status != 0 {
			rw.Header().Set("Content-Type", "application/problem+json")
			rw.WriteHeader(status)
			_ = json.NewEncoder(rw).Encode(map[string]any{
				"type":   "urn:ietf:params:acme:error:serverInternal",
				"detail": "the test CA failed this request on purpose",
				"status": status,
			})
			return
		}
		if strings.HasPrefix(r.URL.Path, PathChallenge) {
			// Pebble sends no Retry-After with a challenge, and lego then
			// waits 5 s before polling; the VA here answers in
			// milliseconds.
			rw.Header().Set("Retry-After", "1")
		}
		handler.ServeHTTP(rw, r)
	}))
	srv.Listener.Close()
	srv.Listener = listenLoopback(t)
	cert, certPEM := selfSigned(t)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c.URL = srv.URL + wfe.DirectoryPath
	c.TLSPEM = certPEM
	c.TLSRoots = x509.NewCertPool()
	c.TLSRoots.AppendCertsFromPEM(certPEM)

	req := httptest.NewUnstartedServer(http.HandlerFunc(d.serveHTTPReq))
	req.Listener.Close()
	req.Listener = listenLoopback(t)
	req.Start()
	t.Cleanup(req.Close)
	c.HTTPReq = req.URL
	return c
}

// Roots returns a pool with Pebble's issuing root, which the issued
// certificates chain to.
func (c *CA) Roots() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.Root())
	return p
}

// Root returns Pebble's issuing root certificate.
func (c *CA) Root() *x509.Certificate { return c.ca.GetRootCert(0).Cert }

// RootPEM returns Pebble's issuing root as PEM.
func (c *CA) RootPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Root().Raw})
}

// Revoke marks an issued certificate revoked, as the CA does after a key
// compromise or a mis-issuance; Pebble's renewal information (RFC 9773)
// then says to renew at once. It reports whether Pebble issued cert.
func (c *CA) Revoke(cert *x509.Certificate) bool {
	issued := c.store.GetCertificateBySerial(cert.SerialNumber)
	if issued == nil {
		return false
	}
	c.store.RevokeCertificate(&core.RevokedCertificate{Certificate: issued, RevokedAt: time.Now()})
	return true
}

// SetRenewalWindow makes Pebble's renewal information for cert suggest
// the window start to end (RFC 9773 §4.2), as a CA does to spread
// renewals or move them earlier. It reports whether Pebble issued cert.
func (c *CA) SetRenewalWindow(cert *x509.Certificate, start, end time.Time) bool {
	doc, _ := json.Marshal(map[string]any{"suggestedWindow": map[string]time.Time{"start": start.UTC(), "end": end.UTC()}})
	return c.store.SetARIResponse(cert.SerialNumber, string(doc)) == nil
}

// FailNext makes the next request whose path starts with prefix (for
// example "/finalize-order/") fail with status and an ACME serverInternal
// problem, as a CA outage mid-order would.
func (c *CA) FailNext(prefix string, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fail[prefix] = status
}

// Hits returns how many requests reached paths starting with prefix.
func (c *CA) Hits(prefix string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits[prefix]
}

// Paths of Pebble's endpoints, for FailNext and Hits.
const (
	PathNewAccount = "/sign-me-up"
	PathNewOrder   = "/order-plz"
	PathFinalize   = "/finalize-order/"
	PathChallenge  = "/chalZ/"
	PathRenewal    = "/draft-ietf-acme-ari-03/renewalInfo/"
)

func (c *CA) injected(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range []string{PathNewAccount, PathNewOrder, PathFinalize, PathChallenge, PathRenewal} {
		if strings.HasPrefix(path, p) {
			c.hits[p]++
		}
	}
	for prefix, status := range c.fail {
		if strings.HasPrefix(path, prefix) {
			delete(c.fail, prefix)
			return status
		}
	}
	return 0
}

// DNS is an authoritative-for-everything DNS server on 127.0.0.1 (UDP and
// TCP on one port): A queries get 127.0.0.1, AAAA none, TXT the records
// set with SetTXT.
type DNS struct {
	Addr string // host:port

	mu  sync.Mutex
	txt map[string][]string
}

// StartDNS runs a DNS server until the test ends.
func StartDNS(t TB) *DNS {
	t.Helper()
	d := &DNS{txt: map[string][]string{}}
	var (
		pc  net.PacketConn
		ln  net.Listener
		err error
	)
	// UDP and TCP must share the port; retry if another process holds
	// the TCP side of the port UDP got.
	for range 20 {
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("acmetest: DNS: %v", err)
		}
		ln, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
	}
	if err != nil {
		t.Fatalf("acmetest: DNS: no port free for both UDP and TCP: %v", err)
	}
	d.Addr = pc.LocalAddr().String()
	mux := dns.NewServeMux()
	mux.HandleFunc(".", d.serveDNS)
	udp := &dns.Server{PacketConn: pc, Handler: mux}
	tcp := &dns.Server{Listener: ln, Handler: mux}
	go func() { _ = udp.ActivateAndServe() }()
	go func() { _ = tcp.ActivateAndServe() }()
	t.Cleanup(func() {
		_ = udp.Shutdown()
		_ = tcp.Shutdown()
	})
	return d
}

// SetTXT adds value to the TXT records of name.
func (d *DNS) SetTXT(name, value string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := dns.CanonicalName(name)
	d.txt[k] = append(d.txt[k], value)
}

// DeleteTXT removes value from the TXT records of name.
func (d *DNS) DeleteTXT(name, value string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := dns.CanonicalName(name)
	var keep []string
	for _, v := range d.txt[k] {
		if v != value {
			keep = append(keep, v)
		}
	}
	d.txt[k] = keep
}

// TXT returns the TXT records of name.
func (d *DNS) TXT(name string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.txt[dns.CanonicalName(name)]...)
}

func (d *DNS) serveDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	for _, q := range r.Question {
		hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Ttl: 0}
		switch q.Qtype {
		case dns.TypeA:
			hdr.Rrtype = dns.TypeA
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: net.IPv4(127, 0, 0, 1)})
		case dns.TypeTXT:
			hdr.Rrtype = dns.TypeTXT
			for _, v := range d.TXT(q.Name) {
				m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr, Txt: []string{v}})
			}
		}
	}
	_ = w.WriteMsg(m)
}

// serveHTTPReq speaks lego's httpreq protocol (POST /present and /cleanup
// with {"fqdn": ..., "value": ...}).
func (d *DNS) serveHTTPReq(w http.ResponseWriter, r *http.Request) {
	var msg struct {
		FQDN  string `json:"fqdn"`
		Value string `json:"value"`
	}
	if r.Method != http.MethodPost || json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&msg) != nil || msg.FQDN == "" {
		http.Error(w, "want POST {fqdn, value}", http.StatusBadRequest)
		return
	}
	switch r.URL.Path {
	case "/present":
		d.SetTXT(msg.FQDN, msg.Value)
	case "/cleanup":
		d.DeleteTXT(msg.FQDN, msg.Value)
	default:
		http.NotFound(w, r)
	}
}

// Provider is a lego DNS-01 provider that writes straight into a DNS.
type Provider struct{ DNS *DNS }

// Present publishes the TXT record for domain.
func (p Provider) Present(domain, _, keyAuth string) error {
	p.DNS.SetTXT("_acme-challenge."+domain, TXTValue(keyAuth))
	return nil
}

// CleanUp removes it.
func (p Provider) CleanUp(domain, _, keyAuth string) error {
	p.DNS.DeleteTXT("_acme-challenge."+domain, TXTValue(keyAuth))
	return nil
}

// Timeout keeps lego's propagation polling short on loopback.
func (p Provider) Timeout() (timeout, interval time.Duration) {
	return 10 * time.Second, 50 * time.Millisecond
}

// TXTValue is the DNS-01 record value for a key authorization (RFC 8555 §8.4).
func TXTValue(keyAuth string) string {
	h := sha256.Sum256([]byte(keyAuth))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t TB) int {
	t.Helper()
	ln := listenLoopback(t)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func listenLoopback(t TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("acmetest: %v", err)
	}
	return ln
}

// selfSigned makes the HTTPS certificate of Pebble's front end.
func selfSigned(t TB) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("acmetest: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "acmetest Pebble"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("acmetest: %v", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
