function Invoke-UserPhotoDirectoryAudit {
    # Test-UserPhoto -Directory: one audit call (the library pages through the directory),
    # then one object per listed user, or the whole report with -AsReport. A directory that
    # cannot be read is a terminating error; a failed fix is that user's error.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [string]$Server,
        [System.Management.Automation.PSCredential]$Credential,
        [string]$SearchBase,
        [string]$CaCertificatePath,
        [switch]$StartTls,
        [int]$MaxBytes,
        [switch]$Fix,
        [switch]$IncludeDisabled,
        [switch]$ExcludeMissing,
        [string]$ContactSheetPath,
        [string]$ReportPath,
        [string]$ReportJsonPath,
        [switch]$AsReport
    )
    $options = @{ include_missing = -not $ExcludeMissing; include_disabled = [bool]$IncludeDisabled; fix = $false }
    if ($MaxBytes) { $options.max_bytes = $MaxBytes }
    foreach ($o in @(@('contact_sheet', $ContactSheetPath), @('report_csv', $ReportPath), @('report_json', $ReportJsonPath))) {
        if ($o[1]) { $options[$o[0]] = $Cmdlet.GetUnresolvedProviderPathFromPSPath($o[1]) }
    }
    $directory = New-UserPhotoDirectory -Cmdlet $Cmdlet -Server $Server -Credential $Credential -SearchBase $SearchBase `
        -CaCertificatePath $CaCertificatePath -StartTls:$StartTls -MaxBytes $MaxBytes
    try {
        if ($Fix) {
            $scope = $SearchBase
            if (-not $scope) { $scope = 'the domain' }
            $what = 'Re-encode and rewrite the oversized, non-JPEG and non-square thumbnailPhotos'
            # -WhatIf (or No at -Confirm): the same audit without writing anything.
            $options.fix = $Cmdlet.ShouldProcess($scope, $what)
        }
        Write-Progress -Activity 'Auditing thumbnailPhoto in Active Directory' -Status $(if ($SearchBase) { $SearchBase } else { 'the domain' })
        try {
            $call = Invoke-UserPhotoNative -Method DirectoryAudit -Argument $directory, (ConvertTo-Json -InputObject $options -Compress) -TargetObject $SearchBase
        } finally {
            Write-Progress -Activity 'Auditing thumbnailPhoto in Active Directory' -Completed
        }
        if ($call.ErrorRecord) { $Cmdlet.ThrowTerminatingError($call.ErrorRecord) }
        $report = ConvertFrom-Json $call.Value
    } finally {
        $directory.Dispose()
    }
    if ($report.report_error) {
        # The audit (and any fix) went through; only a report is missing.
        $Cmdlet.WriteError((New-UserPhotoErrorRecord -Reason 'report-not-written' -Message $report.report_error `
            -TargetObject ((@($ReportPath, $ReportJsonPath) | Where-Object { $_ }) -join ', ')))
    }
    Write-Verbose ('Audit of {0} on {1}: {2} users scanned, {3} with a thumbnailPhoto, {4} listed, {5} fixed, {6} fixes failed.' -f `
        $report.search_base, $report.server, $report.scanned, $report.with_photo, $report.listed, $report.fixed, $report.fix_failed)
    $entries = @(foreach ($e in $report.entries) {
        $fixStatus = $null
        if ($e.fix) {
            $fixStatus = [string]$e.fix.status
            if ($fixStatus) { $fixStatus = $fixStatus.Substring(0, 1).ToUpperInvariant() + $fixStatus.Substring(1) }
            if ($e.fix.status -eq 'failed') {
                $Cmdlet.WriteError((New-UserPhotoErrorRecord -Reason $e.fix.error_code -Message $e.fix.error -TargetObject $e.user))
            }
        }
        [pscustomobject]@{
            PSTypeName = 'UserPhoto.DirectoryAuditEntry'
            User = $e.user
            DistinguishedName = $e.dn
            Bytes = $e.bytes
            Format = $e.format
            Width = $e.width
            Height = $e.height
            Problems = @($e.problems)
            Detail = $e.detail
            FixStatus = $fixStatus
            FixBytes = $(if ($e.fix) { $e.fix.bytes })
            FixErrorCode = $(if ($e.fix) { $e.fix.error_code })
            FixError = $(if ($e.fix) { $e.fix.error })
        }
    })
    if (-not $AsReport) { return $entries }
    [pscustomobject]@{
        PSTypeName = 'UserPhoto.DirectoryAudit'
        Server = $report.server
        SearchBase = $report.search_base
        MaxBytes = $report.max_bytes
        Scanned = $report.scanned
        WithPhoto = $report.with_photo
        Listed = $report.listed
        Fixed = $report.fixed
        FixFailed = $report.fix_failed
        Entries = $entries
    }
}
