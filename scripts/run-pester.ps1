# Runs the PowerShell modules' Pester suite (powershell/tests) and exits non-zero when any
# test, block or file failed. Prints the counts and writes NUnit XML to target/pester.xml.
#   pwsh -NoProfile -File scripts/run-pester.ps1 [-Path powershell/tests/X.Tests.ps1 ...] [-Output Detailed]
# Pester 5.7.1 comes from target/tools/ (scripts/setup.sh), or from PSModulePath.
# With USERPHOTO_REQUIRE_SAMBA=1 a missing AD connection (USERPHOTO_LDAP_URL) is a failure.
param(
    [string[]]$Path = @(),
    [ValidateSet('None', 'Normal', 'Detailed', 'Diagnostic')]
    [string]$Output = 'Detailed'
)
$ErrorActionPreference = 'Stop'
$repo = (Resolve-Path (Join-Path $PSScriptRoot '..')).ProviderPath
if (-not $Path) { $Path = @(Join-Path $repo 'powershell/tests') }
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
$config.Run.PassThru = $true
$config.Output.Verbosity = $Output
$config.TestResult.Enabled = $true
$config.TestResult.OutputPath = Join-Path $repo 'target/pester.xml'
$started = Get-Date
$result = Invoke-Pester -Configuration $config
$seconds = [int]((Get-Date) - $started).TotalSeconds
'pester: {0} passed, {1} failed, {2} skipped, {3} not run; {4} blocks and {5} files failed; {6} s (pwsh {7})' -f `
    $result.PassedCount, $result.FailedCount, $result.SkippedCount, $result.NotRunCount,
    $result.FailedBlocksCount, $result.FailedContainersCount, $seconds, $PSVersionTable.PSVersion
foreach ($t in $result.Skipped) { 'pester: skipped: {0}' -f $t.ExpandedPath }
if ($result.FailedCount -or $result.FailedBlocksCount -or $result.FailedContainersCount -or $result.TotalCount -eq 0) { exit 1 }
exit 0
