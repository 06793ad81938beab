// Package wording holds the words exchcert uses for a problem that more
// than one command reports, so that a problem reads the same, with the
// same fix, whether inspect, lint, bind, pfx or report meets it.
package wording

const (
	// WrongPFXPassword: the password given does not open the PFX (its
	// MAC does not verify).
	WrongPFXPassword = "wrong password for PFX: the MAC check failed"
	// PFXNeedsPassword: the PFX has a password and the empty one does not
	// open it.
	PFXNeedsPassword = "the PFX is protected by a password and the empty one does not open it"
	// GivePassword is the fix for both: where a password comes from. A
	// password is never a flag value.
	GivePassword = "give the password with --password-env VAR or --password-file FILE"
	// OrPrompt follows GivePassword where a command may prompt.
	OrPrompt = ", or run in a terminal to be prompted"

	// RebuildLegacyPFX is the fix for a PFX that Windows Server 2016 and
	// older cannot import (AES-256 encryption, PBES2): the legacy encoding
	// imports on every Windows Server, and --windows 2016 chooses it.
	RebuildLegacyPFX = "rebuild the PFX with the legacy encoding (3DES, SHA-1) that every Windows Server imports: exchcert pfx --windows 2016"
)
