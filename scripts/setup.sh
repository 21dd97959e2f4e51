#!/usr/bin/env bash
# Installs what building and testing UserPhoto needs on a fresh Debian 12 machine:
# nasm (libjpeg-turbo's SIMD in mozjpeg-sys), a C compiler (mozjpeg, lcms2, the C ABI test)
# valgrind (the C program's memory check), Mono and tree-sitter (the PowerShell module's
# checks). Rust comes from rustup with rustfmt and clippy.
set -euo pipefail

need=()
command -v nasm >/dev/null || need+=(nasm)
command -v cc >/dev/null || need+=(gcc libc6-dev)
command -v valgrind >/dev/null || need+=(valgrind)
# Mono compiles and runs the PowerShell module's C# against the library (scripts/interop.sh).
command -v mcs >/dev/null || need+=(mono-mcs)
command -v mono >/dev/null || need+=(mono-runtime)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
# A Samba AD domain controller for the directory tests (scripts/samba-dc.sh).
# samba-ad-provision is only a Recommends of samba-ad-dc, but provisioning needs it.
command -v samba >/dev/null || need+=(samba-ad-dc)
[ -d /usr/share/samba/setup ] || need+=(samba-ad-provision)
command -v ldapsearch >/dev/null || need+=(ldap-utils)
command -v openssl >/dev/null || need+=(openssl)
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# tree-sitter's PowerShell grammar for scripts/pscheck.py, in a venv under target/.
venv="$(cd "$(dirname "$0")/.." && pwd)/target/pyvenv"
if ! "$venv/bin/python" -c 'import tree_sitter, tree_sitter_powershell' >/dev/null 2>&1; then
  echo "setup: installing tree-sitter and tree-sitter-powershell into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q tree-sitter==0.26.1 tree-sitter-powershell==0.26.4
fi

command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust with rustup first" >&2; exit 1; }
cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
