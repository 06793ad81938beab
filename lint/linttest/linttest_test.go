package linttest

import (
	"strings"
	"testing"
)

const schema = "../../testdata/schema/sarif-schema-2.1.0.json"

// The checks reject what CI systems reject, so that a report that passes
// them means something.
func TestCheckSARIFRejects(t *testing.T) {
	good := `{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [{
	  "results": [{"ruleId": "expired", "ruleIndex": 0, "level": "error", "message": {"text": "x"},
	    "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.pem", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 1}}}],
	    "partialFingerprints": {"f": "1"}}],
	  "tool": {"driver": {"name": "exchcert", "rules": [{"id": "expired", "shortDescription": {"text": "x"}, "defaultConfiguration": {"level": "error"}, "properties": {}}]}}}]}`
	if _, err := CheckSARIF([]byte(good), schema); err != nil {
		t.Fatalf("a valid log: %v", err)
	}
	for name, edit := range map[string][2]string{
		"wrong version":     {`"version": "2.1.0"`, `"version": "2.0.0"`},
		"bad level":         {`"level": "error", "message"`, `"level": "fatal", "message"`},
		"no start line":     {`"startLine": 1`, `"startLine": 0`},
		"rule index off":    {`"ruleIndex": 0`, `"ruleIndex": 1`},
		"absolute path":     {`"uri": "a.pem"`, `"uri": "/a.pem"`},
		"unknown property":  {`"ruleIndex": 0,`, `"ruleIndex": 0, "bogus": 1,`},
		"no message":        {`"message": {"text": "x"}`, `"message": {}`},
		"not JSON":          {`"runs": [`, `"runs": [[`},
		"no fingerprint":    {`"partialFingerprints": {"f": "1"}`, `"partialFingerprints": {}`},
		"another tool name": {`"name": "exchcert"`, `"name": "other"`},
	} {
		bad := strings.Replace(good, edit[0], edit[1], 1)
		if bad == good {
			t.Fatalf("%s: the edit changed nothing", name)
		}
		if _, err := CheckSARIF([]byte(bad), schema); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCheckJUnitRejects(t *testing.T) {
	good := `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="x" tests="2" failures="1" errors="0">
  <testsuite name="x" tests="2" failures="1" errors="0" skipped="0">
    <testcase name="a.pem" classname="."><failure type="expired" message="m">d</failure></testcase>
    <testcase name="b.pem" classname="."></testcase>
  </testsuite>
</testsuites>`
	if _, err := CheckJUnit([]byte(good)); err != nil {
		t.Fatalf("a valid report: %v", err)
	}
	for name, edit := range map[string][2]string{
		"count off":       {`tests="2" failures="1" errors="0" skipped`, `tests="3" failures="1" errors="0" skipped`},
		"outer count off": {`<testsuites name="x" tests="2"`, `<testsuites name="x" tests="1"`},
		"unknown element": {`<failure type`, `<oops/><failure type`},
		"misplaced case":  {`<testsuite name="x"`, `<testcase name="y" classname="."/><testsuite name="x"`},
		"no failure type": {`type="expired" `, ``},
		"not well-formed": {`</testcase>`, `</testcas>`},
		"no declaration":  {`<?xml version="1.0" encoding="UTF-8"?>`, ``},
		"nameless case":   {`name="b.pem"`, `name=""`},
	} {
		bad := strings.Replace(good, edit[0], edit[1], 1)
		if bad == good {
			t.Fatalf("%s: the edit changed nothing", name)
		}
		if _, err := CheckJUnit([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
