# Test-UserPhoto -Tenant against the emulator: a planted 2,000-user tenant found exactly
# (objects, the CSV and JSON reports, the contact sheet), -AsReport, the photo checks, bad
# options refused before any request, and a stopped pipeline freeing the audit.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-UserPhotoModules

    # The planted tenant, as tests/tenant_audit.rs plants it.
    function Get-Plant([int]$i) {
        if ($i % 17 -eq 3) { return 'disabled' }
        if ($i % 7 -eq 1) { return 'missing' }
        if ($i % 11 -eq 2) { return 'small' }
        if ($i % 13 -eq 4) { return 'not-square' }
        'good'
    }
    function Get-Upn([int]$i) { 'user{0:d5}@contoso.com' -f $i }

    $script:N = 2000
    $users = @(foreach ($i in 0..($script:N - 1)) {
        @{ id = ('00000000-0000-4000-8000-{0:d12}' -f $i); userPrincipalName = (Get-Upn $i)
           displayName = "User $i"; accountEnabled = ((Get-Plant $i) -ne 'disabled') }
    })
    $script:Emu = Start-TestEmulator -Directory $TestDrive -Extra @{ users = $users }

    # 648 x 648, 300 x 300 and 1200 x 1800 photos, stored through the emulator's own control
    # (no upload path involved: the audit only reads).
    $sample = Join-Path $script:Samples 'Portrait_0.jpg'
    $photos = @{
        'good' = (Resize-UserPhoto -Path $sample -Target graph -WarningAction SilentlyContinue).Data
        'disabled' = (Resize-UserPhoto -Path $sample -Target graph -WarningAction SilentlyContinue).Data
        'small' = (Resize-UserPhoto -Path $sample -Size 300 -WarningAction SilentlyContinue).Data
        'not-square' = [IO.File]::ReadAllBytes($sample)
    }
    $http = New-Object System.Net.Http.HttpClient
    try {
        foreach ($i in 0..($script:N - 1)) {
            $plant = Get-Plant $i
            if ($plant -eq 'missing') { continue }
            $body = New-Object System.Net.Http.ByteArrayContent (, [byte[]]$photos[$plant])
            $reply = $http.PutAsync("$($script:Emu.Url)/_emulator/photo/$(Get-Upn $i)", $body).GetAwaiter().GetResult()
            if (-not $reply.IsSuccessStatusCode) { throw "planting user $i failed: $($reply.StatusCode)" }
        }
    } finally {
        $http.Dispose()
    }
    # What each enabled user should show: UPN -> problems ('' for none).
    $script:Expected = @{}
    foreach ($i in 0..($script:N - 1)) {
        $plant = Get-Plant $i
        if ($plant -eq 'disabled') { continue }
        $script:Expected[(Get-Upn $i)] = $(if ($plant -eq 'good') { '' } else { $plant })
    }
    $null = Connect-TestEmulator $script:Emu
}

AfterAll {
    Disconnect-UserPhoto
    Stop-TestEmulator $script:Emu
}

Describe 'Test-UserPhoto -Tenant' {
    It 'finds every planted case: one object per listed user, every user in the reports and on the sheet' {
        $csv = Join-Path $TestDrive 'audit.csv'
        $json = Join-Path $TestDrive 'audit.json'
        $sheet = Join-Path $TestDrive 'sheet.html'
        $out = @(Test-UserPhoto -Tenant -ReportPath $csv -ReportJsonPath $json -ContactSheetPath $sheet -ErrorVariable errs)
        $errs.Count | Should -Be 0
        $listed = @($script:Expected.Keys | Where-Object { $script:Expected[$_] })
        $out.Count | Should -Be $listed.Count
        $out[0].PSObject.TypeNames | Should -Contain 'UserPhoto.TenantAuditEntry'
        foreach ($o in $out) {
            ($o.Problems -join ';') | Should -Be $script:Expected[$o.User] -Because $o.User
        }
        $missing = $out | Where-Object User -eq 'user00001@contoso.com'
        $missing.Problems | Should -Be @('missing')
        $missing.DisplayName | Should -Be 'User 1'
        $missing.Width | Should -BeNullOrEmpty
        $wide = $out | Where-Object { $_.Problems -contains 'not-square' } | Select-Object -First 1
        "$($wide.Width) x $($wide.Height)" | Should -Be '1200 x 1800'

        # The reports have every enabled user once, healthy ones too.
        $rows = @(Import-Csv $csv)
        $rows.Count | Should -Be $script:Expected.Count
        foreach ($r in $rows) { $r.problems | Should -Be $script:Expected[$r.user] -Because $r.user }
        $doc = Get-Content -Raw $json | ConvertFrom-Json
        $doc.summary.users | Should -Be $script:Expected.Count
        $doc.summary.problems.missing | Should -Be @($listed | Where-Object { $script:Expected[$_] -eq 'missing' }).Count
        # The sheet: every user, with Graph's 96 x 96 copy as the thumbnail of each photo.
        $html = Get-Content -Raw $sheet
        $html | Should -Match 'user00002@contoso.com'
        ([regex]::Matches($html, 'data:image/jpeg;base64,')).Count | Should -Be @($script:Expected.Values | Where-Object { $_ -ne 'missing' }).Count
    }

    It '-AsReport gives the counts; -IncludeDisabled audits every user' {
        $r = Test-UserPhoto -Tenant -IncludeDisabled -AsReport
        $r.PSObject.TypeNames | Should -Contain 'UserPhoto.TenantAudit'
        $r.Users | Should -Be $script:N
        $r.Failed | Should -Be 0
        $r.WithPhoto | Should -Be ($script:N - $r.Problems['missing'])
        $r.Problems['small'] | Should -Be @($script:Expected.Values | Where-Object { $_ -eq 'small' }).Count
        $r.Entries.Count | Should -Be $r.Listed
        # Pages of 999 and batches of 20: far fewer requests than users.
        $r.Requests | Should -BeLessThan ($script:N / 10)
    }

    It 'refuses a report in a missing folder before reading anything' {
        $before = (Get-TestEmulatorStats $script:Emu).user_pages
        $bad = Join-Path $TestDrive 'no-such-folder/audit.csv'
        { Test-UserPhoto -Tenant -ReportPath $bad } | Should -Throw -ErrorId 'UserPhoto.InvalidOptions,*' -ExpectedMessage '*no-such-folder*'
        (Get-TestEmulatorStats $script:Emu).user_pages | Should -Be $before
    }

    It 'a pipeline stopped early frees the audit' {
        # (That a cancelled audit writes no report is tests/tenant_audit.rs's, with a slowed
        # emulator: here the audit may well end before the pipeline stops.)
        $live = [UserPhoto.Native.UpJobHandle]::Live
        @(Test-UserPhoto -Tenant | Select-Object -First 3).Count | Should -Be 3
        [UserPhoto.Native.UpJobHandle]::Live | Should -Be $live
    }

    It 'a report that cannot be written is a non-terminating UserPhoto.ReportNotWritten after every user' {
        # The folder exists (checked before the audit), but the path is a folder itself.
        $out = @(Test-UserPhoto -Tenant -ReportPath $TestDrive -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be @($script:Expected.Values | Where-Object { $_ }).Count
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.ReportNotWritten*'
    }

    It 'needs Connect-UserPhoto' {
        Disconnect-UserPhoto
        try {
            { Test-UserPhoto -Tenant } | Should -Throw -ErrorId 'UserPhoto.NotConnected,*'
        } finally {
            $null = Connect-TestEmulator $script:Emu
        }
    }

    It 'has its own parameter set' {
        $c = Get-Command Test-UserPhoto
        foreach ($p in 'Tenant', 'Filter', 'CheckPhotos') {
            $c.Parameters[$p].ParameterSets.Keys | Should -Be @('Tenant') -Because "-$p belongs to -Tenant only"
        }
    }

    It 'does not take the photo parameters' {
        { Test-UserPhoto -Tenant -Target graph } | Should -Throw -ErrorId 'AmbiguousParameterSet,*'
        { Test-UserPhoto -Tenant -MaxBytes 10240 } | Should -Throw -ErrorId 'AmbiguousParameterSet,*'
    }
}

Describe 'Test-UserPhoto -Tenant -CheckPhotos' {
    BeforeAll {
        $script:Small = Start-TestEmulator -Directory $TestDrive -Users @('adele.vance@contoso.com', 'lee.gu@contoso.com', 'megan.bowen@contoso.com')
        Disconnect-UserPhoto
        $null = Connect-TestEmulator $script:Small
        $http = New-Object System.Net.Http.HttpClient
        try {
            # Adele: a real face (a Solvay conference crop, 300 px); Lee: a person from behind.
            $face = [IO.File]::ReadAllBytes((Join-Path $script:RepoRoot 'tests/data/faces/solvay-a.jpg'))
            $back = (Resize-UserPhoto -Path (Join-Path $script:Samples 'Portrait_0.jpg') -Target graph -WarningAction SilentlyContinue).Data
            foreach ($p in @(@('adele.vance@contoso.com', $face), @('lee.gu@contoso.com', $back))) {
                $body = New-Object System.Net.Http.ByteArrayContent (, [byte[]]$p[1])
                $null = $http.PutAsync("$($script:Small.Url)/_emulator/photo/$($p[0])", $body).GetAwaiter().GetResult().EnsureSuccessStatusCode()
            }
        } finally {
            $http.Dispose()
        }
    }

    AfterAll {
        Disconnect-UserPhoto
        Stop-TestEmulator $script:Small
        $null = Connect-TestEmulator $script:Emu
    }

    It 'downloads the photos, checks them and puts their thumbnails on the sheet' {
        $sheet = Join-Path $TestDrive 'checked.html'
        $out = @(Test-UserPhoto -Tenant -CheckPhotos -ContactSheetPath $sheet)
        $lee = $out | Where-Object User -eq 'lee.gu@contoso.com'
        $lee.Checks.Code | Should -Contain 'no-face'
        $lee.Checks[0].PSObject.TypeNames | Should -Contain 'UserPhoto.PhotoCheck'
        $lee.Problems | Should -BeNullOrEmpty
        $adele = $out | Where-Object User -eq 'adele.vance@contoso.com'
        $adele.Problems | Should -Contain 'small'
        $adele.Checks.Code | Should -Not -Contain 'no-face'
        ($out | Where-Object User -eq 'megan.bowen@contoso.com').Problems | Should -Be @('missing')
        # Two photos, two thumbnails; Megan gets her initials.
        ([regex]::Matches((Get-Content -Raw $sheet), 'data:image/jpeg;base64,')).Count | Should -Be 2
    }
}
