# Pester 5 tests of how the UserPhoto module finds its native library: the runtime id for
# each platform, and the error when the package has no library for it. The platform inputs
# are faked, so every Windows and macOS case runs under pwsh on Linux too. Self-contained:
# no library, emulator or other test file is needed. From the repository root:
#   pwsh -NoProfile -c 'Invoke-Pester -Path powershell/tests/Runtime.Tests.ps1 -Output Detailed'

BeforeAll {
    $script:ModuleDir = (Resolve-Path (Join-Path $PSScriptRoot '../UserPhoto')).ProviderPath
    . (Join-Path $script:ModuleDir 'Private/Resolve-UserPhotoNativeLibrary.ps1')

    # A module folder holding an empty file for each of the given runtimes.
    function New-FakePackage {
        param([string[]]$Rids)
        $root = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        foreach ($rid in $Rids) {
            $file = switch -Wildcard ($rid) { 'win-*' { 'userphoto.dll' } 'osx-*' { 'libuserphoto.dylib' } default { 'libuserphoto.so' } }
            $dir = Join-Path $root "runtimes/$rid/native"
            $null = New-Item -ItemType Directory -Path $dir -Force
            $null = New-Item -ItemType File -Path (Join-Path $dir $file)
        }
        $null = New-Item -ItemType Directory -Path $root -Force
        $root
    }
}

Describe 'Resolve-UserPhotoNativeLibrary' {
    It '<Platform> <Architecture> uses runtimes/<Rid>/native/<File>' -ForEach @(
        @{ Platform = 'Windows'; Architecture = 'X64'; Rid = 'win-x64'; File = 'userphoto.dll' }
        @{ Platform = 'Windows'; Architecture = 'Arm64'; Rid = 'win-arm64'; File = 'userphoto.dll' }
        @{ Platform = 'Windows'; Architecture = 'X86'; Rid = 'win-x86'; File = 'userphoto.dll' }
        @{ Platform = 'Linux'; Architecture = 'X64'; Rid = 'linux-x64'; File = 'libuserphoto.so' }
        @{ Platform = 'Linux'; Architecture = 'Arm64'; Rid = 'linux-arm64'; File = 'libuserphoto.so' }
        @{ Platform = 'MacOS'; Architecture = 'X64'; Rid = 'osx-x64'; File = 'libuserphoto.dylib' }
        @{ Platform = 'MacOS'; Architecture = 'Arm64'; Rid = 'osx-arm64'; File = 'libuserphoto.dylib' }
    ) {
        # Every runtime is in this package, so each case must pick its own, not the first.
        $root = New-FakePackage 'win-x64', 'win-arm64', 'win-x86', 'linux-x64', 'linux-arm64', 'osx-x64', 'osx-arm64'
        $r = Resolve-UserPhotoNativeLibrary -ModuleRoot $root -Platform $Platform -Architecture $Architecture
        $r.Rid | Should -BeExactly $Rid
        $r.Path | Should -BeExactly ([IO.Path]::Combine($root, 'runtimes', $Rid, 'native', $File))
    }

    It 'takes the architecture names of PROCESSOR_ARCHITECTURE too (<Architecture> -> <Rid>)' -ForEach @(
        @{ Architecture = 'AMD64'; Rid = 'win-x64' }
        @{ Architecture = 'ARM64'; Rid = 'win-arm64' }
        @{ Architecture = 'x86'; Rid = 'win-x86' }
    ) {
        $root = New-FakePackage 'win-x64', 'win-arm64', 'win-x86'
        (Resolve-UserPhotoNativeLibrary -ModuleRoot $root -Platform Windows -Architecture $Architecture).Rid | Should -BeExactly $Rid
    }

    Context 'a runtime that is not in the package' {
        It 'Windows PowerShell 5.1 x86 gets an error naming win-x86 and the file, not a hint to copy the x64 DLL' {
            # Issue 10, defect 7: nothing builds win-x86 and the old hint sent the admin to
            # copy the x64 DLL into runtimes/win-x86, which cannot load in a 32-bit process.
            $root = New-FakePackage 'win-x64', 'linux-x64'
            $err = { Resolve-UserPhotoNativeLibrary -ModuleRoot $root -Platform Windows -Architecture X86 } |
                Should -Throw -ErrorId 'UserPhotoRuntimeNotInPackage,Resolve-UserPhotoNativeLibrary' -PassThru
            $message = $err.Exception.Message
            $message | Should -BeLike '*win-x86*'
            $message | Should -BeLike ('*' + [IO.Path]::Combine($root, 'runtimes', 'win-x86', 'native', 'userphoto.dll') + '*')
            $message | Should -BeLike '*linux-x64, win-x64*'
            $message | Should -BeLike '*64-bit PowerShell*'
            $message | Should -Not -BeLike '*copy*'
            $message | Should -Not -BeLike '*cargo*'
            $err.CategoryInfo.Category | Should -Be 'NotInstalled'
            $err.TargetObject | Should -BeExactly ([IO.Path]::Combine($root, 'runtimes', 'win-x86', 'native', 'userphoto.dll'))
        }

        It 'names the runtime and the file for <Platform> <Architecture>' -ForEach @(
            @{ Platform = 'Windows'; Architecture = 'Arm64'; Rid = 'win-arm64'; File = 'userphoto.dll' }
            @{ Platform = 'Linux'; Architecture = 'Arm64'; Rid = 'linux-arm64'; File = 'libuserphoto.so' }
            @{ Platform = 'MacOS'; Architecture = 'Arm64'; Rid = 'osx-arm64'; File = 'libuserphoto.dylib' }
        ) {
            $root = New-FakePackage 'win-x64', 'linux-x64'
            $err = { Resolve-UserPhotoNativeLibrary -ModuleRoot $root -Platform $Platform -Architecture $Architecture } |
                Should -Throw -ErrorId 'UserPhotoRuntimeNotInPackage,Resolve-UserPhotoNativeLibrary' -PassThru
            $err.Exception.Message | Should -BeLike "*for $Rid*"
            $err.Exception.Message | Should -BeLike "*$File*"
            $err.Exception.Message | Should -Not -BeLike '*copy*'
        }

        It 'says the package has no runtime at all when runtimes/ is empty' {
            $root = New-FakePackage
            $err = { Resolve-UserPhotoNativeLibrary -ModuleRoot $root -Platform Linux -Architecture X64 } |
                Should -Throw -ErrorId 'UserPhotoRuntimeNotInPackage,Resolve-UserPhotoNativeLibrary' -PassThru
            $err.Exception.Message | Should -BeLike '*contains no native library*'
        }

        It 'counts a runtime folder without the library file as missing' {
            $root = New-FakePackage 'win-x64'
            $null = New-Item -ItemType Directory -Path (Join-Path $root 'runtimes/win-x86/native') -Force
            { Resolve-UserPhotoNativeLibrary -ModuleRoot $root -Platform Windows -Architecture X86 } |
                Should -Throw -ErrorId 'UserPhotoRuntimeNotInPackage,Resolve-UserPhotoNativeLibrary'
        }
    }

    It 'refuses an architecture that no runtime exists for, listing the supported ones' {
        $root = New-FakePackage 'win-x64'
        $err = { Resolve-UserPhotoNativeLibrary -ModuleRoot $root -Platform Windows -Architecture Arm } |
            Should -Throw -ErrorId 'UserPhotoRuntimeNotSupported,Resolve-UserPhotoNativeLibrary' -PassThru
        $err.Exception.Message | Should -BeLike '*win-arm*'
        $err.Exception.Message | Should -BeLike '*win-x64, win-arm64, win-x86, linux-x64, linux-arm64, osx-x64, osx-arm64*'
    }

    Context 'USERPHOTO_LIBRARY' {
        It 'wins over the package when the file exists' {
            $root = New-FakePackage 'linux-x64'
            $lib = Join-Path $TestDrive 'custom.so'
            Set-Content -LiteralPath $lib -Value ''
            $r = Resolve-UserPhotoNativeLibrary -ModuleRoot $root -Platform Windows -Architecture X86 -LibraryOverride $lib
            $r.Path | Should -BeExactly $lib
            $r.Rid | Should -BeExactly 'win-x86'
        }

        It 'is an error naming the variable and the path when the file does not exist' {
            $root = New-FakePackage 'linux-x64'
            $missing = Join-Path $TestDrive 'no-such-library.so'
            $err = { Resolve-UserPhotoNativeLibrary -ModuleRoot $root -Platform Linux -Architecture X64 -LibraryOverride $missing } |
                Should -Throw -ErrorId 'UserPhotoLibraryOverrideMissing,Resolve-UserPhotoNativeLibrary' -PassThru
            $err.Exception.Message | Should -BeLike "*USERPHOTO_LIBRARY*$missing*"
        }
    }
}

Describe 'Get-UserPhotoPlatform' {
    It 'reports this process: <Expected>' -ForEach @(@{ Expected = 'the OS and ProcessArchitecture of this pwsh' }) {
        $p = Get-UserPhotoPlatform
        $os = if ($IsWindows) { 'Windows' } elseif ($IsMacOS) { 'MacOS' } else { 'Linux' }
        $p.Platform | Should -BeExactly $os
        $p.Architecture | Should -BeExactly ([Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString())
    }
}

Describe 'Import-Module from a package without this platform''s library' {
    It 'fails with the runtime id and the file it looked for, and no build or copy instructions' {
        # A fresh pwsh: an earlier import may have compiled the native type into this one.
        $copy = Join-Path $TestDrive 'UserPhoto'
        Copy-Item -LiteralPath $script:ModuleDir -Destination $copy -Recurse
        Remove-Item -LiteralPath (Join-Path $copy 'runtimes') -Recurse -Force -ErrorAction SilentlyContinue
        # Not this process's path: a pwsh installed as a .NET tool runs as `dotnet pwsh.dll`.
        $pwsh = Join-Path $PSHOME 'pwsh'
        if ($IsWindows) { $pwsh += '.exe' }
        if (-not (Test-Path -LiteralPath $pwsh)) { $pwsh = (Get-Command pwsh -CommandType Application | Select-Object -First 1).Source }
        $saved = $env:USERPHOTO_LIBRARY
        try {
            Remove-Item Env:USERPHOTO_LIBRARY -ErrorAction SilentlyContinue
            $out = & $pwsh -NoProfile -NonInteractive -Command "try { Import-Module '$copy' -ErrorAction Stop; 'imported' } catch { 'ErrorId=' + `$_.FullyQualifiedErrorId; `$_.Exception.Message }" 2>&1 | Out-String
        } finally {
            $env:USERPHOTO_LIBRARY = $saved
        }
        $p = Get-UserPhotoPlatform
        $rid = (Resolve-UserPhotoRuntimeId -Platform $p.Platform -Architecture $p.Architecture).Rid
        $out | Should -Not -BeLike '*imported*'
        $out | Should -BeLike '*ErrorId=UserPhotoRuntimeNotInPackage*'
        $out | Should -BeLike "*$rid*"
        $out | Should -BeLike ('*' + [IO.Path]::Combine($copy, 'runtimes', $rid, 'native') + '*')
        $out | Should -Not -BeLike '*copy*'
        $out | Should -Not -BeLike '*cargo build*'
    }
}
