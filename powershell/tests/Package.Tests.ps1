# Pester 5 tests of the package that scripts/package-module.sh assembles in out/package (or
# $env:USERPHOTO_PACKAGE): layout, one version, licence, the native libraries and CLIs, the
# .nupkg files, and Import-Module of both modules from the package folder in a fresh pwsh.
# Self-contained. From the repository root, on Linux x64:
#   bash scripts/package-module.sh --linux-from target/debug
#   pwsh -NoProfile -c 'Invoke-Pester -Path powershell/tests/Package.Tests.ps1 -Output Detailed'

BeforeDiscovery {
    $script:Runtimes = @(
        @{ Rid = 'linux-x64'; File = 'libuserphoto.so'; Cli = 'userphoto'; Magic = 'ELF' }
        @{ Rid = 'win-x64'; File = 'userphoto.dll'; Cli = 'userphoto.exe'; Magic = 'PE' }
    )
}

BeforeAll {
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $script:Package = if ($env:USERPHOTO_PACKAGE) { $env:USERPHOTO_PACKAGE } else { Join-Path $script:RepoRoot 'out/package' }
    if (-not (Test-Path -LiteralPath (Join-Path $script:Package 'UserPhoto/UserPhoto.psd1'))) {
        throw "No package at $($script:Package): run bash scripts/package-module.sh first."
    }
    $cargo = Get-Content -LiteralPath (Join-Path $script:RepoRoot 'Cargo.toml')
    $script:Version = ($cargo | Select-String -Pattern '^version\s*=\s*"([^"]+)"' | Select-Object -First 1).Matches[0].Groups[1].Value

    # What a 64-bit x86 binary starts with: ELF class 64 + machine x86-64, or PE machine AMD64.
    function Get-BinaryKind([string]$Path) {
        $b = [IO.File]::ReadAllBytes($Path)
        if ($b[0] -eq 0x7F -and $b[1] -eq 0x45 -and $b[2] -eq 0x4C -and $b[3] -eq 0x46 -and $b[4] -eq 2 -and [BitConverter]::ToUInt16($b, 18) -eq 0x3E) { return 'ELF' }
        if ($b[0] -eq 0x4D -and $b[1] -eq 0x5A) {
            $pe = [BitConverter]::ToInt32($b, 0x3C)
            if ([BitConverter]::ToUInt32($b, $pe) -eq 0x4550 -and [BitConverter]::ToUInt16($b, $pe + 4) -eq 0x8664) { return 'PE' }
        }
        'unknown'
    }

    # Runs a script in a fresh pwsh with the package first on PSModulePath and no library
    # override, so that only the package can supply the modules and the library.
    function Invoke-FreshPwsh([string]$Script) {
        $pwsh = Join-Path $PSHOME 'pwsh'
        if ($IsWindows) { $pwsh += '.exe' }
        if (-not (Test-Path -LiteralPath $pwsh)) { $pwsh = (Get-Command pwsh -CommandType Application | Select-Object -First 1).Source }
        $saved = @{ Library = $env:USERPHOTO_LIBRARY; ModulePath = $env:PSModulePath }
        try {
            Remove-Item Env:USERPHOTO_LIBRARY -ErrorAction SilentlyContinue
            $env:PSModulePath = $script:Package + [IO.Path]::PathSeparator + $env:PSModulePath
            $out = & $pwsh -NoProfile -NonInteractive -Command $Script 2>&1 | Out-String
            [pscustomobject]@{ Output = $out; ExitCode = $LASTEXITCODE }
        } finally {
            $env:USERPHOTO_LIBRARY = $saved.Library
            $env:PSModulePath = $saved.ModulePath
        }
    }
}

Describe 'One version' {
    It 'Cargo.toml has a version' {
        $script:Version | Should -Match '^\d+\.\d+\.\d+'
    }

    It '<_> in the checkout has Cargo.toml''s version' -ForEach 'UserPhoto/UserPhoto.psd1', 'UserPhoto.Compat/UserPhoto.Compat.psd1' {
        (Import-PowerShellDataFile (Join-Path $script:RepoRoot "powershell/$_")).ModuleVersion | Should -BeExactly $script:Version
    }

    It '<_> in the package is a valid manifest with Cargo.toml''s version' -ForEach 'UserPhoto', 'UserPhoto.Compat' {
        # UserPhoto.Compat's RequiredModules must be found where the gallery would put it: beside it.
        $saved = $env:PSModulePath
        try {
            $env:PSModulePath = $script:Package + [IO.Path]::PathSeparator + $env:PSModulePath
            $m = Test-ModuleManifest -Path (Join-Path $script:Package "$_/$_.psd1") -ErrorAction Stop
        } finally {
            $env:PSModulePath = $saved
        }
        $m.Version | Should -Be ([version]$script:Version)
    }

    It 'UserPhoto.Compat in the package requires UserPhoto of the same version; the checkout''s does not' {
        $packaged = Import-PowerShellDataFile (Join-Path $script:Package 'UserPhoto.Compat/UserPhoto.Compat.psd1')
        @($packaged.RequiredModules).Count | Should -Be 1
        $packaged.RequiredModules[0].ModuleName | Should -BeExactly 'UserPhoto'
        $packaged.RequiredModules[0].RequiredVersion | Should -BeExactly $script:Version
        # In the checkout it would break Import-Module ./powershell/UserPhoto.Compat (issue 10, defect 4).
        (Import-PowerShellDataFile (Join-Path $script:RepoRoot 'powershell/UserPhoto.Compat/UserPhoto.Compat.psd1')).RequiredModules | Should -BeNullOrEmpty
    }
}

Describe 'Gallery metadata' {
    It '<_> has no placeholder address, and any address it has is https' -ForEach 'UserPhoto', 'UserPhoto.Compat' {
        $text = Get-Content -Raw -LiteralPath (Join-Path $script:Package "$_/$_.psd1")
        $text | Should -Not -Match 'example\.(invalid|com|org)'
        $psdata = (Import-PowerShellDataFile (Join-Path $script:Package "$_/$_.psd1")).PrivateData.PSData
        foreach ($key in 'ProjectUri', 'LicenseUri') {
            if ($psdata.ContainsKey($key)) { $psdata[$key] | Should -Match '^https://' }
        }
        ($psdata.ContainsKey('ProjectUri')) | Should -Be ($psdata.ContainsKey('LicenseUri'))
    }

    It '<_> carries the MIT LICENSE of the repository' -ForEach 'UserPhoto', 'UserPhoto.Compat' {
        $license = Join-Path $script:Package "$_/LICENSE"
        Get-Content -Raw -LiteralPath $license | Should -BeExactly (Get-Content -Raw -LiteralPath (Join-Path $script:RepoRoot 'LICENSE'))
        Get-Content -Raw -LiteralPath $license | Should -Match '^MIT License'
    }

    It 'holds nothing but the tracked module files, LICENSE and runtimes/' {
        $tracked = @(git -C $script:RepoRoot ls-files powershell/UserPhoto powershell/UserPhoto.Compat) | ForEach-Object { $_.Substring('powershell/'.Length) }
        $tracked.Count | Should -BeGreaterThan 10
        $packaged = foreach ($m in 'UserPhoto', 'UserPhoto.Compat') {
            Get-ChildItem -LiteralPath (Join-Path $script:Package $m) -Recurse -File |
                ForEach-Object { [IO.Path]::GetRelativePath($script:Package, $_.FullName).Replace('\', '/') }
        }
        $extra = $packaged | Where-Object { $_ -notin $tracked -and $_ -notmatch '^UserPhoto(\.Compat)?/LICENSE$' -and $_ -notmatch '^UserPhoto/runtimes/[^/]+/native/[^/]+$' }
        $extra | Should -BeNullOrEmpty
        $tracked | Where-Object { $_ -notin $packaged } | Should -BeNullOrEmpty
    }
}

Describe 'Runtime <Rid>' -ForEach $script:Runtimes {
    It 'has runtimes/<Rid>/native/<File>, a 64-bit x86 <Magic> binary' {
        $lib = Join-Path $script:Package "UserPhoto/runtimes/$Rid/native/$File"
        Test-Path -LiteralPath $lib | Should -BeTrue
        Get-BinaryKind $lib | Should -Be $Magic
    }

    It 'has the CLI cli/<Rid>/<Cli> with its LICENSE' {
        $cli = Join-Path $script:Package "cli/$Rid/$Cli"
        Get-BinaryKind $cli | Should -Be $Magic
        Test-Path -LiteralPath (Join-Path $script:Package "cli/$Rid/LICENSE") | Should -BeTrue
    }
}

Describe 'Checksums' {
    It 'SHA256SUMS lists every file of the package with its hash' {
        $sums = Get-Content -LiteralPath (Join-Path $script:Package 'SHA256SUMS')
        $files = Get-ChildItem -LiteralPath $script:Package -Recurse -File | Where-Object Name -ne 'SHA256SUMS'
        $sums.Count | Should -Be $files.Count
        foreach ($line in $sums) {
            $hash, $name = $line -split '\s+\*?', 2
            (Get-FileHash -Algorithm SHA256 -LiteralPath (Join-Path $script:Package $name)).Hash | Should -Be $hash.ToUpperInvariant() -Because $name
        }
    }
}

Describe 'nupkg' {
    It '<_>.<version>.nupkg holds the manifest, LICENSE and, for UserPhoto, every runtime' -ForEach 'UserPhoto', 'UserPhoto.Compat' {
        $nupkg = Join-Path $script:Package "nupkg/$_.$($script:Version).nupkg"
        if (-not (Test-Path -LiteralPath (Join-Path $script:Package 'nupkg'))) {
            Set-ItResult -Skipped -Because 'package-module.sh found no pwsh with Compress-PSResource'
            return
        }
        Test-Path -LiteralPath $nupkg | Should -BeTrue
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($nupkg)
        try {
            $names = $zip.Entries.FullName | ForEach-Object { [Uri]::UnescapeDataString($_) }
            $names | Should -Contain "$_.psd1"
            $names | Should -Contain 'LICENSE'
            $nuspec = $zip.Entries | Where-Object FullName -Like '*.nuspec'
            $reader = New-Object IO.StreamReader $nuspec.Open()
            ([xml]$reader.ReadToEnd()).package.metadata.version | Should -BeExactly $script:Version
            $reader.Dispose()
            if ($_ -eq 'UserPhoto') {
                foreach ($r in $script:Runtimes) { $names | Should -Contain "runtimes/$($r.Rid)/native/$($r.File)" }
            }
        } finally {
            $zip.Dispose()
        }
    }
}

Describe 'Import-Module from the package folder' -Skip:(-not $IsLinux -or [Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture -ne 'X64') {
    It 'loads UserPhoto with the linux-x64 library of the package, of the same version, and it works' {
        $photo = Join-Path $script:RepoRoot 'samples/Portrait_0.jpg'
        $r = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module UserPhoto
`$m = Get-Module UserPhoto
'base=' + `$m.ModuleBase
'version=' + `$m.Version
'native=' + [UserPhoto.Native.Api]::Version()
'commands=' + (Get-Command -Module UserPhoto).Count
'loaded=' + ((Get-Content /proc/`$PID/maps | Where-Object { `$_ -match 'libuserphoto' } | Select-Object -First 1) -split '\s+')[-1]
'usable=' + (Test-UserPhoto -Path '$photo' -Target graph).Usable
"@
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match ('base=' + [regex]::Escape((Join-Path $script:Package 'UserPhoto')))
        $r.Output | Should -Match ('version=' + [regex]::Escape($script:Version))
        $r.Output | Should -Match ('native=' + [regex]::Escape($script:Version))
        $exported = (Import-PowerShellDataFile (Join-Path $script:Package 'UserPhoto/UserPhoto.psd1')).FunctionsToExport
        $r.Output | Should -Match ('commands=' + $exported.Count)
        $r.Output | Should -Match ('loaded=' + [regex]::Escape((Join-Path $script:Package 'UserPhoto/runtimes/linux-x64/native/libuserphoto.so')))
        $r.Output | Should -Match 'usable=True'
    }

    It 'loads UserPhoto.Compat alone, its RequiredModules found in the package folder' {
        $r = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module UserPhoto.Compat
'compat=' + (Get-Module UserPhoto.Compat).ModuleBase
'commands=' + (((Get-Command -Module UserPhoto.Compat).Name | Sort-Object) -join ',')
"@
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match ('compat=' + [regex]::Escape((Join-Path $script:Package 'UserPhoto.Compat')))
        $r.Output | Should -Match 'commands=Get-UserPhoto,Remove-UserPhoto,Set-UserPhoto'
    }
}
