# UserPhoto.Compat: the retired Exchange Online Set-/Get-/Remove-UserPhoto, with their
# parameter sets, prompts and common parameters.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-UserPhotoModules
    $script:Emu = Start-TestEmulator -Directory $TestDrive -Users @('adele.vance@contoso.com', 'lee.gu@contoso.com')
    $null = Connect-TestEmulator $script:Emu
    $script:Bytes = [IO.File]::ReadAllBytes((Join-Path $script:Samples 'Landscape_6.jpg'))
}

AfterAll {
    Disconnect-UserPhoto
    Stop-TestEmulator $script:Emu
}

Describe 'Exchange Online parameter sets' {
    It 'Set-UserPhoto has the retired parameter sets' {
        $sets = (Get-Command Set-UserPhoto).ParameterSets.Name
        foreach ($s in 'UploadPhotoData', 'UploadPhotoStream', 'SavePhoto', 'CancelPhoto') { $sets | Should -Contain $s }
        foreach ($p in 'Identity', 'PictureData', 'PictureStream', 'Preview', 'Save', 'Cancel', 'WhatIf', 'Confirm', 'GroupMailbox', 'DomainController') {
            (Get-Command Set-UserPhoto).Parameters.Keys | Should -Contain $p
        }
    }

    It 'Get-UserPhoto has -Preview; Remove-UserPhoto has -Confirm and -ClearMailboxPhotoRecord' {
        (Get-Command Get-UserPhoto).Parameters.Keys | Should -Contain 'Preview'
        (Get-Command Remove-UserPhoto).Parameters.Keys | Should -Contain 'Confirm'
        (Get-Command Remove-UserPhoto).Parameters.Keys | Should -Contain 'ClearMailboxPhotoRecord'
    }
}

Describe 'Against the emulator' {
    It 'Set-UserPhoto -PictureData resizes a large photo instead of failing' {
        Set-UserPhoto -Identity adele.vance@contoso.com -PictureData $script:Bytes -Confirm:$false | Should -BeNullOrEmpty
        $p = Get-UserPhoto -Identity adele.vance@contoso.com
        $p.PictureData.Length | Should -BeGreaterThan 0
        (Test-UserPhoto -PictureData $p.PictureData).Width | Should -Be 648
    }

    It 'Set-UserPhoto -WhatIf uploads nothing' {
        Set-UserPhoto -Identity lee.gu@contoso.com -PictureData $script:Bytes -WhatIf
        Get-UserPhoto -Identity lee.gu@contoso.com -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'Preview keeps the rendition locally until -Save' {
        Set-UserPhoto -Identity lee.gu@contoso.com -PictureData $script:Bytes -Preview
        (Get-UserPhoto -Identity lee.gu@contoso.com -Preview).PictureData.Length | Should -BeGreaterThan 0
        Get-UserPhoto -Identity lee.gu@contoso.com -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Set-UserPhoto -Identity lee.gu@contoso.com -Save -Confirm:$false
        (Get-UserPhoto -Identity lee.gu@contoso.com).PictureData.Length | Should -BeGreaterThan 0
        Get-UserPhoto -Identity lee.gu@contoso.com -Preview -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It '-Cancel discards a preview' {
        Set-UserPhoto -Identity adele.vance@contoso.com -PictureData $script:Bytes -Preview
        Set-UserPhoto -Identity adele.vance@contoso.com -Cancel -Confirm:$false
        Get-UserPhoto -Identity adele.vance@contoso.com -Preview -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.NoPreview*'
    }

    It 'Set-UserPhoto -PictureStream reads the stream' {
        $stream = New-Object IO.MemoryStream (, $script:Bytes)
        Set-UserPhoto -Identity adele.vance@contoso.com -PictureStream $stream -Confirm:$false
        (Get-UserPhoto -Identity adele.vance@contoso.com).PictureData.Length | Should -BeGreaterThan 0
    }

    It 'Remove-UserPhoto removes the photo' {
        Set-UserPhoto -Identity adele.vance@contoso.com -PictureData $script:Bytes -Confirm:$false
        Remove-UserPhoto -Identity adele.vance@contoso.com -Confirm:$false
        Get-UserPhoto -Identity adele.vance@contoso.com -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.NoPhoto*'
    }
}

Describe 'Common parameters reach the work the cmdlets do' {
    It 'an unknown identity is a non-terminating UserPhoto.UserNotFound error of Set-UserPhoto' {
        Set-UserPhoto -Identity ghost@contoso.com -PictureData $script:Bytes -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'UserPhoto.UserNotFound*'
        $errs[0].TargetObject | Should -Be 'ghost@contoso.com'
    }

    It 'Set-UserPhoto -ErrorAction Stop stops: the error is terminating' {
        { Set-UserPhoto -Identity ghost@contoso.com -PictureData $script:Bytes -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'UserPhoto.UserNotFound,*'
    }

    It 'Get-UserPhoto -ErrorAction Stop and Remove-UserPhoto -ErrorAction Stop stop' {
        { Get-UserPhoto -Identity ghost@contoso.com -ErrorAction Stop } | Should -Throw -ErrorId 'UserPhoto.UserNotFound,*'
        { Remove-UserPhoto -Identity ghost@contoso.com -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'UserPhoto.UserNotFound,*'
    }

    It '-ErrorAction SilentlyContinue keeps the errors off the error stream but in -ErrorVariable' {
        $ps = New-TestPowerShell -Emulator $script:Emu
        try {
            $null = $ps.AddScript({
                Set-UserPhoto -Identity ghost@contoso.com -PictureData ([byte[]](1..10)) -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable e
                $e.Count
            })
            $out = $ps.Invoke()
            $ps.Streams.Error.Count | Should -Be 0
            $out[0] | Should -BeGreaterThan 0
        } finally {
            Remove-TestPowerShell $ps
        }
    }

    It '-Verbose on Set-UserPhoto shows the verbose messages of the work underneath' {
        $ps = New-TestPowerShell -Emulator $script:Emu
        try {
            $null = $ps.AddScript({ param($b) Set-UserPhoto -Identity adele.vance@contoso.com -PictureData $b -Confirm:$false -Verbose }).AddArgument($script:Bytes)
            $null = $ps.Invoke()
            $ps.Streams.Verbose.Count | Should -BeGreaterThan 0
        } finally {
            Remove-TestPowerShell $ps
        }
    }

    It '-WarningAction SilentlyContinue on Get-UserPhoto silences the warning about an unreadable stored photo' {
        Set-UserPhoto -Identity lee.gu@contoso.com -PictureData $script:Bytes -Confirm:$false
        $ps = New-TestPowerShell -Emulator $script:Emu
        try {
            # A stored photo that is not an image: Export-UserPhoto warns and keeps it.
            $null = $ps.AddScript({ param($url) Invoke-RestMethod -Method Put -Uri "$url/_emulator/photo/lee.gu@contoso.com" -Body ([byte[]](1..64)) -ContentType 'application/octet-stream' }).AddArgument($script:Emu.Url)
            $null = $ps.Invoke()
            $ps.Commands.Clear()
            $null = $ps.AddScript({ Get-UserPhoto -Identity lee.gu@contoso.com -WarningAction SilentlyContinue }).Invoke()
            $ps.Streams.Warning.Count | Should -Be 0
            $ps.Commands.Clear()
            $null = $ps.AddScript({ Get-UserPhoto -Identity lee.gu@contoso.com }).Invoke()
            $ps.Streams.Warning.Count | Should -Be 1
        } finally {
            Remove-TestPowerShell $ps
        }
    }
}

Describe 'Prompts, as the retired cmdlets asked' {
    It '<Command> asks before it changes a photo; No changes nothing' -ForEach @(
        @{ Command = 'Set-UserPhoto'; Script = { param($b) Set-UserPhoto -Identity adele.vance@contoso.com -PictureData $b } }
        @{ Command = 'Remove-UserPhoto'; Script = { param($b) Remove-UserPhoto -Identity adele.vance@contoso.com } }
    ) {
        Set-UserPhoto -Identity adele.vance@contoso.com -PictureData $script:Bytes -Confirm:$false
        $before = (Get-UserPhoto -Identity adele.vance@contoso.com).PictureData.Length
        $h = New-Object UserPhotoTest.ScriptedHost
        $ps = New-TestPowerShell -Emulator $script:Emu -ScriptedHost $h
        try {
            $h.ScriptedUI.Answers.Enqueue(2)
            $null = $ps.AddScript($Script).AddArgument([IO.File]::ReadAllBytes((Join-Path $script:Samples 'Portrait_3.jpg'))).Invoke()
            $h.ScriptedUI.Prompts.Count | Should -Be 1
            (Get-UserPhoto -Identity adele.vance@contoso.com).PictureData.Length | Should -Be $before
        } finally {
            Remove-TestPowerShell $ps
        }
    }
}
