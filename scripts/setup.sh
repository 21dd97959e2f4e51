#!/usr/bin/env bash
# Installs what building and testing UserPhoto needs on a fresh Debian 12 machine, and is
# safe to run again (it installs only what is missing):
# - Debian packages: nasm (libjpeg-turbo's SIMD in mozjpeg-sys), a C compiler (mozjpeg,
#   lcms2, the C ABI test), valgrind (the C program's memory check), Mono (the module's C#
#   compiled as Windows PowerShell 5.1 would), a Samba AD DC and ldap-utils (the directory
#   tests), openssl;
# - the crates: from ../shared/vendor when it is there (machines without the crate
#   registry), else from the registry;
# - PowerShell 7.6 (the `pwsh` on PATH if there is one, else the .NET global tool) and
#   Pester 5.7.1 (from NuGet, into target/tools/), for the PowerShell tests.
# Rust comes from rustup with rustfmt and clippy.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

need=()
command -v nasm >/dev/null || need+=(nasm)
command -v cc >/dev/null || need+=(gcc libc6-dev)
command -v valgrind >/dev/null || need+=(valgrind)
command -v mcs >/dev/null || need+=(mono-mcs)
command -v mono >/dev/null || need+=(mono-runtime)
# samba-ad-provision is only a Recommends of samba-ad-dc, but provisioning needs it.
command -v samba >/dev/null || need+=(samba-ad-dc)
[ -d /usr/share/samba/setup ] || need+=(samba-ad-provision)
command -v ldapsearch >/dev/null || need+=(ldap-utils)
command -v openssl >/dev/null || need+=(openssl)
command -v curl >/dev/null || need+=(curl ca-certificates)
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Crates: where the registry cannot be reached, ../shared/vendor holds every crate of
# Cargo.lock (USERPHOTO_CRATES=registry keeps the registry).
if [ -f "$repo/../shared/vendor/use-vendored-crates.sh" ]; then
  bash "$repo/../shared/vendor/use-vendored-crates.sh" >/dev/null
fi

command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust with rustup first" >&2; exit 1; }
cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
cargo clippy --version >/dev/null 2>&1 || rustup component add clippy

# PowerShell 7: the one on PATH, else the .NET global tool (needs the .NET SDK).
export PATH="$PATH:$HOME/.dotnet/tools"
if ! command -v pwsh >/dev/null; then
  command -v dotnet >/dev/null || {
    echo "setup: neither pwsh nor the .NET SDK is installed; install PowerShell 7 (https://aka.ms/install-powershell)" >&2
    exit 1
  }
  echo "setup: installing PowerShell 7.6.9 (dotnet tool install --global PowerShell)"
  dotnet tool install --global PowerShell --version 7.6.9 >/dev/null
fi

# Pester 5.7.1, from NuGet (the package holds the module under tools/): a throwaway
# project's PackageDownload fetches it without building anything. Without the .NET SDK,
# from the PowerShell Gallery. scripts/test-powershell.sh looks in both places.
if [ ! -f "$repo/target/tools/pester/5.7.1/tools/Pester.psd1" ] && [ ! -f "$repo/target/tools/Pester/5.7.1/Pester.psd1" ]; then
  mkdir -p "$repo/target/tools"
  if command -v dotnet >/dev/null; then
    echo "setup: installing Pester 5.7.1 from NuGet into target/tools/"
    restore="$repo/target/tools/restore"
    mkdir -p "$restore"
    cat >"$restore/restore.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Pester" Version="[5.7.1]" /></ItemGroup>
</Project>
XML
    dotnet restore "$restore/restore.csproj" --packages "$repo/target/tools" >"$restore/restore.log" 2>&1 ||
      { echo "setup: restoring Pester failed:" >&2; cat "$restore/restore.log" >&2; exit 1; }
  else
    echo "setup: installing Pester 5.7.1 from the PowerShell Gallery into target/tools/"
    pwsh -NoProfile -Command "Save-Module -Name Pester -RequiredVersion 5.7.1 -Repository PSGallery -Path '$repo/target/tools'"
  fi
fi
