# Pester 5 tests of UserPhoto.Compat (the retired Exchange Online cmdlets). Need pwsh 7 and
# Pester 5; see UserPhoto.Tests.ps1 for how to run them.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-UserPhotoModules
    $script:Emu = Start-TestEmulator -Directory $TestDrive -Users @('adele.vance@contoso.com', 'lee.gu@contoso.com')
    $null = Connect-TestEmulator $script:Emu
    $script:Bytes = [IO.File]::ReadAllBytes((Join-Path $script:Samples 'Landscape_6.jpg'))
}

AfterAll {
    Disconnect-UserPhoto
    Stop-TestEmulator $script:Emu
    Remove-Module 'UserPhoto.Compat', 'UserPhoto' -ErrorAction SilentlyContinue
}

Describe 'Exchange Online parameter sets' {
    It 'Set-UserPhoto has the retired parameter sets' {
        $sets = (Get-Command Set-UserPhoto).ParameterSets.Name
        foreach ($s in 'UploadPhotoData', 'UploadPhotoStream', 'SavePhoto', 'CancelPhoto') { $sets | Should -Contain $s }
        foreach ($p in 'Identity', 'PictureData', 'PictureStream', 'Preview', 'Save', 'Cancel', 'WhatIf', 'Confirm') {
            (Get-Command Set-UserPhoto).Parameters.Keys | Should -Contain $p
        }
    }

    It 'Get-UserPhoto has -Preview; Remove-UserPhoto has -Confirm' {
        (Get-Command Get-UserPhoto).Parameters.Keys | Should -Contain 'Preview'
        (Get-Command Remove-UserPhoto).Parameters.Keys | Should -Contain 'Confirm'
    }
}

Describe 'Against the emulator' {
    It 'Set-UserPhoto -PictureData resizes a 12-megapixel-class photo instead of failing' {
        Set-UserPhoto -Identity adele.vance@contoso.com -PictureData $script:Bytes -Confirm:$false | Should -BeNullOrEmpty
        $p = Get-UserPhoto -Identity adele.vance@contoso.com
        $p.PictureData.Length | Should -BeGreaterThan 0
        (Test-UserPhoto -PictureData $p.PictureData).Width | Should -Be 648
    }

    It 'Set-UserPhoto -WhatIf uploads nothing' {
        Set-UserPhoto -Identity lee.gu@contoso.com -PictureData $script:Bytes -WhatIf
        Get-UserPhoto -Identity lee.gu@contoso.com -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'Preview keeps the rendition locally until -Save' {
        Set-UserPhoto -Identity lee.gu@contoso.com -PictureData $script:Bytes -Preview
        (Get-UserPhoto -Identity lee.gu@contoso.com -Preview).PictureData.Length | Should -BeGreaterThan 0
        Get-UserPhoto -Identity lee.gu@contoso.com -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Set-UserPhoto -Identity lee.gu@contoso.com -Save -Confirm:$false
        (Get-UserPhoto -Identity lee.gu@contoso.com).PictureData.Length | Should -BeGreaterThan 0
        Get-UserPhoto -Identity lee.gu@contoso.com -Preview -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It '-Cancel discards a preview' {
        Set-UserPhoto -Identity adele.vance@contoso.com -PictureData $script:Bytes -Preview
        Set-UserPhoto -Identity adele.vance@contoso.com -Cancel -Confirm:$false
        Get-UserPhoto -Identity adele.vance@contoso.com -Preview -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.NoPreview*'
    }

    It 'Set-UserPhoto -PictureStream reads the stream' {
        $stream = New-Object IO.MemoryStream (, $script:Bytes)
        Set-UserPhoto -Identity adele.vance@contoso.com -PictureStream $stream -Confirm:$false
        (Get-UserPhoto -Identity adele.vance@contoso.com).PictureData.Length | Should -BeGreaterThan 0
    }

    It 'Remove-UserPhoto removes the photo' {
        Remove-UserPhoto -Identity adele.vance@contoso.com -Confirm:$false
        Get-UserPhoto -Identity adele.vance@contoso.com -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.NoPhoto*'
    }

    It 'an unknown identity is a UserPhoto.UserNotFound error' {
        Set-UserPhoto -Identity ghost@contoso.com -PictureData $script:Bytes -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.UserNotFound*'
        $errs[0].TargetObject | Should -Be 'ghost@contoso.com'
    }
}
