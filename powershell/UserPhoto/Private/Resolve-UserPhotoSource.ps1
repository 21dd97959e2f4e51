function Resolve-UserPhotoSource {
    # The photo of one pipeline item: the full file system path for -Path, or the bytes of
    # -PictureData. Writes a UserPhoto.FileNotFound error and returns nothing when the file
    # is missing.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [string]$Path,
        [byte[]]$PictureData,
        [object]$TargetObject
    )
    if ($Cmdlet.ParameterSetName -eq 'PictureData') {
        return New-Object psobject -Property @{ Path = $null; Name = 'PictureData'; Bytes = $PictureData }
    }
    $full = $Cmdlet.GetUnresolvedProviderPathFromPSPath($Path)
    if (-not [IO.File]::Exists($full)) {
        if ($null -eq $TargetObject) { $TargetObject = $Path }
        $Cmdlet.WriteError((New-UserPhotoErrorRecord -Reason 'file-not-found' -Message "Photo file not found: $full" -TargetObject $TargetObject))
        return
    }
    New-Object psobject -Property @{ Path = $full; Name = [IO.Path]::GetFileNameWithoutExtension($full); Bytes = $null }
}

function Read-UserPhotoSource {
    # The bytes of a resolved source (files are read here; the library never sees a path).
    param([Parameter(Mandatory)][psobject]$Source)
    if ($null -ne $Source.Bytes) { return , $Source.Bytes }
    , [IO.File]::ReadAllBytes($Source.Path)
}
