function ConvertFrom-UserPhotoSecureString {
    # Plain text of a SecureString, only for the connection JSON handed to the library; the
    # unmanaged copy is zeroed at once.
    param([Parameter(Mandatory)][System.Security.SecureString]$SecureString)
    $bstr = [Runtime.InteropServices.Marshal]::SecureStringToBSTR($SecureString)
    try {
        [Runtime.InteropServices.Marshal]::PtrToStringBSTR($bstr)
    } finally {
        [Runtime.InteropServices.Marshal]::ZeroFreeBSTR($bstr)
    }
}
