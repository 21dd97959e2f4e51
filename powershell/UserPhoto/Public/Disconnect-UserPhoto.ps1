function Disconnect-UserPhoto {
    <#
    .SYNOPSIS
    Closes the Microsoft Graph connection made by Connect-UserPhoto.

    .DESCRIPTION
    Frees the native client: its cached token, HTTP connections and credentials. Jobs still
    running (a Publish-UserPhoto pipeline in another runspace) keep the client alive until
    they finish. Doing nothing when not connected is not an error.

    .EXAMPLE
    Connect-UserPhoto -TenantId contoso.onmicrosoft.com -ClientId $appId -CertificatePath .\app.pem
    Import-Csv .\hr-export.csv | Publish-UserPhoto | Export-Csv .\report.csv -NoTypeInformation
    Disconnect-UserPhoto

    Connects, publishes the photos listed in a CSV, writes a report and disconnects.

    .OUTPUTS
    None.
    #>
    [CmdletBinding()]
    [OutputType([void])]
    param()
    if ($script:Connection) {
        $script:Connection.Client.Dispose()
        $script:Connection = $null
        Write-Verbose 'Disconnected from Microsoft Graph.'
    }
}
