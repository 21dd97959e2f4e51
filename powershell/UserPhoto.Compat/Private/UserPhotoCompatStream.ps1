function Get-UserPhotoCompatStream {
    # Common parameters for a call from a Compat cmdlet into UserPhoto. Preference variables
    # do not cross module boundaries, so the Compat cmdlet's own -ErrorAction, -WarningAction,
    # -InformationAction and -Verbose (its preference variables, read here through its scope)
    # are passed on explicitly. Errors are then written once, by the UserPhoto cmdlet: an
    # -ErrorVariable on the Compat cmdlet collects them, and -ErrorAction Stop stops there.
    [OutputType([hashtable])]
    param()
    @{
        ErrorAction = $ErrorActionPreference
        WarningAction = $WarningPreference
        InformationAction = $InformationPreference
        Verbose = $VerbosePreference -ne 'SilentlyContinue'
    }
}
