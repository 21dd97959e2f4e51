#!/usr/bin/env bash
# The main job on a fresh machine: build, then turn the bundled sample photos (rotated by
# EXIF, 1800 x 1200) into a Microsoft Graph rendition and an AD thumbnail each.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --locked --bin userphoto
./target/debug/userphoto validate --target graph,ad-thumbnail samples/*.jpg
./target/debug/userphoto resize --target graph,ad-thumbnail --out out samples/*.jpg
