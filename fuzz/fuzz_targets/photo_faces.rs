//! The look at decoded pixels: face detection (rustface), the crop around a face and the
//! photo checks, on arbitrary pixels. The input is the pixels themselves: its first two bytes
//! give the size (48 to 111 pixels a side: from the smallest photo accepted to what the
//! detector searches fast enough under AddressSanitizer), the rest fills a 24-bit BMP row by row (repeated when short),
//! which `validate` and `render` then take with crop `auto` or `face` (bit 6 of the first
//! byte) and the checks, for `ad-thumbnail`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use userphoto::photo::Crop;
use userphoto::targets::TargetRequest;
use userphoto::Options;
use userphoto_fuzz::{check_error, check_render};

/// A bottom-up 24-bit BMP of `w` x `h` filled from `pixels`.
fn bmp(w: u32, h: u32, pixels: &[u8]) -> Vec<u8> {
    let row = (w * 3).div_ceil(4) * 4;
    let size = 54 + row * h;
    let mut out = Vec::with_capacity(size as usize);
    out.extend_from_slice(b"BM");
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&54u32.to_le_bytes());
    out.extend_from_slice(&40u32.to_le_bytes());
    out.extend_from_slice(&w.to_le_bytes());
    out.extend_from_slice(&h.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&24u16.to_le_bytes());
    out.extend_from_slice(&[0; 24]);
    let mut source = pixels.iter().copied().cycle();
    for _ in 0..h {
        for _ in 0..w * 3 {
            out.push(source.next().unwrap_or(0));
        }
        out.resize(out.len() + (row - w * 3) as usize, 0);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let [a, b, pixels @ ..] = data else { return };
    let (w, h) = (48 + u32::from(*a % 64), 48 + u32::from(*b % 64));
    let photo = bmp(w, h, pixels);
    // Bit 6 of the first byte (the size takes the low six) picks the crop.
    let crop = if a & 0x40 == 0 {
        Crop::Auto
    } else {
        Crop::Face
    };
    let options = Options {
        // The look does not depend on the targets; one small one keeps encoding cheap.
        targets: vec![TargetRequest::Name("ad-thumbnail".into())],
        crop,
        ..Options::default()
    };
    let report = userphoto::validate(&photo, &options).expect("a valid BMP validates");
    match userphoto::render(&photo, &options) {
        Ok(out) => {
            check_render(&out);
            // One look per photo: both doors see the same faces and checks.
            assert_eq!(out.faces.len(), report.faces.len());
            assert_eq!(out.checks, report.checks);
            assert_eq!(
                serde_json::to_value(&out.crop).unwrap(),
                serde_json::to_value(&report.crop).unwrap()
            );
            let face = out.crop.region;
            assert!(
                face.x + face.width <= w && face.y + face.height <= h,
                "{face:?} outside {w} x {h}"
            );
        }
        Err(e) => {
            check_error(&e);
            assert_eq!(e.code(), "budget-unreachable", "{e}");
        }
    }
});
