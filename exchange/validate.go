package exchange

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// ScriptProblem is one line of a PowerShell script that is not valid for the
// version it was checked against.
type ScriptProblem struct {
	Line    int    // 1-based
	Text    string // the line, trimmed
	Problem string
}

func (p ScriptProblem) String() string {
	return fmt.Sprintf("line %d: %s (%s)", p.Line, p.Problem, p.Text)
}

// ScriptErrors is the error Validate returns: every problem found.
type ScriptErrors []ScriptProblem

func (e ScriptErrors) Error() string {
	s := make([]string, len(e))
	for i, p := range e {
		s[i] = p.String()
	}
	return strings.Join(s, "; ")
}

// servicesByVersion are the names -Services accepts, from the
// Enable-ExchangeCertificate parameter type per version
// (https://learn.microsoft.com/powershell/module/exchangepowershell/enable-exchangecertificate).
var servicesByVersion = map[Version][]string{
	Exchange2007: {"None", "IMAP", "POP", "UM", "IIS", "SMTP"},
	Exchange2010: {"None", "IMAP", "POP", "UM", "IIS", "SMTP", "Federation"},
	Exchange2013: {"None", "IMAP", "POP", "UM", "IIS", "SMTP", "Federation", "UMCallRouter"},
	Exchange2016: {"None", "IMAP", "POP", "UM", "IIS", "SMTP", "Federation", "UMCallRouter"},
	Exchange2019: {"None", "IMAP", "POP", "UM", "IIS", "SMTP", "Federation", "UMCallRouter"},
	ExchangeSE:   {"None", "IMAP", "POP", "UM", "IIS", "SMTP", "Federation", "UMCallRouter"},
}

// ServiceValid reports whether -Services accepts name in version v.
func ServiceValid(v Version, name string) bool {
	for _, s := range servicesByVersion[v] {
		if strings.EqualFold(s, name) {
			return true
		}
	}
	return false
}

// keywords are PowerShell language keywords that may start a statement.
var keywords = map[string]bool{"if": true, "else": true, "elseif": true, "foreach": true, "throw": true,
	"return": true, "try": true, "catch": true, "finally": true, "exit": true, "function": true}

// operators are the dash operators an expression may use.
var operators = map[string]bool{"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true,
	"like": true, "notlike": true, "match": true, "notmatch": true, "contains": true, "notcontains": true,
	"and": true, "or": true, "not": true, "join": true, "split": true, "replace": true, "f": true,
	"is": true, "isnot": true, "as": true, "ceq": true, "cne": true}

var verbNoun = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z]+-[A-Za-z0-9]+$`) })

type frameMode int

const (
	modeStart frameMode = iota // next word is a command
	modeCommand
	modeExternal
	modeExpr
)

type frame struct {
	mode   frameMode
	cmdlet *Cmdlet
	open   byte
}

// Validate checks a PowerShell script line by line against the cmdlet
// table for version v: every Verb-Noun command must exist in v, and every
// -Parameter given to it must exist in v; -Services values must be names v
// accepts; any other command must be a known program (iisreset). It
// understands the subset of PowerShell exchcert writes: comments, quoted
// strings, variables, type literals, pipelines, parentheses and script
// blocks. It returns nil or ScriptErrors listing every problem.
func Validate(script string, v Version) error {
	val := &validator{v: v, lines: strings.Split(script, "\n")}
	val.run(script)
	if len(val.errs) == 0 {
		return nil
	}
	return val.errs
}

type validator struct {
	v     Version
	lines []string
	errs  ScriptErrors
	stack []*frame
	line  int
	// services is set while reading the values of -Services.
	services bool
	// funcs are the functions the script defines (function NAME); a call
	// to one takes any parameters. defining is set after "function".
	funcs    map[string]bool
	defining bool
}

func (val *validator) fail(format string, args ...any) {
	text := ""
	if val.line-1 < len(val.lines) { // a guard only: lines has an entry per line break and one more, so <= behaves the same
		text = strings.TrimSpace(val.lines[val.line-1])
	}
	val.errs = append(val.errs, ScriptProblem{Line: val.line, Text: text, Problem: fmt.Sprintf(format, args...)})
}

func (val *validator) top() *frame { return val.stack[len(val.stack)-1] }

func (val *validator) run(s string) {
	val.stack = []*frame{{mode: modeStart}}
	val.line = 1
	continued := false // the last token was | or , : the statement goes on
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\n':
			val.line++
			i++
			if !continued {
				val.top().mode = modeStart
				val.services = false
			}
			continue
		case c == ' ' || c == '\t' || c == '\r':
			i++
			continue
		case c == '`' && i+1 < len(s) && (s[i+1] == '\n' || s[i+1] == '\r'):
			// line continuation
			i++
			for i < len(s) && s[i] != '\n' {
				i++
			}
			if i < len(s) {
				val.line++
				i++
			}
			continue
		case c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			continue
		case c == '<' && strings.HasPrefix(s[i:], "<#"):
			// The comment ends at the first #> after <#: <#> opens one.
			end := strings.Index(s[i+2:], "#>")
			if end < 0 {
				val.fail("unterminated block comment")
				return
			}
			val.line += strings.Count(s[i:i+2+end], "\n")
			i += end + 4
			continue
		}
		continued = false
		f := val.top()
		switch {
		case c == '\'' || c == '"':
			j, ok := scanString(s, i)
			if !ok {
				val.fail("unterminated string")
				return
			}
			val.line += strings.Count(s[i:j], "\n")
			val.value(s[i+1 : j-1])
			i = j
		case c == '(' || c == '{':
			val.services = false
			val.push(c)
			i++
		case (c == '$' || c == '@') && i+1 < len(s) && (s[i+1] == '(' || s[i+1] == '{'):
			val.services = false
			val.push(s[i+1])
			i += 2
		case c == ')' || c == '}':
			if len(val.stack) == 1 || (c == ')') != (f.open == '(') {
				val.fail("unbalanced %q", c)
				return
			}
			val.stack = val.stack[:len(val.stack)-1]
			if c == ')' && val.top().mode == modeStart {
				// (expression).Member …: the statement is an expression.
				val.top().mode = modeExpr
			}
			i++
			// After a closing brace the enclosing statement may go on
			// (else, a member access); after ) it is an argument.
		case c == '|':
			f.mode, f.cmdlet = modeStart, nil
			val.services = false
			continued = true
			i++
		case c == ';':
			f.mode, f.cmdlet = modeStart, nil
			val.services = false
			i++
		case c == ',':
			continued = true
			i++
		case c == '=' && !(i+1 < len(s) && s[i+1] == '='):
			// assignment: a command may follow
			f.mode, f.cmdlet = modeStart, nil
			i++
		case c == '[':
			j := matchBracket(s, i)
			if j < 0 { // matchBracket returns -1 or an index after a ']': <= 0 behaves the same
				val.fail("unbalanced '['")
				return
			}
			i = j
			for strings.HasPrefix(s[i:], "::") {
				i = scanWord(s, i+2)
			}
			if f.mode == modeStart {
				f.mode = modeExpr
			}
		case c == '$':
			i = scanWord(s, i+1)
			if f.mode == modeStart {
				f.mode = modeExpr
			}
			val.services = false
		default:
			j := scanWord(s, i)
			if j == i {
				j = i + 1
			}
			val.word(s[i:j])
			i = j
		}
	}
	if len(val.stack) != 1 {
		val.fail("unclosed %q", val.top().open)
	}
}

func (val *validator) push(open byte) {
	val.stack = append(val.stack, &frame{mode: modeStart, open: open})
}

// value is a quoted string or bare argument.
func (val *validator) value(v string) {
	f := val.top()
	if f.mode == modeStart {
		f.mode = modeExpr
	}
	if val.services {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" && !ServiceValid(val.v, name) {
				val.fail("-Services value %s does not exist in %s (valid: %s)", name, val.v.Title(), strings.Join(servicesByVersion[val.v], ", "))
			}
		}
	}
}

func (val *validator) word(w string) {
	f := val.top()
	switch f.mode {
	case modeStart:
		lw := strings.ToLower(w)
		switch {
		case val.defining:
			val.defining = false
			if val.funcs == nil {
				val.funcs = map[string]bool{}
			}
			val.funcs[lw] = true
			f.mode = modeExpr
		case keywords[lw]:
			val.defining = lw == "function"
			return
		case val.funcs[lw]:
			f.mode, f.cmdlet = modeCommand, nil
			return
		case verbNoun().MatchString(w):
			c := LookupCmdlet(w)
			if c == nil {
				val.fail("%s is not in exchcert's cmdlet table", w)
				f.mode = modeExternal
				return
			}
			if !c.Versions.Has(val.v) {
				val.fail("%s does not exist in %s (exists in %s)", c.Name, val.v.Title(), c.Versions)
			}
			f.mode, f.cmdlet = modeCommand, c
		case externalCommands[lw] != 0:
			if !externalCommands[lw].Has(val.v) {
				val.fail("%s is not available with %s", w, val.v.Title())
			}
			f.mode = modeExternal
		case isNumber(w):
			f.mode = modeExpr
		case isParam(w) && operators[lw[1:]]: // -not …
			f.mode = modeExpr
		default:
			val.fail("unknown command %s", w)
			f.mode = modeExternal
		}
	case modeCommand:
		if isParam(w) && f.cmdlet == nil {
			return // a function of the script: its own parameters
		}
		if isParam(w) {
			name, _, _ := strings.Cut(w[1:], ":")
			canon, vs, ok := f.cmdlet.param(name)
			val.services = false
			switch {
			case !ok:
				val.fail("%s has no parameter -%s", f.cmdlet.Name, name)
			case !vs.Has(val.v):
				val.fail("%s -%s does not exist in %s (exists in %s)", f.cmdlet.Name, canon, val.v.Title(), vs)
			case canon == "Services":
				val.services = true
			}
			return
		}
		val.value(w)
	case modeExpr:
		if isParam(w) && !operators[strings.ToLower(w[1:])] {
			val.fail("unknown operator %s", w)
		}
	}
}

func isParam(w string) bool {
	return len(w) > 1 && w[0] == '-' && (w[1] >= 'A' && w[1] <= 'Z' || w[1] >= 'a' && w[1] <= 'z')
}

func isNumber(w string) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return w != ""
}

// scanWord returns the end of a bare word starting at i.
func scanWord(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\r', '\n', '(', ')', '{', '}', '|', ';', ',', '\'', '"', '[', '=':
			return i
		}
		i++
	}
	return i
}

// scanString returns the index after the string literal starting at i.
func scanString(s string, i int) (int, bool) {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch {
		case q == '"' && s[j] == '`':
			j++
		case s[j] == q:
			if j+1 < len(s) && s[j+1] == q { // doubled quote
				j++
				continue
			}
			return j + 1, true
		}
	}
	return 0, false
}

// matchBracket returns the index after the ] matching the [ at i.
func matchBracket(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return j + 1
			}
		case '\n':
			return -1
		}
	}
	return -1
}

// autoVariables are PowerShell's automatic variables a script may expand
// without assigning them.
var autoVariables = map[string]bool{"_": true, "true": true, "false": true, "null": true, "lastexitcode": true,
	"psitem": true, "args": true, "error": true, "home": true, "host": true, "pwd": true, "psscriptroot": true}

var assigned = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)\$([a-z_][a-z0-9_]*)\s*=[^=]|\[[a-z.]+\]\$([a-z_][a-z0-9_]*)|foreach\s*\(\s*\$([a-z_][a-z0-9_]*)\s+in\b`)
})

// The quote characters PowerShell's tokenizer accepts (about_Quoting_Rules).
const (
	singleQuotes = "'\u2018\u2019\u201A\u201B"
	doubleQuotes = "\"\u201C\u201D\u201E"
)

// quoteAt returns the width of the quote character of set at s[i], or 0.
func quoteAt(s string, i int, set string) int {
	if i >= len(s) { // a guard only: at len(s) the decoded rune is RuneError, in no set, so > behaves the same
		return 0
	}
	r, w := utf8.DecodeRuneInString(s[i:])
	if strings.ContainsRune(set, r) {
		return w
	}
	return 0
}

// CheckSyntax is a token-level check of a PowerShell script, independent of
// any Exchange version: quotes and here-strings closed, parentheses, braces
// and brackets balanced and properly nested, every $ inside a
// double-quoted string (or @"…"@ here-string) intended — a variable the
// script assigns (or an automatic one), $( … ), ${ … }, or escaped as `$ —
// and no line continuation left dangling (a backtick followed by a space,
// or by the end of the script or an empty line; a pipe at the very end).
// No PowerShell runtime is needed. It returns nil or ScriptErrors.
func CheckSyntax(script string) error {
	vars := map[string]bool{}
	for _, m := range assigned().FindAllStringSubmatch(script, -1) {
		for _, g := range m[1:] {
			if g != "" {
				vars[strings.ToLower(g)] = true
			}
		}
	}
	lines := strings.Split(script, "\n")
	var errs ScriptErrors
	line := 1
	fail := func(at int, format string, args ...any) {
		text := ""
		if at-1 < len(lines) && at >= 1 { // lines has an entry per line break and one more, and no line number passes it: <= behaves the same
			text = strings.TrimSpace(lines[at-1])
		}
		errs = append(errs, ScriptProblem{Line: at, Text: text, Problem: fmt.Sprintf(format, args...)})
	}
	type open struct {
		c    byte
		line int
	}
	var stack []open
	closer := map[byte]byte{')': '(', '}': '{', ']': '['}
	// dollar checks a $ at s[j] inside a double-quoted string; it returns
	// the index to continue from.
	dollar := func(s string, j int) int {
		if j+1 >= len(s) {
			fail(line, "a $ at the end of a double-quoted string")
			return j + 1
		}
		switch n := s[j+1]; {
		case n == '(' || n == '{':
			depth := 0
			for k := j + 1; k < len(s); k++ {
				switch s[k] {
				case '(', '{':
					depth++
				case ')', '}':
					depth--
					if depth == 0 {
						return k + 1
					}
				case '\n', '"':
					fail(line, "unterminated $( in a double-quoted string")
					return k
				}
			}
			return len(s)
		case n == '_' || n >= 'a' && n <= 'z' || n >= 'A' && n <= 'Z':
			k := j + 1
			for k < len(s) && (s[k] == '_' || s[k] >= 'a' && s[k] <= 'z' || s[k] >= 'A' && s[k] <= 'Z' || s[k] >= '0' && s[k] <= '9' || s[k] == ':') {
				k++
			}
			name := strings.ToLower(s[j+1 : k])
			if !vars[name] && !autoVariables[name] && !strings.HasPrefix(name, "env:") {
				fail(line, "$%s inside a double-quoted string is not a variable the script sets (use single quotes, or `$ for a literal $)", s[j+1:k])
			}
			return k
		default:
			fail(line, "a bare $ inside a double-quoted string (escape it as `$)")
			return j + 1
		}
	}
	s := script
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '<' && strings.HasPrefix(s[i:], "<#"):
			// The comment ends at the first #> after <#: <#> opens one.
			end := strings.Index(s[i+2:], "#>")
			if end < 0 {
				fail(line, "unterminated block comment <#")
				return errs
			}
			line += strings.Count(s[i:i+2+end], "\n")
			i += end + 4
		case c == '@' && (strings.HasPrefix(s[i:], "@'\n") || strings.HasPrefix(s[i:], "@\"\n") || strings.HasPrefix(s[i:], "@'\r\n") || strings.HasPrefix(s[i:], "@\"\r\n")):
			q := s[i+1]
			start := line
			body := strings.Index(s[i:], "\n") + i + 1
			term := "\n" + string(q) + "@"
			end := strings.Index(s[body-1:], term)
			if end < 0 {
				fail(start, "here-string @%c is never closed (%c@ at the start of a line)", q, q)
				return errs
			}
			end += body - 1 // the line break before the terminator
			// The line break after @" starts the body; when the terminator
			// follows at once (an empty here-string) it is also the one
			// before the terminator (end == body-1).
			line++
			if end >= body {
				if q == '"' {
					for j := body; j < end; j++ {
						switch s[j] {
						case '\n':
							line++
						case '`':
							if j+1 < end && s[j+1] == '\n' { // an escaped line break is a line break too
								line++
							}
							j++
						case '$':
							j = dollar(s, j) - 1
						}
					}
				} else {
					line += strings.Count(s[body:end], "\n")
				}
				line++ // the line break before the terminator
			}
			i = end + 3
		case quoteAt(s, i, singleQuotes) > 0:
			// PowerShell takes ' and the typographic ‘ ’ ‚ ‛ alike as single
			// quotes; two of them in a row stand for one.
			start := line
			j := i + quoteAt(s, i, singleQuotes)
			closed := false
			for j < len(s) {
				if s[j] == '\n' {
					line++
				}
				if w := quoteAt(s, j, singleQuotes); w > 0 {
					if w2 := quoteAt(s, j+w, singleQuotes); w2 > 0 {
						j += w + w2
						continue
					}
					j += w
					closed = true
					break
				}
				j++
			}
			if !closed {
				fail(start, "unterminated single-quoted string")
				return errs
			}
			i = j
		case quoteAt(s, i, doubleQuotes) > 0:
			// " and the typographic “ ” „ are double quotes.
			start := line
			j := i + quoteAt(s, i, doubleQuotes)
			closed := false
			for j < len(s) {
				switch {
				case s[j] == '\n':
					line++
					j++
				case s[j] == '`':
					if j+1 < len(s) && s[j+1] == '\n' { // an escaped line break is a line break too
						line++
					}
					j += 2
				case s[j] == '$':
					j = dollar(s, j)
				case quoteAt(s, j, doubleQuotes) > 0:
					w := quoteAt(s, j, doubleQuotes)
					if w2 := quoteAt(s, j+w, doubleQuotes); w2 > 0 {
						j += w + w2
						continue
					}
					j += w
					closed = true
				default:
					j++
				}
				if closed {
					break
				}
			}
			if !closed {
				fail(start, "unterminated double-quoted string")
				return errs
			}
			i = j
		case c == '`':
			rest := s[i+1:]
			trimmed := strings.TrimLeft(rest, " \t")
			switch {
			case rest == "":
				fail(line, "a backtick at the end of the script continues nothing")
			case len(trimmed) < len(rest) && (trimmed == "" || trimmed[0] == '\n' || trimmed[0] == '\r'):
				fail(line, "a backtick followed by a space is not a line continuation")
			case rest[0] == '\n' || strings.HasPrefix(rest, "\r\n"):
				_, after, _ := strings.Cut(rest, "\n")
				next, _, _ := strings.Cut(after, "\n")
				if n := strings.TrimSpace(next); n == "" || strings.HasPrefix(n, "#") {
					fail(line, "a line continuation followed by nothing (an empty line, a comment or the end)")
				}
			}
			i += 2
			if i-1 < len(s) && s[i-1] == '\n' {
				line++
			}
		case c == '(' || c == '{' || c == '[':
			stack = append(stack, open{c, line})
			i++
		case c == ')' || c == '}' || c == ']':
			if len(stack) == 0 || stack[len(stack)-1].c != closer[c] {
				fail(line, "%q closes nothing that is open", c)
				return errs
			}
			stack = stack[:len(stack)-1]
			i++
		default:
			i++
		}
	}
	for _, o := range stack {
		fail(o.line, "%q is never closed", o.c)
	}
	if t := strings.TrimRight(s, " \t\r\n"); strings.HasSuffix(t, "|") {
		fail(line, "the script ends with a pipe")
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}
