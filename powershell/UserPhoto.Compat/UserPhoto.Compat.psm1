# UserPhoto.Compat: the retired Exchange Online Set-/Get-/Remove-UserPhoto over UserPhoto, so
# that old scripts run after changing one Import-Module line (and connecting with
# Connect-UserPhoto instead of Connect-ExchangeOnline).

# UserPhoto itself: already loaded, or beside this folder (a checkout or an unpacked
# package), or on PSModulePath (installed from the Gallery). Not a RequiredModules entry in
# this manifest: PowerShell looks those up on PSModulePath only, so
# `Import-Module ./powershell/UserPhoto.Compat` would fail in a fresh session. The packaged
# manifest has one (scripts/package-module.sh), so that the Gallery installs UserPhoto too.
if (-not (Get-Module -Name UserPhoto)) {
    $beside = Join-Path (Split-Path -Parent $PSScriptRoot) 'UserPhoto/UserPhoto.psd1'
    if (Test-Path -LiteralPath $beside) {
        Import-Module $beside -Global -ErrorAction Stop
    } else {
        Import-Module UserPhoto -Global -ErrorAction Stop
    }
}

foreach ($folder in 'Private', 'Public') {
    $dir = Join-Path $PSScriptRoot $folder
    if (Test-Path -LiteralPath $dir) {
        foreach ($file in Get-ChildItem -LiteralPath $dir -Filter '*.ps1') {
            . $file.FullName
        }
    }
}

# Photos prepared with Set-UserPhoto -Preview, by lower-cased identity, until -Save or -Cancel.
$script:Previews = @{}
