# Shared by the Pester tests: load the modules from the checkout and run `userphoto emulate`.
# Needs pwsh 7 and Pester 5, and a built checkout (cargo build --lib --bin userphoto).

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
$script:Samples = Join-Path $script:RepoRoot 'samples'
$script:AppId = 'pester-app'
$script:AppSecret = 'pester-only-secret'

function Import-UserPhotoModules {
    $runtimes = Join-Path $script:RepoRoot 'powershell/UserPhoto/runtimes'
    if (-not (Get-ChildItem -Path $runtimes -Recurse -File -ErrorAction SilentlyContinue)) {
        # No packaged library: use the debug build of the checkout.
        $name = 'libuserphoto.so'
        if ($IsWindows) { $name = 'userphoto.dll' } elseif ($IsMacOS) { $name = 'libuserphoto.dylib' }
        $env:USERPHOTO_LIBRARY = Join-Path $script:RepoRoot "target/debug/$name"
    }
    $psModulePath = Join-Path $script:RepoRoot 'powershell'
    if (($env:PSModulePath -split [IO.Path]::PathSeparator) -notcontains $psModulePath) {
        $env:PSModulePath = $psModulePath + [IO.Path]::PathSeparator + $env:PSModulePath
    }
    Import-Module (Join-Path $psModulePath 'UserPhoto/UserPhoto.psd1') -Force
    Import-Module (Join-Path $psModulePath 'UserPhoto.Compat/UserPhoto.Compat.psd1') -Force
}

function Start-TestEmulator {
    # Starts the emulator on an ephemeral loopback port; returns @{ Process; Url }.
    param([string]$Directory, [string[]]$Users, [hashtable]$Extra = @{})
    $exe = 'userphoto'
    if ($IsWindows) { $exe = 'userphoto.exe' }
    $bin = Join-Path $script:RepoRoot "target/debug/$exe"
    $i = 0
    $config = @{
        tenant = 'contoso.onmicrosoft.com'
        apps = @(@{ client_id = $script:AppId; client_secret = $script:AppSecret })
        users = @(foreach ($u in $Users) { $i++; @{ id = "id-$i"; userPrincipalName = $u } })
    }
    foreach ($k in $Extra.Keys) { $config[$k] = $Extra[$k] }
    $configPath = Join-Path $Directory "emulator-$([guid]::NewGuid()).json"
    $log = "$configPath.log"
    [IO.File]::WriteAllText($configPath, (ConvertTo-Json $config -Depth 5), (New-Object System.Text.UTF8Encoding $false))
    $process = Start-Process -FilePath $bin -ArgumentList 'emulate', '--config', $configPath, '--port', '0' `
        -RedirectStandardOutput $log -PassThru -NoNewWindow
    $url = $null
    foreach ($attempt in 1..100) {
        if (Test-Path $log) {
            $m = Select-String -Path $log -Pattern 'http://127\.0\.0\.1:\d+' | Select-Object -First 1
            if ($m) { $url = $m.Matches[0].Value; break }
        }
        Start-Sleep -Milliseconds 100
    }
    if (-not $url) { Stop-Process -Id $process.Id -Force; throw "the emulator did not start: $(Get-Content -Raw $log)" }
    @{ Process = $process; Url = $url }
}

function Stop-TestEmulator {
    param($Emulator)
    if ($Emulator -and -not $Emulator.Process.HasExited) { Stop-Process -Id $Emulator.Process.Id -Force }
}

function Connect-TestEmulator {
    param($Emulator, [string]$Secret = $script:AppSecret)
    Connect-UserPhoto -TenantId contoso.onmicrosoft.com -ClientId $script:AppId `
        -ClientSecret (ConvertTo-SecureString $Secret -AsPlainText -Force) `
        -GraphEndpoint $Emulator.Url -AuthorityEndpoint $Emulator.Url
}

function New-TestAppCertificate {
    # A self-signed app certificate with an RSA key (PowerShell 7's CertificateRequest): the
    # .pfx, its password (plain, so tests can check it never shows, and as a SecureString),
    # and the certificate PEM for the emulator's app registration.
    param([Parameter(Mandatory)][string]$Directory)
    $rsa = [System.Security.Cryptography.RSA]::Create(2048)
    $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=userphoto-pester-app', $rsa,
        [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $cert = $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddMinutes(-5), [DateTimeOffset]::UtcNow.AddDays(2))
    $password = 'pester-pfx-' + [guid]::NewGuid().ToString('N')
    $pfxPath = Join-Path $Directory "app-$([guid]::NewGuid().ToString('N')).pfx"
    [IO.File]::WriteAllBytes($pfxPath, $cert.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx, $password))
    @{
        PfxPath = $pfxPath
        Password = $password
        SecurePassword = ConvertTo-SecureString $password -AsPlainText -Force
        CertificatePem = "-----BEGIN CERTIFICATE-----`n" + [Convert]::ToBase64String($cert.RawData, 'InsertLineBreaks') + "`n-----END CERTIFICATE-----`n"
        Thumbprint = $cert.Thumbprint
    }
}

function Add-TestStoreCertificate {
    # Puts the .pfx into CurrentUser\My (with an exportable key unless -NotExportable); returns
    # the store entry for Remove-TestStoreCertificate.
    param([Parameter(Mandatory)][hashtable]$Certificate, [switch]$NotExportable)
    $flags = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]'PersistKeySet, UserKeySet'
    if (-not $NotExportable) { $flags = $flags -bor [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]::Exportable }
    $entry = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($Certificate.PfxPath, $Certificate.Password, $flags)
    $store = [System.Security.Cryptography.X509Certificates.X509Store]::new('My', 'CurrentUser')
    $store.Open('ReadWrite')
    try { $store.Add($entry) } finally { $store.Close() }
    $entry
}

function Remove-TestStoreCertificate {
    param($Entry)
    if (-not $Entry) { return }
    $store = [System.Security.Cryptography.X509Certificates.X509Store]::new('My', 'CurrentUser')
    $store.Open('ReadWrite')
    try { $store.Remove($Entry) } finally { $store.Close() }
}
