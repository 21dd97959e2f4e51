function Get-UserPhotoStoreCertificate {
    # The certificate and private key of a certificate-store entry as PEM text, for the
    # connection JSON. Needs an exportable RSA key and .NET Core 3.0 or later (PowerShell 7):
    # .NET Framework cannot write PKCS#8.
    param(
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [Parameter(Mandatory)][string]$Thumbprint
    )
    $cert = $null
    foreach ($location in 'CurrentUser', 'LocalMachine') {
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
    $rsa = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($cert)
    $pkcs8 = $null
    try {
        if ($rsa -and ($rsa | Get-Member -Name ExportPkcs8PrivateKey)) { $pkcs8 = $rsa.ExportPkcs8PrivateKey() }
    } catch {
        Write-Verbose "Exporting the private key: $($_.Exception.Message)"
    }
    if (-not $pkcs8) {
        $Cmdlet.ThrowTerminatingError((New-UserPhotoErrorRecord -Reason 'certificate-key-not-exportable' `
            -Message ("The private key of certificate $Thumbprint cannot be exported here (it needs an exportable RSA key " +
                'and PowerShell 7). Export the certificate and key to a PEM file and use -CertificatePath.') -TargetObject $Thumbprint))
    }
    $wrap = { param($label, $bytes) "-----BEGIN $label-----`n" + [Convert]::ToBase64String($bytes, 'InsertLineBreaks') + "`n-----END $label-----`n" }
    New-Object psobject -Property @{
        CertificatePem = & $wrap 'CERTIFICATE' $cert.RawData
        PrivateKeyPem = & $wrap 'PRIVATE KEY' $pkcs8
    }
}
