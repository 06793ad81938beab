package main

// The command reference in docs/reference (Markdown) and docs/man (man
// pages) is generated from the cobra command tree, so that the flags and
// help texts are written once, in the commands. TestReference fails when
// the committed pages differ from what the commands say;
//
//	go generate ./cmd/exchcert
//
// rewrites them (doc.go holds the go:generate line, which runs this test
// with -write-reference).

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"
)

var writeReference = flag.Bool("write-reference", false, "rewrite docs/reference and docs/man from the command tree")

// referenceDirs are the generated folders, relative to the repository
// root; nothing else is in them.
var referenceDirs = []string{"docs/reference", "docs/man"}

const repoRoot = "../.."

const referenceNote = "<!-- Generated from the exchcert command tree by `go generate ./cmd/exchcert`; do not edit. -->\n\n"

// referenceRoot is the command tree as a user's exchcert has it: with
// the --version flag and cobra's completion command, which Execute adds at
// run time.
func referenceRoot() *cobra.Command {
	a := &app{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }, now: time.Now}
	root := newRootCmd(a)
	root.InitDefaultVersionFlag()
	root.InitDefaultCompletionCmd()
	root.DisableAutoGenTag = true // no generation date: the pages change only when the commands do
	return root
}

// manTH matches the title line of a man page, whose third field is the
// month cobra generated it in.
var manTH = regexp.MustCompile(`(?m)^(\.TH "[^"]*" "[^"]*") "[^"]*"`)

// renderReference returns the generated pages, keyed by their path
// relative to the repository root, with forward slashes.
func renderReference(root *cobra.Command) (map[string][]byte, error) {
	tmp, err := os.MkdirTemp("", "exchcert-reference-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	md, man := filepath.Join(tmp, "reference"), filepath.Join(tmp, "man")
	for _, d := range []string{md, man} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return nil, err
		}
	}
	prepend := func(string) string { return referenceNote }
	if err := doc.GenMarkdownTreeCustom(root, md, prepend, func(s string) string { return s }); err != nil {
		return nil, err
	}
	// The man pages go through a Markdown renderer, which would take
	// <domain> for an HTML tag and drop it: a second tree, escaped.
	manRoot := referenceRoot()
	escapeForMarkdown(manRoot, map[*pflag.Flag]bool{})
	header := &doc.GenManHeader{Section: "1", Source: "exchcert", Manual: "exchcert manual"}
	if err := doc.GenManTree(manRoot, header, man); err != nil {
		return nil, err
	}
	pages := map[string][]byte{}
	for rel, dir := range map[string]string{"docs/reference": md, "docs/man": man} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				return nil, err
			}
			if rel == "docs/man" {
				data = manTH.ReplaceAll(data, []byte(`$1 ""`))
			}
			pages[rel+"/"+e.Name()] = data
		}
	}
	return pages, nil
}

// escapeForMarkdown escapes the Markdown characters in the texts of c and
// its subcommands, outside `code` spans, so that they reach the man page
// as written.
func escapeForMarkdown(c *cobra.Command, seen map[*pflag.Flag]bool) {
	c.Short, c.Long = markdownEscape(c.Short), markdownEscape(c.Long)
	escapeFlag := func(f *pflag.Flag) {
		if !seen[f] {
			seen[f] = true
			f.Usage = markdownEscape(f.Usage)
		}
	}
	c.Flags().VisitAll(escapeFlag)
	c.PersistentFlags().VisitAll(escapeFlag)
	for _, sub := range c.Commands() {
		escapeForMarkdown(sub, seen)
	}
}

func markdownEscape(s string) string {
	var b strings.Builder
	inCode := false
	for _, r := range s {
		switch {
		case r == '`':
			inCode = !inCode
		case !inCode && strings.ContainsRune(`\*_<>[]`, r):
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// committedReference reads the generated folders under root.
func committedReference(root string) (map[string][]byte, error) {
	pages := map[string][]byte{}
	for _, rel := range referenceDirs {
		entries, err := os.ReadDir(filepath.Join(root, rel))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(root, rel, e.Name()))
			if err != nil {
				return nil, err
			}
			// A checkout on Windows may have turned the line ends into CRLF.
			pages[rel+"/"+e.Name()] = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		}
	}
	return pages, nil
}

// referenceDiff lists the pages that differ between want (generated) and
// got (committed): changed, missing or left over from a removed command.
func referenceDiff(want, got map[string][]byte) []string {
	var diffs []string
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			diffs = append(diffs, name+" is missing")
		case !bytes.Equal(w, g):
			diffs = append(diffs, name+" is out of date")
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			diffs = append(diffs, name+" belongs to no command")
		}
	}
	sort.Strings(diffs)
	return diffs
}

// writeReferencePages replaces the generated folders under root with
// pages.
func writeReferencePages(root string, pages map[string][]byte) error {
	for _, rel := range referenceDirs {
		dir := filepath.Join(root, rel)
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	for name, data := range pages {
		if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(name)), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func TestReference(t *testing.T) {
	// Help texts do not depend on the terminal the test runs in.
	t.Setenv("COLUMNS", "80")
	want, err := renderReference(referenceRoot())
	if err != nil {
		t.Fatal(err)
	}
	if *writeReference {
		if err := writeReferencePages(repoRoot, want); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d pages to %s", len(want), strings.Join(referenceDirs, " and "))
		return
	}
	got, err := committedReference(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	if diffs := referenceDiff(want, got); len(diffs) > 0 {
		t.Errorf("the command reference in docs/ does not match the commands; run `go generate ./cmd/exchcert` and commit the result:\n\t%s",
			strings.Join(diffs, "\n\t"))
	}
}

// TestReferenceCoversEveryCommand checks the generator itself: a page and
// a man page per command, every flag of a command on its page, no date.
func TestReferenceCoversEveryCommand(t *testing.T) {
	root := referenceRoot()
	pages, err := renderReference(root)
	if err != nil {
		t.Fatal(err)
	}
	var visit func(c *cobra.Command)
	visit = func(c *cobra.Command) {
		if !c.IsAvailableCommand() && c != root {
			return
		}
		md := "docs/reference/" + strings.ReplaceAll(c.CommandPath(), " ", "_") + ".md"
		man := "docs/man/" + strings.ReplaceAll(c.CommandPath(), " ", "-") + ".1"
		page, ok := pages[md]
		if !ok {
			t.Errorf("no %s for %q", md, c.CommandPath())
		}
		if _, ok := pages[man]; !ok {
			t.Errorf("no %s for %q", man, c.CommandPath())
		}
		c.NonInheritedFlags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden && !bytes.Contains(page, []byte("--"+f.Name)) {
				t.Errorf("%s does not mention --%s", md, f.Name)
			}
		})
		for _, sub := range c.Commands() {
			visit(sub)
		}
	}
	visit(root)
	undated := regexp.MustCompile(`(?m)^\.TH "[^"]*" "1" "" `)
	for name, data := range pages {
		if bytes.Contains(data, []byte("Auto generated")) || (strings.HasPrefix(name, "docs/man/") && !undated.Match(data)) {
			t.Errorf("%s carries a generation date", name)
		}
	}
}

// TestReferenceDiff checks that a stale, missing or left-over page is
// reported.
func TestReferenceDiff(t *testing.T) {
	want := map[string][]byte{"docs/reference/exchcert.md": []byte("a"), "docs/man/exchcert.1": []byte("b")}
	if d := referenceDiff(want, map[string][]byte{"docs/reference/exchcert.md": []byte("a"), "docs/man/exchcert.1": []byte("b")}); len(d) != 0 {
		t.Errorf("equal trees differ: %q", d)
	}
	got := map[string][]byte{"docs/reference/exchcert.md": []byte("old"), "docs/reference/exchcert_gone.md": []byte("c")}
	d := referenceDiff(want, got)
	wantD := []string{"docs/man/exchcert.1 is missing", "docs/reference/exchcert.md is out of date", "docs/reference/exchcert_gone.md belongs to no command"}
	if strings.Join(d, "|") != strings.Join(wantD, "|") {
		t.Errorf("diff = %q, want %q", d, wantD)
	}
}

// commandPages are the hand-written page of each command under docs/.
var commandPages = map[string]string{
	"plan": "plan.md", "csr": "csr.md", "inspect": "inspect.md", "pfx": "pfx.md", "bind": "bind.md",
	"lint": "lint.md", "probe": "probe.md", "acme": "acme.md", "report": "report.md",
}

var (
	flagName  = regexp.MustCompile(`(?:^|[^a-z0-9-])--([a-z][a-z0-9-]*)`)
	tableFlag = regexp.MustCompile("^\\| *([^|]*)\\|")
)

// TestCommandPages checks the hand-written page of each command against
// the command: every flag its flag table names exists, and every flag of
// the command (and of its subcommands) is on the page.
func TestCommandPages(t *testing.T) {
	root := referenceRoot()
	for name, page := range commandPages {
		cmd, _, err := root.Find([]string{name})
		if err != nil || cmd == root {
			t.Errorf("docs/%s: no command %q", page, name)
			continue
		}
		data, err := os.ReadFile(filepath.Join(repoRoot, "docs", page))
		if err != nil {
			t.Fatal(err)
		}
		flags := map[string]bool{}
		var collect func(c *cobra.Command)
		collect = func(c *cobra.Command) {
			c.Flags().VisitAll(func(f *pflag.Flag) { flags[f.Name] = true })
			for _, sub := range c.Commands() {
				collect(sub)
			}
		}
		collect(cmd)
		for _, line := range strings.Split(string(data), "\n") {
			m := tableFlag.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			for _, f := range flagName.FindAllStringSubmatch(m[1], -1) {
				if !flags[f[1]] {
					t.Errorf("docs/%s names --%s in a table, which exchcert %s does not have", page, f[1], name)
				}
			}
		}
		mentioned := map[string]bool{}
		for _, f := range flagName.FindAllStringSubmatch(string(data), -1) {
			mentioned[f[1]] = true
		}
		if strings.Contains(string(data), "plan flags") { // the flags of exchcert plan, documented on its page
			planCmd, _, _ := root.Find([]string{"plan"})
			planCmd.Flags().VisitAll(func(f *pflag.Flag) { mentioned[f.Name] = mentioned[f.Name] || f.Name != "output" })
		}
		if strings.Contains(string(data), "`-o") {
			mentioned["output"] = true
		}
		var missing []string
		for f := range flags {
			if !mentioned[f] && f != "help" {
				missing = append(missing, "--"+f)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("docs/%s does not mention %s of exchcert %s", page, strings.Join(missing, ", "), name)
		}
	}
}
