@{
    RootModule = 'UserPhoto.psm1'
    ModuleVersion = '0.1.0'
    GUID = 'f7362f75-973f-40ff-9296-875a451a4f33'
    Author = 'UserPhoto contributors'
    CompanyName = 'UserPhoto'
    Copyright = '(c) UserPhoto contributors. MIT licence.'
    Description = 'Profile photos for Microsoft 365: validate, orient, crop, resize and encode photos to each store''s limits, and publish them to Microsoft Graph and on-premises Active Directory (thumbnailPhoto) in bulk, through the native UserPhoto library.'
    PowerShellVersion = '5.1'
    CompatiblePSEditions = @('Core', 'Desktop')
    FunctionsToExport = @(
        'Clear-UserPhoto'
        'Connect-UserPhoto'
        'Disconnect-UserPhoto'
        'Export-UserPhoto'
        'Publish-UserPhoto'
        'Resize-UserPhoto'
        'Sync-UserPhoto'
        'Test-UserPhoto'
    )
    CmdletsToExport = @()
    VariablesToExport = @()
    AliasesToExport = @()
    FileList = @('UserPhoto.psd1', 'UserPhoto.psm1', 'native/NativeMethods.cs', 'en-US/about_UserPhoto.help.txt')
    PrivateData = @{
        PSData = @{
            Tags = @('ProfilePhoto', 'UserPhoto', 'Photo', 'Microsoft365', 'MicrosoftGraph', 'EntraID', 'ExchangeOnline', 'Teams', 'ActiveDirectory', 'thumbnailPhoto', 'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
            # ProjectUri and LicenseUri: added by scripts/package-module.sh (--project-uri, --license-uri)
            # once the project has a public address; it has none yet. The licence (MIT) is the LICENSE
            # file in the package.
            ReleaseNotes = 'First release: Connect/Disconnect, Test, Resize, Publish, Sync, Export and Clear-UserPhoto; Active Directory thumbnailPhoto (Publish/Export/Clear-UserPhoto -Target ActiveDirectory, Test-UserPhoto -Directory).'
        }
    }
}
