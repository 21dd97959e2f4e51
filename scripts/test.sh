#!/usr/bin/env bash
# The whole test suite, as CI runs it: setup, formatting, lints, then every test.
# Tests and clippy share the dev profile, so dependencies are built once.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CI="${CI:-true}" # build.rs then leaves include/ alone, so a stale header fails its test
# tests/directory.rs starts its own Samba AD DC (scripts/samba-dc.sh); here a missing samba
# is a failure, not a skip.
export USERPHOTO_REQUIRE_SAMBA=1
cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
# `cargo test` links tests against the rlib only; the C program needs the cdylib too.
cargo build --locked --lib
cargo test --locked --no-fail-fast
# The PowerShell modules without PowerShell: syntax, exports and help (tree-sitter), then
# NativeMethods.cs against the header, the library and the emulator (Mono).
target/pyvenv/bin/python scripts/pscheck.py
bash scripts/interop.sh
