# Clear-UserPhoto against the emulator: it asks before removing, as the retired
# Remove-UserPhoto did (ConfirmImpact High); Active Directory: ActiveDirectory.Tests.ps1.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-UserPhotoModules
    $script:Emu = Start-TestEmulator -Directory $TestDrive -Users @('adele.vance@contoso.com', 'lee.gu@contoso.com')
    $null = Connect-TestEmulator $script:Emu
    $script:Photo = Join-Path $script:Samples 'Portrait_0.jpg'

    function Test-HasPhoto([string]$User) {
        [bool](Export-UserPhoto -User $User -ErrorAction SilentlyContinue)
    }
}

AfterAll {
    Disconnect-UserPhoto
    Stop-TestEmulator $script:Emu
}

Describe 'Clear-UserPhoto' {
    BeforeEach {
        $null = Publish-UserPhoto -User 'adele.vance@contoso.com' -Path $script:Photo -Force
    }

    It 'removes a photo with -Confirm:$false; -WhatIf removes nothing' {
        $null = Clear-UserPhoto -User 'adele.vance@contoso.com' -WhatIf
        Test-HasPhoto 'adele.vance@contoso.com' | Should -BeTrue
        $r = Clear-UserPhoto -User 'adele.vance@contoso.com' -Confirm:$false
        $r.Status | Should -Be 'Removed'
        $r.Destination | Should -Be 'graph'
        Test-HasPhoto 'adele.vance@contoso.com' | Should -BeFalse
    }

    It 'asks before removing by default; No keeps the photo, Yes removes it' {
        $h = New-Object UserPhotoTest.ScriptedHost
        $ps = New-TestPowerShell -Emulator $script:Emu -ScriptedHost $h
        try {
            $h.ScriptedUI.Answers.Enqueue(2)
            $null = $ps.AddScript({ Clear-UserPhoto -User 'adele.vance@contoso.com' }).Invoke()
            $h.ScriptedUI.Prompts.Count | Should -Be 1
            $h.ScriptedUI.Prompts[0] | Should -Match 'adele\.vance@contoso\.com'
            Test-HasPhoto 'adele.vance@contoso.com' | Should -BeTrue

            $h.ScriptedUI.Answers.Enqueue(0)
            $ps.Commands.Clear()
            $out = $ps.AddScript({ Clear-UserPhoto -User 'adele.vance@contoso.com' }).Invoke()
            $h.ScriptedUI.Prompts.Count | Should -Be 2
            $out[0].Status | Should -Be 'Removed'
            Test-HasPhoto 'adele.vance@contoso.com' | Should -BeFalse
        } finally {
            Remove-TestPowerShell $ps
        }
    }

    It 'an unknown user is a non-terminating UserPhoto.UserNotFound; the next user is processed' {
        $r = 'ghost@contoso.com', 'adele.vance@contoso.com' | Clear-UserPhoto -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
        @($r).Count | Should -Be 1
        $r.User | Should -Be 'adele.vance@contoso.com'
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.UserNotFound*'
        $errs[0].TargetObject | Should -Be 'ghost@contoso.com'
    }
}
