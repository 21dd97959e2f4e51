function Resize-UserPhoto {
    <#
    .SYNOPSIS
    Renders photos for the Microsoft 365 photo stores, as bytes or JPEG files.

    .DESCRIPTION
    Decodes each photo once (EXIF orientation, colour profiles, CMYK and transparency
    handled) and renders one JPEG per target: Microsoft Graph 648 x 648 within 4 MB, Active
    Directory thumbnailPhoto 96 x 96 within 10 KB, on-premises Exchange 648 x 648 within
    500 KB, or custom squares. Each rendition meets its byte budget; no metadata is kept.
    With -OutputDirectory the renditions are written as <name>.<target>.jpg (-WhatIf shows
    the files without writing them); otherwise they are returned with their bytes in Data.
    A photo that cannot be rendered is a non-terminating error (UserPhoto.TooSmall,
    UserPhoto.UnsupportedFormat, ...) and the next one is processed.

    .PARAMETER Path
    Path of a photo file. Binds from the pipeline, also from FullName and a CSV's Path column.

    .PARAMETER PictureData
    The photo's bytes.

    .PARAMETER Target
    Built-in targets: graph, ad-thumbnail, exchange-onprem. Without -Target and -Size, all
    built-in targets are rendered.

    .PARAMETER Size
    Custom square sizes in pixels. Without -MaxBytes their budget is Graph's 4 MB.

    .PARAMETER MaxBytes
    Byte budget for the given targets and sizes instead of their defaults (at least 1024).
    It needs -Target or -Size: on its own it would apply to nothing, and is refused.

    .PARAMETER Crop
    Auto (default): frame the face when exactly one is found, otherwise a square from the
    middle (the result says why); Face: frame the most confident face; Centre: a square from
    the middle; None: fit the whole photo inside the box. One crop serves every target.

    .PARAMETER RequireFace
    Refuse a photo without exactly one face (checks no-face and several-faces) instead of
    warning about it.

    .PARAMETER SkipChecks
    Run no photo checks (no-face, too-dark, ...). With -Crop Centre or None nothing looks
    for faces either, which is most of the time a photo takes; with -RequireFace it is
    refused (UserPhoto.InvalidOptions).

    .PARAMETER AllowUpscale
    Enlarge photos smaller than the target size (by default they keep their size).

    .PARAMETER AllowAnimated
    Accept animated photos and use their first frame.

    .PARAMETER MinShortSide
    Smallest acceptable short side in pixels (default 48).

    .PARAMETER OutputDirectory
    Folder to write the renditions to, created when missing. Existing files are replaced.

    .EXAMPLE
    Resize-UserPhoto -Path .\adele.jpg -Target ad-thumbnail | ForEach-Object { Set-ADUser adele -Replace @{ thumbnailPhoto = $_.Data } }

    Renders a 96 x 96 thumbnail within 10 KB and stores it in Active Directory.

    .EXAMPLE
    Import-Csv .\hr-export.csv | Resize-UserPhoto -Target graph, exchange-onprem -OutputDirectory .\renditions

    Renders every photo of a CSV's Path column for Graph and on-premises Exchange into a folder.

    .EXAMPLE
    Resize-UserPhoto -Path .\team.png -Size 200 -MaxBytes 30000 -Crop None

    A custom 200 px rendition within 30,000 bytes, fitted instead of cropped.

    .OUTPUTS
    UserPhoto.Rendition, one per photo and target: Source, Target, Width, Height, Bytes,
    MaxBytes, Quality, Notes, Path (with -OutputDirectory) and Data (the JPEG bytes).
    #>
    [CmdletBinding(DefaultParameterSetName = 'Path', SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType('UserPhoto.Rendition')]
    param(
        [Parameter(Mandatory, Position = 0, ParameterSetName = 'Path', ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('FullName')]
        [string[]]$Path,

        [Parameter(Mandatory, ParameterSetName = 'PictureData', ValueFromPipelineByPropertyName)]
        [byte[]]$PictureData,

        [ArgumentCompleter({
            param($command, $parameter, $word)
            # The library's target table, as Resolve-UserPhotoTarget checks against it.
            (ConvertFrom-Json ([UserPhoto.Native.Api]::Targets())) | ForEach-Object { $_ } | ForEach-Object { $_.name } | Where-Object { $_ -like "$word*" }
        })]
        [string[]]$Target,

        [int[]]$Size,

        [int]$MaxBytes,

        [ValidateSet('Auto', 'Face', 'Centre', 'None')]
        [string]$Crop,

        [switch]$RequireFace,

        [switch]$SkipChecks,

        [switch]$AllowUpscale,

        [switch]$AllowAnimated,

        [int]$MinShortSide,

        [string]$OutputDirectory
    )
    begin {
        if ($Target) { $Target = @(Resolve-UserPhotoTarget -Cmdlet $PSCmdlet -Name $Target) }
        $options = ConvertTo-UserPhotoOptionsJson -Cmdlet $PSCmdlet -Target $Target -Size $Size -MaxBytes $MaxBytes -Crop $Crop -RequireFace:$RequireFace -SkipChecks:$SkipChecks `
            -AllowUpscale:$AllowUpscale -AllowAnimated:$AllowAnimated -MinShortSide $MinShortSide
        $outDir = $null
        if ($OutputDirectory) { $outDir = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($OutputDirectory) }
    }
    process {
        $paths = @($Path)
        if ($PSCmdlet.ParameterSetName -eq 'PictureData') { $paths = @($null) }
        foreach ($p in $paths) {
            $source = Resolve-UserPhotoSource -Cmdlet $PSCmdlet -Path $p -PictureData $PictureData
            if (-not $source) { continue }
            $call = Invoke-UserPhotoNative -Method Resize -Argument (Read-UserPhotoSource $source), $options -TargetObject $source.Path
            if ($call.ErrorRecord) {
                $PSCmdlet.WriteError($call.ErrorRecord)
                continue
            }
            $renditions = $call.Value
            $report = ConvertFrom-Json $renditions.Report
            $checks = @(ConvertTo-UserPhotoCheck $report.checks)
            foreach ($c in $checks) { Write-Warning ('{0}: {1} [{2}]' -f $source.Path, $c.Message, $c.Code) }
            $i = 0
            foreach ($r in $report.renditions) {
                $data = $renditions.Images[$i]
                $i++
                $file = $null
                if ($outDir) {
                    $file = Join-Path $outDir ('{0}.{1}.jpg' -f $source.Name, $r.target)
                    if (-not $PSCmdlet.ShouldProcess($file, 'Write rendition')) { continue }
                    if (-not (Test-Path -LiteralPath $outDir)) { $null = New-Item -ItemType Directory -Path $outDir -Force }
                    # Through a temporary file, so a failure never leaves a partial photo.
                    $partial = "$file.partial"
                    [IO.File]::WriteAllBytes($partial, $data)
                    Move-Item -LiteralPath $partial -Destination $file -Force
                }
                [pscustomobject]@{
                    PSTypeName = 'UserPhoto.Rendition'
                    Source = $source.Path
                    Target = $r.target
                    Width = $r.width
                    Height = $r.height
                    Bytes = $r.bytes
                    MaxBytes = $r.max_bytes
                    Quality = $r.quality
                    Notes = @($r.notes)
                    Crop = $report.crop.mode
                    Checks = $checks
                    Path = $file
                    Data = $data
                }
            }
        }
    }
}
