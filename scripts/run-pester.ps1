# Runs the PowerShell modules' Pester suite (powershell/tests) and exits non-zero when any
# test, block or file failed. Prints the counts and writes NUnit XML to target/pester.xml.
#   pwsh -NoProfile -File scripts/run-pester.ps1 [-Path powershell/tests/X.Tests.ps1 ...] [-Output Detailed]
# Without -Path: every file but Package.Tests.ps1, which tests the package in out/package and
# is run by scripts/test-windows.sh after scripts/package-module.sh.
# Pester 5.7.1 comes from target/tools/ (scripts/setup.sh), or from PSModulePath.
# With USERPHOTO_REQUIRE_SAMBA=1 a missing AD connection (USERPHOTO_LDAP_URL) is a failure.
param(
    [string[]]$Path = @(),
    [ValidateSet('None', 'Normal', 'Detailed', 'Diagnostic')]
    [string]$Output = 'Detailed',
    [string]$ResultPath = 'target/pester.xml'
)
$ErrorActionPreference = 'Stop'
$repo = (Resolve-Path (Join-Path $PSScriptRoot '..')).ProviderPath
# `pwsh -File` passes `-Path a,b` as one string.
$Path = @($Path | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
$exclude = @()
if (-not $Path) {
    $Path = @(Join-Path $repo 'powershell/tests')
    $exclude = @(Join-Path $repo 'powershell/tests/Package.Tests.ps1')
}
$pester = @(
    (Join-Path $repo 'target/tools/pester/5.7.1/tools/Pester.psd1'),
    (Join-Path $repo 'target/tools/Pester/5.7.1/Pester.psd1')
) | Where-Object { Test-Path -LiteralPath $_ } | Select-Object -First 1
if ($pester) { Import-Module $pester } else { Import-Module Pester -RequiredVersion 5.7.1 }

if ($env:USERPHOTO_REQUIRE_SAMBA -eq '1' -and -not $env:USERPHOTO_LDAP_URL) {
    Write-Error 'USERPHOTO_REQUIRE_SAMBA=1 but no domain controller is set up (USERPHOTO_LDAP_URL): the AD tests would be skipped.'
    exit 1
}

$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.ExcludePath = $exclude
$config.Run.PassThru = $true
$config.Output.Verbosity = $Output
$config.TestResult.Enabled = $true
$config.TestResult.OutputPath = Join-Path $repo $ResultPath
$started = Get-Date
$result = Invoke-Pester -Configuration $config
if (-not $result) {
    # Pester itself failed (a path that does not exist, for one): no counts to print.
    'pester: Invoke-Pester returned no result'
    exit 1
}
$seconds = [int]((Get-Date) - $started).TotalSeconds
'pester: {0} passed, {1} failed, {2} skipped, {3} not run; {4} blocks and {5} files failed; {6} s (pwsh {7})' -f `
    $result.PassedCount, $result.FailedCount, $result.SkippedCount, $result.NotRunCount,
    $result.FailedBlocksCount, $result.FailedContainersCount, $seconds, $PSVersionTable.PSVersion
foreach ($t in $result.Skipped) { 'pester: skipped: {0}' -f $t.ExpandedPath }
if ($result.FailedCount -or $result.FailedBlocksCount -or $result.FailedContainersCount -or $result.TotalCount -eq 0) { exit 1 }
exit 0
