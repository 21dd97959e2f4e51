@{
    RootModule = 'UserPhoto.Compat.psm1'
    ModuleVersion = '0.1.0'
    GUID = 'a15ac771-0513-44a3-9755-0f107d7babea'
    Author = 'UserPhoto contributors'
    CompanyName = 'UserPhoto'
    Copyright = '(c) UserPhoto contributors. MIT licence.'
    Description = 'Drop-in Set-UserPhoto, Get-UserPhoto and Remove-UserPhoto with the parameters of the retired Exchange Online cmdlets, implemented over the UserPhoto module (photos are resized to fit instead of failing).'
    PowerShellVersion = '5.1'
    CompatiblePSEditions = @('Core', 'Desktop')
    FunctionsToExport = @(
        'Get-UserPhoto'
        'Remove-UserPhoto'
        'Set-UserPhoto'
    )
    CmdletsToExport = @()
    VariablesToExport = @()
    AliasesToExport = @()
    PrivateData = @{
        PSData = @{
            Tags = @('ProfilePhoto', 'UserPhoto', 'Set-UserPhoto', 'ExchangeOnline', 'Migration', 'Microsoft365', 'MicrosoftGraph', 'PSEdition_Core', 'PSEdition_Desktop')
            # ProjectUri and LicenseUri: added by scripts/package-module.sh (--project-uri, --license-uri)
            # once the project has a public address; it has none yet. The licence (MIT) is the LICENSE
            # file in the package.
            ReleaseNotes = 'First release: Set-, Get- and Remove-UserPhoto with the Exchange Online parameter sets.'
        }
    }
}
