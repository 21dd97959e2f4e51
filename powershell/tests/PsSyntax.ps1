# PowerShell's own parser over the modules' files: syntax errors, and syntax that Windows
# PowerShell 5.1 cannot parse (the modules and their tests support 5.1). Dot-sourced by
# Syntax.Tests.ps1.

function Get-PsSyntaxProblem {
    # One string per problem, "name:line:col: message", for a file or for source text.
    [CmdletBinding(DefaultParameterSetName = 'Path')]
    [OutputType([string])]
    param(
        [Parameter(Mandatory, ParameterSetName = 'Path')][string]$Path,
        [Parameter(Mandatory, ParameterSetName = 'Source')][string]$Source,
        [Parameter(ParameterSetName = 'Source')][string]$Name = 'source'
    )
    $tokens = $null
    $errors = $null
    if ($PSCmdlet.ParameterSetName -eq 'Path') {
        $Name = $Path
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref]$tokens, [ref]$errors)
    } else {
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($Source, [ref]$tokens, [ref]$errors)
    }
    $at = { param($extent) '{0}:{1}:{2}' -f $Name, $extent.StartLineNumber, $extent.StartColumnNumber }
    foreach ($e in $errors) { '{0}: {1}' -f (& $at $e.Extent), $e.Message }

    $needs7 = ' needs PowerShell 7; the modules support Windows PowerShell 5.1'
    $nodes = $ast.FindAll({ $true }, $true)
    foreach ($n in $nodes) {
        $what = $null
        switch ($n.GetType().Name) {
            'PipelineChainAst' { $what = 'a pipeline chain (&& or ||)' }
            'TernaryExpressionAst' { $what = 'the ternary operator (? :)' }
            'BinaryExpressionAst' { if ($n.Operator -eq 'QuestionQuestion') { $what = 'the null-coalescing operator (??)' } }
            'AssignmentStatementAst' { if ($n.Operator -eq 'QuestionQuestionEquals') { $what = 'the ??= operator' } }
            { $_ -in 'MemberExpressionAst', 'InvokeMemberExpressionAst', 'IndexExpressionAst' } {
                if ($n.NullConditional) { $what = 'null-conditional access (?. or ?[])' }
            }
            'ScriptBlockAst' { if ($n.CleanBlock) { $what = 'a clean {} block' } }
        }
        if ($what) { '{0}: {1}{2}' -f (& $at $n.Extent), $what, $needs7 }
    }
    foreach ($t in $tokens) {
        # `u{...} is an escape only from PowerShell 6; 5.1 reads it as the letter u.
        if ($t.Kind -in 'StringExpandable', 'HereStringExpandable' -and $t.Text -match '`u\{') {
            '{0}: the `u{{}} escape{1}' -f (& $at $t.Extent), $needs7
        }
    }
}
