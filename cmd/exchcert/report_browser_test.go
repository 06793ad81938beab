package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/exchcert/exchcert/internal/testpki"
	"github.com/exchcert/exchcert/probe/probetest"
)

// artifactsEnv names a folder where TestReportInBrowser keeps its
// screenshots; without it they go to the test's temporary folder.
const artifactsEnv = "EXCHCERT_ARTIFACTS"

// browserPath finds Chromium (Debian's chromium package) or Chrome; the
// test skips without one, and fails under EXCHCERT_REQUIRE_TOOLS=1.
func browserPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return testpki.Tool(t, "chromium")
}

// seedPlanFlags are the plan of the seed scenario: Exchange 2010 joining an
// Exchange 2003 organisation at acme.com.
var seedPlanFlags = []string{"--fqdn", "exch2.acme.com", "--domain", "acme.com", "--exchange", "2010", "--from", "2003"}

// TestReportInBrowser opens HTML reports in headless Chromium and checks
// what an admin sees: the verdict, the cells of the coverage matrix, the
// reasons printed on paper, and that the page asks the network for nothing
// but itself. A screenshot of each page is kept.
func TestReportInBrowser(t *testing.T) {
	chrome := browserPath(t)
	dir := t.TempDir()
	kit := filepath.Join(dir, "kit")
	if err := os.MkdirAll(kit, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeReportKit(kit); err != nil {
		t.Fatal(err)
	}
	shots := os.Getenv(artifactsEnv)
	if shots == "" {
		shots = dir
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	// The mail and web services of exch2.acme.com on 127.0.0.1: all serve
	// the delivered certificate except SMTP, which still serves the old one.
	serve := func(proto probetest.Protocol, cert string) string {
		t.Helper()
		kp, err := tls.LoadX509KeyPair(filepath.Join(kit, cert+".pem"), filepath.Join(kit, cert+".key"))
		if err != nil {
			t.Fatal(err)
		}
		srv, err := probetest.Start(probetest.Options{Protocol: proto, Cert: kp})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Close)
		return srv.Addr
	}
	https := serve(probetest.HTTPS, "leaf")
	probeArgs := []string{"--probe", "exch2.acme.com", "--timeout", "10s",
		"--addr", "https=" + https, "--addr", "autodiscover.acme.com=" + https, "--addr", "acme.com=" + https,
		"--addr", "smtp=" + serve(probetest.SMTP, "old"), "--addr", "submission=" + serve(probetest.SMTP, "leaf"),
		"--addr", "imap=" + serve(probetest.IMAP, "leaf"), "--addr", "imaps=" + serve(probetest.IMAPS, "leaf"),
		"--addr", "pop3=" + serve(probetest.POP3, "leaf"), "--addr", "pop3s=" + serve(probetest.POP3S, "leaf")}

	all := func(state string, cols ...string) map[string]string {
		m := map[string]string{}
		for _, n := range kitNames {
			for _, c := range cols {
				m[n+"|"+c] = state
			}
		}
		return m
	}
	with := func(m map[string]string, kv ...string) map[string]string {
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	services := []string{"https", "smtp", "submission", "imap", "imaps", "pop3", "pop3s"}
	tests := []struct {
		name     string
		args     []string
		exit     int
		verdict  string
		summary  string
		cells    map[string]string // "name|column" → state text
		chain    []string          // the chain's link classes
		contains []string          // texts the page shows
	}{
		{
			name: "seed", args: append(append([]string{}, seedPlanFlags...), filepath.Join(kit, "delivered.p7b")),
			verdict: "Ready", summary: "Ready: no errors or warnings in the certificate; 10 bind steps still to run",
			cells: all("covered", "certificate"),
			chain: []string{"link valid", "link valid", "link not-in-files"},
		},
		{
			name: "failing", args: append(append([]string{}, seedPlanFlags...), filepath.Join(kit, "failing.p7b")),
			exit: 1, verdict: "Not ready", summary: "Not ready: 2 errors in the certificate; 10 bind steps still to run",
			cells:    with(all("covered", "certificate"), "autodiscover.acme.com|certificate", "missing"),
			chain:    []string{"link valid", "link expired", "link not-in-files"},
			contains: []string{"the intermediate CA certificate expired on", "autodiscover.acme.com is not covered"},
		},
		{
			name: "probe", args: append(append(append([]string{}, seedPlanFlags...), probeArgs...), filepath.Join(kit, "delivered.p7b")),
			verdict: "Ready", summary: "Ready: no errors in the certificate and the services of exch2.acme.com, 1 warning to read; 10 bind steps still to run",
			cells: with(all("covered", append([]string{"certificate"}, services...)...),
				"exch2.acme.com|smtp", "wrong certificate", "legacy.acme.com|smtp", "wrong certificate",
				"acme.com|smtp", "wrong certificate", "autodiscover.acme.com|smtp", "wrong certificate"),
			chain:    []string{"link valid", "link valid", "link not-in-files"},
			contains: []string{"old-certificate", "not the newest certificate seen"},
		},
	}

	ctx, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.WindowSize(1200, 900))...)
	defer cancel()
	browser, cancelBrowser := chromedp.NewContext(ctx)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil { // starts the browser
		t.Fatalf("starting %s: %v", chrome, err)
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"report", "--roots", filepath.Join(kit, "root.pem"), "-o", "html"}, tc.args...)
			var stdout, stderr bytes.Buffer
			if code := run(args, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" }); code != tc.exit {
				t.Fatalf("exchcert %s: exit %d, want %d\n%s", strings.Join(args, " "), code, tc.exit, stderr.String())
			}
			page := filepath.Join(dir, tc.name+".html")
			if err := os.WriteFile(page, stdout.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			requests, text, tab := openPage(t, browser, page, filepath.Join(shots, "report-"+tc.name+".png"))
			if len(requests) != 1 || requests[0] != fileURL(page) {
				t.Errorf("the page made network requests other than itself: %q", requests)
			}
			if got := text("document.querySelector('#verdict h1').textContent"); got != tc.verdict {
				t.Errorf("verdict %q, want %q", got, tc.verdict)
			}
			if got := text("document.querySelector('#verdict .summary').textContent"); got != tc.summary {
				t.Errorf("summary %q, want %q", got, tc.summary)
			}
			got := map[string]string{}
			for _, cell := range strings.Split(text(`Array.from(document.querySelectorAll('tr[data-name] td.cell')).map(c =>
				c.parentElement.dataset.name + '|' + c.dataset.column + '=' + c.querySelector('.state').textContent +
				(c.title === c.querySelector('.reason').textContent && c.title !== '' ? '' : ' (reason missing)')).join('\n')`), "\n") {
				k, v, _ := strings.Cut(cell, "=")
				got[k] = v
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.cells) {
				t.Errorf("matrix cells:\n got %v\nwant %v", got, tc.cells)
			}
			if got, want := text(`Array.from(document.querySelectorAll('#chain li.link')).map(l => l.className).join(',')`), strings.Join(tc.chain, ","); got != want {
				t.Errorf("chain %q, want %q", got, want)
			}
			body := text("document.body.innerText")
			for _, s := range tc.contains {
				if !strings.Contains(body, s) {
					t.Errorf("the page does not show %q", s)
				}
			}
			// On paper the reasons stand in the cells, as hovering is
			// not possible there.
			if got := text(`getComputedStyle(document.querySelector('td.cell .reason')).display`); got != "none" {
				t.Errorf("on screen a cell's reason is displayed %q, want none (it is the title)", got)
			}
			if err := chromedp.Do(tab, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
				return err
			})); err != nil {
				t.Fatal(err)
			}
			if got := text(`getComputedStyle(document.querySelector('td.cell .reason')).display`); got != "block" {
				t.Errorf("in print a cell's reason is displayed %q, want block", got)
			}
			png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			shot := filepath.Join(shots, "report-"+tc.name+"-print.png")
			if err := os.WriteFile(shot, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot as printed: %s", shot)
		})
	}

	// The check of the network requests can fail: a page that loads an
	// image from elsewhere is caught.
	t.Run("control", func(t *testing.T) {
		page := filepath.Join(dir, "control.html")
		if err := os.WriteFile(page, []byte(`<!DOCTYPE html><title>control</title><img src="http://127.0.0.1:9/logo.png">`), 0o644); err != nil {
			t.Fatal(err)
		}
		requests, _, _ := openPage(t, browser, page, "")
		if len(requests) < 2 || !strings.Contains(strings.Join(requests, " "), "http://127.0.0.1:9/logo.png") {
			t.Errorf("the image request was not seen: %q", requests)
		}
	})
}

func fileURL(path string) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/… on Windows
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// openPage opens the file in a new tab of browser, waits for it to load and
// settle, saves a full-page screenshot to shot (unless ""), and returns
// every URL the tab requested, a function that evaluates a JavaScript
// expression to a string in the page, and the tab.
func openPage(t *testing.T, browser context.Context, page, shot string) ([]string, func(string) string, context.Context) {
	t.Helper()
	tab, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	var mu sync.Mutex
	var requests []string
	if err := chromedp.Listen(tab, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requests = append(requests, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithTimeout(tab, 60*time.Second)
	t.Cleanup(stop)
	if err := chromedp.Do(ctx, chromedp.Navigate(fileURL(page))); err != nil {
		t.Fatalf("opening %s: %v", page, err)
	}
	// Give anything the page might still fetch a moment to show.
	time.Sleep(300 * time.Millisecond)
	if shot != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(shot, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", shot)
	}
	mu.Lock()
	got := append([]string(nil), requests...)
	mu.Unlock()
	return got, func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluating %s: %v", js, err)
		}
		return s
	}, ctx
}
