# Publish-UserPhoto against the emulator: binding from Import-Csv rows with every alias,
# -PictureData, -WhatIf, error records and -ErrorAction, progress, the journal.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-UserPhotoModules
    $script:Users = @('adele.vance@contoso.com', "o'brien@contoso.com", 'zoë.müller@contoso.com', 'lee.gu@contoso.com', 'megan.bowen@contoso.com')
    $script:Emu = Start-TestEmulator -Directory $TestDrive -Users $script:Users
    $null = Connect-TestEmulator $script:Emu
    $script:Photo = Join-Path $script:Samples 'Portrait_0.jpg'
}

AfterAll {
    Disconnect-UserPhoto
    Stop-TestEmulator $script:Emu
}

Describe 'Parameters' {
    It 'binds the user by property name from UserPrincipalName, UPN, Identity, Id and Mail' {
        $p = (Get-Command Publish-UserPhoto).Parameters['User']
        foreach ($a in 'UserPrincipalName', 'UPN', 'Identity', 'Id', 'Mail') { $p.Aliases | Should -Contain $a }
        $p.Attributes.Where({ $_ -is [Parameter] }).ValueFromPipelineByPropertyName | Should -Contain $true
    }

    It 'has a Path and a PictureData parameter set, and -WhatIf/-Confirm' {
        $c = Get-Command Publish-UserPhoto
        $c.ParameterSets.Name | Should -Contain 'Path'
        $c.ParameterSets.Name | Should -Contain 'PictureData'
        $c.Parameters['Path'].Aliases | Should -Contain 'FullName'
        $c.Parameters['PictureData'].ParameterType | Should -Be ([byte[]])
        $c.Parameters.Keys | Should -Contain 'WhatIf'
        $c.Parameters.Keys | Should -Contain 'Confirm'
    }
}

Describe 'Import-Csv | Publish-UserPhoto' {
    It 'binds a CSV with columns <UserColumn> and <PathColumn>' -ForEach @(
        @{ UserColumn = 'UserPrincipalName'; PathColumn = 'Path' }
        @{ UserColumn = 'UPN'; PathColumn = 'FullName' }
        @{ UserColumn = 'Identity'; PathColumn = 'Path' }
        @{ UserColumn = 'Id'; PathColumn = 'Path' }
        @{ UserColumn = 'Mail'; PathColumn = 'FullName' }
        @{ UserColumn = 'User'; PathColumn = 'Path' }
    ) {
        $feed = New-TestFeed -Directory (Join-Path $TestDrive "csv-$UserColumn") -Users $script:Users[0..1] -UserColumn $UserColumn -PathColumn $PathColumn
        $r = @(Import-Csv -LiteralPath $feed.Csv | Publish-UserPhoto -Force)
        $r.Count | Should -Be 2
        $r.Status | Should -Be @('Uploaded', 'Uploaded')
        ($r.User | Sort-Object) | Should -Be ($script:Users[0..1] | Sort-Object)
        $r[0].Destination | Should -Be 'graph'
        $r[0].Width | Should -Be 648
    }

    It 'takes -PictureData bytes from the pipeline' {
        $r = [pscustomobject]@{ UPN = 'megan.bowen@contoso.com'; PictureData = [IO.File]::ReadAllBytes($script:Photo) } | Publish-UserPhoto -Force
        $r.Status | Should -Be 'Uploaded'
        $r.Source | Should -Not -BeNullOrEmpty
    }

    It 'takes -Target in any case' {
        (Publish-UserPhoto -User 'lee.gu@contoso.com' -Path $script:Photo -Target graph -Force).Status | Should -Be 'Uploaded'
    }

    It '-WhatIf uploads nothing' {
        $before = (Get-TestEmulatorStats $script:Emu).successful_puts
        $feed = New-TestFeed -Directory (Join-Path $TestDrive 'whatif') -Users $script:Users
        Import-Csv -LiteralPath $feed.Csv | Publish-UserPhoto -WhatIf | Should -BeNullOrEmpty
        (Get-TestEmulatorStats $script:Emu).successful_puts | Should -Be $before
    }

    It 'with -JournalPath, the second run of the same photos is Unchanged and uploads nothing' {
        $feed = New-TestFeed -Directory (Join-Path $TestDrive 'journal') -Users $script:Users[2..3]
        $journal = Join-Path $TestDrive 'publish-journal.sqlite'
        (Import-Csv -LiteralPath $feed.Csv | Publish-UserPhoto -JournalPath $journal).Status | Should -Be @('Uploaded', 'Uploaded')
        $before = (Get-TestEmulatorStats $script:Emu).successful_puts
        (Import-Csv -LiteralPath $feed.Csv | Publish-UserPhoto -JournalPath $journal).Status | Should -Be @('Unchanged', 'Unchanged')
        (Get-TestEmulatorStats $script:Emu).successful_puts | Should -Be $before
    }
}

Describe 'Errors' {
    It 'an unknown user is a non-terminating UserPhoto.UserNotFound with the user as target; the batch goes on' {
        $rows = @(
            [pscustomobject]@{ UPN = 'ghost@contoso.com'; Path = $script:Photo }
            [pscustomobject]@{ UPN = 'lee.gu@contoso.com'; Path = $script:Photo }
        )
        $r = @($rows | Publish-UserPhoto -Force -ErrorVariable errs -ErrorAction SilentlyContinue)
        ($r | Where-Object User -eq 'lee.gu@contoso.com').Status | Should -Be 'Uploaded'
        ($r | Where-Object User -eq 'ghost@contoso.com').Status | Should -Be 'Failed'
        ($r | Where-Object User -eq 'ghost@contoso.com').ErrorCode | Should -Be 'user-not-found'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.UserNotFound*'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errs[0].TargetObject | Should -Be 'ghost@contoso.com'
    }

    It '-ErrorAction Stop makes a failed user terminating' {
        { Publish-UserPhoto -User 'ghost@contoso.com' -Path $script:Photo -ErrorAction Stop } | Should -Throw -ErrorId 'UserPhoto.UserNotFound,*'
    }

    It 'a missing photo file is that user''s UserPhoto.FileNotFound, not the batch''s' {
        $r = Publish-UserPhoto -User 'adele.vance@contoso.com' -Path (Join-Path $TestDrive 'missing.jpg') -ErrorVariable errs -ErrorAction SilentlyContinue
        $r | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.FileNotFound*'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'a file that is not a photo is UserPhoto.UnsupportedFormat' {
        $bad = Join-Path $TestDrive 'not-a-photo.jpg'
        Set-Content -LiteralPath $bad -Value 'Employee photo not available.'
        $r = Publish-UserPhoto -User 'adele.vance@contoso.com' -Path $bad -ErrorVariable errs -ErrorAction SilentlyContinue
        $r.Status | Should -Be 'Failed'
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.UnsupportedFormat*'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'not being connected is a terminating UserPhoto.NotConnected' {
        Disconnect-UserPhoto
        try {
            { Publish-UserPhoto -User 'lee.gu@contoso.com' -Path $script:Photo } | Should -Throw -ErrorId 'UserPhoto.NotConnected,*'
        } finally {
            $null = Connect-TestEmulator $script:Emu
        }
    }
}

Describe 'Progress' {
    It 'writes Write-Progress records with the count of users, then completes' {
        $ps = New-TestPowerShell -Emulator $script:Emu
        try {
            $feed = New-TestFeed -Directory (Join-Path $TestDrive 'progress') -Users $script:Users
            $null = $ps.AddScript({ param($csv) Import-Csv -LiteralPath $csv | Publish-UserPhoto -Force }).AddArgument($feed.Csv)
            $out = $ps.Invoke()
            $out.Count | Should -Be 5
            $progress = @($ps.Streams.Progress | Where-Object Activity -eq 'Publishing profile photos')
            $progress.Count | Should -BeGreaterThan 1
            ($progress | Where-Object { $_.StatusDescription -match '^\d+ of 5 users$' }) | Should -Not -BeNullOrEmpty
            $progress[-1].RecordType | Should -Be 'Completed'
        } finally {
            Remove-TestPowerShell $ps
        }
    }
}
