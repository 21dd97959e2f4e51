//! The one table of sizes, byte budgets and limits. The CLI, the C ABI and the PowerShell
//! module read these numbers from here (the C ABI exposes them as JSON through `up_targets`).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A store's rule for a profile photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TargetProfile {
    /// Name used on the command line, in JSON and in PowerShell (`graph`, `ad-thumbnail`, ...).
    pub name: &'static str,
    /// Who reads the rendition.
    pub store: &'static str,
    /// Side of the square rendition, in pixels.
    pub size: u32,
    /// Default byte budget of the encoded rendition.
    pub max_bytes: u64,
    /// Largest budget a caller may ask for (the store's hard limit).
    pub max_bytes_ceiling: u64,
    /// JPEG quality tried first; lowered only when the budget demands it.
    pub quality: u8,
}

/// Microsoft Graph `PUT /users/{id}/photo/$value`: 4 MB hard limit; 648 x 648 is the largest
/// size Graph serves, so anything bigger is wasted bytes.
pub const GRAPH: TargetProfile = TargetProfile {
    name: "graph",
    store: "Entra ID / Exchange Online (Microsoft Graph)",
    size: 648,
    max_bytes: 4 * 1024 * 1024,
    max_bytes_ceiling: 4 * 1024 * 1024,
    quality: 90,
};

/// On-premises AD `thumbnailPhoto`: the schema caps the attribute at 102,400 bytes, but Entra
/// Connect and Exchange Online took only 10 KB, so 96 x 96 within 10 KB is the safe default.
pub const AD_THUMBNAIL: TargetProfile = TargetProfile {
    name: "ad-thumbnail",
    store: "on-premises Active Directory thumbnailPhoto",
    size: 96,
    max_bytes: 10 * 1024,
    max_bytes_ceiling: 100 * 1024,
    quality: 90,
};

/// On-premises Exchange `Set-UserPhoto` through remote PowerShell.
pub const EXCHANGE_ONPREM: TargetProfile = TargetProfile {
    name: "exchange-onprem",
    store: "on-premises Exchange Server (Set-UserPhoto)",
    size: 648,
    max_bytes: 500 * 1024,
    max_bytes_ceiling: 500 * 1024,
    quality: 90,
};

/// Every built-in profile, in the order they are listed to users.
pub const PROFILES: [TargetProfile; 3] = [GRAPH, AD_THUMBNAIL, EXCHANGE_ONPREM];

/// The smallest byte budget any target may have.
pub const MIN_MAX_BYTES: u64 = 1024;

/// Requests to Microsoft Graph in flight at once per client: the Photo API's published
/// per-app concurrency.
pub const GRAPH_MAX_CONCURRENCY: usize = 4;
/// LDAP operations in flight at once per domain-controller connection.
pub const DIRECTORY_MAX_CONCURRENCY: usize = 4;

/// Limits for custom targets.
pub const CUSTOM_MAX_SIZE: u32 = 4096;
pub const CUSTOM_MIN_SIZE: u32 = 16;
pub const CUSTOM_DEFAULT_QUALITY: u8 = 90;
/// Budget of a custom target that names none: the largest any store takes (Graph's), so the
/// size alone decides, as a caller asking only for a size expects.
pub const CUSTOM_DEFAULT_MAX_BYTES: u64 = GRAPH.max_bytes_ceiling;

/// Lowest JPEG quality the budget search goes to before it reduces the size instead.
pub const MIN_QUALITY: u8 = 40;
/// Each size step of the budget search keeps this fraction of the side.
pub const SIZE_STEP: f64 = 0.85;
/// The budget search never goes below this side, in pixels.
pub const MIN_RENDITION_SIZE: u32 = 16;

/// Limits checked from the headers before any large allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DecodeLimits {
    pub max_input_bytes: u64,
    pub max_width: u32,
    pub max_height: u32,
    pub max_pixels: u64,
    /// Sources whose short side (after orientation) is below this are refused as too small.
    pub min_short_side: u32,
}

/// How a rendition's box is filled. One crop serves every rendition of a photo.
/// The default is `auto`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Crop {
    /// `face` when exactly one confident face is found, otherwise `centre` (the report says why).
    #[default]
    Auto,
    /// A square framing the face (the most confident one), with room for hair above and
    /// chin and shoulders below; `centre` when no face is found.
    Face,
    /// Square, cut from the centre of the photo.
    #[serde(alias = "center")]
    Centre,
    /// Keep the aspect ratio; the long side fits the box.
    None,
}

impl Crop {
    pub const ALL: [Crop; 4] = [Crop::Auto, Crop::Face, Crop::Centre, Crop::None];

    pub fn as_str(self) -> &'static str {
        match self {
            Crop::Auto => "auto",
            Crop::Face => "face",
            Crop::Centre => "centre",
            Crop::None => "none",
        }
    }

    /// Any case; `center` as well as `centre`.
    pub fn parse(s: &str) -> Option<Crop> {
        let s = s.trim().to_ascii_lowercase();
        if s == "center" {
            return Some(Crop::Centre);
        }
        Crop::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Face framing and photo checks (`photo::face`). Detection runs on a grey working copy
/// whose long side is at most this many pixels: a face is found in a few milliseconds. A
/// face under about 35 px in it (11 % of the long side) is not found reliably.
pub const FACE_WORKING_SIDE: u32 = 320;
/// SeetaFace's score threshold for a detection; below it the detector reports nothing.
pub const FACE_MIN_SCORE: f64 = 2.0;
/// A detection is a confident face from this score on (weaker ones are ignored, so a
/// pattern in the background does not count as a second face).
pub const FACE_CONFIDENT_SCORE: f64 = 5.0;
/// Face framing: the square's side is at least this many times the detected face box (the
/// box covers brows to chin; the whole head is then about 60 % of the side, as on ID photos).
pub const FACE_SIDE_RATIO: f64 = 2.4;
/// Face framing: the eye line sits this far down the square (ID photos: 30-50 % from the top).
pub const FACE_EYE_LINE: f64 = 0.42;
/// Where the eyes are in a detected face box, from its top.
pub const FACE_BOX_EYES: f64 = 0.4;
/// `face-too-small`: the detected face is under this share of the short side.
pub const FACE_TOO_SMALL: f64 = 0.2;
/// `too-dark` / `too-bright`: mean luminance (0-255) below / above these.
pub const DARK_MEAN_LUMA: f64 = 50.0;
pub const BRIGHT_MEAN_LUMA: f64 = 215.0;
/// `low-detail`: mean absolute luminance step between neighbouring pixels of the working
/// copy below this (a flat logo or an empty frame; a portrait is well above 3).
pub const LOW_DETAIL: f64 = 1.5;

/// Sane defaults: a 200-megapixel phone photo is accepted; memory stays bounded because JPEG
/// is decoded at a reduced scale and other formats are refused above `max_pixels`.
pub const DEFAULT_LIMITS: DecodeLimits = DecodeLimits {
    max_input_bytes: 64 * 1024 * 1024,
    max_width: 20_000,
    max_height: 20_000,
    max_pixels: 210_000_000,
    min_short_side: 48,
};

/// A progressive JPEG is decoded scan by scan; real files have about 10 scans, while a
/// crafted one can hold thousands to burn CPU. More than this is refused as corrupt.
pub const MAX_JPEG_SCANS: u32 = 500;

/// Formats other than JPEG are decoded at full size; they get a tighter pixel ceiling so one
/// photo never needs more than about 200 MiB of pixels.
pub const MAX_FULL_DECODE_PIXELS: u64 = 50_000_000;

impl Default for DecodeLimits {
    fn default() -> Self {
        DEFAULT_LIMITS
    }
}

/// What a caller asks for: a built-in profile by name (optionally with another budget), or a
/// custom box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TargetRequest {
    Name(String),
    Spec(TargetSpecRequest),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpecRequest {
    /// A profile name, or `custom` (the default when `size` is given).
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub size: Option<u32>,
    #[serde(default)]
    pub max_bytes: Option<u64>,
    #[serde(default)]
    pub quality: Option<u8>,
}

/// A resolved target: what the pipeline renders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    pub name: String,
    pub size: u32,
    pub max_bytes: u64,
    pub quality: u8,
}

impl Target {
    pub fn from_profile(p: &TargetProfile) -> Self {
        Target {
            name: p.name.to_string(),
            size: p.size,
            max_bytes: p.max_bytes,
            quality: p.quality,
        }
    }

    /// Resolve a name such as `graph` or `ad-thumbnail`.
    pub fn named(name: &str) -> Result<Self> {
        profile(name)
            .map(|p| Target::from_profile(&p))
            .ok_or_else(|| {
                Error::InvalidOptions(format!(
                    "unknown target {name:?}; known targets are {}, or a custom size",
                    PROFILES
                        .iter()
                        .map(|p| p.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }

    pub fn resolve(req: &TargetRequest) -> Result<Self> {
        match req {
            TargetRequest::Name(n) => Target::named(n),
            TargetRequest::Spec(s) => s.resolve(),
        }
    }
}

impl TargetSpecRequest {
    fn resolve(&self) -> Result<Target> {
        let mut t = match (self.target.as_deref(), self.size) {
            (None | Some("custom"), Some(size)) => {
                if !(CUSTOM_MIN_SIZE..=CUSTOM_MAX_SIZE).contains(&size) {
                    return Err(Error::InvalidOptions(format!(
                        "custom size {size} px is outside {CUSTOM_MIN_SIZE}..={CUSTOM_MAX_SIZE} px"
                    )));
                }
                Target {
                    name: format!("custom-{size}"),
                    size,
                    max_bytes: self.max_bytes.unwrap_or(CUSTOM_DEFAULT_MAX_BYTES),
                    quality: CUSTOM_DEFAULT_QUALITY,
                }
            }
            (None | Some("custom"), None) => {
                return Err(Error::InvalidOptions("a custom target needs a size".into()))
            }
            (Some(name), size) => {
                let p = profile(name).ok_or_else(|| Target::named(name).unwrap_err())?;
                if let Some(size) = size.filter(|s| *s != p.size) {
                    return Err(Error::InvalidOptions(format!(
                        "target {name} is {} px; size {size} needs a custom target",
                        p.size
                    )));
                }
                let mut t = Target::from_profile(&p);
                if let Some(b) = self.max_bytes {
                    if b > p.max_bytes_ceiling {
                        return Err(Error::InvalidOptions(format!(
                            "target {name}: max_bytes {b} is over the store's limit of {} bytes",
                            p.max_bytes_ceiling
                        )));
                    }
                    t.max_bytes = b;
                }
                t
            }
        };
        if t.max_bytes < MIN_MAX_BYTES {
            return Err(Error::InvalidOptions(format!(
                "target {}: max_bytes {} is below the {MIN_MAX_BYTES}-byte minimum",
                t.name, t.max_bytes
            )));
        }
        if let Some(q) = self.quality {
            if !(MIN_QUALITY..=100).contains(&q) {
                return Err(Error::InvalidOptions(format!(
                    "target {}: quality {q} is outside {MIN_QUALITY}..=100",
                    t.name
                )));
            }
            t.quality = q;
        }
        Ok(t)
    }
}

/// The built-in profile with this name.
pub fn profile(name: &str) -> Option<TargetProfile> {
    PROFILES.iter().copied().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn crop_modes_parse_in_any_case() {
        assert_eq!(Crop::parse("Centre"), Some(Crop::Centre));
        assert_eq!(Crop::parse("CENTER"), Some(Crop::Centre));
        assert_eq!(Crop::parse("auto"), Some(Crop::Auto));
        assert_eq!(Crop::parse("Face"), Some(Crop::Face));
        assert_eq!(Crop::parse("left"), None);
    }

    use super::*;

    fn spec(json: &str) -> Result<Target> {
        Target::resolve(&serde_json::from_str(json).unwrap())
    }

    #[test]
    fn names_resolve_to_the_table() {
        assert_eq!(Target::named("graph").unwrap().size, 648);
        assert_eq!(Target::named("ad-thumbnail").unwrap().max_bytes, 10240);
        assert!(Target::named("teams")
            .unwrap_err()
            .to_string()
            .contains("graph, ad-thumbnail, exchange-onprem"));
    }

    #[test]
    fn ad_budget_is_configurable_up_to_the_schema_cap() {
        let t = spec(r#"{"target":"ad-thumbnail","max_bytes":102400}"#).unwrap();
        assert_eq!(t.max_bytes, 102_400);
        let e = spec(r#"{"target":"ad-thumbnail","max_bytes":112640}"#).unwrap_err();
        assert!(e.to_string().contains("102400"), "{e}");
    }

    #[test]
    fn custom_targets_need_a_size_and_may_name_a_budget() {
        let t = spec(r#"{"size":200,"max_bytes":30000}"#).unwrap();
        assert_eq!(
            (t.name.as_str(), t.size, t.max_bytes),
            ("custom-200", 200, 30000)
        );
        let t = spec(r#"{"size":200}"#).unwrap();
        assert_eq!((t.size, t.max_bytes), (200, CUSTOM_DEFAULT_MAX_BYTES));
        assert!(spec(r#"{"max_bytes":30000}"#).is_err());
        assert!(spec(r#"{"size":9000,"max_bytes":30000}"#).is_err());
        assert!(spec(r#"{"target":"graph","size":200}"#).is_err());
        assert!(spec(r#"{"size":200,"max_bytes":30000,"quality":5}"#).is_err());
    }
}
