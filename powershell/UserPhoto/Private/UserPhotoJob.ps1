# A bulk upload through the native job handle: items are added from `process`, events are
# polled from the pipeline thread (results written as they arrive, Write-Progress), and the
# job is freed in `end` or, when the pipeline stops (Ctrl+C), in the caller's `finally`
# (freeing a running job cancels it; uploads already in flight finish in the background).
# The job goes to Microsoft Graph (-Client), Active Directory (-Directory) or both; it holds
# its own references to both handles, so the caller may dispose its own at once.

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
        [string]$Crop
    )
    $options = @{ force = [bool]$Force }
    if ($JournalPath) { $options.journal = $JournalPath }
    if ($ThrottleLimit) { $options.workers = $ThrottleLimit }
    if ($Crop) { $options.render = @{ crop = $Crop.ToLowerInvariant() } }
    $json = ConvertTo-Json -InputObject $options -Compress
    try {
        if ($Directory) {
            $job = [UserPhoto.Native.Api]::StartJobTo($Client, $Directory, $json)
        } else {
            $job = [UserPhoto.Native.Api]::StartJob($Client, $json)
        }
    } catch {
        # A journal that cannot be opened or bad options: nothing can proceed.
        $Cmdlet.ThrowTerminatingError((ConvertTo-UserPhotoErrorRecord -Caught $_ -TargetObject $JournalPath))
    }
    @{
        Job = $job
        Activity = $Activity
        Submitted = 0
        Done = 0
        Finished = $false
        Cancelled = $false
        Summary = $null
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
    try {
        if ($null -ne $Source.Bytes) {
            [UserPhoto.Native.Api]::AddBytes($State.Job, $User, $Source.Bytes)
        } else {
            [UserPhoto.Native.Api]::AddFile($State.Job, $User, $Source.Path)
        }
        $State.Submitted++
    } catch [UserPhoto.Native.UserPhotoException] {
        $Cmdlet.WriteError((ConvertTo-UserPhotoErrorRecord -Caught $_ -TargetObject $User))
    }
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
                if ($e.status -eq 'failed') {
                    $Cmdlet.WriteError((New-UserPhotoErrorRecord -Reason $e.error_code -Message $e.error -TargetObject $e.user))
                    if ((Test-UserPhotoDirectoryStop -Reason $e.error_code) -and -not $State.Cancelled) {
                        # Every further bind would fail the same way, and failed binds can
                        # lock the account out: stop the run (the rest are reported Skipped).
                        $State.Cancelled = $true
                        [UserPhoto.Native.Api]::CancelJob($State.Job)
                        Write-Warning ('Stopping the run: {0} The remaining users are skipped.' -f $e.error)
                    }
                }
            }
            'finished' { $State.Summary = $e }
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
    # Frees the job (cancelling it when it has not finished). Safe to call twice.
    param([hashtable]$State)
    if ($State -and $State.Job) {
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
    }
}
