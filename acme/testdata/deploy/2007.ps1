# exchcert acme renew --deploy: put certificate 0123456789ABCDEF0123456789ABCDEF01234567 to work on this server (Exchange 2007)
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

# Exchange 2007: the Exchange cmdlets are a Windows PowerShell snap-in, loaded into this
# process (https://learn.microsoft.com/troubleshoot/exchange/development/develop-apps-by-using-exchange-powershell).
Add-PSSnapin Microsoft.Exchange.Management.PowerShell.Admin
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
# (https://learn.microsoft.com/powershell/module/exchangepowershell/get-transportservice; Get-TransportServer on Exchange 2007).
function Get-DefaultSmtp {
  $t = Get-TransportServer -Identity $env:COMPUTERNAME -ErrorAction SilentlyContinue
  if ($t) { return [string]$t.InternalTransportCertificateThumbprint }
  return ''
}
$defaultBefore = Get-DefaultSmtp
Log ('default SMTP certificate: ' + $defaultBefore)
# The self-signed default need not be replaced for SMTP between Exchange servers
# (https://learn.microsoft.com/previous-versions/exchange-server/exchange-160/jj552899(v=exchg.160)).
# Without --replace-smtp-default the bind script enables SMTP without -Force. When that would
# replace the default SMTP certificate Exchange asks first, and a non-interactive shell cannot
# answer: the cmdlet then fails and changes nothing, the default stays (Microsoft's advice),
# and the run ends with exit code 1 and the command to finish SMTP by hand. -Force is never
# added here.
$smtpPending = $false
$realEnable = Get-Command Enable-ExchangeCertificate
function global:Enable-ExchangeCertificate {
  $smtp = (($args | ForEach-Object { [string]$_ }) -join ' ') -match '\bSMTP\b'
  if (-not $smtp) { & $realEnable @args; return }
  try { & $realEnable @args -ErrorAction Stop; Log 'SMTP enabled; the default SMTP certificate was not replaced' }
  catch { $script:smtpPending = $true; Log ('SMTP not enabled without a question: ' + $_) }
}

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
if ($smtpPending) { $failed += 'SMTP' } elseif ($enabled -notcontains 'SMTP') { $failed += 'SMTP' }
Log ('enabled for: ' + $cert.Services)
$defaultAfter = Get-DefaultSmtp
if ($defaultAfter -ne $defaultBefore) { throw ('the default SMTP certificate changed from ' + $defaultBefore + ' to ' + $defaultAfter + ' without --replace-smtp-default') }
if ($failed.Count -gt 0) {
  Log ('NOT enabled for: ' + ($failed -join ', ') + '; the old certificate is kept')
  if ($smtpPending) { Log ('SMTP: Exchange asks whether to replace the default SMTP certificate. Run in the Exchange Management Shell: Enable-ExchangeCertificate -Thumbprint ' + $new + ' -Services SMTP  and answer N (No); or renew with --replace-smtp-default to make it the default without asking') }
  exit 1
}

# The old certificate 89ABCDEF0123456789ABCDEF0123456789ABCDEF stays (no --remove-old): remove it when nothing refers to it.
Log 'deployed'
exit 0
