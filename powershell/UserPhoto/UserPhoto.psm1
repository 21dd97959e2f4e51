# UserPhoto: profile photos for Microsoft 365. A thin door onto the native library: every
# photo and HTTP operation happens there; this module binds parameters, streams results and
# turns failures into error records. Runs on PowerShell 7 and Windows PowerShell 5.1.
function Get-UserPhotoRuntimeId {
    $arch = 'x64'
    try {
        $arch = ([System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture).ToString().ToLowerInvariant()
    } catch {
        # .NET Framework before 4.7.1 has no RuntimeInformation.
        if (-not [Environment]::Is64BitProcess) { $arch = 'x86' }
    }
    if ([Environment]::OSVersion.Platform -eq [PlatformID]::Win32NT) {
        return New-Object psobject -Property @{ Rid = "win-$arch"; File = 'userphoto.dll' }
    }
    $isMac = (Get-Variable -Name IsMacOS -ValueOnly -ErrorAction SilentlyContinue) -eq $true
    if ($isMac) {
        return New-Object psobject -Property @{ Rid = "osx-$arch"; File = 'libuserphoto.dylib' }
    }
    New-Object psobject -Property @{ Rid = "linux-$arch"; File = 'libuserphoto.so' }
}

if (-not ('UserPhoto.Native.Api' -as [type])) {
    $runtime = Get-UserPhotoRuntimeId
    $library = Join-Path $PSScriptRoot (Join-Path 'runtimes' (Join-Path $runtime.Rid (Join-Path 'native' $runtime.File)))
    if ($env:USERPHOTO_LIBRARY) { $library = $env:USERPHOTO_LIBRARY }
    if (-not (Test-Path -LiteralPath $library -PathType Leaf)) {
        throw ("UserPhoto: the native library was not found at '{0}'. Build it and place it there with: " +
            "bash scripts/package-module.sh (from the repository root; on Windows: cargo build --release --lib " +
            "and copy target\release\userphoto.dll to runtimes\{1}\native\)") -f $library, $runtime.Rid
    }
    $library = (Resolve-Path -LiteralPath $library).ProviderPath
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
    throw ("UserPhoto: the native library could not be loaded ({0}). Rebuild it for this platform with: " +
        "bash scripts/package-module.sh") -f $reason.Message
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
