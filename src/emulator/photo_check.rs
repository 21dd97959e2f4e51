//! How the emulator looks at photos: with the `image` crate's own decoders (zune-jpeg for
//! JPEG, the png crate), never the library's, so that a bug in the library's decoder or
//! encoder cannot hide behind the same code on both sides.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits};

/// What Graph would store: the format, its content type and the dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Looked {
    pub format: ImageFormat,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
}

/// Pixels an upload may decode to: Graph's limit is in bytes (4 MB), and a 4 MB JPEG can
/// claim any size, so the emulator bounds the decode it does itself.
const MAX_ALLOC: u64 = 512 * 1024 * 1024;

/// The format and dimensions from the header, after decoding every pixel when `decode` (an
/// upload: the bytes must really be an image, not only start like one).
pub(crate) fn look(bytes: &[u8], decode: bool) -> Result<Looked, String> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let format = reader.format().ok_or("the bytes are no image format")?;
    let content_type = content_type(format);
    let (width, height) = if decode {
        let mut reader = reader;
        let mut limits = Limits::default();
        limits.max_alloc = Some(MAX_ALLOC);
        reader.limits(limits);
        let image = reader.decode().map_err(|e| e.to_string())?;
        (image.width(), image.height())
    } else {
        reader.into_dimensions().map_err(|e| e.to_string())?
    };
    Ok(Looked {
        format,
        content_type,
        width,
        height,
    })
}

pub(crate) fn content_type(f: ImageFormat) -> &'static str {
    match f {
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::Png => "image/png",
        ImageFormat::Gif => "image/gif",
        ImageFormat::Bmp => "image/bmp",
        ImageFormat::WebP => "image/webp",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::ImageEncoder;

    #[test]
    fn an_upload_is_decoded_not_only_sniffed() {
        let rgb: Vec<u8> = (0..64 * 64 * 3).map(|i| (i * 7 % 251) as u8).collect();
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
            .encode(&rgb, 64, 64, image::ExtendedColorType::Rgb8)
            .unwrap();
        let whole = look(&jpeg, true).unwrap();
        assert_eq!(
            (whole.content_type, whole.width, whole.height),
            ("image/jpeg", 64, 64)
        );
        // A PNG cut inside its pixel data: the header reads, the pixels do not.
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(&rgb, 64, 64, image::ExtendedColorType::Rgb8)
            .unwrap();
        let cut = &png[..png.len() / 2];
        assert_eq!(look(cut, false).unwrap().content_type, "image/png");
        assert!(look(cut, true).is_err());
        assert!(look(b"not an image", false).is_err());
    }
}
