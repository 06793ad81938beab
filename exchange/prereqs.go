package exchange

import (
	"errors"
	"fmt"
	"strings"
)

// Windows feature lists from Microsoft's prerequisites pages (srcPrereqs,
// srcPrereqs2013, srcPrereqs2010 below).
var (
	// Exchange 2010 SP1 and later on Windows Server 2008 R2
	// (bb691354(v=exchg.141)).
	features2010 = []string{"NET-Framework", "RSAT-ADDS", "Web-Server", "Web-Basic-Auth", "Web-Windows-Auth", "Web-Metabase", "Web-Net-Ext", "Web-Lgcy-Mgmt-Console", "WAS-Process-Model", "RSAT-Web-Server", "Web-ISAPI-Ext", "Web-Digest-Auth", "Web-Dyn-Compression", "NET-HTTP-Activation", "Web-Asp-Net", "Web-Client-Auth", "Web-Dir-Browsing", "Web-Http-Errors", "Web-Http-Logging", "Web-Http-Redirect", "Web-Http-Tracing", "Web-ISAPI-Filter", "Web-Request-Monitor", "Web-Static-Content", "Web-WMI", "RPC-Over-HTTP-Proxy"}
	// Exchange 2013 Mailbox or Client Access on Windows Server 2012 / 2012 R2
	// (exchange-2013-prerequisites-exchange-2013-help).
	features2013 = []string{"AS-HTTP-Activation", "Desktop-Experience", "NET-Framework-45-Features", "RPC-over-HTTP-proxy", "RSAT-Clustering", "RSAT-Clustering-CmdInterface", "RSAT-Clustering-Mgmt", "RSAT-Clustering-PowerShell", "Web-Mgmt-Console", "WAS-Process-Model", "Web-Asp-Net45", "Web-Basic-Auth", "Web-Client-Auth", "Web-Digest-Auth", "Web-Dir-Browsing", "Web-Dyn-Compression", "Web-Http-Errors", "Web-Http-Logging", "Web-Http-Redirect", "Web-Http-Tracing", "Web-ISAPI-Ext", "Web-ISAPI-Filter", "Web-Lgcy-Mgmt-Console", "Web-Metabase", "Web-Mgmt-Console", "Web-Mgmt-Service", "Web-Net-Ext45", "Web-Request-Monitor", "Web-Server", "Web-Stat-Compression", "Web-Static-Content", "Web-Windows-Auth", "Web-WMI", "Windows-Identity-Foundation", "RSAT-ADDS"}
	// Exchange 2013 Mailbox or Client Access on Windows Server 2008 R2 SP1
	// (exchange-2013-prerequisites-exchange-2013-help, "Windows Server 2008
	// R2 SP1 prerequisites").
	features2013on2008R2 = []string{"Desktop-Experience", "NET-Framework", "NET-HTTP-Activation", "RPC-over-HTTP-proxy", "RSAT-Clustering", "RSAT-Web-Server", "WAS-Process-Model", "Web-Asp-Net", "Web-Basic-Auth", "Web-Client-Auth", "Web-Digest-Auth", "Web-Dir-Browsing", "Web-Dyn-Compression", "Web-Http-Errors", "Web-Http-Logging", "Web-Http-Redirect", "Web-Http-Tracing", "Web-ISAPI-Ext", "Web-ISAPI-Filter", "Web-Lgcy-Mgmt-Console", "Web-Metabase", "Web-Mgmt-Console", "Web-Mgmt-Service", "Web-Net-Ext", "Web-Request-Monitor", "Web-Server", "Web-Stat-Compression", "Web-Static-Content", "Web-Windows-Auth", "Web-WMI", "RSAT-ADDS"}
	// Exchange 2016 on Windows Server 2016 and Exchange 2019/SE Mailbox on
	// Windows Server 2019/2022 with Desktop Experience
	// (plan-and-deploy/prerequisites). 2016 on 2012 (R2) adds
	// AS-HTTP-Activation in front.
	// Exchange 2007 SP1 and later on Windows Server 2008, a server with
	// the Hub Transport, Client Access and Mailbox roles, in Microsoft's
	// order, one ServerManagerCmd -i each ("How to Install Exchange 2007
	// SP1 Prerequisites on Windows Server 2008 or Windows Vista",
	// bb691354(v=exchg.80)). Windows PowerShell, which the page installs
	// first, is not in the list: the script needs it to run at all.
	// RPC-over-HTTP-proxy is there "if the server will support Outlook
	// Anywhere clients", which bind sets up.
	features2007on2008 = []string{"Web-Server", "Web-ISAPI-Ext", "Web-Metabase", "Web-Lgcy-Mgmt-Console", "Web-Basic-Auth", "Web-Digest-Auth", "Web-Windows-Auth", "Web-Dyn-Compression", "RPC-over-HTTP-proxy"}
	features2016       = []string{"Server-Media-Foundation", "NET-Framework-45-Features", "RPC-over-HTTP-proxy", "RSAT-Clustering", "RSAT-Clustering-CmdInterface", "RSAT-Clustering-Mgmt", "RSAT-Clustering-PowerShell", "WAS-Process-Model", "Web-Asp-Net45", "Web-Basic-Auth", "Web-Client-Auth", "Web-Digest-Auth", "Web-Dir-Browsing", "Web-Dyn-Compression", "Web-Http-Errors", "Web-Http-Logging", "Web-Http-Redirect", "Web-Http-Tracing", "Web-ISAPI-Ext", "Web-ISAPI-Filter", "Web-Lgcy-Mgmt-Console", "Web-Metabase", "Web-Mgmt-Console", "Web-Mgmt-Service", "Web-Net-Ext45", "Web-Request-Monitor", "Web-Server", "Web-Stat-Compression", "Web-Static-Content", "Web-Windows-Auth", "Web-WMI", "Windows-Identity-Foundation", "RSAT-ADDS"}
)

// ErrNoFeatureList is returned by Prereqs for a supported combination whose
// feature list exchcert does not carry.
var ErrNoFeatureList = errors.New("exchcert has no verified Windows feature list for this combination")

// Prereqs returns the PowerShell that installs the Windows features
// Exchange version v needs on Windows Server w (Mailbox/Client Access role,
// Desktop Experience), commented with why the authentication features
// matter to the certificate. It returns an error when v does not run on w,
// and one wrapping ErrNoFeatureList when exchcert has no verified list for
// the pair (Exchange 2007 on Windows Server 2003 and 2008 R2; 2010 on 2012).
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
	case v == Exchange2007 && w == Windows2008:
		features, cmd = features2007on2008, "ServerManagerCmd -i"
		notes = append(notes, "Exchange 2007 runs on Windows Server 2008 from SP1. Windows Server 2008 does not install Windows PowerShell, which this script needs: first run ServerManagerCmd -i PowerShell at a command prompt, then this script in Windows PowerShell.",
			"If this server prepares Active Directory (setup /PrepareSchema, /PrepareAD), run ServerManagerCmd -i RSAT-ADDS before everything else and restart the server when it says so.",
			serverManagerCmdExit)
	case v == Exchange2010 && w == Windows2008:
		// Windows Server 2008 SP2 has no ServerManager module: Exchange
		// 2010 setup ships ServerManagerCmd answer files in its Scripts
		// folder (Exchange-Typical.xml: Client Access, Hub Transport and
		// Mailbox).
		cmd = "ServerManagerCmd"
		post = []string{"Set-Service NetTcpPortSharing -StartupType Automatic"}
		notes = append(notes, "Windows Server 2008 SP2 has no Add-WindowsFeature: run ServerManagerCmd in the Scripts folder of the Exchange 2010 setup files, with the answer file for the roles (Exchange-Typical.xml: Client Access, Hub Transport and Mailbox), then restart the server when it says so.",
			"Windows Server 2008 SP2 does not install Windows PowerShell, which this script needs: install the Windows Management Framework (Windows PowerShell 2.0, listed below) first.",
			serverManagerCmdExit,
			"Set-Service: the Client Access role needs the Net.Tcp Port Sharing service.")
	case v == Exchange2010 && w == Windows2008R2:
		features, cmd = features2010, "Add-WindowsFeature"
		post = []string{"Set-Service NetTcpPortSharing -StartupType Automatic"}
		notes = append(notes, "Set-Service: the Client Access role needs the Net.Tcp Port Sharing service, which the NET-Framework feature brings; restart the server when Add-WindowsFeature says so (Microsoft's list adds -Restart, which would restart before Set-Service runs).")
	case v == Exchange2013 && w == Windows2008R2:
		features, cmd = features2013on2008R2, "Add-WindowsFeature"
	case v == Exchange2013 && (w == Windows2012 || w == Windows2012R2):
		features = features2013
	case v == Exchange2016 && w == Windows2016:
		features = features2016
	case v == Exchange2016:
		features = append([]string{"AS-HTTP-Activation"}, features2016...)
	case (v == Exchange2019 || v == ExchangeSE) && (w == Windows2019 || w == Windows2022 || w == Windows2025):
		features = features2016
		notes = append(notes, "Server Core: leave out RSAT-Clustering-Mgmt, Web-Lgcy-Mgmt-Console, Web-Mgmt-Console and Windows-Identity-Foundation.")
	default:
		see := prereqSource(v)
		if v == Exchange2007 {
			see = srcRequirements2007 // the prerequisites page covers Windows Server 2008 only
		}
		return "", fmt.Errorf("%s on %s: %w; see %s", v.Title(), w.Title(), ErrNoFeatureList, see)
	}
	downloads := Downloads(v, w)
	var b strings.Builder
	b.WriteString(comment(fmt.Sprintf("Windows features for %s (Mailbox / Client Access) on %s.", v.Title(), w.Title())))
	b.WriteString(comment("Web-Basic-Auth and Web-Windows-Auth must be present for the Basic and Windows authentication that exchcert bind sets on Autodiscover and EWS; RPC-over-HTTP-proxy serves Outlook Anywhere."))
	b.WriteString(comment("Source: " + prereqSource(v)))
	for _, n := range notes {
		b.WriteString(comment(n))
	}
	switch cmd {
	case "ServerManagerCmd":
		b.WriteString("ServerManagerCmd -ip Exchange-Typical.xml\n")
		b.WriteString("if (" + serverManagerCmdFailed + ") { throw \"ServerManagerCmd failed (exit code $LASTEXITCODE); run it in the Scripts folder of the Exchange 2010 setup files\" }\n")
	case "ServerManagerCmd -i":
		b.WriteString("foreach ($feature in '" + strings.Join(features, "', '") + "') {\n")
		b.WriteString("    ServerManagerCmd -i $feature\n")
		b.WriteString("    if (" + serverManagerCmdFailed + ") { throw \"ServerManagerCmd -i $feature failed with exit code $LASTEXITCODE\" }\n")
		b.WriteString("}\n")
	case "Add-WindowsFeature":
		b.WriteString("Import-Module ServerManager\n")
		fmt.Fprintf(&b, "%s %s\n", cmd, strings.Join(features, ","))
	default:
		fmt.Fprintf(&b, "%s %s\n", cmd, strings.Join(features, ", "))
	}
	for _, p := range post {
		b.WriteString(p + "\n")
	}
	if v == Exchange2007 {
		// exchcert carries no verified list of Exchange 2007's downloads
		// per service pack; Microsoft's system requirements page has them.
		b.WriteString("\n")
		b.WriteString(comment("Not Windows features: the .NET Framework, Windows PowerShell and Windows updates each Exchange 2007 service pack needs are in the software requirements of " + srcRequirements2007 + "."))
	}
	if len(downloads) > 0 { // every other pair with a feature list has downloads (TestPrereqs), so >= 0 writes the same
		b.WriteString("\n")
		b.WriteString(comment("Not Windows features: download and install these too, in this order (the version each cumulative update needs is given):"))
		for _, d := range downloads {
			b.WriteString(comment("- " + d.Name + ": " + d.Needs + " (" + d.Source + ")"))
		}
	}
	out := b.String()
	if err := Validate(out, v); err != nil {
		return "", fmt.Errorf("internal error: prerequisites not valid for %s: %w", v.Title(), err)
	}
	if err := CheckSyntax(out); err != nil {
		return "", fmt.Errorf("internal error: prerequisites are not well-formed PowerShell: %w", err)
	}
	return out, nil
}

// ServerManagerCmd's exit codes: 0 installed, 3010 installed and a restart
// is needed, 1003 nothing to do because everything is already installed
// (so a second run succeeds); anything else is a failure ("Interpreting
// Output from Server Manager Commands", srcServerManagerCmdExit).
const (
	serverManagerCmdFailed = "$LASTEXITCODE -ne 0 -and $LASTEXITCODE -ne 3010 -and $LASTEXITCODE -ne 1003"
	serverManagerCmdExit   = "ServerManagerCmd exits 3010 when the server must restart and 1003 when everything is already installed; the script takes both as success (" + srcServerManagerCmdExit + ")."
)

func prereqSource(v Version) string {
	switch v {
	case Exchange2007:
		return srcPrereqs2007
	case Exchange2010:
		return "https://learn.microsoft.com/previous-versions/office/exchange-server-2010/bb691354(v=exchg.141)"
	case Exchange2013:
		return "https://learn.microsoft.com/exchange/exchange-2013-prerequisites-exchange-2013-help"
	}
	return srcPrereqs
}

// Download is a prerequisite that is not a Windows feature: a runtime, a
// redistributable or an update, with the version each cumulative update
// needs and where Microsoft says so.
type Download struct {
	Name   string `json:"name"`
	Needs  string `json:"needs"`
	Source string `json:"source"`
}

// Sources of the downloads.
const (
	srcNETMatrix        = "https://learn.microsoft.com/exchange/plan-and-deploy/supportability-matrix#microsoft-net-framework"
	srcPrereqs2013      = "https://learn.microsoft.com/exchange/exchange-2013-prerequisites-exchange-2013-help"
	srcPrereqs2010      = "https://learn.microsoft.com/previous-versions/office/exchange-server-2010/bb691354(v=exchg.141)"
	srcPrereqs2007      = "https://learn.microsoft.com/previous-versions/office/exchange-server-2007/bb691354(v=exchg.80)"
	srcRequirements2007 = "https://learn.microsoft.com/previous-versions/office/exchange-server-2007/aa996719(v=exchg.80)"

	srcServerManagerCmdExit = "https://learn.microsoft.com/previous-versions/windows/it-pro/windows-vista/cc749128(v=ws.10)"
	srcVCRedist2012         = "https://www.microsoft.com/download/details.aspx?id=30679"
	srcVCRedist2013         = "https://support.microsoft.com/help/4032938"
	srcUCMA4                = "https://www.microsoft.com/download/details.aspx?id=34992"
)

// Downloads returns the prerequisites of Exchange version v on Windows
// Server w that are not Windows features, in install order.
func Downloads(v Version, w Windows) []Download {
	vc := []Download{
		{"Visual C++ Redistributable for Visual Studio 2012", "every CU", srcVCRedist2012},
		{"Visual C++ Redistributable for Visual Studio 2013", "every CU (Mailbox role)", srcVCRedist2013},
	}
	ucma := Download{"Unified Communications Managed API 4.0, Core Runtime 64-bit", "every CU", srcUCMA4}
	switch v {
	case Exchange2010:
		var out []Download
		if w == Windows2008 {
			out = append(out,
				Download{".NET Framework 3.5 SP1", "Exchange 2010 RTM and later", srcPrereqs2010},
				Download{"Windows Management Framework (Windows PowerShell 2.0 and WinRM 2.0)", "Exchange 2010 RTM and later; Windows Server 2008 R2 has it built in", srcPrereqs2010})
		}
		return append(out, Download{"Microsoft Office 2010 Filter Pack (64-bit)", "Hub Transport and Mailbox roles, every service pack", srcPrereqs2010})
	case Exchange2013:
		out := []Download{{".NET Framework 4.8", "CU23 (which needs at least 4.7.2 installed first); 4.7.2 for CU21-CU22, 4.7.1 for CU19-CU20", srcNETMatrix}}
		if w != Windows2012R2 {
			out = append(out, Download{"Windows Management Framework 4.0", "every CU (Windows Server 2012 R2 has it built in)", srcPrereqs2013})
		}
		out = append(out, ucma)
		out = append(out, vc...)
		if w == Windows2008R2 {
			out = append(out,
				Download{"KB974405 (Windows Identity Foundation)", "every CU on Windows Server 2008 R2 SP1", srcPrereqs2013},
				Download{"KB2619234 (RPC over HTTP association cookie)", "every CU on Windows Server 2008 R2 SP1", srcPrereqs2013},
				Download{"KB2533623 (insecure library loading)", "every CU on Windows Server 2008 R2 SP1", srcPrereqs2013})
		}
		return out
	case Exchange2016:
		out := []Download{{".NET Framework 4.8", "CU13 and later (the only one from CU15); 4.7.2 for CU11-CU12, 4.7.1 for CU8-CU10", srcNETMatrix}}
		if w == Windows2016 {
			out = append(out, Download{"KB3206632 (December 2016 update)", "only on Windows Server 2016 builds 14393.576 and earlier; setup says when it is missing", srcPrereqs})
		}
		out = append(out, vc...)
		return append(out, ucma, Download{"IIS URL Rewrite Module 2.1", "CU22 and later", srcPrereqs})
	case Exchange2019:
		out := []Download{{".NET Framework 4.8 (4.8.1 where the CU supports it)", "CU4 and later need 4.8; 4.7.2 for RTM-CU3", srcNETMatrix}}
		out = append(out, vc...)
		return append(out, ucma, Download{"IIS URL Rewrite Module 2.1", "CU11 and later", srcPrereqs})
	case ExchangeSE:
		out := []Download{{".NET Framework 4.8.1 (4.8 on Windows Server 2019)", "every release", srcNETMatrix}}
		out = append(out, vc...)
		return append(out, ucma, Download{"IIS URL Rewrite Module 2.1", "every release", srcPrereqs})
	}
	return nil
}
