# Resize-UserPhoto (no connection needed).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-UserPhotoModules
    $script:Photo = Join-Path $script:Samples 'Portrait_0.jpg'
}

Describe 'Resize-UserPhoto' {
    It 'renders each target within its budget' {
        $r = Resize-UserPhoto -PictureData ([IO.File]::ReadAllBytes($script:Photo)) -Target graph, ad-thumbnail
        ($r | Where-Object Target -eq 'graph').Width | Should -Be 648
        ($r | Where-Object Target -eq 'ad-thumbnail').Data.Length | Should -BeLessOrEqual 10240
    }

    It 'takes -Target in any case' {
        (Resize-UserPhoto -Path $script:Photo -Target Graph).Target | Should -Be 'graph'
    }

    It '-Size without -MaxBytes renders a custom square' {
        $r = Resize-UserPhoto -Path $script:Photo -Size 240
        $r.Width | Should -Be 240
        $r.Height | Should -Be 240
    }

    It '-Size with -MaxBytes keeps within the budget' {
        $r = Resize-UserPhoto -Path $script:Photo -Size 240 -MaxBytes 4096
        $r.Bytes | Should -BeLessOrEqual 4096
        $r.MaxBytes | Should -Be 4096
    }

    It '-MaxBytes without -Target or -Size is a terminating UserPhoto.InvalidOptions' {
        { Resize-UserPhoto -Path $script:Photo -MaxBytes 4096 } | Should -Throw -ErrorId 'UserPhoto.InvalidOptions,*' -ExpectedMessage '*-MaxBytes*-Target*-Size*'
    }

    It 'checks names, sizes and budgets against the library''s table, naming the limit' {
        { Resize-UserPhoto -Path $script:Photo -Target teams } |
            Should -Throw -ErrorId 'UserPhoto.InvalidOptions,*' -ExpectedMessage '*graph, ad-thumbnail, exchange-onprem*'
        $r = Resize-UserPhoto -Path $script:Photo -Size 5000 -ErrorVariable errs -ErrorAction SilentlyContinue
        $r | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.InvalidOptions*'
        $errs[0].ToString() | Should -Match '4096'
        $null = Resize-UserPhoto -Path $script:Photo -Target ad-thumbnail -MaxBytes 200000 -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].ToString() | Should -Match '102400'
        $null = Resize-UserPhoto -Path $script:Photo -Size 240 -MaxBytes 500 -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].ToString() | Should -Match '1024'
    }

    It '-OutputDirectory writes <name>.<target>.jpg; -WhatIf writes nothing' {
        $out = Join-Path $TestDrive 'renditions'
        $null = Resize-UserPhoto -Path $script:Photo -Target graph -OutputDirectory $out -WhatIf
        Test-Path $out | Should -BeFalse
        $r = Resize-UserPhoto -Path $script:Photo -Target graph -OutputDirectory $out
        $r.Path | Should -Be (Join-Path $out 'Portrait_0.graph.jpg')
        (Get-Item $r.Path).Length | Should -Be $r.Bytes
    }
}
