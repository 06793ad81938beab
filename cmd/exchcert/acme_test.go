package main

import (
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/exchcert/exchcert/acme/acmetest"
)

func init() {
	scriptCmds["pebble"] = cmdPebble
	scriptCmds["globcmp"] = cmdGlobCmp
}

// pebbles are the test CAs of the running scripts.
var (
	pebbleMu sync.Mutex
	pebbles  = map[*testscript.TestScript]*acmetest.CA{}
)

// scriptTB lets acmetest.Start run inside a script: failures fail the
// script, cleanups run when it ends.
type scriptTB struct{ ts *testscript.TestScript }

func (s scriptTB) Helper()                           {}
func (s scriptTB) Fatalf(format string, args ...any) { s.ts.Fatalf(format, args...) }
func (s scriptTB) Cleanup(f func())                  { s.ts.Defer(f) }

// pebble start
//
//	runs Let's Encrypt's test CA on 127.0.0.1 for this script, with real
//	DNS-01 and HTTP-01 validation, and sets ACME_SERVER (directory URL),
//	DNS_RESOLVER (the DNS server Pebble and the propagation check ask),
//	HTTP01_ADDR (where Pebble fetches HTTP-01 tokens) and lego's
//	HTTPREQ_ENDPOINT, so that '--dns httpreq' writes the TXT records. It
//	writes pebble-tls.pem (for --server-root) and pebble-root.pem (the
//	issuing root).
//
// pebble fail PATH STATUS
//
//	fails the next request to Pebble's PATH (e.g. /finalize-order/) with
//	STATUS and an ACME serverInternal problem.
//
// pebble orders N
//
//	checks that N orders were placed so far.
//
// pebble revoke CERTFILE
//
//	revokes the certificate; Pebble's renewal information then says to
//	renew at once.
//
// pebble serve DIR
//
//	serves the files under DIR over plain http on HTTP01_ADDR, as IIS
//	serves its site folder, until the script ends.
//
// pebble verify CERTFILE NAME...
//
//	checks that the PEM chain in CERTFILE chains to Pebble's root and is
//	valid for every NAME.
func cmdPebble(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: pebble start|fail|orders|revoke|serve|verify ...")
	}
	pebbleMu.Lock()
	c := pebbles[ts]
	pebbleMu.Unlock()
	if args[0] != "start" && c == nil {
		ts.Fatalf("pebble: not started")
	}
	switch args[0] {
	case "start":
		c = acmetest.Start(scriptTB{ts}, acmetest.Options{})
		pebbleMu.Lock()
		pebbles[ts] = c
		pebbleMu.Unlock()
		ts.Defer(func() {
			pebbleMu.Lock()
			delete(pebbles, ts)
			pebbleMu.Unlock()
		})
		ts.Setenv("ACME_SERVER", c.URL)
		ts.Setenv("DNS_RESOLVER", c.DNS.Addr)
		ts.Setenv("HTTP01_ADDR", "127.0.0.1:"+strconv.Itoa(c.HTTPPort))
		ts.Setenv("HTTPREQ_ENDPOINT", c.HTTPReq)
		ts.Setenv("HTTPREQ_POLLING_INTERVAL", "1")
		ts.Setenv("HTTPREQ_PROPAGATION_TIMEOUT", "30")
		ts.Check(os.WriteFile(ts.MkAbs("pebble-tls.pem"), c.TLSPEM, 0o644))
		ts.Check(os.WriteFile(ts.MkAbs("pebble-root.pem"), c.RootPEM(), 0o644))
	case "fail":
		if len(args) != 3 {
			ts.Fatalf("usage: pebble fail PATH STATUS")
		}
		status, err := strconv.Atoi(args[2])
		ts.Check(err)
		c.FailNext(args[1], status)
	case "orders":
		if len(args) != 2 {
			ts.Fatalf("usage: pebble orders N")
		}
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		if got := c.Hits(acmetest.PathNewOrder); (got == want) == neg {
			ts.Fatalf("%d orders placed, want %d", got, want)
		}
	case "serve":
		if len(args) != 2 {
			ts.Fatalf("usage: pebble serve DIR")
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(c.HTTPPort))
		ts.Check(err)
		srv := &http.Server{Handler: http.FileServer(http.Dir(ts.MkAbs(args[1]))), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		ts.Defer(func() { srv.Close() })
	case "revoke":
		// pebble revoke CERTFILE: the CA revokes it, and its renewal
		// information then says to renew at once.
		if len(args) != 2 {
			ts.Fatalf("usage: pebble revoke CERTFILE")
		}
		data, err := os.ReadFile(ts.MkAbs(args[1]))
		ts.Check(err)
		b, _ := pem.Decode(data)
		if b == nil {
			ts.Fatalf("%s: no PEM", args[1])
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		ts.Check(err)
		if !c.Revoke(cert) {
			ts.Fatalf("%s: not issued by this Pebble", args[1])
		}
	case "verify":
		if len(args) < 3 {
			ts.Fatalf("usage: pebble verify CERTFILE NAME...")
		}
		data, err := os.ReadFile(ts.MkAbs(args[1]))
		ts.Check(err)
		var chain []*x509.Certificate
		for {
			var b *pem.Block
			if b, data = pem.Decode(data); b == nil {
				break
			}
			cert, err := x509.ParseCertificate(b.Bytes)
			ts.Check(err)
			chain = append(chain, cert)
		}
		if len(chain) < 2 {
			ts.Fatalf("%s holds %d certificates, want the leaf and its chain", args[1], len(chain))
		}
		inter := x509.NewCertPool()
		for _, ic := range chain[1:] {
			inter.AddCert(ic)
		}
		for _, n := range args[2:] {
			_, err := chain[0].Verify(x509.VerifyOptions{DNSName: n, Roots: c.Roots(), Intermediates: inter})
			if (err == nil) == neg {
				ts.Fatalf("%s for %s: %v", args[1], n, err)
			}
		}
	default:
		ts.Fatalf("pebble: unknown subcommand %q", args[0])
	}
}

// globcmp PATTERN FILE compares the one file matching PATTERN with FILE.
func cmdGlobCmp(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: globcmp PATTERN FILE")
	}
	m, err := filepath.Glob(ts.MkAbs(args[0]))
	ts.Check(err)
	if len(m) != 1 {
		ts.Fatalf("%s matches %d files, want 1", args[0], len(m))
	}
	got, err := os.ReadFile(m[0])
	ts.Check(err)
	want, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	if string(got) != string(want) {
		ts.Fatalf("%s differs from %s", m[0], args[1])
	}
}
