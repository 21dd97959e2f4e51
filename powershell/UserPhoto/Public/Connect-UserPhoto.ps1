function Connect-UserPhoto {
    <#
    .SYNOPSIS
    Connects the UserPhoto cmdlets to Microsoft Graph for one tenant.

    .DESCRIPTION
    Creates the Microsoft Graph connection that Publish-UserPhoto, Sync-UserPhoto,
    Export-UserPhoto and Clear-UserPhoto use until Disconnect-UserPhoto. The app needs the
    ProfilePhoto.ReadWrite.All (or User.ReadWrite.All) application permission with admin
    consent. Credentials: a client secret (as a SecureString), a certificate from the
    certificate store, a PEM file or a .pfx file (recommended for scheduled jobs), a managed identity
    (Azure Automation, App Service, VMs), or an access token obtained elsewhere.

    No network traffic happens here: the token is requested by the first call, so a wrong
    secret shows up as a UserPhoto.Auth error there. Secrets and tokens never appear in
    messages, results or errors. Connecting again replaces the current connection.

    -GraphEndpoint and -AuthorityEndpoint point the connection at another endpoint, such
    as the local Graph emulator (`userphoto emulate`); plain http is accepted only for
    loopback addresses.

    .PARAMETER TenantId
    The tenant: its primary domain (contoso.onmicrosoft.com) or its id.

    .PARAMETER ClientId
    The application (client) id of the app registration.

    .PARAMETER ClientSecret
    The app's client secret, as a SecureString (Read-Host -AsSecureString, a credential
    store, or Get-AutomationVariable in Azure Automation).

    .PARAMETER CertificateThumbprint
    Thumbprint of a certificate with an RSA private key in CurrentUser\My or
    LocalMachine\My (PowerShell 7 and Windows PowerShell 5.1). The key must be exportable:
    the certificate and key are exported in memory as a .pfx with a random one-time
    password and handed to the native library, which signs the client assertions; neither
    ever appears in output, verbose messages or errors. A non-exportable key is a
    terminating UserPhoto.CertificateKeyNotExportable error; re-import the certificate with
    an exportable key, or use -CertificatePath.

    .PARAMETER CertificatePath
    Path of the app's certificate: a PEM file (the private key may be in the same file, or
    in -PrivateKeyPath), or a .pfx/.p12 file holding certificate and key (with
    -CertificatePassword), chosen by the file extension as the userphoto CLI does.

    .PARAMETER CertificatePassword
    The password of a .pfx/.p12 -CertificatePath, as a SecureString. Omit it for a .pfx
    without a password.

    .PARAMETER PrivateKeyPath
    Path of a PEM file with the certificate's private key, when it is not in the
    certificate file.

    .PARAMETER CertificateAlgorithm
    Signature of the client assertion: RS256 (the default) or PS256.

    .PARAMETER ManagedIdentity
    Use the managed identity of the Azure resource the script runs on.

    .PARAMETER ManagedIdentityClientId
    Client id of a user-assigned managed identity; omit it for the system-assigned one.

    .PARAMETER AccessToken
    A Microsoft Graph access token obtained elsewhere, as a SecureString. It is not renewed.

    .PARAMETER Environment
    The cloud: Global (default), USGov, USGovDoD or China.

    .PARAMETER GraphEndpoint
    Base URL of Microsoft Graph, instead of the environment's (e.g. the emulator's URL).

    .PARAMETER AuthorityEndpoint
    Base URL of the Entra ID token endpoint, instead of the environment's.

    .PARAMETER CaCertificatePath
    A PEM file of extra certificate authorities to trust (for example the emulator's
    generated CA, or a TLS-inspecting proxy). Certificates are always verified.

    .PARAMETER MaxConcurrency
    Requests to Graph in flight at once (default 4, Graph's limit for photo updates).

    .PARAMETER TimeoutSeconds
    Timeout of one HTTP request (default 60).

    .EXAMPLE
    $secret = Read-Host -AsSecureString 'Client secret'
    Connect-UserPhoto -TenantId contoso.onmicrosoft.com -ClientId $appId -ClientSecret $secret
    Import-Csv .\hr-export.csv | Publish-UserPhoto

    Connects with a client secret, then publishes every photo listed in a CSV with
    UserPrincipalName and Path columns.

    .EXAMPLE
    # Task Scheduler: pwsh -NoProfile -File C:\Jobs\Photos.ps1
    Import-Module UserPhoto
    Connect-UserPhoto -TenantId contoso.onmicrosoft.com -ClientId $appId -CertificateThumbprint 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678'
    Sync-UserPhoto -CsvPath \\hr\exports\photos.csv -JournalPath C:\Jobs\photos.sqlite -ReportPath C:\Jobs\report.csv
    Disconnect-UserPhoto

    A scheduled job authenticating with a certificate from the store.

    .EXAMPLE
    Connect-UserPhoto -ManagedIdentity
    Get-ChildItem .\photos | ForEach-Object { [pscustomobject]@{ UPN = $_.BaseName; Path = $_.FullName } } | Publish-UserPhoto

    In an Azure Automation runbook, with the account's managed identity.

    .EXAMPLE
    Connect-UserPhoto -TenantId contoso.onmicrosoft.com -ClientId 11111111-2222-3333-4444-555555555555 -ClientSecret (ConvertTo-SecureString 'demo-only-secret' -AsPlainText -Force) -GraphEndpoint http://127.0.0.1:8080 -AuthorityEndpoint http://127.0.0.1:8080

    Connects to the local Graph emulator started with `userphoto emulate --config samples/emulator.json --port 8080`.

    .EXAMPLE
    $pfxPassword = Read-Host -AsSecureString 'PFX password'
    Connect-UserPhoto -TenantId contoso.onmicrosoft.com -ClientId $appId -CertificatePath C:\Jobs\photo-app.pfx -CertificatePassword $pfxPassword

    Connects with a certificate and key kept in a .pfx file, on Windows PowerShell 5.1 or PowerShell 7.

    .OUTPUTS
    UserPhoto.Connection: TenantId, ClientId, CredentialType, Environment, GraphEndpoint,
    AuthorityEndpoint. It never contains a secret.
    #>
    [CmdletBinding(DefaultParameterSetName = 'ClientSecret')]
    [OutputType('UserPhoto.Connection')]
    param(
        [Parameter(Mandatory, ParameterSetName = 'ClientSecret')]
        [Parameter(Mandatory, ParameterSetName = 'CertificateThumbprint')]
        [Parameter(Mandatory, ParameterSetName = 'CertificatePath')]
        [Parameter(ParameterSetName = 'ManagedIdentity')]
        [Parameter(ParameterSetName = 'AccessToken')]
        [Alias('Tenant')]
        [string]$TenantId,

        [Parameter(Mandatory, ParameterSetName = 'ClientSecret')]
        [Parameter(Mandatory, ParameterSetName = 'CertificateThumbprint')]
        [Parameter(Mandatory, ParameterSetName = 'CertificatePath')]
        [Parameter(ParameterSetName = 'AccessToken')]
        [Alias('ApplicationId', 'AppId')]
        [string]$ClientId,

        [Parameter(Mandatory, ParameterSetName = 'ClientSecret')]
        [System.Security.SecureString]$ClientSecret,

        [Parameter(Mandatory, ParameterSetName = 'CertificateThumbprint')]
        [ValidateNotNullOrEmpty()]
        [string]$CertificateThumbprint,

        [Parameter(Mandatory, ParameterSetName = 'CertificatePath')]
        [string]$CertificatePath,

        [Parameter(ParameterSetName = 'CertificatePath')]
        [string]$PrivateKeyPath,

        [Parameter(ParameterSetName = 'CertificatePath')]
        [System.Security.SecureString]$CertificatePassword,

        [Parameter(ParameterSetName = 'CertificatePath')]
        [Parameter(ParameterSetName = 'CertificateThumbprint')]
        [ValidateSet('RS256', 'PS256')]
        [string]$CertificateAlgorithm = 'RS256',

        [Parameter(Mandatory, ParameterSetName = 'ManagedIdentity')]
        [switch]$ManagedIdentity,

        [Parameter(ParameterSetName = 'ManagedIdentity')]
        [string]$ManagedIdentityClientId,

        [Parameter(Mandatory, ParameterSetName = 'AccessToken')]
        [System.Security.SecureString]$AccessToken,

        [ValidateSet('Global', 'USGov', 'USGovDoD', 'China')]
        [string]$Environment = 'Global',

        [uri]$GraphEndpoint,

        [uri]$AuthorityEndpoint,

        [string]$CaCertificatePath,

        [ValidateRange(1, 64)]
        [int]$MaxConcurrency,

        [ValidateRange(1, 3600)]
        [int]$TimeoutSeconds
    )

    $fullPath = { param($p) $PSCmdlet.GetUnresolvedProviderPathFromPSPath($p) }
    $Environment = Get-UserPhotoSetValue -Cmdlet $PSCmdlet -Name Environment -Value $Environment
    $CertificateAlgorithm = Get-UserPhotoSetValue -Cmdlet $PSCmdlet -Name CertificateAlgorithm -Value $CertificateAlgorithm
    switch ($PSCmdlet.ParameterSetName) {
        'ClientSecret' {
            $credential = @{ type = 'secret'; secret = ConvertFrom-UserPhotoSecureString $ClientSecret }
        }
        'CertificateThumbprint' {
            $pfx = Get-UserPhotoStoreCertificate -Cmdlet $PSCmdlet -Thumbprint $CertificateThumbprint
            $credential = @{ type = 'certificate'; pfx_base64 = $pfx.PfxBase64
                pfx_password = $pfx.PfxPassword; algorithm = $CertificateAlgorithm }
            $pfx = $null
        }
        'CertificatePath' {
            $certificateFile = & $fullPath $CertificatePath
            if ([IO.Path]::GetExtension($certificateFile) -match '^\.(pfx|p12)$') {
                if ($PrivateKeyPath) {
                    $PSCmdlet.ThrowTerminatingError((New-UserPhotoErrorRecord -Reason 'invalid-options' -TargetObject $certificateFile `
                        -Message "$certificateFile is a .pfx/.p12 file, which holds its own private key: leave out -PrivateKeyPath."))
                }
                $credential = @{ type = 'certificate'; pfx_path = $certificateFile; algorithm = $CertificateAlgorithm }
                if ($CertificatePassword) { $credential.pfx_password = ConvertFrom-UserPhotoSecureString $CertificatePassword }
            } else {
                if ($CertificatePassword) {
                    $PSCmdlet.ThrowTerminatingError((New-UserPhotoErrorRecord -Reason 'invalid-options' -TargetObject $certificateFile `
                        -Message ("-CertificatePassword is for a .pfx or .p12 -CertificatePath; $certificateFile is read as PEM, " +
                            'whose private key must not be encrypted.')))
                }
                $keyFile = $certificateFile
                if ($PrivateKeyPath) { $keyFile = & $fullPath $PrivateKeyPath }
                $credential = @{ type = 'certificate'; certificate_path = $certificateFile
                    private_key_path = $keyFile; algorithm = $CertificateAlgorithm }
            }
        }
        'ManagedIdentity' {
            $credential = @{ type = 'managed_identity'; client_id = $null }
            if ($ManagedIdentityClientId) { $credential.client_id = $ManagedIdentityClientId }
        }
        'AccessToken' {
            $credential = @{ type = 'access_token'; token = ConvertFrom-UserPhotoSecureString $AccessToken }
        }
    }

    $config = @{ credential = $credential; environment = $Environment }
    if ($TenantId) { $config.tenant = $TenantId }
    if ($ClientId) { $config.client_id = $ClientId }
    if ($GraphEndpoint) { $config.graph_endpoint = $GraphEndpoint.OriginalString.TrimEnd('/') }
    if ($AuthorityEndpoint) { $config.authority = $AuthorityEndpoint.OriginalString.TrimEnd('/') }
    if ($CaCertificatePath) { $config.extra_ca_pem = [IO.File]::ReadAllText((& $fullPath $CaCertificatePath)) }
    if ($MaxConcurrency) { $config.max_concurrency = $MaxConcurrency }
    if ($TimeoutSeconds) { $config.timeout_secs = $TimeoutSeconds }

    $call = Invoke-UserPhotoNative -Method NewClient -Argument (ConvertTo-Json -InputObject $config -Depth 4 -Compress) -TargetObject $TenantId
    $config = $null
    $credential = $null
    if ($call.ErrorRecord) { $PSCmdlet.ThrowTerminatingError($call.ErrorRecord) }
    $client = $call.Value

    if ($script:Connection) { $script:Connection.Client.Dispose() }
    $info = [pscustomobject]@{
        PSTypeName = 'UserPhoto.Connection'
        TenantId = $TenantId
        ClientId = $ClientId
        CredentialType = $PSCmdlet.ParameterSetName
        Environment = $Environment
        GraphEndpoint = $GraphEndpoint
        AuthorityEndpoint = $AuthorityEndpoint
    }
    $script:Connection = @{ Client = $client; Info = $info }
    $info
}
