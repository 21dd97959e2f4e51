function Clear-UserPhoto {
    <#
    .SYNOPSIS
    Removes users' profile photos from Microsoft 365 and/or on-premises Active Directory.

    .DESCRIPTION
    Deletes each user's photo through Microsoft Graph, so Microsoft 365 shows initials
    again; with -Target ActiveDirectory removes the user's thumbnailPhoto attribute on a
    domain controller (-Server, -Credential); with both, does both. Asks for confirmation
    per user unless -Confirm:$false is given (a removal cannot be undone, and the retired
    Remove-UserPhoto asked too); -WhatIf removes nothing. A failure for one user
    (UserPhoto.UserNotFound, UserPhoto.Forbidden when the tenant's photo policy manages
    photos on-premises or the AD account lacks Write on thumbnailPhoto,
    UserPhoto.AmbiguousUser, ...) is a non-terminating error with the user as target, and
    the next user is processed. When the domain controller refuses the credentials or its
    certificate, the command stops with a terminating error rather than failing (and
    binding) once per user.

    .PARAMETER User
    The user: user principal name, object id or mail; for Active Directory also the
    sAMAccountName (with or without DOMAIN\) or the distinguished name. Binds by property
    name from UserPrincipalName, UPN, Identity, Id, Mail or User.

    .PARAMETER Target
    Where to remove the photo: Graph (default, through the Connect-UserPhoto connection),
    ActiveDirectory (thumbnailPhoto, with -Server and -Credential), or both.

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
    Clear-UserPhoto -User adele.vance@contoso.com

    Removes one user's photo.

    .EXAMPLE
    Import-Csv .\leavers.csv | Clear-UserPhoto -Confirm:$false

    Removes the photos of every user in a CSV's UserPrincipalName column without asking.

    .EXAMPLE
    Import-Csv .\leavers.csv | Clear-UserPhoto -Target Graph, ActiveDirectory -Server dc1.corp.example -Credential (Get-Credential CORP\svc-photos) -Confirm:$false

    Removes the leavers' photos from Microsoft 365 and their thumbnailPhoto from AD.

    .OUTPUTS
    UserPhoto.ClearResult, one per user and destination: User, Destination (graph or ad),
    Status (Removed; Absent when AD had no thumbnailPhoto).
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType('UserPhoto.ClearResult')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'UPN', 'Identity', 'Id', 'Mail')]
        [ValidateNotNullOrEmpty()]
        [string]$User,

        [ValidateSet('Graph', 'ActiveDirectory')]
        [string[]]$Target = 'Graph',

        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [string]$Server,

        [string]$SearchBase,

        [string]$CaCertificatePath,

        [switch]$StartTls
    )
    begin {
        $toGraph = $Target -contains 'Graph'
        $directory = $null
        if ($Target -contains 'ActiveDirectory') {
            $directory = New-UserPhotoDirectory -Cmdlet $PSCmdlet -Server $Server -Credential $Credential `
                -SearchBase $SearchBase -CaCertificatePath $CaCertificatePath -StartTls:$StartTls
        }
        $action = @(
            if ($toGraph) { 'Remove profile photo' }
            if ($directory) { 'Remove thumbnailPhoto in Active Directory' }
        ) -join ' and '
    }
    process {
        if (-not $PSCmdlet.ShouldProcess($User, $action)) { return }
        $ok = $false
        try {
            if ($toGraph) {
                $client = Get-UserPhotoClient -Cmdlet $PSCmdlet
                $call = Invoke-UserPhotoNative -Method Remove -Argument $client, $User -TargetObject $User
                if ($call.ErrorRecord) {
                    $PSCmdlet.WriteError($call.ErrorRecord)
                } else {
                    [pscustomobject]@{ PSTypeName = 'UserPhoto.ClearResult'; User = $User; Destination = 'graph'; Status = 'Removed' }
                }
            }
            if ($directory) {
                $outcome = $null
                $call = Invoke-UserPhotoNative -Method DirectoryRemove -Argument $directory, $User -TargetObject $User
                if ($call.ErrorRecord) {
                    if (Test-UserPhotoDirectoryStop -Reason $call.ErrorRecord.Exception.Reason) { $PSCmdlet.ThrowTerminatingError($call.ErrorRecord) }
                    $PSCmdlet.WriteError($call.ErrorRecord)
                } else {
                    $outcome = ConvertFrom-Json $call.Value
                }
                if ($outcome) {
                    $status = [string]$outcome.status
                    if ($status) { $status = $status.Substring(0, 1).ToUpperInvariant() + $status.Substring(1) }
                    [pscustomobject]@{ PSTypeName = 'UserPhoto.ClearResult'; User = $User; Destination = 'ad'; Status = $status }
                }
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
