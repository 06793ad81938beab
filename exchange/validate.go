package exchange

import (
	"fmt"
	"regexp"
	"strings"
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

// servicesByVersion are the names -Services accepts (reference §1, from
// the Enable-ExchangeCertificate parameter type per version).
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
	"return": true, "try": true, "catch": true, "finally": true, "exit": true}

// operators are the dash operators an expression may use.
var operators = map[string]bool{"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true,
	"like": true, "notlike": true, "match": true, "notmatch": true, "contains": true, "notcontains": true,
	"and": true, "or": true, "not": true, "join": true, "split": true, "replace": true, "f": true,
	"is": true, "isnot": true, "as": true, "ceq": true, "cne": true}

var verbNoun = regexp.MustCompile(`^[A-Za-z]+-[A-Za-z0-9]+$`)

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
}

func (val *validator) fail(format string, args ...any) {
	text := ""
	if val.line-1 < len(val.lines) {
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
			end := strings.Index(s[i:], "#>")
			if end < 0 {
				val.fail("unterminated block comment")
				return
			}
			val.line += strings.Count(s[i:i+end], "\n")
			i += end + 2
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
			if j < 0 {
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
		case keywords[lw]:
			return
		case verbNoun.MatchString(w):
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
