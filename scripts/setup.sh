#!/usr/bin/env bash
# Installs what building and testing UserPhoto needs on a fresh Debian 12 machine:
# nasm (libjpeg-turbo's SIMD in mozjpeg-sys), a C compiler (mozjpeg, lcms2, the C ABI test)
# and valgrind (the C program's memory check). Rust comes from rustup with rustfmt and clippy.
set -euo pipefail

need=()
command -v nasm >/dev/null || need+=(nasm)
command -v cc >/dev/null || need+=(gcc libc6-dev)
command -v valgrind >/dev/null || need+=(valgrind)
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust with rustup first" >&2; exit 1; }
cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
