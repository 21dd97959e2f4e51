# UserPhoto: profile photos for Microsoft 365. A thin door onto the native library: every
# photo and HTTP operation happens there; this module binds parameters, streams results and
# turns failures into error records. Runs on PowerShell 7 and Windows PowerShell 5.1.
# The native library for this platform: runtimes/<rid>/native/ in the package, or
# $env:USERPHOTO_LIBRARY. Resolve-UserPhotoNativeLibrary stops the import with an error naming
# the runtime and the file when the package has no library for this platform.
. (Join-Path $PSScriptRoot 'Private/Resolve-UserPhotoNativeLibrary.ps1')
$platform = Get-UserPhotoPlatform
$native = Resolve-UserPhotoNativeLibrary -ModuleRoot $PSScriptRoot -Platform $platform.Platform `
    -Architecture $platform.Architecture -LibraryOverride $env:USERPHOTO_LIBRARY
if (-not ('UserPhoto.Native.Api' -as [type])) {
    $library = (Resolve-Path -LiteralPath $native.Path).ProviderPath
    # The absolute path goes into the DllImport source: this works on PowerShell 7, Windows
    # PowerShell 5.1 and Mono alike, where a NativeLibrary resolver would not.
    $source = [IO.File]::ReadAllText((Join-Path $PSScriptRoot 'native/NativeMethods.cs'))
    $source = $source.Replace('__USERPHOTO_LIBRARY__', $library.Replace('"', '""'))
    Add-Type -TypeDefinition $source -Language CSharp
}

# DllImport loads the library on the first call: make that happen now, so a library for
# another OS or architecture fails the import rather than the first cmdlet.
try {
    $null = [UserPhoto.Native.Api]::Version()
} catch {
    $reason = $_.Exception
    while ($reason.InnerException) { $reason = $reason.InnerException }
    throw ("UserPhoto: the native library for {0} could not be loaded from '{1}' ({2}). The package may be " +
        "damaged or built for another platform: reinstall the module.") -f $native.Rid, $native.Path, $reason.Message
}

# The library's target table (up_targets): names, sizes and budgets are checked against it,
# never repeated here.
$script:TargetTable = @(ConvertFrom-Json ([UserPhoto.Native.Api]::Targets()) | ForEach-Object { $_ })

foreach ($folder in 'Private', 'Public') {
    $dir = Join-Path $PSScriptRoot $folder
    if (Test-Path -LiteralPath $dir) {
        foreach ($file in Get-ChildItem -LiteralPath $dir -Filter '*.ps1') {
            . $file.FullName
        }
    }
}

# The connection made by Connect-UserPhoto: @{ Client = UpClientHandle; Info = the public object }.
$script:Connection = $null

$ExecutionContext.SessionState.Module.OnRemove = {
    if ($script:Connection) { $script:Connection.Client.Dispose() }
}
