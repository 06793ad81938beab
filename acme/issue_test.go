package acme_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exchcert/exchcert/acme"
	"github.com/exchcert/exchcert/acme/acmetest"
	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/plan"
)

// issueRequest is an Issue of the seed plan into a new folder through the
// test CA, checked against its root; secrets counts the calls of Secrets.
func issueRequest(t *testing.T, c *acmetest.CA, state string, secrets *int) acme.IssueRequest {
	t.Helper()
	p := seedPlan(t)
	out := t.TempDir()
	return acme.IssueRequest{
		Plan: p, OutDir: out, Files: acme.FilesFor(out, p.CommonName),
		Secrets: func() (crypto.Signer, []byte, error) {
			*secrets++
			return newKey(t), []byte("s3cret"), nil
		},
		Encoding: exchange.PFXLegacy, LegacyWarning: "legacy encoding",
		Bind:    acme.BindOptions{ImportPath: `C:\certs\exch2.acme.com.pfx`},
		Roots:   c.Roots(),
		Options: dnsOptions(c, state, &recorder{}),
		Summary: func(w io.Writer, r *acme.Report) error {
			_, err := fmt.Fprintf(w, "%s %s\n", r.Action, r.Serial)
			return err
		},
	}
}

// TestIssueAndRenew issues the seed plan's certificate, finds it not due
// at the time the clock says, then due when the clock is moved on: the
// renewal archives the first files and replaces them.
func TestIssueAndRenew(t *testing.T) {
	c := acmetest.Start(t, acmetest.Options{})
	state := t.TempDir()
	var secrets int
	req := issueRequest(t, c, state, &secrets)
	var notes []string
	req.Notify = func(s string) { notes = append(notes, s) }

	rep, err := acme.Issue(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Action != acme.ActionIssued || !rep.Covers || len(rep.Missing) != 0 || rep.Archived != "" || rep.Deployed {
		t.Errorf("report %+v", rep)
	}
	if rep.Findings.HasErrors() {
		t.Errorf("findings: %+v", rep.Findings)
	}
	if secrets != 1 {
		t.Errorf("Secrets called %d times, want 1", secrets)
	}
	if len(rep.Files) != 5 || rep.PFXEncoding != exchange.PFXLegacy.String() {
		t.Errorf("files %+v, encoding %s", rep.Files, rep.PFXEncoding)
	}
	for _, f := range req.Files.All() {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("not written: %v", err)
		}
	}
	if st, err := os.Stat(req.Files.Key); err == nil && isUnix() && st.Mode().Perm() != 0o600 {
		t.Errorf("key mode %04o, want 0600", st.Mode().Perm())
	}
	if b, _ := os.ReadFile(req.Files.Summary); string(b) != "issued "+rep.Serial+"\n" {
		t.Errorf("summary %q", b)
	}
	if !strings.Contains(strings.Join(notes, "\n"), "warning: legacy encoding") {
		t.Errorf("no legacy warning in %q", notes)
	}
	first := readLeaf(t, req.Files.Cert)
	if inspect.Thumbprint(first) != rep.Thumbprint {
		t.Errorf("report thumbprint %s is not the written certificate's", rep.Thumbprint)
	}

	// Renewal: today the new certificate is not due, and nothing is asked
	// of the CA or the caller.
	req.Renew, req.Current = true, first
	orders := c.Hits(acmetest.PathNewOrder)
	now := time.Now()
	req.Now = func() time.Time { return now }
	rep, err = acme.Issue(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Action != acme.ActionNotDue || rep.Renewal == nil || rep.Renewal.Due || rep.Serial != fmt.Sprintf("%X", first.SerialNumber) {
		t.Errorf("not-due report %+v", rep)
	}
	if secrets != 1 || c.Hits(acmetest.PathNewOrder) != orders {
		t.Error("a certificate that is not due was ordered again")
	}

	// Five days before it expires, by the injected clock, it is due.
	now = first.NotAfter.Add(-5 * 24 * time.Hour)
	rep, err = acme.Issue(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Action != acme.ActionRenewed || rep.Renewal == nil || !rep.Renewal.Due {
		t.Fatalf("renew report %+v", rep)
	}
	want := filepath.Join(req.OutDir, "archive", fmt.Sprintf("%X", first.SerialNumber))
	if rep.Archived != want {
		t.Errorf("archived in %q, want %q", rep.Archived, want)
	}
	if archived := readLeaf(t, filepath.Join(want, filepath.Base(req.Files.Cert))); !archived.Equal(first) {
		t.Error("the archive does not hold the first certificate")
	}
	if second := readLeaf(t, req.Files.Cert); second.Equal(first) || inspect.Thumbprint(second) != rep.Thumbprint {
		t.Error("the certificate was not replaced by the renewed one")
	}
	if !rep.RenewFrom.After(rep.NotBefore) || !rep.RenewFrom.Before(rep.NotAfter) {
		t.Errorf("renew from %s, want between %s and %s", rep.RenewFrom, rep.NotBefore, rep.NotAfter)
	}
}

// TestIssueRefusesBeforeTheCA: what is wrong locally stops Issue before
// the caller's secrets are asked for or the CA is asked.
func TestIssueRefusesBeforeTheCA(t *testing.T) {
	c := acmetest.Start(t, acmetest.Options{})
	var secrets int

	t.Run("files exist", func(t *testing.T) {
		req := issueRequest(t, c, t.TempDir(), &secrets)
		if err := os.WriteFile(req.Files.PFX, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := acme.Issue(context.Background(), req)
		var ie *acme.InputError
		if !errors.As(err, &ie) || ie.Path != req.Files.PFX || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("err %v, want an InputError for %s", err, req.Files.PFX)
		}
	})
	t.Run("no folder", func(t *testing.T) {
		req := issueRequest(t, c, t.TempDir(), &secrets)
		req.OutDir = filepath.Join(req.OutDir, "missing")
		req.Files = acme.FilesFor(req.OutDir, req.Plan.CommonName)
		_, err := acme.Issue(context.Background(), req)
		var ie *acme.InputError
		if !errors.As(err, &ie) || ie.Path != req.OutDir {
			t.Errorf("err %v, want an InputError for the folder", err)
		}
	})
	t.Run("HTTP-01 for a wildcard", func(t *testing.T) {
		req := issueRequest(t, c, t.TempDir(), &secrets)
		req.Plan.Names = append(req.Plan.Names, plan.Name{Name: "*.acme.com"})
		req.Options.DNS, req.Options.HTTP = nil, "127.0.0.1:0"
		var notes []string
		req.Notify = func(s string) { notes = append(notes, s) }
		_, err := acme.Issue(context.Background(), req)
		if !errors.Is(err, acme.ErrHTTP01Names) {
			t.Errorf("err %v, want ErrHTTP01Names", err)
		}
		if !strings.Contains(strings.Join(notes, "\n"), "error: *.acme.com: a wildcard name can only be validated with DNS-01") {
			t.Errorf("notes %q", notes)
		}
	})
	if secrets != 0 || c.Hits(acmetest.PathNewOrder) != 0 {
		t.Errorf("Secrets called %d times, %d orders: want none", secrets, c.Hits(acmetest.PathNewOrder))
	}
}

// TestIssueDeploy: Deploy runs after the files are written, with the
// password; not when the new certificate fails inspect's checks, and a
// failed deploy still returns the report of what was written.
func TestIssueDeploy(t *testing.T) {
	c := acmetest.Start(t, acmetest.Options{})
	state := t.TempDir()
	var secrets int

	req := issueRequest(t, c, state, &secrets)
	req.Roots = x509.NewCertPool() // the test CA's root is not trusted: the chain check fails
	called := false
	req.Deploy = func(context.Context, *acme.Report, string, []byte) (string, error) { called = true; return "", nil }
	var notes []string
	req.Notify = func(s string) { notes = append(notes, s) }
	rep, err := acme.Issue(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if called || rep.Deployed || !rep.Findings.HasErrors() {
		t.Errorf("deployed a certificate that fails the checks (findings %+v)", rep.Findings)
	}
	if !strings.Contains(strings.Join(notes, "\n"), "not deployed") {
		t.Errorf("notes %q", notes)
	}

	req = issueRequest(t, c, state, &secrets)
	failed := errors.New("deploy failed")
	req.Deploy = func(_ context.Context, r *acme.Report, old string, pw []byte) (string, error) {
		if _, err := os.Stat(req.Files.PFX); err != nil {
			t.Errorf("deploy before the PFX is written: %v", err)
		}
		if string(pw) != "s3cret" || old != "" || r.Thumbprint == "" {
			t.Errorf("deploy got password %q, old %q, thumbprint %q", pw, old, r.Thumbprint)
		}
		return "deploy.log", failed
	}
	rep, err = acme.Issue(context.Background(), req)
	if !errors.Is(err, failed) || rep == nil || rep.DeployLog != "deploy.log" || rep.Deployed {
		t.Errorf("err %v, report %+v: want the deploy's error with the report", err, rep)
	}
}

func readLeaf(t *testing.T, name string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	b, err := inspect.Load(name, data, inspect.LoadOptions{})
	if err != nil || len(b.Certs) == 0 {
		t.Fatalf("%s: %v", name, err)
	}
	return b.Certs[0]
}
