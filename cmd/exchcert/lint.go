package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/lint"
)

type lintOptions struct {
	plan          planFlags
	password      passwordFlags
	format        typedFlag[lint.Format] // -o, and --format, its older name
	failOn        typedFlag[finding.Severity]
	jobs          int
	checks        checkFlags
	sources       string
	noZlint       bool
	lintCA        bool
	exclude       []string
	followOutside bool
}

func newLintCmd(a *app) *cobra.Command {
	o := lintOptions{
		format: typedFlag[lint.Format]{parse: lint.ParseFormat, kind: "format"},
		failOn: typedFlag[finding.Severity]{v: finding.Error, parse: finding.ParseSeverity, kind: "level"},
	}
	cmd := &cobra.Command{
		Use:   "lint [PATH...]",
		Short: "Check every certificate file in folders, for CI",
		Long: `Lint walks the folders given (default: the current one), finds the certificate
files by content (PEM, DER, P7B, PFX, CSR; the name does not matter) and
checks each with the checks of exchcert inspect: dates (--min-days), key
strength and signature algorithms, serverAuth, public-CA rules, the chain of
files that hold one (--roots), the private key in the file or in a .key file
of the same name next to it, and the names of a plan (--plan or the plan
flags). Then the zlint lints of RFC 5280 and the CA/Browser Forum Baseline
Requirements (--lint-sources chooses others, --no-zlint skips them).

Files that are not certificate files are ignored. Unreadable files, broken
links and PFX files that cannot be opened are findings. Version-control
folders are skipped and links to folders are not followed.

Reports: text for people, json (exchcert.lint/v1), junit (a test case per
file), sarif (2.1.0, for code scanning) or github (workflow annotations).
Exit 1 when a finding is at or above --fail-on (default error).`,
		Example: `  # Everything under the current folder, for people
  exchcert lint

  # In CI: certificates must cover the plan and last another 30 days
  exchcert lint --plan acme.plan.json --min-days 30 certs/

  # SARIF for GitHub code scanning, PFX password from a secret
  PFX_PASSWORD=... exchcert lint -o sarif --password-env PFX_PASSWORD > exchcert.sarif

  # Expiry, names and keys only, without the zlint lints
  exchcert lint --no-zlint --min-days 14 -o github`,
		RunE: func(cmd *cobra.Command, paths []string) error {
			return runLint(a, cmd, &o, paths)
		},
	}
	f := cmd.Flags()
	o.plan.register(f)
	o.password.register(cmd)
	f.VarP(&o.format, "output", "o", "report format: "+strings.Join(lint.FormatNames(), "|"))
	f.Var(&o.format, "format", "the older name of -o")
	_ = f.MarkHidden("format")
	f.Var(&o.failOn, "fail-on", "lowest finding level that makes the exit code 1: info|warning|error")
	f.IntVar(&o.jobs, "jobs", 0, "files checked at once (default: one per CPU core)")
	o.checks.register(f)
	f.StringVar(&o.sources, "lint-sources", strings.Join(lint.DefaultSources, ","),
		"zlint lint sources, comma-separated, or all: "+strings.Join(lint.Sources(), ","))
	f.BoolVar(&o.noZlint, "no-zlint", false, "skip the zlint lints; run exchcert's own checks only")
	f.BoolVar(&o.lintCA, "lint-ca", false, "run the zlint lints on CA certificates in the files too")
	f.StringArrayVar(&o.exclude, "exclude", nil, "leave out files and folders whose name or path matches `PATTERN` (repeatable)")
	f.BoolVar(&o.followOutside, "follow-outside", false, "open symbolic links to files outside the paths given (by default they are a link-outside finding and are not read)")
	cmd.MarkFlagsMutuallyExclusive("no-zlint", "lint-sources")
	cmd.MarkFlagsMutuallyExclusive("output", "format")
	return cmd
}

func runLint(a *app, cmd *cobra.Command, o *lintOptions, paths []string) error {
	if o.jobs < 0 {
		return &usageError{errors.New("--jobs must be 0 (one per core) or more")}
	}
	now, err := o.checks.when(a.now())
	if err != nil {
		return err
	}
	if err := lint.ValidateExclude(o.exclude); err != nil {
		return &usageError{fmt.Errorf("--exclude: %w", err)}
	}
	opt := lint.Options{
		Paths:         paths,
		Exclude:       o.exclude,
		Jobs:          o.jobs,
		FollowOutside: o.followOutside,
		LintCA:        o.lintCA,
		MinDays:       o.checks.minDays,
		FailSoon:      cmd.Flags().Changed("min-days"),
		Now:           now,
		FailOn:        o.failOn.v,
		PrivateCA:     o.plan.privateCA,
	}
	p, v, err := o.plan.loadOptional(a, cmd)
	if err != nil {
		return err
	}
	opt.Plan, opt.Exchange = p, v
	if !o.noZlint {
		// A private CA answers to no root program: the CA/Browser Forum
		// and browser rules are left out, and the report says so.
		newLinter := lint.NewLinter
		if o.plan.privateCA || p != nil && p.PrivateCA {
			newLinter = lint.NewPrivateCALinter
		}
		l, err := newLinter(splitList([]string{o.sources}))
		if err != nil {
			return &usageError{fmt.Errorf("--lint-sources: %w", err)}
		}
		opt.Linter = l
	}
	if opt.Roots, err = o.checks.pool(); err != nil {
		return err
	}
	if o.password.given() {
		// Read once, before the run: the workers share it. lint never
		// prompts; it runs in CI, and would ask once per PFX.
		pw, err := o.password.read(a, "", false)
		if err != nil {
			return err
		}
		opt.Password = func() ([]byte, error) { return append([]byte(nil), pw...), nil }
	}
	if p := newProgress(a.stderr); p != nil {
		opt.Progress = p.update
	}
	w := lint.NewWriter(a.stdout, o.format.v, lint.WriterOptions{FailOn: o.failOn.v, Version: version(), Width: widthOf(a.stdout)})
	sum, err := lint.Run(cmd.Context(), opt, w)
	if err != nil {
		var pe *lint.PathError
		if errors.As(err, &pe) {
			return inFile(pe.Path, pe.Err)
		}
		return err
	}
	if sum.HasFailures() {
		return errFindings
	}
	return nil
}

// version is exchcert's module version, for the SARIF tool section; empty
// for a development build.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Version == "(devel)" {
		return ""
	}
	return bi.Main.Version
}

// progress shows a line on stderr while a large tree is checked: only on a
// terminal, only after the first second, at most five times a second. CI
// logs (not terminals) never see it.
type progress struct {
	w     io.Writer
	last  time.Duration
	shown bool
}

func newProgress(stderr io.Writer) *progress {
	f, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return &progress{w: stderr}
}

func (p *progress) update(s lint.Progress) {
	if s.Done {
		if p.shown {
			fmt.Fprint(p.w, "\r\033[K")
		}
		return
	}
	if s.Elapsed < time.Second || s.Elapsed-p.last < 200*time.Millisecond {
		return
	}
	p.last, p.shown = s.Elapsed, true
	fmt.Fprintf(p.w, "\r\033[Kexchcert lint: %d files, %d certificate files, %.0f files/s",
		s.Files, s.CertificateFiles, float64(s.Files)/s.Elapsed.Seconds())
}
