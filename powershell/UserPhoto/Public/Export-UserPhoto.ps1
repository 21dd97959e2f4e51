function Export-UserPhoto {
    <#
    .SYNOPSIS
    Downloads users' current profile photos from Microsoft Graph.

    .DESCRIPTION
    Gets each user's stored photo, for a backup before a bulk overwrite or to check what
    Graph holds. With -OutputDirectory each photo is written as <user>.<format> (jpg or
    png, as stored; -WhatIf shows the files without writing them); the result object also
    carries the bytes in PictureData. A user without a photo is a non-terminating
    UserPhoto.NoPhoto error; an unknown user UserPhoto.UserNotFound.

    .PARAMETER User
    The user: user principal name, object id or mail. Binds by property name from
    UserPrincipalName, UPN, Identity, Id, Mail or User.

    .PARAMETER OutputDirectory
    Folder to write the photos to, created when missing. Existing files are replaced.

    .EXAMPLE
    Import-Csv .\hr-export.csv | Export-UserPhoto -OutputDirectory .\backup-$(Get-Date -Format yyyyMMdd)

    Backs up the current photo of every user in a CSV before publishing new ones.

    .EXAMPLE
    (Export-UserPhoto -User adele.vance@contoso.com).PictureData | Set-Content .\adele.jpg -AsByteStream

    Saves one photo with PowerShell 7 (-Encoding Byte on Windows PowerShell).

    .OUTPUTS
    UserPhoto.ExportedPhoto, one per user with a photo: User, Format, Bytes, Width, Height,
    Path (with -OutputDirectory) and PictureData.
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType('UserPhoto.ExportedPhoto')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'UPN', 'Identity', 'Id', 'Mail')]
        [ValidateNotNullOrEmpty()]
        [string]$User,

        [string]$OutputDirectory
    )
    begin {
        $outDir = $null
        if ($OutputDirectory) { $outDir = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($OutputDirectory) }
    }
    process {
        $client = Get-UserPhotoClient -Cmdlet $PSCmdlet
        try {
            $bytes = [UserPhoto.Native.Api]::Download($client, $User)
            $source = (ConvertFrom-Json ([UserPhoto.Native.Api]::Validate($bytes, '{"targets":["graph"]}'))).source
        } catch {
            $PSCmdlet.WriteError((ConvertTo-UserPhotoErrorRecord -Caught $_ -TargetObject $User))
            return
        }
        $extension = 'jpg'
        if ($source.format -ne 'jpeg') { $extension = $source.format }
        $file = $null
        if ($outDir) {
            # A UPN is a valid file name except for characters Windows refuses.
            $name = $User -replace '[\\/:*?"<>|]', '_'
            $file = Join-Path $outDir ('{0}.{1}' -f $name, $extension)
            if ($PSCmdlet.ShouldProcess($file, "Write the profile photo of $User")) {
                if (-not (Test-Path -LiteralPath $outDir)) { $null = New-Item -ItemType Directory -Path $outDir -Force }
                [IO.File]::WriteAllBytes($file, $bytes)
            } else {
                $file = $null
            }
        }
        [pscustomobject]@{
            PSTypeName = 'UserPhoto.ExportedPhoto'
            User = $User
            Format = $source.format
            Bytes = $bytes.Length
            Width = $source.width
            Height = $source.height
            Path = $file
            PictureData = $bytes
        }
    }
}
