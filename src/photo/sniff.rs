//! Format detection from the bytes, never from a file name.

use serde::Serialize;

use crate::error::{Error, Result};

/// An input format the pipeline decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Jpeg,
    Png,
    Gif,
    Bmp,
    WebP,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::Gif => "GIF",
            Format::Bmp => "BMP",
            Format::WebP => "WebP",
        }
    }
}

/// Detect the format from the first bytes.
pub fn sniff(bytes: &[u8]) -> Result<Format> {
    if bytes.is_empty() {
        return Err(Error::EmptyInput);
    }
    let format = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Format::Jpeg
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Format::Png
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Format::Gif
    } else if bytes.starts_with(b"BM") && bytes.len() >= 26 {
        Format::Bmp
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Format::WebP
    } else {
        return Err(Error::UnsupportedFormat {
            looks_like: describe_unknown(bytes),
        });
    };
    Ok(format)
}

/// Say what unsupported bytes look like, so an admin can tell a HEIC from an HTML error page.
pub fn describe_unknown(bytes: &[u8]) -> String {
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
    let known: &[(bool, &str)] = &[
        (
            at(4, b"ftypheic") || at(4, b"ftypheix") || at(4, b"ftypmif1") || at(4, b"ftyphevc"),
            "HEIC/HEIF (an iPhone photo; export it as JPEG)",
        ),
        (at(4, b"ftypavif"), "AVIF"),
        (at(0, b"II*\0") || at(0, b"MM\0*"), "TIFF"),
        (at(0, b"%PDF"), "PDF"),
        (
            at(0, b"PK\x03\x04"),
            "a ZIP archive (or an Office document)",
        ),
        (at(0, b"8BPS"), "a Photoshop document (PSD)"),
        (at(0, &[0, 0, 1, 0]), "a Windows icon (ICO)"),
        (at(0, &[0xFF, 0x0A]) || at(4, b"JXL "), "JPEG XL"),
        (
            at(4, b"jP  ") || at(0, &[0xFF, 0x4F, 0xFF, 0x51]),
            "JPEG 2000",
        ),
        (
            at(0, &[0xFF, 0xD8]),
            "a damaged JPEG (no marker after the start of image)",
        ),
        (at(0, b"BM"), "a damaged BMP (header cut short)"),
        (at(0, b"RIFF"), "a RIFF file that is not WebP"),
    ];
    if let Some((_, what)) = known.iter().find(|(hit, _)| *hit) {
        return what.to_string();
    }
    let head = &bytes[..bytes.len().min(64)];
    if let Ok(text) = std::str::from_utf8(head) {
        if text.chars().all(|c| !c.is_control() || c.is_whitespace()) {
            let lower = text.trim_start().to_ascii_lowercase();
            let kind = if lower.starts_with("<svg") || lower.contains("<svg") {
                "an SVG drawing"
            } else if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
                "an HTML page"
            } else if lower.starts_with("<?xml") {
                "XML"
            } else if lower.starts_with('{') || lower.starts_with('[') {
                "JSON"
            } else {
                "text"
            };
            let snippet: String = text.trim().chars().take(24).collect();
            return format!("{kind} (starts with {snippet:?})");
        }
    }
    let hex: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("unrecognised binary data (first bytes {})", hex.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest").unwrap(), Format::Jpeg);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....").unwrap(), Format::Png);
        assert_eq!(sniff(b"GIF89a......").unwrap(), Format::Gif);
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 ").unwrap(), Format::WebP);
        assert!(matches!(sniff(b""), Err(Error::EmptyInput)));
    }

    #[test]
    fn names_what_unsupported_bytes_look_like() {
        let d = |b: &[u8]| sniff(b).unwrap_err().to_string();
        assert!(d(b"\0\0\0\x18ftypheic\0\0").contains("HEIC"));
        assert!(d(b"hello, this is a text file").contains("text (starts with \"hello"));
        assert!(d(b"<!DOCTYPE html><html>").contains("HTML page"));
        assert!(d(&[0x13, 0x37, 0x00, 0xff, 1, 2, 3, 4, 5]).contains("13 37 00 ff"));
    }
}
