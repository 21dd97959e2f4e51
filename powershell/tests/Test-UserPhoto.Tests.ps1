# Test-UserPhoto on photos (no connection needed); the -Directory audit is in
# ActiveDirectory.Tests.ps1.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-UserPhotoModules
    $script:Photo = Join-Path $script:Samples 'Portrait_0.jpg'
}

Describe 'Test-UserPhoto' {
    It 'reports format, size and a verdict per target' {
        $r = Test-UserPhoto -Path $script:Photo
        $r.PSObject.TypeNames | Should -Contain 'UserPhoto.ValidationResult'
        $r.Format | Should -Be 'jpeg'
        $r.Targets.Target | Should -Be @('graph', 'ad-thumbnail', 'exchange-onprem')
        $r.Usable | Should -BeTrue
    }

    It 'takes FullName from Get-ChildItem' {
        @(Get-ChildItem $script:Samples -Filter *.jpg | Test-UserPhoto).Count | Should -Be 3
    }

    It 'takes -Target in any case' {
        (Test-UserPhoto -Path $script:Photo -Target Graph, AD-Thumbnail).Targets.Target | Should -Be @('graph', 'ad-thumbnail')
    }

    It '-Size alone checks a custom square' {
        $r = Test-UserPhoto -Path $script:Photo -Size 240
        $r.Targets.Size | Should -Be 240
        $r.Targets.Verdict | Should -Not -Be 'unusable'
    }

    It '-MaxBytes applies to the targets given' {
        (Test-UserPhoto -Path $script:Photo -Target ad-thumbnail -MaxBytes 20480).Targets.MaxBytes | Should -Be 20480
    }

    It '-MaxBytes without -Target or -Size is a terminating UserPhoto.InvalidOptions' {
        { Test-UserPhoto -Path $script:Photo -MaxBytes 20480 } | Should -Throw -ErrorId 'UserPhoto.InvalidOptions,*' -ExpectedMessage '*-MaxBytes*-Target*-Size*'
    }

    It 'an unreadable photo is a non-terminating UserPhoto.UnsupportedFormat with the file as target' {
        $bad = Join-Path $TestDrive 'not-a-photo.jpg'
        Set-Content -Path $bad -Value 'Employee photo not available.'
        $r = Test-UserPhoto -Path $bad, $script:Photo -ErrorVariable errs -ErrorAction SilentlyContinue
        @($r).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.UnsupportedFormat*'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errs[0].TargetObject | Should -Be $bad
    }

    It '-PictureData checks bytes' {
        (Test-UserPhoto -PictureData ([IO.File]::ReadAllBytes($script:Photo))).Format | Should -Be 'jpeg'
    }
}
