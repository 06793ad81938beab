package main

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/exchcert/exchcert/csr"
	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/inspect"
	"github.com/exchcert/exchcert/internal/safefile"
	"github.com/exchcert/exchcert/internal/wording"
)

// readBack reads a file this run wrote, refusing a symbolic link (which
// someone put there since: the file was written as a plain file).
func readBack(name string) ([]byte, error) {
	st, err := os.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, errors.New("it is no longer a plain file")
	}
	return os.ReadFile(name)
}

// loadFile reads and recognises one input file; errors name it.
func loadFile(name string, opt inspect.LoadOptions) (*inspect.Bundle, error) {
	data, err := readInput(name, inspect.MaxFileSize)
	if err != nil {
		return nil, err
	}
	b, err := inspect.Load(name, data, opt)
	if err != nil {
		return nil, inFile(name, err)
	}
	return b, nil
}

// checkOutDir accepts an existing folder. It does not create one: a typo
// in --out-dir should not scatter keys in a new folder.
func checkOutDir(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return inFile(dir, errors.New("no such folder (create it first, or give another --out-dir)"))
	case err != nil:
		return inFile(dir, describeOSError(err))
	case !st.IsDir():
		return inFile(dir, errors.New("not a folder (--out-dir names the folder for the key and request)"))
	}
	return nil
}

// refuseExisting finishes an interrupted earlier write of the output
// files first (safefile.Recover: a key comes back, leftovers go), then
// refuses one that exists unless force, before anything is asked for or
// made.
func refuseExisting(a *app, force bool, names ...string) error {
	safefile.Recover(a.notify, names...)
	if force {
		return nil
	}
	for _, n := range names {
		if _, err := os.Lstat(n); err == nil {
			return outputError(n, fs.ErrExist)
		}
	}
	return nil
}

// existsText is the one wording of an output file that is there already.
const existsText = "already exists (use --force to replace it)"

// outputError words a failure to write an output file.
func outputError(name string, err error) error {
	switch {
	case errors.Is(err, fs.ErrExist):
		return inFile(name, errors.New(existsText))
	case errors.Is(err, fs.ErrNotExist):
		return inFile(name, errors.New("cannot be created: its folder does not exist"))
	case noRoom(err):
		return inFile(name, fmt.Errorf("no room to write it (%v); nothing was written (free some space, or write it elsewhere)", unwrapPath(err)))
	}
	return inFile(name, describeOSError(unwrapPath(err)))
}

// loadCerts reads the certificates of a PEM, DER or PKCS #7 file. A file
// with a private key in it is refused: the key goes in --key.
func loadCerts(name string) ([]*x509.Certificate, error) {
	b, err := loadFile(name, inspect.LoadOptions{})
	if errors.Is(err, inspect.ErrNeedPassword) {
		return nil, inFile(name, errors.New("is a PFX already; give the certificate as PEM, DER or PKCS #7"))
	}
	if err != nil {
		return nil, err
	}
	if b.Format == inspect.FormatPKCS12 {
		return nil, inFile(name, errors.New("is a PFX already; give the certificate as PEM, DER or PKCS #7"))
	}
	if len(b.Refused) > 0 {
		// Read only leniently: not something to package or renew from.
		r := b.Refused[0]
		return nil, inFile(name, fmt.Errorf("%s: the certificate is malformed (%s: %s); 'exchcert inspect' explains", r.Where, r.Code, r.Reason))
	}
	return b.Certs, nil
}

// loadKey reads exactly one private key.
func loadKey(name string) (crypto.Signer, error) {
	b, err := loadFile(name, inspect.LoadOptions{})
	if errors.Is(err, inspect.ErrNeedPassword) {
		return nil, inFile(name, errors.New("is a PFX; give the private key as PEM or DER"))
	}
	if err != nil {
		return nil, err
	}
	switch len(b.Keys) {
	case 1:
		return b.Keys[0], nil
	case 0:
		return nil, inFile(name, errors.New("holds no private key"))
	}
	return nil, inFile(name, fmt.Errorf("holds %d private keys; give a file with one", len(b.Keys)))
}

// writeFilesError words a safefile error for the file it names; pfx and
// acme write their files the same way.
func writeFilesError(err error) error {
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		return err
	}
	switch {
	case errors.Is(err, fs.ErrExist):
		return inFile(pe.Path, errors.New(existsText))
	case errors.Is(err, fs.ErrPermission):
		return inFile(pe.Path, errors.New("permission denied (choose a folder you can write to with --out-dir)"))
	case errors.Is(err, fs.ErrNotExist):
		return inFile(pe.Path, errors.New("the folder does not exist"))
	case noRoom(err):
		return inFile(pe.Path, fmt.Errorf("no room to write it (%v); nothing was written (free some space, or choose another --out-dir)", pe.Err))
	}
	return inFile(pe.Path, pe.Err)
}

// noRoom reports a write that failed for lack of space: a full disk, a
// quota, or a limit on the file size. safefile has removed whatever the
// write created by then.
func noRoom(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EFBIG)
}

// loadHint adds the next step to a loader error. The result still matches
// the loader's sentinel with errors.Is.
func loadHint(err error) error {
	var k *inspect.KindError
	switch {
	case errors.As(err, &k):
		// A file of another kind (a CRL, a key, a keystore) already says
		// what it is; "get the file again" would be wrong advice.
		return err
	case errors.Is(err, inspect.ErrWrongPassword):
		return &hintError{wording.WrongPFXPassword + " (" + wording.GivePassword + ")", err}
	case errors.Is(err, inspect.ErrNeedPassword):
		return &hintError{wording.PFXNeedsPassword + " (" + wording.GivePassword + wording.OrPrompt + ")", err}
	case errors.Is(err, inspect.ErrNotRecognised):
		return &hintError{err.Error() + " (expected a PEM, DER, .p7b or .pfx certificate file, or a request)", err}
	case errors.Is(err, inspect.ErrDamaged):
		return &hintError{err.Error() + " (get the file from the CA again)", err}
	}
	return err
}

// hintError rewords an error and keeps it for errors.Is.
type hintError struct {
	msg string
	err error
}

func (e *hintError) Error() string { return e.msg }
func (e *hintError) Unwrap() error { return e.err }

// loadRoots reads the certificates of a roots flag (--roots, --server-root)
// with the inspect loader, so PEM bundles, DER, P7B and UTF-16 files all
// work. Errors name the file and the flag.
func loadRoots(flag, name string) (*x509.CertPool, error) {
	data, err := readInput(name, inspect.MaxFileSize)
	if err != nil {
		return nil, err
	}
	b, err := inspect.Load(name, data, inspect.LoadOptions{})
	if err != nil {
		return nil, inFile(name, fmt.Errorf("%s: %w", flag, loadHint(err)))
	}
	if len(b.Certs) == 0 {
		return nil, inFile(name, fmt.Errorf("%s: holds no certificates", flag))
	}
	pool := x509.NewCertPool()
	for _, c := range b.Certs {
		pool.AddCert(c)
	}
	return pool, nil
}

// exchangeKey reads --key, or makes a key of --key-type, for Exchange
// version v (csr.ExchangeKey), with errors that name the file or the flag.
func exchangeKey(v exchange.Version, t csr.KeyType, keyFile string) (crypto.Signer, error) {
	var data []byte // nil: make a key
	if keyFile != "" {
		var err error
		if data, err = readInput(keyFile, csr.MaxKeyFileSize); err != nil {
			return nil, err
		}
		data = append([]byte{}, data...) // an empty file is not nil
	}
	key, _, err := csr.ExchangeKey(v, t, data)
	if err != nil {
		return nil, keyError(err, t, keyFile)
	}
	return key, nil
}

// keyError says what to do about a key that cannot be used: the --key
// file's or the --key-type's.
func keyError(err error, t csr.KeyType, keyFile string) error {
	var ke *csr.ExchangeKeyError
	var nk *csr.NotKeyError
	switch {
	case errors.As(err, &ke):
		what := "--key-type " + t.String()
		if keyFile != "" {
			what = keyFile + " (" + ke.Key.String() + ")"
		}
		return &usageError{fmt.Errorf("%s: %s (--key-type rsa2048, or --exchange 2016 or later for ECC)", what, ke.Note)}
	case keyFile == "":
		return fmt.Errorf("making the key: %w", err)
	case errors.Is(err, csr.ErrEncryptedKey):
		return inFile(keyFile, fmt.Errorf("%w (write a decrypted copy with mode 0600, e.g. openssl pkey -in %s -out plain.key, and give --key plain.key)", err, keyFile))
	case errors.As(err, &nk):
		return inFile(keyFile, fmt.Errorf("%w (--key wants a PKCS#1, PKCS#8 or SEC1 PEM private key)", err))
	}
	return inFile(keyFile, err)
}

// readCurrentCert reads the certificate renew looks at.
func readCurrentCert(name string) (*x509.Certificate, error) {
	if _, err := os.Stat(name); errors.Is(err, fs.ErrNotExist) {
		return nil, inFile(name, errors.New("no such file (issue the certificate with 'exchcert acme' first, or check --out-dir)"))
	}
	certs, err := loadCerts(name)
	if err != nil {
		return nil, err
	}
	if len(certs) == 0 {
		return nil, inFile(name, errors.New("holds no certificate"))
	}
	return certs[0], nil
}

// checkStateDir warns about a state folder (and the account keys in it)
// that others can read, and tightens the folder when it is the user's own.
func checkStateDir(a *app, dir string) {
	if bits, err := safefile.Loose(dir); err == nil && bits != 0 {
		if changed, err := safefile.Tighten(dir); err == nil && changed {
			fmt.Fprintf(a.stderr, "exchcert: warning: %s: the state folder was readable by others (mode bits %04o); made it private (0700)\n", dir, bits)
		} else {
			fmt.Fprintf(a.stderr, "exchcert: warning: %s: the state folder is readable by others (mode bits %04o) and is not yours to change: chmod go= it\n", dir, bits)
		}
	}
	keys, _ := filepath.Glob(filepath.Join(dir, "accounts", "*", "account.key"))
	for _, k := range keys {
		warnLoose(a, k, "the ACME account key")
	}
}

// warnLoose warns when an existing secret has group or other permission
// bits (Unix; Windows has none).
func warnLoose(a *app, name, what string) {
	if bits, err := safefile.Loose(name); err == nil && bits != 0 {
		fmt.Fprintf(a.stderr, "exchcert: warning: %s: %s is readable or writable by others (mode bits %04o): chmod 600 it\n", name, what, bits)
	}
}
