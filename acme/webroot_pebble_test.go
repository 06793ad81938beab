package acme_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exchcert/exchcert/acme"
	"github.com/exchcert/exchcert/acme/acmetest"
	"github.com/exchcert/exchcert/internal/testpki"
	"github.com/exchcert/exchcert/probe/probetest"
)

// nginxWebroot starts a real nginx on 127.0.0.1 serving a fresh folder
// over plain http (probe/testdata/servers/start.sh, stopped by PID when
// the test ends) and returns the folder and the port. Without nginx the
// test skips, or fails when EXCHCERT_REQUIRE_TOOLS=1.
func nginxWebroot(t *testing.T) (string, int) {
	t.Helper()
	if runtime.GOOS != "linux" {
		if os.Getenv(testpki.RequireToolsEnv) == "1" {
			t.Fatal("the nginx webroot test runs on Linux only")
		}
		t.Skip("the nginx webroot test runs on Linux only")
	}
	if _, err := exec.LookPath("/usr/sbin/nginx"); err != nil {
		testpki.Tool(t, "nginx") // skips, or fails under EXCHCERT_REQUIRE_TOOLS=1
	}
	// Not t.TempDir: nginx's workers run as nobody and must search the
	// parents, which t.TempDir makes 0700.
	dir, err := os.MkdirTemp("", "exchcert-webroot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	root := filepath.Join(dir, "wwwroot")
	for _, d := range []string{dir, root} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	port := acmetest.FreePort(t)
	logs := probetest.StartServers(t, dir, fmt.Sprintf("HTTP_WEBROOTS=%d %s", port, root))
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(30 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx does not listen on %s after 30s\n%s", addr, logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return root, port
}

// snapshotRecorder records the token folder's files each time a name's
// token is published.
type snapshotRecorder struct {
	recorder
	dir   string
	mu    sync.Mutex
	files map[string]bool
}

func (s *snapshotRecorder) add(e acme.Event) {
	s.recorder.add(e)
	if e.Step == acme.StepChallenge && e.Name != "" {
		entries, _ := os.ReadDir(s.dir)
		s.mu.Lock()
		for _, en := range entries {
			s.files[en.Name()] = true
		}
		s.mu.Unlock()
	}
}

func webrootOptions(c *acmetest.CA, state, root string, port int, progress func(acme.Event)) acme.Options {
	return acme.Options{
		Server:    c.URL,
		StateDir:  state,
		AcceptTOS: true,
		Roots:     c.TLSRoots,
		Webroot: &acme.WebrootOptions{
			Dir:   root,
			Check: acme.CheckOptions{Addr: fmt.Sprintf("127.0.0.1:%d", port)},
		},
		Progress: progress,
	}
}

// TestObtainWebrootNginx: Pebble validates HTTP-01 by fetching the tokens
// from a real nginx serving the webroot; the token folder and its
// web.config exist during the validation and are gone afterwards, also
// when the order fails and when it is cancelled (Ctrl-C).
func TestObtainWebrootNginx(t *testing.T) {
	root, port := nginxWebroot(t)
	c := acmetest.Start(t, acmetest.Options{HTTPPort: port})
	p := seedPlan(t)
	chDir := acme.ChallengeDir(root)

	t.Run("issued", func(t *testing.T) {
		rec := &snapshotRecorder{dir: chDir, files: map[string]bool{}}
		key := newKey(t)
		res, err := acme.Obtain(context.Background(), acme.Request{Plan: p, Key: key}, webrootOptions(c, t.TempDir(), root, port, rec.add))
		if err != nil {
			t.Fatal(err)
		}
		verify(t, c, p, res, key)
		if !rec.files["web.config"] {
			t.Errorf("no web.config in the token folder during validation (saw %v)", rec.files)
		}
		if len(rec.files) < 2 {
			t.Errorf("no token file seen during validation (saw %v)", rec.files)
		}
		for _, n := range p.DNSNames() {
			if !rec.has(n, acme.StepValidated) {
				t.Errorf("%s not validated", n)
			}
		}
		if got := tree(t, root); len(got) != 0 {
			t.Errorf("left in the webroot: %v", got)
		}
	})

	t.Run("challenge fails", func(t *testing.T) {
		c.FailNext(acmetest.PathChallenge, 500)
		_, err := acme.Obtain(context.Background(), acme.Request{Plan: p, Key: newKey(t)}, webrootOptions(c, t.TempDir(), root, port, nil))
		var oe *acme.OrderError
		if !errors.As(err, &oe) {
			t.Fatalf("err %v, want an OrderError", err)
		}
		if got := tree(t, root); len(got) != 0 {
			t.Errorf("left in the webroot after a failure: %v", got)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var once sync.Once
		progress := func(e acme.Event) {
			if e.Step == acme.StepChallenge && e.Name != "" {
				once.Do(cancel) // Ctrl-C while the token is published
			}
		}
		_, err := acme.Obtain(ctx, acme.Request{Plan: p, Key: newKey(t)}, webrootOptions(c, t.TempDir(), root, port, progress))
		if err == nil {
			t.Fatal("a cancelled order succeeded")
		}
		if got := tree(t, root); len(got) != 0 {
			t.Errorf("left in the webroot after cancelling: %v", got)
		}
	})

	t.Run("self-check fails first", func(t *testing.T) {
		// A port nothing listens on: the self-check stops the run before
		// the CA is asked for an order.
		orders := c.Hits(acmetest.PathNewOrder)
		o := webrootOptions(c, t.TempDir(), root, port, nil)
		o.Webroot.Check.Addr = fmt.Sprintf("127.0.0.1:%d", acmetest.FreePort(t))
		_, err := acme.Obtain(context.Background(), acme.Request{Plan: p, Key: newKey(t)}, o)
		var se *acme.SelfCheckError
		if !errors.As(err, &se) || len(se.Findings) != len(p.DNSNames()) || se.Findings[0].Code != "webroot-refused" {
			t.Fatalf("err %v, want a self-check error per name", err)
		}
		if c.Hits(acmetest.PathNewOrder) != orders {
			t.Error("the CA was asked despite the failed self-check")
		}
		if got := tree(t, root); len(got) != 0 {
			t.Errorf("left in the webroot: %v", got)
		}
		if !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("message %q", err)
		}
	})
}
