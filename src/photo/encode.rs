//! JPEG encoding (mozjpeg) to a byte budget: quality first, then size; never over budget.

use std::panic::{catch_unwind, AssertUnwindSafe};

use mozjpeg::{ColorSpace, Compress};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::targets::{Target, MIN_QUALITY, MIN_RENDITION_SIZE, SIZE_STEP};

/// Which encoder settings produced the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EncoderMode {
    /// libjpeg-turbo-like baseline with optimised Huffman tables: about 1 ms for 648 px.
    Fast,
    /// mozjpeg's progressive + trellis quantisation: 20-40 % smaller at equal quality, slower.
    Optimized,
}

/// An encoded rendition and how it was reached.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub data: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub quality: u8,
    pub mode: EncoderMode,
    /// Encodes tried, this one included.
    pub attempts: u32,
}

/// Encode RGB8 pixels as a baseline-compatible JFIF JPEG with no metadata (no EXIF, GPS,
/// ICC or comments: the pixels are already sRGB).
pub fn encode_jpeg(
    width: u32,
    height: u32,
    rgb: &[u8],
    quality: u8,
    mode: EncoderMode,
) -> Result<Vec<u8>> {
    let run = || -> std::io::Result<Vec<u8>> {
        let mut c = Compress::new(ColorSpace::JCS_RGB);
        if mode == EncoderMode::Fast {
            c.set_fastest_defaults();
            c.set_optimize_coding(true);
        }
        c.set_size(width as usize, height as usize);
        c.set_quality(f32::from(quality));
        c.set_chroma_sampling_pixel_sizes((2, 2), (2, 2));
        let mut started = c.start_compress(Vec::with_capacity(rgb.len() / 8))?;
        started.write_scanlines(rgb)?;
        started.finish()
    };
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Error::Encode(e.to_string())),
        Err(p) => Err(Error::Encode(
            p.downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "libjpeg failed".into()),
        )),
    }
}

/// Encode to `target`'s budget. `render(size)` produces the pixels for a box of side `size`;
/// it is called again only when the size has to shrink.
pub fn encode_to_budget(
    target: &Target,
    start_size: u32,
    mut render: impl FnMut(u32) -> Result<(u32, u32, Vec<u8>)>,
) -> Result<Encoded> {
    let budget = target.max_bytes;
    let fits = |d: &[u8]| d.len() as u64 <= budget;
    let mut size = start_size;
    let mut attempts = 0;
    loop {
        let (w, h, rgb) = render(size)?;
        let mut encode = |q: u8, mode: EncoderMode| {
            attempts += 1;
            encode_jpeg(w, h, &rgb, q, mode)
        };
        let done = |data: Vec<u8>, quality: u8, mode: EncoderMode, attempts: u32| Encoded {
            data,
            width: w,
            height: h,
            quality,
            mode,
            attempts,
        };
        let q0 = target.quality;
        // Loose budgets (Graph's 4 MB) fit on the first, fast encode.
        let fast = encode(q0, EncoderMode::Fast)?;
        if fits(&fast) {
            return Ok(done(fast, q0, EncoderMode::Fast, attempts));
        }
        // Tight budgets: mozjpeg's best compression, highest quality that fits.
        let opt = encode(q0, EncoderMode::Optimized)?;
        if fits(&opt) {
            return Ok(done(opt, q0, EncoderMode::Optimized, attempts));
        }
        let floor = encode(MIN_QUALITY, EncoderMode::Optimized)?;
        if fits(&floor) {
            let (mut lo, mut hi) = (MIN_QUALITY + 1, q0 - 1);
            let mut best = (MIN_QUALITY, floor);
            // Size is monotone in quality for one encoder: binary search the highest fit.
            while lo <= hi {
                let mid = lo + (hi - lo) / 2;
                let d = encode(mid, EncoderMode::Optimized)?;
                if fits(&d) {
                    best = (mid, d);
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            return Ok(done(best.1, best.0, EncoderMode::Optimized, attempts));
        }
        let next = (f64::from(size) * SIZE_STEP).floor() as u32;
        if next < MIN_RENDITION_SIZE {
            return Err(Error::BudgetUnreachable {
                target: target.name.clone(),
                max_bytes: budget,
                smallest_bytes: floor.len() as u64,
                smallest_size: size,
                min_quality: MIN_QUALITY,
            });
        }
        size = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photo::face::Region;

    /// Deterministic noise: the worst case for a JPEG budget.
    fn noise(side: u32) -> Vec<u8> {
        let mut x: u32 = 0x2545_F491;
        (0..side * side * 3)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x >> 24) as u8
            })
            .collect()
    }

    fn target(size: u32, max_bytes: u64) -> Target {
        Target {
            name: "t".into(),
            size,
            max_bytes,
            quality: 90,
        }
    }

    #[test]
    fn noise_is_squeezed_under_budget_by_quality_then_size() {
        let side = 96;
        let src = noise(side);
        let t = target(side, 6 * 1024);
        let e = encode_to_budget(&t, side, |s| {
            crate::photo::resize::resize_rgb(side, side, &src, &Region::whole(side, side), s)
        })
        .unwrap();
        assert!(e.data.len() <= 6 * 1024, "{} bytes", e.data.len());
        assert!(
            e.quality < 90 || e.width < side,
            "q{} {}px",
            e.quality,
            e.width
        );
        assert_eq!(e.mode, EncoderMode::Optimized);
    }

    #[test]
    fn unreachable_budget_is_a_named_error() {
        let src = noise(64);
        let t = target(64, 100);
        let err = encode_to_budget(&t, 64, |s| {
            crate::photo::resize::resize_rgb(64, 64, &src, &Region::whole(64, 64), s)
        })
        .unwrap_err();
        assert_eq!(err.code(), "budget-unreachable");
    }

    #[test]
    fn output_has_no_metadata_segments() {
        let d = encode_jpeg(16, 16, &noise(16), 90, EncoderMode::Fast).unwrap();
        let markers = crate::photo::jpeg_header_markers(&d);
        assert_eq!(markers.first(), Some(&0xE0), "JFIF first: {markers:x?}");
        assert!(
            markers
                .iter()
                .all(|m| matches!(m, 0xE0 | 0xDB | 0xC0 | 0xC2 | 0xC4 | 0xDD | 0xDA)),
            "{markers:x?}"
        );
        assert_eq!(&d[..2], &[0xFF, 0xD8]);
    }
}
