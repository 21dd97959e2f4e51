function Invoke-UserPhotoNative {
    # Calls [UserPhoto.Native.Api]::<Method>(<Argument>) and returns @{ Value; ErrorRecord }:
    # the method's value, or for a failed call the error record UserPhoto.<Reason> with
    # -TargetObject. The call goes through Api.Call, which catches the library's exception in
    # C#: an exception thrown by a .NET method into PowerShell would land in the calling
    # cmdlet's -ErrorVariable even when caught here, so each failure would show twice.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Method,
        [AllowEmptyCollection()][object[]]$Argument = @(),
        [object]$TargetObject
    )
    $call = [UserPhoto.Native.Api]::Call($Method, $Argument)
    $record = $null
    if ($call.Error) {
        $record = New-UserPhotoErrorRecord -Reason $call.Reason -Message $call.Error.Message -TargetObject $TargetObject -Exception $call.Error
    }
    New-Object psobject -Property @{ Value = $call.Value; ErrorRecord = $record }
}
