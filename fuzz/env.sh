# Sourced by scripts/fuzz-smoke.sh and fuzz/long-run.sh: how the fuzz targets are built and
# run, in one place. See README.md.

fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fuzz_triple=x86_64-unknown-linux-gnu
fuzz_bin_dir="$fuzz_dir/target/$fuzz_triple/release"

# The dictionary of each target (libFuzzer takes one: the parts are joined).
fuzz_dicts() {
  case "$1" in
    photo) echo jpeg png gif webp bmp ;;
    photo_metadata) echo jpeg png ;;
    photo_faces) ;; # raw pixels: no markers to suggest
    feed_csv | feed_folder) echo csv ;;
    graph_responses) echo graph ;;
    capi_json) echo json ;;
    emulator_http) echo http ;;
  esac
}

# cargo-fuzz (vendored source when the registry is out of reach) and clang-19, if missing.
fuzz_install_tools() {
  if ! cargo fuzz --version >/dev/null 2>&1; then
    local vendored=${USERPHOTO_VENDOR_DIR:-/var/tmp/userphoto-vendor}/cargo-fuzz-0.13.2
    if [ -d "$vendored" ]; then
      cargo install --offline --locked --path "$vendored"
    else
      cargo install --locked cargo-fuzz --version 0.13.2
    fi
  fi
  if ! command -v clang-19 >/dev/null; then
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends clang-19 >/dev/null
  fi
}

# Build every target (or the ones named) under AddressSanitizer with debug assertions
# (overflow checks too). cargo-fuzz's nightly flags run on the stable toolchain with
# RUSTC_BOOTSTRAP=1. The C libraries (libjpeg-turbo, Little CMS, SQLite, aws-lc) are built
# by clang-19 with ASan and the same coverage counters, so libFuzzer sees inside them too
# (C only: libFuzzer itself, in C++, must stay uninstrumented).
fuzz_build() {
  local c_flags="-fsanitize=address -fsanitize-coverage=inline-8bit-counters,pc-table,trace-cmp -g"
  (cd "$fuzz_dir/.." &&
    RUSTC_BOOTSTRAP=1 \
      CC_x86_64_unknown_linux_gnu=clang-19 CFLAGS_x86_64_unknown_linux_gnu="$c_flags" \
      CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2} \
      nice -n "${FUZZ_NICE:-10}" cargo fuzz build --fuzz-dir fuzz -s address -a "$@")
}

# fuzz_run TARGET WORK_CORPUS [libFuzzer options...]: run a built target with the limits
# every run uses (512 MiB, 64 KB inputs); WORK_CORPUS receives new inputs, the committed
# corpus and seeds are read only.
fuzz_run() {
  local t=$1 work=$2
  shift 2
  local dict dict_arg=()
  dict=$(mktemp)
  for d in $(fuzz_dicts "$t"); do cat "$fuzz_dir/dict/$d.dict" >>"$dict"; done
  [ -s "$dict" ] && dict_arg=(-dict="$dict")
  local dirs=("$work")
  [ -d "$fuzz_dir/corpus/$t" ] && dirs+=("$fuzz_dir/corpus/$t")
  [ -d "$fuzz_dir/seeds/$t" ] && dirs+=("$fuzz_dir/seeds/$t")
  local rc=0
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_odr_violation=0} \
    nice -n "${FUZZ_NICE:-10}" "$fuzz_bin_dir/$t" -rss_limit_mb=512 -malloc_limit_mb=512 \
    -max_len=65536 "${dict_arg[@]}" -print_final_stats=1 "$@" "${dirs[@]}" || rc=$?
  rm -f "$dict"
  return $rc
}

# The last coverage line of a libFuzzer log: executions, coverage, features, corpus.
fuzz_summary() {
  local last
  last=$(grep -E '^#[0-9]+' "$1" | tail -1)
  local execs
  execs=$(grep -E '^stat::number_of_executed_units' "$1" | awk '{print $2}')
  echo "${execs:-?} execs; ${last:-no stats}"
}
