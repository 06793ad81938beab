rem Daily renewal of the Exchange certificate with exchcert, as SYSTEM (cmd.exe, elevated).
rem Source: https://learn.microsoft.com/windows-server/administration/windows-commands/schtasks-create
schtasks /Create /TN "exchcert renew mail.acme.com" /TR "\"C:\Program Files\exchcert\exchcert.exe\" acme renew --plan C:\exchcert\acme.plan.json --http-webroot C:\inetpub\wwwroot --windows 2019 --password-file C:\exchcert\pfx.pass --state-dir C:\exchcert --out-dir C:\exchcert\out --deploy" /SC DAILY /ST 03:17 /RU SYSTEM /RL HIGHEST /F
