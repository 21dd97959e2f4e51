//! The photo pipeline: sniff -> probe and check limits -> decode (shrink on load, orient,
//! sRGB) -> crop and resize -> encode to each target's byte budget.

mod color;
mod decode;
mod encode;
pub mod face;
mod probe;
mod resize;
mod sniff;

use serde::{Deserialize, Serialize};

pub use decode::Decoded;
pub use encode::{encode_jpeg, EncoderMode};
pub use face::{Check, CheckCode, PixelBox};
pub use probe::ColorModel;
pub use resize::Crop;
pub use sniff::Format;

use crate::error::{Error, Result};
use crate::targets::{DecodeLimits, Target, TargetRequest, PROFILES};

/// What a caller asks of the pipeline. JSON form (all fields optional):
/// `{"targets": ["graph", {"target": "ad-thumbnail", "max_bytes": 20480}, {"size": 200, "max_bytes": 30000}],
///   "crop": "auto" | "face" | "centre" | "none", "refuse": ["no-face", "several-faces", ...],
///   "skip_checks": false,
///   "allow_upscale": false, "allow_animated": false,
///   "limits": {"max_input_bytes": .., "max_width": .., "max_height": .., "max_pixels": .., "min_short_side": ..}}`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// Targets to render or check; empty means every built-in profile.
    pub targets: Vec<TargetRequest>,
    pub crop: Crop,
    /// Photo checks that refuse the photo instead of warning (none by default).
    pub refuse: Vec<CheckCode>,
    /// Run no photo checks. With crop `centre` or `none` nothing then looks for faces, which
    /// is most of a render's CPU time (`auto` and `face` still look, to frame the face).
    pub skip_checks: bool,
    /// Render at the target size even when the source is smaller.
    pub allow_upscale: bool,
    /// Use the first frame of an animated GIF, PNG or WebP instead of refusing it.
    pub allow_animated: bool,
    pub limits: DecodeLimits,
}

impl Options {
    /// The resolved targets (every built-in profile when none were asked for), once the
    /// options are known to fit together.
    pub fn resolved_targets(&self) -> Result<Vec<Target>> {
        if self.skip_checks && !self.refuse.is_empty() {
            return Err(Error::InvalidOptions(
                "refuse needs the photo checks, which skip_checks turns off: give one of them"
                    .into(),
            ));
        }
        if self.targets.is_empty() {
            return Ok(PROFILES.iter().map(Target::from_profile).collect());
        }
        self.targets.iter().map(Target::resolve).collect()
    }
}

/// A photo whose headers have been read and checked against the limits.
#[derive(Debug)]
pub struct Photo<'a> {
    bytes: &'a [u8],
    header: probe::Header,
}

impl<'a> Photo<'a> {
    /// Sniff and probe; refuse anything over the limits before decoding.
    pub fn open(bytes: &'a [u8], options: &Options) -> Result<Self> {
        let limits = &options.limits;
        if bytes.len() as u64 > limits.max_input_bytes {
            return Err(Error::InputTooLarge {
                bytes: bytes.len() as u64,
                limit: limits.max_input_bytes,
            });
        }
        let format = sniff::sniff(bytes)?;
        let header = probe::probe(format, bytes)?;
        let (w, h) = (u64::from(header.width), u64::from(header.height));
        if w > u64::from(limits.max_width) || h > u64::from(limits.max_height) {
            return Err(Error::DimensionsTooLarge {
                format: format.name(),
                width: w,
                height: h,
                max_width: limits.max_width,
                max_height: limits.max_height,
            });
        }
        if w * h > limits.max_pixels {
            return Err(Error::TooManyPixels {
                format: format.name(),
                width: w,
                height: h,
                pixels: w * h,
                limit: limits.max_pixels,
            });
        }
        if header.frames > 1 && !options.allow_animated {
            return Err(Error::Animated {
                format: format.name(),
                frames: header.frames,
            });
        }
        Ok(Photo { bytes, header })
    }

    pub fn format(&self) -> Format {
        self.header.format
    }

    /// Stored (not upright) dimensions.
    pub fn dimensions(&self) -> (u32, u32) {
        (self.header.width, self.header.height)
    }

    /// Decode upright sRGB, at a reduced JPEG scale that keeps the short side >= `want`.
    pub fn decode(&self, limits: &DecodeLimits, want_short_side: u32) -> Result<Decoded> {
        decode::decode(self.bytes, &self.header, limits, want_short_side)
    }
}

/// The source as the pipeline saw it.
#[derive(Debug, Clone, Serialize)]
pub struct SourceInfo {
    pub format: Format,
    pub bytes: u64,
    /// Stored dimensions.
    pub width: u32,
    pub height: u32,
    /// EXIF orientation, 1..=8.
    pub orientation: u8,
    /// Dimensions once upright.
    pub upright_width: u32,
    pub upright_height: u32,
    pub color_model: ColorModel,
    pub has_alpha: bool,
    pub bit_depth: u8,
    pub icc_profile: bool,
    pub progressive: bool,
    pub frames: u32,
}

/// Whether a photo can go to a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The bytes can be stored unchanged.
    Fits,
    /// A rendition has to be made (resize, crop, rotate, re-encode); the problems say why.
    NeedsResize,
    /// No rendition can be made; the problems say why.
    Unusable,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetCheck {
    pub target: String,
    pub size: u32,
    pub max_bytes: u64,
    pub verdict: Verdict,
    /// Side of the rendition the pipeline would make (smaller than `size` without upscaling).
    pub rendition_size: Option<u32>,
    /// Stable error code when unusable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
    pub problems: Vec<String>,
}

/// A detected face, in the upright source's pixels.
#[derive(Debug, Clone, Serialize)]
pub struct FaceReport {
    #[serde(rename = "box")]
    pub region: PixelBox,
    /// The detector's score (confident from `FACE_CONFIDENT_SCORE` on).
    pub score: f64,
}

/// The crop every rendition of a photo is made from.
#[derive(Debug, Clone, Serialize)]
pub struct CropReport {
    /// What was done: `face`, `centre` or `none`.
    pub mode: Crop,
    /// The part of the upright source that is kept.
    #[serde(rename = "box")]
    pub region: PixelBox,
    /// Why the mode asked for was not used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What `validate` says about a photo.
#[derive(Debug, Clone, Serialize)]
pub struct ValidationReport {
    pub source: SourceInfo,
    pub targets: Vec<TargetCheck>,
    pub warnings: Vec<String>,
    pub crop: CropReport,
    pub faces: Vec<FaceReport>,
    /// Warnings about the photo as a portrait, each with a stable code.
    pub checks: Vec<Check>,
}

/// One encoded rendition.
#[derive(Debug, Clone, Serialize)]
pub struct Rendition {
    pub target: String,
    pub width: u32,
    pub height: u32,
    /// Encoded size in bytes.
    pub bytes: u64,
    pub max_bytes: u64,
    pub quality: u8,
    pub encoder: EncoderMode,
    pub attempts: u32,
    /// What was done to meet the target (upscaling refused, quality lowered, size reduced).
    pub notes: Vec<String>,
    #[serde(skip)]
    pub data: Vec<u8>,
}

/// Renditions of one photo.
#[derive(Debug, Clone, Serialize)]
pub struct RenderOutput {
    pub source: SourceInfo,
    pub renditions: Vec<Rendition>,
    pub warnings: Vec<String>,
    pub crop: CropReport,
    pub faces: Vec<FaceReport>,
    pub checks: Vec<Check>,
}

/// Side of the rendition for `target` from the crop's region of the decoded image.
fn rendition_side(region: &face::Region, target: &Target, options: &Options) -> u32 {
    let available = (region.width.max(region.height).round() as u32).max(1);
    if options.allow_upscale {
        target.size
    } else {
        target.size.min(available)
    }
}

fn source_info(photo: &Photo, d: &Decoded) -> SourceInfo {
    let h = &photo.header;
    let swapped = d.orientation.to_exif() >= 5;
    let (uw, uh) = if swapped {
        (h.height, h.width)
    } else {
        (h.width, h.height)
    };
    SourceInfo {
        format: h.format,
        bytes: photo.bytes.len() as u64,
        width: h.width,
        height: h.height,
        orientation: d.orientation.to_exif(),
        upright_width: uw,
        upright_height: uh,
        color_model: d.color_model,
        has_alpha: d.has_alpha,
        bit_depth: d.bit_depth,
        icc_profile: d.icc_profile,
        progressive: h.progressive,
        frames: h.frames,
    }
}

fn too_small(info: &SourceInfo, options: &Options) -> Option<Error> {
    let (w, h) = (info.upright_width, info.upright_height);
    (w.min(h) < options.limits.min_short_side).then_some(Error::TooSmall {
        width: w,
        height: h,
        min: options.limits.min_short_side,
    })
}

/// Largest side any of `targets` needs from the decoder.
fn decode_side(targets: &[Target], options: &Options) -> u32 {
    targets
        .iter()
        .map(|t| t.size)
        .max()
        .unwrap_or(0)
        .max(options.limits.min_short_side)
}

/// What the pixels say, decided once per photo: faces, the crop, the checks.
struct Look {
    crop: CropReport,
    framing: face::Framing,
    faces: Vec<FaceReport>,
    checks: Vec<Check>,
}

fn look(decoded: &Decoded, source: &SourceInfo, targets: &[Target], options: &Options) -> Look {
    let needs_faces = !options.skip_checks || matches!(options.crop, Crop::Auto | Crop::Face);
    let analysis = if needs_faces {
        face::analyse(decoded.width, decoded.height, &decoded.rgb)
    } else {
        face::Analysis::not_looked_at()
    };
    let largest = targets.iter().map(|t| t.size).max().unwrap_or(0);
    let framing = face::frame(
        decoded.width,
        decoded.height,
        options.crop,
        &analysis,
        f64::from(largest),
    );
    let short = source.upright_width.min(source.upright_height);
    let checks = if options.skip_checks {
        Vec::new()
    } else {
        face::checks(&analysis, &framing, short, largest)
    };
    // Decoded pixels -> the upright source's.
    let scale = f64::from(source.upright_width) / f64::from(decoded.width.max(1));
    Look {
        crop: CropReport {
            mode: framing.mode,
            region: framing.region.to_box(scale),
            reason: framing.reason.clone(),
        },
        faces: analysis
            .faces
            .iter()
            .map(|f| FaceReport {
                region: f.region.to_box(scale),
                score: (f.score * 100.0).round() / 100.0,
            })
            .collect(),
        framing,
        checks,
    }
}

/// The first check the caller asked to refuse, as an error.
fn refusal(checks: &[Check], options: &Options) -> Option<Error> {
    checks
        .iter()
        .find(|c| options.refuse.contains(&c.code))
        .map(|c| Error::CheckRefused {
            check: c.code.as_str(),
            detail: c.message.clone(),
        })
}

/// Check a photo against targets: reads the headers, decodes (at reduced scale) to prove the
/// data is intact, and says per target whether the bytes fit as they are.
pub fn validate(bytes: &[u8], options: &Options) -> Result<ValidationReport> {
    let targets = options.resolved_targets()?;
    let photo = Photo::open(bytes, options)?;
    let decoded = photo.decode(&options.limits, decode_side(&targets, options))?;
    let source = source_info(&photo, &decoded);
    let look = look(&decoded, &source, &targets, options);
    let small = too_small(&source, options).or_else(|| refusal(&look.checks, options));
    let checks = targets
        .iter()
        .map(|t| {
            let mut problems = Vec::new();
            if let Some(e) = &small {
                problems.push(e.to_string());
                return TargetCheck {
                    target: t.name.clone(),
                    size: t.size,
                    max_bytes: t.max_bytes,
                    verdict: Verdict::Unusable,
                    rendition_size: None,
                    error: Some(e.code()),
                    problems,
                };
            }
            let (w, h) = (source.upright_width, source.upright_height);
            if source.format != Format::Jpeg {
                problems.push(format!("{} is stored as JPEG: it will be re-encoded", source.format.name()));
            }
            if source.bytes > t.max_bytes {
                problems.push(format!("{} bytes is over the {} byte budget", source.bytes, t.max_bytes));
            }
            if source.orientation != 1 {
                problems.push(format!("EXIF orientation {}: the pixels will be turned upright", source.orientation));
            }
            match look.framing.mode {
                Crop::None => {}
                Crop::Face => problems.push(format!("{w} x {h} will be cropped around the face")),
                _ if w != h => problems.push(format!("{w} x {h} is not square: it will be cropped from the centre")),
                _ => {}
            }
            if w.max(h) > t.size {
                problems.push(format!("{w} x {h} is larger than {} x {}: it will be resized", t.size, t.size));
            }
            if source.has_alpha {
                problems.push("transparency will be flattened on white".into());
            }
            if source.icc_profile || matches!(source.color_model, ColorModel::Cmyk | ColorModel::Ycck) {
                problems.push(format!("{:?} colour with an embedded profile will be converted to sRGB", source.color_model));
            }
            let side = rendition_side(&look.framing.region, t, options);
            if side < t.size {
                problems.push(format!(
                    "the short side is {} px: the rendition will be {side} px, not {} px (no upscaling)",
                    w.min(h),
                    t.size
                ));
            }
            TargetCheck {
                target: t.name.clone(),
                size: t.size,
                max_bytes: t.max_bytes,
                verdict: if problems.is_empty() { Verdict::Fits } else { Verdict::NeedsResize },
                rendition_size: Some(side),
                error: None,
                problems,
            }
        })
        .collect();
    Ok(ValidationReport {
        source,
        targets: checks,
        warnings: decoded.warnings,
        crop: look.crop,
        faces: look.faces,
        checks: look.checks,
    })
}

/// Render every requested target from one decode.
pub fn render(bytes: &[u8], options: &Options) -> Result<RenderOutput> {
    let targets = options.resolved_targets()?;
    let photo = Photo::open(bytes, options)?;
    let decoded = photo.decode(&options.limits, decode_side(&targets, options))?;
    let source = source_info(&photo, &decoded);
    if let Some(e) = too_small(&source, options) {
        return Err(e);
    }
    let look = look(&decoded, &source, &targets, options);
    if let Some(e) = refusal(&look.checks, options) {
        return Err(e);
    }
    let region = look.framing.region;
    let mut renditions = Vec::with_capacity(targets.len());
    for t in &targets {
        let side = rendition_side(&region, t, options);
        let mut notes = Vec::new();
        let upright_short = source.upright_width.min(source.upright_height);
        if side < t.size {
            notes.push(format!(
                "source is {} x {}: rendition is {side} px, not {} px (no upscaling)",
                source.upright_width, source.upright_height, t.size
            ));
        } else if options.allow_upscale && upright_short < t.size {
            notes.push(format!("upscaled from a {upright_short} px short side"));
        }
        let e = encode::encode_to_budget(t, side, |s| {
            resize::resize_rgb(decoded.width, decoded.height, &decoded.rgb, &region, s)
        })?;
        if e.quality < t.quality {
            notes.push(format!(
                "quality lowered from {} to {} to fit {} bytes",
                t.quality, e.quality, t.max_bytes
            ));
        }
        if e.width.max(e.height) < side {
            notes.push(format!(
                "size reduced from {side} px to {} x {} to fit {} bytes",
                e.width, e.height, t.max_bytes
            ));
        }
        renditions.push(Rendition {
            target: t.name.clone(),
            width: e.width,
            height: e.height,
            bytes: e.data.len() as u64,
            max_bytes: t.max_bytes,
            quality: e.quality,
            encoder: e.mode,
            attempts: e.attempts,
            notes,
            data: e.data,
        });
    }
    Ok(RenderOutput {
        source,
        renditions,
        warnings: decoded.warnings,
        crop: look.crop,
        faces: look.faces,
        checks: look.checks,
    })
}

/// JPEG marker codes of the segments before the first scan (used to prove outputs carry no
/// EXIF, ICC or comment segments).
pub fn jpeg_header_markers(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut pos = 2;
    while let (Some(&0xFF), Some(&m)) = (bytes.get(pos), bytes.get(pos + 1)) {
        out.push(m);
        if m == 0xDA {
            break;
        }
        let len = bytes
            .get(pos + 2..pos + 4)
            .map_or(0, |s| usize::from(u16::from_be_bytes([s[0], s[1]])));
        pos += 2 + len;
    }
    out
}
