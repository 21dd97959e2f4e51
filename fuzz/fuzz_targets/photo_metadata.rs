//! EXIF orientation and ICC profiles, reached through the public pipeline: generated EXIF and
//! ICC bytes are wrapped in an otherwise valid photo (JPEG APP1/APP2 segments, or PNG eXIf and
//! iCCP chunks), so the metadata parsers and the colour conversion (Little CMS) see them
//! directly instead of behind a decoder that a random mutation usually breaks first.
//!
//! Input: byte 0 the shell (any byte, modulo 8: `0` JPEG YCbCr, `1` JPEG grey, `2` JPEG CMYK,
//! `3` JPEG CMYK with an Adobe segment, `4` JPEG YCbCr with an Adobe segment, `5` PNG RGB,
//! `6` PNG grey, `7` PNG RGBA); byte 1 the Adobe transform flag; byte 2 how many APP2 chunks
//! the profile is split into (1..=8); byte 3 how far the chunks' sequence numbers are rotated
//! (out of order on purpose); bytes 4-5 the EXIF length N (big-endian); then N bytes of EXIF
//! (TIFF structure, after "Exif\0\0" in JPEG; none when N is 0); the rest is the ICC profile
//! (none when empty).
#![no_main]

use libfuzzer_sys::fuzz_target;
use userphoto::Options;
use userphoto_fuzz::{check_error, small_jpeg, small_png, with_segments, JpegKind};

struct Input<'a> {
    shell: u8,
    adobe: u8,
    chunks: u8,
    rotate: u8,
    exif: Option<&'a [u8]>,
    icc: Option<&'a [u8]>,
}

fn parse(data: &[u8]) -> Option<Input<'_>> {
    let [shell, adobe, chunks, rotate, h, l, rest @ ..] = data else {
        return None;
    };
    let n = usize::from(u16::from_be_bytes([*h, *l])).min(rest.len());
    let (exif, icc) = rest.split_at(n);
    Some(Input {
        shell: shell.wrapping_sub(b'0') % 8,
        adobe: *adobe,
        chunks: (*chunks).clamp(1, 8),
        rotate: *rotate,
        exif: (!exif.is_empty()).then_some(exif),
        icc: (!icc.is_empty()).then_some(icc),
    })
}

fn jpeg(kind: JpegKind, adobe: Option<u8>, input: &Input) -> Vec<u8> {
    let mut segments: Vec<(u8, Vec<u8>)> = Vec::new();
    if let Some(exif) = input.exif {
        let mut p = b"Exif\0\0".to_vec();
        p.extend_from_slice(exif);
        segments.push((0xE1, p));
    }
    if let Some(icc) = input.icc {
        let size = icc.len().div_ceil(usize::from(input.chunks));
        let parts: Vec<&[u8]> = icc.chunks(size).collect();
        let total = parts.len() as u8;
        for (i, part) in parts.iter().enumerate() {
            let seq = ((i + usize::from(input.rotate)) % parts.len()) as u8 + 1;
            let mut p = b"ICC_PROFILE\0".to_vec();
            p.extend_from_slice(&[seq, total]);
            p.extend_from_slice(part);
            segments.push((0xE2, p));
        }
    }
    if let Some(flag) = adobe {
        let mut p = b"Adobe".to_vec();
        p.extend_from_slice(&[0, 100, 0, 0, 0, 0, flag]);
        segments.push((0xEE, p));
    }
    let refs: Vec<(u8, &[u8])> = segments.iter().map(|(m, p)| (*m, p.as_slice())).collect();
    with_segments(small_jpeg(kind), &refs)
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = parse(data) else { return };
    let bytes = match input.shell {
        0 => jpeg(JpegKind::YCbCr, None, &input),
        1 => jpeg(JpegKind::Gray, None, &input),
        2 => jpeg(JpegKind::Cmyk, None, &input),
        3 => jpeg(JpegKind::Cmyk, Some(input.adobe), &input),
        4 => jpeg(JpegKind::YCbCr, Some(input.adobe), &input),
        n => small_png(n - 5, input.icc, input.exif),
    };
    match userphoto::validate(&bytes, &Options::default()) {
        Ok(report) => {
            let s = &report.source;
            assert!(
                (1..=8).contains(&s.orientation),
                "orientation {}",
                s.orientation
            );
            let upright = if s.orientation >= 5 {
                (s.height, s.width)
            } else {
                (s.width, s.height)
            };
            assert_eq!(upright, (s.upright_width, s.upright_height));
            // The shells are intact: only the metadata can be wrong, and bad metadata is a
            // warning, never a refusal.
        }
        Err(e) => {
            check_error(&e);
            panic!("a valid photo with generated metadata was refused: {e}");
        }
    }
});
