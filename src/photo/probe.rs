//! Header parsing: dimensions, frames, orientation, colour model and ICC profile, read from the
//! bytes before anything large is allocated.

use image::metadata::Orientation;
use serde::Serialize;

use super::sniff::Format;
use crate::error::{Error, Result};
use crate::targets::MAX_JPEG_SCANS;

/// How the source stores colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorModel {
    Gray,
    Rgb,
    YCbCr,
    Cmyk,
    Ycck,
    Indexed,
}

/// What the headers say about a photo.
#[derive(Debug, Clone)]
pub struct Header {
    pub format: Format,
    pub width: u32,
    pub height: u32,
    pub frames: u32,
    /// EXIF orientation, 1..=8 (1 when absent).
    pub orientation: Orientation,
    /// Filled in for JPEG here; for other formats by the decoder.
    pub color_model: Option<ColorModel>,
    pub icc: Option<Vec<u8>>,
    pub progressive: bool,
    /// JPEG: the data runs to the end-of-image marker.
    pub complete: bool,
    /// JPEG: APP14 "Adobe" transform flag (CMYK written by Adobe software is stored inverted).
    pub adobe: Option<u8>,
}

impl Header {
    fn new(format: Format, width: u32, height: u32) -> Self {
        Header {
            format,
            width,
            height,
            frames: 1,
            orientation: Orientation::NoTransforms,
            color_model: None,
            icc: None,
            progressive: false,
            complete: true,
            adobe: None,
        }
    }
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 2)
        .map(|s| u32::from(u16::from_be_bytes([s[0], s[1]])))
}
fn le16(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 2)
        .map(|s| u32::from(u16::from_le_bytes([s[0], s[1]])))
}
fn be32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}
fn le24(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 3)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], 0]))
}
fn le32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn truncated(format: Format) -> Error {
    Error::Truncated {
        format: format.name(),
    }
}

fn corrupt(format: Format, detail: impl Into<String>) -> Error {
    Error::Corrupt {
        format: format.name(),
        detail: detail.into(),
    }
}

/// Read the headers of a sniffed photo.
pub fn probe(format: Format, b: &[u8]) -> Result<Header> {
    match format {
        Format::Jpeg => probe_jpeg(b),
        Format::Png => probe_png(b),
        Format::Gif => probe_gif(b),
        Format::Bmp => probe_bmp(b),
        Format::WebP => probe_webp(b),
    }
}

/// Walk the JPEG marker segments: SOF for size and components, APP1 for EXIF orientation,
/// APP2 for the ICC profile, APP14 for Adobe's colour transform, and the entropy-coded data to
/// the EOI marker (libjpeg pads a truncated file with grey and reports only a warning).
fn probe_jpeg(b: &[u8]) -> Result<Header> {
    let f = Format::Jpeg;
    let mut h = Header::new(f, 0, 0);
    h.complete = false;
    let mut sof = false;
    let mut icc_chunks: Vec<(u8, &[u8])> = Vec::new();
    let mut components: Vec<u8> = Vec::new();
    let mut scans = 0;
    let mut pos = 2;
    loop {
        // Find the next marker, skipping fill bytes.
        while b.get(pos).is_some_and(|&x| x != 0xFF) {
            pos += 1;
        }
        while b.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let Some(&marker) = b.get(pos) else { break };
        pos += 1;
        match marker {
            0xD9 => {
                h.complete = true;
                break;
            }
            0x01 | 0xD0..=0xD8 => continue,
            _ => {}
        }
        let len = be16(b, pos).ok_or_else(|| truncated(f))? as usize;
        if len < 2 {
            return Err(corrupt(
                f,
                format!("segment 0x{marker:02X} has length {len}"),
            ));
        }
        let Some(seg) = b.get(pos + 2..pos + len) else {
            return Err(truncated(f));
        };
        pos += len;
        match marker {
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                if sof {
                    continue;
                }
                sof = true;
                let (Some(height), Some(width), Some(&n)) =
                    (be16(seg, 1), be16(seg, 3), seg.get(5))
                else {
                    return Err(corrupt(f, "frame header is cut short"));
                };
                if width == 0 || height == 0 {
                    return Err(corrupt(f, format!("frame header says {width} x {height}")));
                }
                h.width = width;
                h.height = height;
                h.progressive = matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE);
                components = (0..usize::from(n))
                    .filter_map(|i| seg.get(6 + 3 * i).copied())
                    .collect();
            }
            0xE1 if seg.starts_with(b"Exif\0\0") => {
                if let Some(o) = Orientation::from_exif_chunk(&seg[6..]) {
                    h.orientation = o;
                }
            }
            0xE2 if seg.starts_with(b"ICC_PROFILE\0") && seg.len() > 14 => {
                icc_chunks.push((seg[12], &seg[14..]));
            }
            0xEE if seg.starts_with(b"Adobe") && seg.len() >= 12 => {
                h.adobe = Some(seg[11]);
            }
            0xDA => {
                scans += 1;
                if scans > MAX_JPEG_SCANS {
                    return Err(corrupt(f, format!("more than {MAX_JPEG_SCANS} scans")));
                }
                // Entropy-coded data: runs to the next marker that is not a stuffed 0xFF00
                // or a restart marker.
                loop {
                    match b.get(pos..pos + 2) {
                        None => {
                            pos = b.len();
                            break;
                        }
                        Some([0xFF, m]) if *m != 0 && !(0xD0..=0xD7).contains(m) && *m != 0xFF => {
                            break
                        }
                        _ => pos += 1,
                    }
                }
            }
            _ => {}
        }
    }
    if !sof {
        return Err(if h.complete {
            corrupt(f, "no frame header")
        } else {
            truncated(f)
        });
    }
    h.color_model = Some(match (components.len(), h.adobe) {
        (1, _) => ColorModel::Gray,
        (3, Some(0)) => ColorModel::Rgb,
        (3, _) if components == b"RGB" => ColorModel::Rgb,
        (3, _) => ColorModel::YCbCr,
        (4, Some(2)) => ColorModel::Ycck,
        (4, _) => ColorModel::Cmyk,
        (n, _) => return Err(corrupt(f, format!("{n} colour components"))),
    });
    if !icc_chunks.is_empty() {
        icc_chunks.sort_by_key(|(seq, _)| *seq);
        h.icc = Some(
            icc_chunks
                .iter()
                .flat_map(|(_, d)| d.iter().copied())
                .collect(),
        );
    }
    Ok(h)
}

fn probe_png(b: &[u8]) -> Result<Header> {
    let f = Format::Png;
    if b.get(12..16) != Some(b"IHDR") {
        return Err(if b.len() < 16 {
            truncated(f)
        } else {
            corrupt(f, "no IHDR chunk")
        });
    }
    let (Some(w), Some(hgt)) = (be32(b, 16), be32(b, 20)) else {
        return Err(truncated(f));
    };
    let mut h = Header::new(f, w, hgt);
    // Walk the chunks before the image data for an animation control chunk (APNG).
    let mut pos = 8;
    while let (Some(len), Some(kind)) = (be32(b, pos), b.get(pos + 4..pos + 8)) {
        match kind {
            b"acTL" => h.frames = be32(b, pos + 8).unwrap_or(1).max(1),
            b"IDAT" | b"IEND" => break,
            _ => {}
        }
        pos = pos.saturating_add(12).saturating_add(len as usize);
    }
    Ok(h)
}

fn probe_gif(b: &[u8]) -> Result<Header> {
    let f = Format::Gif;
    let (Some(w), Some(hgt), Some(&flags)) = (le16(b, 6), le16(b, 8), b.get(10)) else {
        return Err(truncated(f));
    };
    let mut h = Header::new(f, w, hgt);
    h.color_model = Some(ColorModel::Indexed);
    let table = |flags: u8| {
        if flags & 0x80 != 0 {
            3usize << ((flags & 7) + 1)
        } else {
            0
        }
    };
    let skip_sub_blocks = |mut pos: usize| -> Option<usize> {
        loop {
            let n = *b.get(pos)? as usize;
            pos += 1;
            if n == 0 {
                return Some(pos);
            }
            pos += n;
        }
    };
    // Count image descriptors; an animated GIF has more than one.
    let mut frames = 0;
    let mut pos = 13 + table(flags);
    loop {
        match b.get(pos) {
            Some(0x2C) => {
                frames += 1;
                let lflags = *b.get(pos + 9).ok_or_else(|| truncated(f))?;
                pos = skip_sub_blocks(pos + 10 + table(lflags) + 1).ok_or_else(|| truncated(f))?;
            }
            Some(0x21) => pos = skip_sub_blocks(pos + 2).ok_or_else(|| truncated(f))?,
            Some(0x3B) => break,
            Some(x) => return Err(corrupt(f, format!("unknown block 0x{x:02X} at byte {pos}"))),
            None => return Err(truncated(f)),
        }
    }
    if frames == 0 {
        return Err(corrupt(f, "no image in the file"));
    }
    h.frames = frames;
    Ok(h)
}

fn probe_bmp(b: &[u8]) -> Result<Header> {
    let f = Format::Bmp;
    let header_size = le32(b, 14).ok_or_else(|| truncated(f))?;
    let (w, hgt) = if header_size == 12 {
        (le16(b, 18), le16(b, 20))
    } else {
        let h = le32(b, 22).map(|v| (v as i32).unsigned_abs());
        (le32(b, 18).map(|v| (v as i32).unsigned_abs()), h)
    };
    let (Some(w), Some(hgt)) = (w, hgt) else {
        return Err(truncated(f));
    };
    Ok(Header::new(f, w, hgt))
}

fn probe_webp(b: &[u8]) -> Result<Header> {
    let f = Format::WebP;
    let chunk = b.get(12..16).ok_or_else(|| truncated(f))?;
    // Every chunk must end inside the data: image-webp allocates a chunk's declared size
    // before reading it (a 6 KB file declaring a 1 GB EXIF chunk, found by fuzzing).
    let mut pos = 12usize;
    while let Some(len) = le32(b, pos + 4) {
        let end = (pos + 8).saturating_add(len as usize);
        if end > b.len() {
            return Err(truncated(f));
        }
        pos = end.saturating_add(usize::from(len % 2 == 1));
    }
    let (w, hgt, frames) = match chunk {
        b"VP8 " => (
            le16(b, 26).map(|v| v & 0x3FFF),
            le16(b, 28).map(|v| v & 0x3FFF),
            1,
        ),
        b"VP8L" => {
            let bits = le32(b, 21).ok_or_else(|| truncated(f))?;
            (
                Some((bits & 0x3FFF) + 1),
                Some(((bits >> 14) & 0x3FFF) + 1),
                1,
            )
        }
        b"VP8X" => {
            let flags = *b.get(20).ok_or_else(|| truncated(f))?;
            let animated = flags & 0x02 != 0;
            // Count ANMF chunks to report the frame count of an animation.
            let mut frames = 0;
            let mut pos = 12;
            while let (Some(kind), Some(len)) = (b.get(pos..pos + 4), le32(b, pos + 4)) {
                if kind == b"ANMF" {
                    frames += 1;
                }
                pos = pos
                    .saturating_add(8)
                    .saturating_add((len as usize + 1) & !1);
            }
            let frames = if animated { frames.max(2) } else { 1 };
            (
                le24(b, 24).map(|v| v + 1),
                le24(b, 27).map(|v| v + 1),
                frames,
            )
        }
        _ => return Err(corrupt(f, "unknown first chunk")),
    };
    let (Some(w), Some(hgt)) = (w, hgt) else {
        return Err(truncated(f));
    };
    let mut h = Header::new(f, w, hgt);
    h.frames = frames;
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_header_of_a_fixture() {
        let b = std::fs::read("../shared/fixtures/exif-orientation/Landscape_6.jpg").unwrap();
        let h = probe(Format::Jpeg, &b).unwrap();
        assert_eq!(h.orientation, Orientation::Rotate90);
        assert!(h.complete);
        assert_eq!(h.color_model, Some(ColorModel::YCbCr));
        assert!(h.width > 0 && h.height > 0);
        let cut = probe(Format::Jpeg, &b[..b.len() / 2]).unwrap();
        assert!(!cut.complete);
    }

    #[test]
    fn huge_png_header_is_read_without_decoding() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&100_000u32.to_be_bytes());
        png.extend_from_slice(&100_000u32.to_be_bytes());
        png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        let h = probe(Format::Png, &png).unwrap();
        assert_eq!((h.width, h.height), (100_000, 100_000));
    }
}

#[cfg(test)]
mod scan_tests {
    use super::*;

    #[test]
    fn a_jpeg_with_thousands_of_scans_is_refused() {
        let mut b = vec![
            0xFF, 0xD8, 0xFF, 0xC2, 0, 11, 8, 0, 64, 0, 64, 1, 1, 0x11, 0,
        ];
        for _ in 0..=MAX_JPEG_SCANS {
            b.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0, 0, 0x12]);
        }
        b.extend_from_slice(&[0xFF, 0xD9]);
        let e = probe(Format::Jpeg, &b).unwrap_err();
        assert!(e.to_string().contains("more than 500 scans"), "{e}");
    }
}
