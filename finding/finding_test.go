package finding

import (
	"encoding/json"
	"testing"
)

func TestParseSeverity(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    Severity
		wantErr bool
	}{
		{"info", Info, false},
		{"warning", Warning, false},
		{"warn", Warning, false},
		{" Error ", Error, false},
		{"ERROR", Error, false},
		{"", Info, true},
		{"fatal", Info, true},
	} {
		got, err := ParseSeverity(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseSeverity(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestSeverityJSON(t *testing.T) {
	for _, s := range []Severity{Info, Warning, Error} {
		b, err := json.Marshal(Finding{Code: "c", Severity: s})
		if err != nil {
			t.Fatal(err)
		}
		var back Finding
		if err := json.Unmarshal(b, &back); err != nil || back.Severity != s {
			t.Errorf("%s: round trip through %s gave %v, %v", s, b, back.Severity, err)
		}
	}
	var f Finding
	if err := json.Unmarshal([]byte(`{"code":"c","severity":"urgent"}`), &f); err == nil {
		t.Error("an unknown severity was accepted")
	}
	if got := Severity(7).String(); got != "info" {
		t.Errorf("Severity(7) = %q, want info (the zero value's name)", got)
	}
}

func TestMaxAndHasErrors(t *testing.T) {
	for _, tt := range []struct {
		fs        Findings
		max       Severity
		hasErrors bool
	}{
		{nil, -1, false},
		{Findings{{Severity: Info}}, Info, false},
		{Findings{{Severity: Warning}, {Severity: Info}}, Warning, false},
		{Findings{{Severity: Info}, {Severity: Error}, {Severity: Warning}}, Error, true},
	} {
		if got := tt.fs.Max(); got != tt.max {
			t.Errorf("%v: Max = %v, want %v", tt.fs, got, tt.max)
		}
		if got := tt.fs.HasErrors(); got != tt.hasErrors {
			t.Errorf("%v: HasErrors = %v, want %v", tt.fs, got, tt.hasErrors)
		}
	}
}
