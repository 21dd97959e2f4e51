function Get-UserPhotoStoreCertificate {
    # The certificate and private key of a certificate-store entry as a PKCS#12 (.pfx)
    # credential for the connection JSON: the bytes in base64 and the one-time password they
    # were exported with. X509Certificate2.Export(Pfx) exists on .NET Framework and .NET
    # alike, so this works on Windows PowerShell 5.1 as well as PowerShell 7 (PKCS#8 export
    # needs .NET Core 3.0 or later). The key must be exportable.
    #
    # Neither the PFX nor its password is written anywhere: not to verbose output, not into
    # error messages (the export's own exception text is left out on purpose).
    param(
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [Parameter(Mandatory)][string]$Thumbprint
    )
    # A thumbprint copied from the certificate dialog carries spaces and often an invisible
    # left-to-right mark (U+200E, a format character): drop those; anything else that is not
    # a hex digit means the value is not a thumbprint, which is said rather than guessed at.
    $given = $Thumbprint
    $Thumbprint = ($Thumbprint -replace '[\s\p{Cf}:]', '').ToUpperInvariant()
    if ($Thumbprint -notmatch '^[0-9A-F]{40}$') {
        $Cmdlet.ThrowTerminatingError((New-UserPhotoErrorRecord -Reason 'invalid-options' -TargetObject $given `
            -Message (("-CertificateThumbprint '{0}' is not a certificate thumbprint: a SHA-1 thumbprint is 40 hexadecimal " +
                'digits (spaces, colons and invisible marks copied from the certificate dialog are ignored).') -f $given)))
    }
    $cert = $null
    # .NET on Linux and macOS has no LocalMachine\My store (opening it throws).
    $locations = @('CurrentUser')
    if ([Environment]::OSVersion.Platform -eq [PlatformID]::Win32NT) { $locations += 'LocalMachine' }
    foreach ($location in $locations) {
        $store = New-Object System.Security.Cryptography.X509Certificates.X509Store 'My', $location
        try {
            $store.Open('ReadOnly')
            $found = $store.Certificates.Find('FindByThumbprint', $Thumbprint, $false)
            if ($found.Count -gt 0) { $cert = $found[0]; break }
        } catch {
            Write-Verbose "Certificate store $location\My: $($_.Exception.Message)"
        } finally {
            $store.Close()
        }
    }
    if (-not $cert) {
        $Cmdlet.ThrowTerminatingError((New-UserPhotoErrorRecord -Reason 'certificate-not-found' `
            -Message "No certificate with thumbprint $Thumbprint in CurrentUser\My or LocalMachine\My." -TargetObject $Thumbprint))
    }
    if (-not $cert.HasPrivateKey) {
        $Cmdlet.ThrowTerminatingError((New-UserPhotoErrorRecord -Reason 'certificate-key-not-exportable' -TargetObject $Thumbprint `
            -Message ("Certificate $Thumbprint has no private key in this store. Import the certificate together with its " +
                'private key (a .pfx), or use -CertificatePath with a PEM or .pfx file that holds the key.')))
    }
    # A random one-time password: the PFX lives only in this call and the connection JSON.
    $random = New-Object byte[] 24
    $rng = [System.Security.Cryptography.RandomNumberGenerator]::Create()
    try { $rng.GetBytes($random) } finally { $rng.Dispose() }
    $password = [Convert]::ToBase64String($random)
    [Array]::Clear($random, 0, $random.Length)
    $pfx = $null
    try {
        $pfx = $cert.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx, $password)
    } catch {
        # A key created or imported without the Exportable flag (the default for
        # Import-PfxCertificate and for keys on a smart card or TPM) cannot leave the store.
        # The exception's text is generic ("Key not valid for use in specified state"): it
        # holds neither the password nor key material.
        Write-Verbose ('Exporting certificate {0}: {1}' -f $Thumbprint, $_.Exception.GetBaseException().Message)
        $pfx = $null
    }
    if ($null -eq $pfx -or $pfx.Length -eq 0) {
        $Cmdlet.ThrowTerminatingError((New-UserPhotoErrorRecord -Reason 'certificate-key-not-exportable' -TargetObject $Thumbprint `
            -Message ("The private key of certificate $Thumbprint cannot be exported (it is marked non-exportable, or this " +
                'account may not read it), so UserPhoto cannot sign with it. ' +
                'Re-import it from its .pfx with an exportable key (Import-PfxCertificate -Exportable), or connect with ' +
                '-CertificatePath pointing at that .pfx (with -CertificatePassword) or at PEM files instead.')))
    }
    try {
        New-Object psobject -Property @{
            PfxBase64 = [Convert]::ToBase64String($pfx)
            PfxPassword = $password
        }
    } finally {
        [Array]::Clear($pfx, 0, $pfx.Length)
    }
}
