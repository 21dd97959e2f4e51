function New-UserPhotoErrorRecord {
    # An error record with a stable id, UserPhoto.<Reason> (e.g. UserPhoto.UserNotFound), from
    # the library's status name or a job result's error code ("user-not-found").
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorRecord])]
    param(
        [AllowEmptyString()][string]$Reason = 'unexpected',
        [AllowEmptyString()][string]$Message,
        [object]$TargetObject,
        [Exception]$Exception
    )
    $categories = @{
        'null-argument' = 'InvalidArgument'; 'invalid-utf8' = 'InvalidArgument'; 'invalid-json' = 'InvalidArgument'
        'invalid-options' = 'InvalidArgument'; 'config' = 'InvalidArgument'; 'invalid-handle' = 'InvalidOperation'
        'panic' = 'NotSpecified'; 'index-out-of-range' = 'InvalidArgument'
        'empty-input' = 'InvalidData'; 'unsupported-format' = 'InvalidData'; 'truncated' = 'InvalidData'
        'corrupt' = 'InvalidData'; 'animated' = 'InvalidData'; 'too-small' = 'InvalidData'; 'image-rejected' = 'InvalidData'
        'input-too-large' = 'LimitsExceeded'; 'dimensions-too-large' = 'LimitsExceeded'; 'too-many-pixels' = 'LimitsExceeded'
        'budget-unreachable' = 'LimitsExceeded'; 'too-large' = 'LimitsExceeded'; 'encode-failed' = 'InvalidResult'
        'io' = 'ReadError'; 'journal' = 'WriteError'; 'auth' = 'AuthenticationError'
        'user-not-found' = 'ObjectNotFound'; 'no-photo' = 'ObjectNotFound'; 'file-not-found' = 'ObjectNotFound'
        'no-preview' = 'ObjectNotFound'; 'forbidden' = 'PermissionDenied'; 'policy-blocked' = 'PermissionDenied'
        'throttled' = 'ResourceBusy'; 'graph' = 'ProtocolError'; 'network' = 'ConnectionError'
        'cancelled' = 'OperationStopped'; 'not-connected' = 'ConnectionError'; 'not-available' = 'NotImplemented'
        'certificate-not-found' = 'ObjectNotFound'; 'certificate-key-not-exportable' = 'SecurityError'
        'invalid-credentials' = 'AuthenticationError'; 'ambiguous-user' = 'InvalidArgument'
        'thumbnail-too-large' = 'LimitsExceeded'; 'constraint-violation' = 'InvalidData'
        'directory-unavailable' = 'ConnectionError'; 'directory-tls' = 'SecurityError'; 'ldap' = 'ProtocolError'
        'verify-mismatch' = 'InvalidResult'; 'report-not-written' = 'WriteError'
    }
    if (-not $Reason) { $Reason = 'unexpected' }
    if (-not $Message) { $Message = $Reason }
    $category = [System.Management.Automation.ErrorCategory]::NotSpecified
    if ($categories.ContainsKey($Reason)) { $category = [System.Management.Automation.ErrorCategory]$categories[$Reason] }
    $id = 'UserPhoto.' + (-join ($Reason -split '-' | Where-Object { $_ } | ForEach-Object {
        $_.Substring(0, 1).ToUpperInvariant() + $_.Substring(1) }))
    if (-not $Exception) { $Exception = [System.Exception]::new($Message) }
    $record = [System.Management.Automation.ErrorRecord]::new($Exception, $id, $category, $TargetObject)
    $record.ErrorDetails = [System.Management.Automation.ErrorDetails]::new($Message)
    $record
}
