function Get-UserPhotoSetValue {
    # A ValidateSet parameter's value(s) spelled as the set spells them: ValidateSet accepts
    # any case ("usgov", "Graph"), the library's names are exact ("USGov", "graph").
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [Parameter(Mandatory)][string]$Name,
        [AllowNull()][AllowEmptyCollection()][string[]]$Value
    )
    $set = $Cmdlet.MyInvocation.MyCommand.Parameters[$Name].Attributes |
        Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
    foreach ($v in $Value) {
        $canonical = @($set.ValidValues | Where-Object { $_ -eq $v })
        if ($canonical.Count) { $canonical[0] } else { $v }
    }
}
