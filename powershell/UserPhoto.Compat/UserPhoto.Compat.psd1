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
            # Placeholders until the project's public address is settled.
            ProjectUri = 'https://example.invalid/userphoto'
            LicenseUri = 'https://example.invalid/userphoto/blob/main/LICENSE'
            ReleaseNotes = 'First release: Set-, Get- and Remove-UserPhoto with the Exchange Online parameter sets.'
        }
    }
}
