package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// app is what a command may touch outside its own flags: the standard
// streams, the environment and the clock. Tests replace any of them.
type app struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	now    func() time.Time
	// readPassword reads a password from the terminal without echo; nil
	// when stdin is not a terminal.
	readPassword func() ([]byte, error)
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	// exchcert --version alone, which scripts and the release check run,
	// is answered before the command tree is built; cobra would print the
	// same line through a text/template parsed at each run (BENCHMARKS.md).
	// TestVersionFastPath holds the two to the same output.
	if len(args) == 1 && (args[0] == "--version" || args[0] == "-v") {
		if _, err := fmt.Fprintln(stdout, buildVersion().String()); err != nil {
			fmt.Fprintf(stderr, "exchcert: %s\n", oneLine(err.Error()))
			return exitCode(err)
		}
		return 0
	}
	return runTree(newRootCmdFor, args, stdin, stdout, stderr, getenv)
}

// runTree runs exchcert with the command tree that tree builds for args.
func runTree(tree func(*app, []string) *cobra.Command, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	a := &app{stdin: stdin, stdout: &screen{stdout, terminalWidth(getenv, stdout)}, stderr: stderr, getenv: getenv, now: time.Now}
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		a.readPassword = func() ([]byte, error) { return term.ReadPassword(int(f.Fd())) }
	}
	root := tree(a, args)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	if err != nil {
		err = rewordGroupError(suggestCommand(root, err))
	}
	if err != nil && !errors.Is(err, errFindings) {
		fmt.Fprintf(stderr, "exchcert: %s\n", oneLine(err.Error()))
	}
	return exitCode(err)
}

// command is one of exchcert's commands, or one of a command's own.
type command struct {
	name  string // the first word of the command's Use
	short string // its Short, for the stand-in its parent's help lists
	build func(*app) *cobra.Command
	// buildFor, when set, builds the command for a run with args (the
	// arguments after its name), leaving out what that run cannot reach.
	buildFor func(a *app, args []string) *cobra.Command
}

// standIn is a command with only c's name and summary, for a parent's
// help to list when c itself is not needed: newRootCmdFor and
// newAcmeCmdFor add one only when the run's arguments do not name c, so
// cobra never runs it.
func (c command) standIn() *cobra.Command {
	return &cobra.Command{Use: c.name, Short: c.short, RunE: func(*cobra.Command, []string) error {
		return fmt.Errorf("internal error: %s was not built for this run", c.name)
	}}
}

// commands are exchcert's commands (help lists them sorted by name).
var commands = []command{
	{"plan", "Work out the names the Exchange certificate must cover, and why", newPlanCmd, nil},
	{"csr", "Make the private key and the certificate request for the plan", newCSRCmd, nil},
	{"inspect", "Check a delivered certificate against the plan", newInspectCmd, nil},
	{"pfx", "Build a password-protected PFX that the server's Windows version can import", newPfxCmd, nil},
	{"bind", "Print the Exchange Management Shell script that puts the certificate to work", newBindCmd, nil},
	{"probe", "Check the live Exchange endpoints the way clients see them", newProbeCmd, nil},
	{"acme", "Obtain the planned certificate from Let's Encrypt or another ACME CA", newAcmeCmd, func(a *app, args []string) *cobra.Command { return newAcmeCmdFor(a, args, false) }},
	{"lint", "Check every certificate file in folders, for CI", newLintCmd, nil},
	{"report", "Write the change-ticket report: plan, certificate and live services in one page", newReportCmd, nil},
	{"version", "Print the version, commit and build of exchcert", newVersionCmd, nil},
}

// newRootCmd builds the whole command tree.
func newRootCmd(a *app) *cobra.Command {
	root := newRoot(a)
	addVersionFlag(root)
	for _, c := range commands {
		root.AddCommand(c.build(a))
	}
	return root
}

// rootHelp reports whether args ask for the root's help and nothing else.
func rootHelp(args []string) bool {
	return len(args) == 0 || len(args) == 1 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")
}

// newRootCmdFor builds as much of the command tree as a run with args
// needs. Building all the commands, 285 flags in all, costs about 0.2 ms of
// each start (BENCHMARKS.md), and cobra looks at no other command when
// the first argument names one:
//   - for the root's help alone, the root with stand-ins that have only
//     the commands' names and summaries;
//   - when the first argument names a command, the root with that command
//     only, without the root's --version flag (which reads the build
//     information) and cobra's completion command;
//   - otherwise (help for a command, completion, a flag or a typing
//     mistake first) the whole tree.
//
// TestPartialTree holds each case to the whole tree's output.
func newRootCmdFor(a *app, args []string) *cobra.Command {
	if rootHelp(args) {
		root := newRoot(a)
		addVersionFlag(root)
		for _, c := range commands {
			root.AddCommand(c.standIn())
		}
		return root
	}
	for _, c := range commands {
		if len(args) > 0 && args[0] == c.name {
			root := newRoot(a)
			root.CompletionOptions.DisableDefaultCmd = true
			if c.buildFor != nil {
				root.AddCommand(c.buildFor(a, args[1:]))
			} else {
				root.AddCommand(c.build(a))
			}
			return root
		}
	}
	return newRootCmd(a)
}

// newRoot makes the root command, without its commands and --version.
func newRoot(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "exchcert",
		Short: "Plan, request, check and bind the certificate of a Microsoft Exchange server",
		Long: `exchcert gets an Exchange server from "we are adding a server" to "every client
connects without a certificate warning": it plans the names the certificate
needs, makes the key and request, checks what the CA delivered, and prints the
Exchange Management Shell commands that bind it.

Exit codes: 0 fine, 1 a check found problems, 2 usage or input error.`,
		Example: `  exchcert plan --fqdn exch2.acme.com --domain acme.com --exchange 2010 --from 2003
  exchcert plan --fqdn exch2.acme.com --domain acme.com -o json > acme.plan.json`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return &usageError{suggestFlag(cmd, err)} })
	// Help fits the width of the terminal: pflag wraps the flag lists,
	// fitLines what is still too long.
	help := root.HelpFunc()
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		out := c.OutOrStdout()
		var buf strings.Builder
		c.SetOut(&screen{&buf, widthOf(out)})
		help(c, args)
		c.SetOut(out)
		fmt.Fprint(out, fitLines(buf.String(), widthOf(out)))
	})
	root.SetUsageFunc(usage)
	return root
}
