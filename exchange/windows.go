package exchange

import (
	"crypto/x509"
	"fmt"
	"strings"
)

// Windows is a Windows Server version an Exchange server runs on (and
// imports a PFX on). The zero value means "not given".
type Windows int

// Windows Server versions, oldest first.
const (
	WindowsUnknown Windows = iota
	Windows2003            // where the Exchange 2003 front end (and Exchange 2007) runs
	Windows2008            // Windows Server 2008 SP2
	Windows2008R2
	Windows2012
	Windows2012R2
	Windows2016
	Windows2019
	Windows2022
	Windows2025
)

// WindowsVersions lists every known Windows Server version, oldest first.
var WindowsVersions = []Windows{Windows2003, Windows2008, Windows2008R2, Windows2012, Windows2012R2, Windows2016, Windows2019, Windows2022, Windows2025}

var windowsNames = map[Windows]string{
	Windows2003: "2003", Windows2008: "2008", Windows2008R2: "2008r2", Windows2012: "2012", Windows2012R2: "2012r2", Windows2016: "2016",
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

// ParseWindows parses "2003", "2008", "2008r2", "2012", "2012r2", "2016", "2019", "2022" or
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
// supported on (64-bit), from the system requirements pages: Exchange 2007
// on 2003 SP2 / R2 and 2008 SP2, and on 2008 R2 from Exchange 2007 SP3
// (https://learn.microsoft.com/previous-versions/office/exchange-server-2007/aa996719(v=exchg.80));
// Exchange 2010 on 2008 SP2 and 2008 R2, and on 2012 from SP3
// (https://learn.microsoft.com/previous-versions/office/exchange-server-2010/aa996719(v=exchg.141)).
var windowsFor = map[Version][]Windows{
	Exchange2007: {Windows2003, Windows2008, Windows2008R2},
	Exchange2010: {Windows2008, Windows2008R2, Windows2012},
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

// SHA2Note says what Windows Server w needs before it can use a
// certificate chain signed with SHA-256 or stronger, or "" when nothing:
// Windows Server 2003 SP2 has no SHA-2 support until KB938397, and
// KB968730 supersedes that (SrcSHA2Windows2003).
func SHA2Note(w Windows, certs []*x509.Certificate) string {
	if w != Windows2003 {
		return ""
	}
	for _, c := range certs {
		switch c.SignatureAlgorithm {
		case x509.SHA256WithRSA, x509.SHA384WithRSA, x509.SHA512WithRSA, x509.ECDSAWithSHA256, x509.ECDSAWithSHA384,
			x509.ECDSAWithSHA512, x509.SHA256WithRSAPSS, x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS:
			return fmt.Sprintf("%q is signed with %s: Windows Server 2003 SP2 can use it only with the SHA-2 update KB968730 (which supersedes KB938397) installed; see %s", c.Subject.String(), c.SignatureAlgorithm, SrcSHA2Windows2003)
		}
	}
	return ""
}
