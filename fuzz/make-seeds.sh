#!/usr/bin/env bash
# Regenerates the photo seeds in fuzz/seeds/photo/ and fuzz/seeds/photo_metadata/: small valid
# examples of every format the pipeline reads (made with ImageMagick, libwebp's tools and
# libjpeg-turbo's jpegtran from the shared fixtures), the bad inputs of tests/bad_inputs.rs
# and the ICC/EXIF variants (written by an ignored test of tests/fuzz_regressions.rs).
# The seeds are committed; run this only to change them, then re-minimise the corpora
# (README.md, "Seeds and corpora"). Needs: imagemagick webp libjpeg-turbo-progs (apt).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
fixtures=${USERPHOTO_FIXTURES:-../../shared/fixtures/exif-orientation}
out=seeds/photo
meta=seeds/photo_metadata
rm -rf "$out" "$meta"
mkdir -p "$out" "$meta"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

im=$(command -v convert-im6.q16 || command -v magick || command -v convert)
# The 18 fixtures at 1/8 scale (225 x 150), stored as they are (not turned upright), with
# their EXIF (and its orientation) kept.
for f in "$fixtures"/*.jpg; do
  "$im" "$f" -resize 12.5% -quality 80 "$out/fixture-$(basename "$f")"
done

# One small picture (48 x 72, the short side at the minimum) in every layout.
"$im" "$fixtures/Portrait_0.jpg" -resize 48x72! "$tmp/base.png"
base=$tmp/base.png
"$im" "$base" -quality 85 -sampling-factor 2x2 "$out/jpeg-420.jpg"
"$im" "$base" -quality 85 -sampling-factor 1x1 "$out/jpeg-444.jpg"
"$im" "$base" -quality 85 -sampling-factor 2x1 "$out/jpeg-422.jpg"
"$im" "$base" -quality 85 -interlace JPEG "$out/jpeg-progressive.jpg"
"$im" "$base" -colorspace Gray -quality 85 "$out/jpeg-grey.jpg"
"$im" "$base" -colorspace CMYK -quality 85 "$out/jpeg-cmyk-adobe.jpg"
"$im" "$base" -quality 85 -define jpeg:restart-interval=1 "$out/jpeg-restart.jpg"
jpegtran -arithmetic "$out/jpeg-420.jpg" > "$out/jpeg-arithmetic.jpg"
jpegtran -progressive -restart 2B "$out/jpeg-444.jpg" > "$out/jpeg-progressive-restart.jpg"
"$im" "$base" -quality 85 -set comment 'a comment segment' "$out/jpeg-comment.jpg"
"$im" "$base" "PNG24:$out/png-rgb.png"
"$im" "$base" -alpha set -channel A -evaluate set 60% +channel "PNG32:$out/png-rgba.png"
"$im" "$base" -colorspace Gray "PNG8:$out/png-grey.png"
"$im" "$base" -colorspace Gray -alpha set -channel A -evaluate set 50% +channel "$out/png-grey-alpha.png"
"$im" "$base" -depth 16 "PNG48:$out/png-16bit.png"
"$im" "$base" -colors 16 "PNG8:$out/png-palette.png"
"$im" "$base" -colors 16 -transparent white "PNG8:$out/png-palette-trns.png"
"$im" "$base" -interlace PNG "PNG24:$out/png-interlaced.png"
"$im" "$base" -monochrome "$out/png-1bit.png"
"$im" "$base" "$out/gif-static.gif"
"$im" "$base" -interlace GIF "$out/gif-interlaced.gif"
"$im" -delay 10 "$base" \( "$base" -negate \) -loop 0 "$out/gif-animated.gif"
"$im" "$base" -define bmp:format=bmp3 "BMP3:$out/bmp-24bit.bmp"
"$im" "$base" -alpha set "BMP:$out/bmp-32bit-v5.bmp"
"$im" "$base" -colors 200 -compress RLE "BMP3:$out/bmp-rle8.bmp"
"$im" "$base" -monochrome "BMP3:$out/bmp-1bit.bmp"
"$im" "$base" "BMP2:$out/bmp-os2.bmp"
"$im" "$base" -flip -define bmp:top-down=true "BMP3:$out/bmp-top-down.bmp" 2>/dev/null || true
cwebp -quiet -q 70 "$base" -o "$out/webp-lossy.webp"
cwebp -quiet -lossless "$base" -o "$out/webp-lossless.webp"
cwebp -quiet -q 70 -alpha_q 50 "$out/png-rgba.png" -o "$out/webp-lossy-alpha.webp"
cwebp -quiet -q 70 -metadata all "$out/fixture-Landscape_6.jpg" -o "$out/webp-exif.webp"
"$im" "$base" -negate "$tmp/negated.png"
img2webp -loop 0 -lossy "$base" -d 100 "$tmp/negated.png" -o "$out/webp-animated.webp" >/dev/null

# The generated bad inputs (tests/bad_inputs.rs) and the ICC/EXIF variants.
(cd .. && FUZZ_SEEDS_DIR="$PWD/fuzz/seeds" nice -n 10 cargo test -q --test fuzz_regressions \
  -- --ignored --exact write_seed_inputs)

# Seeds over 64 KB would not be kept by the corpus limit (-max_len); say so.
find seeds -type f -size +64k -printf 'over 64 KB: %p\n'
echo "seeds: $(find seeds/photo -type f | wc -l) photo, $(find seeds/photo_metadata -type f | wc -l) photo_metadata"
