#!/usr/bin/env bash
# The contact sheet in a real browser: Debian's chromium, headless, through playwright-core
# (npm; its own browser download does not work here and is not used). Installs what is
# missing (chromium with apt, playwright-core into target/tools/playwright), has the CLI audit
# a 500-user emulated tenant into a sheet (tests/tenant_audit.rs), then opens it
# (tests/browser/contact-sheet.mjs): counts, problems first, lazy rendering, the filter, the
# count buttons, thumbnails that decode, no network; and a 10,000-user sheet loads and
# filters without freezing. Screenshot: target/contact-sheet.png.
set -euo pipefail
cd "$(dirname "$0")/.."

PLAYWRIGHT_VERSION=1.65.1
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
command -v node >/dev/null || { echo "test-contact-sheet: node is not on PATH" >&2; exit 1; }
tools=target/tools/playwright
if [ ! -f "$tools/node_modules/playwright-core/package.json" ] ||
  ! grep -q "\"version\": \"$PLAYWRIGHT_VERSION\"" "$tools/node_modules/playwright-core/package.json"; then
  mkdir -p "$tools"
  [ -f "$tools/package.json" ] || echo '{"private": true}' >"$tools/package.json"
  npm install --prefix "$tools" --no-audit --no-fund --silent "playwright-core@$PLAYWRIGHT_VERSION"
fi

sheet_dir=target/tmp/contact-sheet
cargo test --locked --test tenant_audit -- contact_sheet
PLAYWRIGHT_DIR="$tools" CHROMIUM="$chromium" node tests/browser/contact-sheet.mjs \
  "$sheet_dir/tenant-500.html" "$sheet_dir/tenant-500.expected.json" target/contact-sheet.png \
  "$sheet_dir/tenant-10000.html"
