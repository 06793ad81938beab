package exchange

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// versionsText spells a set of versions out, 2003 included, so a table row
// can be compared in full.
func versionsText(s Versions) string {
	var out []string
	for v := Exchange2003; v <= ExchangeSE; v++ {
		if s.Has(v) {
			out = append(out, v.String())
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, "|")
}

// tableText writes every row of the cmdlet table (after the index has
// added the Get- counterparts and the common parameters), the console
// steps, the -Services values and the external commands, one fact a line. The common and
// should-process parameters are listed once, and under a cmdlet only where
// their versions differ from the cmdlet's.
func tableText() string {
	var b strings.Builder
	fmt.Fprintf(&b, "common parameters: %s\n", strings.Join(commonParams, " "))
	fmt.Fprintf(&b, "should-process parameters: %s\n", strings.Join(shouldProcess, " "))
	for _, c := range Cmdlets() {
		fmt.Fprintf(&b, "\n%s %s\n  source %s\n", c.Name, versionsText(c.Versions), c.Source)
		var params []string
		for p := range c.Params {
			params = append(params, p)
		}
		sort.Strings(params)
		for _, p := range params {
			implied := slices.Contains(commonParams, p) || slices.Contains(shouldProcess, p)
			if implied && c.Params[p] == c.Versions {
				continue // in the header lines
			}
			fmt.Fprintf(&b, "  -%s %s\n", p, versionsText(c.Params[p]))
		}
	}
	b.WriteString("\nconsole steps\n")
	for _, m := range ManualSteps() {
		fmt.Fprintf(&b, "  %s %s [%s] %s\n    source %s\n", m.ID, versionsText(m.Versions), m.Tool, m.Text, m.Source)
	}
	b.WriteString("\n-Services values\n")
	for v := Exchange2003; v <= ExchangeSE; v++ {
		if vals, ok := servicesByVersion[v]; ok {
			fmt.Fprintf(&b, "  %s %s\n", v, strings.Join(vals, ","))
		}
	}
	b.WriteString("\nexternal commands\n")
	var ext []string
	for name := range externalCommands {
		ext = append(ext, name)
	}
	sort.Strings(ext)
	for _, name := range ext {
		fmt.Fprintf(&b, "  %s %s\n", name, versionsText(externalCommands[name]))
	}
	return b.String()
}

// TestCmdletTableGolden pins every row of the cmdlet table, the console
// steps and the external commands, so that a change to any of them fails a
// test even where no generated script uses the row: the change is then
// made on purpose, with go test ./exchange -update and a reviewed diff of
// testdata/cmdlet-table.txt.
func TestCmdletTableGolden(t *testing.T) {
	got := tableText()
	golden := filepath.Join("testdata", "cmdlet-table.txt")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("the cmdlet table differs from %s at line %d:\ngot  %q\nwant %q\n(a deliberate change: go test ./exchange -run TestCmdletTableGolden -update, then review the diff)", golden, i+1, g, w)
			}
		}
	}
}
