# Connect-UserPhoto with every credential type against the emulator: client secret, PEM and
# .pfx certificates, a store certificate by thumbprint, an access token and a managed
# identity; national cloud and algorithm names in any case.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-UserPhotoModules
    $script:Photo = Join-Path $script:Samples 'Portrait_3.jpg'
    $script:AppCert = New-TestAppCertificate -Directory $TestDrive
    $script:Emu = Start-TestEmulator -Directory $TestDrive -Users @('lee.gu@contoso.com') -Extra @{
        apps = @(
            @{ client_id = $script:AppId; client_secret = $script:AppSecret }
            @{ client_id = 'pester-cert-app'; certificate_pem = $script:AppCert.CertificatePem }
        )
        managed_identity = @{ identity_header = 'pester-identity-header'; client_id = 'pester-mi-app' }
    }
    $script:CertConnect = @{ TenantId = 'contoso.onmicrosoft.com'; ClientId = 'pester-cert-app'
        GraphEndpoint = $script:Emu.Url; AuthorityEndpoint = $script:Emu.Url }

    function Test-Publishes {
        # The connection works end to end: one upload through it.
        (Publish-UserPhoto -User 'lee.gu@contoso.com' -Path $script:Photo -Force).Status | Should -Be 'Uploaded'
    }
}

AfterAll {
    Disconnect-UserPhoto
    Stop-TestEmulator $script:Emu
}

Describe 'Client secret' {
    It 'connects, returns the connection without the secret, and publishes' {
        $c = Connect-TestEmulator $script:Emu
        $c.CredentialType | Should -Be 'ClientSecret'
        ($c | Out-String) | Should -Not -Match $script:AppSecret
        Test-Publishes
    }

    It 'a wrong secret is UserPhoto.Auth at the first call, without the secret' {
        $null = Connect-TestEmulator $script:Emu -Secret 'not-the-pester-secret'
        try {
            Publish-UserPhoto -User 'lee.gu@contoso.com' -Path $script:Photo -ErrorVariable errs -ErrorAction SilentlyContinue | Out-Null
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.Auth*'
            $errs[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
            ($errs | Out-String) | Should -Not -Match 'not-the-pester-secret'
        } finally {
            $null = Connect-TestEmulator $script:Emu
        }
    }

    It '-Environment takes the cloud name in any case' {
        $c = Connect-UserPhoto -TenantId contoso.onmicrosoft.com -ClientId $script:AppId -Environment usgov `
            -ClientSecret (ConvertTo-SecureString $script:AppSecret -AsPlainText -Force) -GraphEndpoint $script:Emu.Url -AuthorityEndpoint $script:Emu.Url
        $c.Environment | Should -BeExactly 'USGov'
        Test-Publishes
    }
}

Describe 'Certificates' {
    It '-CertificatePath takes a PEM file holding certificate and key' {
        $null = Connect-UserPhoto @CertConnect -CertificatePath $script:AppCert.PemPath
        Test-Publishes
    }

    It '-CertificatePath with -PrivateKeyPath, and -CertificateAlgorithm in any case' {
        $c = Connect-UserPhoto @CertConnect -CertificatePath $script:AppCert.CertPemPath -PrivateKeyPath $script:AppCert.KeyPemPath -CertificateAlgorithm ps256
        $c.CredentialType | Should -Be 'CertificatePath'
        Test-Publishes
    }

    It '-CertificatePath takes a .pfx with -CertificatePassword, which never shows' {
        $out = Connect-UserPhoto @CertConnect -CertificatePath $script:AppCert.PfxPath -CertificatePassword $script:AppCert.SecurePassword -Verbose 4>&1
        ($out | Out-String) | Should -Not -Match $script:AppCert.Password
        Test-Publishes
    }

    It 'a wrong .pfx password is a terminating UserPhoto.Config that does not show it' {
        $wrong = ConvertTo-SecureString 'Wr0ng-Pfx-Pester-Pw' -AsPlainText -Force
        $err = $null
        try { Connect-UserPhoto @CertConnect -CertificatePath $script:AppCert.PfxPath -CertificatePassword $wrong } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'UserPhoto.Config*'
        $err.ToString() | Should -Not -Match 'Wr0ng-Pfx-Pester-Pw'
    }

    It '-PrivateKeyPath with a .pfx, and -CertificatePassword with a PEM file, are refused' {
        { Connect-UserPhoto @CertConnect -CertificatePath $script:AppCert.PfxPath -PrivateKeyPath $script:AppCert.KeyPemPath } |
            Should -Throw -ErrorId 'UserPhoto.InvalidOptions,*'
        { Connect-UserPhoto @CertConnect -CertificatePath $script:AppCert.PemPath -CertificatePassword $script:AppCert.SecurePassword } |
            Should -Throw -ErrorId 'UserPhoto.InvalidOptions,*'
    }

    It '-CertificateThumbprint takes a thumbprint pasted from the certificate dialog (spaces, left-to-right mark)' {
        $entry = Add-TestStoreCertificate $script:AppCert
        try {
            $pasted = [string][char]0x200E + (($script:AppCert.Thumbprint.ToLowerInvariant() -split '(..)' | Where-Object { $_ }) -join ' ')
            $out = Connect-UserPhoto @CertConnect -CertificateThumbprint $pasted -Verbose 4>&1
            ($out | Out-String) | Should -Not -Match 'pfx|MII'
            ($out | Where-Object { $_.PSObject.TypeNames -contains 'UserPhoto.Connection' }).CredentialType | Should -Be 'CertificateThumbprint'
            Test-Publishes
        } finally {
            Remove-TestStoreCertificate $entry
        }
    }

    It 'a thumbprint that is not 40 hex digits is a terminating UserPhoto.InvalidOptions naming it' {
        { Connect-UserPhoto @CertConnect -CertificateThumbprint 'A1B2 C3' } |
            Should -Throw -ErrorId 'UserPhoto.InvalidOptions,*' -ExpectedMessage '*A1B2 C3*40*'
    }

    It 'an unknown thumbprint is a terminating UserPhoto.CertificateNotFound' {
        { Connect-UserPhoto @CertConnect -CertificateThumbprint ('0' * 40) } | Should -Throw -ErrorId 'UserPhoto.CertificateNotFound,*'
    }

    It 'a store certificate whose key cannot be exported is a terminating UserPhoto.CertificateKeyNotExportable' -Skip:(-not $script:OnWindows) {
        # Only Windows key stores enforce non-exportable keys.
        $entry = Add-TestStoreCertificate $script:AppCert -NotExportable
        try {
            { Connect-UserPhoto @CertConnect -CertificateThumbprint $script:AppCert.Thumbprint } |
                Should -Throw -ErrorId 'UserPhoto.CertificateKeyNotExportable,*' -ExpectedMessage "*$($script:AppCert.Thumbprint)*-CertificatePath*"
        } finally {
            Remove-TestStoreCertificate $entry
        }
    }
}

Describe 'Access token' {
    It '-AccessToken uses a token obtained elsewhere' {
        $token = (Invoke-RestMethod -Method Post -Uri "$($script:Emu.Url)/contoso.onmicrosoft.com/oauth2/v2.0/token" -Body @{
                grant_type = 'client_credentials'; client_id = $script:AppId; client_secret = $script:AppSecret
                scope = 'https://graph.microsoft.com/.default' }).access_token
        $c = Connect-UserPhoto -AccessToken (ConvertTo-SecureString $token -AsPlainText -Force) -GraphEndpoint $script:Emu.Url
        $c.CredentialType | Should -Be 'AccessToken'
        ($c | Out-String) | Should -Not -Match ([regex]::Escape($token))
        Test-Publishes
    }
}

Describe 'Managed identity' {
    It '-ManagedIdentity takes the token from IDENTITY_ENDPOINT (App Service, Functions, Automation)' {
        # The library reads the process environment, so the identity endpoint is set before
        # the session starts, as Azure does.
        $env:IDENTITY_ENDPOINT = "$($script:Emu.Url)/msi/token"
        $env:IDENTITY_HEADER = 'pester-identity-header'
        try {
            $r = Invoke-TestPwsh -Command @"
Import-Module ./powershell/UserPhoto
`$c = Connect-UserPhoto -ManagedIdentity -GraphEndpoint '$($script:Emu.Url)'
"type=`$(`$c.CredentialType)"
`$r = Publish-UserPhoto -User 'lee.gu@contoso.com' -Path '$($script:Photo)' -Force
"status=`$(`$r.Status)"
"@
        } finally {
            Remove-Item Env:IDENTITY_ENDPOINT, Env:IDENTITY_HEADER
        }
        $r.Output | Should -Match 'type=ManagedIdentity'
        $r.Output | Should -Match 'status=Uploaded'
        $r.Output | Should -Not -Match 'pester-identity-header'
    }
}
