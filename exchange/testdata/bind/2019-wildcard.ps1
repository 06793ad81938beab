# exchcert bind: put certificate B2A40FC4F215E81D1302F583BECEEEC8743216A5 to work on EXCH2 (Exchange
# 2019).
# Names on the certificate: *.acme.com, acme.com.
# Clients use: mail.acme.com.
# WARNING (wildcard-pop-imap): a wildcard certificate is not enabled for POP/IMAP; the script sets
# X509CertificateName instead
# Run it in the Exchange Management Shell on EXCH2 itself, as a member of Organization Management:
# the service restarts and iisreset act on the local machine.
# Safe to run again: the import is skipped where the certificate already is, every other step sets a
# value. It stops at the first failure: every Exchange cmdlet has -ErrorAction Stop, because in the
# Exchange Management Shell of 2010 and later they are functions of an implicit-remoting module,
# which a $ErrorActionPreference set here does not reach. The last step says which steps are done.
# Source: https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_commonparameters
# ; https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_scopes
$ErrorActionPreference = 'Stop'
if ([System.Net.Dns]::GetHostName() -ne 'EXCH2') { throw 'Run this script on EXCH2: it restarts services and IIS on the local machine.' }
function Test-Step([string]$Step, [bool]$Done) {
    if ($Done) { Write-Host ('done:     ' + $Step) } else { Write-Warning ('NOT DONE: ' + $Step) }
}

# --- 1. Import the PFX on EXCH2 ---
# Copy the PFX to C:\certs\wildcard.pfx first. The password is asked for as a SecureString, so it
# never appears in the script or the shell history; it is asked only when a server still lacks the
# certificate.
# -FileData with the bytes read by .NET works on every version from 2010 (2016 and 2019 removed
# -FileName with the 2022 H1 CUs); the path must be absolute because .NET does not resolve relative
# paths against the shell's location. -PrivateKeyExportable $true keeps the key exportable, so the
# same certificate can later go to another server of a DAG or load-balanced set.
$pfxPassword = $null
if (-not (Get-ExchangeCertificate -Server 'EXCH2' -Thumbprint 'B2A40FC4F215E81D1302F583BECEEEC8743216A5' -ErrorAction SilentlyContinue)) {
    if (-not $pfxPassword) { $pfxPassword = Read-Host -AsSecureString 'PFX password' }
    Import-ExchangeCertificate -Server 'EXCH2' -FileData ([System.IO.File]::ReadAllBytes('C:\certs\wildcard.pfx')) -Password $pfxPassword -PrivateKeyExportable $true -ErrorAction Stop
} else {
    Write-Host 'Certificate B2A40FC4F215E81D1302F583BECEEEC8743216A5 is already on EXCH2: not imported again.'
}
# Check it before anything uses it: Status must be Valid and the private key present.
# RevocationCheckFailure means the server cannot fetch the CA's CRL over HTTP (port 80; set the
# proxy with netsh winhttp set proxy), not that the certificate is bad.
$cert = Get-ExchangeCertificate -Server 'EXCH2' -Thumbprint 'B2A40FC4F215E81D1302F583BECEEEC8743216A5' -ErrorAction Stop
if (-not $cert) { throw 'Certificate B2A40FC4F215E81D1302F583BECEEEC8743216A5 is not on EXCH2' }
if ($cert.Status -ne 'Valid') { throw 'Certificate B2A40FC4F215E81D1302F583BECEEEC8743216A5 is not Valid on EXCH2: see Status in Get-ExchangeCertificate | Format-List' }
if (-not $cert.HasPrivateKey) { throw 'Certificate B2A40FC4F215E81D1302F583BECEEEC8743216A5 has no private key on EXCH2: import the PFX, or complete the request on the server that made it' }
# Source: https://techcommunity.microsoft.com/blog/exchange/emc-and-certificates-with-failed-revocation-checks-in-exchange-2010/591628

# --- 2. Enable the certificate for IIS, POP, IMAP, SMTP ---
# Services are added to what the certificate already has (running this again changes nothing); the
# previous certificate keeps its own until it is removed.
# Enabling IIS binds the certificate to the Default Web Site on port 443. It would also turn on
# "Require SSL" on the whole site, which breaks an http:// to https:// redirect on the site root;
# -DoNotRequireSsl leaves that setting as it is (the Exchange virtual directories keep their own SSL
# setting).
# POP and IMAP are not enabled here: a wildcard certificate must not be; X509CertificateName below
# selects it instead.
Enable-ExchangeCertificate -Server 'EXCH2' -Thumbprint 'B2A40FC4F215E81D1302F583BECEEEC8743216A5' -Services IIS -DoNotRequireSsl -ErrorAction Stop
# Source: https://learn.microsoft.com/powershell/module/exchangepowershell/enable-exchangecertificate

# SMTP on its own step, without -Force. Exchange asks "Overwrite the existing default SMTP
# certificate?": answer N (No), also when the script runs again. The certificate is still enabled
# for SMTP, and STARTTLS on the names it covers uses it; No keeps the self-signed certificate as the
# default (internal transport) certificate, as Microsoft recommends. -Force would answer Yes
# silently. The prompt needs an interactive shell.
Enable-ExchangeCertificate -Server 'EXCH2' -Thumbprint 'B2A40FC4F215E81D1302F583BECEEEC8743216A5' -Services SMTP -ErrorAction Stop
# Connectors that pin a certificate (TlsCertificateName, e.g. the hybrid "Outbound to Office 365"
# send connector and the Default Frontend receive connector) must be updated to this certificate's
# issuer and subject, or hybrid mail stops; the read-back step lists them.

# --- 3. POP3 and IMAP4: select the certificate by name, then restart ---
# X509CertificateName is a host name, not a thumbprint: POP and IMAP use the certificate that covers
# mail.acme.com. Without it they look for the server FQDN, which a public certificate no longer
# carries.
Set-PopSettings -Server 'EXCH2' -ExternalConnectionSettings 'mail.acme.com:995:SSL','mail.acme.com:110:TLS' -X509CertificateName 'mail.acme.com' -ErrorAction Stop
Set-ImapSettings -Server 'EXCH2' -ExternalConnectionSettings 'mail.acme.com:993:SSL','mail.acme.com:143:TLS' -X509CertificateName 'mail.acme.com' -ErrorAction Stop
# The change takes effect when the services restart: the front-end and the back-end (BE) services.
# Only running services are restarted (POP and IMAP are off by default), and a service a server does
# not have is skipped.
Get-Service 'MSExchangePOP3','MSExchangePOP3BE','MSExchangeIMAP4','MSExchangeIMAP4BE' -ErrorAction SilentlyContinue | Where-Object { $_.Status -eq 'Running' } | Restart-Service
# Source: https://learn.microsoft.com/powershell/module/exchangepowershell/set-popsettings

# --- 4. Virtual directory URLs ---
# Outlook takes the EWS, OAB and MAPI URLs from Autodiscover (InternalUrl inside, ExternalUrl
# outside), so every URL must use a name on the certificate; the defaults use the server FQDN.
# Internal and external URLs are both mail.acme.com: resolve it to the server inside (split DNS).
# Only the front-end "Default Web Site" directories are changed.
Set-OwaVirtualDirectory -Identity 'EXCH2\owa (Default Web Site)' -InternalUrl 'https://mail.acme.com/owa' -ExternalUrl 'https://mail.acme.com/owa' -ErrorAction Stop
Set-EcpVirtualDirectory -Identity 'EXCH2\ecp (Default Web Site)' -InternalUrl 'https://mail.acme.com/ecp' -ExternalUrl 'https://mail.acme.com/ecp' -ErrorAction Stop
Set-WebServicesVirtualDirectory -Identity 'EXCH2\EWS (Default Web Site)' -InternalUrl 'https://mail.acme.com/EWS/Exchange.asmx' -ExternalUrl 'https://mail.acme.com/EWS/Exchange.asmx' -ErrorAction Stop
Set-OabVirtualDirectory -Identity 'EXCH2\OAB (Default Web Site)' -InternalUrl 'https://mail.acme.com/OAB' -ExternalUrl 'https://mail.acme.com/OAB' -ErrorAction Stop
Set-ActiveSyncVirtualDirectory -Identity 'EXCH2\Microsoft-Server-ActiveSync (Default Web Site)' -InternalUrl 'https://mail.acme.com/Microsoft-Server-ActiveSync' -ExternalUrl 'https://mail.acme.com/Microsoft-Server-ActiveSync' -ErrorAction Stop
Set-MapiVirtualDirectory -Identity 'EXCH2\mapi (Default Web Site)' -InternalUrl 'https://mail.acme.com/mapi' -ExternalUrl 'https://mail.acme.com/mapi' -ErrorAction Stop
# Source: https://learn.microsoft.com/exchange/plan-and-deploy/post-installation-tasks/configure-mail-flow-and-client-access

# --- 5. Outlook Anywhere ---
# Outlook Anywhere (RPC over HTTP) is always on from Exchange 2013; its host names must be on the
# certificate. SSL is required inside and out; the authentication methods are left as they are.
Set-OutlookAnywhere -Identity 'EXCH2\Rpc (Default Web Site)' -ExternalHostname 'mail.acme.com' -InternalHostname 'mail.acme.com' -ExternalClientsRequireSsl $true -InternalClientsRequireSsl $true -ErrorAction Stop
# Outlook Anywhere principal name: the certificate is a wildcard (*.acme.com), and older Outlook
# clients compare msstd: with the Common Name only, then loop on credential prompts. This setting is
# organisation-wide (every server's EXPR provider).
Set-OutlookProvider EXPR -CertPrincipalName 'msstd:*.acme.com' -ErrorAction Stop
# Source: https://techcommunity.microsoft.com/t5/exchange-team-blog/when-if-and-how-do-you-modify-outlook-providers/ba-p/603428

# --- 6. Autodiscover service connection point (SCP) ---
# Domain-joined Outlook finds Autodiscover through the SCP in Active Directory, which by default
# names the server FQDN; point it at autodiscover.acme.com, which the certificate covers and
# internal DNS must resolve. (Set-ClientAccessService is the cmdlet in Exchange 2019.)
Set-ClientAccessService -Identity 'EXCH2' -AutoDiscoverServiceInternalUri 'https://autodiscover.acme.com/Autodiscover/Autodiscover.xml' -ErrorAction Stop
# Source: https://learn.microsoft.com/exchange/architecture/client-access/autodiscover

# --- 7. Authentication on Autodiscover and EWS ---
# Outlook needs Windows (NTLM/Negotiate) authentication on Autodiscover and EWS inside the network
# and Basic outside; without it Outlook prompts for credentials and Out of Office and free/busy
# report the server unavailable. Both need the IIS features Web-Windows-Auth and Web-Basic-Auth
# (exchcert bind --prereqs). If you turned Basic off on purpose (modern authentication), drop
# -BasicAuthentication.
Set-AutodiscoverVirtualDirectory -Identity 'EXCH2\Autodiscover (Default Web Site)' -WindowsAuthentication $true -BasicAuthentication $true -ErrorAction Stop
Set-WebServicesVirtualDirectory -Identity 'EXCH2\EWS (Default Web Site)' -WindowsAuthentication $true -BasicAuthentication $true -ErrorAction Stop

# --- 8. Restart IIS ---
# IIS and OWA keep the old certificate (OWA cookie encryption among others) until they restart.
# /noforce does not kill IIS if a service will not stop in time. iisreset is a program, not a
# cmdlet: $LASTEXITCODE tells whether it worked.
iisreset /noforce
if ($LASTEXITCODE -ne 0) { throw 'iisreset failed on EXCH2' }

# --- 9. Read back: which steps are done ---
# Each check prints "done:" or a warning "NOT DONE:". Services should read IIS, SMTP (plus any the
# certificate had), Status Valid.
$cert = Get-ExchangeCertificate -Server 'EXCH2' -Thumbprint 'B2A40FC4F215E81D1302F583BECEEEC8743216A5' -ErrorAction Stop
$cert | Format-List Thumbprint,Services,Status,CertificateDomains,NotAfter,HasPrivateKey,RootCAType
Test-Step 'EXCH2: certificate imported, Valid, with its private key' ($cert.Status -eq 'Valid' -and $cert.HasPrivateKey)
Test-Step 'EXCH2: certificate enabled for IIS' ([string]$cert.Services -match '\bIIS\b')
Test-Step 'EXCH2: certificate enabled for SMTP' ([string]$cert.Services -match '\bSMTP\b')
Test-Step 'EXCH2: owa URLs on mail.acme.com' ([string](Get-OwaVirtualDirectory -Identity 'EXCH2\owa (Default Web Site)' -ErrorAction Stop).ExternalUrl -eq 'https://mail.acme.com/owa')
Test-Step 'EXCH2: ecp URLs on mail.acme.com' ([string](Get-EcpVirtualDirectory -Identity 'EXCH2\ecp (Default Web Site)' -ErrorAction Stop).ExternalUrl -eq 'https://mail.acme.com/ecp')
Test-Step 'EXCH2: EWS URLs on mail.acme.com' ([string](Get-WebServicesVirtualDirectory -Identity 'EXCH2\EWS (Default Web Site)' -ErrorAction Stop).ExternalUrl -eq 'https://mail.acme.com/EWS/Exchange.asmx')
Test-Step 'EXCH2: OAB URLs on mail.acme.com' ([string](Get-OabVirtualDirectory -Identity 'EXCH2\OAB (Default Web Site)' -ErrorAction Stop).ExternalUrl -eq 'https://mail.acme.com/OAB')
Test-Step 'EXCH2: Microsoft-Server-ActiveSync URLs on mail.acme.com' ([string](Get-ActiveSyncVirtualDirectory -Identity 'EXCH2\Microsoft-Server-ActiveSync (Default Web Site)' -ErrorAction Stop).ExternalUrl -eq 'https://mail.acme.com/Microsoft-Server-ActiveSync')
Test-Step 'EXCH2: mapi URLs on mail.acme.com' ([string](Get-MapiVirtualDirectory -Identity 'EXCH2\mapi (Default Web Site)' -ErrorAction Stop).ExternalUrl -eq 'https://mail.acme.com/mapi')
Test-Step 'EXCH2: Outlook Anywhere host mail.acme.com' ([string](Get-OutlookAnywhere -Identity 'EXCH2\Rpc (Default Web Site)' -ErrorAction SilentlyContinue).ExternalHostname -eq 'mail.acme.com')
Test-Step 'EXCH2: POP3 certificate name mail.acme.com' ([string](Get-PopSettings -Server 'EXCH2' -ErrorAction Stop).X509CertificateName -eq 'mail.acme.com')
Test-Step 'EXCH2: IMAP4 certificate name mail.acme.com' ([string](Get-ImapSettings -Server 'EXCH2' -ErrorAction Stop).X509CertificateName -eq 'mail.acme.com')
Test-Step 'EXCH2: Autodiscover SCP on autodiscover.acme.com' ([string](Get-ClientAccessService -Identity 'EXCH2' -ErrorAction Stop).AutoDiscoverServiceInternalUri -eq 'https://autodiscover.acme.com/Autodiscover/Autodiscover.xml')
Test-Step 'EXCH2: Windows authentication on EWS and Autodiscover' ((Get-WebServicesVirtualDirectory -Identity 'EXCH2\EWS (Default Web Site)' -ErrorAction Stop).WindowsAuthentication -and (Get-AutodiscoverVirtualDirectory -Identity 'EXCH2\Autodiscover (Default Web Site)' -ErrorAction Stop).WindowsAuthentication)
Get-ReceiveConnector -Server 'EXCH2' -ErrorAction Stop | Where-Object { $_.TlsCertificateName } | Format-List Identity,TlsCertificateName
Get-SendConnector -ErrorAction Stop | Where-Object { $_.TlsCertificateName } | Format-List Identity,TlsCertificateName
# Test-OutlookWebServices is functional only in Exchange 2010
# (https://learn.microsoft.com/powershell/module/exchangepowershell/test-outlookwebservices), so it
# is not used here; test Autodiscover with the Remote Connectivity Analyzer or Outlook's "Test
# E-mail AutoConfiguration".

# --- 10. Afterwards ---
# Services are only ever added to a certificate, never taken away. Remove the old certificate
# (Remove-ExchangeCertificate -Thumbprint <old>) only when nothing refers to it any more: connectors
# (TlsCertificateName), POP/IMAP, IIS, and the other servers it is enabled on.
# Test from outside with the Microsoft Remote Connectivity Analyzer: https://testconnectivity.microsoft.com
