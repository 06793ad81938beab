// Package linttest reads lint's reports back the way CI systems read them,
// and checks their structure, for tests of lint and of the exchcert
// command. It is not used by exchcert itself.
package linttest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/exchcert/exchcert/lint"
)

// CheckSARIF validates a SARIF report against the SARIF 2.1.0 JSON schema
// in the file schemaPath, then checks what the schema cannot: one run, a
// rule for every ruleId at its ruleIndex, a relative file URI and a start
// line for every result (GitHub code scanning drops results without one),
// and a partial fingerprint. It returns the decoded report.
func CheckSARIF(data []byte, schemaPath string) (*lint.SARIFLog, error) {
	sf, err := os.Open(schemaPath)
	if err != nil {
		return nil, err
	}
	defer sf.Close()
	schemaDoc, err := jsonschema.UnmarshalJSON(sf)
	if err != nil {
		return nil, fmt.Errorf("reading the schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif-schema-2.1.0.json", schemaDoc); err != nil {
		return nil, err
	}
	schema, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		return nil, fmt.Errorf("compiling the schema: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if err := schema.Validate(inst); err != nil {
		return nil, fmt.Errorf("not valid SARIF 2.1.0: %w", err)
	}

	var log lint.SARIFLog
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&log); err != nil {
		return nil, fmt.Errorf("decoding: %w", err)
	}
	if log.Version != "2.1.0" {
		return nil, fmt.Errorf("version %q, want 2.1.0", log.Version)
	}
	if len(log.Runs) != 1 {
		return nil, fmt.Errorf("%d runs, want 1", len(log.Runs))
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "exchcert" {
		return nil, fmt.Errorf("tool %q, want exchcert", run.Tool.Driver.Name)
	}
	seen := map[string]bool{}
	for i, r := range run.Tool.Driver.Rules {
		if seen[r.ID] {
			return nil, fmt.Errorf("rule %s listed twice", r.ID)
		}
		seen[r.ID] = true
		if r.ShortDescription.Text == "" {
			return nil, fmt.Errorf("rule %d (%s) has no description", i, r.ID)
		}
	}
	for i, res := range run.Results {
		if res.RuleIndex < 0 || res.RuleIndex >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			return nil, fmt.Errorf("result %d: ruleIndex %d does not point at rule %s", i, res.RuleIndex, res.RuleID)
		}
		if res.Message.Text == "" {
			return nil, fmt.Errorf("result %d has no message", i)
		}
		if len(res.Locations) != 1 {
			return nil, fmt.Errorf("result %d has %d locations, want 1", i, len(res.Locations))
		}
		loc := res.Locations[0].PhysicalLocation
		if loc.Region.StartLine < 1 {
			return nil, fmt.Errorf("result %d has no start line", i)
		}
		u, err := url.Parse(loc.ArtifactLocation.URI)
		if err != nil || u.Scheme != "" && u.Scheme != "file" || u.Scheme == "" && (strings.HasPrefix(u.Path, "/") || loc.ArtifactLocation.URIBaseID != "%SRCROOT%") {
			return nil, fmt.Errorf("result %d: bad artifact location %+v", i, loc.ArtifactLocation)
		}
		if len(res.PartialFingerprints) == 0 {
			return nil, fmt.Errorf("result %d has no partial fingerprint", i)
		}
	}
	return &log, nil
}

// CheckJUnit reads a JUnit report back with encoding/xml into the element
// structure Jenkins' and GitLab's readers expect (testsuites > testsuite >
// testcase > failure|error|system-out), rejecting anything else, and
// checks that the counts add up. It returns the decoded report.
func CheckJUnit(data []byte) (*lint.JUnitSuites, error) {
	if !bytes.HasPrefix(data, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		return nil, errors.New("no XML declaration")
	}
	if err := checkElements(data); err != nil {
		return nil, err
	}
	var r lint.JUnitSuites
	if err := xml.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("decoding: %w", err)
	}
	if len(r.Suites) != 1 {
		return nil, fmt.Errorf("%d test suites, want 1", len(r.Suites))
	}
	s := r.Suites[0]
	fails, errs, skipped := 0, 0, 0
	for _, c := range s.Cases {
		if c.Skipped != nil {
			if c.Skipped.Message == "" || len(c.Failures)+len(c.Errors) > 0 {
				return nil, fmt.Errorf("%s: skipped without a reason, or with failures", c.Name)
			}
			skipped++
		}
		if c.Name == "" || c.ClassName == "" {
			return nil, fmt.Errorf("test case without name or classname: %+v", c)
		}
		for _, p := range append(append([]lint.JUnitProblem(nil), c.Failures...), c.Errors...) {
			if p.Type == "" || p.Message == "" {
				return nil, fmt.Errorf("%s: failure without type or message", c.Name)
			}
		}
		switch {
		case len(c.Errors) > 0:
			errs++
		case len(c.Failures) > 0:
			fails++
		}
	}
	if s.Tests != len(s.Cases) || s.Failures != fails || s.Errors != errs || s.Skipped != skipped {
		return nil, fmt.Errorf("suite counts tests=%d failures=%d errors=%d skipped=%d, but has %d cases, %d failing, %d erroring, %d skipped",
			s.Tests, s.Failures, s.Errors, s.Skipped, len(s.Cases), fails, errs, skipped)
	}
	if r.Tests != s.Tests || r.Failures != s.Failures || r.Errors != s.Errors {
		return nil, errors.New("testsuites counts differ from the testsuite's")
	}
	return &r, nil
}

// junitParents says which element each JUnit element may appear in.
var junitParents = map[string]string{
	"testsuites": "", "testsuite": "testsuites", "properties": "testsuite", "property": "properties",
	"testcase": "testsuite", "failure": "testcase", "error": "testcase", "system-out": "testcase", "skipped": "testcase",
}

// checkElements walks the XML tokens and rejects an unknown element or one
// in the wrong parent.
func checkElements(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	var stack []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("not well-formed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			parent, ok := junitParents[t.Name.Local]
			if !ok {
				return fmt.Errorf("unexpected element <%s>", t.Name.Local)
			}
			have := ""
			if len(stack) > 0 {
				have = stack[len(stack)-1]
			}
			if have != parent {
				return fmt.Errorf("<%s> inside <%s>, want inside <%s>", t.Name.Local, have, parent)
			}
			stack = append(stack, t.Name.Local)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	return nil
}

// Report is the exchcert.lint/v1 JSON document as a reader sees it.
type Report struct {
	Schema  string         `json:"schema"`
	Files   []lint.File    `json:"files"`
	Summary map[string]any `json:"summary"`
}

// CheckJSON decodes a JSON report and checks its schema id and that every
// file has a findings array.
func CheckJSON(data []byte) (*Report, error) {
	var raw struct {
		Schema  string            `json:"schema"`
		Files   []json.RawMessage `json:"files"`
		Summary map[string]any    `json:"summary"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if raw.Schema != lint.Schema {
		return nil, fmt.Errorf("schema %q, want %s", raw.Schema, lint.Schema)
	}
	if raw.Files == nil || raw.Summary == nil {
		return nil, errors.New("files or summary missing")
	}
	r := &Report{Schema: raw.Schema, Summary: raw.Summary}
	for _, f := range raw.Files {
		var probe struct {
			Findings json.RawMessage `json:"findings"`
		}
		if err := json.Unmarshal(f, &probe); err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(bytes.TrimSpace(probe.Findings), []byte("[")) {
			return nil, fmt.Errorf("a file without a findings array: %s", f)
		}
		var lf lint.File
		if err := json.Unmarshal(f, &lf); err != nil {
			return nil, err
		}
		r.Files = append(r.Files, lf)
	}
	return r, nil
}
