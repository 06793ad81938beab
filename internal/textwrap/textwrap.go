// Package textwrap lays out text for people at a terminal's width: it
// wraps at spaces, with long words broken and with a hanging indent, and
// draws tables of cells that are already wrapped (Grid).
package textwrap

import (
	"strings"

	"github.com/mattn/go-runewidth"
)

// minLine is the narrowest line Hanging wraps to.
const minLine = 20

// Width is the number of terminal columns s takes (go-runewidth's
// StringWidth). Text that is all printable ASCII, nearly all of what
// exchcert writes, is measured by its length: StringWidth walks every
// string grapheme by grapheme, which was a third of the time --help spent
// fitting its lines to the terminal.
func Width(s string) int {
	for i := 0; i < len(s); i++ {
		// The fast path is only faster: moving either bound inwards (a
		// mutant that lives) sends ' ' or '~' to StringWidth, which
		// measures them as 1 too.
		if s[i] < 0x20 || s[i] > 0x7e {
			return runewidth.StringWidth(s)
		}
	}
	return len(s)
}

// Soft breaks text into lines of at most width characters at spaces; a
// word longer than width stays whole.
func Soft(text string, width int) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Fields(text) {
		if i > 0 {
			if n+1+Width(w) > width {
				b.WriteByte('\n')
				n = 0
			} else {
				b.WriteByte(' ')
				n++
			}
		}
		b.WriteString(w)
		n += Width(w)
	}
	return b.String()
}

// Hard wraps each line of text at spaces to at most width columns,
// and breaks a word longer than that (a thumbprint, a URL) into pieces.
func Hard(text string, width int) string {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		for _, w := range strings.Split(Soft(l, width), "\n") {
			for Width(w) > width {
				cut := runewidth.Truncate(w, width, "")
				if cut == "" {
					break
				}
				lines = append(lines, cut)
				w = w[len(cut):]
			}
			lines = append(lines, w)
		}
	}
	return strings.Join(lines, "\n")
}

// Hanging writes head and then text wrapped to width, each line after
// the first indented by indent spaces (a hanging indent). A word longer
// than a line is broken; a word may also break at a NUL byte, which is
// dropped (to mark the places in a long list of values).
func Hanging(head, text string, indent, width int) string {
	restWidth := max(width-indent, 1)
	limit := max(width-Width(head), 1)
	var b strings.Builder
	b.WriteString(head)
	n := 0
	for _, word := range strings.Fields(text) {
		for k, piece := range strings.Split(word, "\x00") {
			for _, w := range strings.Split(Hard(piece, restWidth), "\n") {
				wl := Width(w)
				sep := 1
				if k > 0 {
					sep = 0
				}
				switch {
				case n > 0 && n+sep+wl > limit:
					b.WriteString("\n" + strings.Repeat(" ", indent))
					n, limit = 0, restWidth
				case n > 0 && sep == 1:
					b.WriteByte(' ')
					n++
				}
				b.WriteString(w)
				n += wl
			}
		}
	}
	return b.String()
}
