package exchange

import (
	"errors"
	"fmt"
	"strings"
)

// Windows feature lists from reference §5 (Microsoft's prerequisites pages).
var (
	// Exchange 2010 SP1 and later on Windows Server 2008 R2
	// (bb691354(v=exchg.141)).
	features2010 = []string{"NET-Framework", "RSAT-ADDS", "Web-Server", "Web-Basic-Auth", "Web-Windows-Auth", "Web-Metabase", "Web-Net-Ext", "Web-Lgcy-Mgmt-Console", "WAS-Process-Model", "RSAT-Web-Server", "Web-ISAPI-Ext", "Web-Digest-Auth", "Web-Dyn-Compression", "NET-HTTP-Activation", "Web-Asp-Net", "Web-Client-Auth", "Web-Dir-Browsing", "Web-Http-Errors", "Web-Http-Logging", "Web-Http-Redirect", "Web-Http-Tracing", "Web-ISAPI-Filter", "Web-Request-Monitor", "Web-Static-Content", "Web-WMI", "RPC-Over-HTTP-Proxy"}
	// Exchange 2013 Mailbox or Client Access on Windows Server 2012 / 2012 R2
	// (exchange-2013-prerequisites-exchange-2013-help).
	features2013 = []string{"AS-HTTP-Activation", "Desktop-Experience", "NET-Framework-45-Features", "RPC-over-HTTP-proxy", "RSAT-Clustering", "RSAT-Clustering-CmdInterface", "RSAT-Clustering-Mgmt", "RSAT-Clustering-PowerShell", "Web-Mgmt-Console", "WAS-Process-Model", "Web-Asp-Net45", "Web-Basic-Auth", "Web-Client-Auth", "Web-Digest-Auth", "Web-Dir-Browsing", "Web-Dyn-Compression", "Web-Http-Errors", "Web-Http-Logging", "Web-Http-Redirect", "Web-Http-Tracing", "Web-ISAPI-Ext", "Web-ISAPI-Filter", "Web-Lgcy-Mgmt-Console", "Web-Metabase", "Web-Mgmt-Console", "Web-Mgmt-Service", "Web-Net-Ext45", "Web-Request-Monitor", "Web-Server", "Web-Stat-Compression", "Web-Static-Content", "Web-Windows-Auth", "Web-WMI", "Windows-Identity-Foundation", "RSAT-ADDS"}
	// Exchange 2016 on Windows Server 2016 and Exchange 2019/SE Mailbox on
	// Windows Server 2019/2022 with Desktop Experience
	// (plan-and-deploy/prerequisites). 2016 on 2012 (R2) adds
	// AS-HTTP-Activation in front.
	features2016 = []string{"Server-Media-Foundation", "NET-Framework-45-Features", "RPC-over-HTTP-proxy", "RSAT-Clustering", "RSAT-Clustering-CmdInterface", "RSAT-Clustering-Mgmt", "RSAT-Clustering-PowerShell", "WAS-Process-Model", "Web-Asp-Net45", "Web-Basic-Auth", "Web-Client-Auth", "Web-Digest-Auth", "Web-Dir-Browsing", "Web-Dyn-Compression", "Web-Http-Errors", "Web-Http-Logging", "Web-Http-Redirect", "Web-Http-Tracing", "Web-ISAPI-Ext", "Web-ISAPI-Filter", "Web-Lgcy-Mgmt-Console", "Web-Metabase", "Web-Mgmt-Console", "Web-Mgmt-Service", "Web-Net-Ext45", "Web-Request-Monitor", "Web-Server", "Web-Stat-Compression", "Web-Static-Content", "Web-Windows-Auth", "Web-WMI", "Windows-Identity-Foundation", "RSAT-ADDS"}
)

// ErrNoFeatureList is returned by Prereqs for a supported combination whose
// feature list exchcert does not carry.
var ErrNoFeatureList = errors.New("exchcert has no verified Windows feature list for this combination")

// Prereqs returns the PowerShell that installs the Windows features
// Exchange version v needs on Windows Server w (Mailbox/Client Access role,
// Desktop Experience), commented with why the authentication features
// matter to the certificate. It returns an error when v does not run on w,
// and one wrapping ErrNoFeatureList when exchcert has no list for the pair
// (Exchange 2007; 2010 on 2012; 2013 on 2008 R2; Windows Server 2025).
func Prereqs(v Version, w Windows) (string, error) {
	if !isTarget(v) {
		return "", fmt.Errorf("unknown Exchange version %d", v)
	}
	if !RunsOn(v, w) {
		return "", fmt.Errorf("%s does not run on %s (supported: %s)", v.Title(), w.Title(), JoinWindows(SupportedWindows(v)))
	}
	var (
		features []string
		cmd      = "Install-WindowsFeature"
		post     []string
		notes    []string
	)
	switch {
	case v == Exchange2010 && w == Windows2008R2:
		features, cmd = features2010, "Add-WindowsFeature"
		post = []string{"Set-Service NetTcpPortSharing -StartupType Automatic"}
		notes = append(notes, "Set-Service: the Client Access role needs the Net.Tcp Port Sharing service, which the NET-Framework feature brings; restart the server when Add-WindowsFeature says so (Microsoft's list adds -Restart, which would restart before Set-Service runs).")
	case v == Exchange2013 && (w == Windows2012 || w == Windows2012R2):
		features = features2013
	case v == Exchange2016 && w == Windows2016:
		features = features2016
	case v == Exchange2016:
		features = append([]string{"AS-HTTP-Activation"}, features2016...)
	case (v == Exchange2019 || v == ExchangeSE) && (w == Windows2019 || w == Windows2022):
		features = features2016
		notes = append(notes, "Server Core: leave out RSAT-Clustering-Mgmt, Web-Lgcy-Mgmt-Console, Web-Mgmt-Console and Windows-Identity-Foundation.")
	default:
		return "", fmt.Errorf("%s on %s: %w; see %s", v.Title(), w.Title(), ErrNoFeatureList, prereqSource(v))
	}
	if v >= Exchange2016 {
		notes = append(notes, "Not Windows features, installed separately: .NET Framework 4.8 (4.8.1 for newer CUs), the Visual C++ 2012 and 2013 runtimes, the UCMA 4.0 Core Runtime, and IIS URL Rewrite (2019 CU11 / 2016 CU22 and later).")
	}
	var b strings.Builder
	b.WriteString(comment(fmt.Sprintf("Windows features for %s (Mailbox / Client Access) on %s.", v.Title(), w.Title())))
	b.WriteString(comment("Web-Basic-Auth and Web-Windows-Auth must be present for the Basic and Windows authentication that exchcert bind sets on Autodiscover and EWS; RPC-over-HTTP-proxy serves Outlook Anywhere."))
	b.WriteString(comment("Source: " + prereqSource(v)))
	for _, n := range notes {
		b.WriteString(comment(n))
	}
	if cmd == "Add-WindowsFeature" {
		b.WriteString("Import-Module ServerManager\n")
		fmt.Fprintf(&b, "%s %s\n", cmd, strings.Join(features, ","))
	} else {
		fmt.Fprintf(&b, "%s %s\n", cmd, strings.Join(features, ", "))
	}
	for _, p := range post {
		b.WriteString(p + "\n")
	}
	out := b.String()
	if err := Validate(out, v); err != nil {
		return "", fmt.Errorf("internal error: prerequisites not valid for %s: %w", v.Title(), err)
	}
	return out, nil
}

func prereqSource(v Version) string {
	switch v {
	case Exchange2007:
		return "https://learn.microsoft.com/previous-versions/office/exchange-server-2007/"
	case Exchange2010:
		return "https://learn.microsoft.com/previous-versions/office/exchange-server-2010/bb691354(v=exchg.141)"
	case Exchange2013:
		return "https://learn.microsoft.com/exchange/exchange-2013-prerequisites-exchange-2013-help"
	}
	return srcPrereqs
}
