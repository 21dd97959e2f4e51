//! Shared by the integration tests: fixtures, pixel comparison and the generated bad inputs.
#![allow(dead_code)]

use std::io::Cursor;
use std::path::PathBuf;

use image::{ImageEncoder, RgbImage};
use userphoto::photo::Photo;
use userphoto::Options;

/// An empty scratch directory of this name under cargo's per-target temp dir.
pub fn scratch_dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The users of a contact sheet as written (`u` UPN, `p` problems, `i` thumbnail data URI):
/// the JSON data element the page renders from.
pub fn sheet_rows(path: &std::path::Path) -> Vec<serde_json::Value> {
    let html = std::fs::read_to_string(path).unwrap();
    let start = html.find(r#"type="application/json">"#).unwrap() + 24;
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/exif-orientation")
}

pub fn fixture(name: &str) -> Vec<u8> {
    let p = fixtures_dir().join(name);
    std::fs::read(&p).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the shared fixtures sit beside the repository)",
            p.display()
        )
    })
}

/// Decode a JPEG produced by the pipeline at full size, as RGB.
pub fn decode_rgb(jpeg: &[u8]) -> RgbImage {
    let photo = Photo::open(jpeg, &Options::default()).expect("output opens");
    let d = photo
        .decode(&Default::default(), u32::MAX)
        .expect("output decodes");
    RgbImage::from_raw(d.width, d.height, d.rgb).expect("dimensions match")
}

/// Mean absolute difference per channel, 0..=255.
pub fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

pub fn png(img: &image::DynamicImage) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

pub fn png_with_icc(img: &RgbImage, icc: Vec<u8>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = image::codecs::png::PngEncoder::new(&mut out);
    enc.set_icc_profile(icc).unwrap();
    enc.write_image(
        img.as_raw(),
        img.width(),
        img.height(),
        image::ExtendedColorType::Rgb8,
    )
    .unwrap();
    out
}

/// A PNG whose IHDR claims `w` x `h` with a tiny IDAT: a decompression bomb's header.
pub fn png_header_bomb(w: u32, h: u32) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    b.extend_from_slice(&w.to_be_bytes());
    b.extend_from_slice(&h.to_be_bytes());
    b.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    b.extend_from_slice(b"\0\0\0\x02IDAT\x78\x9c\0\0\0\0");
    b
}

/// A GIF with a 65535 x 65535 logical screen and one 1 x 1 frame.
pub fn gif_screen_bomb() -> Vec<u8> {
    let mut b = b"GIF89a".to_vec();
    b.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0, 0]);
    b.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
    b.extend_from_slice(&[0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4C, 0x01, 0, 0x3B]);
    b
}

/// An animated GIF: two 64 x 64 frames.
pub fn animated_gif() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = image::codecs::gif::GifEncoder::new(&mut out);
        let frames = [[200u8, 30, 30, 255], [30, 30, 200, 255]]
            .map(|c| image::Frame::new(image::RgbaImage::from_pixel(64, 64, image::Rgba(c))));
        enc.encode_frames(frames).unwrap();
    }
    out
}

/// A JPEG whose frame header claims 65,000 x 65,000 (the largest JPEG allows).
pub fn jpeg_header_bomb() -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8];
    b.extend_from_slice(&65000u16.to_be_bytes());
    b.extend_from_slice(&65000u16.to_be_bytes());
    b.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

/// `len` deterministic pseudo-random bytes (xorshift32): as RGB, the worst case for a JPEG
/// budget; as a file, bytes that are no format.
pub fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut x: u32 = 0x2545_F491 ^ seed.wrapping_mul(0x9E37_79B9);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

/// Every generated bad input with the error code the pipeline must give for it.
pub fn bad_inputs() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let jpeg = fixture("Landscape_1.jpg");
    let good_png = png(&image::DynamicImage::ImageRgb8(RgbImage::from_fn(
        300,
        200,
        |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x * y) % 256) as u8]),
    )));
    let random = noise(4096, 7);
    vec![
        ("zero-bytes.jpg", Vec::new(), "empty-input"),
        ("random.jpg", random, "unsupported-format"),
        (
            "truncated.jpg",
            jpeg[..jpeg.len() / 2].to_vec(),
            "truncated",
        ),
        (
            "truncated.png",
            good_png[..good_png.len() * 2 / 3].to_vec(),
            "truncated",
        ),
        (
            "text.jpg",
            b"Employee photo not available. Please contact HR.\n".to_vec(),
            "unsupported-format",
        ),
        (
            "bomb.png",
            png_header_bomb(100_000, 100_000),
            "dimensions-too-large",
        ),
        (
            "bomb-pixels.png",
            png_header_bomb(16_000, 16_000),
            "too-many-pixels",
        ),
        ("bomb.gif", gif_screen_bomb(), "dimensions-too-large"),
        ("bomb.jpg", jpeg_header_bomb(), "dimensions-too-large"),
        (
            "one-pixel.png",
            png(&image::DynamicImage::ImageRgb8(RgbImage::new(1, 1))),
            "too-small",
        ),
        ("animated.gif", animated_gif(), "animated"),
    ]
}

#[cfg(feature = "emulator")]
pub mod faces;
mod tenant;
#[cfg(feature = "emulator")]
#[allow(unused_imports)] // Not every test file starts an emulator.
pub use tenant::*;

/// Minimal TIFF-structured EXIF with one Orientation tag, little- or big-endian.
pub fn exif_orientation(value: u16, big_endian: bool) -> Vec<u8> {
    let u16b = |v: u16| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let u32b = |v: u32| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let mut b = if big_endian {
        b"MM".to_vec()
    } else {
        b"II".to_vec()
    };
    b.extend_from_slice(&u16b(42));
    b.extend_from_slice(&u32b(8));
    b.extend_from_slice(&u16b(1));
    b.extend_from_slice(&u16b(0x0112));
    b.extend_from_slice(&u16b(3));
    b.extend_from_slice(&u32b(1));
    b.extend_from_slice(&u16b(value));
    b.extend_from_slice(&[0, 0]);
    b.extend_from_slice(&u32b(0));
    b
}

/// A JPEG with an APP1 EXIF segment (orientation `value`) right after its SOI marker.
pub fn with_exif_orientation(jpeg: &[u8], value: u16) -> Vec<u8> {
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(exif_orientation(value, false));
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(u16::try_from(app1.len() + 2).unwrap().to_be_bytes());
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}
