package lint

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/inspect"
)

// SARIF 2.1.0 (OASIS, https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html)
// as GitHub code scanning reads it
// (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning):
// one run, the tool's rules (one per finding code seen), and a result per
// finding with a location of file and line, since code scanning shows only
// results with region.startLine.

const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	// sarifRoot is the uriBaseId of relative paths: the folder the run
	// started in, normally the repository root.
	sarifRoot = "%SRCROOT%"
	// sarifFingerprint names exchcert's partial fingerprint: a result keeps
	// its alert across runs while file, code and certificate stay the same.
	sarifFingerprint = "exchcertFinding/v1"
	toolURI          = "https://github.com/exchcert/exchcert"
)

// The SARIF types are exported so that tests and tools can read a report
// back with encoding/json.

// SARIFLog is the top-level SARIF object.
type SARIFLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []SARIFRun `json:"runs"`
}

// SARIFRun is one run of one tool.
type SARIFRun struct {
	Results     []SARIFResult     `json:"results"`
	Tool        SARIFTool         `json:"tool"`
	Invocations []SARIFInvocation `json:"invocations,omitempty"`
}

// SARIFTool describes exchcert and its rules.
type SARIFTool struct {
	Driver SARIFDriver `json:"driver"`
}

// SARIFDriver is the tool component that made the results.
type SARIFDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri,omitempty"`
	Version        string      `json:"version,omitempty"`
	Rules          []SARIFRule `json:"rules"`
}

// SARIFRule describes a finding code.
type SARIFRule struct {
	ID                   string            `json:"id"`
	ShortDescription     SARIFMessage      `json:"shortDescription"`
	Help                 *SARIFMessage     `json:"help,omitempty"`
	HelpURI              string            `json:"helpUri,omitempty"`
	DefaultConfiguration SARIFRuleConfig   `json:"defaultConfiguration"`
	Properties           SARIFRuleProperty `json:"properties"`
}

// SARIFRuleConfig holds a rule's default level.
type SARIFRuleConfig struct {
	Level string `json:"level"`
}

// SARIFRuleProperty holds a rule's tags and citation.
type SARIFRuleProperty struct {
	Tags     []string `json:"tags,omitempty"`
	Citation string   `json:"citation,omitempty"`
}

// SARIFMessage is a plain-text message.
type SARIFMessage struct {
	Text string `json:"text"`
}

// SARIFResult is one finding.
type SARIFResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             SARIFMessage      `json:"message"`
	Locations           []SARIFLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
}

// SARIFLocation is where a result is.
type SARIFLocation struct {
	PhysicalLocation SARIFPhysical `json:"physicalLocation"`
}

// SARIFPhysical is a file and a line.
type SARIFPhysical struct {
	ArtifactLocation SARIFArtifact `json:"artifactLocation"`
	Region           SARIFRegion   `json:"region"`
}

// SARIFArtifact is a file, by URI.
type SARIFArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

// SARIFRegion is a line of a file.
type SARIFRegion struct {
	StartLine int `json:"startLine"`
}

// SARIFInvocation says whether the run completed.
type SARIFInvocation struct {
	ExecutionSuccessful bool `json:"executionSuccessful"`
	// ToolExecutionNotifications name the files not checked because they
	// are not certificate files, each with what it is instead.
	ToolExecutionNotifications []SARIFNotification `json:"toolExecutionNotifications,omitempty"`
}

// SARIFNotification is a note about the run, here a file left unchecked.
type SARIFNotification struct {
	Level     string          `json:"level"`
	Message   SARIFMessage    `json:"message"`
	Locations []SARIFLocation `json:"locations,omitempty"`
}

// sarifWriter streams the results, then writes the rules seen, the tool
// and the invocation after them: JSON members have no order, so the rules
// need not be known in advance.
type sarifWriter struct {
	w       io.Writer
	version string
	buf     bytes.Buffer
	enc     *json.Encoder
	results int
	rules   []SARIFRule
	index   map[string]int
	ignored []SARIFNotification
}

func newSARIFWriter(w io.Writer, o WriterOptions) *sarifWriter {
	s := &sarifWriter{w: w, version: o.Version, index: map[string]int{}}
	s.enc = json.NewEncoder(&s.buf)
	s.enc.SetEscapeHTML(false)
	s.enc.SetIndent("        ", "  ")
	return s
}

func (s *sarifWriter) start() {
	if s.results == 0 {
		s.buf.WriteString("{\n  \"$schema\": \"" + sarifSchema + "\",\n  \"version\": \"" + sarifVersion +
			"\",\n  \"runs\": [\n    {\n      \"results\": [")
	}
}

func (s *sarifWriter) WriteFile(f *File) error {
	s.buf.Reset()
	uri, base := sarifURI(f.Path)
	if f.IgnoredReason != "" {
		s.ignored = append(s.ignored, SARIFNotification{Level: "note",
			Message: SARIFMessage{Text: cleanKeep("ignored: "+f.IgnoredReason, "\n")},
			Locations: []SARIFLocation{{PhysicalLocation: SARIFPhysical{
				ArtifactLocation: SARIFArtifact{URI: uri, URIBaseID: base},
				Region:           SARIFRegion{StartLine: 1},
			}}}})
	}
	for _, x := range f.Findings {
		s.start()
		if s.results > 0 {
			s.buf.WriteString(",")
		}
		s.buf.WriteString("\n        ")
		s.results++
		r := SARIFResult{
			RuleID:    x.Code,
			RuleIndex: s.rule(x),
			Level:     sarifLevel(x.Severity),
			Message:   SARIFMessage{Text: cleanKeep(sarifText(x), "\n")},
			Locations: []SARIFLocation{{PhysicalLocation: SARIFPhysical{
				ArtifactLocation: SARIFArtifact{URI: uri, URIBaseID: base},
				Region:           SARIFRegion{StartLine: max(x.Line, 1)},
			}}},
			PartialFingerprints: map[string]string{sarifFingerprint: fingerprint(f.Path, x)},
		}
		if err := s.enc.Encode(r); err != nil {
			return err
		}
		s.buf.Truncate(s.buf.Len() - 1)
	}
	_, err := s.w.Write(s.buf.Bytes())
	return err
}

func (s *sarifWriter) Close(sum *Summary) error {
	s.buf.Reset()
	if s.results == 0 {
		s.start()
		s.buf.WriteString("],\n")
	} else {
		s.buf.WriteString("\n      ],\n")
	}
	if s.rules == nil {
		s.rules = []SARIFRule{}
	}
	tail := struct {
		Tool        SARIFTool         `json:"tool"`
		Invocations []SARIFInvocation `json:"invocations"`
	}{
		Tool: SARIFTool{Driver: SARIFDriver{
			Name: "exchcert", InformationURI: toolURI, Version: s.version, Rules: s.rules,
		}},
		Invocations: []SARIFInvocation{{ExecutionSuccessful: true, ToolExecutionNotifications: s.ignored}},
	}
	var t bytes.Buffer
	enc := json.NewEncoder(&t)
	enc.SetEscapeHTML(false)
	enc.SetIndent("    ", "  ")
	if err := enc.Encode(tail); err != nil {
		return err
	}
	// Splice the members of tail into the run object.
	body := bytes.TrimSpace(t.Bytes())
	body = bytes.TrimPrefix(body, []byte("{"))
	body = bytes.TrimSuffix(body, []byte("}"))
	s.buf.WriteString("      ")
	s.buf.Write(bytes.TrimSpace(body))
	s.buf.WriteString("\n    }\n  ]\n}\n")
	_, err := s.w.Write(s.buf.Bytes())
	return err
}

// rule returns the index of x's rule, adding the rule when its code is new.
func (s *sarifWriter) rule(x Finding) int {
	if i, ok := s.index[x.Code]; ok {
		return i
	}
	r := SARIFRule{
		ID:                   x.Code,
		ShortDescription:     SARIFMessage{Text: ruleText(x)},
		DefaultConfiguration: SARIFRuleConfig{Level: sarifLevel(x.Severity)},
		Properties:           SARIFRuleProperty{Citation: x.Citation},
	}
	if x.Source == SourceExchcert {
		r.Properties.Tags = []string{"exchcert"}
	} else {
		r.Properties.Tags = []string{"zlint", x.Source}
	}
	if x.Citation != "" {
		r.Help = &SARIFMessage{Text: "See " + x.Citation}
		if u, err := url.Parse(x.Citation); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
			r.HelpURI = x.Citation
		}
	}
	s.index[x.Code] = len(s.rules)
	s.rules = append(s.rules, r)
	return len(s.rules) - 1
}

// ruleText is what a rule checks: the lint's description for zlint, a
// sentence per code for exchcert's checks, or the code in words.
func ruleText(x Finding) string {
	if x.Rule != "" {
		return x.Rule
	}
	if t, ok := ruleTexts[x.Code]; ok {
		return t
	}
	return strings.ReplaceAll(x.Code, "-", " ")
}

var ruleTexts = map[string]string{
	CodeUnreadable:        "The file or folder can be read",
	CodeNotRegular:        "Only regular files are in the tree",
	CodeTooLarge:          "A certificate file is small enough to check",
	CodePasswordNeeded:    "A password is given for protected PFX files",
	CodeWrongPassword:     "The given password opens the PFX file",
	CodeDamaged:           "A certificate file decodes",
	CodeTooManyIterations: "A PFX file asks for a sane amount of key-derivation work",
	CodeUnsupported:       "A certificate file is in a variant exchcert reads",
	CodeZlintUnparsable:   "The certificate is valid DER that strict parsers accept",
	// The checks of exchcert inspect (docs/inspect.md, "Finding codes").
	inspect.CodeNameNotCovered:      "The certificate covers every planned name",
	inspect.CodeCNOnly:              "Planned names are subject alternative names, not only the Common Name",
	inspect.CodeCNNotInSAN:          "The Common Name is one of the subject alternative names",
	inspect.CodeExtraName:           "The certificate names only what the plan names",
	inspect.CodeKeyMismatch:         "The private key kept with a certificate or request is its key",
	inspect.CodeChainIncomplete:     "A deployable file carries the intermediate certificates",
	inspect.CodeChainOutOfOrder:     "The certificates are in order, server certificate first",
	inspect.CodeChainUntrusted:      "The chain ends at a trusted root",
	inspect.CodeRootIncluded:        "The root CA certificate is not sent along",
	inspect.CodeExpired:             "The certificate has not expired",
	inspect.CodeNotYetValid:         "The certificate is already valid",
	inspect.CodeExpiresSoon:         "The certificate stays valid for the minimum number of days",
	inspect.CodeWeakSignature:       "The certificate is not signed with SHA-1 or MD5",
	inspect.CodeWeakKey:             "The key is RSA 2048 bits or more, or ECDSA P-256 or larger",
	inspect.CodeNoServerAuth:        "The extended key usage allows TLS server authentication",
	inspect.CodeEKUMissing:          "The certificate has an extended key usage",
	inspect.CodeKeyUsage:            "The key usage allows TLS",
	inspect.CodeValidityTooLong:     "The validity period is within the public-CA maximum",
	inspect.CodeInternalName:        "No internal name on a public certificate",
	inspect.CodeKeyTypeUnsupported:  "The key type works with the target Exchange version",
	inspect.CodeKeyTypeConditional:  "The key type works with the target Exchange version without conditions",
	inspect.CodePFXModernEncryption: "The PFX encryption can be imported by the target Windows",
	inspect.CodeCSRSignatureInvalid: "The request's signature verifies",
}

func sarifLevel(s finding.Severity) string {
	switch s {
	case finding.Error:
		return "error"
	case finding.Warning:
		return "warning"
	}
	return "note"
}

// sarifText is the result message: subject, message and fix.
func sarifText(x Finding) string {
	var b strings.Builder
	if x.Subject != "" {
		b.WriteString(x.Subject + ": ")
	}
	b.WriteString(x.Message)
	if x.Fix != "" {
		b.WriteString(". Fix: " + x.Fix)
	}
	return b.String()
}

// sarifURI turns a path into a SARIF artifact URI: relative paths stay
// relative to the folder the run started in (%SRCROOT%), absolute ones
// become file URIs.
func sarifURI(p string) (uri, base string) {
	slash := filepath.ToSlash(filepath.Clean(p))
	if filepath.IsAbs(p) {
		if !strings.HasPrefix(slash, "/") {
			slash = "/" + slash // C:/x → /C:/x
		}
		return (&url.URL{Scheme: "file", Path: slash}).String(), ""
	}
	return (&url.URL{Path: slash}).EscapedPath(), sarifRoot
}

// fingerprint identifies a finding across runs: file, code and subject.
func fingerprint(p string, x Finding) string {
	h := sha256.Sum256([]byte(filepath.ToSlash(filepath.Clean(p)) + "\x00" + x.Code + "\x00" + x.Subject))
	return hex.EncodeToString(h[:16])
}
