#!/usr/bin/env bash
# The long fuzzing run (outside CI): each target in turn, until it has run its executions
# (10 million for the photo-path targets, 1 million for the others; FUZZ_EXECS overrides),
# one target at a time at the lowest CPU priority. Logs and new inputs go to
# FUZZ_WORK (default /var/tmp/userphoto-fuzz); the committed corpus is not touched (fold the
# new inputs in with the "Seeds and corpora" steps of README.md).
#
#   bash fuzz/long-run.sh                    # every target
#   bash fuzz/long-run.sh photo capi_json    # some
#   FUZZ_MAX_SECONDS=3600 bash fuzz/long-run.sh photo   # stop a target after an hour at most
#
# Prints, per target: executions, coverage (cov), features (ft), corpus size, time, and any
# finding (the failing input is kept in FUZZ_WORK/<target>/artifacts/).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/env.sh"
work=${FUZZ_WORK:-/var/tmp/userphoto-fuzz}
all=(photo photo_faces photo_metadata feed_csv feed_folder graph_responses capi_json emulator_http)
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")
export FUZZ_NICE=${FUZZ_NICE:-19}

[ -n "${FUZZ_SKIP_BUILD:-}" ] || { fuzz_install_tools && fuzz_build; } || exit 1
status=0
for t in "${targets[@]}"; do
  case $t in
    photo | photo_faces | photo_metadata) runs=${FUZZ_EXECS:-10000000} ;;
    *) runs=${FUZZ_EXECS:-1000000} ;;
  esac
  mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
  log=$work/$t/run-$(date +%Y%m%d-%H%M%S).log
  echo "long-run: $t: $runs executions, log $log"
  start=$SECONDS
  # -runs bounds the executions; a finding stops the target (libFuzzer exits non-zero).
  if fuzz_run "$t" "$work/$t/corpus" -seed="${FUZZ_SEED:-1}" -runs="$runs" \
      -max_total_time="${FUZZ_MAX_SECONDS:-0}" -timeout="${FUZZ_TIMEOUT:-2}" -artifact_prefix="$work/$t/artifacts/" >"$log" 2>&1; then
    echo "long-run: $t ok in $((SECONDS - start)) s: $(fuzz_summary "$log")"
  else
    echo "long-run: $t FINDING after $((SECONDS - start)) s: $(fuzz_summary "$log")"
    grep -E -m3 '^(==[0-9]+==ERROR|thread .* panicked|SUMMARY)' "$log"
    ls -1 "$work/$t/artifacts/"
    status=1
  fi
done
exit $status
