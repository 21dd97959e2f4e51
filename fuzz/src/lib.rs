//! Helpers shared by the fuzz targets in `fuzz_targets/`: small valid photos to wrap
//! generated metadata in, a scratch directory per process, and the checks every target makes
//! on what the library returns.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A scratch directory for this fuzzing process on tmpfs when there is one (file feeds and
/// job journals are written there, never into the repository), emptied on each call.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let base = if Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let d = base.join(format!("userphoto-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("scratch directory");
        d
    });
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        let _ = if p.is_dir() {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        };
    }
    dir
}

/// Colour layout of a small generated JPEG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JpegKind {
    YCbCr,
    Gray,
    Cmyk,
}

/// A 64 x 48 JPEG of a gradient (the short side is at the 48 px minimum), without any
/// APPn segment: metadata is spliced in after SOI by [`with_segments`].
pub fn small_jpeg(kind: JpegKind) -> &'static [u8] {
    static CACHE: OnceLock<[Vec<u8>; 3]> = OnceLock::new();
    let all = CACHE.get_or_init(|| {
        [JpegKind::YCbCr, JpegKind::Gray, JpegKind::Cmyk].map(|k| {
            let (space, channels) = match k {
                JpegKind::YCbCr => (mozjpeg::ColorSpace::JCS_RGB, 3),
                JpegKind::Gray => (mozjpeg::ColorSpace::JCS_GRAYSCALE, 1),
                JpegKind::Cmyk => (mozjpeg::ColorSpace::JCS_CMYK, 4),
            };
            let (w, h) = (64usize, 48usize);
            let px: Vec<u8> = (0..w * h * channels)
                .map(|i| ((i * 7 + i / (w * channels) * 3) % 256) as u8)
                .collect();
            let mut c = mozjpeg::Compress::new(space);
            c.set_size(w, h);
            c.set_quality(80.0);
            let mut s = c.start_compress(Vec::new()).expect("compress");
            s.write_scanlines(&px).expect("scanlines");
            let jpeg = s.finish().expect("finish");
            strip_app_segments(&jpeg)
        })
    });
    match kind {
        JpegKind::YCbCr => &all[0],
        JpegKind::Gray => &all[1],
        JpegKind::Cmyk => &all[2],
    }
}

/// `jpeg` without its APPn segments (libjpeg writes an Adobe APP14 for CMYK).
fn strip_app_segments(jpeg: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    let mut pos = 2;
    while pos + 4 <= jpeg.len() && jpeg[pos] == 0xFF {
        let marker = jpeg[pos + 1];
        let len = usize::from(u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]));
        if marker == 0xDA {
            break;
        }
        if !(0xE0..=0xEF).contains(&marker) {
            out.extend_from_slice(&jpeg[pos..pos + 2 + len]);
        }
        pos += 2 + len;
    }
    out.extend_from_slice(&jpeg[pos..]);
    out
}

/// `jpeg` (starting with SOI) with `segments` (marker, payload) inserted right after SOI.
/// Payloads over a segment's 65,533-byte limit are cut.
pub fn with_segments(jpeg: &[u8], segments: &[(u8, &[u8])]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    for (marker, payload) in segments {
        let payload = &payload[..payload.len().min(65_533)];
        out.extend_from_slice(&[0xFF, *marker]);
        out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(payload);
    }
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A 64 x 48 PNG (RGB, grey or RGBA) with an optional ICC profile (iCCP) and EXIF (eXIf).
pub fn small_png(color: u8, icc: Option<&[u8]>, exif: Option<&[u8]>) -> Vec<u8> {
    use image::ImageEncoder;
    let (w, h) = (64u32, 48u32);
    let (ty, channels) = match color % 3 {
        0 => (image::ExtendedColorType::Rgb8, 3),
        1 => (image::ExtendedColorType::L8, 1),
        _ => (image::ExtendedColorType::Rgba8, 4),
    };
    let px: Vec<u8> = (0..(w * h) as usize * channels)
        .map(|i| (i * 5 % 251) as u8)
        .collect();
    let mut out = Vec::new();
    let mut enc = image::codecs::png::PngEncoder::new(&mut out);
    if let Some(icc) = icc {
        let _ = enc.set_icc_profile(icc.to_vec());
    }
    if let Some(exif) = exif {
        let _ = enc.set_exif_metadata(exif.to_vec());
    }
    enc.write_image(&px, w, h, ty)
        .expect("PNG of a valid buffer");
    out
}

/// Checks that hold for every successful render, whatever the input.
pub fn check_render(out: &userphoto::RenderOutput) {
    let s = &out.source;
    assert!(
        (1..=8).contains(&s.orientation),
        "orientation {}",
        s.orientation
    );
    assert!(s.width > 0 && s.height > 0, "{} x {}", s.width, s.height);
    for r in &out.renditions {
        assert_eq!(r.bytes, r.data.len() as u64, "{}: reported size", r.target);
        assert!(
            r.bytes <= r.max_bytes,
            "{}: {} bytes over {}",
            r.target,
            r.bytes,
            r.max_bytes
        );
        assert!(
            r.width > 0 && r.height > 0,
            "{}: {} x {}",
            r.target,
            r.width,
            r.height
        );
        assert!(
            r.data.starts_with(&[0xFF, 0xD8]),
            "{}: not a JPEG",
            r.target
        );
        let markers = userphoto::photo::jpeg_header_markers(&r.data);
        assert!(
            !markers.iter().any(|m| matches!(m, 0xE1 | 0xE2 | 0xFE)),
            "{}: metadata left in the output: {markers:x?}",
            r.target
        );
    }
}

/// Checks that hold for every error: a stable code and a message.
pub fn check_error(e: &userphoto::Error) {
    assert!(!e.code().is_empty());
    assert!(!e.to_string().is_empty(), "{}: empty message", e.code());
}
