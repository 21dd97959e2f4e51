//! Crop and resize with a SIMD Lanczos3 convolution (fast_image_resize).

pub use crate::targets::Crop;
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use super::face::Region;
use crate::error::{Error, Result};

/// Output dimensions for a box of side `size` filled from a `width` x `height` region: the
/// long side fits the box (a square region gives a square).
pub fn output_dimensions(width: u32, height: u32, size: u32) -> (u32, u32) {
    let (long, short) = (width.max(height).max(1), width.min(height));
    let scaled = ((u64::from(short) * u64::from(size) + u64::from(long) / 2) / u64::from(long))
        .max(1) as u32;
    if width >= height {
        (size, scaled)
    } else {
        (scaled, size)
    }
}

/// Resize the `region` of RGB8 pixels into a box of side `size` (a square region gives a
/// square rendition; the whole image is fitted).
pub fn resize_rgb(
    width: u32,
    height: u32,
    rgb: &[u8],
    region: &Region,
    size: u32,
) -> Result<(u32, u32, Vec<u8>)> {
    let (rw, rh) = (region.width.round() as u32, region.height.round() as u32);
    let (w, h) = output_dimensions(rw, rh, size);
    let failed = |e: &dyn std::fmt::Display| {
        Error::Encode(format!("resize {width} x {height} to {w} x {h}: {e}"))
    };
    let src = ImageRef::new(width, height, rgb, PixelType::U8x3).map_err(|e| failed(&e))?;
    let mut dst = Image::new(w, h, PixelType::U8x3);
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .crop(region.left, region.top, region.width, region.height);
    Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| failed(&e))?;
    Ok((w, h, dst.into_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_the_aspect_ratio() {
        assert_eq!(output_dimensions(1800, 1200, 648), (648, 432));
        assert_eq!(output_dimensions(1200, 1800, 96), (64, 96));
        assert_eq!(output_dimensions(1200, 1200, 96), (96, 96));
    }

    #[test]
    fn the_region_is_what_is_kept() {
        // A 3 x 1 strip: red, green, blue. The middle 1 x 1 region is the green pixel.
        let rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255];
        let middle = Region {
            left: 1.0,
            top: 0.0,
            width: 1.0,
            height: 1.0,
        };
        let (w, h, out) = resize_rgb(3, 1, &rgb, &middle, 1).unwrap();
        assert_eq!((w, h), (1, 1));
        assert!(out[1] > 200 && out[0] < 60 && out[2] < 60, "{out:?}");
    }
}
