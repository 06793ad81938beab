// Package finding holds what every check of exchcert reports: a Finding
// with its stable code, a Severity, and the subject, message, fix and
// citation a person needs. plan, inspect, lint, probe, acme and report
// all speak in findings; JSON keeps the field names below.
package finding

import (
	"encoding"
	"fmt"
	"strings"
)

// Severity ranks a finding. The zero value is Info.
type Severity int

// Severities, least serious first.
const (
	Info Severity = iota
	Warning
	Error
)

var (
	_ encoding.TextMarshaler   = Severity(0)
	_ encoding.TextUnmarshaler = (*Severity)(nil)
)

func (s Severity) String() string {
	switch s {
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return "info"
}

// ParseSeverity parses "info", "warning" or "error".
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "info":
		return Info, nil
	case "warning", "warn":
		return Warning, nil
	case "error":
		return Error, nil
	}
	return Info, fmt.Errorf("unknown severity %q (want info|warning|error)", s)
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// A Finding is one thing a check has to say: a problem, a risk or advice.
// Findings are data, not errors; the packages of exchcert that check things
// (plan, inspect, lint, probe) all report them in this form. Code never
// changes once published, so scripts can match on it.
type Finding struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	Subject  string   `json:"subject,omitempty"` // the name, file or endpoint it is about
	Message  string   `json:"message"`
	Fix      string   `json:"fix,omitempty"`
	Citation string   `json:"citation,omitempty"`
}

// Findings is a list of findings.
type Findings []Finding

// Max returns the highest severity in fs, or -1 when fs is empty.
func (fs Findings) Max() Severity {
	m := Severity(-1)
	for _, f := range fs {
		if f.Severity > m {
			m = f.Severity
		}
	}
	return m
}

// HasErrors reports whether any finding has Error severity.
func (fs Findings) HasErrors() bool { return fs.Max() >= Error }
