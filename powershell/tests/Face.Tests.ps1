# The face-aware crop and the photo checks through the cmdlets: -Crop, -RequireFace, the
# Crop/Faces/Checks properties, and the warnings of Resize, Publish and Sync.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-UserPhotoModules
    # A real face (a crop of the 1927 Solvay conference photograph) and a person seen from behind.
    $script:Face = Join-Path $script:RepoRoot 'tests/data/faces/solvay-a.jpg'
    $script:NoFace = Join-Path $script:Samples 'Portrait_0.jpg'
    $script:Users = @('adele.vance@contoso.com', 'lee.gu@contoso.com')
    $script:Emu = Start-TestEmulator -Directory $TestDrive -Users $script:Users
    $null = Connect-TestEmulator $script:Emu
}

AfterAll {
    Disconnect-UserPhoto
    Stop-TestEmulator $script:Emu
}

Describe 'Test-UserPhoto' {
    It 'frames a face and says what it checked' {
        $r = Test-UserPhoto -Path $script:Face
        $r.Crop | Should -Be 'face'
        $r.Faces | Should -Be 1
        $r.CropReason | Should -BeNullOrEmpty
        $r.Checks.Code | Should -Be @('small-source')
        $r.Checks[0].PSObject.TypeNames | Should -Contain 'UserPhoto.PhotoCheck'
        $r.Usable | Should -BeTrue
    }

    It 'crops from the centre without a face, and says why' {
        $r = Test-UserPhoto -Path $script:NoFace
        $r.Crop | Should -Be 'centre'
        $r.CropReason | Should -BeLike '*no face found*'
        $r.Checks.Code | Should -Contain 'no-face'
    }

    It 'takes -Crop <Crop> in any case' -ForEach @(
        @{ Crop = 'centre'; Expected = 'centre' }
        @{ Crop = 'FACE'; Expected = 'face' }
        @{ Crop = 'None'; Expected = 'none' }
        @{ Crop = 'auto'; Expected = 'face' }
    ) {
        (Test-UserPhoto -Path $script:Face -Crop $Crop).Crop | Should -Be $Expected
    }

    It '-RequireFace makes a photo without a face unusable for every target' {
        $r = Test-UserPhoto -Path $script:NoFace -RequireFace
        $r.Usable | Should -BeFalse
        $r.Targets.Error | Sort-Object -Unique | Should -Be 'check-refused'
        (Test-UserPhoto -Path $script:Face -RequireFace).Usable | Should -BeTrue
    }

    It '-SkipChecks -Crop Centre looks for no face and checks nothing' {
        $r = Test-UserPhoto -Path $script:Face -SkipChecks -Crop Centre
        $r.Faces | Should -Be 0
        $r.Checks | Should -BeNullOrEmpty
        $r.Crop | Should -Be 'centre'
        # -Crop Auto still frames the face.
        (Test-UserPhoto -Path $script:Face -SkipChecks).Crop | Should -Be 'face'
    }

    It '-SkipChecks with -RequireFace is a terminating UserPhoto.InvalidOptions' {
        { Test-UserPhoto -Path $script:Face -SkipChecks -RequireFace } | Should -Throw -ErrorId 'UserPhoto.InvalidOptions,*' -ExpectedMessage '*-RequireFace*-SkipChecks*'
    }
}

Describe 'Resize-UserPhoto' {
    It 'warns about each check and keeps them on the rendition' {
        $r = Resize-UserPhoto -Path $script:NoFace -Target ad-thumbnail -WarningVariable w -WarningAction SilentlyContinue
        $r.Crop | Should -Be 'centre'
        $r.Checks.Code | Should -Contain 'no-face'
        ($w | Out-String) | Should -BeLike '*Portrait_0.jpg: no face found*`[no-face`]*'
    }

    It '-RequireFace refuses the photo with an error record and no rendition' {
        $r = Resize-UserPhoto -Path $script:NoFace -Target ad-thumbnail -RequireFace -ErrorVariable e -ErrorAction SilentlyContinue
        $r | Should -BeNullOrEmpty
        $e.Count | Should -Be 1
        $e[0].Exception.Message | Should -BeLike '*refused by the no-face check*'
    }
}

Describe 'Publish-UserPhoto' {
    It 'warns once per user and returns Crop and Checks' {
        $rows = @(
            [pscustomobject]@{ UserPrincipalName = $script:Users[0]; Path = $script:Face }
            [pscustomobject]@{ UserPrincipalName = $script:Users[1]; Path = $script:NoFace }
        )
        $r = @($rows | Publish-UserPhoto -Force -WarningVariable w -WarningAction SilentlyContinue)
        $r.Status | Should -Be @('Uploaded', 'Uploaded')
        $byUser = @{}; foreach ($x in $r) { $byUser[$x.User] = $x }
        $byUser[$script:Users[0]].Crop | Should -Be 'face'
        $byUser[$script:Users[1]].Crop | Should -Be 'centre'
        $byUser[$script:Users[1]].Checks.Code | Should -Contain 'no-face'
        @($w | Where-Object { "$_" -like "$($script:Users[1]): no face found*" }).Count | Should -Be 1
    }

    It '-RequireFace fails the user without a face and publishes the other' {
        $rows = @(
            [pscustomobject]@{ UserPrincipalName = $script:Users[0]; Path = $script:Face }
            [pscustomobject]@{ UserPrincipalName = $script:Users[1]; Path = $script:NoFace }
        )
        $r = @($rows | Publish-UserPhoto -Force -RequireFace -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        ($r | Where-Object User -eq $script:Users[0]).Status | Should -Be 'Uploaded'
        $failed = $r | Where-Object User -eq $script:Users[1]
        $failed.Status | Should -Be 'Failed'
        $failed.ErrorCode | Should -Be 'check-refused'
        $e.Count | Should -Be 1
    }

    It '-SkipChecks publishes without a check or a warning' {
        $r = Publish-UserPhoto -User $script:Users[1] -Path $script:NoFace -Force -SkipChecks -Crop Centre -WarningVariable w
        $r.Status | Should -Be 'Uploaded'
        $r.Checks | Should -BeNullOrEmpty
        $w | Should -BeNullOrEmpty
        # The pair is refused before any upload, also under -WhatIf.
        { Publish-UserPhoto -User $script:Users[1] -Path $script:NoFace -Force -SkipChecks -RequireFace } | Should -Throw -ErrorId 'UserPhoto.InvalidOptions,*'
        { Publish-UserPhoto -User $script:Users[1] -Path $script:NoFace -SkipChecks -RequireFace -WhatIf } | Should -Throw -ErrorId 'UserPhoto.InvalidOptions,*'
    }
}

Describe 'Sync-UserPhoto' {
    It 'writes the crop and the checks as trailing report columns' {
        $feed = Join-Path $TestDrive 'faces.csv'
        @(
            [pscustomobject]@{ UserPrincipalName = $script:Users[0]; Path = $script:Face }
            [pscustomobject]@{ UserPrincipalName = $script:Users[1]; Path = $script:NoFace }
        ) | Export-Csv -LiteralPath $feed -NoTypeInformation
        $report = Join-Path $TestDrive 'faces-report.csv'
        $null = Sync-UserPhoto -CsvPath $feed -Force -ReportPath $report -JournalPath (Join-Path $TestDrive 'faces.sqlite') -WarningAction SilentlyContinue
        $rows = @(Import-Csv -LiteralPath $report)
        ($rows[0].PSObject.Properties.Name)[-2..-1] | Should -Be @('crop', 'checks')
        ($rows | Where-Object user -eq $script:Users[0]).crop | Should -Be 'face'
        ($rows | Where-Object user -eq $script:Users[1]).checks | Should -BeLike '*no-face*'
    }
}
