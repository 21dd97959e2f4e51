//! Inputs found by the fuzz targets in fuzz/, replayed through the public API; each test was
//! seen failing before its fix. Also writes the fuzz seeds that come from this test suite
//! (`write_seed_inputs`, run by fuzz/make-seeds.sh).

mod common;

use std::path::Path;

use common::*;
use lcms2::{CIExyY, Profile, ToneCurve};

fn gray_profile() -> Vec<u8> {
    let white = CIExyY {
        x: 0.3457,
        y: 0.3585,
        Y: 1.0,
    };
    Profile::new_gray(&white, &ToneCurve::new(2.2))
        .unwrap()
        .icc()
        .unwrap()
}

/// One photo_metadata input: shell, Adobe flag, APP2 chunks, rotation, EXIF, ICC (see
/// fuzz/fuzz_targets/photo_metadata.rs).
fn metadata_input(
    shell: u8,
    adobe: u8,
    chunks: u8,
    rotate: u8,
    exif: &[u8],
    icc: &[u8],
) -> Vec<u8> {
    let mut b = vec![b'0' + shell, adobe, chunks, rotate];
    b.extend_from_slice(&(exif.len() as u16).to_be_bytes());
    b.extend_from_slice(exif);
    b.extend_from_slice(icc);
    b
}

/// Writes the seeds that come from this suite under `$FUZZ_SEEDS_DIR` (fuzz/make-seeds.sh).
#[test]
#[ignore = "writes fuzz seeds; run by fuzz/make-seeds.sh"]
fn write_seed_inputs() {
    let dir = std::env::var("FUZZ_SEEDS_DIR").expect("FUZZ_SEEDS_DIR");
    let dir = Path::new(&dir);
    let photo = dir.join("photo");
    let meta = dir.join("photo_metadata");
    std::fs::create_dir_all(&photo).unwrap();
    std::fs::create_dir_all(&meta).unwrap();
    // The generated bad inputs, the big ones cut down to the corpus' 64 KB.
    for (name, bytes, _) in bad_inputs() {
        if bytes.len() <= 64 * 1024 {
            std::fs::write(photo.join(format!("bad-{name}")), &bytes).unwrap();
        }
    }
    let small = std::fs::read(photo.join("jpeg-420.jpg")).expect("make-seeds.sh wrote it first");
    std::fs::write(
        photo.join("bad-truncated-small.jpg"),
        &small[..small.len() / 2],
    )
    .unwrap();
    let png = std::fs::read(photo.join("png-rgb.png")).unwrap();
    std::fs::write(
        photo.join("bad-truncated-small.png"),
        &png[..png.len() * 2 / 3],
    )
    .unwrap();

    let srgb = Profile::new_srgb().icc().unwrap();
    let gray = gray_profile();
    let exif: Vec<u8> = {
        // The real EXIF of a fixture (orientation 6), as a camera wrote it.
        let f = fixture("Landscape_6.jpg");
        let at = f.windows(6).position(|w| w == b"Exif\0\0").unwrap() + 6;
        let len = usize::from(u16::from_be_bytes([f[at - 8], f[at - 7]])) - 8;
        f[at..at + len].to_vec()
    };
    let seeds: Vec<(&str, Vec<u8>)> = vec![
        (
            "jpeg-srgb-camera-exif",
            metadata_input(0, 0, 1, 0, &exif, &srgb),
        ),
        (
            "jpeg-srgb-3-chunks-rotated",
            metadata_input(0, 0, 3, 1, &[], &srgb),
        ),
        (
            "jpeg-grey-grey-profile",
            metadata_input(1, 0, 1, 0, &exif_orientation(8, true), &gray),
        ),
        (
            "jpeg-cmyk-srgb-profile",
            metadata_input(2, 0, 2, 0, &[], &srgb),
        ),
        (
            "jpeg-cmyk-adobe",
            metadata_input(3, 0, 1, 0, &exif_orientation(3, false), &[]),
        ),
        ("jpeg-ycck-adobe", metadata_input(3, 2, 1, 0, &[], &[])),
        (
            "jpeg-rgb-adobe",
            metadata_input(4, 0, 1, 0, &exif_orientation(5, false), &srgb),
        ),
        (
            "png-rgb-srgb-exif",
            metadata_input(5, 0, 1, 0, &exif_orientation(6, true), &srgb),
        ),
        (
            "png-grey-grey-profile",
            metadata_input(6, 0, 1, 0, &[], &gray),
        ),
        (
            "png-rgba-exif",
            metadata_input(7, 0, 1, 0, &exif_orientation(7, false), &[]),
        ),
    ];
    for (name, bytes) in seeds {
        std::fs::write(meta.join(name), bytes).unwrap();
    }
    for o in 1..=8 {
        let name = format!("jpeg-orientation-{o}");
        std::fs::write(
            meta.join(name),
            metadata_input(0, 0, 1, 0, &exif_orientation(o, o % 2 == 0), &[]),
        )
        .unwrap();
    }
}

/// graph_responses, long run: a token endpoint's `expires_on` (or `expires_in`) beyond what
/// `Instant` can hold panicked in the client ("overflow when adding duration to instant")
/// while it cached the token. Any answer must give a token or a named error.
#[test]
fn token_lifetime_beyond_the_clock() {
    let bodies = [
        // The input the fuzzer found (the managed identity form: string fields).
        r#"{"access_token": "eyJ0e", "expires_in": ":86399", "expires_on": "17429496729600086399", "not_before": "1700000000+", "resource": "https://graph.microsoft"}"#,
        r#"{"access_token": "eyJ0e", "expires_in": 18446744073709551615}"#,
        r#"{"access_token": "eyJ0e", "expires_on": 18446744073709551615}"#,
    ];
    for body in bodies {
        let token = userphoto::graph::token_from_reply(200, body.as_bytes(), "token endpoint")
            .unwrap_or_else(|e| panic!("{body}: {e}"));
        assert!(token.is_fresh(), "{body}");
    }
}
