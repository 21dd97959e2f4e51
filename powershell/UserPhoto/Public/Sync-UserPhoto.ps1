function Sync-UserPhoto {
    <#
    .SYNOPSIS
    Brings Microsoft 365 and/or Active Directory profile photos in line with a folder or CSV feed, incrementally.

    .DESCRIPTION
    Runs a bulk upload over a feed: a folder where each file is named after its user
    (adele.vance@contoso.com.jpg; .jpg, .jpeg, .jfif, .png, .gif, .bmp and .webp files), or
    a CSV with a user column (the first of UserPrincipalName, UPN, Identity, User, Id,
    ObjectId and Mail, case-insensitive) and a path column (the first of Path, FullName,
    Photo, PhotoPath and File; relative paths are relative to the CSV's folder). Rows with
    neither a user nor a path are skipped. The feed is read by the native library with the
    same rules as `userphoto sync --csv/--folder`, so a feed that works with the CLI works
    here. A feed that cannot be read, or a CSV without the columns, is a terminating error
    (UserPhoto.Io, UserPhoto.InvalidOptions) naming the file and the columns looked for.

    Every photo is rendered once and published through one native job, with progress and
    one result per user and destination: to Microsoft Graph (-Target Graph, the default,
    through the Connect-UserPhoto connection), to the users' thumbnailPhoto in on-premises
    Active Directory (-Target ActiveDirectory, with -Server and -Credential as for
    Publish-UserPhoto: 96 x 96 JPEG within -MaxBytes, written over LDAPS or StartTLS and
    read back), or both.

    With -JournalPath the run is incremental and resumable: the journal keeps each user's
    source and rendition hashes per destination, so unchanged photos are skipped (Status
    Unchanged) and a run that was killed resumes without uploading anyone twice.

    -ReportPath (CSV) and -ReportJsonPath (JSON, with a summary) are written by the native
    job when the run ends, with the columns of `userphoto sync --report-csv/--report-json`:
    user, destination, status, bytes, width, height, quality, attempts, error_code, error,
    source. A report that cannot be written is a non-terminating UserPhoto.ReportNotWritten
    error (the photos are published regardless). A run stopped early (Ctrl+C or a
    terminating error) still writes its reports when the uploads already running end within
    10 seconds; the users not started are in them as skipped (cancelled).

    Failed users are non-terminating errors (UserPhoto.<Reason>, the user as target), as
    with Publish-UserPhoto; a domain controller that refuses the credentials or its
    certificate stops the run (the remaining users are reported Skipped). -WhatIf lists the
    users without publishing anything and -Confirm asks once per user. Ctrl+C cancels the
    job: users not started are not published; uploads already running finish.

    .PARAMETER CsvPath
    The CSV feed.

    .PARAMETER Folder
    The folder feed: photo files named <user>.<extension>.

    .PARAMETER UserColumn
    The CSV column holding the user, when it is not one of the usual names.

    .PARAMETER PathColumn
    The CSV column holding the photo path, when it is not one of the usual names.

    .PARAMETER Target
    Where to publish: Graph (default, through the Connect-UserPhoto connection),
    ActiveDirectory (thumbnailPhoto over LDAP, with -Server and -Credential), or both.

    .PARAMETER Credential
    Active Directory: the account to bind with (svc-photos@corp.example, CORP\svc-photos or
    a distinguished name). Required for the ActiveDirectory target. Its password is handed
    to the native library without becoming a plain string and never appears in output,
    verbose messages or errors.

    .PARAMETER Server
    Active Directory: the domain controller or domain (dc1.corp.example, corp.example:636),
    reached over LDAPS on port 636; or a full ldaps:// or ldap:// URL, taken as it is.
    Default: the USERDNSDOMAIN environment variable of a domain-joined Windows machine.

    .PARAMETER SearchBase
    Active Directory: the distinguished name under which users are looked up
    (OU=Staff,DC=corp,DC=example). Default: the whole domain.

    .PARAMETER CaCertificatePath
    Active Directory: a PEM file with the certificate authority that issued the domain
    controller's certificate, when it is not in the system's trust store. Certificates are
    always verified.

    .PARAMETER StartTls
    Active Directory: connect to port 389 and upgrade with StartTLS instead of LDAPS.
    Plain, unencrypted LDAP is never used.

    .PARAMETER MaxBytes
    Active Directory: the thumbnailPhoto byte budget, 1024 to 102400 (default 10240).

    .PARAMETER JournalPath
    The SQLite journal that makes runs incremental and resumable (created when missing).

    .PARAMETER ReportPath
    A CSV file the run's per-user results are written to when it ends (the columns of
    `userphoto sync --report-csv`).

    .PARAMETER ReportJsonPath
    A JSON file the run's summary and per-user results are written to when it ends (as
    `userphoto sync --report-json` writes it).

    .PARAMETER Force
    Upload every photo, even those the journal says are unchanged.

    .PARAMETER ThrottleLimit
    Photos rendered at once (default: one per CPU); rendering runs ahead of the uploads,
    and the connection's -MaxConcurrency bounds the requests in flight.

    .PARAMETER Crop
    Auto (default): frame the face when exactly one is found, otherwise a square from the
    middle (the result says why); Face: frame the most confident face; Centre: a square from
    the middle; None: fit the whole photo inside the box. One crop serves every target.

    .PARAMETER RequireFace
    Refuse a photo without exactly one face (checks no-face and several-faces) instead of
    warning about it.

    .PARAMETER SkipChecks
    Run no photo checks (no-face, too-dark, ...). With -Crop Centre or None nothing looks
    for faces either, which is most of the time a photo takes; with -RequireFace it is
    refused (UserPhoto.InvalidOptions).

    .EXAMPLE
    Sync-UserPhoto -CsvPath .\hr-export.csv -JournalPath .\photos.sqlite -ReportPath .\report.csv

    Uploads new and changed photos listed in an HR export (columns UserPrincipalName and
    Path) and writes a CSV report; run it again and nothing is uploaded twice.

    .EXAMPLE
    Connect-UserPhoto -TenantId contoso.onmicrosoft.com -ClientId $appId -CertificateThumbprint $thumb
    Sync-UserPhoto -Folder \\fileserver\photos -JournalPath C:\Jobs\photos.sqlite -ReportJsonPath C:\Jobs\report.json |
        Where-Object Status -eq 'Failed'

    A scheduled job over a shared folder, with a certificate, listing only the failures and
    keeping a JSON report.

    .EXAMPLE
    $cred = Get-Credential CORP\svc-photos
    Sync-UserPhoto -CsvPath .\hr-export.csv -Target Graph, ActiveDirectory -Server dc1.corp.example -Credential $cred `
        -CaCertificatePath .\corp-root-ca.pem -JournalPath .\photos.sqlite -ReportPath .\report.csv

    Keeps Microsoft 365 photos and on-premises thumbnailPhotos in line with one feed (two
    results per user, Destination graph and ad).

    .EXAMPLE
    Sync-UserPhoto -CsvPath .\feed.csv -UserColumn EmployeeEmail -PathColumn PictureFile -WhatIf

    Shows which users a CSV with its own column names would update.

    .OUTPUTS
    UserPhoto.PublishResult, one per user and destination: User, Destination (graph or ad),
    Status (Uploaded, Unchanged, Failed, Skipped), Source, Bytes, Width, Height, Quality,
    Attempts, ErrorCode, Error, Crop (face, centre, none) and Checks (Code, Message) when the
    photo was rendered; each check is also written as a warning, once per user.
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

        [ValidateSet('Graph', 'ActiveDirectory')]
        [string[]]$Target = 'Graph',

        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [string]$Server,

        [string]$SearchBase,

        [string]$CaCertificatePath,

        [switch]$StartTls,

        [int]$MaxBytes,

        [string]$JournalPath,

        [string]$ReportPath,

        [string]$ReportJsonPath,

        [switch]$Force,

        [ValidateRange(1, 64)]
        [int]$ThrottleLimit,

        [ValidateSet('Auto', 'Face', 'Centre', 'None')]
        [string]$Crop,

        [switch]$RequireFace,

        [switch]$SkipChecks
    )
    Assert-UserPhotoCheckOptions -Cmdlet $PSCmdlet -RequireFace:$RequireFace -SkipChecks:$SkipChecks
    # The feed as (user, path) items, read by the library with the CLI's rules.
    if ($PSCmdlet.ParameterSetName -eq 'Folder') {
        $feedPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Folder)
        $spec = @{ folder = $feedPath }
    } else {
        $feedPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($CsvPath)
        $spec = @{ csv = $feedPath }
        if ($UserColumn) { $spec.user_column = $UserColumn }
        if ($PathColumn) { $spec.path_column = $PathColumn }
    }
    $call = Invoke-UserPhotoNative -Method ReadFeed -Argument (ConvertTo-Json -InputObject $spec -Compress) -TargetObject $feedPath
    if ($call.ErrorRecord) { $PSCmdlet.ThrowTerminatingError($call.ErrorRecord) }
    $feedJson = $call.Value
    # ForEach-Object unrolls the array, which Windows PowerShell's ConvertFrom-Json writes as one object.
    $items = @(ConvertFrom-Json -InputObject $feedJson | ForEach-Object { $_ })
    Write-Verbose ('Feed {0}: {1} users' -f $feedPath, $items.Count)
    $resolve = { param($p) if ($p) { $PSCmdlet.GetUnresolvedProviderPathFromPSPath($p) } }
    $JournalPath = & $resolve $JournalPath
    $ReportPath = & $resolve $ReportPath
    $ReportJsonPath = & $resolve $ReportJsonPath
    $action = Get-UserPhotoTargetAction -Target $Target

    $state = $null
    try {
        foreach ($item in $items) {
            if (-not $item.user) {
                $PSCmdlet.WriteError((New-UserPhotoErrorRecord -Reason 'invalid-options' -TargetObject $item.path `
                    -Message ("Feed row without a user, for photo '{0}'" -f $item.path)))
                continue
            }
            if (-not $PSCmdlet.ShouldProcess($item.user, $action)) { continue }
            if (-not $state) {
                $state = Start-UserPhotoTargetJob -Cmdlet $PSCmdlet -Target $Target -Server $Server -Credential $Credential `
                    -SearchBase $SearchBase -CaCertificatePath $CaCertificatePath -StartTls:$StartTls -MaxBytes $MaxBytes `
                    -Activity 'Synchronising profile photos' -JournalPath $JournalPath -Force:$Force -ThrottleLimit $ThrottleLimit `
                    -Crop $Crop -RequireFace:$RequireFace -SkipChecks:$SkipChecks -ReportCsvPath $ReportPath -ReportJsonPath $ReportJsonPath
            }
            $source = New-Object psobject -Property @{ Path = $item.path; Bytes = $null }
            Add-UserPhotoJobItem -State $state -Cmdlet $PSCmdlet -User $item.user -Source $source
            Receive-UserPhotoJob -State $state -Cmdlet $PSCmdlet
        }
        if ($state) { Complete-UserPhotoJob -State $state -Cmdlet $PSCmdlet }
    } finally {
        # Also reached on Ctrl+C: freeing the job cancels what has not started (after letting
        # it write the reports, when there are any).
        Stop-UserPhotoJob -State $state
    }
}
