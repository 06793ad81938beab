package textwrap

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/exchcert/exchcert/internal/safetext"
)

// tablewriterGrid renders a table with tablewriter as exchcert configured
// it before Grid drew its tables: the reference Grid is held to.
func tablewriterGrid(t testing.TB, header []string, rows [][]string) string {
	t.Helper()
	var buf bytes.Buffer
	tt := tablewriter.NewTable(&buf,
		tablewriter.WithSymbols(tw.NewSymbols(tw.StyleASCII)),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
	)
	tt.Header(header)
	for _, r := range rows {
		if err := tt.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := tt.Render(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func checkGrid(t testing.TB, header []string, rows [][]string) {
	t.Helper()
	got := Grid(header, rows)
	if want := tablewriterGrid(t, header, rows); got != want {
		t.Fatalf("header %q rows %q:\nGrid:\n%s\ntablewriter:\n%s", header, rows, got, want)
	}
}

// TestGridMatchesTablewriter holds Grid to tablewriter's bytes for the
// tables exchcert draws (cells wrapped to lines, names, escaped text) and
// their edge cases, then for random tables from a fixed seed.
func TestGridMatchesTablewriter(t *testing.T) {
	for _, c := range []struct {
		header []string
		rows   [][]string
	}{
		{[]string{"Name", "Role", "Why"}, [][]string{{"exch2.acme.com", "server", "the server's FQDN\nis the Common Name"}, {"acme.com", "root-domain", "short"}}},
		{[]string{"Thumbprint\n(SHA-1)", "Subject"}, [][]string{{"0123456789ABCDEF\n01234567", "CN=mail.contoso.com,\nO=Contoso"}}},
		{[]string{"Name", "Covered"}, nil},
		{[]string{"A", "B", "C"}, [][]string{{"only one"}, {"", "", ""}, {"x", "", "z"}}},
		{[]string{"A", "B"}, [][]string{{"a\n\n\nb", "c"}, {"\n", "\n"}, {"  padded  ", "\ttab-free"}}},
		{[]string{"Name", "Note"}, [][]string{{"例え.jp", "ﾃｽﾄ and 日本語"}, {"münchen.de", "café"}}},
		{[]string{"", ""}, [][]string{{"", ""}}},
		{[]string{"Head\n\nlines"}, [][]string{{"x"}}},
	} {
		checkGrid(t, c.header, c.rows)
	}
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"", " ", "  ", "a", "acme.com", "autodiscover.contoso.com", "CN=x,", "O=Y", "日本", "é", "\\x0a", "-", "0123456789ABCDEF"}
	cell := func() string {
		var b strings.Builder
		for range r.IntN(6) {
			b.WriteString(words[r.IntN(len(words))])
			switch r.IntN(4) {
			case 0:
				b.WriteString("\n")
			case 1:
				b.WriteString(" ")
			}
		}
		return b.String()
	}
	for range 2000 {
		cols := 1 + r.IntN(4)
		header := make([]string, cols)
		for i := range header {
			header[i] = cell()
		}
		rows := make([][]string, r.IntN(4))
		for i := range rows {
			// Now and then a row shorter or longer than the header.
			rows[i] = make([]string, max(0, cols+r.IntN(3)-1))
			for k := range rows[i] {
				rows[i][k] = cell()
			}
		}
		checkGrid(t, header, rows)
	}
}

// FuzzGridMatchesTablewriter looks further for a table that Grid and
// tablewriter draw differently: two columns, up to two rows.
func FuzzGridMatchesTablewriter(f *testing.F) {
	f.Add("Name", "Why", "exch2.acme.com", "the server's FQDN\nis the Common Name", "", "x")
	f.Add("", "", "\n", " \n ", "日本", "é\n\nb")
	f.Fuzz(func(t *testing.T, h1, h2, a1, a2, b1, b2 string) {
		// The cells exchcert draws: escaped text and its line breaks
		// (appendRow).
		e := func(s string) string { return safetext.EscapeExcept(s, "\n") }
		cells := []string{e(h1), e(h2), e(a1), e(a2), e(b1), e(b2)}
		// Grid measures text as exchcert fits and wraps it
		// (go-runewidth); tablewriter had a measure of its own, which
		// differs for a few characters (a lone combining mark, say). The
		// bytes are compared where the two agree.
		for _, c := range cells {
			for _, l := range strings.Split(c, "\n") {
				if runewidth.StringWidth(l) != twwidth.Width(l) {
					t.Skip()
				}
			}
		}
		checkGrid(t, cells[:2], [][]string{cells[2:4], cells[4:]})
	})
}
