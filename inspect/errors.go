package inspect

import (
	"errors"

	"github.com/exchcert/exchcert/internal/wording"
)

// Sentinel errors of Load. Every error Load returns matches exactly one of
// them with errors.Is; its message says what was found in one line, without
// the file name (the caller adds it once).
var (
	// ErrNotRecognised means the data is not a certificate file at all:
	// no PEM block, DER structure, PKCS#7, PFX or base64 certificate or
	// request was found. Tree walkers can skip such files silently. When
	// the file is recognisably of another kind (a CRL, an OCSP response, a
	// keystore), the error is a *KindError that says which.
	ErrNotRecognised = errors.New("not a certificate, request, key or PFX file")

	// ErrNeedPassword means a PFX is protected by a password, the empty
	// password did not open it, and LoadOptions.Password was nil.
	ErrNeedPassword = errors.New("the PFX is protected by a password")

	// ErrWrongPassword means the PFX's MAC did not verify with any password
	// tried (the empty one and the one LoadOptions.Password returned),
	// while its structure parsed: the password is wrong.
	ErrWrongPassword = errors.New(wording.WrongPFXPassword)

	// ErrDamaged means the data is recognisably a certificate file (a PEM
	// block, a DER certificate, a PKCS#7 or PFX structure) but no parser
	// reads it: truncated, edited, or bad base64. The message says where:
	// the PEM block and its line, the certificate's position, the byte
	// offset at which the structure breaks.
	ErrDamaged = errors.New("the file is damaged")

	// ErrTooManyIterations means a PFX asks for more key-derivation
	// iterations than LoadOptions.MaxIterations allows; it was refused
	// before any password was tried.
	ErrTooManyIterations = errors.New("the PFX asks for too many key-derivation iterations")

	// ErrUnsupported means the data is a well-formed certificate file in a
	// variant this package cannot read: a PFX protected by public-key
	// integrity, an encrypted private key, a key of a type Exchange cannot
	// use, an unknown PBE algorithm.
	ErrUnsupported = errors.New("unsupported certificate file variant")

	// ErrTooLarge means the data is larger than MaxFileSize, holds more
	// than MaxItems certificates, requests and keys, or a certificate or
	// request with more than MaxCertNames names.
	ErrTooLarge = errors.New("the file is too large")
)

// loadError is an error of Load: a specific one-line message, matching one
// sentinel with errors.Is.
type loadError struct {
	kind error  // one of the sentinels above
	msg  string // the whole message
}

func (e *loadError) Error() string { return e.msg }
func (e *loadError) Unwrap() error { return e.kind }

// failure returns a *loadError of kind with the message msg.
func failure(kind error, msg string) error { return &loadError{kind: kind, msg: msg} }
