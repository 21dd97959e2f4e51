function Invoke-UserPhotoTenantAudit {
    # Test-UserPhoto -Tenant: an audit job on the Connect-UserPhoto client, polled like a sync
    # job (UserPhotoJob.ps1): one object per listed user (a problem, a photo check or a failed
    # read) as its batch of 20 is read, or the whole report with -AsReport. A user that could
    # not be read is also a non-terminating error, and so is a report or sheet that could not
    # be written (the audit is complete); an audit that stopped (Graph refused the listing) is
    # a terminating error after the users already read. A PipelineJobGuard cancels and frees
    # the job when the pipeline is stopped.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [string]$Filter,
        [switch]$IncludeDisabled,
        [switch]$CheckPhotos,
        [string]$ReportPath,
        [string]$ReportJsonPath,
        [string]$ContactSheetPath,
        [switch]$AsReport
    )
    $client = Get-UserPhotoClient -Cmdlet $Cmdlet
    $options = @{ include_disabled = [bool]$IncludeDisabled; photos = [bool]$CheckPhotos }
    if ($Filter) { $options.filter = $Filter }
    $outputs = @()
    foreach ($o in @(@('report_csv', $ReportPath), @('report_json', $ReportJsonPath), @('contact_sheet', $ContactSheetPath))) {
        if (-not $o[1]) { continue }
        $options[$o[0]] = $Cmdlet.GetUnresolvedProviderPathFromPSPath($o[1])
        $outputs += $options[$o[0]]
    }
    $call = Invoke-UserPhotoNative -Method StartAudit -Argument $client, (ConvertTo-Json -InputObject $options -Compress) `
        -TargetObject ($outputs -join ', ')
    # Bad options (a report in a folder that does not exist): nothing was read.
    if ($call.ErrorRecord) { $Cmdlet.ThrowTerminatingError($call.ErrorRecord) }
    $job = $call.Value
    $guard = [UserPhoto.Native.PipelineJobGuard]::Watch($Cmdlet, $job)
    $activity = 'Auditing profile photos in Microsoft Graph'
    $summary = $null
    $entries = New-Object 'System.Collections.Generic.List[object]'
    try {
        $eventJson = $null
        while ([UserPhoto.Native.Api]::Poll($job, [uint32]250, [ref]$eventJson)) {
            if ($null -eq $eventJson) { continue }
            $e = ConvertFrom-Json -InputObject $eventJson
            switch ($e.event) {
                'progress' {
                    Write-Progress -Activity $activity -Status ('{0} users audited of {1} listed so far' -f $e.done, $e.submitted)
                }
                'result' {
                    if ($e.error) {
                        $Cmdlet.WriteError((New-UserPhotoErrorRecord -Reason $e.error_code -Message $e.error -TargetObject $e.user))
                    }
                    # Users without a problem are counted, not written.
                    if ($e.error -or @($e.problems).Count -or @($e.checks).Count) {
                        $entry = [pscustomobject]@{
                            PSTypeName = 'UserPhoto.TenantAuditEntry'
                            User = $e.user
                            Id = $e.id
                            DisplayName = $e.display_name
                            Width = $e.width
                            Height = $e.height
                            ContentType = $e.content_type
                            Problems = @($e.problems)
                            Checks = @(ConvertTo-UserPhotoCheck $e.checks)
                            Detail = $e.detail
                            ErrorCode = $e.error_code
                            Error = $e.error
                        }
                        if ($AsReport) { $entries.Add($entry) } else { $entry }
                    }
                }
                'finished' { $summary = $e }
            }
        }
    } finally {
        # Also reached when a downstream command stops the pipeline: freeing a running audit
        # cancels it, reads in flight included (no sheet or report is written then).
        $guard.Dispose()
        $job.Dispose()
        Write-Progress -Activity $activity -Completed
    }
    if (-not $summary) { return }
    if ($summary.error) {
        $Cmdlet.ThrowTerminatingError((New-UserPhotoErrorRecord -Reason $summary.error_code -Message $summary.error `
            -TargetObject $summary.graph_endpoint))
    }
    if ($summary.report_error) {
        $Cmdlet.WriteError((New-UserPhotoErrorRecord -Reason 'report-not-written' -Message $summary.report_error `
            -TargetObject ($outputs -join ', ')))
    }
    $counts = {
        param($map)
        $h = [ordered]@{}
        if ($map) { foreach ($p in $map.PSObject.Properties) { $h[$p.Name] = [int]$p.Value } }
        $h
    }
    Write-Verbose ('Audit of {0}: {1} users, {2} with a photo, {3} listed, {4} failed, {5} requests.' -f `
        $summary.graph_endpoint, $summary.users, $summary.with_photo, $summary.listed, $summary.failed, $summary.requests)
    if (-not $AsReport) { return }
    [pscustomobject]@{
        PSTypeName = 'UserPhoto.TenantAudit'
        GraphEndpoint = $summary.graph_endpoint
        Users = $summary.users
        WithPhoto = $summary.with_photo
        Listed = $summary.listed
        Failed = $summary.failed
        Requests = $summary.requests
        Problems = & $counts $summary.problems
        Checks = & $counts $summary.checks
        Entries = $entries.ToArray()
    }
}
