package exchange

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The tests in this file pin what the two script checkers of validate.go
// report, with the line and the text they name, at the edges mutation
// testing (docs/mutation.md) found no other test holding: strings and
// brackets that end the script, here-strings, variable names inside
// double quotes, line continuations.

// problemLines returns each problem of err as "line N: problem (text)", or
// nil when err is nil.
func problemLines(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var se ScriptErrors
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not ScriptErrors", err)
	}
	var out []string
	for _, p := range se {
		out = append(out, p.String())
	}
	return out
}

func checkOne(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCheckSyntaxExact(t *testing.T) {
	undef := func(line int, name, text string) string {
		return fmt.Sprintf("line %d: $%s inside a double-quoted string is not a variable the script sets (use single quotes, or `$ for a literal $) (%s)", line, name, text)
	}
	tests := []struct {
		name   string
		script string
		want   []string
	}{
		// Every assignment in the script counts, not only the first.
		{"two variables", "$a = 1\n$b = 2\nWrite-Host \"$a $b\"\n", nil},
		{"the problem names its line and text", "Write-Host 'x'\nWrite-Host \"x $undefined y\"\nWrite-Host 'z'\n",
			[]string{undef(2, "undefined", `Write-Host "x $undefined y"`)}},
		// The first line and the last line (no line break after it) are
		// quoted like any other.
		{"text of the only line", "Write-Host 'open", []string{"line 1: unterminated single-quoted string (Write-Host 'open)"}},
		{"text of the last line", "Write-Host 'a'\n  Write-Host 'open", []string{"line 2: unterminated single-quoted string (Write-Host 'open)"}},
		{"$ ends the script", "Write-Host \"a$", []string{
			"line 1: a $ at the end of a double-quoted string (Write-Host \"a$)",
			"line 1: unterminated double-quoted string (Write-Host \"a$)"}},
		{"$( ends the script", "Write-Host \"$(a", []string{"line 1: unterminated double-quoted string (Write-Host \"$(a)"}},
		{"variable ends the script", "$a = 1\nWrite-Host \"$a", []string{"line 2: unterminated double-quoted string (Write-Host \"$a)"}},
		// ${…} may hold any character, a $ too; what follows is read again
		// from after the brace.
		{"braced name with $", "Write-Host \"${cost$} and $(1 + 2)$undefined\"\n", []string{undef(1, "undefined", `Write-Host "${cost$} and $(1 + 2)$undefined"`)}},
		// A variable name takes letters a-z, A-Z, digits, _ and : and
		// stops at anything else.
		{"variable name characters", "$xazAZ09_ = 1\nWrite-Host \"$xazAZ09_ end\" \"[$XAZaz09_]\" \"$env:Path\" \"$xazAZ09_-1\"\n", nil},
		{"variable name stops at a space", "$ab = 1\nWrite-Host \"$ab c\" \"$a b\"\n", []string{undef(2, "a", `Write-Host "$ab c" "$a b"`)}},
		{"line breaks counted", "Write-Host 'a'\n\nWrite-Host (\n", []string{"line 3: '(' is never closed (Write-Host ()"}},
		{"comment ends the script", "Write-Host 'a' # no line break (", nil},
		// A block comment ends at the first #> after <#; <#> opens one.
		{"block comments", "<##>Write-Host (<#\n#>'a' <# ) #>)\n<#>\n#> Write-Host ]\n", []string{"line 4: ']' closes nothing that is open (#> Write-Host ])"}},
		{"block comment <#>", "Write-Host 'a'\n<#> Write-Host 'b'\n", []string{"line 2: unterminated block comment <# (<#> Write-Host 'b')"}},
		{"comment then code", "# ( ' \"\nWrite-Host )\n", []string{"line 2: ')' closes nothing that is open (Write-Host ))"}},
		// Here-strings: the body starts on the line after @" and the
		// terminator is on a line of its own; lines are counted across them.
		{"here-string lines", "$x = @\"\nline $x\nsecond\n\"@\nWrite-Host \"$y\"\n", []string{undef(5, "y", `Write-Host "$y"`)}},
		{"here-string single lines", "Write-Host 'x'; $h = @'\nit's $no (\n'@\n)\n", []string{"line 4: ')' closes nothing that is open ())"}},
		{"here-string $ on its line", "$a = 1\n$x = @\"\none\n`$ $a$b\n\"@\n", []string{undef(4, "b", "`$ $a$b")}},
		{"here-string CRLF", "$x = @\"\r\n$a\r\n\"@\r\n)\r\n", []string{undef(2, "a", "$a"), "line 4: ')' closes nothing that is open ())"}},
		{"empty here-strings", "$e = @'\n'@\n$f = @\"\n\"@\nWrite-Host \"$g\"\n", []string{undef(5, "g", `Write-Host "$g"`)}},
		{"here-string of one empty line", "$e = @'\n\n'@\n$f = @\"\n\n\"@\n)\n", []string{"line 7: ')' closes nothing that is open ())"}},
		{"here-string never closed", "Write-Host 'a'\n$e = @\"\ntext\n \"@\n", []string{"line 2: here-string @\" is never closed (\"@ at the start of a line) ($e = @\")"}},
		{"single-quoted over lines", "Write-Host 'a\nb'\n)", []string{"line 3: ')' closes nothing that is open ())"}},
		{"escaped line break in a string", "Write-Host \"a`\nb\"\n)\n", []string{"line 3: ')' closes nothing that is open ())"}},
		{"escaped line break in a here-string", "$x = @\"\na`\nb`\n\"@\n)\n", []string{"line 5: ')' closes nothing that is open ())"}},
		{"backtick before the terminator", "$x = @\"\na`\n\"@\n)\n", []string{"line 4: ')' closes nothing that is open ())"}},
		{"backtick ends the script in a string", "Write-Host \"a`", []string{"line 1: unterminated double-quoted string (Write-Host \"a`)"}},
		// A variable name may start with any letter, a to z in either case.
		{"first letters of a name", "$a = 1; $z = 2; $A = 3; $Z = 4\nWrite-Host \"$a$z$A$Z\"\n", nil},
		// A backtick before a space escapes the space; before spaces and
		// a line break it continues nothing.
		{"escaped space", "Write-Host a` b\n", nil},
		{"backtick and spaces end the script", "Write-Host 'a' `  ", []string{"line 1: a backtick followed by a space is not a line continuation (Write-Host 'a' `)"}},
		{"backtick, space and CRLF", "Write-Host 'a' ` \r\n  'b'\r\n", []string{"line 1: a backtick followed by a space is not a line continuation (Write-Host 'a' `)"}},
		{"empty double-quoted string", "Write-Host \"\"\n", nil},
		{"double-quoted over lines", "Write-Host \"a\nb\"\n)", []string{"line 3: ')' closes nothing that is open ())"}},
		{"unterminated string names its first line", "Write-Host 'x'\nWrite-Host \"a\nb\n", []string{"line 2: unterminated double-quoted string (Write-Host \"a)"}},
		{"empty double-quoted strings", "Write-Host \"\" \"\"\"\" \"a\"\"b\"\n", nil},
		{"empty single-quoted strings", "Write-Host '' '''' 'a''b'\n", nil},
		{"continuations", "Write-Host `\n  'a' `\n  'b'\n)", []string{"line 4: ')' closes nothing that is open ())"}},
		{"continuation then the last character", "Write-Host `\n)", []string{"line 2: ')' closes nothing that is open ())"}},
		{"continuation CRLF", "Write-Host `\r\n  'a'\r\n)\r\n", []string{"line 3: ')' closes nothing that is open ())"}},
		{"escaped characters", "Write-Host \"`\"$a`$ ``\" `( ')'\n", []string{undef(1, "a", "Write-Host \"`\"$a`$ ``\" `( ')'")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkOne(t, problemLines(t, CheckSyntax(tt.script)), tt.want)
		})
	}
}

func TestValidateEdges(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   []string
	}{
		{"string ends the script", "Write-Host 'a'", nil},
		{"string with a doubled quote ends the script", "Write-Host 'a''b'", nil},
		{"empty string", "Write-Host '' -Foo 'x'\n", []string{"line 1: Write-Host has no parameter -Foo (Write-Host '' -Foo 'x')"}},
		{"doubled quote in -Services", "Enable-ExchangeCertificate -Thumbprint AB -Services 'IIS'',SMTP'\n",
			[]string{"line 1: -Services value IIS'' does not exist in Exchange 2016 (valid: None, IMAP, POP, UM, IIS, SMTP, Federation, UMCallRouter) (Enable-ExchangeCertificate -Thumbprint AB -Services 'IIS'',SMTP')"}},
		{"bracket ends the script", "Write-Host [a", []string{"line 1: unbalanced '[' (Write-Host [a)"}},
		{"type literal member", "[a)]::new() -Foo\n", []string{"line 1: unknown operator -Foo ([a)]::new() -Foo)"}},
		{"continuation starts the script", "`\nGet-ExchangeCertificate -Foo\n", []string{"line 2: Get-ExchangeCertificate has no parameter -Foo (Get-ExchangeCertificate -Foo)"}},
		{"continuation starts a line", "Write-Host 'a'\n`\nGet-ExchangeCertificate -Foo\n", []string{"line 3: Get-ExchangeCertificate has no parameter -Foo (Get-ExchangeCertificate -Foo)"}},
		{"continuation and CR end the script", "(Get-ExchangeCertificate `\r", []string{"line 1: unclosed '(' ((Get-ExchangeCertificate `)"}},
		// == is not a PowerShell operator; the reading goes on past it.
		{"==", "$a == 1; Get-Foo\n", []string{"line 1: Get-Foo is not in exchcert's cmdlet table ($a == 1; Get-Foo)"}},
		{"backtick ends the script", "Get-ExchangeCertificate `", nil},
		{"$ and @ end the script", "Write-Host $\nWrite-Host @", nil},
		{"= ends the script", "$a =", nil},
		{"array subexpression after =", "$a = @(1, 2)\n", nil},
		{"one-letter command before a parenthesis", "x(1)\n", []string{"line 1: unknown command x (x(1))"}},
		{"block comments", "<##>Get-Foo (<#\n#>'a' <# ) #>)\n<#>\n#> Get-Bar\n", []string{
			"line 1: Get-Foo is not in exchcert's cmdlet table (<##>Get-Foo (<#)",
			"line 4: Get-Bar is not in exchcert's cmdlet table (#> Get-Bar)"}},
		{"block comment <#>", "Write-Host 'a'\n<#> Get-Foo\n", []string{"line 2: unterminated block comment (<#> Get-Foo)"}},
		{"type literal holding a parenthesis", "[a)] -Foo\n", []string{"line 1: unknown operator -Foo ([a)] -Foo)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkOne(t, problemLines(t, Validate(tt.script, Exchange2016)), tt.want)
		})
	}
}
