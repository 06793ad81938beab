rem Daily renewal of the Exchange certificate with exchcert, as SYSTEM (cmd.exe, elevated).
rem Source: https://learn.microsoft.com/windows-server/administration/windows-commands/schtasks-create
schtasks /Create /TN "exchcert renew mail.acme.com" /TR "C:\exchcert\exchcert.exe acme renew --plan C:\exchcert\p.json --dns cloudflare --password-file C:\exchcert\pfx.pass" /SC DAILY /ST 03:17 /RU SYSTEM /RL HIGHEST /F
