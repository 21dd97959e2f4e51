//! Decoding to upright 8-bit sRGB. JPEG goes through libjpeg-turbo (mozjpeg) with DCT-domain
//! scaling; the other formats through the `image` crate with its allocation limits.

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use image::metadata::Orientation;
use image::{ColorType, DynamicImage, ImageDecoder, ImageReader};
use mozjpeg::{ColorSpace, Decompress};

use super::color::{self, Converted};
use super::probe::{ColorModel, Header};
use super::sniff::Format;
use crate::error::{Error, Result};
use crate::targets::{DecodeLimits, MAX_FULL_DECODE_PIXELS};

/// An upright sRGB image, 3 bytes per pixel; width and height are after orientation.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
    pub color_model: ColorModel,
    pub has_alpha: bool,
    pub bit_depth: u8,
    /// JPEG: the DCT scale used, in eighths (8 = full size).
    pub scale_eighths: u8,
    /// The EXIF orientation that was applied (JPEG's from the header, PNG's and WebP's from
    /// the decoder).
    pub orientation: Orientation,
    /// The source embedded an ICC profile.
    pub icc_profile: bool,
    pub warnings: Vec<String>,
}

/// Message carried by a panic or by mozjpeg's unwinding error handler.
fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "decoder failed".into())
        .trim_start_matches("libjpeg fatal error: ")
        .to_string()
}

/// The smallest DCT scale (in eighths) whose short side still reaches `want`; libjpeg rounds
/// scaled sizes up.
pub fn jpeg_scale(short_side: u32, want: u32) -> u8 {
    (1..=8u8)
        .find(|&n| (u64::from(short_side) * u64::from(n)).div_ceil(8) >= u64::from(want))
        .unwrap_or(8)
}

/// Decode `bytes` (already probed) so that the short side is at least `want_short_side` where
/// the source allows it, then orient, convert to sRGB and flatten alpha.
pub fn decode(
    bytes: &[u8],
    header: &Header,
    limits: &DecodeLimits,
    want_short_side: u32,
) -> Result<Decoded> {
    let mut d = match header.format {
        Format::Jpeg => decode_jpeg(bytes, header, want_short_side)?,
        _ => decode_other(bytes, header, limits)?,
    };
    if d.orientation != Orientation::NoTransforms {
        let img = image::RgbImage::from_raw(d.width, d.height, std::mem::take(&mut d.rgb))
            .ok_or_else(|| Error::Corrupt {
                format: header.format.name(),
                detail: "decoder returned a short buffer".into(),
            })?;
        let mut img = DynamicImage::ImageRgb8(img);
        img.apply_orientation(d.orientation);
        let img = img.into_rgb8();
        d.width = img.width();
        d.height = img.height();
        d.rgb = img.into_raw();
    }
    Ok(d)
}

fn decode_jpeg(bytes: &[u8], header: &Header, want: u32) -> Result<Decoded> {
    let corrupt = |detail: String| Error::Corrupt {
        format: "JPEG",
        detail,
    };
    if !header.complete {
        return Err(Error::Truncated { format: "JPEG" });
    }
    let model = header.color_model.unwrap_or(ColorModel::YCbCr);
    let mut scale = jpeg_scale(header.width.min(header.height), want);
    // Keep the decoded buffer bounded even for a huge custom size.
    while scale > 1
        && (u64::from(header.width) * u64::from(scale)).div_ceil(8)
            * (u64::from(header.height) * u64::from(scale)).div_ceil(8)
            > MAX_FULL_DECODE_PIXELS
    {
        scale -= 1;
    }
    let out_space = match model {
        ColorModel::Cmyk | ColorModel::Ycck => ColorSpace::JCS_CMYK,
        ColorModel::Gray => ColorSpace::JCS_GRAYSCALE,
        _ => ColorSpace::JCS_RGB,
    };
    let run = || -> std::io::Result<(u32, u32, Vec<u8>)> {
        let mut d = Decompress::new_mem(bytes)?;
        d.scale(scale);
        let mut started = d.to_colorspace(out_space)?;
        let (w, h) = (started.width() as u32, started.height() as u32);
        let pixels = started.read_scanlines::<u8>()?;
        started.finish()?;
        Ok((w, h, pixels))
    };
    let (width, height, pixels) = match catch_unwind(AssertUnwindSafe(run)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return Err(corrupt(e.to_string())),
        Err(payload) => return Err(corrupt(panic_text(payload))),
    };
    let icc = header.icc.as_deref();
    let Converted { rgb, warning } = match model {
        ColorModel::Cmyk | ColorModel::Ycck => {
            color::cmyk_to_srgb(&pixels, header.adobe.is_some(), icc)
        }
        ColorModel::Gray => color::gray_to_srgb(&pixels, icc),
        _ => color::rgb_to_srgb(pixels, icc),
    };
    Ok(Decoded {
        width,
        height,
        rgb,
        color_model: model,
        has_alpha: false,
        bit_depth: 8,
        scale_eighths: scale,
        orientation: header.orientation,
        icc_profile: icc.is_some(),
        warnings: warning.into_iter().collect(),
    })
}

fn image_error(format: Format, e: image::ImageError) -> Error {
    let text = e.to_string();
    let eof = matches!(&e, image::ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof)
        || text.to_ascii_lowercase().contains("eof")
        || text.to_ascii_lowercase().contains("end of file");
    if eof {
        Error::Truncated {
            format: format.name(),
        }
    } else {
        Error::Corrupt {
            format: format.name(),
            detail: text,
        }
    }
}

fn decode_other(bytes: &[u8], header: &Header, limits: &DecodeLimits) -> Result<Decoded> {
    let f = header.format;
    let pixels = u64::from(header.width) * u64::from(header.height);
    if pixels > MAX_FULL_DECODE_PIXELS {
        return Err(Error::TooManyPixels {
            format: f.name(),
            width: header.width.into(),
            height: header.height.into(),
            pixels,
            limit: MAX_FULL_DECODE_PIXELS,
        });
    }
    let fmt = match f {
        Format::Png => image::ImageFormat::Png,
        Format::Gif => image::ImageFormat::Gif,
        Format::Bmp => image::ImageFormat::Bmp,
        Format::WebP => image::ImageFormat::WebP,
        Format::Jpeg => unreachable!("JPEG is decoded by libjpeg-turbo"),
    };
    let run = || -> Result<(DynamicImage, ColorType, Option<Vec<u8>>, Orientation)> {
        let mut reader = ImageReader::with_format(Cursor::new(bytes), fmt);
        let mut l = image::Limits::default();
        l.max_image_width = Some(limits.max_width);
        l.max_image_height = Some(limits.max_height);
        l.max_alloc = Some(MAX_FULL_DECODE_PIXELS * 8 + (64 << 20));
        reader.limits(l);
        let mut dec = reader.into_decoder().map_err(|e| image_error(f, e))?;
        let icc = dec.icc_profile().ok().flatten();
        let orientation = dec.orientation().unwrap_or(Orientation::NoTransforms);
        let color_type = dec.color_type();
        let img = DynamicImage::from_decoder(dec).map_err(|e| image_error(f, e))?;
        Ok((img, color_type, icc, orientation))
    };
    let (img, color_type, icc, orientation) = match catch_unwind(AssertUnwindSafe(run)) {
        Ok(r) => r?,
        Err(payload) => {
            return Err(Error::Corrupt {
                format: f.name(),
                detail: panic_text(payload),
            })
        }
    };
    let has_alpha = color_type.has_alpha();
    let is_gray = matches!(
        color_type,
        ColorType::L8 | ColorType::L16 | ColorType::La8 | ColorType::La16
    );
    let (width, height) = (img.width(), img.height());
    let icc_profile = icc.is_some();
    let Converted { rgb, warning } = if has_alpha {
        color::rgb_to_srgb(
            color::flatten_on_white(img.to_rgba8().as_raw()),
            icc.as_deref(),
        )
    } else if is_gray {
        color::gray_to_srgb(img.to_luma8().as_raw(), icc.as_deref())
    } else {
        color::rgb_to_srgb(img.into_rgb8().into_raw(), icc.as_deref())
    };
    let color_model = match (f, is_gray) {
        (Format::Gif, _) => ColorModel::Indexed,
        (_, true) => ColorModel::Gray,
        _ => ColorModel::Rgb,
    };
    Ok(Decoded {
        width,
        height,
        rgb,
        color_model,
        has_alpha,
        bit_depth: (color_type.bits_per_pixel() / u16::from(color_type.channel_count())) as u8,
        scale_eighths: 8,
        orientation,
        icc_profile,
        warnings: warning.into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_is_the_smallest_that_keeps_the_short_side() {
        assert_eq!(jpeg_scale(3000, 648), 2); // 750 px
        assert_eq!(jpeg_scale(1200, 648), 5); // 750 px
        assert_eq!(jpeg_scale(3000, 96), 1); // 375 px
        assert_eq!(jpeg_scale(500, 648), 8);
    }
}
