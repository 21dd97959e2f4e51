#!/usr/bin/env bash
# Cross-builds UserPhoto for Windows x64 (x86_64-pc-windows-gnu) on Debian 12: the library
# (userphoto.dll) and the CLI (userphoto.exe) for the package, plus the Rust test programs and
# the C ABI test program that scripts/test-windows.sh runs under Wine.
#
#   bash scripts/build-windows.sh            the test build (installs what it needs from Debian first)
#   bash scripts/build-windows.sh --dist     the release build for the package
#
# Test build: target/windows/x86_64-pc-windows-gnu/release/ (userphoto.dll and userphoto.exe
# with default features, the test programs, abi_test.exe), for scripts/test-windows.sh.
# Release build: target/windows/dist/win-x64/{userphoto.dll,userphoto.exe}: the DLL built with
# --no-default-features (no Graph emulator, none of the CLI's dependencies), as on Linux.
#
# How, and why this way (Debian 12 has no Rust standard library for Windows that is new
# enough for this crate, and rustup cannot download one offline):
# - rustc-web/cargo-web 1.96 (/usr/bin/rustc, /usr/bin/cargo) build the standard library from
#   rust-web-src with -Zbuild-std (RUSTC_BOOTSTRAP=1 unlocks the flag on this stable rustc).
#   The standard library's own crates come from rust-web-src's library/vendor; when the
#   project's crates are vendored (../shared/vendor), both sets are offered to cargo as one
#   directory source under target/windows/vendor.
# - mingw-w64 gcc links and compiles the -sys crates' C (mozjpeg, lcms2, sqlite, aws-lc);
#   nasm assembles libjpeg-turbo's SIMD. The win32-threads mingw variant and +crt-static keep
#   libgcc and winpthread inside the binaries, so they import only DLLs that every Windows
#   has (msvcrt.dll is Windows' own C runtime); scripts/test-windows.sh checks the imports.
# - The test build is one cargo invocation, one profile (release without debug info, symbols
#   stripped): the DLL, the CLI and the test programs, so the dependencies are compiled once.
#   The target directory is target/windows: another compiler than the Linux build's.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mode=test
case "${1:-}" in
  "") ;;
  --dist) mode=dist ;;
  *) echo "usage: $0 [--dist]" >&2; exit 2 ;;
esac
triple=x86_64-pc-windows-gnu
# The integration tests scripts/test-windows.sh runs (the others cannot run under Wine; see there).
wine_tests=(bad_inputs fixtures color capi cli alloc_limits graph capi_graph emulator sync)

# --- Debian packages -------------------------------------------------------------------------
packages=(rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 nasm wine64)
missing=()
for p in "${packages[@]}"; do
  [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) == 0 ]] || sudo=sudo
  echo "build-windows: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
rustc_version=$(dpkg-query -W -f='${Version}' rustc-web)
src_version=$(dpkg-query -W -f='${Version}' rust-web-src)
if [[ $rustc_version != "$src_version" ]]; then
  echo "build-windows: rustc-web $rustc_version and rust-web-src $src_version differ; -Zbuild-std needs the same version" >&2
  exit 1
fi
std_src=/usr/lib/rustlib/src/rust/library
[[ -d $std_src/vendor ]] || { echo "build-windows: $std_src/vendor is missing (rust-web-src)" >&2; exit 1; }

# --- Crate sources ---------------------------------------------------------------------------
cargo_args=()
if [[ ${USERPHOTO_CRATES:-vendored} != registry && -f ../shared/vendor/use-vendored-crates.sh ]]; then
  project_vendor="$(bash ../shared/vendor/use-vendored-crates.sh | tail -n 1)/vendor"
  merged=$root/target/windows/vendor
  rm -rf "$merged" && mkdir -p "$merged"
  # Same name-version in both: the project's copy (the checksums are crates.io's either way).
  for d in "$project_vendor"/* "$std_src"/vendor/*; do
    [[ -e $merged/${d##*/} ]] || ln -s "$d" "$merged/"
  done
  cargo_args+=(--offline --config 'source.crates-io.replace-with="userphoto-windows"'
    --config "source.userphoto-windows.directory=\"$merged\"")
fi

# --- Build -----------------------------------------------------------------------------------
export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$root/target/windows
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUSTFLAGS="-C target-feature=+crt-static"
export CC_x86_64_pc_windows_gnu=x86_64-w64-mingw32-gcc AR_x86_64_pc_windows_gnu=x86_64-w64-mingw32-ar
export CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=symbols
unset RUSTFLAGS RUSTC_WRAPPER
jobs=${CARGO_BUILD_JOBS:-2}
# cargo_windows SUBCOMMAND ARGS...: cargo for Windows x64, release profile, std built here.
cargo_windows() {
  local sub=$1
  shift
  nice -n 10 /usr/bin/cargo "$sub" --locked --release --target "$triple" -Zbuild-std=std -j "$jobs" "${cargo_args[@]}" "$@"
}
out=$CARGO_TARGET_DIR/$triple/release
started=$SECONDS

if [[ $mode == dist ]]; then
  # Two invocations: the library without default features, then the CLI with them.
  cargo_windows build --lib --no-default-features
  cp "$out/userphoto.dll" "$CARGO_TARGET_DIR/userphoto-dist.dll"
  cargo_windows build --bin userphoto
  dist=$CARGO_TARGET_DIR/dist/win-x64
  mkdir -p "$dist"
  mv "$CARGO_TARGET_DIR/userphoto-dist.dll" "$dist/userphoto.dll"
  cp "$out/userphoto.exe" "$dist/"
  echo "build-windows: $dist: $(cd "$dist" && ls -l userphoto.dll userphoto.exe | awk '{printf "%s %d bytes; ", $NF, $5}')built in $((SECONDS - started)) s"
  exit 0
fi

test_args=()
for t in "${wine_tests[@]}"; do test_args+=(--test "$t"); done
# `cargo test --no-run` builds the library (cdylib + rlib), the CLI (the tests run it) and the
# test programs in one go. Not the library's unit tests: they would compile the crate once
# more, and the integration tests reach the same code through the public API.
cargo_windows test --no-run "${test_args[@]}" \
  --message-format=json-render-diagnostics > "$CARGO_TARGET_DIR/build-windows.json"
# `cargo test` leaves the DLL in deps/; a `cargo build` to copy it out would compile every
# dependency again (without the test targets, features resolve differently).
cp "$out/deps/userphoto.dll" "$out/deps/libuserphoto.dll.a" "$out/"
# "<test name> <program>" per line, for scripts/test-windows.sh.
python3 - "$CARGO_TARGET_DIR/build-windows.json" > "$out/wine-tests.txt" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["profile"]["test"] and m.get("executable"):
        print(m["target"]["name"] if m["target"]["kind"] == ["test"] else "lib", m["executable"])
PY
for f in userphoto.dll userphoto.exe; do
  [[ -f $out/$f ]] || { echo "build-windows: $out/$f was not built" >&2; exit 1; }
done

# The C program of tests/c, against the header and the DLL's import library.
x86_64-w64-mingw32-gcc -std=c99 -Wall -Wextra -Werror -O1 -I include tests/c/abi_test.c \
  -L "$out" -l:libuserphoto.dll.a -static -o "$out/abi_test.exe"
echo "build-windows: $out: $(cd "$out" && ls -l userphoto.dll userphoto.exe | awk '{printf "%s %d bytes; ", $NF, $5}')built in $((SECONDS - started)) s"
