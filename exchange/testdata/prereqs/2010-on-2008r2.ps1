# Windows features for Exchange 2010 (Mailbox / Client Access) on Windows Server 2008 R2.
# Web-Basic-Auth and Web-Windows-Auth must be present for the Basic and Windows authentication that
# exchcert bind sets on Autodiscover and EWS; RPC-over-HTTP-proxy serves Outlook Anywhere.
# Source: https://learn.microsoft.com/previous-versions/office/exchange-server-2010/bb691354(v=exchg.141)
# Set-Service: the Client Access role needs the Net.Tcp Port Sharing service, which the
# NET-Framework feature brings; restart the server when Add-WindowsFeature says so (Microsoft's list
# adds -Restart, which would restart before Set-Service runs).
Import-Module ServerManager
Add-WindowsFeature NET-Framework,RSAT-ADDS,Web-Server,Web-Basic-Auth,Web-Windows-Auth,Web-Metabase,Web-Net-Ext,Web-Lgcy-Mgmt-Console,WAS-Process-Model,RSAT-Web-Server,Web-ISAPI-Ext,Web-Digest-Auth,Web-Dyn-Compression,NET-HTTP-Activation,Web-Asp-Net,Web-Client-Auth,Web-Dir-Browsing,Web-Http-Errors,Web-Http-Logging,Web-Http-Redirect,Web-Http-Tracing,Web-ISAPI-Filter,Web-Request-Monitor,Web-Static-Content,Web-WMI,RPC-Over-HTTP-Proxy
Set-Service NetTcpPortSharing -StartupType Automatic

# Not Windows features: download and install these too, in this order (the version each cumulative
# update needs is given):
# - Microsoft Office 2010 Filter Pack (64-bit): Hub Transport and Mailbox roles, every service pack
# (https://learn.microsoft.com/previous-versions/office/exchange-server-2010/bb691354(v=exchg.141))
