// Package mdlinks checks the relative links of Markdown documents: every
// link to a file points at one that exists, and every #anchor at a heading
// of its target, named the way GitHub names heading anchors (lower case,
// punctuation dropped, spaces as hyphens, -1, -2 … for repeated headings).
// Links to other sites are not followed. Text inside code blocks and code
// spans is not a link.
package mdlinks

import (
	"bufio"
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
)

// Link is one link target of a document.
type Link struct {
	Line   int    // 1-based line of the document
	Target string // as written: path, path#anchor or #anchor
}

// Problem is a link that does not resolve.
type Problem struct {
	File   string // the document, as given to Check
	Line   int
	Target string
	Reason string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Target, p.Reason)
}

var (
	fence      = regexp.MustCompile("^\\s*(```|~~~)")
	codeSpan   = regexp.MustCompile("`+[^`]*`+")
	inlineLink = regexp.MustCompile(`\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)
	refDef     = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)`)
	heading    = regexp.MustCompile(`^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$`)
	htmlAnchor = regexp.MustCompile(`<a\s+(?:id|name)="([^"]+)"`)
	mdLink     = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	scheme     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
)

// lines calls fn for every line of doc outside fenced code blocks.
func lines(doc []byte, fn func(n int, line string)) {
	sc := bufio.NewScanner(bytes.NewReader(doc))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	inFence := false
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if fence.MatchString(line) {
			inFence = !inFence
			continue
		}
		if !inFence {
			fn(n, line)
		}
	}
}

// Links returns the targets of the inline links, images and link
// definitions of doc, in order.
func Links(doc []byte) []Link {
	var out []Link
	lines(doc, func(n int, line string) {
		line = codeSpan.ReplaceAllString(line, "")
		for _, m := range inlineLink.FindAllStringSubmatch(line, -1) {
			out = append(out, Link{n, m[1]})
		}
		if m := refDef.FindStringSubmatch(line); m != nil {
			out = append(out, Link{n, m[1]})
		}
	})
	return out
}

// Anchors returns the anchors of the headings of doc (and of <a id="…">
// elements in it).
func Anchors(doc []byte) map[string]bool {
	anchors := map[string]bool{}
	seen := map[string]int{}
	lines(doc, func(_ int, line string) {
		for _, m := range htmlAnchor.FindAllStringSubmatch(line, -1) {
			anchors[m[1]] = true
		}
		m := heading.FindStringSubmatch(line)
		if m == nil {
			return
		}
		slug := Slug(m[2])
		if k := seen[slug]; k > 0 {
			anchors[fmt.Sprintf("%s-%d", slug, k)] = true
		} else {
			anchors[slug] = true
		}
		seen[slug]++
	})
	return anchors
}

// Slug is the anchor GitHub gives a heading with the text title: links
// reduced to their text, lower case, every character but letters, digits,
// spaces, hyphens and underscores dropped, and spaces turned into hyphens.
func Slug(title string) string {
	title = mdLink.ReplaceAllString(title, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(title) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

// Check checks the links of the documents files, given relative to root.
// A link must stay inside root.
func Check(root string, files []string) ([]Problem, error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	anchorCache := map[string]map[string]bool{}
	anchorsOf := func(path string) (map[string]bool, error) {
		if a, ok := anchorCache[path]; ok {
			return a, nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		anchorCache[path] = Anchors(data)
		return anchorCache[path], nil
	}
	var problems []Problem
	for _, file := range files {
		path := filepath.Join(absRoot, filepath.FromSlash(file))
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		for _, l := range Links(data) {
			bad := func(reason string) {
				problems = append(problems, Problem{File: file, Line: l.Line, Target: l.Target, Reason: reason})
			}
			if scheme.MatchString(l.Target) || strings.HasPrefix(l.Target, "//") {
				continue // another site
			}
			ref, anchor, _ := strings.Cut(l.Target, "#")
			target := path
			if ref != "" {
				p, err := url.PathUnescape(ref)
				if err != nil {
					bad("not a valid path")
					continue
				}
				target = filepath.Join(filepath.Dir(path), filepath.FromSlash(p))
				if rel, err := filepath.Rel(absRoot, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
					bad("outside the repository")
					continue
				}
				st, err := os.Stat(target)
				if err != nil {
					bad("no such file")
					continue
				}
				if st.IsDir() {
					if anchor != "" {
						bad("an anchor on a folder")
					}
					continue
				}
			}
			if anchor == "" {
				continue
			}
			if !strings.EqualFold(filepath.Ext(target), ".md") {
				continue // anchors of other files (line numbers of code) are not checked
			}
			anchors, err := anchorsOf(target)
			if err != nil {
				return nil, err
			}
			if !anchors[anchor] {
				bad("no heading with the anchor #" + anchor)
			}
		}
	}
	return problems, nil
}
