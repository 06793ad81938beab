package main

import (
	"errors"
	"strings"

	"github.com/exchcert/exchcert/internal/safetext"
)

// Exit codes, the same for every command (README "Exit codes").
const (
	exitOK       = 0 // fine
	exitFindings = 1 // the check ran and found problems
	exitInput    = 2 // usage or input error: bad flag, unreadable file, wrong password, refused name
)

// errFindings makes a command exit 1 without printing anything more: the
// report it already wrote says what was found.
var errFindings = errors.New("problems found")

// usageError marks a command-line mistake (unknown flag, bad flag value,
// wrong argument count).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// runError marks a command that ran and failed for a reason outside its
// input, such as a CA or network failure during an ACME order: exit 1,
// with the error's one-line message (unlike errFindings, which is silent).
type runError struct{ err error }

func (e *runError) Error() string { return e.err.Error() }
func (e *runError) Unwrap() error { return e.err }

// exitCode maps the error a command returned to the process exit code.
func exitCode(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errFindings):
		return exitFindings
	}
	var re *runError
	if errors.As(err, &re) {
		return exitFindings
	}
	return exitInput
}

// oneLine folds an error message onto one line and escapes what else could
// act on the terminal: an error may quote a file name, a certificate's
// subject or a server's answer.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\r\n", "; ")
	return safetext.Escape(strings.ReplaceAll(s, "\n", "; "))
}

// fileError names the file an error is about, once.
type fileError struct {
	name string
	err  error
	is   bool // err is a phrase to follow "NAME is": "NAME is a CRL, not a certificate"
}

func (e *fileError) Error() string {
	if e.is {
		return safetext.Escape(e.name) + " is " + e.err.Error()
	}
	return safetext.Escape(e.name) + ": " + e.err.Error()
}
func (e *fileError) Unwrap() error { return e.err }

// inFile wraps err with the file name unless it already names one.
func inFile(name string, err error) error {
	if err == nil {
		return nil
	}
	var fe *fileError
	if errors.As(err, &fe) {
		return err
	}
	return &fileError{name: name, err: err}
}
