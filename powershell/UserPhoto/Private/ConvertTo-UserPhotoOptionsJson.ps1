function ConvertTo-UserPhotoOptionsJson {
    # The library's options JSON (see include/userphoto.h) from cmdlet parameters. Empty
    # targets mean every built-in target; the library checks every value.
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [string[]]$Target,
        [int[]]$Size,
        [int]$MaxBytes,
        [string]$Crop,
        [switch]$AllowUpscale,
        [switch]$AllowAnimated,
        [int]$MinShortSide
    )
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
    if ($AllowUpscale) { $options.allow_upscale = $true }
    if ($AllowAnimated) { $options.allow_animated = $true }
    if ($MinShortSide) { $options.limits = @{ min_short_side = $MinShortSide } }
    if (-not $options.Count) { return $null }
    ConvertTo-Json -InputObject $options -Depth 5 -Compress
}
