# The Active Directory doors (Publish/Sync/Export/Clear-UserPhoto -Target ActiveDirectory,
# Test-UserPhoto -Directory) against a real Samba AD DC, whose connection
# scripts/test-powershell.sh puts in the environment (USERPHOTO_LDAP_URL, _BIND, _PASSWORD,
# _CA, _OTHER_CA, _BASE). Without it the DC cases are skipped; the runner makes that a
# failure when USERPHOTO_REQUIRE_SAMBA=1.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-UserPhotoModules
    $script:Emu = Start-TestEmulator -Directory $TestDrive -Users @('megan.bowen@contoso.com', 'lee.gu@contoso.com')
    $null = Connect-TestEmulator $script:Emu
    $script:Photo = Join-Path $script:Samples 'Portrait_0.jpg'
}

AfterAll {
    Disconnect-UserPhoto
    Stop-TestEmulator $script:Emu
}

Describe 'Active Directory parameters' {
    It '<_> offers the Graph and ActiveDirectory targets and the AD connection parameters' -ForEach 'Publish-UserPhoto', 'Sync-UserPhoto', 'Export-UserPhoto', 'Clear-UserPhoto' {
        $c = Get-Command $_
        $c.Parameters['Target'].Attributes.ValidValues | Should -Be @('Graph', 'ActiveDirectory')
        $c.Parameters['Credential'].ParameterType | Should -Be ([pscredential])
        foreach ($p in 'Server', 'SearchBase', 'CaCertificatePath', 'StartTls') { $c.Parameters.Keys | Should -Contain $p }
    }

    It 'Test-UserPhoto -Directory has its own parameter set' {
        $c = Get-Command Test-UserPhoto
        $c.ParameterSets.Name | Should -Contain 'Directory'
        foreach ($p in 'Credential', 'Server', 'SearchBase', 'CaCertificatePath', 'StartTls', 'Fix', 'ExcludeMissing') {
            $c.Parameters[$p].ParameterSets.Keys | Should -Be @('Directory') -Because "-$p belongs to -Directory only"
        }
        # The audits' own parameters serve both audits (-Tenant's are in TenantAudit.Tests.ps1).
        foreach ($p in 'IncludeDisabled', 'ContactSheetPath', 'ReportPath', 'ReportJsonPath', 'AsReport') {
            @($c.Parameters[$p].ParameterSets.Keys | Sort-Object) | Should -Be @('Directory', 'Tenant') -Because "-$p belongs to the audits"
        }
        # -MaxBytes: the rendition budget for photos, the audit threshold here.
        @($c.Parameters['MaxBytes'].ParameterSets.Keys | Sort-Object) | Should -Be @('Directory', 'Path', 'PictureData')
        $c.Parameters['Target'].ParameterSets.Keys | Should -Not -Contain 'Directory'
    }

    It 'the ActiveDirectory target without -Credential is a terminating UserPhoto.InvalidOptions' {
        { Publish-UserPhoto -User 'lee.gu@contoso.com' -Path $script:Photo -Target ActiveDirectory -Server dc1.corp.example } |
            Should -Throw -ErrorId 'UserPhoto.InvalidOptions,*'
        { Export-UserPhoto -User 'lee.gu@contoso.com' -Target ActiveDirectory -Server dc1.corp.example } | Should -Throw -ErrorId 'UserPhoto.InvalidOptions,*'
        $dir = Join-Path $TestDrive 'ad-params-feed'
        $null = New-Item -ItemType Directory $dir -Force
        Copy-Item $script:Photo (Join-Path $dir 'lee.gu@contoso.com.jpg')
        { Sync-UserPhoto -Folder $dir -Target ActiveDirectory -Server dc1.corp.example } | Should -Throw -ErrorId 'UserPhoto.InvalidOptions,*'
    }

    It 'an AD budget over the schema cap is a terminating UserPhoto.ThumbnailTooLarge naming it, before connecting' {
        $cred = New-Object pscredential 'CORP\svc', (ConvertTo-SecureString 'x' -AsPlainText -Force)
        { Publish-UserPhoto -User a -Path $script:Photo -Target ActiveDirectory -Server ldaps://127.0.0.1:1 -Credential $cred -MaxBytes 200000 } |
            Should -Throw -ErrorId 'UserPhoto.ThumbnailTooLarge,*' -ExpectedMessage '*102*400*'
    }

    It '-StartTls with an ldaps:// URL is refused' {
        $cred = New-Object pscredential 'CORP\svc', (ConvertTo-SecureString 'x' -AsPlainText -Force)
        { Clear-UserPhoto -User a -Target ActiveDirectory -Server ldaps://dc1.corp.example -StartTls -Credential $cred -Confirm:$false } |
            Should -Throw -ErrorId 'UserPhoto.InvalidOptions,*'
    }

    It 'a domain controller that does not answer is that user''s UserPhoto.DirectoryUnavailable' {
        $cred = New-Object pscredential 'CORP\svc', (ConvertTo-SecureString 'unreachable-pw' -AsPlainText -Force)
        $r = Publish-UserPhoto -User 'a@corp.example' -Path $script:Photo -Target ActiveDirectory -Server 'ldaps://127.0.0.1:1' -Credential $cred `
            -ErrorVariable errs -ErrorAction SilentlyContinue
        $r.Status | Should -Be 'Failed'
        $r.Destination | Should -Be 'ad'
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.DirectoryUnavailable*'
        $errs[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $errs[0].ToString() | Should -Not -Match 'unreachable-pw'
    }
}

Describe 'Against a Samba AD DC' -Skip:(-not $env:USERPHOTO_LDAP_URL) {
    BeforeAll {
        $script:AdCred = New-Object pscredential $env:USERPHOTO_LDAP_BIND, (ConvertTo-SecureString $env:USERPHOTO_LDAP_PASSWORD -AsPlainText -Force)
        $script:AdParams = @{ Server = $env:USERPHOTO_LDAP_URL; Credential = $script:AdCred; CaCertificatePath = $env:USERPHOTO_LDAP_CA }
        # Provisioning makes Administrator (no UPN): found by sAMAccountName.
        $script:AdUser = 'Administrator'
        $null = Clear-UserPhoto -User $script:AdUser -Target ActiveDirectory @AdParams -Confirm:$false
    }

    It '-WhatIf writes nothing' {
        Publish-UserPhoto -User $script:AdUser -Path $script:Photo -Target ActiveDirectory @AdParams -WhatIf | Should -BeNullOrEmpty
        Export-UserPhoto -User $script:AdUser -Target ActiveDirectory @AdParams -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.NoPhoto*'
    }

    It 'publishes a 96 x 96 thumbnailPhoto within 10 KB, then finds it unchanged' {
        $r = Publish-UserPhoto -User $script:AdUser -Path $script:Photo -Target ActiveDirectory @AdParams
        $r.Destination | Should -Be 'ad'
        $r.Status | Should -Be 'Uploaded'
        $r.Width | Should -Be 96
        $r.Bytes | Should -BeLessOrEqual 10240
        (Publish-UserPhoto -User $script:AdUser -Path $script:Photo -Target ActiveDirectory @AdParams).Status | Should -Be 'Unchanged'
    }

    It 'Export-UserPhoto -Target ActiveDirectory returns the thumbnail' {
        $e = Export-UserPhoto -User "CORP\$($script:AdUser)" -Target ActiveDirectory @AdParams -OutputDirectory (Join-Path $TestDrive 'ad')
        $e.Target | Should -Be 'ActiveDirectory'
        $e.Width | Should -Be 96
        [IO.File]::ReadAllBytes($e.Path).Length | Should -Be $e.Bytes
    }

    It 'takes -Target in any case' {
        (Publish-UserPhoto -User $script:AdUser -Path $script:Photo -Target activedirectory @AdParams -Force).Destination | Should -Be 'ad'
    }

    It 'publishes to Graph and AD in one run' {
        $r = [pscustomobject]@{ UPN = 'megan.bowen@contoso.com'; Path = $script:Photo } |
            Publish-UserPhoto -Target 'Graph', 'ActiveDirectory' @AdParams -ErrorVariable errs -ErrorAction SilentlyContinue
        ($r | Where-Object Destination -eq 'graph').Status | Should -Be 'Uploaded'
        ($r | Where-Object Destination -eq 'ad').Status | Should -Be 'Failed'
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.UserNotFound*'
        $errs[0].TargetObject | Should -Be 'megan.bowen@contoso.com'
    }

    It 'a wrong password is UserPhoto.InvalidCredentials and never shows' {
        # After the first refused bind no further user is tried in AD: the rest come back
        # Skipped (users already under way by then fail too: at most the directory's 4 slots).
        $bad = New-Object pscredential $env:USERPHOTO_LDAP_BIND, (ConvertTo-SecureString 'Wr0ng-Pester-Pw' -AsPlainText -Force)
        $users = @(1..12 | ForEach-Object { "user$_@corp.example" })
        $r = $users | ForEach-Object { [pscustomobject]@{ User = $_; Path = $script:Photo } } |
            Publish-UserPhoto -Target ActiveDirectory -Server $env:USERPHOTO_LDAP_URL -Credential $bad -CaCertificatePath $env:USERPHOTO_LDAP_CA `
                -ThrottleLimit 1 -ErrorVariable errs -ErrorAction SilentlyContinue -WarningVariable warns -WarningAction SilentlyContinue -Verbose 4>&1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.InvalidCredentials*'
        $errs[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        @($r | Where-Object { $_.PSObject.TypeNames -contains 'UserPhoto.PublishResult' }).Count | Should -Be 12
        @($r | Where-Object { $_.Status -eq 'Uploaded' }).Count | Should -Be 0
        @($r | Where-Object { $_.Status -eq 'Skipped' -and $_.ErrorCode -eq 'invalid-credentials' }).Count | Should -BeGreaterThan 0
        ($r | Out-String) + ($errs | Out-String) + ($warns | Out-String) | Should -Not -Match 'Wr0ng-Pester-Pw'
        { Export-UserPhoto -User $script:AdUser -Target ActiveDirectory -Server $env:USERPHOTO_LDAP_URL -Credential $bad -CaCertificatePath $env:USERPHOTO_LDAP_CA } |
            Should -Throw -ErrorId 'UserPhoto.InvalidCredentials,*'
    }

    It 'a CA that did not sign the DC''s certificate is a terminating UserPhoto.DirectoryTls for Export-UserPhoto' {
        { Export-UserPhoto -User $script:AdUser -Target ActiveDirectory -Server $env:USERPHOTO_LDAP_URL -Credential $script:AdCred -CaCertificatePath $env:USERPHOTO_LDAP_OTHER_CA } |
            Should -Throw -ErrorId 'UserPhoto.DirectoryTls,*'
    }

    It 'Test-UserPhoto -Directory audits the users' {
        $entries = Test-UserPhoto -Directory @AdParams -SearchBase "CN=Users,$env:USERPHOTO_LDAP_BASE"
        $entries | Where-Object DistinguishedName -like "CN=$($script:AdUser),*" | Should -BeNullOrEmpty
        $sheet = Join-Path $TestDrive 'directory-sheet.html'
        $csv = Join-Path $TestDrive 'directory-audit.csv'
        $report = Test-UserPhoto -Directory @AdParams -AsReport -MaxBytes 1024 -ContactSheetPath $sheet -ReportPath $csv
        $report.Scanned | Should -BeGreaterThan 0
        @(Import-Csv $csv).Count | Should -Be $report.Listed
        # The sheet shows every user scanned, listed or not, with the thumbnail rendered.
        $html = Get-Content -Raw $sheet
        $html | Should -Match ([regex]::Escape($script:AdUser))
        $html | Should -Match 'data:image/jpeg;base64,'
        $report.MaxBytes | Should -Be 1024
        ($report.Entries | Where-Object DistinguishedName -like "CN=$($script:AdUser),*").Problems | Should -Contain 'oversized'
        # -WhatIf: the same audit, nothing rewritten.
        $whatIf = Test-UserPhoto -Directory @AdParams -MaxBytes 1024 -ExcludeMissing -Fix -WhatIf
        ($whatIf | Where-Object DistinguishedName -like "CN=$($script:AdUser),*").FixStatus | Should -BeNullOrEmpty
    }

    It 'Sync-UserPhoto -Target ActiveDirectory writes thumbnailPhoto from a folder feed, with a report' {
        $dir = Join-Path $TestDrive 'ad-sync'
        $null = New-Item -ItemType Directory $dir
        Copy-Item (Join-Path $script:Samples 'Landscape_6.jpg') (Join-Path $dir "$($script:AdUser).jpg")
        $report = Join-Path $TestDrive 'ad-sync.csv'
        $r = Sync-UserPhoto -Folder $dir -Target ActiveDirectory @AdParams -ReportPath $report
        $r.Destination | Should -Be 'ad'
        $r.Status | Should -Be 'Uploaded'
        $r.Width | Should -Be 96
        $row = Import-Csv $report
        $row.destination | Should -Be 'ad'
        $row.status | Should -Be 'uploaded'
    }

    It 'Clear-UserPhoto -Target ActiveDirectory removes the thumbnail, then finds none' {
        (Clear-UserPhoto -User $script:AdUser -Target ActiveDirectory @AdParams -Confirm:$false).Status | Should -Be 'Removed'
        (Clear-UserPhoto -User $script:AdUser -Target ActiveDirectory @AdParams -Confirm:$false).Status | Should -Be 'Absent'
    }
}
