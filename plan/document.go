package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/internal/textenc"
)

// MaxDocumentSize is the largest plan document Decode reads.
const MaxDocumentSize = 4 << 20

// Encode writes p as the indented JSON plan document.
func Encode(w io.Writer, p *Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(p)
}

// Decode reads a plan document written by Encode (or by hand) and checks it:
// the schema, the versions, every name (normalised again, refused if
// internal unless the document says private_ca), the Common Name being one
// of the names. Errors describe the first problem found.
func Decode(r io.Reader) (*Plan, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxDocumentSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxDocumentSize {
		return nil, fmt.Errorf("plan document is larger than %d bytes", MaxDocumentSize)
	}
	data = textenc.Decode(data)
	var p Plan
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("not a plan document: %v", jsonReason(err))
	}
	if p.Schema != Schema {
		if p.Schema == "" {
			return nil, fmt.Errorf("not a plan document: no \"schema\" field (want %q)", Schema)
		}
		return nil, fmt.Errorf("plan schema %q is not supported (want %q)", p.Schema, Schema)
	}
	if p.Exchange < exchange.Exchange2007 {
		return nil, errors.New("plan has no valid \"exchange\" version")
	}
	if p.From != exchange.None {
		if _, err := coexistence(p.From, p.Exchange); err != nil {
			return nil, fmt.Errorf("plan \"from\": %w", err)
		}
	}
	if p.Findings == nil {
		p.Findings = finding.Findings{}
	}
	norm := func(field, s string) (string, error) {
		n, err := Normalize(s)
		if err != nil {
			return "", fmt.Errorf("%s: %w", field, err)
		}
		if why := InternalReason(n); why != "" && !p.PrivateCA {
			return "", fmt.Errorf("%s: %s: %w: %s (the plan does not set private_ca)", field, n, ErrRefusedName, why)
		}
		return n, nil
	}
	if p.FQDN, err = norm("fqdn", p.FQDN); err != nil {
		return nil, err
	}
	// Every domain puts at least autodiscover.<domain> on the certificate,
	// so more domains than names cannot be a real plan; checked before the
	// names are normalised, which is the costly part.
	if len(p.Domains) > MaxNames {
		return nil, fmt.Errorf("plan has %d domains; the limit is %d", len(p.Domains), MaxNames)
	}
	for i, d := range p.Domains {
		if p.Domains[i], err = norm("domains", d); err != nil {
			return nil, err
		}
	}
	if len(p.Names) == 0 {
		return nil, errors.New("plan has no names")
	}
	if len(p.Names) > MaxNames {
		return nil, fmt.Errorf("plan has %d names; the limit is %d", len(p.Names), MaxNames)
	}
	seen := map[string]bool{}
	for i := range p.Names {
		n, err := norm("names", p.Names[i].Name)
		if err != nil {
			return nil, err
		}
		if seen[n] {
			return nil, fmt.Errorf("names: %s appears twice", n)
		}
		seen[n] = true
		p.Names[i].Name = n
	}
	if p.CommonName, err = norm("common_name", p.CommonName); err != nil {
		return nil, err
	}
	if !seen[p.CommonName] {
		return nil, fmt.Errorf("common_name %s is not one of the names (clients ignore the Common Name, so it must also be a SAN)", p.CommonName)
	}
	if p.Namespace != "" {
		if p.Namespace, err = norm("namespace", p.Namespace); err != nil {
			return nil, err
		}
	}
	return &p, nil
}

func jsonReason(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, se)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}
