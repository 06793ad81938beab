// Package exchange holds the facts about Microsoft Exchange Server versions
// that the rest of exchcert relies on: which versions exist, how they name
// themselves, which key types they can use, and (in the files beside this
// one) which cmdlets and parameters each version has (cmdlets.go, checked by
// Validate), the Exchange Management Shell scripts built from them
// (RequestCommand, BindScript, Prereqs), and the PFX encoding each Windows
// Server version imports (EncodePFX). coexist.go holds what each supported
// migration pair does per client protocol (proxy or redirect) and whether
// it needs a legacy name; CheckSyntax is a token-level PowerShell check
// every emitted script passes.
//
// The facts come from the Microsoft cmdlet reference and the Exchange Team
// blog; each one cites its source. The package does no I/O.
package exchange

import (
	"fmt"
	"strings"
)

// Version is an Exchange Server version. The zero value means "none"
// (for example, no migration source).
type Version int

// Exchange versions, oldest first. Exchange2003 appears only as a migration
// source: exchcert does not plan certificates for it.
const (
	None Version = iota
	Exchange2003
	Exchange2007
	Exchange2010
	Exchange2013
	Exchange2016
	Exchange2019
	ExchangeSE
)

var versionNames = map[Version]string{
	Exchange2003: "2003",
	Exchange2007: "2007",
	Exchange2010: "2010",
	Exchange2013: "2013",
	Exchange2016: "2016",
	Exchange2019: "2019",
	ExchangeSE:   "se",
}

// Targets are the versions a certificate can be planned for, oldest first.
var Targets = []Version{Exchange2007, Exchange2010, Exchange2013, Exchange2016, Exchange2019, ExchangeSE}

// Sources are the versions an organisation can be migrating from.
var Sources = []Version{Exchange2003, Exchange2007, Exchange2010, Exchange2013, Exchange2016, Exchange2019}

// String returns the version as the command line spells it ("2010", "se"),
// or "" for None.
func (v Version) String() string { return versionNames[v] }

// Title returns the version as people write it ("Exchange 2010",
// "Exchange Server SE").
func (v Version) Title() string {
	switch v {
	case None:
		return "none"
	case ExchangeSE:
		return "Exchange Server SE"
	}
	return "Exchange " + v.String()
}

// ParseVersion parses "2007" … "2019" or "se" (case-insensitive, an optional
// "exchange" prefix is ignored). Its error lists the versions in valid.
func ParseVersion(s string, valid []Version) (Version, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimPrefix(t, "exchange")
	t = strings.TrimSpace(t)
	if t == "subscription" || t == "subscriptionedition" {
		t = "se"
	}
	for _, v := range valid {
		if v.String() == t {
			return v, nil
		}
	}
	return None, fmt.Errorf("unknown Exchange version %q (want one of %s)", s, Join(valid))
}

// Join lists versions as "2007|2010|…".
func Join(vs []Version) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = v.String()
	}
	return strings.Join(s, "|")
}

// MarshalText implements encoding.TextMarshaler, so a Version appears in
// JSON as "2010" or "se".
func (v Version) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; an empty string is None.
func (v *Version) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*v = None
		return nil
	}
	p, err := ParseVersion(string(b), append([]Version{Exchange2003}, Targets...))
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// Is2013OrLater reports whether v uses the Exchange 2013 client access
// architecture (front-end proxy, single namespace).
func (v Version) Is2013OrLater() bool { return v >= Exchange2013 }
