# Windows features for Exchange 2013 (Mailbox / Client Access) on Windows Server 2008 R2.
# Web-Basic-Auth and Web-Windows-Auth must be present for the Basic and Windows authentication that
# exchcert bind sets on Autodiscover and EWS; RPC-over-HTTP-proxy serves Outlook Anywhere.
# Source: https://learn.microsoft.com/exchange/exchange-2013-prerequisites-exchange-2013-help
Import-Module ServerManager
Add-WindowsFeature Desktop-Experience,NET-Framework,NET-HTTP-Activation,RPC-over-HTTP-proxy,RSAT-Clustering,RSAT-Web-Server,WAS-Process-Model,Web-Asp-Net,Web-Basic-Auth,Web-Client-Auth,Web-Digest-Auth,Web-Dir-Browsing,Web-Dyn-Compression,Web-Http-Errors,Web-Http-Logging,Web-Http-Redirect,Web-Http-Tracing,Web-ISAPI-Ext,Web-ISAPI-Filter,Web-Lgcy-Mgmt-Console,Web-Metabase,Web-Mgmt-Console,Web-Mgmt-Service,Web-Net-Ext,Web-Request-Monitor,Web-Server,Web-Stat-Compression,Web-Static-Content,Web-Windows-Auth,Web-WMI,RSAT-ADDS

# Not Windows features: download and install these too, in this order (the version each cumulative
# update needs is given):
# - .NET Framework 4.8: CU23 (which needs at least 4.7.2 installed first); 4.7.2 for CU21-CU22,
# 4.7.1 for CU19-CU20
# (https://learn.microsoft.com/exchange/plan-and-deploy/supportability-matrix#microsoft-net-framework)
# - Windows Management Framework 4.0: every CU (Windows Server 2012 R2 has it built in)
# (https://learn.microsoft.com/exchange/exchange-2013-prerequisites-exchange-2013-help)
# - Unified Communications Managed API 4.0, Core Runtime 64-bit: every CU
# (https://www.microsoft.com/download/details.aspx?id=34992)
# - Visual C++ Redistributable for Visual Studio 2012: every CU
# (https://www.microsoft.com/download/details.aspx?id=30679)
# - Visual C++ Redistributable for Visual Studio 2013: every CU (Mailbox role)
# (https://support.microsoft.com/help/4032938)
# - KB974405 (Windows Identity Foundation): every CU on Windows Server 2008 R2 SP1
# (https://learn.microsoft.com/exchange/exchange-2013-prerequisites-exchange-2013-help)
# - KB2619234 (RPC over HTTP association cookie): every CU on Windows Server 2008 R2 SP1
# (https://learn.microsoft.com/exchange/exchange-2013-prerequisites-exchange-2013-help)
# - KB2533623 (insecure library loading): every CU on Windows Server 2008 R2 SP1
# (https://learn.microsoft.com/exchange/exchange-2013-prerequisites-exchange-2013-help)
