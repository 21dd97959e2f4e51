# A pipeline stopped mid-run (Ctrl+C, PowerShell.Stop()) or ended by a terminating error in
# another command: the native job is cancelled and freed, no further photo reaches Graph,
# and Sync-UserPhoto's reports are still written. The emulator answers slowly, so that a
# backlog of queued users exists when the pipeline stops.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-UserPhotoModules
    $script:Users = @(1..30 | ForEach-Object { 'user{0:d2}@contoso.com' -f $_ })
    $script:Emu = Start-TestEmulator -Directory $TestDrive -Users $script:Users -Extra @{
        faults = @{ seed = 7; p_slow = 1.0; slow_ms = 700 }
    }
    $script:Feed = New-TestFeed -Directory (Join-Path $TestDrive 'feed') -Users $script:Users

    function Wait-Until([scriptblock]$Condition, [int]$TimeoutMs, [string]$What) {
        $deadline = [DateTime]::UtcNow.AddMilliseconds($TimeoutMs)
        while (-not (& $Condition)) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "timed out after $TimeoutMs ms waiting for $What" }
            Start-Sleep -Milliseconds 50
        }
    }

    function Get-Puts { [int](Get-TestEmulatorStats $script:Emu).successful_puts }

    function Assert-NoFurtherUploads {
        # The job was freed; uploads that were in flight finish (each takes slow_ms); after
        # that no PUT arrives, and most users were never uploaded.
        Wait-Until { [UserPhoto.Native.UpJobHandle]::Live -eq 0 } 5000 'the native job to be freed'
        Start-Sleep -Milliseconds 1500
        $settled = Get-Puts
        Start-Sleep -Milliseconds 2500
        Get-Puts | Should -Be $settled -Because 'no photo is uploaded after the job was cancelled'
        $settled | Should -BeLessThan $script:Users.Count
    }
}

AfterAll {
    Stop-TestEmulator $script:Emu
}

Describe 'Publish-UserPhoto' {
    It 'a pipeline stopped while the upstream command runs cancels and frees the job' {
        $ps = New-TestPowerShell -Emulator $script:Emu
        try {
            $null = $ps.AddScript({
                param($csv)
                Import-Csv -LiteralPath $csv | ForEach-Object { Start-Sleep -Milliseconds 40; $_ } | Publish-UserPhoto -Force
            }).AddArgument($script:Feed.Csv)
            $start = Get-Puts
            $async = $ps.BeginInvoke()
            Wait-Until { (Get-Puts) -ge $start + 2 } 30000 'the first uploads'
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            Assert-NoFurtherUploads
        } finally {
            Remove-TestPowerShell $ps
        }
    }

    It 'a terminating error in an upstream command cancels and frees the job' {
        $ps = New-TestPowerShell -Emulator $script:Emu
        try {
            $null = $ps.AddScript({
                param($csv)
                $i = 0
                Import-Csv -LiteralPath $csv | ForEach-Object {
                    if (++$i -eq 20) { throw 'the HR feed broke' }
                    $_
                } | Publish-UserPhoto -Force
            }).AddArgument($script:Feed.Csv)
            { $ps.Invoke() } | Should -Throw '*the HR feed broke*'
            Assert-NoFurtherUploads
        } finally {
            Remove-TestPowerShell $ps
        }
    }
}

Describe 'Sync-UserPhoto' {
    It 'stopped mid-run, it cancels the job and the job still writes its reports' {
        $report = Join-Path $TestDrive 'stopped.csv'
        $json = Join-Path $TestDrive 'stopped.json'
        $ps = New-TestPowerShell -Emulator $script:Emu
        try {
            $null = $ps.AddScript({
                param($csv, $report, $json)
                Sync-UserPhoto -CsvPath $csv -ReportPath $report -ReportJsonPath $json -Force
            }).AddArgument($script:Feed.Csv).AddArgument($report).AddArgument($json)
            $start = Get-Puts
            $null = $ps.BeginInvoke()
            Wait-Until { (Get-Puts) -ge $start + 2 } 30000 'the first uploads'
            $ps.Stop()
            Assert-NoFurtherUploads
            Wait-Until { Test-Path -LiteralPath $json } 10000 'the JSON report'
            $rows = @(Import-Csv -LiteralPath $report)
            $rows.Count | Should -Be $script:Users.Count
            @($rows | Where-Object { $_.status -eq 'skipped' -and $_.error_code -eq 'cancelled' }).Count | Should -BeGreaterThan 0
            $doc = Get-Content -Raw -LiteralPath $json | ConvertFrom-Json
            $doc.summary.cancelled | Should -BeTrue
        } finally {
            Remove-TestPowerShell $ps
        }
    }
}

Describe 'Test-UserPhoto -Tenant' {
    It 'stopped mid-audit, it cancels the audit, reads in flight included, and writes no report' {
        $report = Join-Path $TestDrive 'audit-stopped.csv'
        $ps = New-TestPowerShell -Emulator $script:Emu
        try {
            $null = $ps.AddScript({
                param($report)
                Test-UserPhoto -Tenant -ReportPath $report
            }).AddArgument($report)
            $pages = [int](Get-TestEmulatorStats $script:Emu).user_pages
            $null = $ps.BeginInvoke()
            Wait-Until { [int](Get-TestEmulatorStats $script:Emu).user_pages -gt $pages } 30000 'the user listing'
            $ps.Stop()
            Wait-Until { [UserPhoto.Native.UpJobHandle]::Live -eq 0 } 5000 'the native audit to be freed'
            $batches = [int](Get-TestEmulatorStats $script:Emu).batches
            # Each read takes slow_ms: an audit still running would have sent its batches and
            # written the report by now.
            Start-Sleep -Milliseconds 2500
            [int](Get-TestEmulatorStats $script:Emu).batches | Should -Be $batches
            Test-Path -LiteralPath $report | Should -BeFalse
        } finally {
            Remove-TestPowerShell $ps
        }
    }
}
