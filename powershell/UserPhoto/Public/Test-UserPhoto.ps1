function Test-UserPhoto {
    <#
    .SYNOPSIS
    Checks photos against the Microsoft 365 photo stores without changing anything.

    .DESCRIPTION
    Reads each photo's headers and reports its format, size, orientation and colour, and for
    each target (Microsoft Graph 648 x 648 within 4 MB, Active Directory thumbnailPhoto
    96 x 96 within 10 KB, on-premises Exchange 648 x 648 within 500 KB, or a custom square)
    whether it fits as is, needs a resize, or cannot be used (for example too small). A
    photo that cannot be read at all (not an image, truncated, corrupt, over the limits)
    is a non-terminating error with the file as target and an id such as
    UserPhoto.UnsupportedFormat, UserPhoto.Truncated or UserPhoto.Corrupt.

    .PARAMETER Path
    Path of a photo file (JPEG, PNG, GIF, BMP or WebP). Binds from the pipeline, also from
    the FullName of Get-ChildItem output and a CSV's Path column.

    .PARAMETER PictureData
    The photo's bytes, for example from [IO.File]::ReadAllBytes or a database column.

    .PARAMETER Target
    Built-in targets to check: graph, ad-thumbnail, exchange-onprem. Without -Target and
    -Size, all built-in targets are checked.

    .PARAMETER Size
    Custom square sizes to check, in pixels.

    .PARAMETER MaxBytes
    Byte budget for the given targets and sizes instead of their defaults (at least 1024).

    .PARAMETER Crop
    Centre (default): a square from the middle; None: fit the whole photo inside the box.

    .PARAMETER AllowUpscale
    Accept photos smaller than a target by enlarging them.

    .PARAMETER AllowAnimated
    Accept animated GIF/WebP photos (their first frame is used).

    .PARAMETER MinShortSide
    Smallest acceptable short side in pixels (default 48).

    .EXAMPLE
    Get-ChildItem .\photos -File | Test-UserPhoto | Where-Object { -not $_.Usable }

    Lists the photos that cannot be used for at least one target.

    .EXAMPLE
    Import-Csv .\hr-export.csv | Test-UserPhoto -Target graph, ad-thumbnail | Select-Object Path, Format, Width, Height, Usable

    Checks every photo in a CSV's Path column before a bulk run.

    .EXAMPLE
    Test-UserPhoto -PictureData $bytes -Target ad-thumbnail -MaxBytes 20480

    Checks bytes against a 20 KB thumbnailPhoto budget.

    .OUTPUTS
    UserPhoto.ValidationResult, one per photo: Path, Format, Bytes, Width, Height,
    Orientation, UprightWidth, UprightHeight, ColorModel, Frames, Warnings, Usable, and
    Targets (Target, Size, MaxBytes, Verdict = fits | needs-resize | unusable,
    RenditionSize, Error, Problems).
    #>
    [CmdletBinding(DefaultParameterSetName = 'Path')]
    [OutputType('UserPhoto.ValidationResult')]
    param(
        [Parameter(Mandatory, Position = 0, ParameterSetName = 'Path', ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('FullName')]
        [string[]]$Path,

        [Parameter(Mandatory, ParameterSetName = 'PictureData', ValueFromPipelineByPropertyName)]
        [byte[]]$PictureData,

        [ValidateSet('graph', 'ad-thumbnail', 'exchange-onprem')]
        [string[]]$Target,

        [ValidateRange(16, 4096)]
        [int[]]$Size,

        [ValidateRange(1024, 104857600)]
        [int]$MaxBytes,

        [ValidateSet('Centre', 'None')]
        [string]$Crop,

        [switch]$AllowUpscale,

        [switch]$AllowAnimated,

        [ValidateRange(1, 20000)]
        [int]$MinShortSide
    )
    begin {
        $options = ConvertTo-UserPhotoOptionsJson -Target $Target -Size $Size -MaxBytes $MaxBytes -Crop $Crop `
            -AllowUpscale:$AllowUpscale -AllowAnimated:$AllowAnimated -MinShortSide $MinShortSide
    }
    process {
        $paths = @($Path)
        if ($PSCmdlet.ParameterSetName -eq 'PictureData') { $paths = @($null) }
        foreach ($p in $paths) {
            $source = Resolve-UserPhotoSource -Cmdlet $PSCmdlet -Path $p -PictureData $PictureData
            if (-not $source) { continue }
            try {
                $report = ConvertFrom-Json ([UserPhoto.Native.Api]::Validate((Read-UserPhotoSource $source), $options))
            } catch {
                $PSCmdlet.WriteError((ConvertTo-UserPhotoErrorRecord -Caught $_ -TargetObject $source.Path))
                continue
            }
            $targets = @(foreach ($t in $report.targets) {
                [pscustomobject]@{
                    PSTypeName = 'UserPhoto.TargetVerdict'
                    Target = $t.target
                    Size = $t.size
                    MaxBytes = $t.max_bytes
                    Verdict = $t.verdict
                    RenditionSize = $t.rendition_size
                    Error = $t.error
                    Problems = @($t.problems)
                }
            })
            $s = $report.source
            [pscustomobject]@{
                PSTypeName = 'UserPhoto.ValidationResult'
                Path = $source.Path
                Format = $s.format
                Bytes = $s.bytes
                Width = $s.width
                Height = $s.height
                Orientation = $s.orientation
                UprightWidth = $s.upright_width
                UprightHeight = $s.upright_height
                ColorModel = $s.color_model
                Frames = $s.frames
                Warnings = @($report.warnings)
                Usable = -not ($targets | Where-Object { $_.Verdict -eq 'unusable' })
                Targets = $targets
            }
        }
    }
}
