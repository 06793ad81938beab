# exchcert bind: put certificate E9677844C68E731E06BD10D9A7C5285D24AC594E to work on EXCH2 (Exchange
# 2010).
# Organisation coexisting with Exchange 2003.
# Names on the certificate: exch2.acme.com, legacy.acme.com, acme.com, autodiscover.acme.com.
# Clients use: exch2.acme.com.
# Run it in the Exchange Management Shell on EXCH2 itself, as a member of Organization Management:
# the service restarts and iisreset act on the local machine.
$ErrorActionPreference = 'Stop'
if ([System.Net.Dns]::GetHostName() -ne 'EXCH2') { throw 'Run this script on EXCH2: it restarts services and IIS on the local machine.' }

# --- 1. Complete the pending request ---
# Copy the certificate the CA delivered to C:\certs\exch2.p7b first. Importing it completes the
# pending request, which (with its private key) exists only on the server that made it: run this on
# that server. Status changes from PendingRequest to Valid.
Import-ExchangeCertificate -Server 'EXCH2' -FileData ([System.IO.File]::ReadAllBytes('C:\certs\exch2.p7b'))
# Source: https://learn.microsoft.com/exchange/architecture/client-access/complete-pending-certificate-requests
# Check it before anything uses it: Status must be Valid and the private key present.
# RevocationCheckFailure means the server cannot fetch the CA's CRL over HTTP (port 80; set the
# proxy with netsh winhttp set proxy), not that the certificate is bad.
$cert = Get-ExchangeCertificate -Server 'EXCH2' -Thumbprint 'E9677844C68E731E06BD10D9A7C5285D24AC594E'
if (-not $cert) { throw 'Certificate E9677844C68E731E06BD10D9A7C5285D24AC594E is not on EXCH2' }
if ($cert.Status -ne 'Valid') { throw 'Certificate E9677844C68E731E06BD10D9A7C5285D24AC594E is not Valid: see Status in Get-ExchangeCertificate | Format-List' }
if (-not $cert.HasPrivateKey) { throw 'Certificate E9677844C68E731E06BD10D9A7C5285D24AC594E has no private key on EXCH2: import the PFX, or complete the request on the server that made it' }
# Source: https://techcommunity.microsoft.com/blog/exchange/emc-and-certificates-with-failed-revocation-checks-in-exchange-2010/591628

# --- 2. Enable the certificate for IIS, POP, IMAP, SMTP ---
# Services are added to what the certificate already has; the previous certificate keeps its own
# until it is removed.
# Enabling IIS binds the certificate to the Default Web Site on port 443. It would also turn on
# "Require SSL" on the whole site, which breaks an http:// to https:// redirect on the site root;
# -DoNotRequireSsl leaves that setting as it is (the Exchange virtual directories keep their own SSL
# setting).
Enable-ExchangeCertificate -Server 'EXCH2' -Thumbprint 'E9677844C68E731E06BD10D9A7C5285D24AC594E' -Services IIS,POP,IMAP -DoNotRequireSsl
# Source: https://learn.microsoft.com/powershell/module/exchangepowershell/enable-exchangecertificate

# SMTP on its own step, without -Force. Exchange asks "Overwrite the existing default SMTP
# certificate?": answer N (No). The certificate is still enabled for SMTP, and STARTTLS on the names
# it covers uses it; No keeps the self-signed certificate as the default (internal transport)
# certificate, as Microsoft recommends. -Force would answer Yes silently. The prompt needs an
# interactive shell.
Enable-ExchangeCertificate -Server 'EXCH2' -Thumbprint 'E9677844C68E731E06BD10D9A7C5285D24AC594E' -Services SMTP

# --- 3. POP3 and IMAP4: select the certificate by name, then restart ---
# X509CertificateName is a host name, not a thumbprint: POP and IMAP use the certificate that covers
# exch2.acme.com. Without it they look for the server FQDN, which a public certificate no longer
# carries.
Set-PopSettings -Server 'EXCH2' -ExternalConnectionSettings 'exch2.acme.com:995:SSL','exch2.acme.com:110:TLS' -X509CertificateName 'exch2.acme.com'
Set-ImapSettings -Server 'EXCH2' -ExternalConnectionSettings 'exch2.acme.com:993:SSL','exch2.acme.com:143:TLS' -X509CertificateName 'exch2.acme.com'
# The change takes effect when the services restart. Only running services are restarted (POP and
# IMAP are off by default), and a service this server does not have is skipped.
Get-Service 'MSExchangePOP3','MSExchangeIMAP4' -ErrorAction SilentlyContinue | Where-Object { $_.Status -eq 'Running' } | Restart-Service
# Source: https://learn.microsoft.com/powershell/module/exchangepowershell/set-popsettings

# --- 4. Virtual directory URLs ---
# Outlook takes the EWS, OAB and MAPI URLs from Autodiscover (InternalUrl inside, ExternalUrl
# outside), so every URL must use a name on the certificate; the defaults use the server FQDN.
# Internal and external URLs are both exch2.acme.com: resolve it to the server inside (split DNS).
# Only the front-end "Default Web Site" directories are changed.
Set-OwaVirtualDirectory -Identity 'EXCH2\owa (Default Web Site)' -InternalUrl 'https://exch2.acme.com/owa' -ExternalUrl 'https://exch2.acme.com/owa'
Set-EcpVirtualDirectory -Identity 'EXCH2\ecp (Default Web Site)' -InternalUrl 'https://exch2.acme.com/ecp' -ExternalUrl 'https://exch2.acme.com/ecp'
Set-WebServicesVirtualDirectory -Identity 'EXCH2\EWS (Default Web Site)' -InternalUrl 'https://exch2.acme.com/EWS/Exchange.asmx' -ExternalUrl 'https://exch2.acme.com/EWS/Exchange.asmx'
Set-OabVirtualDirectory -Identity 'EXCH2\OAB (Default Web Site)' -InternalUrl 'https://exch2.acme.com/OAB' -ExternalUrl 'https://exch2.acme.com/OAB'
Set-ActiveSyncVirtualDirectory -Identity 'EXCH2\Microsoft-Server-ActiveSync (Default Web Site)' -InternalUrl 'https://exch2.acme.com/Microsoft-Server-ActiveSync' -ExternalUrl 'https://exch2.acme.com/Microsoft-Server-ActiveSync'
# Coexistence with Exchange 2003: OWA users whose mailbox is still on 2003 are redirected to
# legacy.acme.com, where the 2003 front end answers; install this certificate in IIS on the 2003
# front end too, so that name is covered there.
Set-OwaVirtualDirectory -Identity 'EXCH2\owa (Default Web Site)' -Exchange2003Url 'https://legacy.acme.com/exchange'
# Source: https://learn.microsoft.com/exchange/plan-and-deploy/post-installation-tasks/configure-mail-flow-and-client-access

# --- 5. Outlook Anywhere ---
# Exchange 2010: Outlook Anywhere is off unless someone enabled it (Enable-OutlookAnywhere); when it
# is on, its external host name must be on the certificate.
if (Get-OutlookAnywhere -Identity 'EXCH2\Rpc (Default Web Site)' -ErrorAction SilentlyContinue) {
    Set-OutlookAnywhere -Identity 'EXCH2\Rpc (Default Web Site)' -ExternalHostname 'exch2.acme.com'
} else {
    Write-Warning 'Outlook Anywhere is not enabled on EXCH2; when you enable it, use -ExternalHostname exch2.acme.com'
}
# No Set-OutlookProvider -CertPrincipalName (msstd:) change: the Common Name is the Outlook Anywhere
# host.

# --- 6. Autodiscover service connection point (SCP) ---
# Domain-joined Outlook finds Autodiscover through the SCP in Active Directory, which by default
# names the server FQDN; point it at autodiscover.acme.com, which the certificate covers and
# internal DNS must resolve. (Set-ClientAccessServer is the cmdlet in Exchange 2010.)
Set-ClientAccessServer -Identity 'EXCH2' -AutoDiscoverServiceInternalUri 'https://autodiscover.acme.com/Autodiscover/Autodiscover.xml'
# Source: https://learn.microsoft.com/exchange/architecture/client-access/autodiscover

# --- 7. Authentication on Autodiscover and EWS ---
# Outlook needs Windows (NTLM/Negotiate) authentication on Autodiscover and EWS inside the network
# and Basic outside; without it Outlook prompts for credentials and Out of Office and free/busy
# report the server unavailable. Both need the IIS features Web-Windows-Auth and Web-Basic-Auth
# (exchcert bind --prereqs). If you turned Basic off on purpose (modern authentication), drop
# -BasicAuthentication.
Set-AutodiscoverVirtualDirectory -Identity 'EXCH2\Autodiscover (Default Web Site)' -WindowsAuthentication $true -BasicAuthentication $true
Set-WebServicesVirtualDirectory -Identity 'EXCH2\EWS (Default Web Site)' -WindowsAuthentication $true -BasicAuthentication $true

# --- 8. Restart IIS ---
# IIS and OWA keep the old certificate (OWA cookie encryption among others) until they restart.
# /noforce does not kill IIS if a service will not stop in time.
iisreset /noforce

# --- 9. Read back ---
# Services should read IMAP, POP, IIS, SMTP (plus any the certificate had), Status Valid.
Get-ExchangeCertificate -Server 'EXCH2' -Thumbprint 'E9677844C68E731E06BD10D9A7C5285D24AC594E' | Format-List Thumbprint,Services,Status,CertificateDomains,NotAfter,HasPrivateKey,RootCAType
Get-OwaVirtualDirectory -Server 'EXCH2' | Format-List Identity,InternalUrl,ExternalUrl
Get-EcpVirtualDirectory -Server 'EXCH2' | Format-List Identity,InternalUrl,ExternalUrl
Get-WebServicesVirtualDirectory -Server 'EXCH2' | Format-List Identity,InternalUrl,ExternalUrl,WindowsAuthentication,BasicAuthentication
Get-AutodiscoverVirtualDirectory -Server 'EXCH2' | Format-List Identity,WindowsAuthentication,BasicAuthentication
Get-OabVirtualDirectory -Server 'EXCH2' | Format-List Identity,InternalUrl,ExternalUrl
Get-ActiveSyncVirtualDirectory -Server 'EXCH2' | Format-List Identity,InternalUrl,ExternalUrl
Get-ClientAccessServer -Identity 'EXCH2' | Format-List AutoDiscoverServiceInternalUri
Get-PopSettings -Server 'EXCH2' | Format-List X509CertificateName
Get-ImapSettings -Server 'EXCH2' | Format-List X509CertificateName
# Test-OutlookWebServices checks Autodiscover and the EWS, OAB and Outlook Anywhere URLs it returns,
# for one mailbox.
Test-OutlookWebServices -Identity (Read-Host 'A mailbox to test with (user@domain)') | Format-List
# Source: https://learn.microsoft.com/powershell/module/exchangepowershell/test-outlookwebservices

# --- 10. Afterwards ---
# Services are only ever added to a certificate, never taken away. Remove the old certificate
# (Remove-ExchangeCertificate -Thumbprint <old>) only when nothing refers to it any more: connectors
# (TlsCertificateName), POP/IMAP, IIS, and the other servers it is enabled on.
# Test from outside with the Microsoft Remote Connectivity Analyzer: https://testconnectivity.microsoft.com
