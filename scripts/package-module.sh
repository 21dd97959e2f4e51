#!/usr/bin/env bash
# Builds the native library and places it where the PowerShell module looks for it:
# powershell/UserPhoto/runtimes/<rid>/native/ (linux-x64, osx-arm64, win-x64, ...).
#   bash scripts/package-module.sh            release build
#   bash scripts/package-module.sh --debug    debug build (quicker; for development and tests)
# Then: pwsh -c 'Import-Module ./powershell/UserPhoto; Get-Command -Module UserPhoto'
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
case "${1:-}" in
  --debug) profile=debug ;;
  "") ;;
  *) echo "usage: $0 [--debug]" >&2; exit 2 ;;
esac
if [ "$profile" = release ]; then
  cargo build --locked --release --lib
else
  cargo build --locked --lib
fi

case "$(uname -s)" in
  Linux) os=linux; file=libuserphoto.so ;;
  Darwin) os=osx; file=libuserphoto.dylib ;;
  MINGW* | MSYS* | CYGWIN*) os=win; file=userphoto.dll ;;
  *) echo "package-module: unsupported OS $(uname -s)" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  i?86) arch=x86 ;;
  *) echo "package-module: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
# The module computes the same RID: "<os>-<ProcessArchitecture in lower case>".
dest="powershell/UserPhoto/runtimes/$os-$arch/native"
mkdir -p "$dest"
cp "target/$profile/$file" "$dest/$file"
echo "package-module: $dest/$file ($profile build)"
