function Publish-UserPhoto {
    <#
    .SYNOPSIS
    Uploads users' profile photos to Microsoft 365 and/or on-premises Active Directory, resized to fit.

    .DESCRIPTION
    Renders each photo for Microsoft Graph (648 x 648 JPEG within 4 MB, EXIF orientation
    applied, metadata removed) and uploads it as the user's profile photo (Entra ID,
    Exchange Online, Teams). Photos that are too large, rotated, CMYK or PNG are resized
    and converted instead of failing.

    With -Target ActiveDirectory the photo is rendered as a 96 x 96 JPEG within -MaxBytes
    (10 KB by default, the size Exchange Online took from directory sync) and written to the
    user's thumbnailPhoto attribute over LDAPS (or StartTLS), then read back and compared.
    The user is found by UPN, sAMAccountName (with or without DOMAIN\), mail or DN under
    -SearchBase. -Credential is required (a simple bind; the account needs Write on
    thumbnailPhoto) and -Server names the domain controller. -Target Graph, ActiveDirectory
    publishes to both from one rendering of each photo. A photo already stored is not
    written again (Status Unchanged).

    Built for pipelines: `Import-Csv hr.csv | Publish-UserPhoto` binds the user and path
    columns by name. Users are queued on one native job, so photos are rendered ahead and
    uploads overlap (within Graph's limit of 4 concurrent photo requests per app) while a
    result per user and destination is written as soon as it is known, with progress shown.
    Throttling (429 + Retry-After), 503s and dropped connections are retried by the library.
    Ctrl+C cancels the job: queued users are not started; uploads already running finish.

    Each user gets one result object per destination (Status Uploaded, Unchanged, Failed or
    Skipped). A failed user is also a non-terminating error with TargetObject = the user and
    an id of the form UserPhoto.<Reason>: UserPhoto.UserNotFound, UserPhoto.PolicyBlocked
    (the tenant's photo update policy says photos come from on-premises AD),
    UserPhoto.Forbidden, UserPhoto.Throttled, UserPhoto.Auth, UserPhoto.Io,
    UserPhoto.UnsupportedFormat, and for Active Directory UserPhoto.AmbiguousUser,
    UserPhoto.DirectoryUnavailable, UserPhoto.ThumbnailTooLarge, ... Filter them with
    -ErrorVariable or $Error. When the domain controller refuses the credentials
    (UserPhoto.InvalidCredentials) or its certificate (UserPhoto.DirectoryTls), no further
    user is tried in Active Directory (they are reported Skipped for it, and Graph goes on):
    more failed binds could lock the account out. Not being connected to Graph (for the Graph target) and missing
    Active Directory parameters are terminating errors.

    -WhatIf lists the users without uploading anything; -Confirm asks once per user.

    .PARAMETER User
    The user: user principal name, object id or mail address. Binds by property name from
    the columns UserPrincipalName, UPN, Identity, Id, Mail or User.

    .PARAMETER Path
    Path of the photo file (read when the user's turn comes). Binds from Path or FullName.

    .PARAMETER PictureData
    The photo's bytes (copied when the user is queued).

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
    controller's certificate, when it is not in the system's trust store (an enterprise
    CA on a Linux host, for example). Certificates are always verified.

    .PARAMETER StartTls
    Active Directory: connect to port 389 and upgrade with StartTLS instead of LDAPS
    (ldap://server). Plain, unencrypted LDAP is never used.

    .PARAMETER MaxBytes
    Active Directory: the thumbnailPhoto byte budget, 1024 to 102400 (default 10240). Photos
    are encoded at lower quality, then a smaller size, to fit; never over.

    .PARAMETER Force
    Upload even when the journal says the user already has this photo.

    .PARAMETER JournalPath
    A SQLite journal of what was uploaded. With it, a second run skips unchanged photos
    (Status Unchanged) and an interrupted run resumes without uploading anyone twice.

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
    $cred = Get-Credential CORP\svc-photos
    Import-Csv .\hr-export.csv | Publish-UserPhoto -Target ActiveDirectory -Server dc1.corp.example -Credential $cred

    Writes every user's thumbnailPhoto (96 x 96, at most 10 KB) through LDAPS on
    dc1.corp.example, one result per user.

    .EXAMPLE
    Connect-UserPhoto -TenantId contoso.onmicrosoft.com -ClientId $appId -CertificateThumbprint $thumb
    Import-Csv .\hr-export.csv |
        Publish-UserPhoto -Target Graph, ActiveDirectory -Server dc1.corp.example -Credential $cred `
            -CaCertificatePath .\corp-root-ca.pem -SearchBase 'OU=Staff,DC=corp,DC=example' -JournalPath .\photos.sqlite

    Publishes each photo to Microsoft 365 and to on-premises AD in one run (two results per
    user, Destination graph and ad); the journal makes the next run skip unchanged photos.

    .EXAMPLE
    Import-Csv .\photos.csv | Publish-UserPhoto -WhatIf

    Shows which users would get a new photo, uploading nothing.

    .OUTPUTS
    UserPhoto.PublishResult, one per user and destination: User, Destination (graph or ad),
    Status (Uploaded, Unchanged, Failed, Skipped), Source, Bytes, Width, Height, Quality,
    Attempts, ErrorCode, Error, Crop (face, centre, none) and Checks (Code, Message) when the
    photo was rendered; each check is also written as a warning, once per user.
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
        [string[]]$Target = 'Graph',

        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [string]$Server,

        [string]$SearchBase,

        [string]$CaCertificatePath,

        [switch]$StartTls,

        [int]$MaxBytes,

        [switch]$Force,

        [string]$JournalPath,

        [ValidateRange(1, 64)]
        [int]$ThrottleLimit,

        [ValidateSet('Auto', 'Face', 'Centre', 'None')]
        [string]$Crop,

        [switch]$RequireFace,

        [switch]$SkipChecks
    )
    begin {
        Assert-UserPhotoCheckOptions -Cmdlet $PSCmdlet -RequireFace:$RequireFace -SkipChecks:$SkipChecks
        $action = Get-UserPhotoTargetAction -Target $Target
        if ($JournalPath) { $JournalPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($JournalPath) }
        $state = $null
    }
    process {
        $source = Resolve-UserPhotoSource -Cmdlet $PSCmdlet -Path $Path -PictureData $PictureData -TargetObject $User
        if (-not $source) { return }
        if (-not $PSCmdlet.ShouldProcess($User, $action)) { return }
        $ok = $false
        try {
            if (-not $state) {
                $state = Start-UserPhotoTargetJob -Cmdlet $PSCmdlet -Target $Target -Server $Server -Credential $Credential `
                    -SearchBase $SearchBase -CaCertificatePath $CaCertificatePath -StartTls:$StartTls -MaxBytes $MaxBytes `
                    -Activity 'Publishing profile photos' -JournalPath $JournalPath -Force:$Force -ThrottleLimit $ThrottleLimit -Crop $Crop -RequireFace:$RequireFace -SkipChecks:$SkipChecks
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
