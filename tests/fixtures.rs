//! The 18 real EXIF-orientation photos: every rendition comes out upright, matching its `_0`
//! twin pixel for pixel (within JPEG noise), at the target's size and budget, with no EXIF.

mod common;

use common::*;
use image::metadata::Orientation;
use image::DynamicImage;
use userphoto::targets::TargetRequest;
use userphoto::Options;

const ALL_ORIENTATIONS: [Orientation; 8] = [
    Orientation::NoTransforms,
    Orientation::FlipHorizontal,
    Orientation::Rotate180,
    Orientation::FlipVertical,
    Orientation::Rotate90FlipH,
    Orientation::Rotate90,
    Orientation::Rotate270FlipH,
    Orientation::Rotate270,
];

fn options() -> Options {
    Options {
        targets: vec![
            TargetRequest::Name("graph".into()),
            TargetRequest::Name("ad-thumbnail".into()),
        ],
        ..Options::default()
    }
}

fn check_family(family: &str) {
    let reference = userphoto::render(&fixture(&format!("{family}_0.jpg")), &options()).unwrap();
    for n in 0..=8 {
        let name = format!("{family}_{n}.jpg");
        let out = userphoto::render(&fixture(&name), &options())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            out.source.orientation,
            n.max(1),
            "{name}: orientation read from EXIF"
        );
        for (r, want) in out.renditions.iter().zip(&reference.renditions) {
            let side = if r.target == "graph" { 648 } else { 96 };
            assert_eq!((r.width, r.height), (side, side), "{name} {}", r.target);
            assert!(
                r.bytes <= r.max_bytes && r.data.len() as u64 == r.bytes,
                "{name} {}: {} bytes",
                r.target,
                r.bytes
            );
            let markers = userphoto::photo::jpeg_header_markers(&r.data);
            assert!(
                !markers.iter().any(|m| matches!(m, 0xE1..=0xEF | 0xFE)),
                "{name} {}: metadata segment in output {markers:x?}",
                r.target
            );
            // Compare with the upright twin under all eight orientations: the identity must be
            // the close match and every wrong orientation far away.
            let got = decode_rgb(&r.data);
            let twin = decode_rgb(&want.data);
            let diffs: Vec<(Orientation, f64)> = ALL_ORIENTATIONS
                .iter()
                .map(|&o| {
                    let mut t = DynamicImage::ImageRgb8(twin.clone());
                    t.apply_orientation(o);
                    (o, mean_abs_diff(&got, &t.into_rgb8()))
                })
                .collect();
            let upright = diffs[0].1;
            assert!(
                upright < 6.0,
                "{name} {}: differs from its upright twin by {upright:.1} levels",
                r.target
            );
            for (o, d) in &diffs[1..] {
                assert!(
                    *d > upright + 10.0,
                    "{name} {}: {o:?} is as close ({d:.1}) as upright ({upright:.1})",
                    r.target
                );
            }
        }
    }
}

#[test]
fn landscapes_come_out_upright() {
    check_family("Landscape");
}

#[test]
fn portraits_come_out_upright() {
    check_family("Portrait");
}

#[test]
fn fit_inside_keeps_the_upright_aspect_ratio() {
    let opts = Options {
        crop: userphoto::photo::Crop::None,
        ..options()
    };
    let out = userphoto::render(&fixture("Portrait_6.jpg"), &opts).unwrap();
    let g = &out.renditions[0];
    assert_eq!((g.width, g.height), (432, 648));
}

#[test]
fn a_photo_already_right_for_graph_fits_as_it_is() {
    let out = userphoto::render(&fixture("Landscape_0.jpg"), &options()).unwrap();
    let graph = &out.renditions[0].data;
    let report = userphoto::validate(graph, &options()).unwrap();
    assert_eq!(
        report.targets[0].verdict,
        userphoto::photo::Verdict::Fits,
        "{:?}",
        report.targets[0].problems
    );
    assert_eq!(
        report.targets[1].verdict,
        userphoto::photo::Verdict::NeedsResize
    );
    assert!(report.targets[1]
        .problems
        .iter()
        .any(|p| p.contains("larger than 96 x 96")));
}

#[test]
fn small_sources_are_not_upscaled_unless_asked() {
    // The 96 px AD rendition of a fixture, rendered again for Graph.
    let out = userphoto::render(&fixture("Portrait_0.jpg"), &options()).unwrap();
    let small = &out.renditions[1].data;
    let again = userphoto::render(small, &options()).unwrap();
    assert_eq!(
        (again.renditions[0].width, again.renditions[0].height),
        (96, 96)
    );
    assert!(again.renditions[0]
        .notes
        .iter()
        .any(|n| n.contains("no upscaling")));
    let up = Options {
        allow_upscale: true,
        ..options()
    };
    let again = userphoto::render(small, &up).unwrap();
    assert_eq!(again.renditions[0].width, 648);
}
