# Export-UserPhoto against the emulator (Active Directory: ActiveDirectory.Tests.ps1).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-UserPhotoModules
    $script:Emu = Start-TestEmulator -Directory $TestDrive -Users @('zoë.müller@contoso.com', 'lee.gu@contoso.com')
    $null = Connect-TestEmulator $script:Emu
    $null = Publish-UserPhoto -User 'zoë.müller@contoso.com' -Path (Join-Path $script:Samples 'Portrait_0.jpg')
}

AfterAll {
    Disconnect-UserPhoto
    Stop-TestEmulator $script:Emu
}

Describe 'Export-UserPhoto' {
    It 'returns and writes what was uploaded' {
        $out = Join-Path $TestDrive 'export'
        $e = Export-UserPhoto -User 'zoë.müller@contoso.com' -OutputDirectory $out
        $e.PSObject.TypeNames | Should -Contain 'UserPhoto.ExportedPhoto'
        $e.Width | Should -Be 648
        $e.Format | Should -Be 'jpeg'
        $e.Path | Should -Be (Join-Path $out 'zoë.müller@contoso.com.jpg')
        [IO.File]::ReadAllBytes($e.Path).Length | Should -Be $e.Bytes
        $e.PictureData.Length | Should -Be $e.Bytes
    }

    It 'a user without a photo is a non-terminating UserPhoto.NoPhoto; an unknown one UserPhoto.UserNotFound' {
        $r = 'lee.gu@contoso.com', 'ghost@contoso.com', 'zoë.müller@contoso.com' | Export-UserPhoto -ErrorVariable errs -ErrorAction SilentlyContinue
        @($r).Count | Should -Be 1
        $errs.Count | Should -Be 2
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.NoPhoto*'
        $errs[0].TargetObject | Should -Be 'lee.gu@contoso.com'
        $errs[1].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.UserNotFound*'
    }

    It '-WhatIf writes no file but returns the photo' {
        $out = Join-Path $TestDrive 'export-whatif'
        $e = Export-UserPhoto -User 'zoë.müller@contoso.com' -OutputDirectory $out -WhatIf
        $e.Path | Should -BeNullOrEmpty
        Test-Path $out | Should -BeFalse
    }
}
