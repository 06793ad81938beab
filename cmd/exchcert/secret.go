package main

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/exchcert/exchcert/internal/textenc"
)

// maxPasswordFile is the largest --password-file read.
const maxPasswordFile = 64 << 10

// errNoPassword means no password source was given and stdin is not a
// terminal to prompt on.
var errNoPassword = errors.New("a password is needed: use --password-env VAR or --password-file FILE, or run in a terminal to be prompted")

// passwordFlags say where a password comes from. A password is never a
// flag value: command lines end up in shell history and process lists.
type passwordFlags struct {
	env  string
	file string
}

func (f *passwordFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.env, "password-env", "", "read the password from environment variable `VAR`")
	cmd.Flags().StringVar(&f.file, "password-file", "", "read the password from the first line of `FILE`")
	cmd.MarkFlagsMutuallyExclusive("password-env", "password-file")
}

// given reports whether --password-env or --password-file was set.
func (f *passwordFlags) given() bool { return f.env != "" || f.file != "" }

// read returns the password from --password-env, --password-file or, when
// stdin is a terminal, a prompt on stderr (asked twice when confirm is set).
// It returns errNoPassword when there is no source.
func (f *passwordFlags) read(a *app, prompt string, confirm bool) ([]byte, error) {
	switch {
	case f.env != "":
		v := a.getenv(f.env)
		if v == "" {
			return nil, fmt.Errorf("--password-env: environment variable %s is not set or empty", f.env)
		}
		return []byte(v), nil
	case f.file != "":
		data, err := readInput(f.file, maxPasswordFile)
		if err != nil {
			return nil, err
		}
		warnLoose(a, f.file, "the password file")
		data = textenc.Decode(data)
		if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
			data = data[:i]
		}
		if len(data) == 0 {
			return nil, inFile(f.file, errors.New("the password file is empty"))
		}
		return data, nil
	case a.readPassword == nil:
		return nil, errNoPassword
	}
	pw, err := a.prompt(prompt)
	if err != nil {
		return nil, err
	}
	if confirm {
		again, err := a.prompt("Repeat the password: ")
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(pw, again) {
			return nil, errors.New("the passwords do not match")
		}
	}
	return pw, nil
}

// blame names where a refused password came from: the --password-file,
// the --password-env variable, or (for a prompt) nothing more.
func (f *passwordFlags) blame(err error) error {
	switch {
	case f.file != "":
		return inFile(f.file, err)
	case f.env != "":
		return fmt.Errorf("--password-env %s: %w", f.env, err)
	}
	return err
}

func (a *app) prompt(prompt string) ([]byte, error) {
	fmt.Fprint(a.stderr, prompt)
	pw, err := a.readPassword()
	fmt.Fprintln(a.stderr)
	if err != nil {
		return nil, fmt.Errorf("reading the password: %w", err)
	}
	return pw, nil
}

// notify prints what safefile's recovery of an interrupted earlier run did.
func (a *app) notify(msg string) { fmt.Fprintf(a.stderr, "exchcert: %s\n", msg) }
