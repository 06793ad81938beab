# Windows features for Exchange 2007 (Mailbox / Client Access) on Windows Server 2008.
# Web-Basic-Auth and Web-Windows-Auth must be present for the Basic and Windows authentication that
# exchcert bind sets on Autodiscover and EWS; RPC-over-HTTP-proxy serves Outlook Anywhere.
# Source: https://learn.microsoft.com/previous-versions/office/exchange-server-2007/bb691354(v=exchg.80)
# Exchange 2007 runs on Windows Server 2008 from SP1. Windows Server 2008 does not install Windows
# PowerShell, which this script needs: first run ServerManagerCmd -i PowerShell at a command prompt,
# then this script in Windows PowerShell.
# If this server prepares Active Directory (setup /PrepareSchema, /PrepareAD), run ServerManagerCmd
# -i RSAT-ADDS before everything else and restart the server when it says so.
# ServerManagerCmd exits 3010 when the server must restart and 1003 when everything is already
# installed; the script takes both as success
# (https://learn.microsoft.com/previous-versions/windows/it-pro/windows-vista/cc749128(v=ws.10)).
foreach ($feature in 'Web-Server', 'Web-ISAPI-Ext', 'Web-Metabase', 'Web-Lgcy-Mgmt-Console', 'Web-Basic-Auth', 'Web-Digest-Auth', 'Web-Windows-Auth', 'Web-Dyn-Compression', 'RPC-over-HTTP-proxy') {
    ServerManagerCmd -i $feature
    if ($LASTEXITCODE -ne 0 -and $LASTEXITCODE -ne 3010 -and $LASTEXITCODE -ne 1003) { throw "ServerManagerCmd -i $feature failed with exit code $LASTEXITCODE" }
}

# Not Windows features: the .NET Framework, Windows PowerShell and Windows updates each Exchange
# 2007 service pack needs are in the software requirements of https://learn.microsoft.com/previous-versions/office/exchange-server-2007/aa996719(v=exchg.80).
