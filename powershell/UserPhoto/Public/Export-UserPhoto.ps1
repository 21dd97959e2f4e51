function Export-UserPhoto {
    <#
    .SYNOPSIS
    Downloads users' current profile photos from Microsoft Graph or Active Directory.

    .DESCRIPTION
    Gets each user's stored photo, for a backup before a bulk overwrite or to check what
    Graph holds. With -Target ActiveDirectory it gets the user's thumbnailPhoto attribute
    from a domain controller instead (-Server, -Credential). With -OutputDirectory each
    photo is written as <user>.<format> (jpg or png, as stored; bin when the stored bytes
    are not a readable image; -WhatIf shows the files without writing them); the result
    object also carries the bytes in PictureData. A user without a photo is a
    non-terminating UserPhoto.NoPhoto error; an unknown user UserPhoto.UserNotFound (and,
    in Active Directory, a name that matches several users UserPhoto.AmbiguousUser). When
    the domain controller refuses the credentials or its certificate, the command stops
    with a terminating error rather than failing (and binding) once per user.

    .PARAMETER User
    The user: user principal name, object id or mail; for Active Directory also the
    sAMAccountName (with or without DOMAIN\) or the distinguished name. Binds by property
    name from UserPrincipalName, UPN, Identity, Id, Mail or User.

    .PARAMETER OutputDirectory
    Folder to write the photos to, created when missing. Existing files are replaced.

    .PARAMETER Target
    Where to read from: Graph (default, through the Connect-UserPhoto connection) or
    ActiveDirectory (thumbnailPhoto, with -Server and -Credential).

    .PARAMETER Credential
    Active Directory: the account to bind with (svc-photos@corp.example, CORP\svc-photos or
    a distinguished name). Required for the ActiveDirectory target; its password never
    appears in output or errors.

    .PARAMETER Server
    Active Directory: the domain controller or domain, reached over LDAPS (port 636); or a
    full ldaps:// or ldap:// URL. Default: the USERDNSDOMAIN environment variable.

    .PARAMETER SearchBase
    Active Directory: the distinguished name under which users are looked up. Default: the
    whole domain.

    .PARAMETER CaCertificatePath
    Active Directory: a PEM file with the CA that issued the domain controller's
    certificate, when the system does not trust it already.

    .PARAMETER StartTls
    Active Directory: connect to port 389 and upgrade with StartTLS instead of LDAPS.

    .EXAMPLE
    Import-Csv .\hr-export.csv | Export-UserPhoto -OutputDirectory .\backup-$(Get-Date -Format yyyyMMdd)

    Backs up the current photo of every user in a CSV before publishing new ones.

    .EXAMPLE
    (Export-UserPhoto -User adele.vance@contoso.com).PictureData | Set-Content .\adele.jpg -AsByteStream

    Saves one photo with PowerShell 7 (-Encoding Byte on Windows PowerShell).

    .EXAMPLE
    Import-Csv .\hr-export.csv | Export-UserPhoto -Target ActiveDirectory -Server dc1.corp.example -Credential (Get-Credential CORP\svc-photos) -OutputDirectory .\ad-backup

    Backs up the thumbnailPhoto of every user in the CSV from on-premises AD.

    .OUTPUTS
    UserPhoto.ExportedPhoto, one per user with a photo: User, Target, Format, Bytes, Width,
    Height, Path (with -OutputDirectory) and PictureData.
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType('UserPhoto.ExportedPhoto')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'UPN', 'Identity', 'Id', 'Mail')]
        [ValidateNotNullOrEmpty()]
        [string]$User,

        [string]$OutputDirectory,

        [ValidateSet('Graph', 'ActiveDirectory')]
        [string]$Target = 'Graph',

        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [string]$Server,

        [string]$SearchBase,

        [string]$CaCertificatePath,

        [switch]$StartTls
    )
    begin {
        $Target = Get-UserPhotoSetValue -Cmdlet $PSCmdlet -Name Target -Value $Target
        $outDir = $null
        if ($OutputDirectory) { $outDir = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($OutputDirectory) }
        $directory = $null
        if ($Target -eq 'ActiveDirectory') {
            $directory = New-UserPhotoDirectory -Cmdlet $PSCmdlet -Server $Server -Credential $Credential `
                -SearchBase $SearchBase -CaCertificatePath $CaCertificatePath -StartTls:$StartTls
        }
    }
    process {
        $ok = $false
        try {
            $client = $null
            if (-not $directory) { $client = Get-UserPhotoClient -Cmdlet $PSCmdlet }
            if ($directory) {
                $call = Invoke-UserPhotoNative -Method DirectoryDownload -Argument $directory, $User -TargetObject $User
            } else {
                $call = Invoke-UserPhotoNative -Method Download -Argument $client, $User -TargetObject $User
            }
            if ($call.ErrorRecord) {
                if (Test-UserPhotoDirectoryStop -Reason $call.ErrorRecord.Exception.Reason) { $PSCmdlet.ThrowTerminatingError($call.ErrorRecord) }
                $PSCmdlet.WriteError($call.ErrorRecord)
                $ok = $true
                return
            }
            $bytes = $call.Value
            $source = $null
            $check = Invoke-UserPhotoNative -Method Validate -Argument $bytes, '{"targets":["graph"]}'
            if ($check.ErrorRecord) {
                # Keep what is stored, readable or not: this is a backup.
                Write-Warning ('The stored photo of {0} is not a readable image ({1}); kept as it is.' -f $User, $check.ErrorRecord.Exception.Message)
            } else {
                $source = (ConvertFrom-Json $check.Value).source
            }
            $format = 'unknown'
            $extension = 'bin'
            if ($source) {
                $format = $source.format
                $extension = 'jpg'
                if ($source.format -ne 'jpeg') { $extension = $source.format }
            }
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
                Target = $Target
                Format = $format
                Bytes = $bytes.Length
                Width = $(if ($source) { $source.width })
                Height = $(if ($source) { $source.height })
                Path = $file
                PictureData = $bytes
            }
            $ok = $true
        } finally {
            # A stopped pipeline or a terminating error skips `end`: close the connection here.
            if (-not $ok -and $directory) { $directory.Dispose() }
        }
    }
    end {
        if ($directory) { $directory.Dispose() }
    }
}
