#!/usr/bin/env bash
# The Windows x64 build, tested under Wine on Debian 12. Builds first (scripts/build-windows.sh,
# which installs rustc-web, mingw-w64, nasm and wine64), then:
#   1. imports: userphoto.dll and userphoto.exe import only DLLs that every Windows has (no
#      mingw runtime, no VC++ redistributable);
#   2. exports: the DLL exports the same up_* functions as the Linux library and the header;
#   3. the C program tests/c/abi_test.c, built with mingw against the header, run under Wine;
#   4. the Rust tests cross-built for Windows, run under Wine (list below);
#   5. the Windows CLI against the Graph emulator running on Linux, over loopback: the sample
#      feed synced twice (the second run finds every photo unchanged).
# Exits non-zero on any failure; prints the counts.
#
#   bash scripts/test-windows.sh
#
# Rust tests run under Wine: the integration tests bad_inputs,
# fixtures, color, capi, cli, alloc_limits, graph, capi_graph, emulator and sync (their Graph
# emulator runs inside the Windows test program; sync also kills the Windows CLI mid-run and
# resumes). Not run under Wine, and why:
#   - graph::certificate_from_pfx: it makes its PFX files by running `openssl`, which a
#     Windows process does not find (the PFX parsing itself is Rust, tested on Linux);
#   - graph::tls_is_verified_and_a_test_ca_can_be_added, emulator::https_with_generated_ca:
#     they trust a test CA, for which rustls-platform-verifier creates a CryptoAPI chain
#     engine with an exclusive root store; Wine 8's CertCreateCertificateChainEngine refuses
#     that (Windows 8+) configuration with E_INVALIDARG, so the client cannot be built.
#     The hosted Windows runners of .github/workflows/release.yml run them;
#   - directory: it starts a Samba AD DC through bash (scripts/samba-dc.sh), a Linux program;
#     the LDAP client code is the same Rust on both systems;
#   - c_program: it compiles with the Linux cc against libuserphoto.so; step 3 is its
#     Windows counterpart;
#   - header: it compares two text files; it says nothing about Windows.
# Wine 8 lacks ProcessPrng (bcryptprimitives.dll), which Rust's standard library imports: a
# stand-in built from tests/windows/bcryptprimitives.c goes into the test Wine prefix only.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash scripts/build-windows.sh
started=$SECONDS
triple=x86_64-pc-windows-gnu
out=$root/target/windows/$triple/release
fixtures=$root/../shared/fixtures/exif-orientation
failures=0
fail() { echo "test-windows: FAILED: $*" >&2; failures=$((failures + 1)); }

# --- 1. imports --------------------------------------------------------------------------------
# DLLs that ship with every supported Windows (10 / Server 2016 and later). msvcrt.dll is
# Windows' own C runtime; the api-ms-win-* names are API sets that Windows resolves itself.
system_dlls=" advapi32.dll bcrypt.dll bcryptprimitives.dll crypt32.dll kernel32.dll msvcrt.dll ncrypt.dll
 ntdll.dll ole32.dll oleaut32.dll secur32.dll shell32.dll user32.dll userenv.dll ws2_32.dll "
imports() { x86_64-w64-mingw32-objdump -p "$1" | awk '/DLL Name:/ { print tolower($3) }' | sort -u; }
# check_imports FILE [EXTRA-ALLOWED...]: prints each import that is not a system DLL.
check_imports() {
  local file=$1 bad=()
  shift
  local allowed="$system_dlls $* "
  while read -r dll; do
    [[ $dll == api-ms-win-* || $allowed == *" $dll "* ]] || bad+=("$dll")
  done < <(imports "$file")
  ((${#bad[@]} == 0)) || echo "${bad[*]}"
}
# The check must be able to fail: abi_test.exe imports userphoto.dll, not a system DLL.
[[ $(check_imports "$out/abi_test.exe") == *userphoto.dll* ]] || fail "the import check did not notice userphoto.dll in abi_test.exe"
for f in userphoto.dll userphoto.exe; do
  bad=$(check_imports "$out/$f")
  if [[ -n $bad ]]; then
    fail "$f imports non-system DLLs: $bad"
  else
    echo "imports ok: $f: $(imports "$out/$f" | tr '\n' ' ')"
  fi
done

# --- 2. exports --------------------------------------------------------------------------------
linux_lib=$root/target/debug/libuserphoto.so
[[ -f $linux_lib ]] || cargo build --locked --lib
dll_exports=$(x86_64-w64-mingw32-objdump -p "$out/userphoto.dll" |
  awk '/\[Ordinal\/Name Pointer\] Table/ { t = 1; next } t && NF == 0 { t = 0 } t { print $NF }' | grep '^up_' | sort)
so_exports=$(nm -D --defined-only "$linux_lib" | awk '$2 == "T" { print $3 }' | grep '^up_' | sort)
header_functions=$(grep -oE '\bup_[a-z0-9_]+\(' include/userphoto.h | tr -d '(' | sort -u)
n=$(wc -l <<<"$header_functions")
if ((n < 10)); then
  fail "include/userphoto.h declares only $n up_* functions: the header parse is broken"
elif [[ $dll_exports != "$header_functions" ]]; then
  fail "userphoto.dll exports differ from include/userphoto.h: $(diff <(echo "$header_functions") <(echo "$dll_exports") | grep '^[<>]' | tr '\n' ' ')"
elif [[ $so_exports != "$dll_exports" ]]; then
  fail "userphoto.dll and $linux_lib export different up_* functions: $(diff <(echo "$so_exports") <(echo "$dll_exports") | grep '^[<>]' | tr '\n' ' ')"
else
  echo "exports ok: $n up_* functions in userphoto.dll, libuserphoto.so and the header"
fi

# --- Wine ----------------------------------------------------------------------------------------
export WINEPREFIX=$root/target/windows/wine-prefix WINEDEBUG=-all WINEARCH=win64
# No Mono or Gecko installers (they would try the network); no display.
export WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY
wine=/usr/lib/wine/wine64
stub=$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll
if [[ ! -f $stub || tests/windows/bcryptprimitives.c -nt $stub ]]; then
  [[ -d $WINEPREFIX/drive_c/windows/system32 ]] || "$wine" wineboot --init >/dev/null 2>&1
  x86_64-w64-mingw32-gcc -O2 -shared -o "$stub" tests/windows/bcryptprimitives.c tests/windows/bcryptprimitives.def -lbcrypt
fi
# One wineserver for every run below, stopped at the end (it is this prefix's own).
/usr/lib/wine/wineserver -p 2>/dev/null || true # already running after wineboot
trap 'WINEPREFIX=$WINEPREFIX /usr/lib/wine/wineserver -k 2>/dev/null || true; [[ -n ${emulator:-} ]] && kill "$emulator" 2>/dev/null || true' EXIT

# --- 3. the C program ------------------------------------------------------------------------------
scratch=$root/target/windows/tmp/test-windows
rm -rf "$scratch" && mkdir -p "$scratch"
# The DLL is found beside the program, as on Windows.
# Wine's output goes to files, never into $(...) or a pipe: the Wine services that the first
# program starts inherit its output and would hold the pipe open after the program ends.
(cd "$out" && "$wine" abi_test.exe "$fixtures/Landscape_5.jpg" "$scratch/abi_graph.jpg") >"$scratch/abi_test.log" 2>&1 && c_rc=0 || c_rc=$?
c_out=$(cat "$scratch/abi_test.log")
if ((c_rc == 0)) && [[ $c_out == *"all C ABI checks passed"* ]]; then
  echo "C program ok: $(head -n 1 <<<"$c_out")"
else
  fail "tests/c/abi_test.c under Wine (exit $c_rc): $c_out"
fi

# --- 4. the Rust tests ----------------------------------------------------------------------------
declare -A skip=(
  [graph]="--skip certificate_from_pfx --skip tls_is_verified_and_a_test_ca_can_be_added"
  [emulator]="--skip https_with_generated_ca"
)
passed=0 failed=0 skipped=0
while read -r name exe; do
  log=$scratch/$name.log
  # shellcheck disable=SC2086 # the skip options are words
  (cd "$root" && "$wine" "$exe" --test-threads=2 ${skip[$name]:-}) >"$log" 2>&1 && rc=0 || rc=$?
  result=$(grep -E '^test result:' "$log" | tail -n 1 || true)
  p=$(sed -nE 's/.* ([0-9]+) passed.*/\1/p' <<<"$result")
  f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$result")
  s=$(sed -nE 's/.* ([0-9]+) filtered out.*/\1/p' <<<"$result")
  passed=$((passed + ${p:-0})) failed=$((failed + ${f:-0})) skipped=$((skipped + ${s:-0}))
  echo "rust $name: ${result:-no result} (exit $rc)"
  if ((rc != 0)) || [[ -z $result ]]; then
    fail "Rust tests $name under Wine (exit $rc); last lines of $log:"
    tail -n 40 "$log" >&2
  fi
done <"$out/wine-tests.txt"

# --- 5. the Windows CLI against the emulator on Linux ------------------------------------------------
linux_cli=$root/target/debug/userphoto
[[ -x $linux_cli ]] || cargo build --locked --bin userphoto
"$linux_cli" emulate --config samples/emulator.json --port 0 >"$scratch/emulator.log" 2>&1 &
emulator=$!
url=""
for _ in $(seq 1 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*' "$scratch/emulator.log" | head -n 1 || true)
  [[ -n $url ]] && break
  sleep 0.1
done
cli_sync() {
  (cd samples && USERPHOTO_CLIENT_SECRET=demo-only-secret "$wine" "$out/userphoto.exe" sync --csv feed.csv \
    --tenant contoso.onmicrosoft.com --client-id 11111111-2222-3333-4444-555555555555 \
    --authority "$url" --graph-endpoint "$url" --journal "$scratch/journal.sqlite" \
    --report-json "$scratch/report-$1.json")
}
statuses() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(" ".join(sorted(x["status"] for x in r["results"])))' "$1"; }
if [[ -z $url ]]; then
  fail "the Linux emulator did not start: $(cat "$scratch/emulator.log")"
else
  cli_sync 1 >"$scratch/sync-1.log" 2>&1 && rc1=0 || rc1=$?
  cli_sync 2 >"$scratch/sync-2.log" 2>&1 && rc2=0 || rc2=$?
  # left.company@contoso.com is not in the directory: exit 1 both times, by design.
  s1=$(statuses "$scratch/report-1.json" 2>&1 || true)
  s2=$(statuses "$scratch/report-2.json" 2>&1 || true)
  if [[ $rc1 == 1 && $s1 == "failed uploaded uploaded uploaded" && $rc2 == 1 && $s2 == "failed unchanged unchanged unchanged" ]]; then
    echo "Windows CLI -> Linux emulator ok: first run: $s1; second run: $s2"
  else
    fail "userphoto.exe sync against $url: exit $rc1 ($s1), then exit $rc2 ($s2); see $scratch/sync-*.log"
  fi
fi

# --- 6. the package, and its Pester tests -----------------------------------------------------------
# The libraries here are the ones tested: linux-x64 the debug one that the Linux tests built,
# win-x64 the test build's DLL (both with default features). A release package builds them
# again without (scripts/package-module.sh alone); CI would pay two more full compiles.
cargo build --locked --lib --bin userphoto
bash scripts/package-module.sh --linux-from "$root/target/debug" --windows-from "$out" >"$scratch/package.log" 2>&1 ||
  { fail "scripts/package-module.sh: $(tail -n 20 "$scratch/package.log")"; }
grep '^package-module:' "$scratch/package.log" || true
# Runtime.Tests.ps1 runs with the rest of the suite (scripts/test-powershell.sh).
pwsh_bin=$(command -v pwsh || echo "$HOME/.dotnet/tools/pwsh")
[[ -x $pwsh_bin ]] || bash scripts/setup.sh
# The package tests need no domain controller (scripts/test.sh requires one for the suite).
USERPHOTO_REQUIRE_SAMBA=0 "$pwsh_bin" -NoProfile -NonInteractive -File scripts/run-pester.ps1 -Path powershell/tests/Package.Tests.ps1 \
  -Output Normal -ResultPath target/pester-package.xml >"$scratch/pester.log" 2>&1 && p_rc=0 || p_rc=$?
pester_counts=$(grep -E '^pester: [0-9]+ passed' "$scratch/pester.log" | tail -n 1 || true)
p_passed=$(sed -nE 's/^pester: ([0-9]+) passed.*/\1/p' <<<"$pester_counts")
p_failed=$(sed -nE 's/.* ([0-9]+) failed,.*/\1/p' <<<"$pester_counts")
p_skipped=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$pester_counts")
p_passed=${p_passed:-0} p_failed=${p_failed:-1} p_skipped=${p_skipped:-0}
echo "Pester (Package): ${pester_counts:-no result}"
((p_rc == 0 && p_failed == 0 && p_passed > 0)) || { fail "Pester Package.Tests.ps1 (exit $p_rc):"; grep -E '\[-\]|Expected|Error' "$scratch/pester.log" | head -n 40 >&2; }

# --- 7. the release workflow's lint ---------------------------------------------------------------
bash scripts/lint-workflows.sh || fail "scripts/lint-workflows.sh"

echo "test-windows: $((SECONDS - started)) s after the build; checks failed: $failures (Rust under Wine: $passed passed, $failed failed, $skipped skipped; Pester: $p_passed passed, $p_failed failed)"
echo "windows: $((passed + p_passed)) passed, $((failed + p_failed + failures)) failed, $((skipped + p_skipped)) skipped"
((failures == 0 && failed == 0 && p_failed == 0))
