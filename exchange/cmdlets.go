package exchange

import (
	"sort"
	"strings"
	"sync"
)

// Versions is a set of Exchange versions.
type Versions uint16

// Has reports whether v is in the set.
func (s Versions) Has(v Version) bool { return s&(1<<uint(v)) != 0 }

// List returns the versions in the set, oldest first.
func (s Versions) List() []Version {
	var out []Version
	for _, v := range Targets {
		if s.Has(v) {
			out = append(out, v)
		}
	}
	return out
}

// String lists the set as "2010|2013".
func (s Versions) String() string { return Join(s.List()) }

// Sets of versions the cmdlet table uses.
const (
	e03 Versions = 1 << Exchange2003
	e07 Versions = 1 << Exchange2007
	e10 Versions = 1 << Exchange2010
	e13 Versions = 1 << Exchange2013
	e16 Versions = 1 << Exchange2016
	e19 Versions = 1 << Exchange2019
	eSE Versions = 1 << ExchangeSE

	all      = e07 | e10 | e13 | e16 | e19 | eSE
	from2010 = e10 | e13 | e16 | e19 | eSE
	from2013 = e13 | e16 | e19 | eSE
	from2016 = e16 | e19 | eSE
	upTo2010 = e07 | e10
	upTo2013 = e07 | e10 | e13
)

// Cmdlet is what the table knows about one cmdlet: the versions it exists
// in, the versions each parameter exists in, and where that is written.
type Cmdlet struct {
	Name     string
	Versions Versions
	Params   map[string]Versions // parameter name (no dash) → versions
	Source   string
}

// Sources the table cites: Microsoft's cmdlet reference, its pages on the
// Exchange 2007 cmdlets and the prerequisites.
const (
	srcCmdletRef     = "https://learn.microsoft.com/powershell/module/exchangepowershell/"
	srcE07NewCert    = "https://learn.microsoft.com/previous-versions/office/exchange-server-2007/aa998327(v=exchg.80)"
	srcE07ImportCert = "https://learn.microsoft.com/previous-versions/office/exchange-server-2007/bb124424(v=exchg.80)"
	srcH1CU2022      = "https://techcommunity.microsoft.com/t5/exchange-team-blog/released-2022-h1-cumulative-updates-for-exchange-server/ba-p/3285026"
	srcE07PopImap    = "https://learn.microsoft.com/previous-versions/office/exchange-server-2007/aa997154(v=exchg.80)"
	srcVdirDefaults  = "https://learn.microsoft.com/exchange/clients/default-virtual-directory-settings"
	srcTransition    = "https://techcommunity.microsoft.com/t5/exchange-team-blog/transitioning-client-access-to-exchange-server-2010/ba-p/597030"
	srcPrereqs       = "https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites"
	srcPowerShell    = "https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_commonparameters"
)

// ref is the cmdlet reference page of a cmdlet (page: its name in lower
// case), followed by any more sources.
func ref(page string, more ...string) string {
	return strings.Join(append([]string{srcCmdletRef + page}, more...), "; ")
}

// shouldProcess are the risk-mitigation parameters of cmdlets that change
// something (SupportsShouldProcess); they exist wherever the cmdlet does.
var shouldProcess = []string{"Confirm", "WhatIf"}

// commonParams are accepted by every cmdlet in every PowerShell version an
// Exchange shell runs on (1.0 and later).
var commonParams = []string{"Verbose", "Debug", "ErrorAction", "WarningAction", "ErrorVariable", "WarningVariable", "OutVariable", "OutBuffer"}

// cmdletTable is the one place exchcert keeps which cmdlet and parameter
// exists in which Exchange version. Everything exchcert prints for the
// Exchange Management Shell is checked against it (Validate).
//
// Where the versions differ within one product (Exchange 2016 before CU23
// and 2019 before CU12 still had -FileName and -RequestFile), the table
// records the current cumulative update, which removed them (2022 H1 CUs).
// Where a parameter's presence in Exchange 2007 is not documented, the table
// leaves 2007 out, so exchcert never emits it there.
//
// It is a function, and cmdletIndex is built on first use, so that
// commands which print no script do not pay for the table at start-up.
func cmdletTable() []Cmdlet {
	return []Cmdlet{
		// New-ExchangeCertificate.
		{Name: "New-ExchangeCertificate", Versions: all, Source: ref("new-exchangecertificate", srcE07NewCert), Params: withShould(map[string]Versions{
			"GenerateRequest": all, "SubjectName": all, "DomainName": all, "KeySize": all,
			"PrivateKeyExportable": all, "FriendlyName": all, "BinaryEncoded": all,
			"IncludeAcceptedDomains": all, "IncludeAutoDiscover": all, "Services": all, "Force": all,
			"Path":              e07, // E07 only
			"RequestFile":       e13, // E13; E16/E19 only before the 2022 H1 CUs (srcH1CU2022)
			"Server":            from2010,
			"IncludeServerFQDN": from2010, "IncludeServerNetBIOSName": from2010,
		})},
		// Import-ExchangeCertificate.
		{Name: "Import-ExchangeCertificate", Versions: all, Source: ref("import-exchangecertificate", srcE07ImportCert), Params: withShould(map[string]Versions{
			"Path":                 e07,
			"FileData":             from2010,
			"FileName":             e13, // removed from E16/E19 by the 2022 H1 CUs
			"Password":             all,
			"PrivateKeyExportable": from2010,
			"FriendlyName":         all,
			"Server":               from2010,
		})},
		// Enable-ExchangeCertificate. -DoNotRequireSsl is documented from
		// E10; its E07 presence is unverified. -Identity only E13+.
		{Name: "Enable-ExchangeCertificate", Versions: all, Source: ref("enable-exchangecertificate"), Params: withShould(map[string]Versions{
			"Thumbprint": all, "Services": all, "Force": all,
			"Server": from2010, "DoNotRequireSsl": from2010, "NetworkServiceAllowed": from2010,
			"Identity": from2013,
		})},
		// Get-ExchangeCertificate.
		{Name: "Get-ExchangeCertificate", Versions: all, Source: ref("get-exchangecertificate"), Params: map[string]Versions{
			"Thumbprint": all, "DomainName": all, "Identity": all, "Server": from2010,
		}},
		// Export-/Remove-ExchangeCertificate.
		{Name: "Export-ExchangeCertificate", Versions: all, Source: ref("export-exchangecertificate"), Params: withShould(map[string]Versions{
			"Thumbprint": all, "BinaryEncoded": all, "Password": all, "Path": e07, "FileName": e13, "Server": from2010,
		})},
		{Name: "Remove-ExchangeCertificate", Versions: all, Source: ref("remove-exchangecertificate"), Params: withShould(map[string]Versions{
			"Thumbprint": all, "Server": from2010,
		})},
		// Outlook providers (CertPrincipalName: E07 SP1 and later).
		{Name: "Get-OutlookProvider", Versions: all, Source: ref("get-outlookprovider"), Params: map[string]Versions{"Identity": all}},
		{Name: "Set-OutlookProvider", Versions: all, Source: ref("set-outlookprovider"), Params: withShould(map[string]Versions{
			"Identity": all, "CertPrincipalName": all,
		})},
		// Autodiscover SCP: Set-ClientAccessServer up to E13,
		// Set-ClientAccessService from E16 (the old name only warns there, so
		// exchcert treats it as gone).
		{Name: "Set-ClientAccessServer", Versions: upTo2013, Source: ref("set-clientaccessserver"), Params: withShould(map[string]Versions{
			"Identity": upTo2013, "AutoDiscoverServiceInternalUri": upTo2013,
		})},
		{Name: "Get-ClientAccessServer", Versions: upTo2013, Source: ref("get-clientaccessserver"), Params: map[string]Versions{"Identity": upTo2013}},
		{Name: "Set-ClientAccessService", Versions: from2016, Source: ref("set-clientaccessservice"), Params: withShould(map[string]Versions{
			"Identity": from2016, "AutoDiscoverServiceInternalUri": from2016,
		})},
		{Name: "Get-ClientAccessService", Versions: from2016, Source: ref("get-clientaccessservice"), Params: map[string]Versions{"Identity": from2016}},
		// Virtual directories. Exchange2003Url is the 2003 coexistence
		// setting documented for E10 (srcTransition).
		vdir("Owa", all, map[string]Versions{"Exchange2003Url": e10, "FormsAuthentication": all, "BasicAuthentication": all, "WindowsAuthentication": all}),
		vdir("Ecp", from2010, nil),
		vdir("WebServices", all, map[string]Versions{"WindowsAuthentication": all, "BasicAuthentication": all, "DigestAuthentication": all, "OAuthAuthentication": from2013}),
		vdir("Autodiscover", all, map[string]Versions{"WindowsAuthentication": all, "BasicAuthentication": all, "DigestAuthentication": all}),
		vdir("Oab", all, map[string]Versions{"RequireSSL": all}),
		vdir("ActiveSync", all, nil),
		vdir("Mapi", from2013, map[string]Versions{"IISAuthenticationMethods": from2013}), // E13 SP1 and later
		// Enable-OutlookAnywhere: 2007 and 2010 only (on from 2013).
		{Name: "Enable-OutlookAnywhere", Versions: upTo2010, Source: ref("enable-outlookanywhere"), Params: withShould(map[string]Versions{
			"Server": upTo2010, "ExternalHostname": upTo2010, "ClientAuthenticationMethod": upTo2010, "SSLOffloading": upTo2010,
		})},
		{Name: "Get-OutlookAnywhere", Versions: all, Source: ref("get-outlookanywhere"), Params: map[string]Versions{"Identity": all, "Server": all}},
		{Name: "Set-OutlookAnywhere", Versions: all, Source: ref("set-outlookanywhere"), Params: withShould(map[string]Versions{
			"Identity": all, "ExternalHostname": all, "SSLOffloading": all, "IISAuthenticationMethods": all,
			"ClientAuthenticationMethod": upTo2010,
			"InternalHostname":           from2013, "InternalClientsRequireSsl": from2013, "ExternalClientsRequireSsl": from2013,
			"InternalClientAuthenticationMethod": from2013, "ExternalClientAuthenticationMethod": from2013,
		})},
		// POP3/IMAP4. X509CertificateName from E07 SP1 (srcE07PopImap);
		// connection settings and -Server are documented from E10.
		{Name: "Set-PopSettings", Versions: all, Source: ref("set-popsettings", srcE07PopImap), Params: withShould(map[string]Versions{
			"X509CertificateName": all, "Server": from2010, "ExternalConnectionSettings": from2010, "InternalConnectionSettings": from2010,
		})},
		{Name: "Set-ImapSettings", Versions: all, Source: ref("set-imapsettings", srcE07PopImap), Params: withShould(map[string]Versions{
			"X509CertificateName": all, "Server": from2010, "ExternalConnectionSettings": from2010, "InternalConnectionSettings": from2010,
		})},
		{Name: "Get-PopSettings", Versions: all, Source: ref("get-popsettings"), Params: map[string]Versions{"Server": from2010}},
		{Name: "Get-ImapSettings", Versions: all, Source: ref("get-imapsettings"), Params: map[string]Versions{"Server": from2010}},
		// connectors that pin a certificate by name (TlsCertificateName,
		// documented from E13).
		{Name: "Get-SendConnector", Versions: all, Source: ref("get-sendconnector"), Params: map[string]Versions{"Identity": all}},
		{Name: "Get-ReceiveConnector", Versions: all, Source: ref("get-receiveconnector"), Params: map[string]Versions{"Identity": all, "Server": from2010}},
		// Test-OutlookWebServices: the current page says it is
		// functional only in Exchange 2010; -TrustAnySSLCertificate and
		// -MailboxCredential exist only in the E13+ parameter sets.
		{Name: "Test-OutlookWebServices", Versions: from2010, Source: ref("test-outlookwebservices"), Params: map[string]Versions{
			"Identity": from2010, "ClientAccessServer": e10, "TrustAnySSLCertificate": from2013, "MailboxCredential": from2013,
		}},

		// Windows PowerShell cmdlets the scripts use, present in every shell an
		// Exchange version runs on (PowerShell 1.0/2.0 for E07, 2.0 for E10, 5.1
		// for E16+).
		{Name: "Format-List", Versions: all, Source: srcPowerShell, Params: map[string]Versions{"Property": all}},
		{Name: "Read-Host", Versions: all, Source: srcPowerShell, Params: map[string]Versions{"Prompt": all, "AsSecureString": all}},
		{Name: "Write-Host", Versions: all, Source: srcPowerShell, Params: map[string]Versions{"Object": all}},
		{Name: "Write-Warning", Versions: all, Source: srcPowerShell, Params: map[string]Versions{"Message": all}},
		{Name: "Get-Service", Versions: all, Source: srcPowerShell, Params: map[string]Versions{"Name": all, "ComputerName": from2010}}, // -ComputerName from Windows PowerShell 2.0 (2007 may run 1.0)
		{Name: "Restart-Service", Versions: all, Source: srcPowerShell, Params: withShould(map[string]Versions{"Name": all, "Force": all})},
		{Name: "Where-Object", Versions: all, Source: srcPowerShell, Params: map[string]Versions{"FilterScript": all}},
		{Name: "Select-Object", Versions: all, Source: srcPowerShell, Params: map[string]Versions{"Property": all, "ExpandProperty": all}},
		// Windows features: the ServerManager module of Windows Server 2008
		// R2 has Add-WindowsFeature (2012 keeps it as an alias); 2012 and later
		// have Install-WindowsFeature. Exchange 2013 runs on both.
		{Name: "Import-Module", Versions: all, Source: srcPowerShell, Params: map[string]Versions{"Name": all}},
		{Name: "Add-WindowsFeature", Versions: upTo2013, Source: srcPrereqs, Params: map[string]Versions{"Name": upTo2013, "Restart": upTo2013}},
		{Name: "Install-WindowsFeature", Versions: from2013, Source: srcPrereqs, Params: map[string]Versions{"Name": from2013, "Restart": from2013}},
		{Name: "Set-Service", Versions: all, Source: srcPowerShell, Params: map[string]Versions{"Name": all, "StartupType": all}},
	}
}

// ManualStep is a step with no cmdlet behind it: Exchange 2003 has no
// Exchange Management Shell, so what an admin does on a 2003 server is a
// console setting (Exchange System Manager, IIS Manager). The table keeps
// them beside the cmdlets so a script's section for an old version is
// checked against what that version has: a step is written only when its
// version has it.
type ManualStep struct {
	ID       string
	Versions Versions
	Tool     string // "Exchange System Manager", "IIS Manager"
	Text     string
	Source   string
}

// manualSteps are the console steps exchcert writes for old servers.
var manualSteps = []ManualStep{
	{ID: "esm-iwa-exchange", Versions: e03, Tool: "Exchange System Manager",
		Text:   "on each Exchange 2003 back-end server, Servers > SERVER > Protocols > HTTP > Exchange Virtual Server > Exchange > Properties > Access > Authentication: tick Integrated Windows authentication (the Exchange 2007 Client Access server proxies OWA for 2003 mailboxes to this /Exchange virtual directory with it)",
		Source: SrcCAS2007ProxyOWA},
	{ID: "esm-iwa-eas", Versions: e03, Tool: "Exchange System Manager",
		Text:   "on each Exchange 2003 back-end server, Servers > SERVER > Protocols > HTTP > Exchange Virtual Server > Microsoft-Server-ActiveSync > Properties > Access > Authentication: tick Integrated Windows authentication (the new Client Access server proxies ActiveSync for 2003 mailboxes with it; Exchange System Manager offers the setting from hotfix 937031 on, IIS Manager before it)",
		Source: SrcEAS2003Behind2007},
	{ID: "esm-rpc-http-backend", Versions: e03, Tool: "Exchange System Manager",
		Text:   "on each Exchange 2003 back-end server with mailboxes that use Outlook Anywhere, Servers > SERVER > Properties > RPC-HTTP: choose RPC-HTTP back-end server",
		Source: SrcUpgrade2003To2010},
	{ID: "iis-import-pfx", Versions: e03, Tool: "IIS Manager",
		Text:   "on the Exchange 2003 front-end server, Web Sites > Default Web Site > Properties > Directory Security > Server Certificate: replace the current certificate by importing the PFX (exchcert pfx --windows 2003) with its password, SSL port 443",
		Source: SrcUpgrade2003To2010},
	{ID: "kb-sha2-2003", Versions: e03, Tool: "Windows hotfix",
		Text:   "on the Exchange 2003 front-end server, before the import when the certificate or its chain is signed with SHA-256: install KB968730 (which supersedes KB938397); Windows Server 2003 SP2 has no SHA-2 support without it",
		Source: SrcSHA2Windows2003},
}

// SrcSHA2Windows2003 is Microsoft's PKI team on SHA-2 in Windows Server
// 2003: none in SP2, KB938397 adds it, KB968730 supersedes that.
const SrcSHA2Windows2003 = "https://learn.microsoft.com/archive/blogs/pki/sha2-and-windows"

// LookupManualStep returns a console step by ID, or nil.
func LookupManualStep(id string) *ManualStep {
	for i := range manualSteps {
		if manualSteps[i].ID == id {
			return &manualSteps[i]
		}
	}
	return nil
}

// ManualStepLine is how a console step appears in a script's comments,
// one line, so a test can find it again in the table.
func (m *ManualStep) Line() string { return "#   - [" + m.Tool + "] " + m.Text }

// ManualSteps returns every console step in the table.
func ManualSteps() []ManualStep { return append([]ManualStep(nil), manualSteps...) }

// externalCommands are the programs (not cmdlets) the scripts may call.
var externalCommands = map[string]Versions{
	"iisreset": all, // iisreset /noforce after an IIS certificate change
	// ServerManagerCmd: Windows Server 2008 (SP2), where Exchange 2007 and
	// 2010 install their Windows features from setup's answer files.
	"servermanagercmd": upTo2010,
}

// asCmdlet in the table stands for "every version the cmdlet exists in".
const asCmdlet Versions = 0

func withShould(m map[string]Versions) map[string]Versions {
	for _, k := range shouldProcess {
		if _, ok := m[k]; !ok {
			m[k] = asCmdlet
		}
	}
	return m
}

// vdir builds the table entry of Set-<kind>VirtualDirectory (and the
// Get- one): Identity, InternalUrl and ExternalUrl in every version it
// exists in, plus extra.
func vdir(kind string, vs Versions, extra map[string]Versions) Cmdlet {
	p := map[string]Versions{"Identity": vs, "InternalUrl": vs, "ExternalUrl": vs}
	for k, v := range extra {
		p[k] = v
	}
	return Cmdlet{Name: "Set-" + kind + "VirtualDirectory", Versions: vs, Params: withShould(p),
		Source: ref("set-"+strings.ToLower(kind)+"virtualdirectory", srcVdirDefaults)}
}

var cmdletIndex = sync.OnceValue(func() map[string]*Cmdlet {
	m := map[string]*Cmdlet{}
	add := func(c Cmdlet) {
		for _, p := range commonParams {
			if _, ok := c.Params[p]; !ok {
				c.Params[p] = asCmdlet
			}
		}
		for p, vs := range c.Params {
			if vs == asCmdlet {
				c.Params[p] = c.Versions
			}
		}
		cc := c
		m[strings.ToLower(c.Name)] = &cc
	}
	for _, c := range cmdletTable() {
		add(c)
		// Every Set-…VirtualDirectory has a Get- counterpart taking
		// -Identity and -Server, used by the read-back checks.
		if strings.HasPrefix(c.Name, "Set-") && strings.HasSuffix(c.Name, "VirtualDirectory") {
			add(Cmdlet{Name: "Get-" + strings.TrimPrefix(c.Name, "Set-"), Versions: c.Versions, Source: c.Source,
				Params: map[string]Versions{"Identity": c.Versions, "Server": c.Versions}})
		}
	}
	return m
})

// LookupCmdlet returns the table entry of a cmdlet (case-insensitive), or
// nil when exchcert does not know it.
func LookupCmdlet(name string) *Cmdlet { return cmdletIndex()[strings.ToLower(name)] }

// Cmdlets returns every cmdlet in the table, sorted by name.
func Cmdlets() []*Cmdlet {
	index := cmdletIndex()
	out := make([]*Cmdlet, 0, len(index))
	for _, c := range index {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name }) // names are unique: <= sorts the same
	return out
}

// param returns the canonical name of a parameter of c and the versions it
// exists in; ok is false for an unknown parameter.
func (c *Cmdlet) param(name string) (string, Versions, bool) {
	for k, v := range c.Params {
		if strings.EqualFold(k, name) {
			return k, v, true
		}
	}
	return "", 0, false
}

// HasParam reports whether the cmdlet has parameter name (no dash,
// case-insensitive) in version v.
func (c *Cmdlet) HasParam(name string, v Version) bool {
	_, vs, ok := c.param(name)
	return ok && vs.Has(v) && c.Versions.Has(v)
}
