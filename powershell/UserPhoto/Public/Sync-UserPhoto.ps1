function Sync-UserPhoto {
    <#
    .SYNOPSIS
    Brings Microsoft 365 profile photos in line with a folder or CSV feed, incrementally.

    .DESCRIPTION
    Runs a bulk upload over a feed: a folder where each file is named after its user
    (adele.vance@contoso.com.jpg), or a CSV with a user column (UserPrincipalName, UPN,
    Identity, User, Id, ObjectId or Mail) and a path column (Path, FullName, Photo,
    PhotoPath or File; relative paths are relative to the CSV). Every photo is rendered for
    Graph and uploaded through one native job, with progress and one result per user.

    With -JournalPath the run is incremental and resumable: the journal keeps each user's
    source and rendition hashes, so unchanged photos are skipped (Status Unchanged) and a
    run that was killed resumes without uploading anyone twice. -ReportPath writes the
    results as CSV. Failed users are non-terminating errors (UserPhoto.<Reason>, the user
    as target), as with Publish-UserPhoto.

    .PARAMETER CsvPath
    The CSV feed.

    .PARAMETER Folder
    The folder feed: JPEG, PNG, GIF, BMP and WebP files named <user>.<extension>.

    .PARAMETER UserColumn
    The CSV column holding the user, when it is not one of the usual names.

    .PARAMETER PathColumn
    The CSV column holding the photo path, when it is not one of the usual names.

    .PARAMETER JournalPath
    The SQLite journal that makes runs incremental and resumable (created when missing).

    .PARAMETER ReportPath
    A CSV file to write the per-user results to.

    .PARAMETER Force
    Upload every photo, even those the journal says are unchanged.

    .PARAMETER ThrottleLimit
    Users processed at once.

    .PARAMETER Crop
    Centre (default): a square from the middle of the photo; None: fit the whole photo.

    .EXAMPLE
    Sync-UserPhoto -CsvPath .\hr-export.csv -JournalPath .\photos.sqlite -ReportPath .\report.csv

    Uploads new and changed photos listed in an HR export; run it again and nothing is uploaded twice.

    .EXAMPLE
    Connect-UserPhoto -TenantId contoso.onmicrosoft.com -ClientId $appId -CertificatePath C:\Jobs\app.pem
    Sync-UserPhoto -Folder \\fileserver\photos -JournalPath C:\Jobs\photos.sqlite | Where-Object Status -eq 'Failed'

    A scheduled job over a shared folder, with a certificate, listing only the failures.

    .EXAMPLE
    Sync-UserPhoto -CsvPath .\feed.csv -UserColumn EmployeeEmail -PathColumn PictureFile -WhatIf

    Shows which users a CSV with its own column names would update.

    .OUTPUTS
    UserPhoto.PublishResult, one per user: User, Destination, Status (Uploaded, Unchanged,
    Failed, Skipped), Source, Bytes, Width, Height, Quality, Attempts, ErrorCode, Error.
    #>
    [CmdletBinding(DefaultParameterSetName = 'Csv', SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('UserPhoto.PublishResult')]
    param(
        [Parameter(Mandatory, Position = 0, ParameterSetName = 'Csv')]
        [string]$CsvPath,

        [Parameter(Mandatory, ParameterSetName = 'Folder')]
        [string]$Folder,

        [Parameter(ParameterSetName = 'Csv')]
        [string]$UserColumn,

        [Parameter(ParameterSetName = 'Csv')]
        [string]$PathColumn,

        [string]$JournalPath,

        [string]$ReportPath,

        [switch]$Force,

        [ValidateRange(1, 64)]
        [int]$ThrottleLimit,

        [ValidateSet('Centre', 'None')]
        [string]$Crop
    )
    # The feed as (User, Path) items.
    if ($PSCmdlet.ParameterSetName -eq 'Folder') {
        $dir = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Folder)
        $items = Get-ChildItem -LiteralPath $dir -File |
            Where-Object { $_.Extension -match '^\.(jpe?g|png|gif|bmp|webp)$' } |
            ForEach-Object { New-Object psobject -Property @{ User = $_.BaseName; Path = $_.FullName } }
    } else {
        $csv = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($CsvPath)
        $rows = @(Import-Csv -LiteralPath $csv)
        $columns = @()
        if ($rows.Count) { $columns = @($rows[0].PSObject.Properties.Name) }
        $pick = {
            param($given, $names, $what)
            if ($given) { $names = @($given) }
            foreach ($n in $names) { foreach ($c in $columns) { if ($c -eq $n) { return $c } } }
            if ($rows.Count) {
                $PSCmdlet.ThrowTerminatingError((New-UserPhotoErrorRecord -Reason 'invalid-options' -TargetObject $csv `
                    -Message ("{0}: no {1} column (looked for {2})" -f $csv, $what, ($names -join ', '))))
            }
        }
        $userCol = & $pick $UserColumn @('UserPrincipalName', 'UPN', 'Identity', 'User', 'Id', 'ObjectId', 'Mail') 'user'
        $pathCol = & $pick $PathColumn @('Path', 'FullName', 'Photo', 'PhotoPath', 'File') 'path'
        $base = Split-Path -Parent $csv
        $items = foreach ($row in $rows) {
            $p = $row.$pathCol
            if ($p -and -not [IO.Path]::IsPathRooted($p)) { $p = Join-Path $base $p }
            New-Object psobject -Property @{ User = $row.$userCol; Path = $p }
        }
    }
    if ($JournalPath) { $JournalPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($JournalPath) }

    $results = New-Object System.Collections.Generic.List[object]
    $state = $null
    try {
        foreach ($item in $items) {
            if (-not $item.User -or -not $item.Path) {
                $PSCmdlet.WriteError((New-UserPhotoErrorRecord -Reason 'invalid-options' -TargetObject $item.User `
                    -Message ("Feed row without a user or a path: user '{0}', path '{1}'" -f $item.User, $item.Path)))
                continue
            }
            if (-not $PSCmdlet.ShouldProcess($item.User, 'Upload profile photo to Microsoft Graph')) { continue }
            if (-not $state) {
                $state = Start-UserPhotoJob -Cmdlet $PSCmdlet -Client (Get-UserPhotoClient -Cmdlet $PSCmdlet) -Activity 'Synchronising profile photos' `
                    -JournalPath $JournalPath -Force:$Force -ThrottleLimit $ThrottleLimit -Crop $Crop
            }
            $source = New-Object psobject -Property @{ Path = $item.Path; Bytes = $null }
            Add-UserPhotoJobItem -State $state -Cmdlet $PSCmdlet -User $item.User -Source $source
            Receive-UserPhotoJob -State $state -Cmdlet $PSCmdlet | ForEach-Object { $results.Add($_); $_ }
        }
        if ($state) {
            Complete-UserPhotoJob -State $state -Cmdlet $PSCmdlet | ForEach-Object { $results.Add($_); $_ }
        }
    } finally {
        # Also reached on Ctrl+C: freeing the job cancels what has not started.
        Stop-UserPhotoJob -State $state
        if ($ReportPath -and $results.Count) {
            $results | Export-Csv -LiteralPath $PSCmdlet.GetUnresolvedProviderPathFromPSPath($ReportPath) -NoTypeInformation -Encoding UTF8
        }
    }
}
