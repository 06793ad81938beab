package main

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/exchcert/exchcert/internal/testpki"
	"github.com/exchcert/exchcert/probe/probetest"
)

func init() {
	scriptCmds["probeserver"] = cmdProbeServer
	scriptCmds["closedport"] = cmdClosedPort
	scriptCmds["probepki"] = cmdProbePKI
}

// probepki DIR NAME... writes a test PKI for probe scripts into DIR:
// root.pem, and for each certificate a chain file (leaf then intermediate)
// and its key: good.pem/good.key for all NAMEs; good-leaf.pem (the same
// leaf without the intermediate); short.pem/short.key without the last
// NAME; old.pem/old.key for all NAMEs but issued 60 days earlier; expired.pem/
// expired.key, which ended yesterday.
func cmdProbePKI(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: probepki DIR NAME...")
	}
	dir, names := ts.MkAbs(args[0]), args[1:]
	ts.Check(os.MkdirAll(dir, 0o755))
	root, err := testpki.NewRoot("exchcert Probe Test Root")
	ts.Check(err)
	inter, err := root.Intermediate("exchcert Probe Test Intermediate")
	ts.Check(err)
	write := func(name string, data []byte) { ts.Check(testpki.WriteFile(filepath.Join(dir, name), data)) }
	write("root.pem", testpki.PEM(root.Cert.Cert))
	now := time.Now()
	for _, c := range []struct {
		name     string
		names    []string
		from, to time.Time
	}{
		{"good", names, time.Time{}, time.Time{}},
		{"short", names[:max(1, len(names)-1)], time.Time{}, time.Time{}},
		{"old", names, now.Add(-60 * 24 * time.Hour), now.Add(300 * 24 * time.Hour)},
		{"expired", names, now.Add(-400 * 24 * time.Hour), now.Add(-24 * time.Hour)},
	} {
		leaf, err := inter.Issue(testpki.Template{CommonName: c.names[0], DNSNames: c.names, NotBefore: c.from, NotAfter: c.to})
		ts.Check(err)
		key, err := testpki.KeyPEM(leaf.Key)
		ts.Check(err)
		write(c.name+".pem", testpki.PEM(leaf.Cert, inter.Cert.Cert))
		write(c.name+".key", key)
		if c.name == "good" {
			write("good-leaf.pem", testpki.PEM(leaf.Cert))
		}
	}
}

// probeserver PROTO VAR CERT KEY [OPTION...] starts a fake server on
// 127.0.0.1 for the rest of the script and sets $VAR to its address. PROTO
// is smtp, imap, pop3, imaps, pop3s or https; CERT holds the chain it
// serves (leaf first). Options: nostarttls, stall, tls10, status=N,
// greeting=TEXT, auth=VALUE (repeatable; each a WWW-Authenticate header;
// auth= alone for none).
func cmdProbeServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 4 {
		ts.Fatalf("usage: probeserver PROTO VAR CERT KEY [nostarttls|stall|tls10|status=N|greeting=TEXT|auth=VALUE]...")
	}
	proto, err := probetest.ParseProtocol(args[0])
	ts.Check(err)
	cert, err := tls.LoadX509KeyPair(ts.MkAbs(args[2]), ts.MkAbs(args[3]))
	ts.Check(err)
	o := probetest.Options{Protocol: proto, Cert: cert}
	for _, opt := range args[4:] {
		k, v, _ := strings.Cut(opt, "=")
		switch k {
		case "nostarttls":
			o.NoStartTLS = true
		case "stall":
			o.Stall = true
		case "tls10":
			o.MaxVersion = tls.VersionTLS10
		case "status":
			o.Status, err = strconv.Atoi(v)
			ts.Check(err)
		case "greeting":
			o.Greeting = v + "\r\n"
		case "auth":
			if o.Auth == nil {
				o.Auth = []string{}
			}
			if v != "" {
				o.Auth = append(o.Auth, v)
			}
		default:
			ts.Fatalf("probeserver: unknown option %q", opt)
		}
	}
	srv, err := probetest.Start(o)
	ts.Check(err)
	ts.Defer(srv.Close)
	ts.Setenv(args[1], srv.Addr)
}

// closedport VAR sets $VAR to an address on 127.0.0.1 where nothing
// listens (connections are refused).
func cmdClosedPort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: closedport VAR")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	ts.Setenv(args[0], ln.Addr().String())
	ln.Close()
}

// realServers are the programs the integration test drives, with the
// Debian packages that bring them.
var realServers = map[string]string{"postfix": "postfix", "dovecot": "dovecot-imapd dovecot-pop3d", "nginx": "nginx"}

// lookServer finds a server program on PATH or in /usr/sbin (not on every
// user's PATH).
func lookServer(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return exec.LookPath(filepath.Join("/usr/sbin", name))
}

// freePorts returns n distinct free ports on 127.0.0.1.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var lns []net.Listener
	var ports []int
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}

// TestProbeRealServers runs exchcert probe against Postfix, Dovecot and
// nginx, started on 127.0.0.1 by probe/testdata/servers/start.sh with a
// fresh test chain and stopped by PID. It skips when the servers are not
// installed, unless EXCHCERT_REQUIRE_TOOLS is set (as .ci/run does): then
// it fails.
func TestProbeRealServers(t *testing.T) {
	skip := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv("EXCHCERT_REQUIRE_TOOLS") != "" {
			t.Fatalf("%s (EXCHCERT_REQUIRE_TOOLS is set, so this test may not skip)", msg)
		}
		t.Skipf("%s; set EXCHCERT_REQUIRE_TOOLS=1 to make this a failure", msg)
	}
	if runtime.GOOS != "linux" {
		skip("the real-server probe test runs on Linux only")
	}
	var missing []string
	for prog, pkg := range realServers {
		if _, err := lookServer(prog); err != nil {
			missing = append(missing, pkg)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		skip("servers for the probe integration test are not installed: apt-get install %s", strings.Join(missing, " "))
	}
	if os.Geteuid() != 0 {
		skip("the probe integration test must run as root: Postfix's master refuses to run as another user")
	}
	// Not t.TempDir: Postfix refuses folders whose parents others cannot
	// search, and t.TempDir's parents are 0700.
	dir, err := os.MkdirTemp("", "exchcert-probe-servers-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	names := []string{"mail.acme.com", "acme.com", "autodiscover.acme.com"}
	root, err := testpki.NewRoot("exchcert Probe Integration Root")
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.Intermediate("exchcert Probe Integration Intermediate")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) {
		if err := testpki.WriteFile(filepath.Join(dir, name), data); err != nil {
			t.Fatal(err)
		}
	}
	write("root.pem", testpki.PEM(root.Cert.Cert))
	for _, c := range []struct {
		name  string
		names []string
	}{
		{"good", names},
		{"noauto", names[:2]}, // without autodiscover.acme.com
		{"nomail", names[1:]}, // without mail.acme.com, the host the mail services are reached as
	} {
		leaf, err := inter.Issue(testpki.Template{CommonName: c.names[0], DNSNames: c.names})
		if err != nil {
			t.Fatal(err)
		}
		key, err := testpki.KeyPEM(leaf.Key)
		if err != nil {
			t.Fatal(err)
		}
		write(c.name+".pem", testpki.PEM(leaf.Cert, inter.Cert.Cert))
		write(c.name+".key", key)
		write(c.name+"-leaf.pem", testpki.PEM(leaf.Cert))
	}
	// The servers run as other users (postfix, dovenull, nobody) after
	// reading their keys as root; the files stay 0600.

	p := freePorts(t, 11)
	port := func(i int) string { return strconv.Itoa(p[i]) }
	const (
		smtpGood, smtpPlain, smtpShort = 0, 1, 2
		imap, imaps, pop3, pop3s       = 3, 4, 5, 6
		webGood, webBasic, webLeaf     = 7, 8, 9
		webShort                       = 10
	)
	windowsAndBasic := `Negotiate|NTLM|Basic realm="mail.acme.com"`
	env := append([]string(nil),
		"SMTP_SERVERS="+strings.Join([]string{
			port(smtpGood) + " good.pem good.key yes",
			port(smtpPlain) + " good.pem good.key no",
			port(smtpShort) + " nomail.pem nomail.key yes",
		}, "\n"),
		"DOVECOT_PORTS="+strings.Join([]string{port(imap), port(imaps), port(pop3), port(pop3s)}, " "),
		"DOVECOT_CHAIN=good.pem", "DOVECOT_KEY=good.key",
		"HTTPS_SERVERS="+strings.Join([]string{
			port(webGood) + " good.pem good.key " + windowsAndBasic,
			port(webBasic) + ` good.pem good.key Basic realm="mail.acme.com"`,
			port(webLeaf) + " good-leaf.pem good.key " + windowsAndBasic,
			port(webShort) + " noauto.pem noauto.key " + windowsAndBasic,
		}, "\n"),
	)
	logs := probetest.StartServers(t, dir, env...)
	for _, i := range []int{smtpGood, smtpPlain, smtpShort, imap, imaps, pop3, pop3s, webGood, webBasic, webLeaf, webShort} {
		addr := "127.0.0.1:" + port(i)
		deadline := time.Now().Add(30 * time.Second)
		for {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("nothing listens on %s after 30s\n%s", addr, logs())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	// addrs returns the probe's --addr flags with changes applied.
	addrs := func(change map[string]int) []string {
		m := map[string]int{
			"https": webGood, "smtp": smtpGood, "submission": smtpGood, "imap": imap, "imaps": imaps,
			"pop3": pop3, "pop3s": pop3s, "autodiscover.acme.com": webGood, "acme.com": webGood,
		}
		maps.Copy(m, change)
		var out []string
		for _, k := range slices.Sorted(maps.Keys(m)) {
			out = append(out, "--addr", k+"=127.0.0.1:"+port(m[k]))
		}
		return out
	}
	probe := func(t *testing.T, change map[string]int, extra ...string) (int, *probeReport, string) {
		t.Helper()
		args := append([]string{"probe", "mail.acme.com", "--fqdn", "mail.acme.com", "--domain", "acme.com",
			"--roots", filepath.Join(dir, "root.pem"), "--timeout", "10s", "-o", "json"}, addrs(change)...)
		args = append(args, extra...)
		var stdout, stderr bytes.Buffer
		code := run(args, strings.NewReader(""), &stdout, &stderr, os.Getenv)
		var rep probeReport
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("exit %d, stderr %s, stdout not JSON: %v\n%s", code, stderr.String(), err, stdout.String())
		}
		return code, &rep, stdout.String()
	}

	t.Run("correct setup", func(t *testing.T) {
		code, rep, out := probe(t, nil)
		if code != 0 || len(rep.Findings) != 0 {
			t.Fatalf("exit %d, findings:\n%s\n%s", code, rep.findings(), logs())
		}
		for _, e := range rep.Endpoints {
			if !e.Reachable || e.TLS == nil || !e.TLS.Complete || !e.TLS.Trusted || !e.TLS.CoversName {
				t.Errorf("%s %s: %s", e.Service, e.Name, out)
			}
			if e.Service != "https" && e.Service != "imaps" && e.Service != "pop3s" && (e.StartTLS == nil || !*e.StartTLS) {
				t.Errorf("%s: STARTTLS not seen", e.Service)
			}
		}
		for _, w := range rep.Web {
			if w.Status != 401 || strings.Join(w.AuthOffered, ",") != "Negotiate,NTLM,Basic" {
				t.Errorf("%s: status %d, auth %v", w.URL, w.Status, w.AuthOffered)
			}
		}
	})
	t.Run("stalled endpoint", func(t *testing.T) {
		// One endpoint that never answers costs one --timeout, not one per
		// endpoint: the rest run beside it. The bound is loose (twice the
		// timeout); it checks the structure, not the machine's speed.
		stalled := stallingListener(t)
		start := time.Now()
		code, rep, _ := probe(t, nil, "--timeout", "2s", "--addr", "imap="+stalled, "--addr", "pop3="+stalled)
		if took := time.Since(start); took >= 4*time.Second {
			t.Errorf("the probe took %v with two stalled endpoints and --timeout 2s", took)
		}
		n := 0
		for _, f := range rep.Findings {
			if f.Code == "stalled" && f.Severity == "error" {
				n++
			}
		}
		if code != 1 || n != 2 {
			t.Fatalf("exit %d, %d stalled findings:\n%s", code, n, rep.findings())
		}
	})
	faults := []struct {
		name    string
		change  map[string]int
		code    string
		subject string
	}{
		{"https certificate missing a planned name", map[string]int{"https": webShort}, "name-not-covered", "https 127.0.0.1:" + port(webShort) + " as autodiscover.acme.com"},
		{"smtp certificate missing the host name", map[string]int{"submission": smtpShort}, "name-not-covered", "submission 127.0.0.1:" + port(smtpShort)},
		{"intermediate missing", map[string]int{"https": webLeaf}, "intermediate-missing", "https 127.0.0.1:" + port(webLeaf)},
		{"port without STARTTLS", map[string]int{"smtp": smtpPlain}, "starttls-missing", "smtp 127.0.0.1:" + port(smtpPlain)},
		{"nginx offering only Basic", map[string]int{"https": webBasic, "autodiscover.acme.com": webBasic, "acme.com": webBasic}, "windows-auth-missing", "https://autodiscover.acme.com/Autodiscover/Autodiscover.xml"},
	}
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			code, rep, _ := probe(t, f.change)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			var errs []string
			found := false
			for _, x := range rep.Findings {
				if x.Severity == "error" {
					errs = append(errs, x.Code+" "+x.Subject)
				}
				if x.Code == f.code && x.Severity == "error" && strings.HasPrefix(x.Subject, f.subject) {
					found = true
				}
			}
			if !found {
				t.Fatalf("no error %s about %s; findings:\n%s", f.code, f.subject, rep.findings())
			}
			// Only the fault put in, and nothing else, is an error.
			for _, e := range errs {
				if !strings.HasPrefix(e, f.code+" ") {
					t.Errorf("unexpected error finding %s", e)
				}
			}
		})
	}
}

// stallingListener accepts connections on 127.0.0.1 and never answers, until
// the test ends.
func stallingListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return ln.Addr().String()
}

// probeReport is the part of the exchcert.probe/v1 document the tests read,
// decoded the way a script would.
type probeReport struct {
	Schema    string `json:"schema"`
	Endpoints []struct {
		Service   string `json:"service"`
		Name      string `json:"name"`
		Reachable bool   `json:"reachable"`
		StartTLS  *bool  `json:"starttls"`
		TLS       *struct {
			Complete   bool `json:"chain_complete"`
			Trusted    bool `json:"trusted"`
			CoversName bool `json:"covers_name"`
		} `json:"tls"`
	} `json:"endpoints"`
	Web []struct {
		URL         string   `json:"url"`
		Status      int      `json:"status"`
		AuthOffered []string `json:"auth_offered"`
	} `json:"web"`
	Findings []struct {
		Code     string `json:"code"`
		Severity string `json:"severity"`
		Subject  string `json:"subject"`
		Message  string `json:"message"`
	} `json:"findings"`
}

func (r *probeReport) findings() string {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "  %s %s (%s): %s\n", f.Severity, f.Code, f.Subject, f.Message)
	}
	return b.String()
}
