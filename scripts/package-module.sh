#!/usr/bin/env bash
# Packages the PowerShell modules UserPhoto and UserPhoto.Compat for the PowerShell Gallery,
# with the native library of every runtime at hand, and the CLI beside them.
#
#   bash scripts/package-module.sh [OPTIONS]      -> out/package/
#       --linux-from DIR    take libuserphoto.so and userphoto from DIR (e.g. target/debug, as
#                           CI does after its tests) instead of a release build
#       --no-linux          without this machine's runtime (otherwise a release build here)
#       --no-windows        without win-x64 (otherwise cross-built by scripts/build-windows.sh --dist)
#       --windows-from DIR  take userphoto.dll and userphoto.exe from DIR (CI: the test build)
#       --runtimes DIR      add runtimes built elsewhere: DIR/<rid>/native/<library> and
#                           DIR/<rid>/cli/userphoto[.exe] (the CI matrix's osx-arm64, osx-x64,
#                           linux-arm64, win-arm64; see .github/workflows/release.yml)
#       --project-uri URL --license-uri URL
#                           the manifests' ProjectUri/LicenseUri (the project has no public
#                           address yet, so by default the package has neither)
#   bash scripts/package-module.sh --debug         development: this machine's debug library
#   bash scripts/package-module.sh --local         development: this machine's release library
#       (both into powershell/UserPhoto/runtimes/<rid>/native/, where Import-Module
#       ./powershell/UserPhoto finds it)
#
# Release libraries are built with --no-default-features: no Graph emulator and none of the
# CLI's dependencies in the library an admin's PowerShell session loads. The CLI keeps
# `userphoto emulate` (the quick start of about_UserPhoto uses it).
#
# out/package/ then holds:
#   UserPhoto/, UserPhoto.Compat/    module folders, ready for Publish-PSResource (LICENSE in each;
#                                    UserPhoto/runtimes/<rid>/native/ per runtime)
#   cli/<rid>/userphoto[.exe]        the command-line tool, for scheduled jobs without PowerShell
#   nupkg/*.nupkg                    the same modules as .nupkg, when pwsh has PSResourceGet
#   SHA256SUMS
# One version: Cargo.toml's. Packaging stops if a module manifest says another one.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

host_rid() {
  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=osx ;;
    MINGW* | MSYS* | CYGWIN*) os=win ;;
    *) echo "package-module: unsupported OS $(uname -s)" >&2; exit 1 ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "package-module: unsupported architecture $(uname -m)" >&2; exit 1 ;;
  esac
  echo "$os-$arch"
}
library_file() {
  case "$1" in
    win-*) echo userphoto.dll ;;
    osx-*) echo libuserphoto.dylib ;;
    *) echo libuserphoto.so ;;
  esac
}

# --- development modes: the library of this machine into the source tree --------------------
if [[ ${1:-} == --debug || ${1:-} == --local ]]; then
  (($# == 1)) || { echo "usage: $0 --debug | --local" >&2; exit 2; }
  profile=release
  [[ $1 == --debug ]] && profile=debug
  if [[ $profile == release ]]; then
    cargo build --locked --release --lib --no-default-features
  else
    cargo build --locked --lib
  fi
  rid=$(host_rid)
  file=$(library_file "$rid")
  dest="powershell/UserPhoto/runtimes/$rid/native"
  mkdir -p "$dest"
  cp "target/$profile/$file" "$dest/$file"
  echo "package-module: $dest/$file ($profile build)"
  exit 0
fi

# --- the package -------------------------------------------------------------------------------
linux_from="" windows_from="" linux=1 windows=1 extra_runtimes="" project_uri="" license_uri=""
while (($#)); do
  case "$1" in
    --linux-from) linux_from=${2:?--linux-from needs a directory}; shift 2 ;;
    --no-linux) linux=0; shift ;;
    --no-windows) windows=0; shift ;;
    --windows-from) windows_from=${2:?--windows-from needs a directory}; shift 2 ;;
    --runtimes) extra_runtimes=${2:?--runtimes needs a directory}; shift 2 ;;
    --project-uri) project_uri=${2:?--project-uri needs a URL}; shift 2 ;;
    --license-uri) license_uri=${2:?--license-uri needs a URL}; shift 2 ;;
    *) echo "package-module: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
if [[ -n $project_uri$license_uri && ( -z $project_uri || -z $license_uri ) ]]; then
  echo "package-module: give both --project-uri and --license-uri, or neither" >&2
  exit 2
fi
for uri in $project_uri $license_uri; do
  [[ $uri == https://* ]] || { echo "package-module: $uri is not an https:// URL" >&2; exit 2; }
done

version=$(sed -nE '0,/^version *= *"([^"]+)"/s//\1/p' Cargo.toml)
[[ -n $version ]] || { echo "package-module: no version in Cargo.toml" >&2; exit 1; }
for m in powershell/UserPhoto/UserPhoto.psd1 powershell/UserPhoto.Compat/UserPhoto.Compat.psd1; do
  v=$(sed -nE "s/^ *ModuleVersion *= *'([^']+)'.*/\1/p" "$m")
  if [[ $v != "$version" ]]; then
    echo "package-module: $m has ModuleVersion '$v' but Cargo.toml has version '$version'; they must be the same" >&2
    exit 1
  fi
done

pkg=$root/out/package
rm -rf "$pkg"
mkdir -p "$pkg"
# The modules' own files: what git tracks (no runtimes/ a developer placed, no editor files).
for m in UserPhoto UserPhoto.Compat; do
  git ls-files -z "powershell/$m" | while IFS= read -r -d '' f; do
    mkdir -p "$pkg/$(dirname "${f#powershell/}")"
    cp "$f" "$pkg/${f#powershell/}"
  done
  cp LICENSE "$pkg/$m/LICENSE"
  manifest=$pkg/$m/$m.psd1
  if [[ -n $project_uri ]]; then
    # After the marker comment in PSData; the source manifests carry no address.
    sed -i "/# ProjectUri and LicenseUri: added by scripts\/package-module.sh/a\\
            ProjectUri = '$project_uri'\\
            LicenseUri = '$license_uri'" "$manifest"
    grep -q "ProjectUri = '$project_uri'" "$manifest" || { echo "package-module: no ProjectUri marker in $manifest" >&2; exit 1; }
  fi
done
# Installed from the gallery, UserPhoto.Compat must bring UserPhoto of the same version. The
# checkout's manifest cannot say so: RequiredModules is looked up only on PSModulePath, so
# `Import-Module ./powershell/UserPhoto.Compat` would fail (its .psm1 imports the module beside it).
compat=$pkg/UserPhoto.Compat/UserPhoto.Compat.psd1
sed -i "s/^\( *\)CompatiblePSEditions = .*/&\n\1RequiredModules = @(@{ ModuleName = 'UserPhoto'; RequiredVersion = '$version' })/" "$compat"
grep -q "RequiredModules = @(@{ ModuleName = 'UserPhoto'; RequiredVersion = '$version' })" "$compat" ||
  { echo "package-module: could not add RequiredModules to $compat" >&2; exit 1; }

# add_runtime RID LIBRARY [CLI]
add_runtime() {
  local rid=$1 lib=$2 cli=${3:-}
  local file
  file=$(library_file "$rid")
  [[ -f $lib ]] || { echo "package-module: $lib (for $rid) does not exist" >&2; exit 1; }
  mkdir -p "$pkg/UserPhoto/runtimes/$rid/native"
  cp "$lib" "$pkg/UserPhoto/runtimes/$rid/native/$file"
  if [[ -n $cli ]]; then
    [[ -f $cli ]] || { echo "package-module: $cli (for $rid) does not exist" >&2; exit 1; }
    mkdir -p "$pkg/cli/$rid"
    cp "$cli" "$pkg/cli/$rid/"
    cp LICENSE "$pkg/cli/$rid/LICENSE"
  fi
  echo "package-module: $rid: $(stat -c %s "$lib") bytes${cli:+, CLI $(stat -c %s "$cli") bytes}"
}

rid=$(host_rid)
if ((linux)) && [[ $rid == linux-* ]]; then
  if [[ -z $linux_from ]]; then
    # Stripped: the line tables that Cargo.toml's release profile keeps (for backtraces while
    # developing) would make the package ten times larger.
    export CARGO_PROFILE_RELEASE_STRIP=symbols CARGO_PROFILE_RELEASE_DEBUG=false CARGO_TARGET_DIR=$root/target/package
    cargo build --locked --release --lib --no-default-features
    cargo build --locked --release --bin userphoto
    unset CARGO_TARGET_DIR
    linux_from=$root/target/package/release
  fi
  add_runtime "$rid" "$linux_from/libuserphoto.so" "$linux_from/userphoto"
fi
if ((windows)); then
  if [[ -z $windows_from ]]; then
    bash scripts/build-windows.sh --dist
    windows_from=target/windows/dist/win-x64
  fi
  add_runtime win-x64 "$windows_from/userphoto.dll" "$windows_from/userphoto.exe"
fi
if [[ -n $extra_runtimes ]]; then
  for d in "$extra_runtimes"/*/; do
    r=$(basename "$d")
    exe=userphoto
    [[ $r == win-* ]] && exe=userphoto.exe
    add_runtime "$r" "$d/native/$(library_file "$r")" "$(ls "$d/cli/$exe" 2>/dev/null || true)"
  done
fi

# .nupkg files, as Publish-PSResource would upload them (Compress-PSResource: PSResourceGet 1.1+).
pwsh=$(command -v pwsh || true)
[[ -n $pwsh ]] || { [[ -x $HOME/.dotnet/tools/pwsh ]] && pwsh=$HOME/.dotnet/tools/pwsh; }
if [[ -n $pwsh ]] && "$pwsh" -NoProfile -NonInteractive -c 'if (-not (Get-Command Compress-PSResource -ErrorAction SilentlyContinue)) { exit 1 }'; then
  mkdir -p "$pkg/nupkg"
  USERPHOTO_PACKAGE=$pkg "$pwsh" -NoProfile -NonInteractive -c '
    $ErrorActionPreference = "Stop"
    # Its manifest check looks for UserPhoto.Compat'"'"'s RequiredModules on PSModulePath.
    $env:PSModulePath = $env:USERPHOTO_PACKAGE + [IO.Path]::PathSeparator + $env:PSModulePath
    foreach ($m in "UserPhoto", "UserPhoto.Compat") {
      Compress-PSResource -Path (Join-Path $env:USERPHOTO_PACKAGE $m) -DestinationPath (Join-Path $env:USERPHOTO_PACKAGE "nupkg")
    }'
  ls "$pkg/nupkg"
else
  echo "package-module: no pwsh with Compress-PSResource: no .nupkg (the folders are publishable as they are)"
fi

(cd "$pkg" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum >SHA256SUMS)
echo "package-module: $pkg (version $version; runtimes: $(ls "$pkg/UserPhoto/runtimes" | tr '\n' ' '))"
