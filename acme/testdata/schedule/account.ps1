# Daily renewal of the Exchange certificate with exchcert, as ACME\svc-exchcert.
# Run once in an elevated Windows PowerShell on the Exchange server.
# Sources: https://learn.microsoft.com/powershell/module/scheduledtasks/register-scheduledtask
#          https://learn.microsoft.com/powershell/module/scheduledtasks/new-scheduledtaskprincipal
#          https://learn.microsoft.com/powershell/module/scheduledtasks/new-scheduledtasksettingsset
#
# The PFX password comes from C:\exchcert\pfx.pass, never from the command line. Only ACME\svc-exchcert and
# Administrators may read it; this removes every other entry (https://learn.microsoft.com/windows-server/administration/windows-commands/icacls):
#   icacls C:\exchcert\pfx.pass /inheritance:r /grant:r ACME\svc-exchcert:R /grant:r BUILTIN\Administrators:F

$action = New-ScheduledTaskAction -Execute 'C:\Program Files\exchcert\exchcert.exe' -Argument 'acme renew --plan C:\exchcert\acme.plan.json --http-webroot C:\inetpub\wwwroot --windows 2019 --password-file C:\exchcert\pfx.pass --state-dir C:\exchcert --out-dir C:\exchcert\out --deploy' -WorkingDirectory 'C:\Program Files\exchcert'
$trigger = New-ScheduledTaskTrigger -Daily -At '03:17'
# StartWhenAvailable: a missed run (the server was down) starts as soon as it can; IgnoreNew: never two renewals at once.
$settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -MultipleInstances IgnoreNew -ExecutionTimeLimit (New-TimeSpan -Hours 2)
# The account's Windows password is asked for here and stored by Task Scheduler ("Run whether user is logged on or not"); it is not the PFX password.
$cred = Get-Credential -UserName 'ACME\svc-exchcert' -Message 'Password of the account the renewal runs as'
Register-ScheduledTask -TaskName 'exchcert renew mail.acme.com' -Action $action -Trigger $trigger -Settings $settings -RunLevel Highest -User $cred.UserName -Password $cred.GetNetworkCredential().Password
# Test it now, then read the result (LastTaskResult 0 = renewed or not due):
Start-ScheduledTask -TaskName 'exchcert renew mail.acme.com'
Get-ScheduledTaskInfo -TaskName 'exchcert renew mail.acme.com' | Format-List LastRunTime,LastTaskResult,NextRunTime
