# exchcert acme renew --deploy: put certificate 0123456789ABCDEF0123456789ABCDEF01234567 to work on this server (Exchange 2019)
# without questions, and log every step. Written by exchcert; run by it with
#   powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File <this file>
# Exit code 0: every step worked. 1: a step failed; the old certificate is kept.
$ErrorActionPreference = 'Stop'
$new = '0123456789ABCDEF0123456789ABCDEF01234567'
$old = '89ABCDEF0123456789ABCDEF0123456789ABCDEF'
$bind = 'C:\exchcert\out\mail.acme.com.bind.ps1'
$failed = @()
function Log([string]$m) { Write-Output ((Get-Date -Format 'yyyy-MM-ddTHH:mm:ss') + ' ' + $m) }
trap { Log ('FAILED: ' + $_); exit 1 }

# The PFX password, handed over in this process's environment only.
if (-not $env:EXCHCERT_PFX_PASSWORD) { throw 'no PFX password in EXCHCERT_PFX_PASSWORD' }
$pfxPassword = ConvertTo-SecureString -String $env:EXCHCERT_PFX_PASSWORD -AsPlainText -Force
Remove-Item -Path Env:EXCHCERT_PFX_PASSWORD

# Exchange 2019: the shell is remote PowerShell to the closest Exchange server (normally this one),
# set up by RemoteExchange.ps1 and Connect-ExchangeServer as the shell's shortcut does
# (https://learn.microsoft.com/powershell/exchange/exchange-management-shell).
. (Join-Path $env:ExchangeInstallPath 'bin\RemoteExchange.ps1')
Connect-ExchangeServer -auto -ClientApplication:ManagementShell
Log ('Exchange Management Shell loaded as ' + [Security.Principal.WindowsIdentity]::GetCurrent().Name)

# Functions below pass their arguments on with @args, names and all (https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_splatting).
# The bind script asks with Read-Host. A function of the same name comes before the
# cmdlet (https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_command_precedence), so its questions are answered here; any other
# question stops the run instead of waiting for an answer that never comes.
function global:Read-Host {
  param([string]$Prompt, [switch]$AsSecureString)
  if ($Prompt -eq 'PFX password') { return $pfxPassword }
  throw ('unattended run: the bind script asks ''' + $Prompt + '''')
}

# Importing a certificate that is already there (a second run) is not an error.
$realImport = Get-Command Import-ExchangeCertificate
function global:Import-ExchangeCertificate {
  $have = Get-ExchangeCertificate -Thumbprint $new -ErrorAction SilentlyContinue
  if ($have) { Log ('certificate ' + $new + ' is already imported'); return $have }
  & $realImport @args
}

# The default SMTP certificate is the transport service's internal transport certificate
# (https://learn.microsoft.com/powershell/module/exchangepowershell/get-transportservice; Get-TransportService on Exchange 2019).
function Get-DefaultSmtp {
  $t = Get-TransportService -Identity $env:COMPUTERNAME -ErrorAction SilentlyContinue
  if ($t) { return [string]$t.InternalTransportCertificateThumbprint }
  return ''
}
$defaultBefore = Get-DefaultSmtp
Log ('default SMTP certificate: ' + $defaultBefore)
# --replace-smtp-default: the bind script enables SMTP with -Force, so the new certificate
# becomes the default SMTP certificate without a question.

Log ('running ' + $bind)
& $bind
Log 'bind script finished'

# Read back: the new certificate must be there, valid, and enabled for every service.
$cert = Get-ExchangeCertificate -Thumbprint $new
if (-not $cert -or $cert.Status -ne 'Valid') { throw ('certificate ' + $new + ' is not Valid after the bind script') }
$enabled = ($cert.Services.ToString() -split ',\s*')
if ($enabled -notcontains 'IIS') { $failed += 'IIS' }
if ($enabled -notcontains 'POP') { $failed += 'POP' }
if ($enabled -notcontains 'IMAP') { $failed += 'IMAP' }
if ($enabled -notcontains 'SMTP') { $failed += 'SMTP' }
Log ('enabled for: ' + $cert.Services)
if ($failed.Count -gt 0) {
  Log ('NOT enabled for: ' + ($failed -join ', ') + '; the old certificate is kept')
  exit 1
}

# Only now, with the new certificate enabled and read back: remove the old one (https://learn.microsoft.com/powershell/module/exchangepowershell/remove-exchangecertificate),
# unless it is still the default SMTP certificate.
if ($old -and $old -ne $new -and (Get-ExchangeCertificate -Thumbprint $old -ErrorAction SilentlyContinue)) {
  if ($old -eq (Get-DefaultSmtp)) { Log ('old certificate ' + $old + ' is the default SMTP certificate: kept') }
  else { Remove-ExchangeCertificate -Thumbprint $old -Confirm:$false; Log ('removed old certificate ' + $old) }
}
Log 'deployed'
exit 0
