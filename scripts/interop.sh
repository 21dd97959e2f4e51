#!/usr/bin/env bash
# Interop tests of the PowerShell module's native layer, without PowerShell: checks
# NativeMethods.cs against include/userphoto.h, then compiles tests/interop/Harness.cs with
# Mono's mcs (C# 5) together with the module's own NativeMethods.cs (the library path put
# in exactly as UserPhoto.psm1 does) and runs it against target/debug/libuserphoto.so and
# `userphoto emulate`. Set SKIP_BUILD=1 when the library and binary are already built.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/check_interop.py
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --locked --lib --bin userphoto
lib="$PWD/target/debug/libuserphoto.so"
[ -f "$lib" ] || { echo "interop: $lib not found; run: cargo build --lib" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The .psm1's substitution: the token inside a verbatim C# string, quotes doubled.
python3 - "$lib" powershell/UserPhoto/native/NativeMethods.cs "$tmp/NativeMethods.cs" <<'PY'
import sys
lib, src, dst = sys.argv[1:]
text = open(src, encoding="utf-8").read()
assert "__USERPHOTO_LIBRARY__" in text
open(dst, "w", encoding="utf-8").write(text.replace("__USERPHOTO_LIBRARY__", lib.replace('"', '""')))
PY
mcs -langversion:5 -warnaserror+ -nologo -out:"$tmp/Harness.exe" "$tmp/NativeMethods.cs" tests/interop/Harness.cs
mono --debug "$tmp/Harness.exe" "$PWD/target/debug/userphoto" "$PWD/samples"
