function Remove-UserPhoto {
    <#
    .SYNOPSIS
    Removes a user's profile photo, with the parameters of the retired Exchange Online cmdlet.

    .DESCRIPTION
    A drop-in for Exchange Online's Remove-UserPhoto over the UserPhoto module
    (Clear-UserPhoto). It also discards a preview prepared with Set-UserPhoto -Preview.
    Failures are non-terminating errors with ids UserPhoto.<Reason> and the identity as target;
    -ErrorAction, -WarningAction and -Verbose apply to the work done underneath. Like the
    Exchange Online cmdlet, it asks for confirmation (ConfirmImpact High); scripts pass
    -Confirm:$false.

    .PARAMETER Identity
    The user: user principal name, object id or mail address.

    .PARAMETER ClearMailboxPhotoRecord
    Accepted for compatibility; the photo is removed either way.

    .PARAMETER GroupMailbox
    Accepted for compatibility and ignored.

    .PARAMETER DomainController
    Accepted for compatibility and ignored.

    .PARAMETER IgnoreDefaultScope
    Accepted for compatibility and ignored.

    .EXAMPLE
    Remove-UserPhoto -Identity adele.vance@contoso.com -Confirm:$false

    Removes one photo without asking.

    .EXAMPLE
    Import-Csv .\leavers.csv | ForEach-Object { Remove-UserPhoto -Identity $_.UserPrincipalName -Confirm:$false }

    Removes the photos of the users in a CSV.

    .OUTPUTS
    None, like the Exchange Online cmdlet.
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType([void])]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'UPN', 'Id', 'Mail')]
        [ValidateNotNullOrEmpty()]
        [string]$Identity,

        [switch]$ClearMailboxPhotoRecord,

        [switch]$GroupMailbox,

        [string]$DomainController,

        [switch]$IgnoreDefaultScope
    )
    process {
        if (-not $PSCmdlet.ShouldProcess($Identity, 'Remove user photo')) { return }
        $script:Previews.Remove($Identity.ToLowerInvariant())
        $streams = Get-UserPhotoCompatStream
        $null = UserPhoto\Clear-UserPhoto -User $Identity -Confirm:$false -WhatIf:$false @streams
    }
}
