function ConvertTo-UserPhotoOptionsJson {
    # The library's options JSON (see include/userphoto.h) from cmdlet parameters. Empty
    # targets mean every built-in target; the library checks every value. -MaxBytes is the
    # budget of the -Target and -Size given: on its own it would apply to nothing, which is
    # a terminating error rather than a silently ignored value.
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [string[]]$Target,
        [int[]]$Size,
        [int]$MaxBytes,
        [string]$Crop,
        [switch]$RequireFace,
        [switch]$SkipChecks,
        [switch]$AllowUpscale,
        [switch]$AllowAnimated,
        [int]$MinShortSide
    )
    if ($MaxBytes -and -not $Target -and -not $Size) {
        $Cmdlet.ThrowTerminatingError((New-UserPhotoErrorRecord -Reason 'invalid-options' -TargetObject $MaxBytes `
            -Message (('-MaxBytes {0} is the byte budget of a -Target or -Size; give one of them ' +
                '(for example -Target ad-thumbnail -MaxBytes {0}, or -Size 240 -MaxBytes {0}).') -f $MaxBytes)))
    }
    Assert-UserPhotoCheckOptions -Cmdlet $Cmdlet -RequireFace:$RequireFace -SkipChecks:$SkipChecks
    $options = @{}
    $targets = @()
    foreach ($t in $Target) {
        if ($MaxBytes) { $targets += @{ target = $t; max_bytes = $MaxBytes } } else { $targets += $t }
    }
    foreach ($s in $Size) {
        if ($MaxBytes) { $targets += @{ size = $s; max_bytes = $MaxBytes } } else { $targets += @{ size = $s } }
    }
    if ($targets.Count) { $options.targets = $targets }
    if ($Crop) { $options.crop = $Crop.ToLowerInvariant() }
    if ($RequireFace) { $options.refuse = @('no-face', 'several-faces') }
    if ($SkipChecks) { $options.skip_checks = $true }
    if ($AllowUpscale) { $options.allow_upscale = $true }
    if ($AllowAnimated) { $options.allow_animated = $true }
    if ($MinShortSide) { $options.limits = @{ min_short_side = $MinShortSide } }
    if (-not $options.Count) { return $null }
    ConvertTo-Json -InputObject $options -Depth 5 -Compress
}

function Assert-UserPhotoCheckOptions {
    # -RequireFace refuses on photo checks that -SkipChecks turns off: the pair would refuse
    # nothing, so it is a terminating error before any work (also under -WhatIf).
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [switch]$RequireFace,
        [switch]$SkipChecks
    )
    if ($SkipChecks -and $RequireFace) {
        $Cmdlet.ThrowTerminatingError((New-UserPhotoErrorRecord -Reason 'invalid-options' `
            -Message '-RequireFace needs the photo checks, which -SkipChecks turns off: give one of them.'))
    }
}
