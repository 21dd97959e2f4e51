function Resolve-UserPhotoTarget {
    # -Target names in the library's spelling, from its target table (up_targets, loaded at
    # import): -Target Graph is graph. An unknown name is a terminating error listing the
    # known ones, before any photo is read.
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)][System.Management.Automation.PSCmdlet]$Cmdlet,
        [AllowEmptyCollection()][string[]]$Name
    )
    foreach ($n in $Name) {
        $known = @($script:TargetTable | Where-Object { $_.name -eq $n })
        if (-not $known.Count) {
            $names = ($script:TargetTable | ForEach-Object { $_.name }) -join ', '
            $Cmdlet.ThrowTerminatingError((New-UserPhotoErrorRecord -Reason 'invalid-options' -TargetObject $n `
                -Message ("Unknown -Target '{0}': the targets are {1}; -Size gives a custom square." -f $n, $names)))
        }
        $known[0].name
    }
}
