function ConvertTo-UserPhotoDirectoryUrl {
    # -Server as the library's url: a host name (with an optional :port) becomes ldaps://host,
    # or ldap://host (StartTLS) with -StartTls; an ldap:// or ldaps:// URL is taken as it is.
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)][string]$Server, [switch]$StartTls)
    $s = $Server.Trim().TrimEnd('/')
    if ($s -match '^(?i)ldaps?://') { return $s }
    if ($StartTls) { return "ldap://$s" }
    "ldaps://$s"
}

function New-UserPhotoDirectory {
    # The directory handle (an Active Directory domain controller connection) for a cmdlet's
    # -Server/-Credential/... parameters. The caller disposes it. No network traffic happens
    # here; missing or wrong parameters are terminating errors, since nothing can proceed.
    #
    # The password never becomes a managed string: the SecureString goes to
    # Api.NewDirectory, which writes it into the connection JSON in pinned memory and zeroes
    # that after the call (ConvertFrom-UserPhotoSecureString would leave a string behind
    # that cannot be wiped).
    [CmdletBinding()]
    [OutputType([UserPhoto.Native.UpDirectoryHandle])]
    param(
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [string]$Server,
        [System.Management.Automation.PSCredential]$Credential,
        [string]$SearchBase,
        [string]$CaCertificatePath,
        [switch]$StartTls,
        [int]$MaxBytes
    )
    if (-not $Server) {
        # On a domain-joined Windows machine the domain's DNS name reaches its DCs.
        $Server = $env:USERDNSDOMAIN
    }
    if (-not $Server) {
        $Cmdlet.ThrowTerminatingError((New-UserPhotoErrorRecord -Reason 'invalid-options' `
            -Message 'Active Directory: give -Server (a domain controller or domain name, or an ldaps:// or ldap:// URL).'))
    }
    if (-not $Credential -or $Credential -eq [System.Management.Automation.PSCredential]::Empty) {
        $Cmdlet.ThrowTerminatingError((New-UserPhotoErrorRecord -Reason 'invalid-options' -TargetObject $Server `
            -Message ('Active Directory: give -Credential, the account that binds to the domain controller ' +
                '(svc-photos@corp.example, CORP\svc-photos or a DN) with Write access to thumbnailPhoto.')))
    }
    $url = ConvertTo-UserPhotoDirectoryUrl -Server $Server -StartTls:$StartTls
    if ($StartTls -and $url -match '^(?i)ldaps://') {
        $Cmdlet.ThrowTerminatingError((New-UserPhotoErrorRecord -Reason 'invalid-options' -TargetObject $url `
            -Message "Active Directory: -StartTls needs an ldap:// server, not $url (ldaps:// is TLS from the start)."))
    }
    $config = [ordered]@{ url = $url; bind_user = $Credential.UserName }
    if ($SearchBase) { $config.search_base = $SearchBase }
    if ($CaCertificatePath) { $config.ca_file = $Cmdlet.GetUnresolvedProviderPathFromPSPath($CaCertificatePath) }
    if ($MaxBytes) { $config.max_bytes = $MaxBytes }
    Write-Verbose ('Active Directory: {0} as {1}' -f $url, $Credential.UserName)
    $call = Invoke-UserPhotoNative -Method NewDirectory -Argument (ConvertTo-Json -InputObject $config -Compress), $Credential.Password -TargetObject $url
    if ($call.ErrorRecord) { $Cmdlet.ThrowTerminatingError($call.ErrorRecord) }
    $call.Value
}

function Test-UserPhotoDirectoryStop {
    # A directory failure that stops the batch: the DC refused the bind (more attempts can lock
    # the account out) or its certificate is not trusted (every call would fail the same way).
    param([string]$Reason)
    $Reason -eq 'invalid-credentials' -or $Reason -eq 'directory-tls'
}
