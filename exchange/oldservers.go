package exchange

import (
	"fmt"
	"strings"
)

// oldServersTitle is how the bind script names the old servers of a
// version in its section heading.
func oldServersTitle(v Version) string {
	switch v {
	case Exchange2003:
		return "Exchange 2003 servers"
	case Exchange2007, Exchange2010:
		return v.Title() + " Client Access servers"
	}
	return v.Title() + " servers"
}

// OldServersHeading is the heading line of the section for the old
// version's servers in a bind script.
func OldServersHeading(v Version) string { return "# === On the " + oldServersTitle(v) + " ===" }

// OldCommandPrefix starts a comment line that holds a command for the old
// version's own Exchange Management Shell.
const OldCommandPrefix = "#   > "

// oldServers writes, after the new servers' steps, what must be done on
// the servers of the version being migrated from: DNS, where the
// certificate goes, and the settings that version has (console steps for
// 2003, its own shell's cmdlets for 2007 and later). Everything is a
// comment: it runs in another shell or console, on other machines.
func (gen *bindGen) oldServers() {
	in := gen.in
	from := in.From
	c, _ := CoexistenceOf(from, in.Version)
	gen.line("")
	gen.line("# ==================================================================================================")
	gen.line("%s", OldServersHeading(from))
	gen.line("# ==================================================================================================")
	switch from {
	case Exchange2003:
		gen.note("Exchange 2003 has no Exchange Management Shell: these are Exchange System Manager and IIS Manager settings, done by hand on those servers.")
	default:
		gen.note(fmt.Sprintf("Lines starting with \">\" are for the %s Exchange Management Shell (manage each version with its own tools). Set $old to the name of one %s and repeat for each.", from.Title(), strings.TrimSuffix(oldServersTitle(from), "s")))
	}
	newNames := []string{in.URLHost}
	if Covers(in.Names, gen.adHost) && gen.adHost != in.URLHost {
		newNames = append(newNames, gen.adHost)
	}

	gen.note("DNS (inside and outside):")
	gen.note(fmt.Sprintf("- %s: point at %s (the new servers, or their load balancer) when the new servers take over client access.", strings.Join(newNames, " and "), gen.on()))
	if c.LegacyName && in.LegacyHost != "" {
		target := "the " + from.Title() + " Client Access servers"
		if from == Exchange2003 {
			target = "the Exchange 2003 front-end server"
		}
		gen.note(fmt.Sprintf("- %s: a new record for %s, reachable from outside too (publish it like the main name).", in.LegacyHost, target))
	} else {
		gen.note("- No legacy name: the new servers proxy to the old ones, so no record is added.")
	}

	gen.note("Certificate:")
	switch {
	case from == Exchange2003 && c.LegacyName:
		gen.note(fmt.Sprintf("- This certificate (it carries %s) goes into IIS on the Exchange 2003 front-end server, which answers under the legacy name. Build the PFX for it with: exchcert pfx --windows 2003 (3DES and SHA-1, which Windows Server 2003 imports). A SHA-256 certificate needs KB968730 there (which supersedes KB938397).", in.LegacyHost))
	case from == Exchange2003:
		gen.note("- None: clients no longer connect to the 2003 front end; the 2007 Client Access server proxies to the back ends over HTTP.")
	case c.LegacyName:
		gen.note(fmt.Sprintf("- This certificate (it carries %s) goes onto every %s, enabled for IIS, because clients are sent there under the legacy name.", in.LegacyHost, strings.TrimSuffix(oldServersTitle(from), "s")))
	case from == Exchange2010:
		gen.note("- Clients no longer connect to the 2010 Client Access servers directly; they keep the certificate they have for IIS (renew it if it expires during the migration).")
	default:
		gen.note(fmt.Sprintf("- The same certificate on every %s server that stays behind the namespace (%s): clients may land on any of them.", from.Title(), in.URLHost))
	}

	gen.note("Settings:")
	var cmds []string
	switch from {
	case Exchange2003:
		ids := []string{"esm-iwa-eas"}
		switch {
		case in.Version == Exchange2007:
			ids = []string{"esm-iwa-exchange", "esm-iwa-eas"}
		case c.LegacyName:
			ids = append(ids, "esm-rpc-http-backend", "kb-sha2-2003", "iis-import-pfx")
		}
		for _, id := range ids {
			m := LookupManualStep(id)
			gen.line("%s", m.Line())
		}
	case Exchange2007, Exchange2010:
		cmds = gen.legacyCASCommands(from, c)
	default:
		cmds = gen.sharedNamespaceCommands(from)
	}
	for _, l := range cmds {
		gen.line("%s%s", OldCommandPrefix, l)
	}
	gen.note("Source: " + strings.Join(c.Sources, " ; "))
}

// legacyCASCommands are the commands for 2007 or 2010 Client Access
// servers behind a newer version.
func (gen *bindGen) legacyCASCommands(from Version, c Coexistence) []string {
	in := gen.in
	out := []string{"$old = 'OLDCAS'   # the " + strings.TrimSuffix(oldServersTitle(from), "s") + "'s name"}
	if c.LegacyName && in.LegacyHost != "" {
		l := "https://" + in.LegacyHost
		pfx := DefaultImportPath("legacy.pfx")
		if in.FileKind == PFXFile {
			pfx = in.File
		}
		if from == Exchange2007 {
			out = append(out,
				"# on each 2007 Client Access server itself (2007's certificate cmdlets act locally): the PFX made with exchcert pfx",
				"Import-ExchangeCertificate -Path "+PSQuote(pfx)+" -Password (Read-Host -AsSecureString 'PFX password')"+ea,
				"Enable-ExchangeCertificate -Thumbprint "+PSQuote(in.Thumbprint)+" -Services IIS"+ea)
		}
		out = append(out,
			"# the 2007 URLs move to the legacy name",
			"Get-OwaVirtualDirectory -Server $old"+ea+" | Set-OwaVirtualDirectory -InternalUrl "+PSQuote(l+"/owa")+" -ExternalUrl "+PSQuote(l+"/owa")+ea,
			"Get-WebServicesVirtualDirectory -Server $old"+ea+" | Set-WebServicesVirtualDirectory -InternalUrl "+PSQuote(l+"/EWS/Exchange.asmx")+" -ExternalUrl "+PSQuote(l+"/EWS/Exchange.asmx")+ea,
			"Get-OabVirtualDirectory -Server $old"+ea+" | Set-OabVirtualDirectory -InternalUrl "+PSQuote(l+"/OAB")+" -ExternalUrl "+PSQuote(l+"/OAB")+ea)
		if in.Version >= Exchange2013 {
			out = append(out,
				"# ActiveSync is proxied by the new servers: no external URL on 2007",
				"Get-ActiveSyncVirtualDirectory -Server $old"+ea+" | Set-ActiveSyncVirtualDirectory -InternalUrl "+PSQuote(l+"/Microsoft-Server-ActiveSync")+" -ExternalUrl $null"+ea)
		} else {
			out = append(out,
				"Get-ActiveSyncVirtualDirectory -Server $old"+ea+" | Set-ActiveSyncVirtualDirectory -InternalUrl "+PSQuote(l+"/Microsoft-Server-ActiveSync")+" -ExternalUrl "+PSQuote(l+"/Microsoft-Server-ActiveSync")+ea)
		}
	}
	if in.Version >= Exchange2013 {
		out = append(out,
			"# Outlook Anywhere is proxied to this server: it must be on, with NTLM in IIS, and hand out the new name",
			"if (-not (Get-OutlookAnywhere -Server $old -ErrorAction SilentlyContinue)) { Enable-OutlookAnywhere -Server $old -ExternalHostname "+PSQuote(in.URLHost)+" -ClientAuthenticationMethod Basic -SSLOffloading $false"+ea+" }",
			"Get-OutlookAnywhere -Server $old"+ea+" | Set-OutlookAnywhere -ExternalHostname "+PSQuote(in.URLHost)+" -IISAuthenticationMethods Basic,NTLM"+ea)
	}
	return out
}

// sharedNamespaceCommands are the commands for 2013, 2016 or 2019 servers
// that stay behind the same namespace as the new ones.
func (gen *bindGen) sharedNamespaceCommands(from Version) []string {
	in := gen.in
	pfx := DefaultImportPath(in.Thumbprint + ".pfx")
	out := []string{"$old = 'OLDSERVER'   # the " + from.Title() + " server's name"}
	if in.FileKind == PFXFile {
		pfx = in.File
	} else {
		out = append(out, "# first export the certificate with its key on the new server to "+pfx+" (Export-ExchangeCertificate -BinaryEncoded), or use the PFX made with exchcert pfx")
	}
	tp := PSQuote(in.Thumbprint)
	out = append(out,
		"if (-not (Get-ExchangeCertificate -Server $old -Thumbprint "+tp+" -ErrorAction SilentlyContinue)) { Import-ExchangeCertificate -Server $old -FileData ([System.IO.File]::ReadAllBytes("+PSQuote(pfx)+")) -Password (Read-Host -AsSecureString 'PFX password') -PrivateKeyExportable $true"+ea+" }",
		"Enable-ExchangeCertificate -Server $old -Thumbprint "+tp+" -Services IIS -DoNotRequireSsl"+ea)
	if gen.hostOK {
		u := "https://" + in.URLHost
		out = append(out,
			"# the same URLs as on the new servers",
			"Get-OwaVirtualDirectory -Server $old"+ea+" | Set-OwaVirtualDirectory -InternalUrl "+PSQuote(u+"/owa")+" -ExternalUrl "+PSQuote(u+"/owa")+ea,
			"Get-EcpVirtualDirectory -Server $old"+ea+" | Set-EcpVirtualDirectory -InternalUrl "+PSQuote(u+"/ecp")+" -ExternalUrl "+PSQuote(u+"/ecp")+ea,
			"Get-WebServicesVirtualDirectory -Server $old"+ea+" | Set-WebServicesVirtualDirectory -InternalUrl "+PSQuote(u+"/EWS/Exchange.asmx")+" -ExternalUrl "+PSQuote(u+"/EWS/Exchange.asmx")+ea,
			"Get-OabVirtualDirectory -Server $old"+ea+" | Set-OabVirtualDirectory -InternalUrl "+PSQuote(u+"/OAB")+" -ExternalUrl "+PSQuote(u+"/OAB")+ea,
			"Get-ActiveSyncVirtualDirectory -Server $old"+ea+" | Set-ActiveSyncVirtualDirectory -InternalUrl "+PSQuote(u+"/Microsoft-Server-ActiveSync")+" -ExternalUrl "+PSQuote(u+"/Microsoft-Server-ActiveSync")+ea,
			"Get-MapiVirtualDirectory -Server $old"+ea+" | Set-MapiVirtualDirectory -InternalUrl "+PSQuote(u+"/mapi")+" -ExternalUrl "+PSQuote(u+"/mapi")+ea,
			"Get-OutlookAnywhere -Server $old"+ea+" | Set-OutlookAnywhere -ExternalHostname "+PSQuote(in.URLHost)+" -InternalHostname "+PSQuote(in.URLHost)+" -ExternalClientsRequireSsl $true -InternalClientsRequireSsl $true"+ea)
	}
	out = append(out, "iisreset $old /noforce")
	return out
}

// OldServerCommands extracts the commands of a bind script's section for
// the old version's servers (the lines after OldCommandPrefix), and
// whether the section is there at all.
func OldServerCommands(script string, from Version) (cmds string, found bool) {
	head := OldServersHeading(from)
	i := strings.Index(script, head+"\n")
	if i < 0 {
		return "", false
	}
	var b strings.Builder
	for _, l := range strings.Split(script[i:], "\n") {
		if c, ok := strings.CutPrefix(l, OldCommandPrefix); ok {
			b.WriteString(c + "\n")
		}
	}
	return b.String(), true
}
