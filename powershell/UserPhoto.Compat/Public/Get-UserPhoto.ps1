function Get-UserPhoto {
    <#
    .SYNOPSIS
    Gets a user's profile photo, with the parameters of the retired Exchange Online cmdlet.

    .DESCRIPTION
    A drop-in for Exchange Online's Get-UserPhoto over the UserPhoto module: returns an
    object whose PictureData holds the photo's bytes, as the old cmdlet did. With -Preview
    it returns the photo prepared by Set-UserPhoto -Preview in this session instead of the
    stored one. A user without a photo is a non-terminating UserPhoto.NoPhoto error;
    -ErrorAction, -WarningAction and -Verbose apply to the work done underneath.

    .PARAMETER Identity
    The user: user principal name, object id or mail address.

    .PARAMETER Preview
    Return the preview photo prepared by Set-UserPhoto -Preview.

    .PARAMETER GroupMailbox
    Accepted for compatibility and ignored.

    .PARAMETER DomainController
    Accepted for compatibility and ignored.

    .PARAMETER IgnoreDefaultScope
    Accepted for compatibility and ignored.

    .PARAMETER PhotoType
    Accepted for compatibility and ignored.

    .EXAMPLE
    [IO.File]::WriteAllBytes("$PWD\adele.jpg", (Get-UserPhoto -Identity adele.vance@contoso.com).PictureData)

    Saves a user's current photo.

    .EXAMPLE
    Import-Csv .\users.csv | ForEach-Object { Get-UserPhoto -Identity $_.UserPrincipalName -ErrorAction SilentlyContinue } | Select-Object Identity, @{ n = 'Bytes'; e = { $_.PictureData.Length } }

    Lists which users of a CSV have a photo, and how large it is.

    .OUTPUTS
    UserPhoto.Compat.UserPhoto: Identity, PictureData, IsPreview.
    #>
    [CmdletBinding()]
    [OutputType('UserPhoto.Compat.UserPhoto')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'UPN', 'Id', 'Mail')]
        [ValidateNotNullOrEmpty()]
        [string]$Identity,

        [switch]$Preview,

        [switch]$GroupMailbox,

        [string]$DomainController,

        [switch]$IgnoreDefaultScope,

        [string]$PhotoType
    )
    process {
        if ($Preview) {
            $key = $Identity.ToLowerInvariant()
            if (-not $script:Previews.ContainsKey($key)) {
                $record = New-Object System.Management.Automation.ErrorRecord (
                    (New-Object System.InvalidOperationException "No preview photo for $Identity."),
                    'UserPhoto.NoPreview', [System.Management.Automation.ErrorCategory]::ObjectNotFound, $Identity)
                $PSCmdlet.WriteError($record)
                return
            }
            $data = $script:Previews[$key]
        } else {
            $streams = Get-UserPhotoCompatStream
            $photo = UserPhoto\Export-UserPhoto -User $Identity -WhatIf:$false @streams
            if (-not $photo) { return }
            $data = $photo.PictureData
        }
        [pscustomobject]@{
            PSTypeName = 'UserPhoto.Compat.UserPhoto'
            Identity = $Identity
            PictureData = $data
            IsPreview = [bool]$Preview
        }
    }
}
