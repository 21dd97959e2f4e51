//! Crop and resize with a SIMD Lanczos3 convolution (fast_image_resize).

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How a rendition's box is filled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Crop {
    /// Square, cut from the centre of the photo.
    #[default]
    #[serde(alias = "center")]
    Centre,
    /// Keep the aspect ratio; the long side fits the box.
    None,
}

/// Output dimensions for a box of side `size`.
pub fn output_dimensions(width: u32, height: u32, size: u32, crop: Crop) -> (u32, u32) {
    match crop {
        Crop::Centre => (size, size),
        Crop::None => {
            let (long, short) = (width.max(height), width.min(height));
            let scaled = ((u64::from(short) * u64::from(size) + u64::from(long) / 2)
                / u64::from(long))
            .max(1) as u32;
            if width >= height {
                (size, scaled)
            } else {
                (scaled, size)
            }
        }
    }
}

/// Resize RGB8 pixels into a box of side `size` (centre-cropped or fitted).
pub fn resize_rgb(
    width: u32,
    height: u32,
    rgb: &[u8],
    size: u32,
    crop: Crop,
) -> Result<(u32, u32, Vec<u8>)> {
    let (w, h) = output_dimensions(width, height, size, crop);
    let failed = |e: &dyn std::fmt::Display| {
        Error::Encode(format!("resize {width} x {height} to {w} x {h}: {e}"))
    };
    let src = ImageRef::new(width, height, rgb, PixelType::U8x3).map_err(|e| failed(&e))?;
    let mut dst = Image::new(w, h, PixelType::U8x3);
    let mut options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    if crop == Crop::Centre {
        options = options.fit_into_destination(Some((0.5, 0.5)));
    }
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
        assert_eq!(output_dimensions(1800, 1200, 648, Crop::None), (648, 432));
        assert_eq!(output_dimensions(1200, 1800, 96, Crop::None), (64, 96));
        assert_eq!(output_dimensions(1200, 1800, 96, Crop::Centre), (96, 96));
    }

    #[test]
    fn centre_crop_takes_the_middle() {
        // A 3 x 1 strip: red, green, blue. The centre square is the green pixel.
        let rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255];
        let (w, h, out) = resize_rgb(3, 1, &rgb, 1, Crop::Centre).unwrap();
        assert_eq!((w, h), (1, 1));
        assert!(out[1] > 200 && out[0] < 60 && out[2] < 60, "{out:?}");
    }
}
