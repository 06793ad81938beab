# Windows features for Exchange 2010 (Mailbox / Client Access) on Windows Server 2008.
# Web-Basic-Auth and Web-Windows-Auth must be present for the Basic and Windows authentication that
# exchcert bind sets on Autodiscover and EWS; RPC-over-HTTP-proxy serves Outlook Anywhere.
# Source: https://learn.microsoft.com/previous-versions/office/exchange-server-2010/bb691354(v=exchg.141)
# Windows Server 2008 SP2 has no Add-WindowsFeature: run ServerManagerCmd in the Scripts folder of
# the Exchange 2010 setup files, with the answer file for the roles (Exchange-Typical.xml: Client
# Access, Hub Transport and Mailbox), then restart the server when it says so.
# Windows Server 2008 SP2 does not install Windows PowerShell, which this script needs: install the
# Windows Management Framework (Windows PowerShell 2.0, listed below) first.
# ServerManagerCmd exits 3010 when the server must restart and 1003 when everything is already
# installed; the script takes both as success
# (https://learn.microsoft.com/previous-versions/windows/it-pro/windows-vista/cc749128(v=ws.10)).
# Set-Service: the Client Access role needs the Net.Tcp Port Sharing service.
ServerManagerCmd -ip Exchange-Typical.xml
if ($LASTEXITCODE -ne 0 -and $LASTEXITCODE -ne 3010 -and $LASTEXITCODE -ne 1003) { throw "ServerManagerCmd failed (exit code $LASTEXITCODE); run it in the Scripts folder of the Exchange 2010 setup files" }
Set-Service NetTcpPortSharing -StartupType Automatic

# Not Windows features: download and install these too, in this order (the version each cumulative
# update needs is given):
# - .NET Framework 3.5 SP1: Exchange 2010 RTM and later
# (https://learn.microsoft.com/previous-versions/office/exchange-server-2010/bb691354(v=exchg.141))
# - Windows Management Framework (Windows PowerShell 2.0 and WinRM 2.0): Exchange 2010 RTM and
# later; Windows Server 2008 R2 has it built in
# (https://learn.microsoft.com/previous-versions/office/exchange-server-2010/bb691354(v=exchg.141))
# - Microsoft Office 2010 Filter Pack (64-bit): Hub Transport and Mailbox roles, every service pack
# (https://learn.microsoft.com/previous-versions/office/exchange-server-2010/bb691354(v=exchg.141))
