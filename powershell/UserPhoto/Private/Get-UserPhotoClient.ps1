function Get-UserPhotoClient {
    # The client handle of the current connection; a terminating error when there is none,
    # since nothing can proceed without it.
    [CmdletBinding()]
    param([Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet)
    if (-not $script:Connection) {
        $record = New-UserPhotoErrorRecord -Reason 'not-connected' `
            -Message 'Not connected to Microsoft Graph. Run Connect-UserPhoto first.'
        $Cmdlet.ThrowTerminatingError($record)
    }
    $script:Connection.Client
}
