package exchange

import (
	"errors"
	"fmt"
	"strings"
)

// FileKind is what the bind script imports.
type FileKind int

// File kinds.
const (
	// NoFile: the certificate is already in the server's store; the script
	// starts by checking it is there.
	NoFile FileKind = iota
	// PFXFile: a password-protected PKCS #12 with the private key.
	PFXFile
	// CertFile: a certificate or PKCS #7 chain (.cer, .crt, .p7b) that
	// completes a pending request made on the same server.
	CertFile
)

// BindInput is what the bind script is made from.
type BindInput struct {
	Version    Version
	From       Version  // version being migrated from; None for none
	Server     string   // the Exchange server (-Server and virtual-directory identities)
	Thumbprint string   // 40 hex digits; normalised with NormalizeThumbprint
	Services   []string // -Services names; default IIS, POP, IMAP, SMTP
	URLHost    string   // the name clients use for OWA/EWS/EAS/OAB/MAPI/Outlook Anywhere/POP/IMAP
	// AutodiscoverHost is the name the Autodiscover SCP points at;
	// default autodiscover.<the URL host's parent domain> when the
	// certificate covers it, else URLHost.
	AutodiscoverHost string
	CommonName       string   // the certificate's Common Name (for msstd:)
	Names            []string // every DNS name the certificate covers (SANs)
	NamesFromPlan    bool     // Names come from the plan, not from the certificate itself
	LegacyHost       string   // the legacy host name during 2003/2007 coexistence; "" for none
	File             string   // absolute Windows path (C:\… or \\server\share\…) of the file to import
	FileKind         FileKind
	// PFXModern: the PFX uses the modern (AES/SHA-256) encoding, which
	// Windows Server 2016 and older cannot import.
	PFXModern bool
	// KeyAlgorithm of the certificate's key, when known ("" = RSA).
	KeyAlgorithm KeyAlgorithm
	FriendlyName string // set on import; "" leaves the file's or request's
	// ReplaceSMTPDefault makes the new certificate the default SMTP
	// (internal transport) certificate with -Force.
	ReplaceSMTPDefault bool
	// RequireSSL lets Enable-ExchangeCertificate turn on Require SSL on the
	// Default Web Site (no -DoNotRequireSsl).
	RequireSSL  bool
	TestMailbox string // mailbox for Test-OutlookWebServices (2010); "" prompts
}

// DefaultServices is what bind enables when no services are given.
var DefaultServices = []string{"IIS", "POP", "IMAP", "SMTP"}

// BindWarning is something the admin must read before running the script;
// each one is also written into the script as a comment.
type BindWarning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Bind is the generated script.
type Bind struct {
	Script   string
	Warnings []BindWarning
}

// Sources the bind script cites.
const (
	srcEnableCert     = "https://learn.microsoft.com/powershell/module/exchangepowershell/enable-exchangecertificate"
	srcPopImap        = "https://learn.microsoft.com/powershell/module/exchangepowershell/set-popsettings"
	srcOutlookProv    = "https://techcommunity.microsoft.com/t5/exchange-team-blog/when-if-and-how-do-you-modify-outlook-providers/ba-p/603428"
	srcAutodiscover   = "https://learn.microsoft.com/exchange/architecture/client-access/autodiscover"
	srcURLs           = "https://learn.microsoft.com/exchange/plan-and-deploy/post-installation-tasks/configure-mail-flow-and-client-access"
	srcTestOWS        = "https://learn.microsoft.com/powershell/module/exchangepowershell/test-outlookwebservices"
	srcRCA            = "https://testconnectivity.microsoft.com"
	srcCompletePend   = "https://learn.microsoft.com/exchange/architecture/client-access/complete-pending-certificate-requests"
	srcRevocation2010 = "https://techcommunity.microsoft.com/blog/exchange/emc-and-certificates-with-failed-revocation-checks-in-exchange-2010/591628"
)

// BindScript writes the Exchange Management Shell script that puts a
// delivered certificate to work on one server, step by step in the order of
// reference §8, each step commented with why. Every line is checked with
// Validate for in.Version before it is returned.
//
// It returns an error for a version it cannot script, a bad thumbprint,
// server name, URL host or file path, or a service that cannot be enabled
// this way (Federation; UM on 2019 and SE).
func BindScript(in BindInput) (*Bind, error) {
	g := &bindGen{in: in}
	if err := g.check(); err != nil {
		return nil, err
	}
	g.write()
	out := &Bind{Script: g.b.String(), Warnings: g.warnings}
	if err := Validate(out.Script, in.Version); err != nil {
		return nil, fmt.Errorf("internal error: bind script not valid for %s: %w", in.Version.Title(), err)
	}
	return out, nil
}

type bindGen struct {
	in       BindInput
	b        strings.Builder
	warnings []BindWarning
	step     int

	server   string // as given
	short    string // first label, upper case: what GetHostName and identities use
	services []string
	smtp     bool
	pop      bool
	imap     bool
	iis      bool
	wildcard bool
	hostOK   bool // URLHost is on the certificate
	adHost   string
}

func (g *bindGen) check() error {
	in := &g.in
	if !isTarget(in.Version) {
		return fmt.Errorf("unknown Exchange version %d", in.Version)
	}
	tp, err := NormalizeThumbprint(in.Thumbprint)
	if err != nil {
		return err
	}
	in.Thumbprint = tp
	if err := CheckServerName(in.Server); err != nil {
		return err
	}
	g.server = in.Server
	g.short, _, _ = strings.Cut(strings.ToUpper(in.Server), ".")
	in.URLHost = strings.ToLower(strings.TrimSuffix(in.URLHost, "."))
	if err := CheckServerName(in.URLHost); err != nil || !strings.Contains(in.URLHost, ".") {
		return fmt.Errorf("URL host %q is not a fully qualified host name", in.URLHost)
	}
	if in.FileKind != NoFile {
		if err := CheckWindowsPath(in.File); err != nil {
			return fmt.Errorf("file path: %w", err)
		}
	}
	if strings.ContainsAny(in.FriendlyName, "\r\n") || len([]rune(in.FriendlyName)) > maxFriendlyName {
		return errors.New("the friendly name must be one line of fewer than 64 characters")
	}
	if strings.ContainsAny(in.TestMailbox, "\r\n") {
		return errors.New("the test mailbox must be one line")
	}
	svc := in.Services
	if len(svc) == 0 {
		svc = DefaultServices
	}
	seen := map[string]bool{}
	for _, s := range svc {
		s = strings.TrimSpace(s)
		canon := ""
		for _, v := range servicesByVersion[in.Version] {
			if strings.EqualFold(v, s) {
				canon = v
			}
		}
		switch {
		case canon == "":
			return fmt.Errorf("service %q cannot be enabled on %s (want %s)", s, in.Version.Title(), strings.Join(servicesByVersion[in.Version], ","))
		case canon == "None":
			return errors.New("service None enables nothing; name the services (IIS,POP,IMAP,SMTP)")
		case canon == "Federation":
			return errors.New("the Federation service is never enabled with Enable-ExchangeCertificate: the federation trust cmdlets manage its certificate")
		case (canon == "UM" || canon == "UMCallRouter") && in.Version >= Exchange2019:
			return fmt.Errorf("%s has no Unified Messaging role; drop %s from the services", in.Version.Title(), canon)
		}
		if seen[canon] {
			continue
		}
		seen[canon] = true
		switch canon {
		case "SMTP":
			g.smtp = true
		case "POP":
			g.pop = true
		case "IMAP":
			g.imap = true
		case "IIS":
			g.iis = true
		}
		g.services = append(g.services, canon)
	}
	if in.KeyAlgorithm != "" {
		ok, note := KeySupport(in.Version, in.KeyAlgorithm)
		if !ok {
			return errors.New(note)
		}
		if note != "" {
			g.warn("ecc-key", note)
		}
	}
	if in.FileKind == PFXFile && in.PFXModern && in.Version <= Exchange2016 {
		// Exchange 2016 and older run only on Windows Server 2016 and older
		// (reference §1), which refuse PBES2/AES PFX files with "the
		// password is incorrect" (§7.1).
		g.warn("pfx-modern-encoding", fmt.Sprintf("the PFX uses the modern AES-256/SHA-256 encoding, which the Windows Server versions %s runs on cannot import (they report a wrong password); rebuild it with exchcert pfx --windows %s", in.Version.Title(), SupportedWindows(in.Version)[len(SupportedWindows(in.Version))-1]))
	}
	g.wildcard = strings.HasPrefix(in.CommonName, "*.")
	g.hostOK = Covers(in.Names, in.URLHost)
	if !g.hostOK {
		g.warn("url-host-not-covered", fmt.Sprintf("%s is not on the certificate (it covers %s): the steps that point clients at it are left out; give --url-host a name the certificate covers", in.URLHost, strings.Join(in.Names, ", ")))
	}
	g.adHost = in.AutodiscoverHost
	if g.adHost == "" {
		if _, parent, ok := strings.Cut(in.URLHost, "."); ok && Covers(in.Names, "autodiscover."+parent) {
			g.adHost = "autodiscover." + parent
		} else {
			g.adHost = in.URLHost
		}
	}
	g.adHost = strings.ToLower(g.adHost)
	if err := CheckServerName(g.adHost); err != nil {
		return fmt.Errorf("Autodiscover host %q is not a host name", g.adHost)
	}
	if g.adHost != in.URLHost && !Covers(in.Names, g.adHost) {
		g.warn("autodiscover-not-covered", fmt.Sprintf("%s is not on the certificate: the Autodiscover SCP step is left out", g.adHost))
	}
	if in.ReplaceSMTPDefault && g.smtp {
		g.warn("smtp-default-replaced", "the script replaces the default SMTP certificate (internal transport between Exchange servers) with -Force; Microsoft recommends keeping the self-signed one for that")
	}
	if g.wildcard && (g.pop || g.imap) {
		g.warn("wildcard-pop-imap", "a wildcard certificate is not enabled for POP/IMAP; the script sets X509CertificateName instead")
	}
	return nil
}

func (g *bindGen) warn(code, msg string) {
	g.warnings = append(g.warnings, BindWarning{Code: code, Message: msg})
}

// Covers reports whether a certificate for names is valid for host: an
// exact match, or a wildcard *.d matching exactly one label below d.
func Covers(names []string, host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, n := range names {
		n = strings.ToLower(n)
		if n == host {
			return true
		}
		if d, ok := strings.CutPrefix(n, "*."); ok {
			if label, rest, ok := strings.Cut(host, "."); ok && label != "" && rest == d {
				return true
			}
		}
	}
	return false
}

func (g *bindGen) p(format string, args ...any) { fmt.Fprintf(&g.b, format+"\n", args...) }

// c writes comment lines.
func (g *bindGen) c(text string) { g.b.WriteString(comment(text)) }

// comment turns text into PowerShell comment lines wrapped at about 100
// columns; a URL is never moved onto a line of its own.
func comment(text string) string {
	var b strings.Builder
	for _, para := range strings.Split(text, "\n") {
		line := "#"
		for _, w := range strings.Fields(para) {
			if len(line)+1+len(w) > 100 && line != "#" && !strings.HasPrefix(w, "https://") {
				b.WriteString(line + "\n")
				line = "#"
			}
			line += " " + w
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

func (g *bindGen) section(title string) {
	g.step++
	g.p("")
	g.p("# --- %d. %s ---", g.step, title)
}

func (g *bindGen) v() Version { return g.in.Version }

// srv is " -Server 'NAME'" where the version's certificate cmdlets take
// -Server (2010 and later), else "".
func (g *bindGen) srv() string {
	if g.v() == Exchange2007 {
		return ""
	}
	return " -Server " + PSQuote(g.server)
}

func (g *bindGen) vdirID(name string) string {
	return PSQuote(g.short + `\` + name + " (Default Web Site)")
}

func (g *bindGen) url(path string) string { return PSQuote("https://" + g.in.URLHost + path) }

func (g *bindGen) write() {
	in := g.in
	tp := PSQuote(in.Thumbprint)
	g.c(fmt.Sprintf("exchcert bind: put certificate %s to work on %s (%s).", in.Thumbprint, g.server, in.Version.Title()))
	if in.From != None {
		g.c(fmt.Sprintf("Organisation coexisting with %s.", in.From.Title()))
	}
	if in.NamesFromPlan {
		g.c(fmt.Sprintf("Names in the plan, which the certificate is taken to carry: %s.", strings.Join(in.Names, ", ")))
	} else {
		g.c(fmt.Sprintf("Names on the certificate: %s.", strings.Join(in.Names, ", ")))
	}
	g.c(fmt.Sprintf("Clients use: %s.", in.URLHost))
	for _, w := range g.warnings {
		g.c("WARNING (" + w.Code + "): " + w.Message)
	}
	g.c(fmt.Sprintf("Run it in the Exchange Management Shell on %s itself, as a member of Organization Management: the service restarts and iisreset act on the local machine.", g.short))
	if in.Version == Exchange2007 {
		g.c("Exchange 2007's certificate cmdlets have no -Server parameter; they act on the server the shell runs on.")
	}
	g.p("$ErrorActionPreference = 'Stop'")
	g.p("if ([System.Net.Dns]::GetHostName() -ne %s) { throw %s }", PSQuote(g.short), PSQuote("Run this script on "+g.short+": it restarts services and IIS on the local machine."))

	g.importStep(tp)
	g.enableStep(tp)
	if g.pop || g.imap {
		g.popImapStep()
	}
	g.urlStep()
	g.outlookAnywhereStep()
	g.scpStep()
	g.authStep()
	g.iisResetStep()
	g.readBackStep(tp)
	g.section("Afterwards")
	g.c("Services are only ever added to a certificate, never taken away. Remove the old certificate (Remove-ExchangeCertificate -Thumbprint <old>) only when nothing refers to it any more: connectors (TlsCertificateName), POP/IMAP, IIS, and the other servers it is enabled on.")
	g.c("Test from outside with the Microsoft Remote Connectivity Analyzer: " + srcRCA)
}

func (g *bindGen) importStep(tp string) {
	in := g.in
	switch in.FileKind {
	case PFXFile:
		g.section("Import the PFX")
		g.c(fmt.Sprintf("Copy the PFX to %s first. The password is asked for as a SecureString, so it never appears in the script or the shell history.", in.File))
		args := ""
		switch {
		case in.Version == Exchange2007:
			g.c("Exchange 2007 reads the file itself (-Path).")
			args = " -Path " + PSQuote(in.File)
		default:
			g.c("-FileData with the bytes read by .NET works on every version from 2010 (2016 and 2019 removed -FileName with the 2022 H1 CUs); the path must be absolute because .NET does not resolve relative paths against the shell's location.")
			args = g.srv() + " -FileData ([System.IO.File]::ReadAllBytes(" + PSQuote(in.File) + "))"
		}
		args += " -Password (Read-Host -AsSecureString 'PFX password')"
		if in.Version != Exchange2007 {
			g.c("-PrivateKeyExportable $true keeps the key exportable, so the same certificate can be exported to the other servers of a DAG or load-balanced set.")
			args += " -PrivateKeyExportable $true"
		}
		if in.FriendlyName != "" {
			args += " -FriendlyName " + PSQuote(in.FriendlyName)
		}
		g.p("Import-ExchangeCertificate%s", args)
	case CertFile:
		g.section("Complete the pending request")
		g.c(fmt.Sprintf("Copy the certificate the CA delivered to %s first. Importing it completes the pending request, which (with its private key) exists only on the server that made it: run this on that server. Status changes from PendingRequest to Valid.", in.File))
		if in.Version == Exchange2007 {
			g.p("Import-ExchangeCertificate -Path %s", PSQuote(in.File))
		} else {
			g.p("Import-ExchangeCertificate%s -FileData ([System.IO.File]::ReadAllBytes(%s))", g.srv(), PSQuote(in.File))
		}
		g.c("Source: " + srcCompletePend)
	default:
		g.section("Find the certificate")
		g.c("The certificate is already in the server's store (imported or completed earlier).")
	}
	g.c("Check it before anything uses it: Status must be Valid and the private key present. RevocationCheckFailure means the server cannot fetch the CA's CRL over HTTP (port 80; set the proxy with netsh winhttp set proxy), not that the certificate is bad.")
	g.p("$cert = Get-ExchangeCertificate%s -Thumbprint %s", g.srv(), tp)
	g.p("if (-not $cert) { throw %s }", PSQuote("Certificate "+in.Thumbprint+" is not on "+g.short))
	g.p("if ($cert.Status -ne 'Valid') { throw %s }", PSQuote("Certificate "+in.Thumbprint+" is not Valid: see Status in Get-ExchangeCertificate | Format-List"))
	g.p("if (-not $cert.HasPrivateKey) { throw %s }", PSQuote("Certificate "+in.Thumbprint+" has no private key on "+g.short+": import the PFX, or complete the request on the server that made it"))
	g.c("Source: " + srcRevocation2010)
}

func (g *bindGen) enableStep(tp string) {
	in := g.in
	var first []string
	for _, s := range g.services {
		if s == "SMTP" || (g.wildcard && (s == "POP" || s == "IMAP")) {
			continue
		}
		first = append(first, s)
	}
	g.section("Enable the certificate for " + strings.Join(g.services, ", "))
	g.c("Services are added to what the certificate already has; the previous certificate keeps its own until it is removed.")
	if len(first) > 0 {
		args := g.srv() + " -Thumbprint " + tp + " -Services " + strings.Join(first, ",")
		if g.iis {
			switch {
			case in.Version == Exchange2007:
				g.c("Enabling IIS binds the certificate to the Default Web Site on port 443 and turns on \"Require SSL\" on the site. If you redirect http:// to /owa from the site root, turn Require SSL off again on the site root in IIS Manager afterwards.")
			case in.RequireSSL:
				g.c("Enabling IIS binds the certificate to the Default Web Site on port 443 and, as asked (--require-ssl), turns on \"Require SSL\" on the whole site: an http:// to https:// redirect on the site root stops working.")
			default:
				g.c("Enabling IIS binds the certificate to the Default Web Site on port 443. It would also turn on \"Require SSL\" on the whole site, which breaks an http:// to https:// redirect on the site root; -DoNotRequireSsl leaves that setting as it is (the Exchange virtual directories keep their own SSL setting).")
				args += " -DoNotRequireSsl"
			}
		}
		if g.wildcard && (g.pop || g.imap) {
			g.c("POP and IMAP are not enabled here: a wildcard certificate must not be; X509CertificateName below selects it instead.")
		}
		g.p("Enable-ExchangeCertificate%s", args)
		g.c("Source: " + srcEnableCert)
	}
	if g.smtp {
		g.p("")
		if in.ReplaceSMTPDefault {
			g.c("SMTP, replacing the default SMTP certificate (asked for with --replace-smtp-default). WARNING: -Force answers Yes to \"Overwrite the existing default SMTP certificate?\" without asking: this certificate becomes the internal transport certificate between Exchange servers, a job Microsoft recommends leaving to the self-signed certificate.")
			g.p("Enable-ExchangeCertificate%s -Thumbprint %s -Services SMTP -Force", g.srv(), tp)
		} else {
			g.c("SMTP on its own step, without -Force. Exchange asks \"Overwrite the existing default SMTP certificate?\": answer N (No). The certificate is still enabled for SMTP, and STARTTLS on the names it covers uses it; No keeps the self-signed certificate as the default (internal transport) certificate, as Microsoft recommends. -Force would answer Yes silently. The prompt needs an interactive shell.")
			g.p("Enable-ExchangeCertificate%s -Thumbprint %s -Services SMTP", g.srv(), tp)
		}
		if in.Version >= Exchange2013 {
			g.c("Connectors that pin a certificate (TlsCertificateName, e.g. the hybrid \"Outbound to Office 365\" send connector and the Default Frontend receive connector) must be updated to this certificate's issuer and subject, or hybrid mail stops; the read-back step lists them.")
		}
	}
}

func (g *bindGen) popImapStep() {
	in := g.in
	g.section("POP3 and IMAP4: select the certificate by name, then restart")
	if !g.hostOK {
		g.c("SKIPPED: " + in.URLHost + " is not on the certificate, and X509CertificateName must be a name it covers.")
		return
	}
	g.c(fmt.Sprintf("X509CertificateName is a host name, not a thumbprint: POP and IMAP use the certificate that covers %s. Without it they look for the server FQDN, which a public certificate no longer carries.", in.URLHost))
	if in.Version == Exchange2007 {
		g.c("X509CertificateName exists from Exchange 2007 SP1.")
	}
	if g.pop {
		args := ""
		if in.Version != Exchange2007 {
			args = g.srv() + " -ExternalConnectionSettings " + PSQuote(in.URLHost+":995:SSL") + "," + PSQuote(in.URLHost+":110:TLS")
		}
		g.p("Set-PopSettings%s -X509CertificateName %s", args, PSQuote(in.URLHost))
	}
	if g.imap {
		args := ""
		if in.Version != Exchange2007 {
			args = g.srv() + " -ExternalConnectionSettings " + PSQuote(in.URLHost+":993:SSL") + "," + PSQuote(in.URLHost+":143:TLS")
		}
		g.p("Set-ImapSettings%s -X509CertificateName %s", args, PSQuote(in.URLHost))
	}
	var svcs []string
	if g.pop {
		svcs = append(svcs, "'MSExchangePOP3'")
		if in.Version >= Exchange2013 {
			svcs = append(svcs, "'MSExchangePOP3BE'")
		}
	}
	if g.imap {
		svcs = append(svcs, "'MSExchangeIMAP4'")
		if in.Version >= Exchange2013 {
			svcs = append(svcs, "'MSExchangeIMAP4BE'")
		}
	}
	if in.Version >= Exchange2013 {
		g.c("The change takes effect when the services restart: the front-end and the back-end (BE) services. Only running services are restarted (POP and IMAP are off by default), and a service this server does not have is skipped.")
	} else {
		g.c("The change takes effect when the services restart. Only running services are restarted (POP and IMAP are off by default), and a service this server does not have is skipped.")
	}
	g.p("Get-Service %s -ErrorAction SilentlyContinue | Where-Object { $_.Status -eq 'Running' } | Restart-Service", strings.Join(svcs, ","))
	g.c("Source: " + srcPopImap)
}

func (g *bindGen) urlStep() {
	in := g.in
	g.section("Virtual directory URLs")
	if !g.hostOK {
		g.c("SKIPPED: " + in.URLHost + " is not on the certificate; clients sent there would get a certificate warning.")
		return
	}
	g.c(fmt.Sprintf("Outlook takes the EWS, OAB and MAPI URLs from Autodiscover (InternalUrl inside, ExternalUrl outside), so every URL must use a name on the certificate; the defaults use the server FQDN. Internal and external URLs are both %s: resolve it to the server inside (split DNS). Only the front-end \"Default Web Site\" directories are changed.", in.URLHost))
	g.p("Set-OwaVirtualDirectory -Identity %s -InternalUrl %s -ExternalUrl %s", g.vdirID("owa"), g.url("/owa"), g.url("/owa"))
	if in.Version >= Exchange2010 {
		g.p("Set-EcpVirtualDirectory -Identity %s -InternalUrl %s -ExternalUrl %s", g.vdirID("ecp"), g.url("/ecp"), g.url("/ecp"))
	}
	g.p("Set-WebServicesVirtualDirectory -Identity %s -InternalUrl %s -ExternalUrl %s", g.vdirID("EWS"), g.url("/EWS/Exchange.asmx"), g.url("/EWS/Exchange.asmx"))
	g.p("Set-OabVirtualDirectory -Identity %s -InternalUrl %s -ExternalUrl %s", g.vdirID("OAB"), g.url("/OAB"), g.url("/OAB"))
	g.p("Set-ActiveSyncVirtualDirectory -Identity %s -InternalUrl %s -ExternalUrl %s", g.vdirID("Microsoft-Server-ActiveSync"), g.url("/Microsoft-Server-ActiveSync"), g.url("/Microsoft-Server-ActiveSync"))
	if in.Version >= Exchange2013 {
		if in.Version == Exchange2013 {
			g.c("MAPI over HTTP exists from Exchange 2013 SP1.")
		}
		g.p("Set-MapiVirtualDirectory -Identity %s -InternalUrl %s -ExternalUrl %s", g.vdirID("mapi"), g.url("/mapi"), g.url("/mapi"))
	}
	if in.LegacyHost != "" {
		switch {
		case in.From == Exchange2003 && in.Version == Exchange2010:
			g.c(fmt.Sprintf("Coexistence with Exchange 2003: OWA users whose mailbox is still on 2003 are redirected to %s, where the 2003 front end answers; install this certificate in IIS on the 2003 front end too, so that name is covered there.", in.LegacyHost))
			g.p("Set-OwaVirtualDirectory -Identity %s -Exchange2003Url %s", g.vdirID("owa"), PSQuote("https://"+in.LegacyHost+"/exchange"))
		case in.From != None:
			g.c(fmt.Sprintf("Coexistence with %s: the old servers answer under %s. Point their own virtual directory URLs (OWA, EWS, ActiveSync, OAB, Outlook Anywhere) at https://%s/ on those servers, and install this certificate there too.", in.From.Title(), in.LegacyHost, in.LegacyHost))
		}
	}
	g.c("Source: " + srcURLs)
}

func (g *bindGen) outlookAnywhereStep() {
	in := g.in
	g.section("Outlook Anywhere")
	if !g.hostOK {
		g.c("SKIPPED: " + in.URLHost + " is not on the certificate.")
		return
	}
	id := g.vdirID("Rpc")
	switch {
	case in.Version >= Exchange2013:
		g.c(fmt.Sprintf("Outlook Anywhere (RPC over HTTP) is always on from Exchange 2013; its host names must be on the certificate. SSL is required inside and out; the authentication methods are left as they are."))
		g.p("Set-OutlookAnywhere -Identity %s -ExternalHostname %s -InternalHostname %s -ExternalClientsRequireSsl $true -InternalClientsRequireSsl $true", id, PSQuote(in.URLHost), PSQuote(in.URLHost))
	default:
		g.c(fmt.Sprintf("%s: Outlook Anywhere is off unless someone enabled it (Enable-OutlookAnywhere); when it is on, its external host name must be on the certificate.", in.Version.Title()))
		g.p("if (Get-OutlookAnywhere -Identity %s -ErrorAction SilentlyContinue) {", id)
		g.p("    Set-OutlookAnywhere -Identity %s -ExternalHostname %s", id, PSQuote(in.URLHost))
		g.p("} else {")
		g.p("    Write-Warning %s", PSQuote("Outlook Anywhere is not enabled on "+g.short+"; when you enable it, use -ExternalHostname "+in.URLHost))
		g.p("}")
	}
	cn := strings.ToLower(in.CommonName)
	if g.wildcard || (cn != "" && cn != in.URLHost) {
		why := "the certificate's Common Name (" + in.CommonName + ") is not the Outlook Anywhere host (" + in.URLHost + ")"
		if g.wildcard {
			why = "the certificate is a wildcard (" + in.CommonName + ")"
		}
		g.c("Outlook Anywhere principal name: " + why + ", and older Outlook clients compare msstd: with the Common Name only, then loop on credential prompts. This setting is organisation-wide (every server's EXPR provider).")
		g.p("Set-OutlookProvider EXPR -CertPrincipalName %s", PSQuote("msstd:"+in.CommonName))
		g.c("Source: " + srcOutlookProv)
	} else {
		g.c("No Set-OutlookProvider -CertPrincipalName (msstd:) change: the Common Name is the Outlook Anywhere host.")
	}
}

func (g *bindGen) scpStep() {
	in := g.in
	g.section("Autodiscover service connection point (SCP)")
	if !Covers(in.Names, g.adHost) {
		g.c("SKIPPED: " + g.adHost + " is not on the certificate.")
		return
	}
	cmd := "Set-ClientAccessServer"
	if in.Version >= Exchange2016 {
		cmd = "Set-ClientAccessService"
	}
	g.c(fmt.Sprintf("Domain-joined Outlook finds Autodiscover through the SCP in Active Directory, which by default names the server FQDN; point it at %s, which the certificate covers and internal DNS must resolve. (%s is the cmdlet in %s.)", g.adHost, cmd, in.Version.Title()))
	g.p("%s -Identity %s -AutoDiscoverServiceInternalUri %s", cmd, PSQuote(g.short), PSQuote("https://"+g.adHost+"/Autodiscover/Autodiscover.xml"))
	g.c("Source: " + srcAutodiscover)
}

func (g *bindGen) authStep() {
	g.section("Authentication on Autodiscover and EWS")
	g.c("Outlook needs Windows (NTLM/Negotiate) authentication on Autodiscover and EWS inside the network and Basic outside; without it Outlook prompts for credentials and Out of Office and free/busy report the server unavailable. Both need the IIS features Web-Windows-Auth and Web-Basic-Auth (exchcert bind --prereqs). If you turned Basic off on purpose (modern authentication), drop -BasicAuthentication.")
	g.p("Set-AutodiscoverVirtualDirectory -Identity %s -WindowsAuthentication $true -BasicAuthentication $true", g.vdirID("Autodiscover"))
	g.p("Set-WebServicesVirtualDirectory -Identity %s -WindowsAuthentication $true -BasicAuthentication $true", g.vdirID("EWS"))
}

func (g *bindGen) iisResetStep() {
	g.section("Restart IIS")
	g.c("IIS and OWA keep the old certificate (OWA cookie encryption among others) until they restart. /noforce does not kill IIS if a service will not stop in time.")
	g.p("iisreset /noforce")
}

func (g *bindGen) readBackStep(tp string) {
	in := g.in
	g.section("Read back")
	want := servicesOrder(g.services)
	if g.wildcard {
		var w []string
		for _, s := range want {
			if s != "POP" && s != "IMAP" {
				w = append(w, s)
			}
		}
		want = w
	}
	g.c(fmt.Sprintf("Services should read %s (plus any the certificate had), Status Valid.", strings.Join(want, ", ")))
	g.p("Get-ExchangeCertificate%s -Thumbprint %s | Format-List Thumbprint,Services,Status,CertificateDomains,NotAfter,HasPrivateKey,RootCAType", g.srv(), tp)
	for _, vd := range []struct {
		kind string
		from Version
		more string
	}{
		{"Owa", Exchange2007, ""}, {"Ecp", Exchange2010, ""}, {"WebServices", Exchange2007, ",WindowsAuthentication,BasicAuthentication"},
		{"Autodiscover", Exchange2007, ",WindowsAuthentication,BasicAuthentication"}, {"Oab", Exchange2007, ""},
		{"ActiveSync", Exchange2007, ""}, {"Mapi", Exchange2013, ""},
	} {
		if in.Version < vd.from {
			continue
		}
		props := "Identity,InternalUrl,ExternalUrl" + vd.more
		if vd.kind == "Autodiscover" {
			props = "Identity" + vd.more
		}
		g.p("Get-%sVirtualDirectory -Server %s | Format-List %s", vd.kind, PSQuote(g.server), props)
	}
	if in.Version >= Exchange2016 {
		g.p("Get-ClientAccessService -Identity %s | Format-List AutoDiscoverServiceInternalUri", PSQuote(g.short))
	} else {
		g.p("Get-ClientAccessServer -Identity %s | Format-List AutoDiscoverServiceInternalUri", PSQuote(g.short))
	}
	if g.pop {
		g.p("Get-PopSettings%s | Format-List X509CertificateName", g.srv())
	}
	if g.imap {
		g.p("Get-ImapSettings%s | Format-List X509CertificateName", g.srv())
	}
	if g.smtp && in.Version >= Exchange2013 {
		g.p("Get-SendConnector | Where-Object { $_.TlsCertificateName } | Format-List Identity,TlsCertificateName")
		g.p("Get-ReceiveConnector -Server %s | Where-Object { $_.TlsCertificateName } | Format-List Identity,TlsCertificateName", PSQuote(g.server))
	}
	switch {
	case in.Version == Exchange2010:
		g.c("Test-OutlookWebServices checks Autodiscover and the EWS, OAB and Outlook Anywhere URLs it returns, for one mailbox.")
		mbx := "(Read-Host 'A mailbox to test with (user@domain)')"
		if in.TestMailbox != "" {
			mbx = PSQuote(in.TestMailbox)
		}
		g.p("Test-OutlookWebServices -Identity %s | Format-List", mbx)
		g.c("Source: " + srcTestOWS)
	case in.Version >= Exchange2013:
		g.c(fmt.Sprintf("Test-OutlookWebServices is functional only in Exchange 2010 (%s), so it is not used here; test Autodiscover with the Remote Connectivity Analyzer or Outlook's \"Test E-mail AutoConfiguration\".", srcTestOWS))
	default:
		g.c("Test Autodiscover with Outlook's \"Test E-mail AutoConfiguration\" (Ctrl+right-click the Outlook icon in the notification area).")
	}
}

// servicesOrder sorts service names in the order Format-List prints them:
// IMAP, POP, UM, IIS, SMTP, Federation, UMCallRouter (reference §2.5).
func servicesOrder(svcs []string) []string {
	var out []string
	for _, s := range []string{"IMAP", "POP", "UM", "IIS", "SMTP", "Federation", "UMCallRouter"} {
		for _, x := range svcs {
			if x == s {
				out = append(out, s)
			}
		}
	}
	return out
}
