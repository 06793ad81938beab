package main

import (
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"

	"github.com/exchcert/exchcert/internal/safetext"
	"github.com/exchcert/exchcert/internal/textwrap"
)

// Terminal widths: tables, help and finding lines fit defaultWidth unless
// COLUMNS or the terminal says otherwise, and never less than minWidth.
const (
	defaultWidth = 80 // the Exchange Management Shell's console window
	minWidth     = 40
)

// screen is stdout with the width that text for people is fitted to. JSON
// and the other machine formats ignore it.
type screen struct {
	io.Writer
	width int
}

// terminalWidth is COLUMNS when set, else the width of the terminal out
// writes to, else defaultWidth.
func terminalWidth(getenv func(string) string, out io.Writer) int {
	if n, err := strconv.Atoi(strings.TrimSpace(getenv("COLUMNS"))); err == nil && n > 0 {
		return max(n, minWidth)
	}
	if f, ok := out.(*os.File); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return max(w, minWidth)
		}
	}
	return defaultWidth
}

// widthOf is the width text written to w is fitted to.
func widthOf(w io.Writer) int {
	if s, ok := w.(*screen); ok {
		return s.width
	}
	return defaultWidth
}

// table collects a table's rows and renders them with ASCII borders, the
// same bytes on every terminal, each column's cells wrapped so that the
// table fits the width of the writer.
type table struct {
	w      io.Writer
	header []string
	rows   [][]string
}

func newTable(w io.Writer, header ...string) *table {
	return &table{w: w, header: header}
}

// Append adds a row as it is; appendRow escapes the cells first.
func (t *table) Append(cells []string) error {
	t.rows = append(t.rows, cells)
	return nil
}

// Render fits the columns to the width and writes the table.
func (t *table) Render() error {
	natural := make([]int, len(t.header))
	for _, row := range append([][]string{t.header}, t.rows...) {
		for i, c := range row {
			for _, l := range strings.Split(c, "\n") {
				natural[i] = max(natural[i], textwrap.Width(l))
			}
		}
	}
	// Each column takes its text and three more characters ("| " and a
	// space); the last border is one more.
	minimum := make([]int, len(t.header))
	for i, h := range t.header {
		for _, w := range strings.Fields(h) {
			minimum[i] = max(minimum[i], min(textwrap.Width(w), natural[i]))
		}
	}
	avail := widthOf(t.w) - 3*len(natural) - 1
	if t.tooNarrow(avail) {
		return t.renderRecords()
	}
	widths := fitColumns(natural, minimum, avail)
	_, err := io.WriteString(t.w, textwrap.Grid(wrapCells(t.header, widths), wrapRows(t.rows, widths)))
	return err
}

// wrapRows wraps each row's cells to the columns' widths.
func wrapRows(rows [][]string, widths []int) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = wrapCells(r, widths)
	}
	return out
}

// maxWordBreak is the longest word a column may break rather than the
// table turn into records (a thumbprint or a URL breaks; a name, an
// address or a date should not).
const maxWordBreak = 24

// tooNarrow reports whether avail characters cannot hold every column at
// the width of its longest word (up to maxWordBreak), so that the rows are
// better shown as records.
func (t *table) tooNarrow(avail int) bool {
	need := 0
	for i := range t.header {
		longest := 0
		for _, row := range append([][]string{t.header}, t.rows...) {
			if i < len(row) {
				for _, w := range strings.Fields(row[i]) {
					longest = max(longest, min(textwrap.Width(w), maxWordBreak))
				}
			}
		}
		need += longest
	}
	return need > avail
}

// renderRecords writes each row as a block of "Header: value" lines, the
// values wrapped under each other, for tables too wide for the terminal.
func (t *table) renderRecords() error {
	label := 0
	for _, h := range t.header {
		label = max(label, textwrap.Width(h)+2)
	}
	var b strings.Builder
	for k, row := range t.rows {
		if k > 0 {
			b.WriteString("\n")
		}
		for i, c := range row {
			head := t.header[i] + ":" + strings.Repeat(" ", label-textwrap.Width(t.header[i])-1)
			text := strings.Join(strings.Fields(c), " ")
			if text == "" {
				text = "-"
			}
			b.WriteString(textwrap.Hanging(head, text, label, widthOf(t.w)) + "\n")
		}
	}
	_, err := io.WriteString(t.w, b.String())
	return err
}

// fitColumns narrows the widest column, one character at a time, until
// the columns fit in avail characters; no column gets narrower than its
// minimum (the longest word of its header) unless nothing else fits.
func fitColumns(natural, minimum []int, avail int) []int {
	widths := append([]int(nil), natural...)
	total := 0
	for _, n := range natural {
		total += n
	}
	for floor := range 2 {
		for total > avail {
			widest := -1
			for i, w := range widths {
				low := 1
				if floor == 0 {
					low = minimum[i]
				}
				if w > low && (widest < 0 || w > widths[widest]) {
					widest = i
				}
			}
			if widest < 0 {
				break
			}
			widths[widest]--
			total--
		}
	}
	return widths
}

// wrapCells wraps each cell to its column's width.
func wrapCells(cells []string, widths []int) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = wrapCell(c, widths[i])
	}
	return out
}

// cellBreaks marks where a cell may break besides spaces: after the
// commas and slashes of names, DNs and URLs (textwrap breaks at "\x00").
// listBreaks marks the places after each "|" and "," of a list of values.
var (
	cellBreaks = strings.NewReplacer(",", ",\x00", "/", "/\x00")
	listBreaks = strings.NewReplacer("|", "|\x00", ",", ",\x00")
)

// wrapCell wraps a cell that is wider than width anew, at spaces and
// after the commas and slashes of names, DNs and URLs.
func wrapCell(c string, width int) string {
	for _, l := range strings.Split(c, "\n") {
		if textwrap.Width(l) > width {
			return textwrap.Hanging("", cellBreaks.Replace(c), 0, width)
		}
	}
	return c
}

// appendRow adds a row to a table, every cell escaped except for the line
// breaks wrap puts in; cells from files and servers are escaped before
// wrapping, so a line break of their own shows as \x0a.
func appendRow(t *table, cells ...string) error {
	for i, c := range cells {
		cells[i] = safetext.EscapeExcept(c, "\n")
	}
	return t.Append(cells)
}

// appendRows adds the rows and renders the table.
func appendRows(t *table, rows [][]string) error {
	for _, r := range rows {
		if err := appendRow(t, r...); err != nil {
			return err
		}
	}
	return t.Render()
}

// fitLines wraps every line of text longer than width at spaces, or
// after a "|" or "," in a long list, each continuation indented four more
// than its line: for help text, whose flag lists pflag has wrapped
// already but whose value lists and examples can be longer.
func fitLines(text string, width int) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if textwrap.Width(l) <= width {
			out = append(out, l)
			continue
		}
		body := strings.TrimLeft(l, " ")
		indent := len(l) - len(body)
		var words []string
		for _, w := range strings.Fields(body) {
			words = append(words, markList(w, width-indent-4))
		}
		out = append(out, strings.Split(textwrap.Hanging(strings.Repeat(" ", indent), strings.Join(words, " "), min(indent+4, width/2), width), "\n")...)
	}
	return strings.Join(out, "\n")
}

// markList marks the places after each "|" and "," of a word longer
// than width where hanging may break it, so that a long list of values
// wraps between values.
func markList(word string, width int) string {
	if textwrap.Width(word) <= width {
		return word
	}
	return strings.TrimSuffix(listBreaks.Replace(word), "\x00")
}
