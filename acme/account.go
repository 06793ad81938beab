package acme

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-acme/lego/v4/registration"

	"github.com/exchcert/exchcert/internal/safefile"
)

// Account state on disk, one folder per ACME server (an account belongs to
// one CA: a Let's Encrypt staging account means nothing to production):
//
//	STATE/accounts/<server host>/account.key   ECDSA P-256, PKCS #8 PEM, mode 0600 (Windows: owner, SYSTEM, Administrators)
//	STATE/accounts/<server host>/account.json  the registration (account URL, contact)
//
// The e-mail address is the account's contact when it is registered; a
// later run with another address (or none) reuses the same account, so a
// scheduled renewal that forgets --email does not register a new one.
//
// Both files are created once and never replaced: losing the key means
// losing the account (and its rate-limit history and authorizations).
const (
	accountKeyFile  = "account.key"
	accountJSONFile = "account.json"
	maxStateFile    = 1 << 20
)

// Account is the ACME account a certificate was ordered with.
type Account struct {
	Server string `json:"server"`          // the directory URL
	Email  string `json:"email,omitempty"` // contact address, if any
	URL    string `json:"url"`             // the account URL the CA assigned
	Dir    string `json:"dir"`             // the folder holding the key and registration
	New    bool   `json:"new"`             // registered by this run
}

// accountUser is the lego registration.User backed by the state folder.
type accountUser struct {
	email string
	key   crypto.Signer
	reg   *registration.Resource
}

func (u *accountUser) GetEmail() string                        { return u.email }
func (u *accountUser) GetRegistration() *registration.Resource { return u.reg }
func (u *accountUser) GetPrivateKey() crypto.PrivateKey        { return u.key }

// CheckServer returns an error unless server is an ACME directory URL:
// https with a host name. ACME runs over HTTPS only (RFC 8555 §6.1), and
// the URL also names the account's folder, so it is checked before any
// file is written.
func CheckServer(server string) error {
	u, err := url.Parse(server)
	if err != nil || u.Host == "" || u.Scheme != "https" {
		return fmt.Errorf("%q is not an ACME directory URL (want https://host/path; ACME runs over HTTPS only, RFC 8555 section 6.1)", server)
	}
	return nil
}

// accountDir is the folder of the account for server under state.
func accountDir(state, server string) (string, error) {
	if err := CheckServer(server); err != nil {
		return "", err
	}
	u, _ := url.Parse(server)
	// ':' is not allowed in Windows file names; a port becomes "_port".
	host := strings.ReplaceAll(u.Host, ":", "_")
	if strings.ContainsAny(host, `/\*?"<>|`) {
		return "", fmt.Errorf("server %q cannot name a folder", server)
	}
	return filepath.Join(state, "accounts", host), nil
}

// contact returns the e-mail address of a registration, if any.
func contact(reg *registration.Resource) string {
	for _, c := range reg.Body.Contact {
		if m, ok := strings.CutPrefix(c, "mailto:"); ok {
			return m
		}
	}
	return ""
}

// loadAccount reads the account key and registration from dir, creating a
// new key (create-only, 0600) when there is none. reg is nil when the
// account has not been registered yet.
func loadAccount(dir string) (key crypto.Signer, reg *registration.Resource, created bool, err error) {
	keyPath := filepath.Join(dir, accountKeyFile)
	data, err := readSmall(keyPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// The state folder holds account keys: each folder made here is
		// private (0700; on Windows the owner, SYSTEM and Administrators).
		if err := safefile.MkdirSecret(dir); err != nil {
			return nil, nil, false, fmt.Errorf("creating the account folder: %w", err)
		}
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, false, err
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return nil, nil, false, err
		}
		if err := safefile.Write(safefile.Options{}, safefile.File{Name: keyPath, Data: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})}); err != nil {
			return nil, nil, false, err
		}
		key, created = k, true
	case err != nil:
		return nil, nil, false, err
	default:
		if key, err = parseAccountKey(data); err != nil {
			return nil, nil, false, &StateError{Path: keyPath, Err: err}
		}
	}
	regPath := filepath.Join(dir, accountJSONFile)
	data, err = readSmall(regPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return key, nil, created, nil
	case err != nil:
		return nil, nil, false, err
	}
	reg = new(registration.Resource)
	if err := json.Unmarshal(data, reg); err != nil || reg.URI == "" {
		return nil, nil, false, &StateError{Path: regPath, Err: errors.New("not an account registration (no account URL)")}
	}
	return key, reg, created, nil
}

// saveRegistration writes the registration next to the key, once.
func saveRegistration(dir string, reg *registration.Resource) error {
	data, err := json.MarshalIndent(reg, "", "  ")
	if err != nil {
		return err
	}
	return safefile.Write(safefile.Options{}, safefile.File{Name: filepath.Join(dir, accountJSONFile), Data: append(data, '\n')})
}

func parseAccountKey(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("not a PEM private key")
	}
	var (
		k   any
		err error
	)
	switch block.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("PEM block %q is not a private key", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("unreadable private key: %v", err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("unsupported account key type %T", k)
	}
	return s, nil
}

// StateError reports a damaged file in the state folder. The file is left
// alone: it may be the only copy of an account key.
type StateError struct {
	Path string
	Err  error
}

func (e *StateError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *StateError) Unwrap() error { return e.Err }

func readSmall(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxStateFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxStateFile {
		return nil, &StateError{Path: name, Err: fmt.Errorf("larger than %d bytes", maxStateFile)}
	}
	return data, nil
}
