function Set-UserPhoto {
    <#
    .SYNOPSIS
    Sets a user's profile photo, with the parameters of the retired Exchange Online cmdlet.

    .DESCRIPTION
    A drop-in for Exchange Online's Set-UserPhoto, implemented over the UserPhoto module:
    connect with Connect-UserPhoto, import UserPhoto.Compat, and scripts that call
    Set-UserPhoto -Identity -PictureData / -PictureStream run unchanged. Unlike the old
    cmdlet, photos are resized and converted to fit Microsoft Graph (648 x 648 JPEG within
    4 MB, EXIF orientation applied) instead of failing.

    -Preview prepares the rendition and keeps it in this session without uploading it;
    Get-UserPhoto -Preview returns it; -Save uploads it; -Cancel discards it.

    Failures are non-terminating errors with ids UserPhoto.<Reason> (UserPhoto.UserNotFound,
    UserPhoto.PolicyBlocked, ...) and the identity as target; use -ErrorAction Stop where a
    script relied on Exchange's terminating errors. -ErrorAction, -WarningAction and
    -Verbose apply to the work done underneath.

    Like the Exchange Online cmdlet, it asks for confirmation before it changes a photo
    (ConfirmImpact High; -Preview and -Cancel change nothing outside the session and do not
    ask); scripts pass -Confirm:$false.

    .PARAMETER Identity
    The user: user principal name, object id or mail address.

    .PARAMETER PictureData
    The photo's bytes, e.g. ([IO.File]::ReadAllBytes('C:\photos\adele.jpg')).

    .PARAMETER PictureStream
    A stream with the photo, read from its current position.

    .PARAMETER Preview
    Prepare the photo and keep it as a preview instead of uploading it.

    .PARAMETER Save
    Upload the photo prepared earlier with -Preview.

    .PARAMETER Cancel
    Discard the photo prepared earlier with -Preview.

    .PARAMETER GroupMailbox
    Accepted for compatibility; Microsoft 365 group photos are not handled and the switch is ignored.

    .PARAMETER DomainController
    Accepted for compatibility and ignored (there is no domain controller in Microsoft Graph).

    .PARAMETER IgnoreDefaultScope
    Accepted for compatibility and ignored.

    .PARAMETER PhotoType
    Accepted for compatibility and ignored.

    .EXAMPLE
    Set-UserPhoto -Identity adele.vance@contoso.com -PictureData ([IO.File]::ReadAllBytes('C:\photos\adele.jpg')) -Confirm:$false

    The classic call; a 12-megapixel photo is resized instead of refused.

    .EXAMPLE
    # Before (Exchange Online):
    Connect-ExchangeOnline -AppId $appId -CertificateThumbprint $thumb -Organization contoso.onmicrosoft.com
    Import-Csv .\photos.csv | ForEach-Object { Set-UserPhoto -Identity $_.UserPrincipalName -PictureData ([IO.File]::ReadAllBytes($_.Path)) -Confirm:$false }

    # After (the same loop, two changed lines):
    Import-Module UserPhoto.Compat
    Connect-UserPhoto -TenantId contoso.onmicrosoft.com -ClientId $appId -CertificateThumbprint $thumb
    Import-Csv .\photos.csv | ForEach-Object { Set-UserPhoto -Identity $_.UserPrincipalName -PictureData ([IO.File]::ReadAllBytes($_.Path)) -Confirm:$false }

    Migrating an Exchange Online script. For large batches, Import-Csv .\photos.csv | Publish-UserPhoto overlaps the uploads.

    .EXAMPLE
    Set-UserPhoto -Identity adele.vance@contoso.com -PictureData $bytes -Preview
    (Get-UserPhoto -Identity adele.vance@contoso.com -Preview).PictureData | Set-Content .\check.jpg -AsByteStream
    Set-UserPhoto -Identity adele.vance@contoso.com -Save -Confirm:$false

    Prepares a photo, looks at the rendition, then uploads it.

    .OUTPUTS
    None, like the Exchange Online cmdlet.
    #>
    [CmdletBinding(DefaultParameterSetName = 'UploadPhotoData', SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType([void])]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'UPN', 'Id', 'Mail')]
        [ValidateNotNullOrEmpty()]
        [string]$Identity,

        [Parameter(Mandatory, ParameterSetName = 'UploadPhotoData', ValueFromPipelineByPropertyName)]
        [byte[]]$PictureData,

        [Parameter(Mandatory, ParameterSetName = 'UploadPhotoStream')]
        [System.IO.Stream]$PictureStream,

        [Parameter(ParameterSetName = 'UploadPhotoData')]
        [Parameter(ParameterSetName = 'UploadPhotoStream')]
        [switch]$Preview,

        [Parameter(Mandatory, ParameterSetName = 'SavePhoto')]
        [switch]$Save,

        [Parameter(Mandatory, ParameterSetName = 'CancelPhoto')]
        [switch]$Cancel,

        [switch]$GroupMailbox,

        [string]$DomainController,

        [switch]$IgnoreDefaultScope,

        [string]$PhotoType
    )
    process {
        $key = $Identity.ToLowerInvariant()
        switch ($PSCmdlet.ParameterSetName) {
            'CancelPhoto' {
                # Only this session's preview changes: nothing to confirm.
                $script:Previews.Remove($key)
                return
            }
            'SavePhoto' {
                if (-not $script:Previews.ContainsKey($key)) {
                    $record = New-Object System.Management.Automation.ErrorRecord (
                        (New-Object System.InvalidOperationException "No preview photo for $Identity; run Set-UserPhoto -Preview first."),
                        'UserPhoto.NoPreview', [System.Management.Automation.ErrorCategory]::ObjectNotFound, $Identity)
                    $PSCmdlet.WriteError($record)
                    return
                }
                if (-not $PSCmdlet.ShouldProcess($Identity, 'Set user photo')) { return }
                $streams = Get-UserPhotoCompatStream
                $result = UserPhoto\Publish-UserPhoto -User $Identity -PictureData $script:Previews[$key] -Confirm:$false -WhatIf:$false @streams
                if ($result -and $result.Status -eq 'Uploaded') { $script:Previews.Remove($key) }
                return
            }
        }

        $bytes = $PictureData
        if ($PSCmdlet.ParameterSetName -eq 'UploadPhotoStream') {
            $buffer = New-Object System.IO.MemoryStream
            $PictureStream.CopyTo($buffer)
            $bytes = $buffer.ToArray()
        }
        if ($Preview) {
            # Only prepared in this session, not uploaded: nothing to confirm.
            $streams = Get-UserPhotoCompatStream
            $rendition = UserPhoto\Resize-UserPhoto -PictureData $bytes -Target graph -WhatIf:$false @streams
            if ($rendition) { $script:Previews[$key] = $rendition.Data }
            return
        }
        if (-not $PSCmdlet.ShouldProcess($Identity, 'Set user photo')) { return }
        $streams = Get-UserPhotoCompatStream
        $null = UserPhoto\Publish-UserPhoto -User $Identity -PictureData $bytes -Confirm:$false -WhatIf:$false @streams
    }
}
