function Publish-UserPhoto {
    <#
    .SYNOPSIS
    Uploads users' profile photos to Microsoft 365, resized to fit.

    .DESCRIPTION
    Renders each photo for Microsoft Graph (648 x 648 JPEG within 4 MB, EXIF orientation
    applied, metadata removed) and uploads it as the user's profile photo (Entra ID,
    Exchange Online, Teams). Photos that are too large, rotated, CMYK or PNG are resized
    and converted instead of failing.

    Built for pipelines: `Import-Csv hr.csv | Publish-UserPhoto` binds the user and path
    columns by name. Users are queued on one native job, so uploads overlap (up to
    -ThrottleLimit, within Graph's limit of 4 concurrent photo requests per app) while a
    result per user is written as soon as it is known, with progress shown. Throttling
    (429 + Retry-After), 503s and dropped connections are retried by the library. Ctrl+C
    cancels the job: queued users are not started; uploads already running finish.

    Each user gets one result object (Status Uploaded, Unchanged, Failed or Skipped). A
    failed user is also a non-terminating error with TargetObject = the user and an id of
    the form UserPhoto.<Reason>: UserPhoto.UserNotFound, UserPhoto.PolicyBlocked (the
    tenant's photo update policy says photos come from on-premises AD), UserPhoto.Forbidden,
    UserPhoto.Throttled, UserPhoto.Auth, UserPhoto.Io, UserPhoto.UnsupportedFormat, ...
    Filter them with -ErrorVariable or $Error. Not being connected is a terminating error.

    -WhatIf lists the users without uploading anything; -Confirm asks once per user.

    .PARAMETER User
    The user: user principal name, object id or mail address. Binds by property name from
    the columns UserPrincipalName, UPN, Identity, Id, Mail or User.

    .PARAMETER Path
    Path of the photo file (read when the user's turn comes). Binds from Path or FullName.

    .PARAMETER PictureData
    The photo's bytes (copied when the user is queued).

    .PARAMETER Target
    Where to publish: Graph (default). ActiveDirectory (thumbnailPhoto through LDAP) is
    reserved for the native Active Directory target and refused until the library provides it.

    .PARAMETER Credential
    Active Directory target only: the account to bind with (default: the current user).

    .PARAMETER Server
    Active Directory target only: the domain controller or domain to use.

    .PARAMETER SearchBase
    Active Directory target only: the distinguished name under which users are looked up.

    .PARAMETER Force
    Upload even when the journal says the user already has this photo.

    .PARAMETER JournalPath
    A SQLite journal of what was uploaded. With it, a second run skips unchanged photos
    (Status Unchanged) and an interrupted run resumes without uploading anyone twice.

    .PARAMETER ThrottleLimit
    Users processed at once (rendering and uploading); the connection's -MaxConcurrency
    still bounds the requests in flight.

    .PARAMETER Crop
    Centre (default): a square from the middle of the photo; None: fit the whole photo.

    .EXAMPLE
    Publish-UserPhoto -User adele.vance@contoso.com -Path .\photos\adele.jpg

    Uploads one photo.

    .EXAMPLE
    Import-Csv .\hr-export.csv | Publish-UserPhoto -ErrorVariable failed | Export-Csv .\report.csv -NoTypeInformation
    $failed | Where-Object FullyQualifiedErrorId -like 'UserPhoto.UserNotFound*' | ForEach-Object TargetObject

    A CSV pipeline (columns UserPrincipalName and Path): one report row per user, and the
    users not found in the directory listed afterwards.

    .EXAMPLE
    # C:\Jobs\Photos.ps1, run nightly by Task Scheduler as a service account:
    #   pwsh -NoProfile -NonInteractive -File C:\Jobs\Photos.ps1
    Import-Module UserPhoto
    Connect-UserPhoto -TenantId contoso.onmicrosoft.com -ClientId $env:PHOTO_APP_ID -CertificateThumbprint $env:PHOTO_CERT_THUMBPRINT
    Import-Csv \\hr\exports\photos.csv |
        Publish-UserPhoto -JournalPath C:\Jobs\photos.sqlite -ErrorAction Continue |
        Export-Csv "C:\Jobs\reports\$(Get-Date -Format yyyy-MM-dd).csv" -NoTypeInformation
    Disconnect-UserPhoto

    A scheduled job authenticating with a certificate; the journal makes each night's run
    upload only new and changed photos.

    .EXAMPLE
    # Before: Exchange Online's retired Set-UserPhoto (fails on photos over its limits, one
    # blocking call per user):
    Connect-ExchangeOnline -AppId $appId -CertificateThumbprint $thumb -Organization contoso.onmicrosoft.com
    foreach ($row in Import-Csv .\photos.csv) {
        Set-UserPhoto -Identity $row.UserPrincipalName -PictureData ([IO.File]::ReadAllBytes($row.Path)) -Confirm:$false
    }

    # After: one pipeline, photos resized to fit, uploads overlapped, one result per user:
    Connect-UserPhoto -TenantId contoso.onmicrosoft.com -ClientId $appId -CertificateThumbprint $thumb
    Import-Csv .\photos.csv | Publish-UserPhoto -Confirm:$false

    Migrating a Set-UserPhoto script. (Or keep the script and import UserPhoto.Compat
    instead of connecting to Exchange Online.)

    .EXAMPLE
    Import-Csv .\photos.csv | Publish-UserPhoto -WhatIf

    Shows which users would get a new photo, uploading nothing.

    .OUTPUTS
    UserPhoto.PublishResult, one per user: User, Destination, Status (Uploaded, Unchanged,
    Failed, Skipped), Source, Bytes, Width, Height, Quality, Attempts, ErrorCode, Error.
    #>
    [CmdletBinding(DefaultParameterSetName = 'Path', SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('UserPhoto.PublishResult')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'UPN', 'Identity', 'Id', 'Mail')]
        [ValidateNotNullOrEmpty()]
        [string]$User,

        [Parameter(Mandatory, Position = 1, ParameterSetName = 'Path', ValueFromPipelineByPropertyName)]
        [Alias('FullName')]
        [string]$Path,

        [Parameter(Mandatory, ParameterSetName = 'PictureData', ValueFromPipelineByPropertyName)]
        [byte[]]$PictureData,

        [ValidateSet('Graph', 'ActiveDirectory')]
        [string]$Target = 'Graph',

        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [string]$Server,

        [string]$SearchBase,

        [switch]$Force,

        [string]$JournalPath,

        [ValidateRange(1, 64)]
        [int]$ThrottleLimit,

        [ValidateSet('Centre', 'None')]
        [string]$Crop
    )
    begin {
        if ($Target -eq 'ActiveDirectory') {
            # Wired once the native library has its Active Directory functions.
            $PSCmdlet.ThrowTerminatingError((New-UserPhotoErrorRecord -Reason 'not-available' `
                -Message 'The ActiveDirectory target needs a native library with the Active Directory functions; this build publishes to Graph only.'))
        }
        if ($JournalPath) { $JournalPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($JournalPath) }
        $state = $null
    }
    process {
        $source = Resolve-UserPhotoSource -Cmdlet $PSCmdlet -Path $Path -PictureData $PictureData -TargetObject $User
        if (-not $source) { return }
        if (-not $PSCmdlet.ShouldProcess($User, 'Upload profile photo to Microsoft Graph')) { return }
        $ok = $false
        try {
            if (-not $state) {
                $state = Start-UserPhotoJob -Cmdlet $PSCmdlet -Client (Get-UserPhotoClient -Cmdlet $PSCmdlet) -Activity 'Publishing profile photos' `
                    -JournalPath $JournalPath -Force:$Force -ThrottleLimit $ThrottleLimit -Crop $Crop
            }
            Add-UserPhotoJobItem -State $state -Cmdlet $PSCmdlet -User $User -Source $source
            Receive-UserPhotoJob -State $state -Cmdlet $PSCmdlet
            $ok = $true
        } finally {
            # Ctrl+C (or a terminating error) ends the pipeline here: free the job, which cancels it.
            if (-not $ok) { Stop-UserPhotoJob -State $state }
        }
    }
    end {
        if (-not $state) { return }
        try {
            Complete-UserPhotoJob -State $state -Cmdlet $PSCmdlet
        } finally {
            Stop-UserPhotoJob -State $state
        }
    }
}
