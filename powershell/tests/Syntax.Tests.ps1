# Every file of the modules and their tests, read by PowerShell's own parser: no syntax
# errors, no syntax that Windows PowerShell 5.1 cannot parse; manifests that export exactly
# Public/; full comment-based help. Needs no native library.

BeforeDiscovery {
    $root = (Resolve-Path (Join-Path $PSScriptRoot '..')).ProviderPath
    $Files = @(Get-ChildItem -LiteralPath $root -Recurse -File -Include *.ps1, *.psm1, *.psd1 |
        Where-Object { $_.FullName -notmatch '[\\/]runtimes[\\/]' } |
        ForEach-Object { @{ Path = $_.FullName; Name = $_.FullName.Substring($root.Length + 1) } })
    $Modules = @(Get-ChildItem -LiteralPath $root -Directory | Where-Object { Test-Path (Join-Path $_.FullName "$($_.Name).psd1") } |
        ForEach-Object { @{ Name = $_.Name; Dir = $_.FullName } })
    $Public = @(foreach ($m in $Modules) {
        Get-ChildItem -LiteralPath (Join-Path $m.Dir 'Public') -Filter *.ps1 | ForEach-Object { @{ Name = $_.BaseName; Path = $_.FullName } }
    })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'PsSyntax.ps1')

    function Get-FunctionAst([string]$Path, [string]$Name) {
        $tokens = $null; $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref]$tokens, [ref]$errors)
        $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] -and $n.Name -eq $Name }, $false) |
            Select-Object -First 1
    }
}

Describe 'The checker itself' {
    It 'finds <What>' -ForEach @(
        @{ What = 'a syntax error'; Source = 'function f { if ($x { } }' }
        @{ What = '&&'; Source = 'Get-Item . && Get-Item .' }
        @{ What = '||'; Source = 'Get-Item . || Get-Item .' }
        @{ What = '??'; Source = '$a = $b ?? 1' }
        @{ What = '??='; Source = '$a ??= 1' }
        @{ What = 'the ternary'; Source = '$a = $b ? 1 : 2' }
        @{ What = '?.'; Source = '$a = ${b}?.Name' }
        @{ What = '?[]'; Source = '$a = ${b}?[0]' }
        @{ What = 'a clean block'; Source = 'function f { process { } clean { } }' }
        @{ What = 'the `u{} escape'; Source = '$a = "`u{263A}"' }
    ) {
        @(Get-PsSyntaxProblem -Source $Source).Count | Should -BeGreaterThan 0
    }

    It 'passes plain 5.1 syntax (a variable named $b? is not ?.)' {
        Get-PsSyntaxProblem -Source '$b? = 1; $x = $b?.Length; $y = if ($b) { 1 } else { 2 }; [string]::new("a", 1)' | Should -BeNullOrEmpty
    }
}

Describe 'Syntax of <Name>' -ForEach $Files {
    It 'parses, with nothing Windows PowerShell 5.1 cannot parse' {
        Get-PsSyntaxProblem -Path $Path | Should -BeNullOrEmpty
    }
}

Describe 'Manifest of <Name>' -ForEach $Modules {
    It 'exports exactly the functions in Public/, each defined in its own file' {
        $manifest = Import-PowerShellDataFile (Join-Path $Dir "$Name.psd1")
        $listed = @($manifest.FunctionsToExport)
        $listed | Should -Not -Contain '*'
        $files = @(Get-ChildItem -LiteralPath (Join-Path $Dir 'Public') -Filter *.ps1 | ForEach-Object BaseName)
        ($listed | Sort-Object) -join ',' | Should -Be (($files | Sort-Object) -join ',')
        foreach ($f in $files) { Get-FunctionAst (Join-Path $Dir "Public/$f.ps1") $f | Should -Not -BeNullOrEmpty -Because "Public/$f.ps1 defines $f" }
    }

    It 'states editions, PowerShell 5.1 and its files' {
        $manifest = Import-PowerShellDataFile (Join-Path $Dir "$Name.psd1")
        $manifest.CompatiblePSEditions | Should -Be @('Core', 'Desktop')
        $manifest.PowerShellVersion | Should -Be '5.1'
        @($manifest.CmdletsToExport).Count + @($manifest.AliasesToExport).Count + @($manifest.VariablesToExport).Count | Should -Be 0
        foreach ($f in @($manifest.FileList)) { Join-Path $Dir $f | Should -Exist }
    }
}

Describe 'Help of <Name>' -ForEach $Public {
    It 'has a synopsis, a description, every parameter, an example and the outputs' {
        $fn = Get-FunctionAst $Path $Name
        $help = $fn.GetHelpContent()
        $help | Should -Not -BeNullOrEmpty -Because "$Name has comment-based help"
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Description | Should -Not -BeNullOrEmpty
        $help.Examples.Count | Should -BeGreaterThan 0
        $help.Outputs.Count | Should -BeGreaterThan 0
        $declared = @()
        if ($fn.Body.ParamBlock) { $declared = @($fn.Body.ParamBlock.Parameters | ForEach-Object { $_.Name.VariablePath.UserPath }) }
        $documented = @($help.Parameters.Keys)
        foreach ($p in $declared) {
            $documented | Should -Contain $p.ToUpperInvariant() -Because "-$p of $Name is documented"
            $help.Parameters[$p.ToUpperInvariant()].Trim() | Should -Not -BeNullOrEmpty -Because "-$p of $Name has a description"
        }
        foreach ($p in $documented) {
            @($declared | ForEach-Object { $_.ToUpperInvariant() }) | Should -Contain $p -Because ".PARAMETER $p of $Name names a parameter that exists"
        }
    }
}
