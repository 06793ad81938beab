package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// usageTemplate is cobra's default usage template with the flag lists
// wrapped to the output's width: what usage writes in Go.
func usageTemplate() string {
	return strings.NewReplacer(
		".LocalFlags.FlagUsages", "wrappedFlags .LocalFlags .",
		".InheritedFlags.FlagUsages", "wrappedFlags .InheritedFlags .",
	).Replace((&cobra.Command{}).UsageTemplate())
}

// TestUsageMatchesTemplate holds usage to the output of the template it
// replaces, for every command of exchcert (with the help and completion
// commands cobra adds when it runs) and for a made-up tree with what
// exchcert does not use yet: groups, aliases, help topics.
func TestUsageMatchesTemplate(t *testing.T) {
	cobra.AddTemplateFunc("wrappedFlags", func(fs *pflag.FlagSet, c *cobra.Command) string {
		return fs.FlagUsagesWrapped(widthOf(c.OutOrStdout()))
	})
	root := referenceRoot()
	root.InitDefaultHelpCmd()

	made := &cobra.Command{Use: "made", Short: "a made-up tree"}
	made.AddGroup(&cobra.Group{ID: "certs", Title: "Certificate commands:"})
	made.PersistentFlags().String("profile", "", "a global flag")
	grouped := &cobra.Command{Use: "grouped", Aliases: []string{"g", "grp"}, GroupID: "certs", Short: "in a group", Example: "  made grouped", Run: func(*cobra.Command, []string) {}}
	grouped.Flags().Bool("long", false, strings.Repeat("a long flag description ", 8))
	made.AddCommand(
		grouped,
		&cobra.Command{Use: "loose", Short: "in no group", Run: func(*cobra.Command, []string) {}},
		&cobra.Command{Use: "topic", Short: "a help topic: no Run, no subcommands"},
		&cobra.Command{Use: "hidden", Hidden: true, Run: func(*cobra.Command, []string) {}},
	)
	made.InitDefaultHelpCmd()
	madeAllGrouped := &cobra.Command{Use: "allgrouped"}
	madeAllGrouped.AddGroup(&cobra.Group{ID: "one", Title: "One:"})
	madeAllGrouped.AddCommand(&cobra.Command{Use: "only", GroupID: "one", Run: func(*cobra.Command, []string) {}})

	for _, tree := range []*cobra.Command{root, made, madeAllGrouped} {
		var walk func(*cobra.Command)
		walk = func(c *cobra.Command) {
			tree.SetUsageFunc(usage)
			got := c.UsageString()
			tree.SetUsageFunc(nil)
			tree.SetUsageTemplate(usageTemplate())
			want := c.UsageString()
			tree.SetUsageTemplate("")
			if got != want {
				t.Errorf("%s: usage differs from the template's\ngot:\n%s\nwant:\n%s", c.CommandPath(), got, want)
			}
			for _, sub := range c.Commands() {
				walk(sub)
			}
		}
		walk(tree)
	}
	// The walk covered the branches it is meant to: a command with
	// subcommands, groups, aliases and help topics.
	if !strings.Contains(made.UsageString(), "Additional help topics:") || !strings.Contains(grouped.UsageString(), "Aliases:") {
		t.Fatal("the made-up tree no longer has help topics or aliases")
	}
}

// TestVersionFastPath holds run's early answer to --version and -v to what
// cobra's --version flag prints.
func TestVersionFastPath(t *testing.T) {
	root := referenceRoot()
	var viaCobra strings.Builder
	root.SetOut(&viaCobra)
	root.SetArgs([]string{"--version"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, flag := range []string{"--version", "-v"} {
		var out, errOut strings.Builder
		if code := run([]string{flag}, strings.NewReader(""), &out, &errOut, func(string) string { return "" }); code != 0 || errOut.Len() != 0 {
			t.Fatalf("exchcert %s: exit %d, %q", flag, code, errOut.String())
		}
		if out.String() != viaCobra.String() || !strings.HasPrefix(out.String(), "exchcert ") {
			t.Errorf("exchcert %s prints %q, cobra's flag %q", flag, out.String(), viaCobra.String())
		}
	}
	// A full disk or closed pipe is an error, as on every other path.
	var errOut strings.Builder
	if code := run([]string{"--version"}, strings.NewReader(""), failingWriter{}, &errOut, func(string) string { return "" }); code != exitInput || !strings.Contains(errOut.String(), "no space left") {
		t.Errorf("exchcert --version to a full disk: exit %d, %q", code, errOut.String())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestPartialTree holds what newRootCmdFor leaves out to be invisible: a
// run with only the named command built, or with stand-ins for the
// root's help, writes and exits as a run with the whole tree does, for
// the root's help, every command's help, a flag it does not know, a
// missing value and a usage error of its own; and the list the partial
// tree is built from names every command by its own name and summary.
func TestPartialTree(t *testing.T) {
	whole := func(a *app, _ []string) *cobra.Command { return newRootCmd(a) }
	getenv := func(k string) string {
		if k == "COLUMNS" {
			return "100"
		}
		return ""
	}
	full := newRootCmd(&app{getenv: getenv})
	if len(full.Commands()) != len(commands) {
		t.Fatalf("the tree has %d commands, the list %d", len(full.Commands()), len(commands))
	}
	short := map[string]string{}
	for _, c := range commands {
		short[c.name] = c.short
	}
	for _, c := range full.Commands() {
		if s, ok := short[c.Name()]; !ok {
			t.Errorf("command %q of the tree is not in the list by that name", c.Name())
		} else if s != c.Short {
			t.Errorf("%s: the list's summary %q is not the command's %q", c.Name(), s, c.Short)
		}
		if len(c.Aliases) > 0 {
			t.Errorf("%s has aliases, which newRootCmdFor does not look for", c.Name())
		}
	}
	// acme's own commands, which newAcmeCmdFor builds only when named.
	acme, _, err := full.Find([]string{"acme"})
	if err != nil {
		t.Fatal(err)
	}
	if len(acme.Commands()) != len(acmeCommands) {
		t.Fatalf("acme has %d commands, the list %d", len(acme.Commands()), len(acmeCommands))
	}
	for i, c := range acmeCommands {
		if sub, _, err := acme.Find([]string{c.name}); err != nil || sub == acme || sub.Short != c.short {
			t.Errorf("acme's list, entry %d: %q %q is not a command of acme by that name and summary", i, c.name, c.short)
		}
	}
	// The root's help, built with stand-ins for the commands; then each
	// command alone.
	cases := [][]string{nil, {"--help"}, {"-h"}, {"help"}}
	for _, c := range full.Commands() {
		cases = append(cases, []string{"help", c.Name()},
			[]string{c.Name(), "--help"}, []string{c.Name(), "--no-such-flag"}, []string{c.Name(), "-o"},
			[]string{c.Name(), "--output", "yaml"}, []string{c.Name(), "--version"}, []string{c.Name(), "-v"},
			[]string{c.Name(), "completion"})
		for _, sub := range c.Commands() {
			cases = append(cases,
				[]string{c.Name(), sub.Name(), "--help"},
				[]string{c.Name(), sub.Name() + "x"},
				// A flag before the command's name: cobra still finds it.
				[]string{c.Name(), "--output", "json", sub.Name(), "--help"},
				[]string{c.Name(), sub.Name(), "--no-such-flag"},
			)
		}
	}
	for _, args := range cases {
		var wantOut, wantErr, gotOut, gotErr strings.Builder
		wantCode := runTree(whole, args, strings.NewReader(""), &wantOut, &wantErr, getenv)
		gotCode := run(args, strings.NewReader(""), &gotOut, &gotErr, getenv)
		if gotCode != wantCode || gotOut.String() != wantOut.String() || gotErr.String() != wantErr.String() {
			t.Errorf("exchcert %s: with the partial tree exit %d, stdout %q, stderr %q; with the whole tree exit %d, stdout %q, stderr %q",
				strings.Join(args, " "), gotCode, gotOut.String(), gotErr.String(), wantCode, wantOut.String(), wantErr.String())
		}
	}
}
