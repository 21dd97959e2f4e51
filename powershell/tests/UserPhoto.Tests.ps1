# Pester 5 tests of the UserPhoto module. They need pwsh 7 and Pester 5, which CI machines do
# not have; from the repository root:
#   cargo build --lib --bin userphoto     (or: bash scripts/package-module.sh --debug)
#   pwsh -NoProfile -Command 'Invoke-Pester -Path powershell/tests -Output Detailed'
# The Active Directory tests run against a Samba AD DC when its connection is in the
# environment (as root, on Linux):
#   bash scripts/samba-dc.sh start && eval "$(bash scripts/samba-dc.sh env)"
#   pwsh -NoProfile -Command 'Invoke-Pester -Path powershell/tests -Output Detailed'
#   bash scripts/samba-dc.sh destroy

BeforeDiscovery {
    # -ForEach data is computed before BeforeAll runs, so not from the imported module.
    $PublicFunctions = Get-ChildItem (Join-Path $PSScriptRoot '../UserPhoto/Public') -Filter *.ps1 | ForEach-Object BaseName
}

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
    Remove-Module 'UserPhoto.Compat', 'UserPhoto' -ErrorAction SilentlyContinue
}

Describe 'Module' {
    It 'exports exactly the functions in Public/' {
        $public = Get-ChildItem (Join-Path $script:RepoRoot 'powershell/UserPhoto/Public') -Filter *.ps1 | ForEach-Object BaseName
        (Get-Command -Module UserPhoto).Name | Sort-Object | Should -Be ($public | Sort-Object)
    }

    It 'has a valid manifest for Core and Desktop, PowerShell 5.1' {
        $m = Test-ModuleManifest (Join-Path $script:RepoRoot 'powershell/UserPhoto/UserPhoto.psd1')
        $m.CompatiblePSEditions | Should -Be @('Core', 'Desktop')
        $m.PowerShellVersion | Should -Be ([version]'5.1')
        $m.PrivateData.PSData.Tags | Should -Contain 'ProfilePhoto'
    }

    It 'loads the native library once per session' {
        { Import-Module (Join-Path $script:RepoRoot 'powershell/UserPhoto/UserPhoto.psd1') -Force } | Should -Not -Throw
        [UserPhoto.Native.Api]::Version() | Should -Match '^\d+\.\d+\.\d+'
    }

    It '<_> has full help' -ForEach $PublicFunctions {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Description | Should -Not -BeNullOrEmpty
        @($help.Examples.Example).Count | Should -BeGreaterThan 0
        foreach ($p in (Get-Command $_).Parameters.Keys | Where-Object { $_ -notin [System.Management.Automation.Cmdlet]::CommonParameters -and $_ -notin [System.Management.Automation.Cmdlet]::OptionalCommonParameters }) {
            ($help.Parameters.Parameter | Where-Object Name -eq $p).Description | Should -Not -BeNullOrEmpty -Because "$p is documented"
        }
    }
}

Describe 'Parameter contracts' {
    It '<_> binds the user by property name with the usual aliases' -ForEach 'Publish-UserPhoto', 'Export-UserPhoto', 'Clear-UserPhoto' {
        $p = (Get-Command $_).Parameters['User']
        $p.Aliases | Should -Contain 'UserPrincipalName'
        foreach ($a in 'UPN', 'Identity', 'Id', 'Mail') { $p.Aliases | Should -Contain $a }
        $p.Attributes.Where({ $_ -is [Parameter] }).ValueFromPipelineByPropertyName | Should -Contain $true
    }

    It '<_> takes -Path (alias FullName) and -PictureData as byte[]' -ForEach 'Publish-UserPhoto', 'Test-UserPhoto', 'Resize-UserPhoto' {
        $c = Get-Command $_
        $c.Parameters['Path'].Aliases | Should -Contain 'FullName'
        $c.Parameters['PictureData'].ParameterType | Should -Be ([byte[]])
    }

    It '<_> supports -WhatIf and -Confirm' -ForEach 'Publish-UserPhoto', 'Sync-UserPhoto', 'Clear-UserPhoto', 'Resize-UserPhoto', 'Export-UserPhoto' {
        (Get-Command $_).Parameters.Keys | Should -Contain 'WhatIf'
        (Get-Command $_).Parameters.Keys | Should -Contain 'Confirm'
    }

    It 'takes secrets and tokens as SecureString' {
        (Get-Command Connect-UserPhoto).Parameters['ClientSecret'].ParameterType | Should -Be ([securestring])
        (Get-Command Connect-UserPhoto).Parameters['AccessToken'].ParameterType | Should -Be ([securestring])
        (Get-Command Connect-UserPhoto).Parameters['CertificatePassword'].ParameterType | Should -Be ([securestring])
        (Get-Command Connect-UserPhoto).Parameters['CertificatePassword'].ParameterSets.Keys | Should -Be @('CertificatePath')
    }

    It 'Sync-UserPhoto writes reports through the job: -ReportPath (CSV) and -ReportJsonPath' {
        $c = Get-Command Sync-UserPhoto
        foreach ($p in 'ReportPath', 'ReportJsonPath', 'JournalPath', 'UserColumn', 'PathColumn') { $c.Parameters.Keys | Should -Contain $p }
        $c.Parameters['UserColumn'].ParameterSets.Keys | Should -Be @('Csv')
    }

    It '<_> offers the Graph and ActiveDirectory targets and the AD connection parameters' -ForEach 'Publish-UserPhoto', 'Sync-UserPhoto', 'Export-UserPhoto', 'Clear-UserPhoto' {
        $c = Get-Command $_
        $c.Parameters['Target'].Attributes.ValidValues | Should -Be @('Graph', 'ActiveDirectory')
        $c.Parameters['Credential'].ParameterType | Should -Be ([pscredential])
        foreach ($p in 'Server', 'SearchBase', 'CaCertificatePath', 'StartTls') { $c.Parameters.Keys | Should -Contain $p }
    }

    It 'Test-UserPhoto -Directory has its own parameter set' {
        $c = Get-Command Test-UserPhoto
        $c.ParameterSets.Name | Should -Contain 'Directory'
        foreach ($p in 'Credential', 'Server', 'SearchBase', 'CaCertificatePath', 'StartTls', 'Fix', 'IncludeDisabled', 'ExcludeMissing', 'AsReport', 'MaxBytes') {
            $c.Parameters[$p].ParameterSets.Keys | Should -Contain 'Directory'
        }
        $c.Parameters['Target'].ParameterSets.Keys | Should -Not -Contain 'Directory'
    }
}

Describe 'Active Directory parameters' {
    It 'the ActiveDirectory target without -Credential is a terminating UserPhoto.InvalidOptions' {
        { Publish-UserPhoto -User 'lee.gu@contoso.com' -Path $script:Photo -Target ActiveDirectory -Server dc1.corp.example } |
            Should -Throw -ErrorId 'UserPhoto.InvalidOptions'
        { Export-UserPhoto -User 'lee.gu@contoso.com' -Target ActiveDirectory -Server dc1.corp.example } | Should -Throw -ErrorId 'UserPhoto.InvalidOptions'
        $dir = Join-Path $TestDrive 'ad-params-feed'
        $null = New-Item -ItemType Directory $dir -Force
        Copy-Item $script:Photo (Join-Path $dir 'lee.gu@contoso.com.jpg')
        { Sync-UserPhoto -Folder $dir -Target ActiveDirectory -Server dc1.corp.example } | Should -Throw -ErrorId 'UserPhoto.InvalidOptions'
    }

    It '-StartTls with an ldaps:// URL is refused' {
        $cred = New-Object pscredential 'CORP\svc', (ConvertTo-SecureString 'x' -AsPlainText -Force)
        { Clear-UserPhoto -User a -Target ActiveDirectory -Server ldaps://dc1.corp.example -StartTls -Credential $cred -Confirm:$false } |
            Should -Throw -ErrorId 'UserPhoto.InvalidOptions'
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
        # Skipped (users already under way by then fail too).
        $bad = New-Object pscredential $env:USERPHOTO_LDAP_BIND, (ConvertTo-SecureString 'Wr0ng-Pester-Pw' -AsPlainText -Force)
        $r = 'a', 'b', 'c' | ForEach-Object { [pscustomobject]@{ User = "$_@corp.example"; Path = $script:Photo } } |
            Publish-UserPhoto -Target ActiveDirectory -Server $env:USERPHOTO_LDAP_URL -Credential $bad -CaCertificatePath $env:USERPHOTO_LDAP_CA `
                -ThrottleLimit 1 -ErrorVariable errs -ErrorAction SilentlyContinue -WarningVariable warns -WarningAction SilentlyContinue -Verbose 4>&1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.InvalidCredentials*'
        $errs[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        @($r | Where-Object { $_.PSObject.TypeNames -contains 'UserPhoto.PublishResult' }).Count | Should -Be 3
        @($r | Where-Object { $_.Status -eq 'Uploaded' }).Count | Should -Be 0
        @($r | Where-Object { $_.Status -eq 'Skipped' -and $_.ErrorCode -eq 'invalid-credentials' }).Count | Should -BeGreaterThan 0
        ($r | Out-String) + ($errs | Out-String) + ($warns | Out-String) | Should -Not -Match 'Wr0ng-Pester-Pw'
        { Export-UserPhoto -User $script:AdUser -Target ActiveDirectory -Server $env:USERPHOTO_LDAP_URL -Credential $bad -CaCertificatePath $env:USERPHOTO_LDAP_CA } |
            Should -Throw -ErrorId 'UserPhoto.InvalidCredentials'
    }

    It 'a CA that did not sign the DC''s certificate is a terminating UserPhoto.DirectoryTls for Export-UserPhoto' {
        { Export-UserPhoto -User $script:AdUser -Target ActiveDirectory -Server $env:USERPHOTO_LDAP_URL -Credential $script:AdCred -CaCertificatePath $env:USERPHOTO_LDAP_OTHER_CA } |
            Should -Throw -ErrorId 'UserPhoto.DirectoryTls'
    }

    It 'Test-UserPhoto -Directory audits the users' {
        $entries = Test-UserPhoto -Directory @AdParams -SearchBase "CN=Users,$env:USERPHOTO_LDAP_BASE"
        $entries | Where-Object DistinguishedName -like "CN=$($script:AdUser),*" | Should -BeNullOrEmpty
        $report = Test-UserPhoto -Directory @AdParams -AsReport -MaxBytes 1024
        $report.Scanned | Should -BeGreaterThan 0
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

Describe 'Photos' {
    It 'Test-UserPhoto reports format, size and verdicts' {
        $r = Test-UserPhoto -Path $script:Photo
        $r.Format | Should -Be 'jpeg'
        $r.Targets.Target | Should -Contain 'graph'
        $r.Usable | Should -BeTrue
    }

    It 'Test-UserPhoto takes FullName from Get-ChildItem' {
        @(Get-ChildItem $script:Samples -Filter *.jpg | Test-UserPhoto).Count | Should -Be 3
    }

    It 'an unreadable photo is a non-terminating UserPhoto.UnsupportedFormat error' {
        $bad = Join-Path $TestDrive 'not-a-photo.jpg'
        Set-Content -Path $bad -Value 'Employee photo not available.'
        $r = Test-UserPhoto -Path $bad, $script:Photo -ErrorVariable errs -ErrorAction SilentlyContinue
        @($r).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.UnsupportedFormat*'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'Resize-UserPhoto renders each target within budget' {
        $r = Resize-UserPhoto -PictureData ([IO.File]::ReadAllBytes($script:Photo)) -Target 'graph', 'ad-thumbnail'
        ($r | Where-Object Target -eq 'graph').Width | Should -Be 648
        ($r | Where-Object Target -eq 'ad-thumbnail').Data.Length | Should -BeLessOrEqual 10240
    }

    It 'Resize-UserPhoto -WhatIf writes no file' {
        $out = Join-Path $TestDrive 'renditions'
        $null = Resize-UserPhoto -Path $script:Photo -Target graph -OutputDirectory $out -WhatIf
        Test-Path $out | Should -BeFalse
    }
}

Describe 'Against the emulator' {
    It '-WhatIf uploads nothing' {
        $r = Publish-UserPhoto -User 'lee.gu@contoso.com' -Path $script:Photo -WhatIf
        $r | Should -BeNullOrEmpty
        Export-UserPhoto -User 'lee.gu@contoso.com' -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.NoPhoto*'
    }

    It 'publishes a CSV pipeline with one result per user and an error record for the unknown one' {
        $csv = Join-Path $TestDrive 'feed.csv'
        @(
            [pscustomobject]@{ UserPrincipalName = 'adele.vance@contoso.com'; Path = Join-Path $script:Samples 'Landscape_6.jpg' }
            [pscustomobject]@{ UserPrincipalName = "o'brien@contoso.com"; Path = Join-Path $script:Samples 'Portrait_3.jpg' }
            [pscustomobject]@{ UserPrincipalName = 'zoë.müller@contoso.com'; Path = $script:Photo }
            [pscustomobject]@{ UserPrincipalName = 'left.company@contoso.com'; Path = $script:Photo }
        ) | Export-Csv -Path $csv -NoTypeInformation -Encoding utf8
        $r = Import-Csv $csv | Publish-UserPhoto -ErrorVariable errs -ErrorAction SilentlyContinue
        $r.Count | Should -Be 4
        @($r | Where-Object Status -eq 'Uploaded').Count | Should -Be 3
        ($r | Where-Object User -eq 'zoë.müller@contoso.com').Width | Should -Be 648
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.UserNotFound*'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errs[0].TargetObject | Should -Be 'left.company@contoso.com'
    }

    It 'binds the UPN and Mail aliases from objects' {
        $r = [pscustomobject]@{ Mail = 'megan.bowen@contoso.com'; FullName = $script:Photo } | Publish-UserPhoto
        $r.Status | Should -Be 'Uploaded'
        $r = [pscustomobject]@{ UPN = 'megan.bowen@contoso.com'; PictureData = [IO.File]::ReadAllBytes($script:Photo) } | Publish-UserPhoto
        $r.Status | Should -Be 'Uploaded'
    }

    It 'a missing photo file is that user''s error, not the batch''s' {
        $r = Publish-UserPhoto -User 'adele.vance@contoso.com' -Path (Join-Path $TestDrive 'missing.jpg') -ErrorVariable errs -ErrorAction SilentlyContinue
        $r | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.FileNotFound*'
    }

    It 'Export-UserPhoto returns and writes what was uploaded' {
        $out = Join-Path $TestDrive 'export'
        $e = Export-UserPhoto -User 'zoë.müller@contoso.com' -OutputDirectory $out
        $e.Width | Should -Be 648
        [IO.File]::ReadAllBytes($e.Path).Length | Should -Be $e.Bytes
    }

    It 'Sync-UserPhoto with a journal skips unchanged photos the second time' {
        $dir = Join-Path $TestDrive 'folder-feed'
        $null = New-Item -ItemType Directory $dir
        Copy-Item $script:Photo (Join-Path $dir 'lee.gu@contoso.com.jpg')
        $journal = Join-Path $TestDrive 'journal.sqlite'
        (Sync-UserPhoto -Folder $dir -JournalPath $journal).Status | Should -Be 'Uploaded'
        (Sync-UserPhoto -Folder $dir -JournalPath $journal -ReportPath (Join-Path $TestDrive 'report.csv')).Status | Should -Be 'Unchanged'
        (Import-Csv (Join-Path $TestDrive 'report.csv')).status | Should -BeExactly 'unchanged'
    }

    It 'Sync-UserPhoto reads a CSV with its own columns as the CLI does, and the job writes both reports' {
        $dir = Join-Path $TestDrive 'csv-feed'
        $null = New-Item -ItemType Directory (Join-Path $dir 'pics')
        Copy-Item $script:Photo (Join-Path $dir 'pics/megan.jpg')
        Copy-Item (Join-Path $script:Samples 'Portrait_3.jpg') (Join-Path $dir 'pics/zoe.jpg')
        $csv = Join-Path $dir 'hr.csv'
        # Relative paths are relative to the CSV, not to the current location; the blank row is skipped.
        Set-Content -LiteralPath $csv -Encoding utf8 -Value @(
            'EmployeeEmail,Department,PictureFile'
            'megan.bowen@contoso.com,Sales,pics/megan.jpg'
            ',,'
            'zoë.müller@contoso.com,IT,pics/zoe.jpg'
            'left.company@contoso.com,IT,pics/megan.jpg'
        )
        $report = Join-Path $dir 'report.csv'
        $json = Join-Path $dir 'report.json'
        $r = Sync-UserPhoto -CsvPath $csv -UserColumn EmployeeEmail -PathColumn PictureFile -ReportPath $report -ReportJsonPath $json `
            -ErrorVariable errs -ErrorAction SilentlyContinue
        $r.Count | Should -Be 3
        @($r | Where-Object Status -ne 'Failed').Count | Should -Be 2
        ($r | Where-Object User -eq 'zoë.müller@contoso.com').Source | Should -BeLike "$dir*zoe.jpg"
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.UserNotFound*'
        Get-Content -LiteralPath $report -First 1 | Should -Be 'user,destination,status,bytes,width,height,quality,attempts,error_code,error,source'
        $rows = @(Import-Csv -LiteralPath $report)
        $rows.Count | Should -Be 3
        ($rows | Where-Object user -eq 'left.company@contoso.com').error_code | Should -Be 'user-not-found'
        $doc = Get-Content -Raw -LiteralPath $json | ConvertFrom-Json
        $doc.summary.total | Should -Be 3
        $doc.summary.failed | Should -Be 1
        @($doc.results).Count | Should -Be 3
    }

    It 'Sync-UserPhoto: a CSV without the columns is a terminating UserPhoto.InvalidOptions naming them; a missing feed is UserPhoto.Io' {
        $csv = Join-Path $TestDrive 'no-columns.csv'
        Set-Content -LiteralPath $csv -Value 'Name,Picture', 'a,b.jpg'
        { Sync-UserPhoto -CsvPath $csv } | Should -Throw -ErrorId 'UserPhoto.InvalidOptions' -ExpectedMessage '*UserPrincipalName*'
        { Sync-UserPhoto -CsvPath $csv -UserColumn Name -PathColumn Portrait } | Should -Throw -ErrorId 'UserPhoto.InvalidOptions' -ExpectedMessage '*Portrait*'
        { Sync-UserPhoto -CsvPath (Join-Path $TestDrive 'missing.csv') } | Should -Throw -ErrorId 'UserPhoto.Io'
        { Sync-UserPhoto -Folder (Join-Path $TestDrive 'missing-folder') } | Should -Throw -ErrorId 'UserPhoto.Io'
    }

    It 'Sync-UserPhoto: a report that cannot be written is a non-terminating UserPhoto.ReportNotWritten; the photos are published' {
        $dir = Join-Path $TestDrive 'report-error-feed'
        $null = New-Item -ItemType Directory $dir
        Copy-Item $script:Photo (Join-Path $dir 'megan.bowen@contoso.com.jpg')
        $r = Sync-UserPhoto -Folder $dir -ReportPath (Join-Path $TestDrive 'no/such/folder/report.csv') -ErrorVariable errs -ErrorAction SilentlyContinue
        $r.Status | Should -BeIn 'Uploaded', 'Unchanged'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.ReportNotWritten*'
        $errs[0].CategoryInfo.Category | Should -Be 'WriteError'
    }

    It 'Sync-UserPhoto -WhatIf publishes nothing and writes no report' {
        $dir = Join-Path $TestDrive 'whatif-feed'
        $null = New-Item -ItemType Directory $dir
        Copy-Item $script:Photo (Join-Path $dir 'lee.gu@contoso.com.jpg')
        $report = Join-Path $TestDrive 'whatif-report.csv'
        Sync-UserPhoto -Folder $dir -ReportPath $report -WhatIf | Should -BeNullOrEmpty
        Test-Path -LiteralPath $report | Should -BeFalse
    }

    It 'Clear-UserPhoto removes a photo; -WhatIf removes nothing' {
        $null = Clear-UserPhoto -User 'adele.vance@contoso.com' -WhatIf
        (Export-UserPhoto -User 'adele.vance@contoso.com').Bytes | Should -BeGreaterThan 0
        (Clear-UserPhoto -User 'adele.vance@contoso.com' -Confirm:$false).Status | Should -Be 'Removed'
        Export-UserPhoto -User 'adele.vance@contoso.com' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'a wrong secret gives UserPhoto.Auth per user' {
        $null = Connect-TestEmulator $script:Emu -Secret 'not-the-secret'
        try {
            Publish-UserPhoto -User 'lee.gu@contoso.com' -Path $script:Photo -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.Auth*'
            $errs[0].ToString() | Should -Not -Match 'not-the-secret'
        } finally {
            $null = Connect-TestEmulator $script:Emu
        }
    }

    It 'not being connected is a terminating error' {
        Disconnect-UserPhoto
        try {
            { Publish-UserPhoto -User 'lee.gu@contoso.com' -Path $script:Photo } | Should -Throw -ErrorId 'UserPhoto.NotConnected'
        } finally {
            $null = Connect-TestEmulator $script:Emu
        }
    }

}

Describe 'Certificate credentials' {
    BeforeAll {
        $script:AppCert = New-TestAppCertificate -Directory $TestDrive
        $script:CertEmu = Start-TestEmulator -Directory $TestDrive -Users @('lee.gu@contoso.com') `
            -Extra @{ apps = @(@{ client_id = 'pester-cert-app'; certificate_pem = $script:AppCert.CertificatePem }) }
        $script:CertConnect = @{ TenantId = 'contoso.onmicrosoft.com'; ClientId = 'pester-cert-app'
            GraphEndpoint = $script:CertEmu.Url; AuthorityEndpoint = $script:CertEmu.Url }
    }

    AfterAll {
        Stop-TestEmulator $script:CertEmu
        $null = Connect-TestEmulator $script:Emu
    }

    It 'Connect-UserPhoto -CertificatePath takes a .pfx with -CertificatePassword' {
        $out = Connect-UserPhoto @CertConnect -CertificatePath $script:AppCert.PfxPath -CertificatePassword $script:AppCert.SecurePassword -Verbose 4>&1
        ($out | Out-String) | Should -Not -Match $script:AppCert.Password
        ($out | Where-Object { $_.PSObject.TypeNames -contains 'UserPhoto.Connection' }).CredentialType | Should -Be 'CertificatePath'
        (Publish-UserPhoto -User 'lee.gu@contoso.com' -Path $script:Photo).Status | Should -BeIn 'Uploaded', 'Unchanged'
    }

    It 'a wrong .pfx password is a terminating UserPhoto.Config that does not show it' {
        $wrong = ConvertTo-SecureString 'Wr0ng-Pfx-Pester-Pw' -AsPlainText -Force
        $err = $null
        try { Connect-UserPhoto @CertConnect -CertificatePath $script:AppCert.PfxPath -CertificatePassword $wrong } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'UserPhoto.Config*'
        $err.ToString() | Should -Not -Match 'Wr0ng-Pfx-Pester-Pw'
    }

    It '-PrivateKeyPath with a .pfx, and -CertificatePassword with a PEM file, are refused' {
        { Connect-UserPhoto @CertConnect -CertificatePath $script:AppCert.PfxPath -PrivateKeyPath (Join-Path $TestDrive 'key.pem') } |
            Should -Throw -ErrorId 'UserPhoto.InvalidOptions'
        { Connect-UserPhoto @CertConnect -CertificatePath (Join-Path $TestDrive 'app.pem') -CertificatePassword $script:AppCert.SecurePassword } |
            Should -Throw -ErrorId 'UserPhoto.InvalidOptions'
    }

    It 'Connect-UserPhoto -CertificateThumbprint signs with a store certificate, exported as a one-time .pfx' {
        $entry = Add-TestStoreCertificate $script:AppCert
        try {
            # As copied from the certificate dialog: lower case, spaced, with a left-to-right mark.
            $pasted = [char]0x200E + (($script:AppCert.Thumbprint.ToLowerInvariant() -split '(..)' | Where-Object { $_ }) -join ' ')
            $out = Connect-UserPhoto @CertConnect -CertificateThumbprint $pasted -Verbose 4>&1
            ($out | Out-String) | Should -Not -Match 'pfx|MII'
            (Publish-UserPhoto -User 'lee.gu@contoso.com' -Path (Join-Path $script:Samples 'Portrait_3.jpg')).Status | Should -BeIn 'Uploaded', 'Unchanged'
        } finally {
            Remove-TestStoreCertificate $entry
        }
    }

    It 'a store certificate whose key cannot be exported is a terminating UserPhoto.CertificateKeyNotExportable naming the thumbprint and the fix' -Skip:(-not $IsWindows) {
        # Only Windows key stores enforce non-exportable keys.
        $entry = Add-TestStoreCertificate $script:AppCert -NotExportable
        try {
            { Connect-UserPhoto @CertConnect -CertificateThumbprint $script:AppCert.Thumbprint } |
                Should -Throw -ErrorId 'UserPhoto.CertificateKeyNotExportable' -ExpectedMessage "*$($script:AppCert.Thumbprint)*-CertificatePath*"
        } finally {
            Remove-TestStoreCertificate $entry
        }
    }

    It 'an unknown thumbprint is a terminating UserPhoto.CertificateNotFound' {
        { Connect-UserPhoto @CertConnect -CertificateThumbprint ('0' * 40) } | Should -Throw -ErrorId 'UserPhoto.CertificateNotFound'
    }
}
