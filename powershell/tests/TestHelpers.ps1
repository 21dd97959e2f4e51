# Shared by the Pester tests (dot-sourced in each file's BeforeAll): load the modules from
# the checkout, run `userphoto emulate`, make certificates, feeds and scripted hosts.
# Needs a built checkout: cargo build --lib --bin userphoto (scripts/test-powershell.sh
# does it). Runs on PowerShell 7 and Windows PowerShell 5.1.

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
$script:Samples = Join-Path $script:RepoRoot 'samples'
$script:ModuleRoot = Join-Path $script:RepoRoot 'powershell'
$script:AppId = 'pester-app'
$script:AppSecret = 'pester-only-secret'
$script:OnWindows = [Environment]::OSVersion.Platform -eq [PlatformID]::Win32NT

function Get-TestBuildFile([string]$Name) {
    # A file of the debug build: the library or the CLI, named for this OS.
    $file = switch ($Name) {
        'library' { if ($script:OnWindows) { 'userphoto.dll' } elseif ($IsMacOS) { 'libuserphoto.dylib' } else { 'libuserphoto.so' } }
        'cli' { if ($script:OnWindows) { 'userphoto.exe' } else { 'userphoto' } }
    }
    $dir = $env:USERPHOTO_TEST_BUILD
    if (-not $dir) { $dir = Join-Path $script:RepoRoot 'target/debug' }
    Join-Path $dir $file
}

function Set-TestLibrary {
    # The module loads the library named by USERPHOTO_LIBRARY (the checkout's build) when the
    # package's runtimes/ folder has none.
    $runtimes = Join-Path $script:ModuleRoot 'UserPhoto/runtimes'
    if (-not (Get-ChildItem -Path $runtimes -Recurse -File -ErrorAction SilentlyContinue)) {
        $env:USERPHOTO_LIBRARY = Get-TestBuildFile library
    }
}

function Import-UserPhotoModules {
    Set-TestLibrary
    Import-Module (Join-Path $script:ModuleRoot 'UserPhoto/UserPhoto.psd1') -Force -Global
    Import-Module (Join-Path $script:ModuleRoot 'UserPhoto.Compat/UserPhoto.Compat.psd1') -Force -Global
}

function Start-TestEmulator {
    # Starts `userphoto emulate` on an ephemeral loopback port with the given users (ids
    # id-1, id-2, ...); returns @{ Process; Url; Log }.
    param([Parameter(Mandatory)][string]$Directory, [string[]]$Users = @(), [hashtable]$Extra = @{})
    $i = 0
    $config = @{
        tenant = 'contoso.onmicrosoft.com'
        apps = @(@{ client_id = $script:AppId; client_secret = $script:AppSecret })
        users = @(foreach ($u in $Users) { $i++; @{ id = "id-$i"; userPrincipalName = $u } })
    }
    foreach ($k in $Extra.Keys) { $config[$k] = $Extra[$k] }
    $configPath = Join-Path $Directory "emulator-$([guid]::NewGuid().ToString('N')).json"
    $log = "$configPath.log"
    [IO.File]::WriteAllText($configPath, (ConvertTo-Json $config -Depth 6), (New-Object System.Text.UTF8Encoding $false))
    $process = Start-Process -FilePath (Get-TestBuildFile cli) -ArgumentList 'emulate', '--config', $configPath, '--port', '0' `
        -RedirectStandardOutput $log -RedirectStandardError "$log.err" -PassThru -NoNewWindow
    $url = $null
    foreach ($attempt in 1..200) {
        if (Test-Path -LiteralPath $log) {
            $m = Select-String -LiteralPath $log -Pattern 'https?://127\.0\.0\.1:\d+' | Select-Object -First 1
            if ($m) { $url = $m.Matches[0].Value; break }
        }
        if ($process.HasExited) { break }
        Start-Sleep -Milliseconds 50
    }
    if (-not $url) {
        if (-not $process.HasExited) { Stop-Process -Id $process.Id -Force }
        throw "the emulator did not start: $(Get-Content -Raw -LiteralPath $log -ErrorAction SilentlyContinue) $(Get-Content -Raw -LiteralPath "$log.err" -ErrorAction SilentlyContinue)"
    }
    @{ Process = $process; Url = $url; Log = $log }
}

function Stop-TestEmulator {
    param($Emulator)
    if ($Emulator -and -not $Emulator.Process.HasExited) { Stop-Process -Id $Emulator.Process.Id -Force }
}

function Get-TestEmulatorStats {
    # The emulator's counters (GET /_emulator/stats): successful_puts, puts_by_user, ...
    param([Parameter(Mandatory)]$Emulator)
    Invoke-RestMethod -Uri "$($Emulator.Url)/_emulator/stats"
}

function Connect-TestEmulator {
    param($Emulator, [string]$Secret = $script:AppSecret)
    Connect-UserPhoto -TenantId contoso.onmicrosoft.com -ClientId $script:AppId `
        -ClientSecret (ConvertTo-SecureString $Secret -AsPlainText -Force) `
        -GraphEndpoint $Emulator.Url -AuthorityEndpoint $Emulator.Url
}

function New-TestFeed {
    # A folder with one photo per user (the sample photos in turn) and a CSV listing them
    # under the given column names; returns @{ Dir; Csv; Rows }.
    param(
        [Parameter(Mandatory)][string]$Directory,
        [Parameter(Mandatory)][string[]]$Users,
        [string]$UserColumn = 'UserPrincipalName',
        [string]$PathColumn = 'Path'
    )
    $null = New-Item -ItemType Directory -Path $Directory -Force
    $photos = @(Get-ChildItem -LiteralPath $script:Samples -Filter *.jpg | Sort-Object Name)
    $i = 0
    $rows = @(foreach ($u in $Users) {
        $file = Join-Path $Directory ('photo-{0}.jpg' -f $i)
        Copy-Item -LiteralPath $photos[$i % $photos.Count].FullName -Destination $file
        $i++
        $row = [ordered]@{}
        $row[$UserColumn] = $u
        $row[$PathColumn] = $file
        [pscustomobject]$row
    })
    $csv = Join-Path $Directory 'feed.csv'
    $rows | Export-Csv -LiteralPath $csv -NoTypeInformation -Encoding UTF8
    @{ Dir = $Directory; Csv = $csv; Rows = $rows }
}

function Invoke-TestPwsh {
    # Runs a command in a new PowerShell process (no profile, non-interactive) with the test
    # library, like an admin's fresh session or scheduled job; returns @{ ExitCode; Output }.
    param([Parameter(Mandatory)][string]$Command, [string]$WorkingDirectory = $script:RepoRoot)
    Set-TestLibrary
    # The same edition as this session: Windows PowerShell, or the pwsh on PATH (the .NET
    # global tool's process is `dotnet`, so the process path would not do).
    if ($PSVersionTable.PSEdition -eq 'Desktop') {
        $exe = Join-Path $PSHOME 'powershell.exe'
    } else {
        $exe = (Get-Command pwsh -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
    }
    $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($Command))
    $psi = New-Object System.Diagnostics.ProcessStartInfo
    $psi.FileName = $exe
    $psi.Arguments = "-NoProfile -NonInteractive -EncodedCommand $encoded"
    $psi.WorkingDirectory = $WorkingDirectory
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $p = [System.Diagnostics.Process]::Start($psi)
    $stderr = $p.StandardError.ReadToEndAsync()
    $stdout = $p.StandardOutput.ReadToEnd()
    $p.WaitForExit()
    @{ ExitCode = $p.ExitCode; Output = $stdout + $stderr.Result }
}

function New-TestPowerShell {
    # A PowerShell instance in a runspace of its own (optionally with a scripted host) with
    # the modules imported and connected to the emulator, for tests that need the streams,
    # a host, or to stop a pipeline.
    param([Parameter(Mandatory)]$Emulator, $ScriptedHost)
    Set-TestLibrary
    if ($ScriptedHost) {
        $runspace = [runspacefactory]::CreateRunspace($ScriptedHost)
    } else {
        $runspace = [runspacefactory]::CreateRunspace()
    }
    $runspace.Open()
    $ps = [powershell]::Create()
    $ps.Runspace = $runspace
    $null = $ps.AddScript({
        param($ModuleRoot, $Url, $AppId, $Secret)
        Import-Module (Join-Path $ModuleRoot 'UserPhoto/UserPhoto.psd1')
        Import-Module (Join-Path $ModuleRoot 'UserPhoto.Compat/UserPhoto.Compat.psd1')
        $null = Connect-UserPhoto -TenantId contoso.onmicrosoft.com -ClientId $AppId `
            -ClientSecret (ConvertTo-SecureString $Secret -AsPlainText -Force) -GraphEndpoint $Url -AuthorityEndpoint $Url
    }).AddArgument($script:ModuleRoot).AddArgument($Emulator.Url).AddArgument($script:AppId).AddArgument($script:AppSecret)
    $null = $ps.Invoke()
    if ($ps.HadErrors) { throw "setting up the test runspace failed: $($ps.Streams.Error | Out-String)" }
    $ps.Commands.Clear()
    $ps
}

function Remove-TestPowerShell {
    param($PowerShell)
    if (-not $PowerShell) { return }
    $runspace = $PowerShell.Runspace
    $PowerShell.Dispose()
    if ($runspace) { $runspace.Dispose() }
}

if (-not ('UserPhotoTest.ScriptedHost' -as [type])) {
    # A host that answers confirmation prompts from a script (0 = Yes, 1 = Yes to All,
    # 2 = No, 3 = No to All) and records each prompt, for -Confirm and ConfirmImpact tests.
    Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace UserPhotoTest
{
    public class ScriptedUI : PSHostUserInterface
    {
        public readonly Queue<int> Answers = new Queue<int>();
        public readonly List<string> Prompts = new List<string>();
        public override PSHostRawUserInterface RawUI { get { return null; } }
        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            Prompts.Add(caption + ": " + message);
            if (Answers.Count == 0) throw new InvalidOperationException("unexpected prompt: " + caption + ": " + message);
            return Answers.Dequeue();
        }
        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) { throw new InvalidOperationException("unexpected prompt: " + message); }
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) { throw new InvalidOperationException("unexpected credential prompt"); }
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) { throw new InvalidOperationException("unexpected credential prompt"); }
        public override string ReadLine() { throw new InvalidOperationException("unexpected ReadLine"); }
        public override SecureString ReadLineAsSecureString() { throw new InvalidOperationException("unexpected ReadLine"); }
        public override void Write(string value) { }
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) { }
        public override void WriteLine(string value) { }
        public override void WriteErrorLine(string value) { }
        public override void WriteDebugLine(string message) { }
        public override void WriteProgress(long sourceId, ProgressRecord record) { }
        public override void WriteVerboseLine(string message) { }
        public override void WriteWarningLine(string message) { }
    }

    public class ScriptedHost : PSHost
    {
        private readonly Guid id = Guid.NewGuid();
        private readonly ScriptedUI ui = new ScriptedUI();
        public ScriptedUI ScriptedUI { get { return ui; } }
        public override PSHostUserInterface UI { get { return ui; } }
        public override string Name { get { return "UserPhotoTestHost"; } }
        public override Version Version { get { return new Version(1, 0); } }
        public override Guid InstanceId { get { return id; } }
        public override CultureInfo CurrentCulture { get { return CultureInfo.InvariantCulture; } }
        public override CultureInfo CurrentUICulture { get { return CultureInfo.InvariantCulture; } }
        public override void SetShouldExit(int exitCode) { }
        public override void EnterNestedPrompt() { throw new NotSupportedException(); }
        public override void ExitNestedPrompt() { throw new NotSupportedException(); }
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }
    }
}
'@
}

function New-TestAppCertificate {
    # A self-signed app certificate with an RSA key: the .pfx, its password (plain, so tests
    # can check it never shows, and as a SecureString), PEM files of the certificate and the
    # key, and the certificate PEM for the emulator's app registration.
    param([Parameter(Mandatory)][string]$Directory)
    $rsa = [System.Security.Cryptography.RSA]::Create(2048)
    $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=userphoto-pester-app', $rsa,
        [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $cert = $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddMinutes(-5), [DateTimeOffset]::UtcNow.AddDays(2))
    $password = 'pester-pfx-' + [guid]::NewGuid().ToString('N')
    $name = [guid]::NewGuid().ToString('N')
    $pfxPath = Join-Path $Directory "app-$name.pfx"
    [IO.File]::WriteAllBytes($pfxPath, $cert.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx, $password))
    $certPem = "-----BEGIN CERTIFICATE-----`n" + [Convert]::ToBase64String($cert.RawData, 'InsertLineBreaks') + "`n-----END CERTIFICATE-----`n"
    $keyPem = "-----BEGIN PRIVATE KEY-----`n" + [Convert]::ToBase64String($rsa.ExportPkcs8PrivateKey(), 'InsertLineBreaks') + "`n-----END PRIVATE KEY-----`n"
    $certPath = Join-Path $Directory "app-$name.crt.pem"
    $keyPath = Join-Path $Directory "app-$name.key.pem"
    $bothPath = Join-Path $Directory "app-$name.pem"
    [IO.File]::WriteAllText($certPath, $certPem)
    [IO.File]::WriteAllText($keyPath, $keyPem)
    [IO.File]::WriteAllText($bothPath, $certPem + $keyPem)
    @{
        PfxPath = $pfxPath
        Password = $password
        SecurePassword = ConvertTo-SecureString $password -AsPlainText -Force
        CertificatePem = $certPem
        CertPemPath = $certPath
        KeyPemPath = $keyPath
        PemPath = $bothPath
        Thumbprint = $cert.Thumbprint
    }
}

function Add-TestStoreCertificate {
    # Puts the .pfx into CurrentUser\My (with an exportable key unless -NotExportable); returns
    # the store entry for Remove-TestStoreCertificate.
    param([Parameter(Mandatory)][hashtable]$Certificate, [switch]$NotExportable)
    $flags = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]'PersistKeySet, UserKeySet'
    if (-not $NotExportable) { $flags = $flags -bor [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]::Exportable }
    $entry = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2 $Certificate.PfxPath, $Certificate.Password, $flags
    $store = New-Object System.Security.Cryptography.X509Certificates.X509Store 'My', 'CurrentUser'
    $store.Open('ReadWrite')
    try { $store.Add($entry) } finally { $store.Close() }
    $entry
}

function Remove-TestStoreCertificate {
    param($Entry)
    if (-not $Entry) { return }
    $store = New-Object System.Security.Cryptography.X509Certificates.X509Store 'My', 'CurrentUser'
    $store.Open('ReadWrite')
    try { $store.Remove($Entry) } finally { $store.Close() }
}
