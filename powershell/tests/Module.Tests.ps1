# Importing the modules as admins do: in a fresh session, UserPhoto.Compat on its own,
# again with -Force, and removing them.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Version = ((Get-Content -Raw (Join-Path $script:RepoRoot 'Cargo.toml')) -split "`n" |
        Where-Object { $_ -match '^version\s*=\s*"([^"]+)"' } | Select-Object -First 1) -replace '^version\s*=\s*"([^"]+)".*$', '$1'
    $script:Version = $script:Version.Trim()
}

Describe 'Import-Module in a fresh session' {
    It 'UserPhoto loads the native library and exports its eight cmdlets' {
        $r = Invoke-TestPwsh -Command @'
Import-Module ./powershell/UserPhoto
(Get-Command -Module UserPhoto | Sort-Object Name).Name -join ','
[UserPhoto.Native.Api]::Version()
'@
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match 'Clear-UserPhoto,Connect-UserPhoto,Disconnect-UserPhoto,Export-UserPhoto,Publish-UserPhoto,Resize-UserPhoto,Sync-UserPhoto,Test-UserPhoto'
        $r.Output | Should -Match ([regex]::Escape($script:Version))
    }

    It 'UserPhoto.Compat alone imports UserPhoto from beside it, without PSModulePath' {
        $r = Invoke-TestPwsh -Command @'
$env:PSModulePath = ''
Import-Module ./powershell/UserPhoto.Compat -ErrorAction Stop
(Get-Command Set-UserPhoto, Get-UserPhoto, Remove-UserPhoto).Source -join ','
(Get-Module UserPhoto).Name
'@
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match 'UserPhoto.Compat,UserPhoto.Compat,UserPhoto.Compat'
        $r.Output | Should -Match '(?m)^UserPhoto\s*$'
    }

    It 'a missing native library is a terminating error naming the file' {
        $r = Invoke-TestPwsh -Command @'
$env:USERPHOTO_LIBRARY = Join-Path ([IO.Path]::GetTempPath()) 'no-such-userphoto-library.so'
try { Import-Module ./powershell/UserPhoto -ErrorAction Stop; 'imported' } catch { "failed: $($_.Exception.Message)" }
'@
        $r.Output | Should -Match 'failed: .*no-such-userphoto-library\.so'
        $r.Output | Should -Not -Match 'imported'
    }
}

Describe 'Import-Module -Force and Remove-Module' {
    BeforeAll {
        Import-UserPhotoModules
        $script:Emu = Start-TestEmulator -Directory $TestDrive -Users @('lee.gu@contoso.com')
        $script:Photo = Join-Path $script:Samples 'Portrait_0.jpg'
    }

    AfterAll {
        Disconnect-UserPhoto
        Stop-TestEmulator $script:Emu
    }

    It 're-importing keeps the loaded library and closes the connection; connecting again works' {
        $null = Connect-TestEmulator $script:Emu
        { Import-UserPhotoModules } | Should -Not -Throw
        [UserPhoto.Native.Api]::Version() | Should -Be $script:Version
        { Publish-UserPhoto -User 'lee.gu@contoso.com' -Path $script:Photo } | Should -Throw -ErrorId 'UserPhoto.NotConnected,*'
        $null = Connect-TestEmulator $script:Emu
        (Publish-UserPhoto -User 'lee.gu@contoso.com' -Path $script:Photo).Status | Should -Be 'Uploaded'
    }

    It 'removing UserPhoto frees the connection' {
        $null = Connect-TestEmulator $script:Emu
        Remove-Module UserPhoto.Compat, UserPhoto
        Import-UserPhotoModules
        { Export-UserPhoto -User 'lee.gu@contoso.com' } | Should -Throw -ErrorId 'UserPhoto.NotConnected,*'
    }
}
