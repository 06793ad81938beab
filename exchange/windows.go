package exchange

import (
	"fmt"
	"strings"
)

// Windows is a Windows Server version an Exchange server runs on (and
// imports a PFX on). The zero value means "not given".
type Windows int

// Windows Server versions, oldest first.
const (
	WindowsUnknown Windows = iota
	Windows2008R2
	Windows2012
	Windows2012R2
	Windows2016
	Windows2019
	Windows2022
	Windows2025
)

// WindowsVersions lists every known Windows Server version, oldest first.
var WindowsVersions = []Windows{Windows2008R2, Windows2012, Windows2012R2, Windows2016, Windows2019, Windows2022, Windows2025}

var windowsNames = map[Windows]string{
	Windows2008R2: "2008r2", Windows2012: "2012", Windows2012R2: "2012r2", Windows2016: "2016",
	Windows2019: "2019", Windows2022: "2022", Windows2025: "2025",
}

// String returns the version as the command line spells it ("2012r2").
func (w Windows) String() string { return windowsNames[w] }

// Title returns the version as people write it ("Windows Server 2012 R2").
func (w Windows) Title() string {
	if w == WindowsUnknown {
		return "unknown Windows"
	}
	s := w.String()
	if strings.HasSuffix(s, "r2") {
		s = strings.TrimSuffix(s, "r2") + " R2"
	}
	return "Windows Server " + s
}

// JoinWindows lists versions as "2008r2|2012|…".
func JoinWindows(ws []Windows) string {
	s := make([]string, len(ws))
	for i, w := range ws {
		s[i] = w.String()
	}
	return strings.Join(s, "|")
}

// ParseWindows parses "2008r2", "2012", "2012r2", "2016", "2019", "2022" or
// "2025"; case, spaces and a "windows server"/"ws" prefix are ignored
// ("Windows Server 2012 R2"). Its error lists the valid values.
func ParseWindows(s string) (Windows, error) {
	t := strings.ToLower(s)
	t = strings.NewReplacer(" ", "", "-", "", "_", "").Replace(t)
	for _, p := range []string{"windowsserver", "windows", "server", "ws"} {
		t = strings.TrimPrefix(t, p)
	}
	for _, w := range WindowsVersions {
		if w.String() == t {
			return w, nil
		}
	}
	return WindowsUnknown, fmt.Errorf("unknown Windows Server version %q (want one of %s)", s, JoinWindows(WindowsVersions))
}

// MarshalText implements encoding.TextMarshaler.
func (w Windows) MarshalText() ([]byte, error) { return []byte(w.String()), nil }

// windowsFor is the Windows Server versions each Exchange version is
// supported on, from reference §1 (system requirements pages; E07 on 2003
// and 2008, and E10 on 2008 SP2, are older than this list).
var windowsFor = map[Version][]Windows{
	Exchange2007: {Windows2008R2},              // SP3 and later (?)
	Exchange2010: {Windows2008R2, Windows2012}, // 2012 from SP3 (?)
	Exchange2013: {Windows2008R2, Windows2012, Windows2012R2},
	Exchange2016: {Windows2012, Windows2012R2, Windows2016},
	Exchange2019: {Windows2019, Windows2022, Windows2025}, // 2022 from CU12, 2025 from CU15
	ExchangeSE:   {Windows2019, Windows2022, Windows2025},
}

// SupportedWindows returns the Windows Server versions v runs on.
func SupportedWindows(v Version) []Windows { return windowsFor[v] }

// RunsOn reports whether Exchange version v is supported on w.
func RunsOn(v Version, w Windows) bool {
	for _, x := range windowsFor[v] {
		if x == w {
			return true
		}
	}
	return false
}
