#!/usr/bin/env python3
"""Static checks of the PowerShell modules, without PowerShell.

1. Syntax: every .ps1/.psm1/.psd1 under powershell/ parses with the tree-sitter PowerShell
   grammar (PyPI tree-sitter, tree-sitter-powershell); ERROR and missing nodes are printed
   as file:line:col. PowerShell-7-only syntax is refused too: `&&`/`||` explicitly, while
   `??`, `?.` and the ternary already parse as errors.
2. Manifests: a manifest next to a Public/ folder lists exactly the Public/*.ps1 files in
   FunctionsToExport (explicitly, no wildcards), and each file defines that function.
3. Help: every public function has .SYNOPSIS, .DESCRIPTION, .PARAMETER for every declared
   parameter (and none for a parameter that does not exist), at least one .EXAMPLE and
   .OUTPUTS.

Usage: pscheck.py [ROOT]   (default: powershell/ next to this script). A self-test with
broken inputs runs first, so a checker that stopped failing fails itself. Exit 1 on problems.
"""
import re
import sys
from pathlib import Path

try:
    import tree_sitter_powershell
    from tree_sitter import Language, Parser
except ImportError:
    print("pscheck: needs the tree-sitter and tree-sitter-powershell packages (bash scripts/setup.sh installs them)",
          file=sys.stderr)
    sys.exit(2)

PARSER = Parser(Language(tree_sitter_powershell.language()))
HELP_KEYWORDS = ("SYNOPSIS", "DESCRIPTION", "PARAMETER", "EXAMPLE", "INPUTS", "OUTPUTS", "NOTES", "LINK",
                 "COMPONENT", "ROLE", "FUNCTIONALITY", "FORWARDHELPTARGETNAME", "FORWARDHELPCATEGORY",
                 "REMOTEHELPRUNSPACE", "EXTERNALHELP")


def walk(node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def text(src, node):
    return src[node.start_byte:node.end_byte].decode("utf-8", "replace")


def syntax_problems(name, src):
    tree = PARSER.parse(src)
    out = []
    for n in walk(tree.root_node):
        line, col = n.start_point[0] + 1, n.start_point[1] + 1
        if n.type == "ERROR":
            out.append(f"{name}:{line}:{col}: syntax error near {text(src, n)[:40]!r}")
        elif n.is_missing:
            out.append(f"{name}:{line}:{col}: missing {n.type!r}")
        elif n.type == "pipeline_chain_tail":
            out.append(f"{name}:{line}:{col}: && and || need PowerShell 7; the modules support 5.1")
    return tree, out


def function_parts(src, tree):
    """(name, help comment text, [parameter names], node) for each top-level function."""
    funcs = []
    for n in walk(tree.root_node):
        if n.type != "function_statement":
            continue
        fname = next((text(src, c) for c in n.children if c.type == "function_name"), "")
        help_text = ""
        params = []
        for c in walk(n):
            if c.type == "comment" and not help_text and text(src, c).startswith("<#"):
                help_text = text(src, c)
            if c.type == "param_block":
                # The function's own param block only (the first one met).
                if not params:
                    for p in walk(c):
                        if p.type == "script_parameter":
                            var = next((v for v in p.children if v.type == "variable"), None)
                            if var is not None:
                                params.append(text(src, var).lstrip("$"))
        funcs.append((fname, help_text, params, n))
    return funcs


def help_problems(name, fname, help_text, params):
    out = []
    if not help_text:
        return [f"{name}: {fname} has no comment-based help"]
    found = {}
    for m in re.finditer(r"^\s*\.([A-Za-z]+)[ \t]*([^\r\n]*)$", help_text, re.M):
        key = m.group(1).upper()
        if key in HELP_KEYWORDS:
            found.setdefault(key, []).append(m.group(2).strip())
    for key in ("SYNOPSIS", "DESCRIPTION", "OUTPUTS"):
        if key not in found:
            out.append(f"{name}: {fname} help lacks .{key}")
    if "EXAMPLE" not in found:
        out.append(f"{name}: {fname} help has no .EXAMPLE")
    documented = {p.lower() for p in found.get("PARAMETER", [])}
    for p in params:
        if p.lower() not in documented:
            out.append(f"{name}: {fname} help lacks .PARAMETER {p}")
    for p in sorted(documented - {p.lower() for p in params}):
        out.append(f"{name}: {fname} help documents .PARAMETER {p}, which is not a parameter")
    return out


def manifest_exports(src):
    m = re.search(r"FunctionsToExport\s*=\s*(@\((.*?)\)|'[^']*'|\"[^\"]*\")", src, re.S)
    if not m:
        return None
    body = m.group(2) if m.group(2) is not None else m.group(1)
    return re.findall(r"['\"]([^'\"]+)['\"]", body)


def check_module(manifest, read):
    """Exports and help of one module folder."""
    out = []
    public = manifest.parent / "Public"
    exports = manifest_exports(manifest.read_text(encoding="utf-8-sig"))
    files = sorted(p.stem for p in public.glob("*.ps1"))
    if exports is None:
        return [f"{manifest}: no explicit FunctionsToExport"]
    if any("*" in e for e in exports):
        out.append(f"{manifest}: FunctionsToExport has a wildcard")
    if sorted(exports) != files:
        out.append(f"{manifest}: FunctionsToExport {sorted(exports)} differs from Public/ {files}")
    for path in sorted(public.glob("*.ps1")):
        src, tree = read(path)
        funcs = function_parts(src, tree)
        names = [f[0] for f in funcs]
        if names != [path.stem]:
            out.append(f"{path}: defines {names}; a Public/ file defines exactly the function it is named after")
        for fname, help_text, params, _ in funcs:
            out.extend(help_problems(str(path), fname, help_text, params))
    return out


def check_tree(root):
    problems = []
    cache = {}

    def read(path):
        if path not in cache:
            src = path.read_bytes()
            cache[path] = (src, syntax_problems(str(path), src))
        src, (tree, _) = cache[path]
        return src, tree

    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in (".ps1", ".psm1", ".psd1") and p.is_file())
    for path in files:
        read(path)
        problems.extend(cache[path][1][1])
    manifests = [p for p in files if p.suffix.lower() == ".psd1" and (p.parent / "Public").is_dir()]
    for manifest in manifests:
        problems.extend(check_module(manifest, read))
    return problems, len(files), len(manifests)


def self_test():
    broken = {
        "missing brace": b"function f {\n  if ($true) {\n",
        "unterminated string": b"$a = 'abc\n",
        "bad array": b"$a = @(1,2,;\n",
        "pipeline chain": b"Get-Item a && Get-Item b\n",
        "null coalescing": b"$y = $x ?? 1\n",
        "hashtable without value": b"$h = @{ b = }\n",
    }
    for what, src in broken.items():
        assert syntax_problems("t", src)[1], f"self-test: {what} was not flagged"
    good = b"function f {\n  param([string]$a)\n  if ($a) { 'x' } else { 'y' }\n}\n"
    assert not syntax_problems("t", good)[1], "self-test: a valid script was flagged"
    src = (b"function Get-X {\n<#\n.SYNOPSIS\ns\n.DESCRIPTION\nd\n.PARAMETER A\na\n.EXAMPLE\ne\n.OUTPUTS\no\n#>\n"
           b"[CmdletBinding()]\nparam([string]$A, [int]$B)\n}\n")
    tree = PARSER.parse(src)
    (fname, help_text, params, _), = function_parts(src, tree)
    assert params == ["A", "B"], params
    assert help_problems("t", fname, help_text, params) == ["t: Get-X help lacks .PARAMETER B"]
    assert manifest_exports("@{ FunctionsToExport = @(\n 'A'\n 'B'\n) }") == ["A", "B"]


def main():
    self_test()
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "powershell"
    problems, n_files, n_modules = check_tree(root)
    for p in problems:
        print(p)
    if problems:
        print(f"pscheck: {len(problems)} problem(s)")
        return 1
    print(f"pscheck: {n_files} files parse; {n_modules} manifests match their Public/ folders; help complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
