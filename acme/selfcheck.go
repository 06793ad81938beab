package acme

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/exchcert/exchcert/finding"
)

// CheckOptions tune the webroot self-check.
type CheckOptions struct {
	// Addr (host:port), when set, is where every name's request goes,
	// instead of the name's own address on port 80: for a test, or a
	// server that cannot reach its own public address (hairpin NAT).
	Addr string
	// Timeout per request; 10 s when zero.
	Timeout time.Duration
}

// SelfCheckError means the self-check found names the CA would fail to
// validate; the CA was not asked. Findings say why and how to fix it.
type SelfCheckError struct {
	Findings finding.Findings
}

func (e *SelfCheckError) Error() string {
	var parts []string
	for _, f := range e.Findings {
		parts = append(parts, f.Subject+": "+f.Message)
	}
	return "the webroot self-check failed before the CA was asked: " + strings.Join(parts, "; ")
}

// SelfCheck puts a probe file into the token folder (which Prepare must
// have made) and fetches http://<name>/.well-known/acme-challenge/<probe>
// for every name as the CA would (RFC 8555 §8.3: port 80, redirects
// followed by the CA but a sign of trouble here), and returns a finding per
// name that fails, naming the cause and the fix. The probe file is removed
// before it returns.
func (w *Webroot) SelfCheck(ctx context.Context, names []string, o CheckOptions) finding.Findings {
	token := randomToken()
	body := token + "." + "exchcert"
	name := filepath.Join(w.dir, token)
	if err := writeNew(name, []byte(body)); err != nil {
		return finding.Findings{{Code: "webroot-write", Severity: finding.Error, Subject: w.dir,
			Message: "cannot write the probe file: " + err.Error(),
			Fix:     "run as a user that may write into the site's folder (an administrator, or SYSTEM from the scheduled task)"}}
	}
	defer os.Remove(name)
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	dialer := &net.Dialer{Timeout: o.Timeout}
	tr := &http.Transport{
		Proxy:             nil, // the CA does not use this machine's proxy either
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if o.Addr != "" {
				addr = o.Addr
			}
			return dialer.DialContext(ctx, network, addr)
		},
		ResponseHeaderTimeout: o.Timeout,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport:     tr,
		Timeout:       o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	var fs finding.Findings
	for _, n := range names {
		if f := checkName(ctx, client, n, token, body, w.root); f != nil {
			fs = append(fs, *f)
		}
	}
	return fs
}

func checkName(ctx context.Context, client *http.Client, name, token, body, root string) *finding.Finding {
	url := "http://" + name + "/.well-known/acme-challenge/" + token
	f := &finding.Finding{Severity: finding.Error, Subject: name, Citation: srcHTTP01}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		f.Code, f.Message = "webroot-url", err.Error()
		return f
	}
	resp, err := client.Do(req)
	if err != nil {
		classifyNetError(f, name, err)
		return f
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	status := fmt.Sprintf("GET %s answered %s", url, resp.Status)
	switch {
	case resp.StatusCode == http.StatusOK && bytes.Equal(bytes.TrimSpace(got), []byte(body)):
		return nil
	case resp.StatusCode == http.StatusOK:
		f.Code = "webroot-other-content"
		f.Message = status + " but not with the probe file: another site or server answers port 80 for this name"
		f.Fix = fmt.Sprintf("give --http-webroot the root folder of the IIS site that has the http binding for %s (IIS Manager: Sites, Bindings, port 80)", name)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		f.Code = "webroot-auth"
		f.Message = status + ": IIS wants authentication (401) or refuses plain http (403, Require SSL) in the token folder"
		f.Fix = `allow anonymous access over http to .well-known/acme-challenge: in IIS Manager select that folder, enable Anonymous Authentication and untick Require SSL; or once, as administrator: ` +
			`%windir%\system32\inetsrv\appcmd.exe set config "Default Web Site/.well-known/acme-challenge" -section:system.webServer/security/authentication/anonymousAuthentication /enabled:true /commit:apphost ` +
			`and appcmd.exe set config "Default Web Site/.well-known/acme-challenge" -section:system.webServer/security/access /sslFlags:None /commit:apphost`
		f.Citation = srcAuth + "; " + srcLocking
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		f.Code = "webroot-redirect"
		f.Message = fmt.Sprintf("%s, a redirect to %q: an HTTP Redirect or URL Rewrite rule catches the token folder", status, resp.Header.Get("Location"))
		f.Fix = "let .well-known/acme-challenge through: exchcert's web.config turns HTTP Redirect off there; a URL Rewrite rule on the site needs --http-webroot-rewrite (clears the rules in the folder; URL Rewrite must be installed) or a condition excluding ^\\.well-known/"
		f.Citation = srcRedirect + "; " + srcRewrite
	case resp.StatusCode == http.StatusNotFound:
		f.Code = "webroot-not-found"
		f.Message = status + ": the file is not served from " + ChallengeDir(root)
		f.Fix = fmt.Sprintf("check that %s is the physical path of the site with the port 80 binding for %s (for Exchange the Default Web Site, C:\\inetpub\\wwwroot), and that no parent web.config removes the MIME map for extensionless files (IIS answers 404.3 without one)", root, name)
		f.Citation = srcMimeMap
	case resp.StatusCode == http.StatusInternalServerError:
		f.Code = "webroot-config-error"
		f.Message = status + ": IIS cannot use the folder's web.config (HTTP 500.19: a section it sets is locked or unknown)"
		f.Fix = "drop --http-webroot-auth unless the authentication sections are unlocked for the site, and --http-webroot-rewrite unless URL Rewrite is installed"
		f.Citation = srcError50019 + "; " + srcLocking
	default:
		f.Code = "webroot-status"
		f.Message = status
		f.Fix = "open the URL in a browser on another network and fix what the web server reports"
	}
	return f
}

// classifyNetError words a failed request: the name does not resolve,
// nothing listens on port 80, or the port is filtered.
func classifyNetError(f *finding.Finding, name string, err error) {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(err, &dnsErr):
		f.Code = "webroot-dns"
		f.Message = "the name does not resolve: " + dnsErr.Error()
		f.Fix = fmt.Sprintf("publish an A record for %s pointing at the public address that reaches this server on port 80, or use --dns PROVIDER", name)
	case errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &opErr) && strings.Contains(strings.ToLower(opErr.Error()), "refused"):
		f.Code = "webroot-refused"
		f.Message = "connection refused on port 80: nothing listens there"
		f.Fix = "give the IIS site (Default Web Site) an http binding on port 80, and let the firewall and NAT pass port 80 to this server"
	case isTimeout(err):
		f.Code = "webroot-timeout"
		f.Message = "no answer on port 80 (timed out): a firewall drops the connection"
		f.Fix = "open TCP port 80 from the internet to this server (Windows Firewall rule \"World Wide Web Services (HTTP Traffic-In)\", and the perimeter firewall/NAT); if only this server cannot reach its own public address (no hairpin NAT), check locally with --http-webroot-check 127.0.0.1:80"
	default:
		f.Code = "webroot-connect"
		f.Message = "cannot fetch the probe file: " + describe(err)
		f.Fix = "check that port 80 of " + name + " reaches this server's IIS"
	}
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
