function Test-UserPhoto {
    <#
    .SYNOPSIS
    Checks photos against the Microsoft 365 photo stores without changing anything.

    .DESCRIPTION
    Reads each photo's headers and reports its format, size, orientation and colour, and for
    each target (Microsoft Graph 648 x 648 within 4 MB, Active Directory thumbnailPhoto
    96 x 96 within 10 KB, on-premises Exchange 648 x 648 within 500 KB, or a custom square)
    whether it fits as is, needs a resize, or cannot be used (for example too small). A
    photo that cannot be read at all (not an image, truncated, corrupt, over the limits)
    is a non-terminating error with the file as target and an id such as
    UserPhoto.UnsupportedFormat, UserPhoto.Truncated or UserPhoto.Corrupt.

    With -Directory it audits on-premises Active Directory instead: every user under
    -SearchBase (a paged search on -Server, bound as -Credential) whose thumbnailPhoto is
    over -MaxBytes (10 KB by default), not a JPEG, not square, unreadable, or missing, one
    object per listed user. -Fix re-encodes the flagged photos to fit (96 x 96 JPEG within
    -MaxBytes) and writes them back in the same run, honouring -WhatIf and -Confirm; a
    user whose fix failed is also a non-terminating error (UserPhoto.<Reason>, the user as
    target). A directory that cannot be read at all (UserPhoto.InvalidCredentials,
    UserPhoto.DirectoryTls, UserPhoto.DirectoryUnavailable, ...) is a terminating error.

    With -Tenant it audits the profile photos in Microsoft Graph, through the Connect-UserPhoto
    connection (it needs User.Read.All): every enabled user (or -Filter's, or with
    -IncludeDisabled every user), whose photo is missing, smaller than 648 x 648 or not
    square, and with -CheckPhotos whose photo fails a photo check (no face, several faces,
    too dark, ...) or cannot be read. Users are listed 999 at a time and their photos read
    in JSON batches of 20, within the connection's throttle and retry policy; one object per
    listed user is written as soon as its batch is read. A user that could not be read is
    also a non-terminating error (UserPhoto.Throttled, UserPhoto.Forbidden, ..., the user as
    target), and so is a report or contact sheet that could not be written
    (UserPhoto.ReportNotWritten). An audit that stopped (the user listing refused) is a
    terminating error after the users already written.

    .PARAMETER Path
    Path of a photo file (JPEG, PNG, GIF, BMP or WebP). Binds from the pipeline, also from
    the FullName of Get-ChildItem output and a CSV's Path column.

    .PARAMETER PictureData
    The photo's bytes, for example from [IO.File]::ReadAllBytes or a database column.

    .PARAMETER Target
    Built-in targets to check: graph, ad-thumbnail, exchange-onprem. Without -Target and
    -Size, all built-in targets are checked.

    .PARAMETER Size
    Custom square sizes to check, in pixels. Without -MaxBytes their budget is Graph's 4 MB.

    .PARAMETER MaxBytes
    Byte budget for the given targets and sizes instead of their defaults (at least 1024).
    For photos it needs -Target or -Size: on its own it would apply to nothing, and is refused.
    With -Directory: the thumbnailPhoto size above which a user is listed (and -Fix
    re-encodes), 1024 to 102400, default 10240.

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

    .PARAMETER AllowUpscale
    Accept photos smaller than a target by enlarging them.

    .PARAMETER AllowAnimated
    Accept animated GIF/WebP photos (their first frame is used).

    .PARAMETER MinShortSide
    Smallest acceptable short side in pixels (default 48).

    .PARAMETER Directory
    Audit the thumbnailPhoto of the users in Active Directory instead of checking photos.

    .PARAMETER Credential
    With -Directory: the account to bind with (svc-photos@corp.example, CORP\svc-photos or a
    distinguished name). Required. Reading needs no special rights; -Fix needs Write on
    thumbnailPhoto. Its password never appears in output or errors.

    .PARAMETER Server
    With -Directory: the domain controller or domain, reached over LDAPS (port 636); or a
    full ldaps:// or ldap:// URL. Default: the USERDNSDOMAIN environment variable.

    .PARAMETER SearchBase
    With -Directory: the distinguished name to audit under (OU=Staff,DC=corp,DC=example).
    Default: the whole domain.

    .PARAMETER CaCertificatePath
    With -Directory: a PEM file with the CA that issued the domain controller's
    certificate, when the system does not trust it already.

    .PARAMETER StartTls
    With -Directory: connect to port 389 and upgrade with StartTLS instead of LDAPS.

    .PARAMETER Fix
    With -Directory: re-encode each flagged thumbnailPhoto (oversized, not JPEG, not square)
    to a 96 x 96 JPEG within -MaxBytes and write it back. Users without a photo are listed,
    not fixed.

    .PARAMETER IncludeDisabled
    With -Directory or -Tenant: also audit disabled accounts.

    .PARAMETER Tenant
    Audit the profile photos of the users in Microsoft Graph instead of checking photos
    (connect with Connect-UserPhoto first).

    .PARAMETER Filter
    With -Tenant: an OData filter for the users to audit, instead of the enabled accounts
    (for example "department eq 'Sales'").

    .PARAMETER CheckPhotos
    With -Tenant: also download each photo and run the photo checks (faces, light, detail).
    Slower: one more batch per 20 users with a photo, and each photo decoded. The contact
    sheet's thumbnails are then rendered from the photos.

    .PARAMETER ReportPath
    With -Tenant: a CSV file with one row per audited user (also those without a problem),
    written when every user has been audited; not written when the audit stops early.
    With -Directory: one row per listed user (with the -Fix outcome), written at the end.

    .PARAMETER ReportJsonPath
    With -Tenant or -Directory: a JSON file with the counts and the entries, written as
    -ReportPath is.

    .PARAMETER ContactSheetPath
    With -Directory or -Tenant: an HTML contact sheet of every user, problems first, with a
    filter box and counts per problem; it opens in a browser without network access.
    Thumbnails come from thumbnailPhoto; with -Tenant, Graph's own 96 x 96 copies (one more
    batch per 20 users with a photo), or with -CheckPhotos the photos downloaded.

    .PARAMETER ExcludeMissing
    With -Directory: do not list users who have no thumbnailPhoto.

    .PARAMETER AsReport
    With -Directory or -Tenant: output one report object (counts and all listed entries)
    instead of one object per listed user.

    .EXAMPLE
    Get-ChildItem .\photos -File | Test-UserPhoto | Where-Object { -not $_.Usable }

    Lists the photos that cannot be used for at least one target.

    .EXAMPLE
    Import-Csv .\hr-export.csv | Test-UserPhoto -Target graph, ad-thumbnail | Select-Object Path, Format, Width, Height, Usable

    Checks every photo in a CSV's Path column before a bulk run.

    .EXAMPLE
    Test-UserPhoto -PictureData $bytes -Target ad-thumbnail -MaxBytes 20480

    Checks bytes against a 20 KB thumbnailPhoto budget.

    .EXAMPLE
    Test-UserPhoto -Directory -Server dc1.corp.example -Credential (Get-Credential CORP\svc-photos) | Export-Csv .\thumbnail-audit.csv -NoTypeInformation

    Lists every enabled user whose thumbnailPhoto is missing, over 10 KB, not a JPEG or not
    square, for a report.

    .EXAMPLE
    Test-UserPhoto -Directory -Server dc1.corp.example -Credential $cred -SearchBase 'OU=Staff,DC=corp,DC=example' -ExcludeMissing -Fix -WhatIf
    Test-UserPhoto -Directory -Server dc1.corp.example -Credential $cred -SearchBase 'OU=Staff,DC=corp,DC=example' -ExcludeMissing -Fix

    Shows the thumbnails that would be re-encoded, then re-encodes them to fit 10 KB.

    .EXAMPLE
    Connect-UserPhoto -TenantId contoso.onmicrosoft.com -ClientId $appId -CertificateThumbprint $thumb
    Test-UserPhoto -Tenant -ReportPath .\photo-audit.csv -ContactSheetPath .\photos.html | Group-Object { $_.Problems -join ',' }

    Audits every enabled user's photo, keeps a CSV of every user and a contact sheet to open
    in a browser, and counts the users per problem.

    .EXAMPLE
    Test-UserPhoto -Tenant -CheckPhotos | Where-Object { $_.Checks.Code -contains 'no-face' } | Select-Object User, DisplayName

    Lists the users whose photo shows no face.

    .OUTPUTS
    UserPhoto.ValidationResult, one per photo: Path, Format, Bytes, Width, Height,
    Orientation, UprightWidth, UprightHeight, ColorModel, Frames, Warnings, Crop (face | centre | none), CropReason, Faces
    (how many), Checks (Code, Message: no-face, several-faces, face-too-small, too-dark,
    too-bright, low-detail, small-source), Usable, and
    Targets (Target, Size, MaxBytes, Verdict = fits | needs-resize | unusable,
    RenditionSize, Error, Problems).

    With -Directory: UserPhoto.DirectoryAuditEntry, one per listed user: User,
    DistinguishedName, Bytes, Format, Width, Height, Problems (missing, oversized, not-jpeg,
    not-square, unreadable), Detail, FixStatus (Written, Unchanged, Failed; empty without
    -Fix), FixBytes, FixErrorCode, FixError. With -AsReport: one UserPhoto.DirectoryAudit:
    Server, SearchBase, MaxBytes, Scanned, WithPhoto, Listed, Fixed, FixFailed, Entries.

    With -Tenant: UserPhoto.TenantAuditEntry, one per listed user: User, Id, DisplayName,
    Width, Height, ContentType, Problems (missing, small, not-square, unreadable), Checks
    (Code, Message), Detail, ErrorCode, Error. With -AsReport: one UserPhoto.TenantAudit:
    GraphEndpoint, Users, WithPhoto, Listed, Failed, Requests, Problems and Checks (counts by
    name), Entries.
    #>
    [CmdletBinding(DefaultParameterSetName = 'Path', SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('UserPhoto.ValidationResult', 'UserPhoto.DirectoryAuditEntry', 'UserPhoto.DirectoryAudit',
        'UserPhoto.TenantAuditEntry', 'UserPhoto.TenantAudit')]
    param(
        [Parameter(Mandatory, Position = 0, ParameterSetName = 'Path', ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('FullName')]
        [string[]]$Path,

        [Parameter(Mandatory, ParameterSetName = 'PictureData', ValueFromPipelineByPropertyName)]
        [byte[]]$PictureData,

        [Parameter(ParameterSetName = 'Path')]
        [Parameter(ParameterSetName = 'PictureData')]
        [ArgumentCompleter({
            param($command, $parameter, $word)
            # The library's target table, as Resolve-UserPhotoTarget checks against it.
            (ConvertFrom-Json ([UserPhoto.Native.Api]::Targets())) | ForEach-Object { $_ } | ForEach-Object { $_.name } | Where-Object { $_ -like "$word*" }
        })]
        [string[]]$Target,

        [Parameter(ParameterSetName = 'Path')]
        [Parameter(ParameterSetName = 'PictureData')]
        [int[]]$Size,

        [Parameter(ParameterSetName = 'Path')]
        [Parameter(ParameterSetName = 'PictureData')]
        [Parameter(ParameterSetName = 'Directory')]
        [int]$MaxBytes,

        [Parameter(ParameterSetName = 'Path')]
        [Parameter(ParameterSetName = 'PictureData')]
        [ValidateSet('Auto', 'Face', 'Centre', 'None')]
        [string]$Crop,

        [Parameter(ParameterSetName = 'Path')]
        [Parameter(ParameterSetName = 'PictureData')]
        [switch]$RequireFace,

        [Parameter(ParameterSetName = 'Path')]
        [Parameter(ParameterSetName = 'PictureData')]
        [switch]$SkipChecks,

        [Parameter(ParameterSetName = 'Path')]
        [Parameter(ParameterSetName = 'PictureData')]
        [switch]$AllowUpscale,

        [Parameter(ParameterSetName = 'Path')]
        [Parameter(ParameterSetName = 'PictureData')]
        [switch]$AllowAnimated,

        [Parameter(ParameterSetName = 'Path')]
        [Parameter(ParameterSetName = 'PictureData')]
        [int]$MinShortSide,

        [Parameter(Mandatory, ParameterSetName = 'Directory')]
        [switch]$Directory,

        [Parameter(ParameterSetName = 'Directory')]
        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [Parameter(ParameterSetName = 'Directory')]
        [string]$Server,

        [Parameter(ParameterSetName = 'Directory')]
        [string]$SearchBase,

        [Parameter(ParameterSetName = 'Directory')]
        [string]$CaCertificatePath,

        [Parameter(ParameterSetName = 'Directory')]
        [switch]$StartTls,

        [Parameter(ParameterSetName = 'Directory')]
        [switch]$Fix,

        [Parameter(ParameterSetName = 'Directory')]
        [Parameter(ParameterSetName = 'Tenant')]
        [switch]$IncludeDisabled,

        [Parameter(ParameterSetName = 'Directory')]
        [switch]$ExcludeMissing,

        [Parameter(Mandatory, ParameterSetName = 'Tenant')]
        [switch]$Tenant,

        [Parameter(ParameterSetName = 'Tenant')]
        [string]$Filter,

        [Parameter(ParameterSetName = 'Tenant')]
        [switch]$CheckPhotos,

        [Parameter(ParameterSetName = 'Directory')]
        [Parameter(ParameterSetName = 'Tenant')]
        [string]$ReportPath,

        [Parameter(ParameterSetName = 'Directory')]
        [Parameter(ParameterSetName = 'Tenant')]
        [string]$ReportJsonPath,

        [Parameter(ParameterSetName = 'Directory')]
        [Parameter(ParameterSetName = 'Tenant')]
        [string]$ContactSheetPath,

        [Parameter(ParameterSetName = 'Directory')]
        [Parameter(ParameterSetName = 'Tenant')]
        [switch]$AsReport
    )
    begin {
        if ($PSCmdlet.ParameterSetName -eq 'Directory') {
            Invoke-UserPhotoDirectoryAudit -Cmdlet $PSCmdlet -Server $Server -Credential $Credential -SearchBase $SearchBase `
                -CaCertificatePath $CaCertificatePath -StartTls:$StartTls -MaxBytes $MaxBytes -Fix:$Fix `
                -IncludeDisabled:$IncludeDisabled -ExcludeMissing:$ExcludeMissing -ContactSheetPath $ContactSheetPath `
                -ReportPath $ReportPath -ReportJsonPath $ReportJsonPath -AsReport:$AsReport
            return
        }
        if ($PSCmdlet.ParameterSetName -eq 'Tenant') {
            Invoke-UserPhotoTenantAudit -Cmdlet $PSCmdlet -Filter $Filter -IncludeDisabled:$IncludeDisabled -CheckPhotos:$CheckPhotos `
                -ReportPath $ReportPath -ReportJsonPath $ReportJsonPath -ContactSheetPath $ContactSheetPath -AsReport:$AsReport
            return
        }
        if ($Target) { $Target = @(Resolve-UserPhotoTarget -Cmdlet $PSCmdlet -Name $Target) }
        $options = ConvertTo-UserPhotoOptionsJson -Cmdlet $PSCmdlet -Target $Target -Size $Size -MaxBytes $MaxBytes -Crop $Crop -RequireFace:$RequireFace -SkipChecks:$SkipChecks `
            -AllowUpscale:$AllowUpscale -AllowAnimated:$AllowAnimated -MinShortSide $MinShortSide
    }
    process {
        if ($PSCmdlet.ParameterSetName -in 'Directory', 'Tenant') { return }
        $paths = @($Path)
        if ($PSCmdlet.ParameterSetName -eq 'PictureData') { $paths = @($null) }
        foreach ($p in $paths) {
            $source = Resolve-UserPhotoSource -Cmdlet $PSCmdlet -Path $p -PictureData $PictureData
            if (-not $source) { continue }
            $call = Invoke-UserPhotoNative -Method Validate -Argument (Read-UserPhotoSource $source), $options -TargetObject $source.Path
            if ($call.ErrorRecord) {
                $PSCmdlet.WriteError($call.ErrorRecord)
                continue
            }
            $report = ConvertFrom-Json $call.Value
            $targets = @(foreach ($t in $report.targets) {
                [pscustomobject]@{
                    PSTypeName = 'UserPhoto.TargetVerdict'
                    Target = $t.target
                    Size = $t.size
                    MaxBytes = $t.max_bytes
                    Verdict = $t.verdict
                    RenditionSize = $t.rendition_size
                    Error = $t.error
                    Problems = @($t.problems)
                }
            })
            $s = $report.source
            [pscustomobject]@{
                PSTypeName = 'UserPhoto.ValidationResult'
                Path = $source.Path
                Format = $s.format
                Bytes = $s.bytes
                Width = $s.width
                Height = $s.height
                Orientation = $s.orientation
                UprightWidth = $s.upright_width
                UprightHeight = $s.upright_height
                ColorModel = $s.color_model
                Frames = $s.frames
                Warnings = @($report.warnings)
                Crop = $report.crop.mode
                CropReason = $report.crop.reason
                Faces = @($report.faces).Count
                Checks = @(ConvertTo-UserPhotoCheck $report.checks)
                Usable = -not ($targets | Where-Object { $_.Verdict -eq 'unusable' })
                Targets = $targets
            }
        }
    }
}
