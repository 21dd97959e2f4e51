# Sync-UserPhoto against the emulator: folder and CSV feeds read with the CLI's rules,
# journal, the job's reports, -WhatIf.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-UserPhotoModules
    $script:Users = @('megan.bowen@contoso.com', 'zoë.müller@contoso.com', 'lee.gu@contoso.com')
    $script:Emu = Start-TestEmulator -Directory $TestDrive -Users $script:Users
    $null = Connect-TestEmulator $script:Emu
    $script:Photo = Join-Path $script:Samples 'Portrait_0.jpg'
}

AfterAll {
    Disconnect-UserPhoto
    Stop-TestEmulator $script:Emu
}

Describe 'Sync-UserPhoto' {
    It 'twice with a journal: the second run is all Unchanged and uploads nothing' {
        $dir = Join-Path $TestDrive 'folder-feed'
        $null = New-Item -ItemType Directory $dir
        foreach ($u in $script:Users) { Copy-Item $script:Photo (Join-Path $dir "$u.jpg") }
        $journal = Join-Path $TestDrive 'journal.sqlite'
        (Sync-UserPhoto -Folder $dir -JournalPath $journal).Status | Should -Be @('Uploaded', 'Uploaded', 'Uploaded')
        $before = (Get-TestEmulatorStats $script:Emu).successful_puts
        $report = Join-Path $TestDrive 'report.csv'
        (Sync-UserPhoto -Folder $dir -JournalPath $journal -ReportPath $report).Status | Should -Be @('Unchanged', 'Unchanged', 'Unchanged')
        (Get-TestEmulatorStats $script:Emu).successful_puts | Should -Be $before
        (Import-Csv $report).status | Should -Be @('unchanged', 'unchanged', 'unchanged')
    }

    It 'reads a CSV with its own columns as the CLI does, and the job writes both reports' {
        $dir = Join-Path $TestDrive 'csv-feed'
        $null = New-Item -ItemType Directory (Join-Path $dir 'pics')
        Copy-Item $script:Photo (Join-Path $dir 'pics/megan.jpg')
        Copy-Item (Join-Path $script:Samples 'Portrait_3.jpg') (Join-Path $dir 'pics/zoe.jpg')
        $csv = Join-Path $dir 'hr.csv'
        # Relative paths are relative to the CSV, not to the current location; the blank row is skipped.
        [IO.File]::WriteAllLines($csv, [string[]]@(
                'EmployeeEmail,Department,PictureFile'
                'megan.bowen@contoso.com,Sales,pics/megan.jpg'
                ',,'
                'zoë.müller@contoso.com,IT,pics/zoe.jpg'
                'left.company@contoso.com,IT,pics/megan.jpg'
            ), (New-Object System.Text.UTF8Encoding $false))
        $report = Join-Path $dir 'report.csv'
        $json = Join-Path $dir 'report.json'
        $r = Sync-UserPhoto -CsvPath $csv -UserColumn EmployeeEmail -PathColumn PictureFile -ReportPath $report -ReportJsonPath $json `
            -ErrorVariable errs -ErrorAction SilentlyContinue
        $r.Count | Should -Be 3
        @($r | Where-Object Status -ne 'Failed').Count | Should -Be 2
        ($r | Where-Object User -eq 'zoë.müller@contoso.com').Source | Should -BeLike "$dir*zoe.jpg"
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.UserNotFound*'
        $errs[0].TargetObject | Should -Be 'left.company@contoso.com'
        Get-Content -LiteralPath $report -First 1 | Should -Be 'user,destination,status,bytes,width,height,quality,attempts,error_code,error,source,crop,checks'
        $rows = @(Import-Csv -LiteralPath $report)
        $rows.Count | Should -Be 3
        ($rows | Where-Object user -eq 'left.company@contoso.com').error_code | Should -Be 'user-not-found'
        $doc = Get-Content -Raw -LiteralPath $json | ConvertFrom-Json
        $doc.summary.total | Should -Be 3
        $doc.summary.failed | Should -Be 1
        @($doc.results).Count | Should -Be 3
    }

    It 'a CSV without the columns is a terminating UserPhoto.InvalidOptions naming them; a missing feed is UserPhoto.Io' {
        $csv = Join-Path $TestDrive 'no-columns.csv'
        Set-Content -LiteralPath $csv -Value 'Name,Picture', 'a,b.jpg'
        { Sync-UserPhoto -CsvPath $csv } | Should -Throw -ErrorId 'UserPhoto.InvalidOptions,*' -ExpectedMessage '*UserPrincipalName*'
        { Sync-UserPhoto -CsvPath $csv -UserColumn Name -PathColumn Portrait } | Should -Throw -ErrorId 'UserPhoto.InvalidOptions,*' -ExpectedMessage '*Portrait*'
        { Sync-UserPhoto -CsvPath (Join-Path $TestDrive 'missing.csv') } | Should -Throw -ErrorId 'UserPhoto.Io,*'
        { Sync-UserPhoto -Folder (Join-Path $TestDrive 'missing-folder') } | Should -Throw -ErrorId 'UserPhoto.Io,*'
    }

    It 'a report that cannot be written is a non-terminating UserPhoto.ReportNotWritten; the photos are published' {
        $dir = Join-Path $TestDrive 'report-error-feed'
        $null = New-Item -ItemType Directory $dir
        Copy-Item $script:Photo (Join-Path $dir 'megan.bowen@contoso.com.jpg')
        $r = Sync-UserPhoto -Folder $dir -ReportPath (Join-Path $TestDrive 'no/such/folder/report.csv') -ErrorVariable errs -ErrorAction SilentlyContinue
        $r.Status | Should -BeIn 'Uploaded', 'Unchanged'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.ReportNotWritten*'
        $errs[0].CategoryInfo.Category | Should -Be 'WriteError'
    }

    It '-WhatIf publishes nothing and writes no report' {
        $dir = Join-Path $TestDrive 'whatif-feed'
        $null = New-Item -ItemType Directory $dir
        Copy-Item $script:Photo (Join-Path $dir 'lee.gu@contoso.com.jpg')
        $report = Join-Path $TestDrive 'whatif-report.csv'
        $before = (Get-TestEmulatorStats $script:Emu).successful_puts
        Sync-UserPhoto -Folder $dir -ReportPath $report -WhatIf | Should -BeNullOrEmpty
        Test-Path -LiteralPath $report | Should -BeFalse
        (Get-TestEmulatorStats $script:Emu).successful_puts | Should -Be $before
    }
}
