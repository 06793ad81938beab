package acme

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Sources for the web.config the webroot writes (docs/acme-exchange.md
// explains each choice).
const (
	srcMimeMap    = "https://learn.microsoft.com/iis/configuration/system.webserver/staticcontent/mimemap"
	srcAuth       = "https://learn.microsoft.com/iis/configuration/system.webserver/security/authentication/"
	srcRedirect   = "https://learn.microsoft.com/iis/configuration/system.webserver/httpredirect/"
	srcRewrite    = "https://learn.microsoft.com/iis/extensions/url-rewrite-module/url-rewrite-module-configuration-reference"
	srcLocking    = "https://learn.microsoft.com/iis/get-started/planning-for-security/how-to-use-locking-in-iis-configuration"
	srcError50019 = "https://learn.microsoft.com/troubleshoot/developer/webapps/iis/health-diagnostic-performance/http-error-500-19-webpage"
	srcHTTP01     = "RFC 8555 §8.3"
)

// WebConfig says what the web.config in the token folder turns on or off.
// Every section it writes must be known to IIS and not locked at the
// server level, or IIS answers every request in the folder with HTTP
// 500.19 (srcError50019), so the sections that are not always safe are
// opt-in.
type WebConfig struct {
	// Rewrite clears inherited URL Rewrite rules (an HTTP to HTTPS
	// redirect rule on the site). Only when the URL Rewrite module is
	// installed: without it IIS does not know the <rewrite> section.
	Rewrite bool
	// Auth turns on anonymous authentication and turns Windows, Basic
	// and Digest authentication off. The authentication sections are
	// locked (overrideModeDefault="Deny") in a default IIS, so this needs
	// them unlocked for the site first (srcLocking).
	Auth bool
}

// Render returns the web.config. It maps extensionless files (the
// tokens) to text/plain and turns off HTTP redirection in the folder;
// with c.Rewrite and c.Auth also the rewrite rules and every
// authentication but anonymous.
func (c WebConfig) Render() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by exchcert for ACME HTTP-01 validation (RFC 8555 section 8.3)
     and removed when the validation ends. If you find it, exchcert was
     killed: delete this folder's tokens and this file (any web.config that
     was here before is in web.config.exchcert-backup). -->
<configuration>
  <system.webServer>
    <!-- The tokens have no file extension: serve them as text/plain.
         ` + srcMimeMap + ` -->
    <staticContent>
      <remove fileExtension="." />
      <mimeMap fileExtension="." mimeType="text/plain" />
    </staticContent>
    <!-- The CA must get the token itself, not a redirect to https or /owa.
         ` + srcRedirect + ` -->
    <httpRedirect enabled="false" />
`)
	if c.Rewrite {
		b.WriteString(`    <!-- No inherited URL Rewrite rule (such as http to https) applies here.
         ` + srcRewrite + ` -->
    <rewrite>
      <rules>
        <clear />
      </rules>
    </rewrite>
`)
	}
	if c.Auth {
		b.WriteString(`    <!-- The CA fetches the token anonymously.
         ` + srcAuth + ` -->
    <security>
      <authentication>
        <anonymousAuthentication enabled="true" />
        <basicAuthentication enabled="false" />
        <digestAuthentication enabled="false" />
        <windowsAuthentication enabled="false" />
      </authentication>
    </security>
`)
	}
	b.WriteString(`  </system.webServer>
</configuration>
`)
	return strings.ReplaceAll(b.String(), "\n", "\r\n")
}

// Webroot answers HTTP-01 by writing the tokens into the folder a web
// server (IIS) serves, DIR/.well-known/acme-challenge/ (RFC 8555 §8.3),
// with a web.config there. Everything it writes is removed by Close: the
// tokens, the web.config (an existing one is kept aside and put back) and
// the folders it created. It is a lego challenge.Provider.
type Webroot struct {
	root   string
	dir    string
	config WebConfig

	mu       sync.Mutex
	created  []string // folders made, outermost first
	wrote    bool     // web.config written
	backedUp bool     // an existing web.config was moved to the backup
	tokens   map[string]bool
}

const (
	webConfigName = "web.config"
	webConfigKept = "web.config.exchcert-backup"
)

// ChallengeDir is where the tokens go, below a web site's root.
func ChallengeDir(root string) string {
	return filepath.Join(root, ".well-known", "acme-challenge")
}

// NewWebroot checks that root is an existing folder and returns a
// Webroot for it; nothing is written until Prepare.
func NewWebroot(root string, c WebConfig) (*Webroot, error) {
	st, err := os.Stat(root)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such folder (give the root folder of the IIS site that answers http://<name>/, e.g. C:\\inetpub\\wwwroot)", root)
		}
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: not a folder", root)
	}
	return &Webroot{root: root, dir: ChallengeDir(root), config: c, tokens: map[string]bool{}}, nil
}

// Dir returns the token folder.
func (w *Webroot) Dir() string { return w.dir }

// Prepare creates the token folder and writes the web.config. A
// web.config left in the backup by a run that was killed is put back
// first; an existing web.config is moved to the backup.
func (w *Webroot) Prepare() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, d := range []string{filepath.Join(w.root, ".well-known"), w.dir} {
		if _, err := os.Lstat(d); errors.Is(err, fs.ErrNotExist) {
			if err := os.Mkdir(d, 0o755); err != nil {
				return err
			}
			w.created = append(w.created, d)
		} else if err != nil {
			return err
		}
	}
	cfg := filepath.Join(w.dir, webConfigName)
	kept := filepath.Join(w.dir, webConfigKept)
	if _, err := os.Lstat(kept); err == nil {
		if err := os.Rename(kept, cfg); err != nil {
			return fmt.Errorf("putting back %s from an earlier run: %w", cfg, err)
		}
	}
	if _, err := os.Lstat(cfg); err == nil {
		if err := os.Rename(cfg, kept); err != nil {
			return fmt.Errorf("keeping the existing %s aside: %w", cfg, err)
		}
		w.backedUp = true
	}
	if err := writeNew(cfg, []byte(w.config.Render())); err != nil {
		return err
	}
	w.wrote = true
	return nil
}

// Present writes the token file (lego calls it per name).
func (w *Webroot) Present(_, token, keyAuth string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := checkToken(token); err != nil {
		return err
	}
	name := filepath.Join(w.dir, token)
	if w.tokens[token] {
		return nil // several names can share a token only by accident; written once
	}
	if err := writeNew(name, []byte(keyAuth)); err != nil {
		return fmt.Errorf("writing the HTTP-01 token: %w", err)
	}
	w.tokens[token] = true
	return nil
}

// CleanUp removes the token file.
func (w *Webroot) CleanUp(_, token, _ string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.removeToken(token)
}

func (w *Webroot) removeToken(token string) error {
	if !w.tokens[token] {
		return nil
	}
	if err := os.Remove(filepath.Join(w.dir, token)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	delete(w.tokens, token)
	return nil
}

// Close removes every token left, the web.config (putting an existing
// one back) and the folders Prepare created, if they are empty. It
// returns the first error and carries on with the rest.
func (w *Webroot) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	var errs []error
	tokens := make([]string, 0, len(w.tokens))
	for t := range w.tokens {
		tokens = append(tokens, t)
	}
	sort.Strings(tokens)
	for _, t := range tokens {
		if err := w.removeToken(t); err != nil {
			errs = append(errs, err)
		}
	}
	cfg := filepath.Join(w.dir, webConfigName)
	if w.backedUp {
		if err := os.Rename(filepath.Join(w.dir, webConfigKept), cfg); err != nil {
			errs = append(errs, fmt.Errorf("putting back the original %s: %w", cfg, err))
		} else {
			w.backedUp, w.wrote = false, false
		}
	} else if w.wrote {
		if err := os.Remove(cfg); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		} else {
			w.wrote = false
		}
	}
	for i := len(w.created) - 1; i >= 0; i-- {
		// Only if empty: the admin may have put something there meanwhile.
		if err := os.Remove(w.created[i]); err != nil && !errors.Is(err, fs.ErrNotExist) {
			if entries, _ := os.ReadDir(w.created[i]); len(entries) == 0 {
				errs = append(errs, err)
			}
			continue
		}
	}
	w.created = nil
	return errors.Join(errs...)
}

// checkToken refuses a token that is not a plain base64url name (RFC 8555
// §8.3: the token is base64url), so no path can be formed from it.
func checkToken(t string) error {
	if t == "" || len(t) > 256 {
		return fmt.Errorf("HTTP-01 token of %d characters", len(t))
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("HTTP-01 token %q is not base64url", t)
		}
	}
	return nil
}

// writeNew creates name (which must not exist) with data, readable by the
// web server.
func writeNew(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(name)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return err
	}
	return nil
}

// randomToken makes a token-like name for the self-check's probe file.
func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return "exchcert-check-" + base64.RawURLEncoding.EncodeToString(b)
}

// WebrootOptions say where the web site's folder is and how the token
// folder is set up and checked.
type WebrootOptions struct {
	Dir       string    // the site's root folder (IIS: the physical path of the site)
	Config    WebConfig // what the web.config in the token folder turns on or off
	Check     CheckOptions
	SkipCheck bool // do not fetch the probe file before asking the CA
}

// startWebroot prepares the token folder and runs the self-check; done
// removes everything written, and reports a failure to do so.
func startWebroot(ctx context.Context, names []string, o WebrootOptions, progress func(Event)) (*Webroot, func(), error) {
	w, err := NewWebroot(o.Dir, o.Config)
	if err != nil {
		return nil, nil, err
	}
	done := func() {
		if err := w.Close(); err != nil {
			progress(Event{Step: StepCleanup, Detail: "could not remove everything written into " + w.Dir() + ": " + err.Error()})
			return
		}
		progress(Event{Step: StepCleanup, Detail: "removed the token folder's web.config and tokens from " + w.Dir()})
	}
	if err := w.Prepare(); err != nil {
		done()
		return nil, nil, fmt.Errorf("preparing %s: %w", w.Dir(), err)
	}
	progress(Event{Step: StepChallenge, Detail: "wrote " + filepath.Join(w.Dir(), webConfigName)})
	if !o.SkipCheck {
		if fs := w.SelfCheck(ctx, names, o.Check); len(fs) > 0 {
			done()
			return nil, nil, &SelfCheckError{Findings: fs}
		}
		progress(Event{Step: StepChallenge, Detail: fmt.Sprintf("self-check: a probe file in %s is served over http for all %d names", w.Dir(), len(names))})
	}
	return w, done, nil
}

func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
