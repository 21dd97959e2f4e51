#!/usr/bin/env bash
# Microsoft's own clients against the Graph emulator: tests/clients/ (xunit, net10.0) uses
# MSAL.NET, the Microsoft Graph .NET SDK and Azure.Identity against `userphoto emulate`
# processes it starts itself (HTTPS with the emulator's generated CA where MSAL requires it).
#
# Restores with the package sources NuGet is configured with, plus /opt/nuget/packages when
# it exists, in locked mode (tests/clients/packages.lock.json pins every package); builds
# target/debug/userphoto (a no-op when it is up to date; SKIP_BUILD=1 skips it); runs the
# tests with their own temporary directory, and then checks that no emulator left its CA
# file behind. Prints "N passed, N failed" and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v dotnet >/dev/null || { echo "test-clients: dotnet (the .NET SDK, net10.0) is not on PATH" >&2; exit 1; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  nice -n 10 cargo build --locked -j 2 --bin userphoto
fi
[ -x target/debug/userphoto ] || { echo "test-clients: target/debug/userphoto not found; run: cargo build --bin userphoto" >&2; exit 1; }

project=tests/clients/UserPhoto.ClientTests.csproj
extra_sources=()
[ -d /opt/nuget/packages ] && extra_sources=(-p:RestoreAdditionalProjectSources=/opt/nuget/packages)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet restore "$project" --locked-mode "${extra_sources[@]}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The emulators write their CA files to the temporary directory: give them one to check.
mkdir "$tmp/run"
status=0
TMPDIR="$tmp/run" nice -n 10 dotnet test "$project" --no-restore -c Debug \
  --results-directory "$tmp" --logger "trx;LogFileName=clients.trx" --logger "console;verbosity=normal" \
  >"$tmp/out.txt" 2>&1 || status=$?
cat "$tmp/out.txt"

if [ ! -f "$tmp/clients.trx" ]; then
  echo "test-clients: no test results (build failed?)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
read -r total passed failed < <(python3 - "$tmp/clients.trx" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
c = ET.parse(sys.argv[1]).getroot().find("t:ResultSummary/t:Counters", ns)
print(c.get("total"), c.get("passed"), int(c.get("failed")) + int(c.get("error", "0")) + int(c.get("timeout", "0")) + int(c.get("aborted", "0")))
PY
)

left=$(find "$tmp/run" -maxdepth 1 -name 'userphoto-emulator-ca-*.pem' | wc -l)
if [ "$left" -ne 0 ]; then
  echo "test-clients: $left emulator CA file(s) left in the temporary directory:" >&2
  find "$tmp/run" -maxdepth 1 -name 'userphoto-emulator-ca-*.pem' >&2
  failed=$((failed + 1))
fi
if [ "$total" -eq 0 ]; then
  echo "test-clients: no test ran" >&2
  failed=$((failed + 1))
fi

echo "clients: $passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
