package textwrap

import "strings"

// Grid draws a table of cells that are already wrapped, in the
// ASCII-bordered form exchcert's tables have always had (tablewriter's
// StyleASCII, left-aligned, no wrapping of its own): a border line, the
// header, a border line, and the rows with a border line under them if
// there are any (a row of no cells draws no line); each column as wide as
// its widest line, with a space either side. As tablewriter did, a cell is
// trimmed of the white space around it, and a row's continuation lines
// that are blank in every column are left out.
//
// exchcert fits and wraps the cells itself (fitColumns and wrapCell in
// cmd/exchcert), so tablewriter only drew these borders, and it cost up to
// 1 ms of a start: a width cache made in its package init, in every
// command, and a 10,240-entry cache made for each table (BENCHMARKS.md).
// TestGridMatchesTablewriter holds Grid to tablewriter's output, byte for
// byte.
func Grid(header []string, rows [][]string) string {
	var b strings.Builder
	n := len(header)
	for _, r := range rows {
		n = max(n, len(r))
	}
	split := func(cells []string, body bool) [][]string {
		if body && len(cells) == 0 {
			return nil
		}
		cols := make([][]string, n)
		lines := 1
		for i := range cols {
			if i < len(cells) {
				cols[i] = strings.Split(strings.TrimSpace(cells[i]), "\n")
			} else {
				cols[i] = []string{""}
			}
			lines = max(lines, len(cols[i]))
		}
		var out [][]string
		for j := range lines {
			line := make([]string, n)
			blank := true
			for i, c := range cols {
				if j < len(c) {
					line[i] = c[j]
				}
				blank = blank && strings.TrimSpace(line[i]) == ""
			}
			if body && j > 0 && blank {
				continue
			}
			out = append(out, line)
		}
		return out
	}
	head := split(header, false)
	var body [][]string
	for _, r := range rows {
		body = append(body, split(r, true)...)
	}
	widths := make([]int, n)
	for _, l := range append(head[:len(head):len(head)], body...) {
		for i, c := range l {
			widths[i] = max(widths[i], Width(c))
		}
	}
	border := func() {
		b.WriteString("+")
		for _, w := range widths {
			b.WriteString(strings.Repeat("-", w+2) + "+")
		}
		b.WriteString("\n")
	}
	draw := func(lines [][]string) {
		for _, l := range lines {
			b.WriteString("|")
			for i, c := range l {
				b.WriteString(" " + c + strings.Repeat(" ", widths[i]-Width(c)) + " |")
			}
			b.WriteString("\n")
		}
	}
	border()
	draw(head)
	border()
	if len(rows) > 0 {
		draw(body)
		border()
	}
	return b.String()
}
