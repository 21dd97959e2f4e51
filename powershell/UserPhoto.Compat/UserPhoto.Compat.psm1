# UserPhoto.Compat: the retired Exchange Online Set-/Get-/Remove-UserPhoto over UserPhoto, so
# that old scripts run after changing one Import-Module line (and connecting with
# Connect-UserPhoto instead of Connect-ExchangeOnline).

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
