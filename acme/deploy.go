package acme

import (
	"errors"
	"fmt"
	"strings"

	"github.com/exchcert/exchcert/exchange"
)

// Sources for how the deploy wrapper loads the Exchange Management Shell
// and answers the bind script's questions (docs/acme-exchange.md).
const (
	srcEMS2013      = "https://learn.microsoft.com/powershell/exchange/exchange-management-shell"
	srcEMS2010      = "https://learn.microsoft.com/previous-versions/office/developer/exchange-server-2010/ff326156(v=exchg.140)"
	srcSnapIn2007   = "https://learn.microsoft.com/troubleshoot/exchange/development/develop-apps-by-using-exchange-powershell"
	srcPrecedence   = "https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_command_precedence"
	srcPSExe        = "https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_powershell_exe"
	srcTransportSvc = "https://learn.microsoft.com/powershell/module/exchangepowershell/get-transportservice"
	srcRemoveCert   = "https://learn.microsoft.com/powershell/module/exchangepowershell/remove-exchangecertificate"
	srcSplatting    = "https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_splatting"
	srcKeepSelfSign = "https://learn.microsoft.com/previous-versions/exchange-server/exchange-160/jj552899(v=exchg.160)"
)

// PasswordEnv is the environment variable through which exchcert hands
// the PFX password to the deploy wrapper's PowerShell process (set only
// in that process's environment, never on its command line); the
// wrapper removes it before it loads the shell.
const PasswordEnv = "EXCHCERT_PFX_PASSWORD"

// Deploy is a non-interactive run of a bind script after a renewal.
type Deploy struct {
	Version       exchange.Version
	BindScript    string   // absolute Windows path of NAME.bind.ps1
	Thumbprint    string   // the new certificate
	OldThumbprint string   // the certificate it replaces; "" for none
	Services      []string // what the bind script enables (read back afterwards)
	// ReplaceSMTPDefault: the bind script enables SMTP with -Force (the
	// new certificate becomes the default SMTP certificate). Without it
	// the default must stay as it is, and the wrapper checks it did.
	ReplaceSMTPDefault bool
	// RemoveOld removes OldThumbprint after the new certificate is
	// enabled and read back, unless it is still the default SMTP
	// certificate.
	RemoveOld   bool
	TestMailbox string // answers the Exchange 2010 bind script's test-mailbox question
}

// PowerShellArgs is the command line (after powershell.exe) that runs a
// wrapper script without a profile, without prompts and without changing
// the machine's execution policy (srcPSExe).
func PowerShellArgs(wrapper string) []string {
	return []string{"-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File", wrapper}
}

// PowerShellExe is Windows PowerShell's path below the Windows folder
// (%SystemRoot%): the Exchange Management Shell runs in Windows
// PowerShell, not in PowerShell 7.
func PowerShellExe(systemRoot string) string {
	return strings.TrimRight(systemRoot, `\`) + `\System32\WindowsPowerShell\v1.0\powershell.exe`
}

// Script returns the wrapper: it loads the Exchange Management Shell the
// way the version needs, answers the bind script's questions from what
// exchcert knows, runs the bind script, reads the result back, and only
// then (with RemoveOld) removes the old certificate. It exits 0 when every
// step worked and 1 otherwise; its output is the deploy log.
func (d Deploy) Script() (string, error) {
	tp, err := exchange.NormalizeThumbprint(d.Thumbprint)
	if err != nil {
		return "", fmt.Errorf("new certificate: %w", err)
	}
	old := ""
	if d.OldThumbprint != "" {
		if old, err = exchange.NormalizeThumbprint(d.OldThumbprint); err != nil {
			return "", fmt.Errorf("old certificate: %w", err)
		}
	}
	if err := exchange.CheckWindowsPath(d.BindScript); err != nil {
		return "", fmt.Errorf("bind script: %w", err)
	}
	services := d.Services
	if len(services) == 0 {
		services = exchange.DefaultServices
	}
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	q := exchange.PSQuote

	p("# exchcert acme renew --deploy: put certificate %s to work on this server (%s)", tp, d.Version.Title())
	p("# without questions, and log every step. Written by exchcert; run by it with")
	p("#   powershell.exe %s", strings.Join(PowerShellArgs("<this file>"), " "))
	p("# Exit code 0: every step worked. 1: a step failed; the old certificate is kept.")
	p("$ErrorActionPreference = 'Stop'")
	p("$new = %s", q(tp))
	p("$old = %s", q(old))
	p("$bind = %s", q(d.BindScript))
	p("$failed = @()")
	p("function Log([string]$m) { Write-Output ((Get-Date -Format 'yyyy-MM-ddTHH:mm:ss') + ' ' + $m) }")
	p("trap { Log ('FAILED: ' + $_); exit 1 }")
	p("")
	p("# The PFX password, handed over in this process's environment only.")
	p("if (-not $env:%s) { throw 'no PFX password in %s' }", PasswordEnv, PasswordEnv)
	p("$pfxPassword = ConvertTo-SecureString -String $env:%s -AsPlainText -Force", PasswordEnv)
	p("Remove-Item -Path Env:%s", PasswordEnv)
	p("")
	d.loadShell(p)
	p("")
	p("# Functions below pass their arguments on with @args, names and all (%s).", srcSplatting)
	p("# The bind script asks with Read-Host. A function of the same name comes before the")
	p("# cmdlet (%s), so its questions are answered here; any other", srcPrecedence)
	p("# question stops the run instead of waiting for an answer that never comes.")
	p("function global:Read-Host {")
	p("  param([string]$Prompt, [switch]$AsSecureString)")
	p("  if ($Prompt -eq 'PFX password') { return $pfxPassword }")
	if d.Version == exchange.Exchange2010 {
		if d.TestMailbox != "" {
			p("  if ($Prompt -like 'A mailbox to test with*') { return %s }", q(d.TestMailbox))
		} else {
			p("  if ($Prompt -like 'A mailbox to test with*') { throw 'the bind script asks for a mailbox to test Autodiscover with: give exchcert --test-mailbox user@domain' }")
		}
	}
	p("  throw ('unattended run: the bind script asks ''' + $Prompt + '''')")
	p("}")
	p("")
	p("# Importing a certificate that is already there (a second run) is not an error.")
	p("$realImport = Get-Command Import-ExchangeCertificate")
	p("function global:Import-ExchangeCertificate {")
	p("  $have = Get-ExchangeCertificate -Thumbprint $new -ErrorAction SilentlyContinue")
	p("  if ($have) { Log ('certificate ' + $new + ' is already imported'); return $have }")
	p("  & $realImport @args")
	p("}")
	p("")
	d.smtpStep(p)
	p("")
	p("Log ('running ' + $bind)")
	p("& $bind")
	p("Log 'bind script finished'")
	p("")
	p("# Read back: the new certificate must be there, valid, and enabled for every service.")
	p("$cert = Get-ExchangeCertificate -Thumbprint $new")
	p("if (-not $cert -or $cert.Status -ne 'Valid') { throw ('certificate ' + $new + ' is not Valid after the bind script') }")
	p("$enabled = ($cert.Services.ToString() -split ',\\s*')")
	for _, s := range services {
		if s == "SMTP" && !d.ReplaceSMTPDefault {
			p("if ($smtpPending) { $failed += 'SMTP' } elseif ($enabled -notcontains 'SMTP') { $failed += 'SMTP' }")
			continue
		}
		p("if ($enabled -notcontains %s) { $failed += %s }", q(s), q(s))
	}
	p("Log ('enabled for: ' + $cert.Services)")
	if !d.ReplaceSMTPDefault {
		p("$defaultAfter = Get-DefaultSmtp")
		p("if ($defaultAfter -ne $defaultBefore) { throw ('the default SMTP certificate changed from ' + $defaultBefore + ' to ' + $defaultAfter + ' without --replace-smtp-default') }")
	}
	p("if ($failed.Count -gt 0) {")
	p("  Log ('NOT enabled for: ' + ($failed -join ', ') + '; the old certificate is kept')")
	if !d.ReplaceSMTPDefault {
		p("  if ($smtpPending) { Log ('SMTP: Exchange asks whether to replace the default SMTP certificate. Run in the Exchange Management Shell: Enable-ExchangeCertificate -Thumbprint ' + $new + ' -Services SMTP  and answer N (No); or renew with --replace-smtp-default to make it the default without asking') }")
	}
	p("  exit 1")
	p("}")
	p("")
	if d.RemoveOld && old != "" {
		p("# Only now, with the new certificate enabled and read back: remove the old one (%s),", srcRemoveCert)
		p("# unless it is still the default SMTP certificate.")
		p("if ($old -and $old -ne $new -and (Get-ExchangeCertificate -Thumbprint $old -ErrorAction SilentlyContinue)) {")
		p("  if ($old -eq (Get-DefaultSmtp)) { Log ('old certificate ' + $old + ' is the default SMTP certificate: kept') }")
		p("  else { Remove-ExchangeCertificate -Thumbprint $old -Confirm:$false; Log ('removed old certificate ' + $old) }")
		p("}")
	} else if old != "" {
		p("# The old certificate %s stays (no --remove-old): remove it when nothing refers to it.", old)
	}
	p("Log 'deployed'")
	p("exit 0")
	return strings.ReplaceAll(b.String(), "\n", "\r\n"), nil
}

// loadShell writes how the version's Exchange Management Shell is loaded.
func (d Deploy) loadShell(p func(string, ...any)) {
	switch {
	case d.Version == exchange.Exchange2007:
		p("# Exchange 2007: the Exchange cmdlets are a Windows PowerShell snap-in, loaded into this")
		p("# process (%s).", srcSnapIn2007)
		p("Add-PSSnapin Microsoft.Exchange.Management.PowerShell.Admin")
	case d.Version == exchange.Exchange2010:
		p("# Exchange 2010: the shell is remote PowerShell, even on the server itself; Microsoft says not")
		p("# to load the snap-in (%s;", srcEMS2010)
		p("# %s).", srcSnapIn2007)
		p("# RemoteExchange.ps1 and Connect-ExchangeServer are what the shell's shortcut runs.")
		p(". (Join-Path $env:ExchangeInstallPath 'bin\\RemoteExchange.ps1')")
		p("Connect-ExchangeServer -auto")
	default:
		p("# %s: the shell is remote PowerShell to the closest Exchange server (normally this one),", d.Version.Title())
		p("# set up by RemoteExchange.ps1 and Connect-ExchangeServer as the shell's shortcut does")
		p("# (%s).", srcEMS2013)
		p(". (Join-Path $env:ExchangeInstallPath 'bin\\RemoteExchange.ps1')")
		p("Connect-ExchangeServer -auto -ClientApplication:ManagementShell")
	}
	p("Log ('Exchange Management Shell loaded as ' + [Security.Principal.WindowsIdentity]::GetCurrent().Name)")
}

// smtpStep writes how the default SMTP certificate is watched and how the
// bind script's SMTP step runs without a question.
func (d Deploy) smtpStep(p func(string, ...any)) {
	cmdlet := "Get-TransportService"
	if d.Version < exchange.Exchange2013 {
		cmdlet = "Get-TransportServer"
	}
	p("# The default SMTP certificate is the transport service's internal transport certificate")
	p("# (%s; %s on %s).", srcTransportSvc, cmdlet, d.Version.Title())
	p("function Get-DefaultSmtp {")
	p("  $t = %s -Identity $env:COMPUTERNAME -ErrorAction SilentlyContinue", cmdlet)
	p("  if ($t) { return [string]$t.InternalTransportCertificateThumbprint }")
	p("  return ''")
	p("}")
	p("$defaultBefore = Get-DefaultSmtp")
	p("Log ('default SMTP certificate: ' + $defaultBefore)")
	if d.ReplaceSMTPDefault {
		p("# --replace-smtp-default: the bind script enables SMTP with -Force, so the new certificate")
		p("# becomes the default SMTP certificate without a question.")
		return
	}
	p("# The self-signed default need not be replaced for SMTP between Exchange servers")
	p("# (%s).", srcKeepSelfSign)
	p("# Without --replace-smtp-default the bind script enables SMTP without -Force. When that would")
	p("# replace the default SMTP certificate Exchange asks first, and a non-interactive shell cannot")
	p("# answer: the cmdlet then fails and changes nothing, the default stays (Microsoft's advice),")
	p("# and the run ends with exit code 1 and the command to finish SMTP by hand. -Force is never")
	p("# added here.")
	p("$smtpPending = $false")
	p("$realEnable = Get-Command Enable-ExchangeCertificate")
	p("function global:Enable-ExchangeCertificate {")
	p("  $smtp = (($args | ForEach-Object { [string]$_ }) -join ' ') -match '\\bSMTP\\b'")
	p("  if (-not $smtp) { & $realEnable @args; return }")
	p("  try { & $realEnable @args -ErrorAction Stop; Log 'SMTP enabled; the default SMTP certificate was not replaced' }")
	p("  catch { $script:smtpPending = $true; Log ('SMTP not enabled without a question: ' + $_) }")
	p("}")
}

// ErrDeployNotWindows is returned where the deploy cannot run.
var ErrDeployNotWindows = errors.New("--deploy runs the Exchange Management Shell and works only on the Exchange server (Windows)")
