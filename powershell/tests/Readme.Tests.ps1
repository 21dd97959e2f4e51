# The README's PowerShell blocks run as an admin would paste them, in a fresh session in a
# folder with the CSV they name, verbatim apart from the Connect-UserPhoto line, which is
# pointed at the emulator.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Readme = Get-Content -Raw -LiteralPath (Join-Path $script:RepoRoot 'README.md')
    $script:Users = @('adele.vance@contoso.com', 'megan.bowen@contoso.com', 'lee.gu@contoso.com')
    $script:Emu = Start-TestEmulator -Directory $TestDrive -Users $script:Users
    Import-UserPhotoModules
    $null = Connect-TestEmulator $script:Emu

    function Get-ReadmeBlock([string]$Name) {
        # The fenced block after the marker comment `readme-test: <name>`.
        $m = [regex]::Match($script:Readme, "<!-- readme-test: $([regex]::Escape($Name))\b[^>]*-->\s*``````powershell\r?\n(?<code>.*?)``````", 'Singleline')
        if (-not $m.Success) { throw "README.md has no block marked readme-test: $Name" }
        $m.Groups['code'].Value
    }

    function Invoke-ReadmeBlock([string]$Name, [string]$Directory) {
        # The block in a fresh pwsh whose current folder holds a copy of powershell/ (the
        # block imports ./powershell/...), with the Connect line replaced.
        $code = Get-ReadmeBlock $Name
        $connects = @([regex]::Matches($code, '(?m)^Connect-UserPhoto .*$'))
        $connects.Count | Should -Be 1 -Because "the $Name block connects once"
        $connect = "Connect-UserPhoto -TenantId contoso.onmicrosoft.com -ClientId '$($script:AppId)' " +
            "-ClientSecret (ConvertTo-SecureString '$($script:AppSecret)' -AsPlainText -Force) " +
            "-GraphEndpoint '$($script:Emu.Url)' -AuthorityEndpoint '$($script:Emu.Url)' | Out-Null"
        $code = $code.Replace($connects[0].Value, $connect)
        Copy-Item -LiteralPath $script:ModuleRoot -Destination (Join-Path $Directory 'powershell') -Recurse
        Invoke-TestPwsh -Command ('$ErrorActionPreference = "Stop"' + "`n" + $code) -WorkingDirectory $Directory
    }
}

AfterAll {
    Disconnect-UserPhoto
    Stop-TestEmulator $script:Emu
}

Describe 'README' {
    It 'the PowerShell quick start runs and publishes the CSV' {
        $dir = Join-Path $TestDrive 'quick-start'
        $feed = New-TestFeed -Directory $dir -Users $script:Users
        Move-Item -LiteralPath $feed.Csv -Destination (Join-Path $dir 'hr.csv')
        $r = Invoke-ReadmeBlock 'quick-start' $dir
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $results = @(Import-Csv (Join-Path $dir 'results.csv'))
        $results.Count | Should -Be 3
        $results.Status | Should -Be @('Uploaded', 'Uploaded', 'Uploaded')
        $report = @(Import-Csv (Join-Path $dir 'report.csv'))
        $report.Count | Should -Be 3
        Join-Path $dir 'photos.sqlite' | Should -Exist
        foreach ($u in $script:Users) { (Export-UserPhoto -User $u).Width | Should -Be 648 }
    }

    It 'the Set-UserPhoto migration example runs unchanged' {
        $dir = Join-Path $TestDrive 'migration'
        $feed = New-TestFeed -Directory $dir -Users $script:Users
        Move-Item -LiteralPath $feed.Csv -Destination (Join-Path $dir 'photos.csv')
        foreach ($u in $script:Users) { $null = Clear-UserPhoto -User $u -Confirm:$false }
        $r = Invoke-ReadmeBlock 'migration' $dir
        $r.ExitCode | Should -Be 0 -Because $r.Output
        foreach ($u in $script:Users) { (Export-UserPhoto -User $u).Width | Should -Be 648 }
    }
}
