package mdlinks

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestSlug(t *testing.T) {
	for title, want := range map[string]string{
		"Exit codes":                                 "exit-codes",
		"The plan document (`exchcert.plan/v1`)":     "the-plan-document-exchcertplanv1",
		"Hardening: fuzzing and the bad-input suite": "hardening-fuzzing-and-the-bad-input-suite",
		"4. Shell completion":                        "4-shell-completion",
		"See [the guide](guide.md) now":              "see-the-guide-now",
		"snake_case keys":                            "snake_case-keys",
		"Größe":                                      "größe",
	} {
		if got := Slug(title); got != want {
			t.Errorf("Slug(%q) = %q, want %q", title, got, want)
		}
	}
}

func TestAnchorsRepeatedAndFenced(t *testing.T) {
	doc := "# Title\n\n## Usage\n\n```sh\n# not a heading\n```\n\n## Usage\n\n<a id=\"custom\"></a>\n### Usage ###\n"
	got := Anchors([]byte(doc))
	var names []string
	for a := range got {
		names = append(names, a)
	}
	sort.Strings(names)
	want := "custom,title,usage,usage-1,usage-2"
	if strings.Join(names, ",") != want {
		t.Errorf("anchors = %v, want %s", names, want)
	}
}

func TestLinksSkipCode(t *testing.T) {
	doc := "See [a](a.md) and `[b](b.md)`.\n\n```\n[c](c.md)\n```\n\n![img](img/x.png \"title\")\n[ref]: ref.md#top\n"
	var got []string
	for _, l := range Links([]byte(doc)) {
		got = append(got, l.Target)
	}
	if want := "a.md,img/x.png,ref.md#top"; strings.Join(got, ",") != want {
		t.Errorf("links = %v, want %s", got, want)
	}
}

// TestCheck builds a small tree with one link of every kind, good and bad.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("README.md", strings.Join([]string{
		"# Top",
		"[ok](docs/a.md) [ok anchor](docs/a.md#second-part) [self](#top) [site](https://example.com/x#y)",
		"[missing](docs/gone.md)",
		"[bad anchor](docs/a.md#nowhere)",
		"[bad self](#bottom)",
		"[folder](docs/) [code](main.go#L3)",
		"[escape](../outside.md)",
	}, "\n"))
	write("docs/a.md", "# A\n\n## Second part\n\n[back](../README.md#top) [broken](b.md)\n")
	write("main.go", "package main\n")
	problems, err := Check(dir, []string{"README.md", "docs/a.md"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	want := []string{
		"README.md:3: docs/gone.md: no such file",
		"README.md:4: docs/a.md#nowhere: no heading with the anchor #nowhere",
		"README.md:5: #bottom: no heading with the anchor #bottom",
		"README.md:7: ../outside.md: outside the repository",
		"docs/a.md:5: b.md: no such file",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// readmeLimit is the size README.md is kept under: what a new user reads
// first; the detail is in docs/.
const readmeLimit = 10_000

// TestRepositoryDocs checks the links of README.md and every page under
// docs/ (the generated reference included), and the size of README.md.
func TestRepositoryDocs(t *testing.T) {
	root := filepath.Join("..", "..")
	files := []string{"README.md", "BENCHMARKS.md"}
	err := filepath.WalkDir(filepath.Join(root, "docs"), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".md") {
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	problems, err := Check(root, files)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("broken link: %s", p)
	}
	st, err := os.Stat(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() > readmeLimit {
		t.Errorf("README.md is %d bytes, over %d: move the detail into a page under docs/ and link it", st.Size(), readmeLimit)
	}
}
