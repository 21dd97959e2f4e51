#!/usr/bin/env bash
# The whole test suite, as CI runs it: setup, formatting, lints, then every test.
# Tests and clippy share the dev profile, so dependencies are built once.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PATH:$HOME/.dotnet/tools" # pwsh, when setup installed it as a .NET global tool
export CI="${CI:-true}" # build.rs then leaves include/ alone, so a stale header fails its test
# tests/directory/ starts its own Samba AD DC (scripts/samba-dc.sh); here a missing samba
# is a failure, not a skip.
export USERPHOTO_REQUIRE_SAMBA=1
# A one-off build gains nothing from incremental state, which doubles the workspace's share
# of target/.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
# Each step says how much disk is left: a full disk shows up as a compiler crash otherwise.
step() { echo "== $* ($(df -h --output=avail . | tail -1 | tr -d ' ') free)"; }
step formatting and lints
cargo fmt --check
cargo fmt --check --manifest-path fuzz/Cargo.toml
cargo clippy --all-targets --locked -- -D warnings
# `cargo test` links tests against the rlib only; the C program needs the cdylib too, and
# the .NET and PowerShell tests the CLI's emulator.
step build and cargo test
cargo build --locked --lib --bin userphoto
cargo test --locked --no-fail-fast
# Microsoft's own clients (MSAL.NET, the Graph .NET SDK, Azure.Identity) against the emulator.
step .NET clients
SKIP_BUILD=1 bash scripts/test-clients.sh
# The tenant audit's contact sheet in Debian's chromium, through playwright-core.
step contact sheet in a browser
bash scripts/test-contact-sheet.sh
# The PowerShell modules: the C# shim under Mono (as Windows PowerShell 5.1 compiles it),
# then the Pester suite under pwsh, against the library, the emulator and a Samba DC.
step PowerShell
SKIP_BUILD=1 bash scripts/test-powershell.sh
# Windows x64: cross-built with mingw-w64 and run under Wine (it installs its Debian packages).
step Windows
bash scripts/test-windows.sh
# Coverage-guided fuzzing: a smoke run of every target under AddressSanitizer (fuzz/).
step fuzzing
bash scripts/fuzz-smoke.sh
step done
