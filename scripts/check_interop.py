#!/usr/bin/env python3
"""Checks powershell/UserPhoto/native/NativeMethods.cs against include/userphoto.h.

- every DllImport entry point exists in the header, with the same number of parameters;
- every up_ function in the header is declared;
- every opaque handle type (typedef struct up_x up_x) has a SafeHandle class UpXHandle whose
  ReleaseHandle calls up_x_free;
- every UpStatus member has the header's numeric value (UP_STATUS_<NAME>), and every
  header status has a member;
- every DllImport names CallingConvention.Cdecl and the library token the .psm1 replaces,
  and the .psm1 replaces it the way scripts/test-powershell.sh does.
Exit 1 with one line per problem.
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ROOT / "include" / "userphoto.h"
CS = ROOT / "powershell" / "UserPhoto" / "native" / "NativeMethods.cs"
PSM1 = ROOT / "powershell" / "UserPhoto" / "UserPhoto.psm1"
# The substitution scripts/test-powershell.sh mirrors for the Mono harness.
PSM1_REPLACE = """.Replace('__USERPHOTO_LIBRARY__', $library.Replace('"', '""'))"""
TOKEN = "__USERPHOTO_LIBRARY__"


def strip_c_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", "", text, flags=re.S)


def header_functions(text):
    funcs = {}
    for m in re.finditer(r"\b(up_\w+)\s*\(([^;{]*?)\)\s*;", strip_c_comments(text), re.S):
        params = m.group(2).strip()
        funcs[m.group(1)] = 0 if params in ("", "void") else params.count(",") + 1
    return funcs


def header_handles(text):
    return sorted(set(re.findall(r"typedef struct (up_\w+) \1;", text)))


def header_statuses(text):
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"\bUP_STATUS_(\w+)\s*=\s*(-?\d+)", text)}


def cs_imports(text):
    out = {}
    pattern = r"\[DllImport\(([^)]*)\)\]\s*internal static extern [\w\[\]]+ (\w+)\(([^)]*)\);"
    for m in re.finditer(pattern, text):
        params = m.group(3).strip()
        out[m.group(2)] = (m.group(1), 0 if not params else params.count(",") + 1)
    return out


def cs_enum(text, name):
    m = re.search(r"enum " + name + r"\s*\{(.*?)\}", text, re.S)
    if not m:
        return {}
    return {k: int(v) for k, v in re.findall(r"(\w+)\s*=\s*(-?\d+)", m.group(1))}


def snake_upper(pascal):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", pascal).upper()


def check(header_text, cs_text):
    problems = []
    funcs = header_functions(header_text)
    imports = cs_imports(cs_text)
    if not imports:
        problems.append("NativeMethods.cs: no DllImport declarations found")
    if len(re.findall(r"\[DllImport\(", cs_text)) != len(imports):
        problems.append("NativeMethods.cs: a DllImport declaration has an unexpected shape")
    for name, (attr, arity) in sorted(imports.items()):
        if name not in funcs:
            problems.append(f"NativeMethods.cs: {name} is not in userphoto.h")
        elif funcs[name] != arity:
            problems.append(f"NativeMethods.cs: {name} takes {arity} parameters, the header says {funcs[name]}")
        if "CallingConvention.Cdecl" not in attr:
            problems.append(f"NativeMethods.cs: {name} lacks CallingConvention.Cdecl")
        if not attr.startswith("Library"):
            problems.append(f"NativeMethods.cs: {name} does not import from Library")
    for name in sorted(set(funcs) - set(imports)):
        problems.append(f"NativeMethods.cs: {name} from userphoto.h is not declared")
    for handle in header_handles(header_text):
        cls = "Up" + "".join(w.capitalize() for w in handle[3:].split("_")) + "Handle"
        m = re.search(r"class " + cls + r"\s*:\s*UpHandle\s*\{(.*?)\n    \}", cs_text, re.S)
        if not m:
            problems.append(f"NativeMethods.cs: no SafeHandle class {cls} (UpHandle) for {handle}")
        elif not re.search(r"ReleaseHandle\(\)[^}]*NativeMethods\." + handle + r"_free\(handle\)", m.group(1), re.S):
            problems.append(f"NativeMethods.cs: {cls}.ReleaseHandle does not call {handle}_free(handle)")
    if f'@"{TOKEN}"' not in cs_text:
        problems.append(f"NativeMethods.cs: the library constant must be @\"{TOKEN}\"")

    statuses = header_statuses(header_text)
    enum = cs_enum(cs_text, "UpStatus")
    for member, value in sorted(enum.items()):
        key = snake_upper(member)
        if key not in statuses:
            problems.append(f"UpStatus.{member}: UP_STATUS_{key} is not in userphoto.h")
        elif statuses[key] != value:
            problems.append(f"UpStatus.{member} = {value}, userphoto.h has UP_STATUS_{key} = {statuses[key]}")
    expected = {snake_upper(m) for m in enum}
    for key in sorted(set(statuses) - expected):
        problems.append(f"UP_STATUS_{key} = {statuses[key]} has no UpStatus member")
    return problems, len(imports), len(enum)


def self_test():
    header = "typedef enum { UP_STATUS_OK = 0, UP_STATUS_NO_PHOTO = 210 } up_status;\n" \
             "typedef struct up_thing up_thing;\n" \
             "up_status up_a(const char *x, int y);\nvoid up_b(void);\n"
    good = ('internal const string Library = @"__USERPHOTO_LIBRARY__";\n'
            "enum UpStatus { Ok = 0, NoPhoto = 210 }\n"
            "    public sealed class UpThingHandle : UpHandle\n    {\n"
            "        protected override bool ReleaseHandle() { NativeMethods.up_thing_free(handle); return true; }\n    }\n"
            "[DllImport(Library, CallingConvention = CallingConvention.Cdecl)]\n"
            "internal static extern UpStatus up_a(byte[] x, int y);\n"
            "[DllImport(Library, CallingConvention = CallingConvention.Cdecl)]\n"
            "internal static extern void up_b();\n")
    assert check(header, good)[0] == [], check(header, good)[0]
    bad = good.replace("NoPhoto = 210", "NoPhoto = 211").replace("int y", "int y, int z")
    bad = bad.replace("internal static extern void up_b();", "internal static extern void up_c();")
    problems = check(header, bad)[0]
    assert len(problems) == 4, problems  # value, arity, up_c unknown, up_b missing
    problems = check(header, good.replace("up_thing_free", "up_other_free"))[0]
    assert problems == ["NativeMethods.cs: UpThingHandle.ReleaseHandle does not call up_thing_free(handle)"], problems
    problems = check(header + "typedef struct up_big_deal up_big_deal;\n", good)[0]
    assert problems == ["NativeMethods.cs: no SafeHandle class UpBigDealHandle (UpHandle) for up_big_deal"], problems


def main():
    self_test()
    problems, n_imports, n_enum = check(HEADER.read_text(encoding="utf-8"), CS.read_text(encoding="utf-8"))
    if PSM1_REPLACE not in PSM1.read_text(encoding="utf-8"):
        problems.append(f"UserPhoto.psm1: no {PSM1_REPLACE}; keep it in step with scripts/test-powershell.sh")
    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"check_interop: {n_imports} entry points and {n_enum} status values match include/userphoto.h")
    return 0


if __name__ == "__main__":
    sys.exit(main())
