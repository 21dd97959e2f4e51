#!/usr/bin/env bash
# CI smoke run of every fuzz target in fuzz/ (see fuzz/README.md): builds them under
# AddressSanitizer and runs each from its committed corpus and seeds for a bounded time with a
# fixed seed. Exits non-zero on any crash, panic, leak, timeout (> FUZZ_TIMEOUT s per input)
# or out-of-memory (> 512 MiB); prints the executions and coverage of each target.
#
# Installs what it needs, once: cargo-fuzz (from the vendored source when the registry cannot
# be reached), clang-19 (the C libraries are built with it, instrumented like the Rust code).
#
#   bash scripts/fuzz-smoke.sh                  # every target, FUZZ_SECONDS (default 20) each
#   FUZZ_SECONDS=60 bash scripts/fuzz-smoke.sh photo capi_json
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
seconds=${FUZZ_SECONDS:-20}
timeout=${FUZZ_TIMEOUT:-2}
all=(photo photo_faces photo_metadata feed_csv feed_folder graph_responses capi_json emulator_http)
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")

started=$SECONDS
source "$repo/fuzz/env.sh"
fuzz_install_tools

echo "fuzz-smoke: building ${#all[@]} targets (AddressSanitizer)"
fuzz_build
built=$SECONDS
echo "fuzz-smoke: built in $((built - started)) s"

failed=()
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  log=$work/$t.log
  # The committed corpus is read, never written: new inputs go to the scratch copy.
  if fuzz_run "$t" "$work/$t" -seed=1 -max_total_time="$seconds" -timeout="$timeout" \
      -artifact_prefix="$work/$t-" >"$log" 2>&1; then
    echo "fuzz-smoke: $t ok: $(fuzz_summary "$log")"
  else
    echo "fuzz-smoke: $t FAILED: $(fuzz_summary "$log")"
    grep -E -A40 '^(==[0-9]+==ERROR|thread .* panicked|SUMMARY|ERROR: libFuzzer)' "$log" | head -60 || tail -40 "$log"
    for a in "$work/$t"-*; do
      [ -f "$a" ] && echo "fuzz-smoke: failing input ($(wc -c <"$a") bytes, base64): $(base64 -w0 "$a" | head -c 4000)"
    done
    failed+=("$t")
  fi
done
echo "fuzz-smoke: ${#targets[@]} targets, ${#failed[@]} failed, $((SECONDS - started)) s in all ($((SECONDS - built)) s fuzzing)"
((${#failed[@]} == 0))
