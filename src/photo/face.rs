//! Faces and photo checks: SeetaFace's frontal face detector (rustface, with its model
//! embedded in the library) on a small grey working copy of the decoded photo, the crop
//! square that frames a face, and what the pixels say about the photo as a portrait.
//! Checks are warnings; a caller may refuse chosen ones (`Options::refuse`).

use std::sync::OnceLock;

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use serde::{Deserialize, Serialize};

use super::resize::Crop;
use crate::targets::{
    BRIGHT_MEAN_LUMA, DARK_MEAN_LUMA, FACE_BOX_EYES, FACE_CONFIDENT_SCORE, FACE_EYE_LINE,
    FACE_MIN_SCORE, FACE_SIDE_RATIO, FACE_TOO_SMALL, FACE_WORKING_SIDE, LOW_DETAIL,
};

/// SeetaFace's frontal face model (BSD-2, `face/LICENSE-SeetaFace`), read once.
static MODEL_BYTES: &[u8] = include_bytes!("face/seeta_fd_frontal_v1.0.bin");

fn model() -> Option<&'static rustface::Model> {
    static MODEL: OnceLock<Option<rustface::Model>> = OnceLock::new();
    MODEL
        .get_or_init(|| rustface::read_model(MODEL_BYTES).ok())
        .as_ref()
}

/// The detector's smallest window (rustface refuses less).
const MIN_WINDOW: u32 = 20;

/// A rectangle in the pixels of the decoded, upright image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

impl Region {
    pub fn whole(width: u32, height: u32) -> Self {
        Region {
            left: 0.0,
            top: 0.0,
            width: f64::from(width),
            height: f64::from(height),
        }
    }

    /// Whether `inner` lies inside (to within half a pixel).
    pub fn contains(&self, inner: &Region) -> bool {
        inner.left >= self.left - 0.5
            && inner.top >= self.top - 0.5
            && inner.left + inner.width <= self.left + self.width + 0.5
            && inner.top + inner.height <= self.top + self.height + 0.5
    }

    /// The same rectangle in another pixel grid (`scale` = other / this), rounded.
    pub fn to_box(self, scale: f64) -> PixelBox {
        let r = |v: f64| (v * scale).round().max(0.0) as u32;
        PixelBox {
            x: r(self.left),
            y: r(self.top),
            width: r(self.width),
            height: r(self.height),
        }
    }
}

/// A rectangle in the upright source's pixels, as reports show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PixelBox {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// A detected face.
#[derive(Debug, Clone, Copy)]
pub struct Face {
    /// Brows to chin, in decoded pixels.
    pub region: Region,
    pub score: f64,
}

/// What the pixels of one photo say: faces and light.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Confident faces, the most confident first.
    pub faces: Vec<Face>,
    /// Mean luminance, 0-255.
    pub mean_luma: f64,
    /// Mean absolute luminance step between neighbouring pixels of the working copy.
    pub detail: f64,
    /// Why no detection ran, if it did not (an image too small to hold a face).
    pub skipped: Option<String>,
}

impl Analysis {
    /// No look taken (the checks were skipped and the crop needs no face).
    pub fn not_looked_at() -> Self {
        Analysis {
            faces: Vec::new(),
            mean_luma: 0.0,
            detail: 0.0,
            skipped: Some("the photo checks were skipped".into()),
        }
    }
}

/// Look at upright RGB8 pixels: one grey working copy (long side at most
/// [`FACE_WORKING_SIDE`]), faces, mean luminance and detail.
pub fn analyse(width: u32, height: u32, rgb: &[u8]) -> Analysis {
    let (gw, gh, grey) = working_copy(width, height, rgb);
    let (mean_luma, detail) = light(gw, gh, &grey);
    let mut analysis = Analysis {
        faces: Vec::new(),
        mean_luma,
        detail,
        skipped: None,
    };
    if gw < MIN_WINDOW || gh < MIN_WINDOW {
        analysis.skipped = Some(format!("{width} x {height} is too small to find a face in"));
        return analysis;
    }
    let Some(model) = model() else {
        analysis.skipped = Some("the face model could not be read".into());
        return analysis;
    };
    let mut detector = rustface::create_detector_with_model(model.clone());
    detector.set_min_face_size(MIN_WINDOW);
    detector.set_score_thresh(FACE_MIN_SCORE);
    detector.set_pyramid_scale_factor(0.8);
    detector.set_slide_window_step(4, 4);
    let scale = f64::from(width) / f64::from(gw);
    let mut faces: Vec<Face> = detector
        .detect(&rustface::ImageData::new(&grey, gw, gh))
        .into_iter()
        .filter(|f| f.score() >= FACE_CONFIDENT_SCORE)
        .map(|f| {
            let b = f.bbox();
            // Boxes may reach past the edges; keep the part inside the image.
            let left = f64::from(b.x().max(0));
            let top = f64::from(b.y().max(0));
            let right = (f64::from(b.x()) + f64::from(b.width())).min(f64::from(gw));
            let bottom = (f64::from(b.y()) + f64::from(b.height())).min(f64::from(gh));
            Face {
                region: Region {
                    left: left * scale,
                    top: top * scale,
                    width: (right - left).max(1.0) * scale,
                    height: (bottom - top).max(1.0) * scale,
                },
                score: f.score(),
            }
        })
        .collect();
    faces.sort_by(|a, b| b.score.total_cmp(&a.score));
    analysis.faces = faces;
    analysis
}

/// Rec. 601 luma of RGB8 pixels, downscaled first so the long side is at most
/// FACE_WORKING_SIDE (the SIMD resize of the colour image is cheaper than a full-size luma pass).
fn working_copy(width: u32, height: u32, rgb: &[u8]) -> (u32, u32, Vec<u8>) {
    let long = width.max(height);
    let shrink = |v: u32| {
        ((u64::from(v) * u64::from(FACE_WORKING_SIDE) / u64::from(long.max(1))) as u32).max(1)
    };
    let small = (long > FACE_WORKING_SIDE).then(|| {
        let (gw, gh) = (shrink(width), shrink(height));
        let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
        let mut dst = Image::new(gw, gh, PixelType::U8x3);
        ImageRef::new(width, height, rgb, PixelType::U8x3)
            .ok()
            .and_then(|src| Resizer::new().resize(&src, &mut dst, &options).ok())
            .map(|()| (gw, gh, dst.into_vec()))
    });
    // Not resized (small already, or a buffer that does not match: not reachable for a
    // decoded image): analyse at full size.
    let (w, h, pixels) = match small.flatten() {
        Some((gw, gh, v)) => (gw, gh, std::borrow::Cow::Owned(v)),
        None => (width, height, std::borrow::Cow::Borrowed(rgb)),
    };
    let luma = pixels
        .chunks_exact(3)
        .map(|p| {
            let y = 299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2]);
            ((y + 500) / 1000) as u8
        })
        .collect();
    (w, h, luma)
}

/// Mean luminance and mean absolute step to the right and downward neighbours.
fn light(width: u32, height: u32, grey: &[u8]) -> (f64, f64) {
    let (w, h) = (width as usize, height as usize);
    if grey.is_empty() || grey.len() != w * h {
        return (0.0, 0.0);
    }
    let sum: u64 = grey.iter().map(|&v| u64::from(v)).sum();
    let mut steps = 0u64;
    let mut count = 0u64;
    for y in 0..h {
        let row = &grey[y * w..(y + 1) * w];
        for x in 0..w {
            if x + 1 < w {
                steps += u64::from(row[x].abs_diff(row[x + 1]));
                count += 1;
            }
            if y + 1 < h {
                steps += u64::from(row[x].abs_diff(grey[(y + 1) * w + x]));
                count += 1;
            }
        }
    }
    let mean = sum as f64 / grey.len() as f64;
    let detail = if count == 0 {
        0.0
    } else {
        steps as f64 / count as f64
    };
    (mean, detail)
}

/// The crop that was applied to a photo, and why.
#[derive(Debug, Clone)]
pub struct Framing {
    /// What was done: `face`, `centre` or `none` (never `auto`).
    pub mode: Crop,
    /// The part of the decoded image every rendition is made from.
    pub region: Region,
    /// Why the mode asked for was not used (a face crop without one face, for example).
    pub reason: Option<String>,
}

/// The one crop for every rendition of a photo. `min_side`: the crop square is not made
/// smaller than this (decoded pixels; the largest target's size), so framing a face never
/// costs resolution a target needs when the photo has it.
pub fn frame(width: u32, height: u32, crop: Crop, analysis: &Analysis, min_side: f64) -> Framing {
    let centre = |reason: Option<String>| {
        let side = f64::from(width.min(height));
        Framing {
            mode: Crop::Centre,
            region: Region {
                left: (f64::from(width) - side) / 2.0,
                top: (f64::from(height) - side) / 2.0,
                width: side,
                height: side,
            },
            reason,
        }
    };
    let face = match crop {
        Crop::None => {
            return Framing {
                mode: Crop::None,
                region: Region::whole(width, height),
                reason: None,
            }
        }
        Crop::Centre => return centre(None),
        Crop::Auto | Crop::Face => match (analysis.faces.as_slice(), crop) {
            ([], _) => return centre(Some(no_face_reason(analysis))),
            ([one], _) => one,
            ([first, ..], Crop::Face) => first,
            (many, _) => {
                return centre(Some(format!(
                "{} faces found: cropped from the centre (crop face frames the most confident one)",
                many.len()
            )))
            }
        },
    };
    Framing {
        mode: Crop::Face,
        region: face_square(width, height, &face.region, min_side),
        reason: None,
    }
}

fn no_face_reason(analysis: &Analysis) -> String {
    match &analysis.skipped {
        Some(why) => format!("{why}: cropped from the centre"),
        None => "no face found: cropped from the centre".into(),
    }
}

/// A square around `face` on ID-photo conventions: the side FACE_SIDE_RATIO times the face
/// box (at least `min_side`), the eye line FACE_EYE_LINE down from the top, centred across,
/// moved inside the image and never larger than its short side.
fn face_square(width: u32, height: u32, face: &Region, min_side: f64) -> Region {
    let (w, h) = (f64::from(width), f64::from(height));
    let short = w.min(h);
    let side = (face.height.max(face.width) * FACE_SIDE_RATIO)
        .max(min_side)
        .min(short)
        .max(1.0);
    let eyes = face.top + face.height * FACE_BOX_EYES;
    let centre_x = face.left + face.width / 2.0;
    let left = (centre_x - side / 2.0).clamp(0.0, w - side);
    let top = (eyes - side * FACE_EYE_LINE).clamp(0.0, h - side);
    Region {
        left,
        top,
        width: side,
        height: side,
    }
}

/// A photo check's stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckCode {
    /// No face was found: a logo, an object, a person seen from behind.
    NoFace,
    /// More than one face: a group photo.
    SeveralFaces,
    /// The face is under a fifth of the crop's side: it is a few pixels in a 96 px thumbnail.
    FaceTooSmall,
    TooDark,
    TooBright,
    /// Nearly uniform: a flat logo, a blank or a badly blurred photo.
    LowDetail,
    /// The short side is smaller than the largest target: a rendition will be smaller.
    SmallSource,
}

impl CheckCode {
    pub const ALL: [CheckCode; 7] = [
        CheckCode::NoFace,
        CheckCode::SeveralFaces,
        CheckCode::FaceTooSmall,
        CheckCode::TooDark,
        CheckCode::TooBright,
        CheckCode::LowDetail,
        CheckCode::SmallSource,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckCode::NoFace => "no-face",
            CheckCode::SeveralFaces => "several-faces",
            CheckCode::FaceTooSmall => "face-too-small",
            CheckCode::TooDark => "too-dark",
            CheckCode::TooBright => "too-bright",
            CheckCode::LowDetail => "low-detail",
            CheckCode::SmallSource => "small-source",
        }
    }

    pub fn parse(s: &str) -> Option<CheckCode> {
        CheckCode::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl std::fmt::Display for CheckCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A warning about a photo as a profile photo.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub code: CheckCode,
    pub message: String,
}

/// The checks of one photo. `short_side`: the upright source's; `largest_target`: the
/// biggest size asked for.
pub fn checks(
    analysis: &Analysis,
    framing: &Framing,
    short_side: u32,
    largest_target: u32,
) -> Vec<Check> {
    let mut out = Vec::new();
    let mut push = |code, message: String| out.push(Check { code, message });
    match analysis.faces.as_slice() {
        [] => push(
            CheckCode::NoFace,
            match &analysis.skipped {
                Some(why) => format!("no face found ({why})"),
                None => "no face found: is this a portrait?".into(),
            },
        ),
        [_] => {}
        many => push(
            CheckCode::SeveralFaces,
            format!(
                "{} faces found: a profile photo shows one person",
                many.len()
            ),
        ),
    }
    if let Some(face) = analysis.faces.first() {
        let side = framing.region.width.min(framing.region.height);
        let share = face.region.height.max(face.region.width) / side;
        if share < FACE_TOO_SMALL {
            push(
                CheckCode::FaceTooSmall,
                format!(
                    "the face is {:.0} % of the crop's side (under {:.0} %): a few pixels in a 96 px thumbnail",
                    share * 100.0,
                    FACE_TOO_SMALL * 100.0
                ),
            );
        }
    }
    if analysis.mean_luma < DARK_MEAN_LUMA {
        push(
            CheckCode::TooDark,
            format!(
                "very dark: mean luminance {:.0} of 255 (under {DARK_MEAN_LUMA})",
                analysis.mean_luma
            ),
        );
    } else if analysis.mean_luma > BRIGHT_MEAN_LUMA {
        push(
            CheckCode::TooBright,
            format!(
                "very bright: mean luminance {:.0} of 255 (over {BRIGHT_MEAN_LUMA})",
                analysis.mean_luma
            ),
        );
    }
    if analysis.detail < LOW_DETAIL {
        push(
            CheckCode::LowDetail,
            format!(
                "nearly uniform: detail {:.2} (under {LOW_DETAIL})",
                analysis.detail
            ),
        );
    }
    if short_side < largest_target {
        push(
            CheckCode::SmallSource,
            format!("the short side is {short_side} px, under the {largest_target} px of the largest target"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_model_reads() {
        assert!(model().is_some());
    }

    #[test]
    fn check_codes_round_trip() {
        for c in CheckCode::ALL {
            assert_eq!(CheckCode::parse(c.as_str()), Some(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        assert_eq!(CheckCode::parse("No-Face"), Some(CheckCode::NoFace));
        assert_eq!(CheckCode::parse("sideways"), None);
    }

    fn analysis(faces: &[Region]) -> Analysis {
        Analysis {
            faces: faces
                .iter()
                .map(|&region| Face {
                    region,
                    score: 10.0,
                })
                .collect(),
            mean_luma: 120.0,
            detail: 10.0,
            skipped: None,
        }
    }

    #[test]
    fn a_face_near_the_top_of_a_portrait_is_framed_with_room_above() {
        // 600 x 900 portrait, face box 100 px at (250, 120).
        let face = Region {
            left: 250.0,
            top: 120.0,
            width: 100.0,
            height: 100.0,
        };
        let f = frame(600, 900, Crop::Auto, &analysis(&[face]), 0.0);
        assert_eq!(f.mode, Crop::Face);
        assert!(f.region.contains(&face), "{f:?}");
        assert!((f.region.width - 240.0).abs() < 1e-9, "{f:?}");
        // Eyes at 160 px, 42 % down a 240 px square: the top at 59.2 px.
        assert!(
            (f.region.top - (160.0 - 0.42 * 240.0)).abs() < 1e-9,
            "{f:?}"
        );
        assert!(
            face.top - f.region.top > 0.5 * face.height,
            "room above the face: {f:?}"
        );
        // A centre crop would have started at 150 px, below the top of the face box.
        let c = frame(600, 900, Crop::Centre, &analysis(&[face]), 0.0);
        assert!(!c.region.contains(&face));
    }

    #[test]
    fn the_square_keeps_the_resolution_asked_for_and_stays_inside() {
        let face = Region {
            left: 10.0,
            top: 5.0,
            width: 60.0,
            height: 60.0,
        };
        let f = frame(1000, 700, Crop::Face, &analysis(&[face]), 648.0);
        assert_eq!(
            (f.region.left, f.region.top, f.region.width),
            (0.0, 0.0, 648.0)
        );
        // Never larger than the short side.
        let f = frame(1000, 500, Crop::Face, &analysis(&[face]), 648.0);
        assert_eq!(f.region.width, 500.0);
    }

    #[test]
    fn auto_falls_back_to_the_centre_with_a_reason() {
        let a = Region {
            left: 10.0,
            top: 10.0,
            width: 50.0,
            height: 50.0,
        };
        let b = Region {
            left: 300.0,
            top: 10.0,
            width: 50.0,
            height: 50.0,
        };
        let none = frame(400, 400, Crop::Auto, &analysis(&[]), 0.0);
        assert_eq!(none.mode, Crop::Centre);
        assert!(none.reason.unwrap().contains("no face"));
        let two = frame(400, 400, Crop::Auto, &analysis(&[a, b]), 0.0);
        assert_eq!(two.mode, Crop::Centre);
        assert!(two.reason.unwrap().contains("2 faces"));
        // crop face frames the most confident face.
        let face = frame(400, 400, Crop::Face, &analysis(&[a, b]), 0.0);
        assert_eq!(face.mode, Crop::Face);
        assert!(face.region.contains(&a));
    }

    #[test]
    fn light_measures_mean_and_detail() {
        let flat = vec![30u8; 100];
        assert_eq!(light(10, 10, &flat), (30.0, 0.0));
        let stripes: Vec<u8> = (0..100).map(|i| if i % 2 == 0 { 0 } else { 200 }).collect();
        let (mean, detail) = light(10, 10, &stripes);
        assert_eq!(mean, 100.0);
        assert!(detail > 90.0, "{detail}");
    }
}
