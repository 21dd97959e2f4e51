//! Colour conversion to 8-bit sRGB: embedded ICC profiles (RGB, grey, CMYK) through Little CMS,
//! CMYK without a profile by the usual naive formula, alpha flattened on white.

use lcms2::{ColorSpaceSignature, Intent, PixelFormat, Profile, Transform};

/// Result of a colour conversion: RGB8 pixels and, when an embedded profile could not be
/// used, a warning that says so.
pub struct Converted {
    pub rgb: Vec<u8>,
    pub warning: Option<String>,
}

fn srgb_transform(
    icc: &[u8],
    in_format: PixelFormat,
    want: ColorSpaceSignature,
) -> Result<Transform<u8, u8>, String> {
    let profile = Profile::new_icc(icc)
        .map_err(|e| format!("embedded ICC profile is unreadable ({e}); colours used as sRGB"))?;
    if profile.color_space() != want {
        return Err(format!(
            "embedded ICC profile is for {:?}, not {want:?}; it was ignored",
            profile.color_space()
        ));
    }
    Transform::new(
        &profile,
        in_format,
        &Profile::new_srgb(),
        PixelFormat::RGB_8,
        Intent::Perceptual,
    )
    .map_err(|e| {
        format!("embedded ICC profile cannot be converted to sRGB ({e}); colours used as sRGB")
    })
}

/// RGB pixels with an optional embedded profile, to sRGB in place.
pub fn rgb_to_srgb(mut rgb: Vec<u8>, icc: Option<&[u8]>) -> Converted {
    let Some(icc) = icc else {
        return Converted { rgb, warning: None };
    };
    match srgb_transform(icc, PixelFormat::RGB_8, ColorSpaceSignature::RgbData) {
        Ok(t) => {
            t.transform_in_place(&mut rgb);
            Converted { rgb, warning: None }
        }
        Err(w) => Converted {
            rgb,
            warning: Some(w),
        },
    }
}

/// Grey pixels with an optional embedded profile, to sRGB.
pub fn gray_to_srgb(gray: &[u8], icc: Option<&[u8]>) -> Converted {
    let mut warning = None;
    if let Some(icc) = icc {
        match srgb_transform(icc, PixelFormat::GRAY_8, ColorSpaceSignature::GrayData) {
            Ok(t) => {
                let mut rgb = vec![0u8; gray.len() * 3];
                t.transform_pixels(gray, &mut rgb);
                return Converted { rgb, warning: None };
            }
            Err(w) => warning = Some(w),
        }
    }
    let rgb = gray.iter().flat_map(|&g| [g, g, g]).collect();
    Converted { rgb, warning }
}

/// CMYK pixels as libjpeg returns them. `inverted` is true for files written by Adobe
/// software, which store 255 for no ink.
pub fn cmyk_to_srgb(cmyk: &[u8], inverted: bool, icc: Option<&[u8]>) -> Converted {
    let mut warning = None;
    if let Some(icc) = icc {
        let format = if inverted {
            PixelFormat::CMYK_8_REV
        } else {
            PixelFormat::CMYK_8
        };
        match srgb_transform(icc, format, ColorSpaceSignature::CmykData) {
            Ok(t) => {
                let mut rgb = vec![0u8; cmyk.len() / 4 * 3];
                t.transform_pixels(cmyk, &mut rgb);
                return Converted { rgb, warning: None };
            }
            Err(w) => warning = Some(w),
        }
    }
    let rgb = cmyk
        .chunks_exact(4)
        .flat_map(|p| {
            let [c, m, y, k] = if inverted {
                [p[0], p[1], p[2], p[3]]
            } else {
                [255 - p[0], 255 - p[1], 255 - p[2], 255 - p[3]]
            };
            let mix = |v: u8| ((u16::from(v) * u16::from(k) + 127) / 255) as u8;
            [mix(c), mix(m), mix(y)]
        })
        .collect();
    Converted { rgb, warning }
}

/// RGBA to RGB on a white background.
pub fn flatten_on_white(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .flat_map(|p| {
            let a = u16::from(p[3]);
            let over = |v: u8| ((u16::from(v) * a + 255 * (255 - a) + 127) / 255) as u8;
            [over(p[0]), over(p[1]), over(p[2])]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transparent_becomes_white_and_opaque_stays() {
        assert_eq!(
            flatten_on_white(&[0, 0, 0, 0, 10, 20, 30, 255]),
            vec![255, 255, 255, 10, 20, 30]
        );
    }

    #[test]
    fn naive_cmyk() {
        // Adobe-inverted: 255 = no ink -> white; 0 K -> black.
        let c = cmyk_to_srgb(&[255, 255, 255, 255, 255, 255, 255, 0], true, None);
        assert_eq!(c.rgb, vec![255, 255, 255, 0, 0, 0]);
        let c = cmyk_to_srgb(&[0, 0, 0, 0], false, None);
        assert_eq!(c.rgb, vec![255, 255, 255]);
    }

    #[test]
    fn an_srgb_profile_is_near_identity_and_garbage_is_a_warning() {
        let icc = Profile::new_srgb().icc().unwrap();
        let c = rgb_to_srgb(vec![200, 100, 50], Some(&icc));
        assert!(c.warning.is_none());
        assert!(
            c.rgb
                .iter()
                .zip([200u8, 100, 50])
                .all(|(a, b)| a.abs_diff(b) <= 2),
            "{:?}",
            c.rgb
        );
        let c = rgb_to_srgb(vec![1, 2, 3], Some(b"not a profile"));
        assert_eq!(c.rgb, vec![1, 2, 3]);
        assert!(c.warning.unwrap().contains("unreadable"));
    }
}
