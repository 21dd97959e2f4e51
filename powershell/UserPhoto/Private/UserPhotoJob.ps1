# A bulk upload through the native job handle: items are added from `process`, events are
# polled from the pipeline thread (results written as they arrive, Write-Progress), and the
# job is freed in `end`, or in the caller's `finally` after a terminating error. When the
# pipeline is stopped (Ctrl+C) or fails elsewhere, neither is sure to run: a
# PipelineJobGuard (native/NativeMethods.cs) watching the cmdlet cancels and frees the job
# then. Freeing a running job cancels it: users not started are skipped, uploads already in
# flight finish in the background, and the job still writes its reports.
# The job goes to Microsoft Graph (-Client), Active Directory (-Directory) or both; it holds
# its own references to both handles, so the caller may dispose its own at once.
# Publish-UserPhoto and Sync-UserPhoto share Get-UserPhotoTargetAction and
# Start-UserPhotoTargetJob (the -Target Graph/ActiveDirectory logic).

function Get-UserPhotoTargetAction {
    # The ShouldProcess action for -Target: "Upload profile photo to Microsoft Graph and
    # write thumbnailPhoto in Active Directory".
    [OutputType([string])]
    param([Parameter(Mandatory)][string[]]$Target)
    $action = @(
        if ($Target -contains 'Graph') { 'upload profile photo to Microsoft Graph' }
        if ($Target -contains 'ActiveDirectory') { 'write thumbnailPhoto in Active Directory' }
    ) -join ' and '
    $action.Substring(0, 1).ToUpperInvariant() + $action.Substring(1)
}

function Start-UserPhotoTargetJob {
    # The job for a cmdlet's -Target: the Connect-UserPhoto client for Graph, a directory
    # connection from -Server/-Credential/... for ActiveDirectory, or both. Not being
    # connected and missing AD parameters are terminating errors (from the helpers).
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [Parameter(Mandatory)][string[]]$Target,
        [System.Management.Automation.PSCredential]$Credential,
        [string]$Server,
        [string]$SearchBase,
        [string]$CaCertificatePath,
        [switch]$StartTls,
        [int]$MaxBytes,
        [Parameter(Mandatory)][string]$Activity,
        [string]$JournalPath,
        [switch]$Force,
        [int]$ThrottleLimit,
        [string]$Crop,
        [switch]$RequireFace,
        [switch]$SkipChecks,
        [string]$ReportCsvPath,
        [string]$ReportJsonPath
    )
    $client = $null
    $directory = $null
    if ($Target -contains 'Graph') { $client = Get-UserPhotoClient -Cmdlet $Cmdlet }
    try {
        if ($Target -contains 'ActiveDirectory') {
            $directory = New-UserPhotoDirectory -Cmdlet $Cmdlet -Server $Server -Credential $Credential `
                -SearchBase $SearchBase -CaCertificatePath $CaCertificatePath -StartTls:$StartTls -MaxBytes $MaxBytes
        }
        Start-UserPhotoJob -Cmdlet $Cmdlet -Client $client -Directory $directory -Activity $Activity `
            -JournalPath $JournalPath -Force:$Force -ThrottleLimit $ThrottleLimit -Crop $Crop -RequireFace:$RequireFace -SkipChecks:$SkipChecks `
            -ReportCsvPath $ReportCsvPath -ReportJsonPath $ReportJsonPath
    } finally {
        # The job holds its own reference to the directory connection.
        if ($directory) { $directory.Dispose() }
    }
}

function Start-UserPhotoJob {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [UserPhoto.Native.UpClientHandle]$Client,
        [UserPhoto.Native.UpDirectoryHandle]$Directory,
        [Parameter(Mandatory)][string]$Activity,
        [string]$JournalPath,
        [switch]$Force,
        [int]$ThrottleLimit,
        [string]$Crop,
        [switch]$RequireFace,
        [switch]$SkipChecks,
        # Reports the job writes when it finishes (the columns of `userphoto sync`).
        [string]$ReportCsvPath,
        [string]$ReportJsonPath
    )
    $options = @{ force = [bool]$Force }
    if ($JournalPath) { $options.journal = $JournalPath }
    if ($ReportCsvPath) { $options.report_csv = $ReportCsvPath }
    if ($ReportJsonPath) { $options.report_json = $ReportJsonPath }
    if ($ThrottleLimit) { $options.workers = $ThrottleLimit }
    $render = @{}
    if ($Crop) { $render.crop = $Crop.ToLowerInvariant() }
    if ($RequireFace) { $render.refuse = @('no-face', 'several-faces') }
    if ($SkipChecks) { $render.skip_checks = $true }
    if ($render.Count) { $options.render = $render }
    $json = ConvertTo-Json -InputObject $options -Depth 5 -Compress
    if ($Directory) {
        $call = Invoke-UserPhotoNative -Method StartJobTo -Argument $Client, $Directory, $json -TargetObject $JournalPath
    } else {
        $call = Invoke-UserPhotoNative -Method StartJob -Argument $Client, $json -TargetObject $JournalPath
    }
    # A journal that cannot be opened or bad options: nothing can proceed.
    if ($call.ErrorRecord) { $Cmdlet.ThrowTerminatingError($call.ErrorRecord) }
    $job = $call.Value
    @{
        Job = $job
        Guard = [UserPhoto.Native.PipelineJobGuard]::Watch($Cmdlet, $job)
        Activity = $Activity
        Submitted = 0
        Done = 0
        Finished = $false
        DirectoryStopped = $false
        # Users whose photo checks were shown (once per user, not once per destination).
        Checked = New-Object 'System.Collections.Generic.HashSet[string]'
        Summary = $null
        Reports = @(@($ReportCsvPath, $ReportJsonPath) | Where-Object { $_ })
    }
}

function Add-UserPhotoJobItem {
    # Queues one user's photo; a refused item is that user's error, not the batch's.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][hashtable]$State,
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [Parameter(Mandatory)][string]$User,
        [Parameter(Mandatory)][psobject]$Source
    )
    if ($null -ne $Source.Bytes) {
        $call = Invoke-UserPhotoNative -Method AddBytes -Argument $State.Job, $User, $Source.Bytes -TargetObject $User
    } else {
        $call = Invoke-UserPhotoNative -Method AddFile -Argument $State.Job, $User, $Source.Path -TargetObject $User
    }
    if ($call.ErrorRecord) { $Cmdlet.WriteError($call.ErrorRecord) } else { $State.Submitted++ }
}

function Receive-UserPhotoJob {
    # Waits up to TimeoutMs for the first event, then takes whatever else is ready. Writes one
    # result object per user (and an error record for a failed one) and updates progress.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][hashtable]$State,
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [int]$TimeoutMs = 0
    )
    $eventJson = $null
    while ([UserPhoto.Native.Api]::Poll($State.Job, [uint32]$TimeoutMs, [ref]$eventJson)) {
        if ($null -eq $eventJson) { return }
        $TimeoutMs = 0
        $e = ConvertFrom-Json -InputObject $eventJson
        switch ($e.event) {
            'progress' {
                $State.Done = [Math]::Max($State.Done, [int]$e.done)
                $State.Submitted = [Math]::Max($State.Submitted, [int]$e.submitted)
            }
            'result' {
                # Progress counts users; a user gets one result per destination, and the
                # progress event after them.
                ConvertTo-UserPhotoResult -JobEvent $e
                if (@($e.checks).Count -and $State.Checked.Add([string]$e.user)) {
                    foreach ($c in @($e.checks)) { Write-Warning ('{0}: {1} [{2}]' -f $e.user, $c.message, $c.code) }
                }
                if ($e.status -eq 'failed') {
                    $Cmdlet.WriteError((New-UserPhotoErrorRecord -Reason $e.error_code -Message $e.error -TargetObject $e.user))
                    if ((Test-UserPhotoDirectoryStop -Reason $e.error_code) -and -not $State.DirectoryStopped) {
                        # The library tries no further user in AD after this (failed binds
                        # can lock the account out); they come back Skipped for it.
                        $State.DirectoryStopped = $true
                        Write-Warning ('Active Directory: {0} The remaining users are skipped for Active Directory.' -f $e.error)
                    }
                }
            }
            'finished' {
                $State.Summary = $e
                if ($e.report_error) {
                    # The photos are published; only the report is missing. Not terminating,
                    # but an error, so that a scheduled job's $Error and exit code show it.
                    $Cmdlet.WriteError((New-UserPhotoErrorRecord -Reason 'report-not-written' -Message $e.report_error `
                        -TargetObject ($State.Reports -join ', ')))
                }
            }
        }
        if ($State.Submitted -gt 0) {
            $percent = [Math]::Min(100, [int](100 * $State.Done / $State.Submitted))
            Write-Progress -Activity $State.Activity -Status ('{0} of {1} users' -f $State.Done, $State.Submitted) -PercentComplete $percent
        }
    }
    $State.Finished = $true
}

function Complete-UserPhotoJob {
    # No more items: polls until the job has reported every user.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][hashtable]$State,
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet
    )
    [UserPhoto.Native.Api]::CloseJob($State.Job)
    while (-not $State.Finished) {
        Receive-UserPhotoJob -State $State -Cmdlet $Cmdlet -TimeoutMs 250
    }
    Write-Progress -Activity $State.Activity -Completed
}

function Stop-UserPhotoJob {
    # Frees the job (cancelling it when it has not finished). Safe to call twice. A job stopped
    # early (a terminating error) reports the users not started as Skipped (cancelled) and
    # still writes its reports when the uploads already running end.
    param([hashtable]$State)
    if (-not $State) { return }
    if ($State.Guard) { $State.Guard.Dispose() }
    if ($State.Job -and -not $State.Job.IsClosed) {
        if (-not $State.Finished) {
            try { [UserPhoto.Native.Api]::CancelJob($State.Job) } catch { $null = $_ }
        }
        $State.Job.Dispose()
        Write-Progress -Activity $State.Activity -Completed
    }
}

function ConvertTo-UserPhotoResult {
    param([Parameter(Mandatory)][psobject]$JobEvent)
    $status = [string]$JobEvent.status
    if ($status) { $status = $status.Substring(0, 1).ToUpperInvariant() + $status.Substring(1) }
    [pscustomobject]@{
        PSTypeName = 'UserPhoto.PublishResult'
        User = $JobEvent.user
        Destination = $JobEvent.destination
        Status = $status
        Source = $JobEvent.source
        Bytes = $JobEvent.bytes
        Width = $JobEvent.width
        Height = $JobEvent.height
        Quality = $JobEvent.quality
        Attempts = $JobEvent.attempts
        ErrorCode = $JobEvent.error_code
        Error = $JobEvent.error
        Crop = $JobEvent.crop
        Checks = @(ConvertTo-UserPhotoCheck $JobEvent.checks)
    }
}

function ConvertTo-UserPhotoCheck {
    # Photo checks (warnings with stable codes) as objects: Code, Message.
    param([object[]]$Checks)
    foreach ($c in @($Checks)) {
        if ($null -eq $c) { continue }
        [pscustomobject]@{ PSTypeName = 'UserPhoto.PhotoCheck'; Code = $c.code; Message = $c.message }
    }
}
