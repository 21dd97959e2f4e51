function Clear-UserPhoto {
    <#
    .SYNOPSIS
    Removes users' profile photos from Microsoft 365.

    .DESCRIPTION
    Deletes each user's photo through Microsoft Graph, so Microsoft 365 shows initials
    again. Asks for confirmation per user with -Confirm; -WhatIf removes nothing. A failure
    for one user (UserPhoto.UserNotFound, UserPhoto.Forbidden when the tenant's photo
    policy manages photos on-premises, ...) is a non-terminating error with the user as
    target, and the next user is processed.

    .PARAMETER User
    The user: user principal name, object id or mail. Binds by property name from
    UserPrincipalName, UPN, Identity, Id, Mail or User.

    .EXAMPLE
    Clear-UserPhoto -User adele.vance@contoso.com

    Removes one user's photo.

    .EXAMPLE
    Import-Csv .\leavers.csv | Clear-UserPhoto -Confirm:$false

    Removes the photos of every user in a CSV's UserPrincipalName column without asking.

    .OUTPUTS
    UserPhoto.ClearResult, one per removed photo: User, Status (Removed).
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('UserPhoto.ClearResult')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'UPN', 'Identity', 'Id', 'Mail')]
        [ValidateNotNullOrEmpty()]
        [string]$User
    )
    process {
        if (-not $PSCmdlet.ShouldProcess($User, 'Remove profile photo')) { return }
        $client = Get-UserPhotoClient -Cmdlet $PSCmdlet
        try {
            [UserPhoto.Native.Api]::Remove($client, $User)
        } catch {
            $PSCmdlet.WriteError((ConvertTo-UserPhotoErrorRecord -Caught $_ -TargetObject $User))
            return
        }
        [pscustomobject]@{ PSTypeName = 'UserPhoto.ClearResult'; User = $User; Status = 'Removed' }
    }
}
