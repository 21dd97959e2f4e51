//! Colour handling: CMYK, grey, alpha, 16-bit and embedded ICC profiles all come out sRGB.

mod common;

use common::*;
use image::{DynamicImage, Rgb, RgbImage};
use lcms2::{CIExyY, CIExyYTRIPLE, Profile, ToneCurve};
use mozjpeg::{ColorSpace, Compress};
use userphoto::photo::ColorModel;
use userphoto::targets::TargetRequest;
use userphoto::Options;

fn graph() -> Options {
    Options {
        targets: vec![TargetRequest::Name("graph".into())],
        ..Options::default()
    }
}

fn centre(jpeg: &[u8]) -> Rgb<u8> {
    let img = decode_rgb(jpeg);
    *img.get_pixel(img.width() / 2, img.height() / 2)
}

fn near(p: Rgb<u8>, want: [u8; 3], tol: u8) -> bool {
    p.0.iter().zip(want).all(|(a, b)| a.abs_diff(b) <= tol)
}

fn jpeg(space: ColorSpace, w: usize, h: usize, px: &[u8], icc: Option<&[u8]>) -> Vec<u8> {
    let mut c = Compress::new(space);
    c.set_size(w, h);
    c.set_quality(95.0);
    let mut s = c.start_compress(Vec::new()).unwrap();
    if let Some(icc) = icc {
        s.write_icc_profile(icc);
    }
    s.write_scanlines(px).unwrap();
    s.finish().unwrap()
}

#[test]
fn adobe_cmyk_jpeg_becomes_srgb() {
    // Adobe CMYK is stored inverted: (255, 0, 0, 255) is full magenta and yellow, no cyan,
    // no black: red.
    let px: Vec<u8> = [255u8, 0, 0, 255].repeat(100 * 100);
    let data = jpeg(ColorSpace::JCS_CMYK, 100, 100, &px, None);
    let out = userphoto::render(&data, &graph()).unwrap();
    assert!(matches!(
        out.source.color_model,
        ColorModel::Cmyk | ColorModel::Ycck
    ));
    let p = centre(&out.renditions[0].data);
    assert!(near(p, [255, 0, 0], 12), "{p:?}");
}

#[test]
fn grey_jpeg_becomes_rgb() {
    let data = jpeg(ColorSpace::JCS_GRAYSCALE, 80, 80, &[90u8; 80 * 80], None);
    let out = userphoto::render(&data, &graph()).unwrap();
    assert_eq!(out.source.color_model, ColorModel::Gray);
    assert!(near(centre(&out.renditions[0].data), [90, 90, 90], 3));
}

#[test]
fn transparency_is_flattened_on_white_and_16_bit_is_reduced() {
    let img = image::RgbaImage::from_fn(64, 64, |x, _| {
        image::Rgba([0, 0, 0, if x < 32 { 0 } else { 255 }])
    });
    let out = userphoto::render(&png(&DynamicImage::ImageRgba8(img)), &graph()).unwrap();
    assert!(out.source.has_alpha);
    let img = decode_rgb(&out.renditions[0].data);
    assert!(
        near(*img.get_pixel(5, 32), [255, 255, 255], 6),
        "{:?}",
        img.get_pixel(5, 32)
    );
    assert!(
        near(*img.get_pixel(60, 32), [0, 0, 0], 6),
        "{:?}",
        img.get_pixel(60, 32)
    );

    let deep =
        image::ImageBuffer::<image::Rgb<u16>, _>::from_pixel(64, 64, image::Rgb([65535, 32896, 0]));
    let out = userphoto::render(&png(&DynamicImage::ImageRgb16(deep)), &graph()).unwrap();
    assert_eq!(out.source.bit_depth, 16);
    assert!(near(centre(&out.renditions[0].data), [255, 128, 0], 6));
}

/// A profile with sRGB's primaries and a linear tone curve: linear 50 % grey is sRGB 188.
fn linear_profile() -> Vec<u8> {
    let d65 = CIExyY {
        x: 0.3127,
        y: 0.3290,
        Y: 1.0,
    };
    let prim = CIExyYTRIPLE {
        Red: CIExyY {
            x: 0.64,
            y: 0.33,
            Y: 1.0,
        },
        Green: CIExyY {
            x: 0.30,
            y: 0.60,
            Y: 1.0,
        },
        Blue: CIExyY {
            x: 0.15,
            y: 0.06,
            Y: 1.0,
        },
    };
    let lin = ToneCurve::new(1.0);
    Profile::new_rgb(&d65, &prim, &[&lin, &lin, &lin])
        .unwrap()
        .icc()
        .unwrap()
}

#[test]
fn embedded_icc_profiles_are_converted_to_srgb() {
    let icc = linear_profile();
    let grey = RgbImage::from_pixel(64, 64, Rgb([128, 128, 128]));
    for (kind, data) in [
        (
            "jpeg",
            jpeg(ColorSpace::JCS_RGB, 64, 64, grey.as_raw(), Some(&icc)),
        ),
        ("png", png_with_icc(&grey, icc.clone())),
    ] {
        let out = userphoto::render(&data, &graph()).unwrap();
        assert!(out.source.icc_profile, "{kind}");
        let p = centre(&out.renditions[0].data);
        assert!(near(p, [188, 188, 188], 6), "{kind}: {p:?}");
    }
    // Without the profile the same pixels stay 128.
    let plain = jpeg(ColorSpace::JCS_RGB, 64, 64, grey.as_raw(), None);
    let p = centre(&userphoto::render(&plain, &graph()).unwrap().renditions[0].data);
    assert!(near(p, [128, 128, 128], 4), "{p:?}");
}
