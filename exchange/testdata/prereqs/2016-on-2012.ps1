# Windows features for Exchange 2016 (Mailbox / Client Access) on Windows Server 2012.
# Web-Basic-Auth and Web-Windows-Auth must be present for the Basic and Windows authentication that
# exchcert bind sets on Autodiscover and EWS; RPC-over-HTTP-proxy serves Outlook Anywhere.
# Source: https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites
Install-WindowsFeature AS-HTTP-Activation, Server-Media-Foundation, NET-Framework-45-Features, RPC-over-HTTP-proxy, RSAT-Clustering, RSAT-Clustering-CmdInterface, RSAT-Clustering-Mgmt, RSAT-Clustering-PowerShell, WAS-Process-Model, Web-Asp-Net45, Web-Basic-Auth, Web-Client-Auth, Web-Digest-Auth, Web-Dir-Browsing, Web-Dyn-Compression, Web-Http-Errors, Web-Http-Logging, Web-Http-Redirect, Web-Http-Tracing, Web-ISAPI-Ext, Web-ISAPI-Filter, Web-Lgcy-Mgmt-Console, Web-Metabase, Web-Mgmt-Console, Web-Mgmt-Service, Web-Net-Ext45, Web-Request-Monitor, Web-Server, Web-Stat-Compression, Web-Static-Content, Web-Windows-Auth, Web-WMI, Windows-Identity-Foundation, RSAT-ADDS

# Not Windows features: download and install these too, in this order (the version each cumulative
# update needs is given):
# - .NET Framework 4.8: CU13 and later (the only one from CU15); 4.7.2 for CU11-CU12, 4.7.1 for
# CU8-CU10
# (https://learn.microsoft.com/exchange/plan-and-deploy/supportability-matrix#microsoft-net-framework)
# - Visual C++ Redistributable for Visual Studio 2012: every CU
# (https://www.microsoft.com/download/details.aspx?id=30679)
# - Visual C++ Redistributable for Visual Studio 2013: every CU (Mailbox role)
# (https://support.microsoft.com/help/4032938)
# - Unified Communications Managed API 4.0, Core Runtime 64-bit: every CU
# (https://www.microsoft.com/download/details.aspx?id=34992)
# - IIS URL Rewrite Module 2.1: CU22 and later
# (https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites)
