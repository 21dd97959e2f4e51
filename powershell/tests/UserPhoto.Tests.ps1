# Pester 5 tests of the UserPhoto module. They need pwsh 7 and Pester 5, which CI machines do
# not have; from the repository root:
#   cargo build --lib --bin userphoto     (or: bash scripts/package-module.sh --debug)
#   pwsh -NoProfile -Command 'Invoke-Pester -Path powershell/tests -Output Detailed'

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
    }

    It 'offers the Graph and ActiveDirectory targets' {
        (Get-Command Publish-UserPhoto).Parameters['Target'].Attributes.ValidValues | Should -Be @('Graph', 'ActiveDirectory')
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
        (Import-Csv (Join-Path $TestDrive 'report.csv')).Status | Should -Be 'Unchanged'
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

    It 'the ActiveDirectory target is refused until the library has it' {
        { Publish-UserPhoto -User 'lee.gu@contoso.com' -Path $script:Photo -Target ActiveDirectory } | Should -Throw -ErrorId 'UserPhoto.NotAvailable'
    }
}
