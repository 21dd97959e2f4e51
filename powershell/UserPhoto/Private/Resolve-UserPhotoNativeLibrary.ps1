# Which native library this process needs, and where the package keeps it. UserPhoto.psm1
# dot-sources this file before loading the library (so it is defined twice; the second
# definition is the same). The platform inputs are parameters so that the tests can fake
# every platform from any one.

function Get-UserPhotoRuntimeTable {
    # The runtimes a package can carry and each one's file; error messages list them in this order.
    [ordered]@{
        'win-x64' = 'userphoto.dll'
        'win-arm64' = 'userphoto.dll'
        'win-x86' = 'userphoto.dll'
        'linux-x64' = 'libuserphoto.so'
        'linux-arm64' = 'libuserphoto.so'
        'osx-x64' = 'libuserphoto.dylib'
        'osx-arm64' = 'libuserphoto.dylib'
    }
}

function Get-UserPhotoPlatform {
    # The real inputs: OS and process (not OS) architecture, as ProcessArchitecture names them.
    [CmdletBinding()]
    param()
    $platform = 'Linux'
    if ([Environment]::OSVersion.Platform -eq [PlatformID]::Win32NT) {
        $platform = 'Windows'
    } elseif ((Get-Variable -Name IsMacOS -ValueOnly -ErrorAction SilentlyContinue) -eq $true) {
        $platform = 'MacOS'
    }
    $architecture = $null
    try {
        $architecture = [System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString()
    } catch {
        # .NET Framework before 4.7.1 has no RuntimeInformation; Windows sets this variable
        # to the process's architecture (x86 in a 32-bit process on 64-bit Windows).
        $architecture = $env:PROCESSOR_ARCHITECTURE
        if (-not $architecture) { $architecture = 'X64' }
    }
    New-Object psobject -Property @{ Platform = $platform; Architecture = $architecture }
}

function Resolve-UserPhotoRuntimeId {
    # Platform: Windows, Linux or MacOS. Architecture: a ProcessArchitecture name (X64, Arm64,
    # X86, ...) or a PROCESSOR_ARCHITECTURE one (AMD64, ARM64, x86).
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [ValidateSet('Windows', 'Linux', 'MacOS')] [string]$Platform,
        [Parameter(Mandatory = $true)] [string]$Architecture
    )
    $os = @{ Windows = 'win'; Linux = 'linux'; MacOS = 'osx' }[$Platform]
    $arch = $Architecture.ToLowerInvariant()
    if ($arch -eq 'amd64') { $arch = 'x64' }
    $rid = "$os-$arch"
    New-Object psobject -Property @{ Rid = $rid; File = (Get-UserPhotoRuntimeTable)[$rid] }
}

function Resolve-UserPhotoNativeLibrary {
    # Returns @{ Rid; Path } of the library to load, or stops with an error that names the
    # runtime and the file: an admin can act on that (install a package that has it, or run
    # the 64-bit PowerShell), where a build instruction would not help.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [string]$ModuleRoot,
        [Parameter(Mandatory = $true)] [ValidateSet('Windows', 'Linux', 'MacOS')] [string]$Platform,
        [Parameter(Mandatory = $true)] [string]$Architecture,
        # $env:USERPHOTO_LIBRARY: a library outside the package (development, tests).
        [string]$LibraryOverride
    )
    $table = Get-UserPhotoRuntimeTable
    $runtime = Resolve-UserPhotoRuntimeId -Platform $Platform -Architecture $Architecture
    if ($LibraryOverride) {
        if (-not (Test-Path -LiteralPath $LibraryOverride -PathType Leaf)) {
            $message = "UserPhoto: USERPHOTO_LIBRARY names '{0}', which does not exist. Unset the variable to use the library in the module's package." -f $LibraryOverride
            $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new(
                    [System.IO.FileNotFoundException]::new($message, $LibraryOverride),
                    'UserPhotoLibraryOverrideMissing', [System.Management.Automation.ErrorCategory]::ObjectNotFound, $LibraryOverride))
        }
        return New-Object psobject -Property @{ Rid = $runtime.Rid; Path = $LibraryOverride }
    }
    if (-not $runtime.File) {
        $message = 'UserPhoto has no native library for {0} ({1} on {2}); it is built for {3}.' -f $runtime.Rid, $Architecture, $Platform, ($table.Keys -join ', ')
        $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new(
                [System.PlatformNotSupportedException]::new($message),
                'UserPhotoRuntimeNotSupported', [System.Management.Automation.ErrorCategory]::NotImplemented, $runtime.Rid))
    }
    $runtimes = Join-Path $ModuleRoot 'runtimes'
    $path = [IO.Path]::Combine($runtimes, $runtime.Rid, 'native', $runtime.File)
    if (Test-Path -LiteralPath $path -PathType Leaf) {
        return New-Object psobject -Property @{ Rid = $runtime.Rid; Path = $path }
    }
    $present = @(foreach ($rid in $table.Keys) {
            if (Test-Path -LiteralPath ([IO.Path]::Combine($runtimes, $rid, 'native', $table[$rid])) -PathType Leaf) { $rid }
        }) | Sort-Object
    $message = "UserPhoto: this package has no native library for {0} (this process is {1} on {2}); it looked for '{3}'. " -f $runtime.Rid, $Architecture, $Platform, $path
    if ($present.Count) {
        $message += "The package contains: {0}. " -f ($present -join ', ')
    } else {
        $message += 'The package contains no native library at all. '
    }
    if ($runtime.Rid -eq 'win-x86') {
        $message += 'This is a 32-bit PowerShell: on 64-bit Windows, run the 64-bit PowerShell instead (Windows PowerShell: %SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe, not the SysWOW64 one).'
    } else {
        $message += 'Install a UserPhoto package that includes {0}.' -f $runtime.Rid
    }
    if (Test-Path -LiteralPath ([IO.Path]::Combine($ModuleRoot, '..', '..', 'Cargo.toml')) -PathType Leaf) {
        # A source checkout rather than an installed package: its developer can build one.
        $message += ' In a source checkout, build it with: bash scripts/package-module.sh --debug'
    }
    $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new(
            [System.IO.FileNotFoundException]::new($message, $path),
            'UserPhotoRuntimeNotInPackage', [System.Management.Automation.ErrorCategory]::NotInstalled, $path))
}
