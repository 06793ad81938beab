package acme

import (
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/internal/safefile"
	"github.com/exchcert/exchcert/internal/testpki"
	"github.com/exchcert/exchcert/plan"
)

func TestDeliverables(t *testing.T) {
	p, err := plan.Build(plan.Input{FQDN: "exch2.acme.com", Domains: []string{"acme.com"}, Exchange: exchange.Exchange2016})
	if err != nil {
		t.Fatal(err)
	}
	root, err := testpki.NewRoot("Deliver Root")
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.Intermediate("Deliver Intermediate")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := inter.Issue(testpki.Template{CommonName: "exch2.acme.com", DNSNames: p.DNSNames()})
	if err != nil {
		t.Fatal(err)
	}
	files := FilesFor(t.TempDir(), p.CommonName)
	chain := []*x509.Certificate{leaf.Cert, inter.Cert.Cert}
	pw := []byte("s3cret")
	out, warnings, err := Deliverables(p, files, leaf.Key, chain, testpki.PEM(chain...), pw, exchange.PFXLegacy,
		BindOptions{ImportPath: `C:\certs\exch2.acme.com.pfx`})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %+v", warnings)
	}
	byName := map[string]safefile.File{}
	for _, f := range out {
		byName[f.Name] = f
	}
	if len(out) != 4 || byName[files.Key].Perm != 0 || byName[files.PFX].Perm != 0 || byName[files.Cert].Perm != 0o644 {
		t.Fatalf("files: %+v", out)
	}
	if err := exchange.VerifyPFX(byName[files.PFX].Data, pw, leaf.Key, leaf.Cert, chain[1:]); err != nil {
		t.Errorf("the PFX does not read back: %v", err)
	}
	script := string(byName[files.Bind].Data)
	for _, want := range []string{inspect.Thumbprint(leaf.Cert), `C:\certs\exch2.acme.com.pfx`, "exch2.acme.com " + leaf.Cert.NotAfter.UTC().Format(time.DateOnly)} {
		if !strings.Contains(script, want) {
			t.Errorf("bind script lacks %q", want)
		}
	}
}

func TestArchive(t *testing.T) {
	dir := t.TempDir()
	files := FilesFor(dir, "exch2.acme.com")
	now := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)

	// Nothing there: nothing archived.
	if got, err := Archive(dir, files, nil, now); err != nil || got != "" {
		t.Fatalf("Archive of nothing = %q, %v", got, err)
	}

	// A key and a file that is no certificate: the folder is named after
	// the injected clock, and a second archive in the same second gets a
	// suffix instead of replacing the first.
	if err := os.WriteFile(files.Key, []byte("key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files.Cert, []byte("not PEM"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Archive(dir, files, nil, now)
	want := filepath.Join(dir, "archive", "20270102T030405Z")
	if err != nil || got != want {
		t.Fatalf("Archive = %q, %v; want %q", got, err, want)
	}
	if data, err := os.ReadFile(filepath.Join(want, "exch2.acme.com.key")); err != nil || string(data) != "key" {
		t.Errorf("archived key: %q, %v", data, err)
	}
	if got, err := Archive(dir, files, nil, now); err != nil || got != want+"-20270102T030405Z" {
		t.Errorf("second Archive = %q, %v", got, err)
	}

	// A certificate names the folder by its serial.
	root, err := testpki.NewRoot("Archive Root")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := root.Issue(testpki.Template{CommonName: "exch2.acme.com", DNSNames: []string{"exch2.acme.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files.Cert, testpki.PEM(leaf.Cert), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err = Archive(dir, files, nil, now)
	if err != nil || filepath.Base(got) != strings.ToUpper(leaf.Cert.SerialNumber.Text(16)) {
		t.Errorf("Archive with a certificate = %q, %v; want the serial %X", got, err, leaf.Cert.SerialNumber)
	}

	// A link among the files is refused, naming it.
	if err := os.Remove(files.Summary); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if err := os.Symlink(files.Key, files.Summary); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	_, err = Archive(dir, files, nil, now)
	var ae *ArchiveError
	if !errors.As(err, &ae) || ae.Path != files.Summary {
		t.Errorf("Archive with a link = %v, want an ArchiveError for %s", err, files.Summary)
	}
}
