# Daily renewal of the Exchange certificate with exchcert, as SYSTEM.
# Run once in an elevated Windows PowerShell on the Exchange server.
# Sources: https://learn.microsoft.com/powershell/module/scheduledtasks/register-scheduledtask
#          https://learn.microsoft.com/powershell/module/scheduledtasks/new-scheduledtaskprincipal
#          https://learn.microsoft.com/powershell/module/scheduledtasks/new-scheduledtasksettingsset
#
# The PFX password comes from C:\exchcert\pfx.pass, never from the command line. Only SYSTEM and
# Administrators may read it; this removes every other entry (https://learn.microsoft.com/windows-server/administration/windows-commands/icacls):
#   icacls C:\exchcert\pfx.pass /inheritance:r /grant:r SYSTEM:R /grant:r BUILTIN\Administrators:F

$action = New-ScheduledTaskAction -Execute 'C:\exchcert\exchcert.exe' -Argument 'acme renew --plan C:\exchcert\p.json --dns cloudflare --password-file C:\exchcert\pfx.pass' -WorkingDirectory 'C:\exchcert'
$trigger = New-ScheduledTaskTrigger -Daily -At '03:17'
# StartWhenAvailable: a missed run (the server was down) starts as soon as it can; IgnoreNew: never two renewals at once.
$settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -MultipleInstances IgnoreNew -ExecutionTimeLimit (New-TimeSpan -Hours 2)
$principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
Register-ScheduledTask -TaskName 'exchcert renew mail.acme.com' -Action $action -Trigger $trigger -Settings $settings -Principal $principal
# Test it now, then read the result (LastTaskResult 0 = renewed or not due):
Start-ScheduledTask -TaskName 'exchcert renew mail.acme.com'
Get-ScheduledTaskInfo -TaskName 'exchcert renew mail.acme.com' | Format-List LastRunTime,LastTaskResult,NextRunTime
