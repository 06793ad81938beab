package exchange

import (
	"errors"
	"fmt"
	"strings"

	"github.com/exchcert/exchcert/internal/wording"
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
	Version Version
	From    Version // version being migrated from; None for none
	Server  string  // the Exchange server (-Server and virtual-directory identities)
	// Servers are every server that must carry the certificate (a DAG or
	// load-balanced set); when set, Server is ignored. The script imports,
	// enables and sets the same URLs on each of them.
	Servers    []string
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
	// Missing are planned names the certificate does not cover; the
	// script opens with a warning block naming each and what breaks.
	Missing []MissingName
}

// MissingName is a planned name the certificate lacks, with the finding
// code and what breaks without it.
type MissingName struct {
	Name   string `json:"name"`
	Code   string `json:"code"`
	Breaks string `json:"breaks"`
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
	srcExportCert     = "https://learn.microsoft.com/powershell/module/exchangepowershell/export-exchangecertificate"
	// -ErrorAction is a common parameter every cmdlet and advanced function
	// (an implicit-remoting proxy among them) takes; a module has its own
	// session state, so preference variables set in a script's scope do not
	// reach the module's functions.
	srcCommonParams = "https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_commonparameters"
	srcScopes       = "https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_scopes"
)

// BindScript writes the Exchange Management Shell script that puts a
// delivered certificate to work on one server, step by step (import,
// enable, point the names at it, restart, read back), each step commented
// with why. Every line is checked with
// Validate for in.Version before it is returned.
//
// It returns an error for a version it cannot script, a bad thumbprint,
// server name, URL host or file path, or a service that cannot be enabled
// this way (Federation; UM on 2019 and SE).
func BindScript(in BindInput) (*Bind, error) {
	gen := &bindGen{in: in}
	if err := gen.check(); err != nil {
		return nil, err
	}
	gen.write()
	out := &Bind{Script: gen.script.String(), Warnings: gen.warnings}
	if err := Validate(out.Script, in.Version); err != nil {
		return nil, fmt.Errorf("internal error: bind script not valid for %s: %w", in.Version.Title(), err)
	}
	if err := CheckSyntax(out.Script); err != nil {
		return nil, fmt.Errorf("internal error: bind script is not well-formed PowerShell: %w", err)
	}
	// A self-check that fails only on a generator bug: the two conditions
	// below only skip work, so mutating them changes no correct output.
	if in.From != None {
		if cmds, _ := OldServerCommands(out.Script, in.From); cmds != "" {
			if err := Validate(cmds, in.From); err != nil {
				return nil, fmt.Errorf("internal error: the steps for the %s servers are not valid there: %w", in.From.Title(), err)
			}
			if err := CheckSyntax(cmds); err != nil {
				return nil, fmt.Errorf("internal error: the steps for the %s servers are not well-formed PowerShell: %w", in.From.Title(), err)
			}
		}
	}
	return out, nil
}

type bindGen struct {
	in       BindInput
	script   strings.Builder
	warnings []BindWarning
	step     int

	servers  []string // as given
	shorts   []string // first labels, upper case: what GetHostName and identities use
	multi    bool     // more than one server: remote restarts, no local-host check
	services []string
	smtp     bool
	pop      bool
	imap     bool
	iis      bool
	wildcard bool
	hostOK   bool // URLHost is on the certificate
	adHost   string
	// scpOnURLHost is the Autodiscover name the SCP would have used when
	// the certificate lacks it and the SCP names the URL host instead.
	scpOnURLHost string
}

func (gen *bindGen) check() error {
	in := &gen.in
	if !isTarget(in.Version) {
		return fmt.Errorf("unknown Exchange version %d", in.Version)
	}
	if in.From != None {
		if _, ok := CoexistenceOf(in.From, in.Version); !ok {
			return fmt.Errorf("%s cannot coexist with %s (supported from %s: %s)", in.Version.Title(), in.From.Title(), in.From.Title(), SupportedTargets(in.From))
		}
	}
	tp, err := NormalizeThumbprint(in.Thumbprint)
	if err != nil {
		return err
	}
	in.Thumbprint = tp
	servers := in.Servers
	if len(servers) == 0 {
		servers = []string{in.Server}
	}
	seenServer := map[string]bool{}
	for _, s := range servers {
		if err := CheckServerName(s); err != nil {
			return err
		}
		short, _, _ := strings.Cut(strings.ToUpper(s), ".")
		if seenServer[short] {
			continue
		}
		seenServer[short] = true
		gen.servers = append(gen.servers, s)
		gen.shorts = append(gen.shorts, short)
	}
	gen.multi = len(gen.servers) > 1
	if gen.multi && in.Version == Exchange2007 {
		return errors.New("Exchange 2007's certificate cmdlets have no -Server parameter and act only on the server the shell runs on: make one script per server (one --server each) and run each on its server")
	}
	for _, m := range in.Missing {
		if strings.ContainsAny(m.Name+m.Code+m.Breaks, "\r\n") {
			return errors.New("a missing-name entry must be one line")
		}
	}
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
		if canon == "" {
			return fmt.Errorf("service %q cannot be enabled on %s (want %s)", s, in.Version.Title(), strings.Join(servicesByVersion[in.Version], ","))
		}
		if canon == "None" {
			return errors.New("service None enables nothing; name the services (IIS,POP,IMAP,SMTP)")
		}
		if canon == "Federation" {
			return errors.New("the Federation service is never enabled with Enable-ExchangeCertificate: the federation trust cmdlets manage its certificate")
		}
		if (canon == "UM" || canon == "UMCallRouter") && in.Version >= Exchange2019 {
			return fmt.Errorf("%s has no Unified Messaging role; drop %s from the services", in.Version.Title(), canon)
		}
		if seen[canon] {
			continue
		}
		seen[canon] = true
		switch canon {
		case "SMTP":
			gen.smtp = true
		case "POP":
			gen.pop = true
		case "IMAP":
			gen.imap = true
		case "IIS":
			gen.iis = true
		}
		gen.services = append(gen.services, canon)
	}
	if in.KeyAlgorithm != "" {
		ok, note := KeySupport(in.Version, in.KeyAlgorithm)
		if !ok {
			return errors.New(note)
		}
		if note != "" {
			gen.warn("ecc-key", note)
		}
	}
	if in.FileKind == PFXFile && in.PFXModern && in.Version <= Exchange2016 {
		// Exchange 2016 and older run only on Windows Server 2016 and older
		// (https://learn.microsoft.com/exchange/plan-and-deploy/supportability-matrix),
		// which refuse PBES2/AES PFX files with "the password is incorrect"
		// (https://learn.microsoft.com/windows/win32/api/wincrypt/ns-wincrypt-pkcs12_pbes2_export_params).
		gen.warn("pfx-modern-encoding", fmt.Sprintf("the PFX uses the modern AES-256/SHA-256 encoding, which the Windows Server versions %s runs on cannot import (they report a wrong password); %s", in.Version.Title(), wording.RebuildLegacyPFX))
	}
	gen.wildcard = strings.HasPrefix(in.CommonName, "*.")
	gen.hostOK = Covers(in.Names, in.URLHost)
	if !gen.hostOK {
		gen.warn("url-host-not-covered", fmt.Sprintf("%s is not on the certificate (it covers %s): the steps that point clients at it are left out; give --url-host a name the certificate covers", in.URLHost, strings.Join(in.Names, ", ")))
	}
	gen.adHost = in.AutodiscoverHost
	if gen.adHost == "" {
		_, parent, _ := strings.Cut(in.URLHost, ".")
		want := "autodiscover." + parent
		switch {
		case Covers(in.Names, want):
			gen.adHost = want
		case gen.hostOK:
			// Said loudly: the SCP then names the URL host, which works for
			// domain-joined Outlook, but it is not the Autodiscover name.
			gen.adHost = in.URLHost
			gen.scpOnURLHost = want
			gen.warn("scp-not-autodiscover-name", fmt.Sprintf("%s is not on the certificate: the Autodiscover SCP is pointed at %s instead, which the certificate covers; domain-joined Outlook follows it, but clients outside the domain look for %s and get a certificate warning", want, in.URLHost, want))
		default:
			gen.adHost = want
		}
	}
	gen.adHost = strings.ToLower(gen.adHost)
	if err := CheckServerName(gen.adHost); err != nil {
		return fmt.Errorf("Autodiscover host %q is not a host name", gen.adHost)
	}
	if !Covers(in.Names, gen.adHost) {
		gen.warn("autodiscover-not-covered", fmt.Sprintf("%s is not on the certificate: the Autodiscover SCP step is left out", gen.adHost))
	}
	if in.ReplaceSMTPDefault && gen.smtp {
		gen.warn("smtp-default-replaced", "the script replaces the default SMTP certificate (internal transport between Exchange servers) with -Force; Microsoft recommends keeping the self-signed one for that")
	}
	if gen.wildcard && (gen.pop || gen.imap) {
		gen.warn("wildcard-pop-imap", "a wildcard certificate is not enabled for POP/IMAP; the script sets X509CertificateName instead")
	}
	return nil
}

func (gen *bindGen) warn(code, msg string) {
	gen.warnings = append(gen.warnings, BindWarning{Code: code, Message: msg})
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

func (gen *bindGen) line(format string, args ...any) { fmt.Fprintf(&gen.script, format+"\n", args...) }

// ea is appended to every Exchange cmdlet the script runs. In the Exchange
// Management Shell of 2010 and later the Exchange cmdlets are proxy
// functions of an implicit-remoting module: a $ErrorActionPreference set in
// the script's scope does not reach them (a module's functions see the
// module's scope), so a failing cmdlet would not stop the script. The
// -ErrorAction common parameter is passed to the function itself and does.
const ea = " -ErrorAction Stop"

// cmdlet writes one Exchange cmdlet call, stopping the script when it fails.
func (gen *bindGen) cmdlet(format string, args ...any) { gen.line(format+ea, args...) }

// note writes comment lines.
func (gen *bindGen) note(text string) { gen.script.WriteString(comment(text)) }

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

func (gen *bindGen) section(title string) {
	gen.step++
	gen.line("")
	gen.line("# --- %d. %s ---", gen.step, title)
}

func (gen *bindGen) version() Version { return gen.in.Version }

// srv is " -Server 'NAME'" for server i where the version's certificate
// cmdlets take -Server (2010 and later), else "".
func (gen *bindGen) srv(i int) string {
	if gen.version() == Exchange2007 {
		return ""
	}
	return " -Server " + PSQuote(gen.servers[i])
}

func (gen *bindGen) vdirID(i int, name string) string {
	return PSQuote(gen.shorts[i] + `\` + name + " (Default Web Site)")
}

func (gen *bindGen) url(path string) string { return PSQuote("https://" + gen.in.URLHost + path) }

// on names the servers a step acts on, for section titles.
func (gen *bindGen) on() string { return strings.Join(gen.shorts, ", ") }

func (gen *bindGen) write() {
	in := gen.in
	tp := PSQuote(in.Thumbprint)
	gen.note(fmt.Sprintf("exchcert bind: put certificate %s to work on %s (%s).", in.Thumbprint, strings.Join(gen.servers, ", "), in.Version.Title()))
	if len(in.Missing) > 0 {
		gen.line("#")
		gen.line("# ==================================================================================================")
		gen.note("WARNING: the certificate does not cover every name of the plan. Without them:")
		for _, m := range in.Missing {
			gen.note("- " + m.Name + " (" + m.Code + "): " + m.Breaks)
		}
		gen.note("Get a certificate that covers them (exchcert csr, exchcert inspect), or run this only if you accept that.")
		gen.line("# ==================================================================================================")
		gen.line("#")
	}
	if in.From != None {
		gen.note(fmt.Sprintf("Organisation coexisting with %s: the steps for the %s servers are at the end (section \"On the %s\"); they are comments, for another shell or console.", in.From.Title(), in.From.Title(), oldServersTitle(in.From)))
	}
	if in.NamesFromPlan {
		gen.note(fmt.Sprintf("Names in the plan, which the certificate is taken to carry: %s.", strings.Join(in.Names, ", ")))
	} else {
		gen.note(fmt.Sprintf("Names on the certificate: %s.", strings.Join(in.Names, ", ")))
	}
	gen.note(fmt.Sprintf("Clients use: %s.", in.URLHost))
	for _, w := range gen.warnings {
		gen.note("WARNING (" + w.Code + "): " + w.Message)
	}
	switch {
	case gen.multi:
		gen.note(fmt.Sprintf("Run it in the Exchange Management Shell of any of %s, as a member of Organization Management: every step names its server (-Server, Get-Service -ComputerName, iisreset NAME). Every server gets the same certificate and the same URLs (%s), as a load-balanced set or DAG needs.", gen.on(), in.URLHost))
	default:
		gen.note(fmt.Sprintf("Run it in the Exchange Management Shell on %s itself, as a member of Organization Management: the service restarts and iisreset act on the local machine.", gen.shorts[0]))
	}
	if in.Version == Exchange2007 {
		gen.note("Exchange 2007's certificate cmdlets have no -Server parameter; they act on the server the shell runs on.")
	}
	gen.note("Safe to run again: the import is skipped where the certificate already is, every other step sets a value. It stops at the first failure: every Exchange cmdlet has -ErrorAction Stop, because in the Exchange Management Shell of 2010 and later they are functions of an implicit-remoting module, which a $ErrorActionPreference set here does not reach. The last step says which steps are done.")
	gen.note("Source: " + srcCommonParams + " ; " + srcScopes)
	gen.line("$ErrorActionPreference = 'Stop'")
	if !gen.multi {
		gen.line("if ([System.Net.Dns]::GetHostName() -ne %s) { throw %s }", PSQuote(gen.shorts[0]), PSQuote("Run this script on "+gen.shorts[0]+": it restarts services and IIS on the local machine."))
	}
	gen.line("function Test-Step([string]$Step, [bool]$Done) {")
	gen.line("    if ($Done) { Write-Host ('done:     ' + $Step) } else { Write-Warning ('NOT DONE: ' + $Step) }")
	gen.line("}")

	gen.importStep(tp)
	gen.enableStep(tp)
	if gen.pop || gen.imap {
		gen.popImapStep()
	}
	gen.urlStep()
	gen.outlookAnywhereStep()
	gen.scpStep()
	gen.authStep()
	gen.iisResetStep()
	gen.readBackStep(tp)
	gen.section("Afterwards")
	gen.note("Services are only ever added to a certificate, never taken away. Remove the old certificate (Remove-ExchangeCertificate -Thumbprint <old>) only when nothing refers to it any more: connectors (TlsCertificateName), POP/IMAP, IIS, and the other servers it is enabled on.")
	gen.note("Test from outside with the Microsoft Remote Connectivity Analyzer: " + srcRCA)
	if in.From != None {
		gen.oldServers()
	}
}

// present is the guard that skips an import where the certificate already is.
func (gen *bindGen) present(i int, tp string) string {
	return fmt.Sprintf("if (-not (Get-ExchangeCertificate%s -Thumbprint %s -ErrorAction SilentlyContinue)) {", gen.srv(i), tp)
}

func (gen *bindGen) skipped(i int) {
	gen.line("} else {")
	gen.line("    Write-Host %s", PSQuote("Certificate "+gen.in.Thumbprint+" is already on "+gen.shorts[i]+": not imported again."))
	gen.line("}")
}

func (gen *bindGen) importStep(tp string) {
	in := gen.in
	switch in.FileKind {
	case PFXFile:
		gen.section("Import the PFX on " + gen.on())
		gen.note(fmt.Sprintf("Copy the PFX to %s first. The password is asked for as a SecureString, so it never appears in the script or the shell history; it is asked only when a server still lacks the certificate.", in.File))
		if in.Version == Exchange2007 {
			gen.note("Exchange 2007 reads the file itself (-Path).")
		} else {
			gen.note("-FileData with the bytes read by .NET works on every version from 2010 (2016 and 2019 removed -FileName with the 2022 H1 CUs); the path must be absolute because .NET does not resolve relative paths against the shell's location. -PrivateKeyExportable $true keeps the key exportable, so the same certificate can later go to another server of a DAG or load-balanced set.")
		}
		gen.line("$pfxPassword = $null")
		for i := range gen.servers {
			gen.line("%s", gen.present(i, tp))
			gen.line("    if (-not $pfxPassword) { $pfxPassword = Read-Host -AsSecureString 'PFX password' }")
			args := ""
			if in.Version == Exchange2007 {
				args = " -Path " + PSQuote(in.File) + " -Password $pfxPassword"
			} else {
				args = gen.srv(i) + " -FileData ([System.IO.File]::ReadAllBytes(" + PSQuote(in.File) + ")) -Password $pfxPassword -PrivateKeyExportable $true"
			}
			if in.FriendlyName != "" {
				args += " -FriendlyName " + PSQuote(in.FriendlyName)
			}
			gen.cmdlet("    Import-ExchangeCertificate%s", args)
			gen.skipped(i)
		}
	case CertFile:
		gen.section("Complete the pending request on " + gen.shorts[0])
		gen.note(fmt.Sprintf("Copy the certificate the CA delivered to %s first. Importing it completes the pending request, which (with its private key) exists only on the server that made it: %s. Status changes from PendingRequest to Valid.", in.File, gen.shorts[0]))
		gen.line("%s", gen.present(0, tp))
		if in.Version == Exchange2007 {
			gen.cmdlet("    Import-ExchangeCertificate -Path %s", PSQuote(in.File))
		} else {
			gen.cmdlet("    Import-ExchangeCertificate%s -FileData ([System.IO.File]::ReadAllBytes(%s))", gen.srv(0), PSQuote(in.File))
		}
		gen.skipped(0)
		gen.note("Source: " + srcCompletePend)
	default:
		gen.section("Find the certificate")
		gen.note(fmt.Sprintf("The certificate is already in the store of %s (imported or completed earlier).", gen.shorts[0]))
	}
	if gen.multi && in.FileKind != PFXFile {
		gen.note(fmt.Sprintf("The other servers get the same certificate and key from %s: exported there as a password-protected PFX (the key was made exportable) and imported with -FileData. The password only protects the key in transit; it is asked once, only if a server still lacks the certificate.", gen.shorts[0]))
		gen.line("$transferPassword = $null")
		for i := 1; i < len(gen.servers); i++ {
			gen.line("%s", gen.present(i, tp))
			gen.line("    if (-not $transferPassword) { $transferPassword = Read-Host -AsSecureString 'A password to protect the key while it is copied between servers' }")
			gen.cmdlet("    $export = Export-ExchangeCertificate%s -Thumbprint %s -BinaryEncoded:$true -Password $transferPassword", gen.srv(0), tp)
			gen.cmdlet("    Import-ExchangeCertificate%s -FileData $export.FileData -Password $transferPassword -PrivateKeyExportable $true", gen.srv(i))
			gen.skipped(i)
		}
		gen.note("Source: " + srcExportCert)
	}
	gen.note("Check it before anything uses it: Status must be Valid and the private key present. RevocationCheckFailure means the server cannot fetch the CA's CRL over HTTP (port 80; set the proxy with netsh winhttp set proxy), not that the certificate is bad.")
	for i := range gen.servers {
		gen.cmdlet("$cert = Get-ExchangeCertificate%s -Thumbprint %s", gen.srv(i), tp)
		gen.line("if (-not $cert) { throw %s }", PSQuote("Certificate "+in.Thumbprint+" is not on "+gen.shorts[i]))
		gen.line("if ($cert.Status -ne 'Valid') { throw %s }", PSQuote("Certificate "+in.Thumbprint+" is not Valid on "+gen.shorts[i]+": see Status in Get-ExchangeCertificate | Format-List"))
		gen.line("if (-not $cert.HasPrivateKey) { throw %s }", PSQuote("Certificate "+in.Thumbprint+" has no private key on "+gen.shorts[i]+": import the PFX, or complete the request on the server that made it"))
	}
	gen.note("Source: " + srcRevocation2010)
}

func (gen *bindGen) enableStep(tp string) {
	in := gen.in
	var first []string
	for _, s := range gen.services {
		if s == "SMTP" || (gen.wildcard && (s == "POP" || s == "IMAP")) {
			continue
		}
		first = append(first, s)
	}
	gen.section("Enable the certificate for " + strings.Join(gen.services, ", "))
	gen.note("Services are added to what the certificate already has (running this again changes nothing); the previous certificate keeps its own until it is removed.")
	if len(first) > 0 {
		extra := ""
		if gen.iis {
			switch {
			case in.Version == Exchange2007:
				gen.note("Enabling IIS binds the certificate to the Default Web Site on port 443 and turns on \"Require SSL\" on the site. If you redirect http:// to /owa from the site root, turn Require SSL off again on the site root in IIS Manager afterwards.")
			case in.RequireSSL:
				gen.note("Enabling IIS binds the certificate to the Default Web Site on port 443 and, as asked (--require-ssl), turns on \"Require SSL\" on the whole site: an http:// to https:// redirect on the site root stops working.")
			default:
				gen.note("Enabling IIS binds the certificate to the Default Web Site on port 443. It would also turn on \"Require SSL\" on the whole site, which breaks an http:// to https:// redirect on the site root; -DoNotRequireSsl leaves that setting as it is (the Exchange virtual directories keep their own SSL setting).")
				extra = " -DoNotRequireSsl"
			}
		}
		if gen.wildcard && (gen.pop || gen.imap) {
			gen.note("POP and IMAP are not enabled here: a wildcard certificate must not be; X509CertificateName below selects it instead.")
		}
		for i := range gen.servers {
			gen.cmdlet("Enable-ExchangeCertificate%s -Thumbprint %s -Services %s%s", gen.srv(i), tp, strings.Join(first, ","), extra)
		}
		gen.note("Source: " + srcEnableCert)
	}
	if gen.smtp {
		gen.line("")
		if in.ReplaceSMTPDefault {
			gen.note("SMTP, replacing the default SMTP certificate (asked for with --replace-smtp-default). WARNING: -Force answers Yes to \"Overwrite the existing default SMTP certificate?\" without asking: this certificate becomes the internal transport certificate between Exchange servers, a job Microsoft recommends leaving to the self-signed certificate.")
			for i := range gen.servers {
				gen.cmdlet("Enable-ExchangeCertificate%s -Thumbprint %s -Services SMTP -Force", gen.srv(i), tp)
			}
		} else {
			gen.note("SMTP on its own step, without -Force. Exchange asks \"Overwrite the existing default SMTP certificate?\": answer N (No), also when the script runs again. The certificate is still enabled for SMTP, and STARTTLS on the names it covers uses it; No keeps the self-signed certificate as the default (internal transport) certificate, as Microsoft recommends. -Force would answer Yes silently. The prompt needs an interactive shell.")
			for i := range gen.servers {
				gen.cmdlet("Enable-ExchangeCertificate%s -Thumbprint %s -Services SMTP", gen.srv(i), tp)
			}
		}
		if in.Version >= Exchange2013 {
			gen.note("Connectors that pin a certificate (TlsCertificateName, e.g. the hybrid \"Outbound to Office 365\" send connector and the Default Frontend receive connector) must be updated to this certificate's issuer and subject, or hybrid mail stops; the read-back step lists them.")
		}
	}
}

func (gen *bindGen) popImapStep() {
	in := gen.in
	gen.section("POP3 and IMAP4: select the certificate by name, then restart")
	if !gen.hostOK {
		gen.note("SKIPPED: " + in.URLHost + " is not on the certificate, and X509CertificateName must be a name it covers.")
		return
	}
	gen.note(fmt.Sprintf("X509CertificateName is a host name, not a thumbprint: POP and IMAP use the certificate that covers %s. Without it they look for the server FQDN, which a public certificate no longer carries.", in.URLHost))
	if in.Version == Exchange2007 {
		gen.note("X509CertificateName exists from Exchange 2007 SP1.")
	}
	var svcs []string
	if gen.pop {
		svcs = append(svcs, "'MSExchangePOP3'")
		if in.Version >= Exchange2013 {
			svcs = append(svcs, "'MSExchangePOP3BE'")
		}
	}
	if gen.imap {
		svcs = append(svcs, "'MSExchangeIMAP4'")
		if in.Version >= Exchange2013 {
			svcs = append(svcs, "'MSExchangeIMAP4BE'")
		}
	}
	for i := range gen.servers {
		if gen.pop {
			args := ""
			if in.Version != Exchange2007 {
				args = gen.srv(i) + " -ExternalConnectionSettings " + PSQuote(in.URLHost+":995:SSL") + "," + PSQuote(in.URLHost+":110:TLS")
			}
			gen.cmdlet("Set-PopSettings%s -X509CertificateName %s", args, PSQuote(in.URLHost))
		}
		if gen.imap {
			args := ""
			if in.Version != Exchange2007 {
				args = gen.srv(i) + " -ExternalConnectionSettings " + PSQuote(in.URLHost+":993:SSL") + "," + PSQuote(in.URLHost+":143:TLS")
			}
			gen.cmdlet("Set-ImapSettings%s -X509CertificateName %s", args, PSQuote(in.URLHost))
		}
	}
	if in.Version >= Exchange2013 {
		gen.note("The change takes effect when the services restart: the front-end and the back-end (BE) services. Only running services are restarted (POP and IMAP are off by default), and a service a server does not have is skipped.")
	} else {
		gen.note("The change takes effect when the services restart. Only running services are restarted (POP and IMAP are off by default), and a service a server does not have is skipped.")
	}
	for i := range gen.servers {
		computer := ""
		if gen.multi {
			computer = " -ComputerName " + PSQuote(gen.servers[i])
		}
		gen.line("Get-Service %s%s -ErrorAction SilentlyContinue | Where-Object { $_.Status -eq 'Running' } | Restart-Service", strings.Join(svcs, ","), computer)
	}
	gen.note("Source: " + srcPopImap)
}

func (gen *bindGen) urlStep() {
	in := gen.in
	gen.section("Virtual directory URLs")
	if !gen.hostOK {
		gen.note("SKIPPED: " + in.URLHost + " is not on the certificate; clients sent there would get a certificate warning.")
		return
	}
	gen.note(fmt.Sprintf("Outlook takes the EWS, OAB and MAPI URLs from Autodiscover (InternalUrl inside, ExternalUrl outside), so every URL must use a name on the certificate; the defaults use the server FQDN. Internal and external URLs are both %s: resolve it to the server inside (split DNS). Only the front-end \"Default Web Site\" directories are changed.", in.URLHost))
	if gen.multi {
		gen.note("Every server gets the same URLs: clients may land on any of them.")
	}
	for i := range gen.servers {
		gen.cmdlet("Set-OwaVirtualDirectory -Identity %s -InternalUrl %s -ExternalUrl %s", gen.vdirID(i, "owa"), gen.url("/owa"), gen.url("/owa"))
		if in.Version >= Exchange2010 {
			gen.cmdlet("Set-EcpVirtualDirectory -Identity %s -InternalUrl %s -ExternalUrl %s", gen.vdirID(i, "ecp"), gen.url("/ecp"), gen.url("/ecp"))
		}
		gen.cmdlet("Set-WebServicesVirtualDirectory -Identity %s -InternalUrl %s -ExternalUrl %s", gen.vdirID(i, "EWS"), gen.url("/EWS/Exchange.asmx"), gen.url("/EWS/Exchange.asmx"))
		gen.cmdlet("Set-OabVirtualDirectory -Identity %s -InternalUrl %s -ExternalUrl %s", gen.vdirID(i, "OAB"), gen.url("/OAB"), gen.url("/OAB"))
		gen.cmdlet("Set-ActiveSyncVirtualDirectory -Identity %s -InternalUrl %s -ExternalUrl %s", gen.vdirID(i, "Microsoft-Server-ActiveSync"), gen.url("/Microsoft-Server-ActiveSync"), gen.url("/Microsoft-Server-ActiveSync"))
		if in.Version >= Exchange2013 {
			if in.Version == Exchange2013 && i == 0 {
				gen.note("MAPI over HTTP exists from Exchange 2013 SP1.")
			}
			gen.cmdlet("Set-MapiVirtualDirectory -Identity %s -InternalUrl %s -ExternalUrl %s", gen.vdirID(i, "mapi"), gen.url("/mapi"), gen.url("/mapi"))
		}
	}
	if in.From != None {
		c, _ := CoexistenceOf(in.From, in.Version)
		var how []string
		for _, r := range c.Protocols {
			how = append(how, r.Protocol+": "+string(r.Handling)+" ("+r.Note+")")
		}
		gen.note(fmt.Sprintf("Coexistence with %s, for mailboxes still there: %s.", in.From.Title(), strings.Join(how, "; ")))
		switch {
		case in.From == Exchange2003 && in.Version == Exchange2010 && in.LegacyHost != "":
			gen.note(fmt.Sprintf("-Exchange2003Url: OWA users whose mailbox is still on 2003 are redirected to %s, where the 2003 front end answers with this certificate (see \"On the Exchange 2003 servers\").", in.LegacyHost))
			for i := range gen.servers {
				gen.cmdlet("Set-OwaVirtualDirectory -Identity %s -Exchange2003Url %s", gen.vdirID(i, "owa"), PSQuote("https://"+in.LegacyHost+"/exchange"))
			}
		case c.LegacyName && in.LegacyHost != "":
			gen.note(fmt.Sprintf("The %s servers answer under %s: their own URLs move there (see \"On the %s\").", in.From.Title(), in.LegacyHost, oldServersTitle(in.From)))
		case c.LegacyName:
			gen.note(fmt.Sprintf("WARNING: this coexistence needs a legacy name for the %s servers, and the plan has none.", in.From.Title()))
		default:
			gen.note("No legacy name: the steps on the old servers are at the end.")
		}
		gen.note("Source: " + strings.Join(c.Sources, " ; "))
	}
	gen.note("Source: " + srcURLs)
}

func (gen *bindGen) outlookAnywhereStep() {
	in := gen.in
	gen.section("Outlook Anywhere")
	if !gen.hostOK {
		gen.note("SKIPPED: " + in.URLHost + " is not on the certificate.")
		return
	}
	switch {
	case in.Version >= Exchange2013:
		gen.note("Outlook Anywhere (RPC over HTTP) is always on from Exchange 2013; its host names must be on the certificate. SSL is required inside and out; the authentication methods are left as they are.")
		for i := range gen.servers {
			id := gen.vdirID(i, "Rpc")
			gen.cmdlet("Set-OutlookAnywhere -Identity %s -ExternalHostname %s -InternalHostname %s -ExternalClientsRequireSsl $true -InternalClientsRequireSsl $true", id, PSQuote(in.URLHost), PSQuote(in.URLHost))
		}
	default:
		gen.note(fmt.Sprintf("%s: Outlook Anywhere is off unless someone enabled it (Enable-OutlookAnywhere); when it is on, its external host name must be on the certificate.", in.Version.Title()))
		for i := range gen.servers {
			id := gen.vdirID(i, "Rpc")
			gen.line("if (Get-OutlookAnywhere -Identity %s -ErrorAction SilentlyContinue) {", id)
			gen.cmdlet("    Set-OutlookAnywhere -Identity %s -ExternalHostname %s", id, PSQuote(in.URLHost))
			gen.line("} else {")
			gen.line("    Write-Warning %s", PSQuote("Outlook Anywhere is not enabled on "+gen.shorts[i]+"; when you enable it, use -ExternalHostname "+in.URLHost))
			gen.line("}")
		}
	}
	cn := strings.ToLower(in.CommonName)
	if gen.wildcard || (cn != "" && cn != in.URLHost) {
		why := "the certificate's Common Name (" + in.CommonName + ") is not the Outlook Anywhere host (" + in.URLHost + ")"
		if gen.wildcard {
			why = "the certificate is a wildcard (" + in.CommonName + ")"
		}
		gen.note("Outlook Anywhere principal name: " + why + ", and older Outlook clients compare msstd: with the Common Name only, then loop on credential prompts. This setting is organisation-wide (every server's EXPR provider).")
		gen.cmdlet("Set-OutlookProvider EXPR -CertPrincipalName %s", PSQuote("msstd:"+in.CommonName))
		gen.note("Source: " + srcOutlookProv)
	} else {
		gen.note("No Set-OutlookProvider -CertPrincipalName (msstd:) change: the Common Name is the Outlook Anywhere host.")
	}
}

func (gen *bindGen) scpCmd() string {
	if gen.version() >= Exchange2016 {
		return "Set-ClientAccessService"
	}
	return "Set-ClientAccessServer"
}

func (gen *bindGen) scpStep() {
	in := gen.in
	gen.section("Autodiscover service connection point (SCP)")
	if !Covers(in.Names, gen.adHost) {
		gen.note("SKIPPED: " + gen.adHost + " is not on the certificate.")
		return
	}
	cmd := gen.scpCmd()
	if gen.scpOnURLHost != "" {
		gen.note(fmt.Sprintf("NOTE: %s, the Autodiscover name, is not on the certificate, so the SCP is pointed at %s instead: the certificate covers it and domain-joined Outlook follows the SCP to it. Clients outside the domain still look for %s.", gen.scpOnURLHost, gen.adHost, gen.scpOnURLHost))
	}
	gen.note(fmt.Sprintf("Domain-joined Outlook finds Autodiscover through the SCP in Active Directory, which by default names the server FQDN; point it at %s, which the certificate covers and internal DNS must resolve. (%s is the cmdlet in %s.)", gen.adHost, cmd, in.Version.Title()))
	for i := range gen.servers {
		gen.cmdlet("%s -Identity %s -AutoDiscoverServiceInternalUri %s", cmd, PSQuote(gen.shorts[i]), PSQuote("https://"+gen.adHost+"/Autodiscover/Autodiscover.xml"))
	}
	gen.note("Source: " + srcAutodiscover)
}

func (gen *bindGen) authStep() {
	gen.section("Authentication on Autodiscover and EWS")
	gen.note("Outlook needs Windows (NTLM/Negotiate) authentication on Autodiscover and EWS inside the network and Basic outside; without it Outlook prompts for credentials and Out of Office and free/busy report the server unavailable. Both need the IIS features Web-Windows-Auth and Web-Basic-Auth (exchcert bind --prereqs). If you turned Basic off on purpose (modern authentication), drop -BasicAuthentication.")
	for i := range gen.servers {
		gen.cmdlet("Set-AutodiscoverVirtualDirectory -Identity %s -WindowsAuthentication $true -BasicAuthentication $true", gen.vdirID(i, "Autodiscover"))
		gen.cmdlet("Set-WebServicesVirtualDirectory -Identity %s -WindowsAuthentication $true -BasicAuthentication $true", gen.vdirID(i, "EWS"))
	}
}

func (gen *bindGen) iisResetStep() {
	gen.section("Restart IIS")
	gen.note("IIS and OWA keep the old certificate (OWA cookie encryption among others) until they restart. /noforce does not kill IIS if a service will not stop in time. iisreset is a program, not a cmdlet: $LASTEXITCODE tells whether it worked.")
	for i := range gen.servers {
		if gen.multi {
			gen.line("iisreset %s /noforce", PSQuote(gen.servers[i]))
		} else {
			gen.line("iisreset /noforce")
		}
		gen.line("if ($LASTEXITCODE -ne 0) { throw %s }", PSQuote("iisreset failed on "+gen.shorts[i]))
	}
}

func (gen *bindGen) readBackStep(tp string) {
	in := gen.in
	gen.section("Read back: which steps are done")
	want := servicesOrder(gen.services)
	if gen.wildcard {
		var w []string
		for _, s := range want {
			if s != "POP" && s != "IMAP" {
				w = append(w, s)
			}
		}
		want = w
	}
	gen.note(fmt.Sprintf("Each check prints \"done:\" or a warning \"NOT DONE:\". Services should read %s (plus any the certificate had), Status Valid.", strings.Join(want, ", ")))
	for i := range gen.servers {
		s := gen.shorts[i]
		gen.cmdlet("$cert = Get-ExchangeCertificate%s -Thumbprint %s", gen.srv(i), tp)
		gen.line("$cert | Format-List Thumbprint,Services,Status,CertificateDomains,NotAfter,HasPrivateKey,RootCAType")
		gen.line("Test-Step %s ($cert.Status -eq 'Valid' -and $cert.HasPrivateKey)", PSQuote(s+": certificate imported, Valid, with its private key"))
		for _, svc := range want {
			gen.line("Test-Step %s ([string]$cert.Services -match %s)", PSQuote(s+": certificate enabled for "+svc), PSQuote("\\b"+svc+"\\b"))
		}
		if gen.hostOK {
			for _, vd := range []struct {
				kind, name, path string
				from             Version
			}{
				{"Owa", "owa", "/owa", Exchange2007}, {"Ecp", "ecp", "/ecp", Exchange2010}, {"WebServices", "EWS", "/EWS/Exchange.asmx", Exchange2007},
				{"Oab", "OAB", "/OAB", Exchange2007}, {"ActiveSync", "Microsoft-Server-ActiveSync", "/Microsoft-Server-ActiveSync", Exchange2007},
				{"Mapi", "mapi", "/mapi", Exchange2013},
			} {
				if in.Version < vd.from {
					continue
				}
				gen.line("Test-Step %s ([string](Get-%sVirtualDirectory -Identity %s%s).ExternalUrl -eq %s)", PSQuote(s+": "+vd.name+" URLs on "+in.URLHost), vd.kind, gen.vdirID(i, vd.name), ea, gen.url(vd.path))
			}
			gen.line("Test-Step %s ([string](Get-OutlookAnywhere -Identity %s -ErrorAction SilentlyContinue).ExternalHostname -eq %s)", PSQuote(s+": Outlook Anywhere host "+in.URLHost), gen.vdirID(i, "Rpc"), PSQuote(in.URLHost))
			if gen.pop {
				gen.line("Test-Step %s ([string](Get-PopSettings%s%s).X509CertificateName -eq %s)", PSQuote(s+": POP3 certificate name "+in.URLHost), gen.srv(i), ea, PSQuote(in.URLHost))
			}
			if gen.imap {
				gen.line("Test-Step %s ([string](Get-ImapSettings%s%s).X509CertificateName -eq %s)", PSQuote(s+": IMAP4 certificate name "+in.URLHost), gen.srv(i), ea, PSQuote(in.URLHost))
			}
		}
		if Covers(in.Names, gen.adHost) {
			get := "Get-ClientAccessServer"
			if in.Version >= Exchange2016 {
				get = "Get-ClientAccessService"
			}
			gen.line("Test-Step %s ([string](%s -Identity %s%s).AutoDiscoverServiceInternalUri -eq %s)", PSQuote(s+": Autodiscover SCP on "+gen.adHost), get, PSQuote(s), ea, PSQuote("https://"+gen.adHost+"/Autodiscover/Autodiscover.xml"))
		}
		gen.line("Test-Step %s ((Get-WebServicesVirtualDirectory -Identity %s%s).WindowsAuthentication -and (Get-AutodiscoverVirtualDirectory -Identity %s%s).WindowsAuthentication)", PSQuote(s+": Windows authentication on EWS and Autodiscover"), gen.vdirID(i, "EWS"), ea, gen.vdirID(i, "Autodiscover"), ea)
		if gen.smtp && in.Version >= Exchange2013 {
			gen.line("Get-ReceiveConnector -Server %s -ErrorAction Stop | Where-Object { $_.TlsCertificateName } | Format-List Identity,TlsCertificateName", PSQuote(gen.servers[i]))
		}
	}
	if gen.smtp && in.Version >= Exchange2013 {
		gen.line("Get-SendConnector -ErrorAction Stop | Where-Object { $_.TlsCertificateName } | Format-List Identity,TlsCertificateName")
	}
	switch {
	case in.Version == Exchange2010:
		gen.note("Test-OutlookWebServices checks Autodiscover and the EWS, OAB and Outlook Anywhere URLs it returns, for one mailbox.")
		mbx := "(Read-Host 'A mailbox to test with (user@domain)')"
		if in.TestMailbox != "" {
			mbx = PSQuote(in.TestMailbox)
		}
		gen.line("Test-OutlookWebServices -Identity %s -ErrorAction Stop | Format-List", mbx)
		gen.note("Source: " + srcTestOWS)
	case in.Version >= Exchange2013:
		gen.note(fmt.Sprintf("Test-OutlookWebServices is functional only in Exchange 2010 (%s), so it is not used here; test Autodiscover with the Remote Connectivity Analyzer or Outlook's \"Test E-mail AutoConfiguration\".", srcTestOWS))
	default:
		gen.note("Test Autodiscover with Outlook's \"Test E-mail AutoConfiguration\" (Ctrl+right-click the Outlook icon in the notification area).")
	}
}

// servicesOrder sorts service names in the order Format-List prints them:
// IMAP, POP, UM, IIS, SMTP, Federation, UMCallRouter, as
// Get-ExchangeCertificate shows them (https://learn.microsoft.com/powershell/module/exchangepowershell/get-exchangecertificate).
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
