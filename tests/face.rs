//! Face-aware crop and photo checks, through the public API (`validate`, `render`).
//!
//! The faces are real: head-and-shoulders crops of the 1927 Solvay conference photograph
//! (Benjamin Couprie, public domain; rustface ships it as its test image), in
//! `tests/data/faces/`. The tests place them on canvases whose face box is known.

mod common;

use common::*;
use image::{imageops, DynamicImage, GrayImage, Rgb, RgbImage};
use userphoto::photo::{self, CheckCode, Crop, PixelBox};
use userphoto::targets::TargetRequest;
use userphoto::{Error, Options};

/// A head-and-shoulders crop, enlarged `scale` times, and its face box (brows to chin)
/// as rustface finds it in the original.
fn head(name: &str, scale: f64) -> (RgbImage, PixelBox) {
    let path = format!("{}/tests/data/faces/{name}.jpg", env!("CARGO_MANIFEST_DIR"));
    let img = image::open(&path).unwrap().to_rgb8();
    let (w, h) = img.dimensions();
    let (_, x, y, side) = *common::faces::SOLVAY_HEADS
        .iter()
        .find(|h| h.0 == name)
        .expect("one of the Solvay heads");
    let s = |v: u32| (f64::from(v) * scale).round() as u32;
    let big = imageops::resize(&img, s(w), s(h), imageops::FilterType::CatmullRom);
    let face = PixelBox {
        x: s(x),
        y: s(y),
        width: s(side),
        height: s(side),
    };
    (big, face)
}

/// A canvas of a textured grey (like a backdrop), `level` its mean.
fn canvas(w: u32, h: u32, level: u8) -> RgbImage {
    let n = noise((w * h) as usize, 7);
    RgbImage::from_fn(w, h, |x, y| {
        let v = level.saturating_add(n[(y * w + x) as usize] % 24);
        Rgb([v, v, v])
    })
}

/// Paste `head` at (x, y); the face box moves with it.
fn place(canvas: &mut RgbImage, head: &(RgbImage, PixelBox), x: u32, y: u32) -> PixelBox {
    imageops::replace(canvas, &head.0, i64::from(x), i64::from(y));
    PixelBox {
        x: head.1.x + x,
        y: head.1.y + y,
        ..head.1
    }
}

fn options(crop: Crop) -> Options {
    Options {
        targets: vec![
            TargetRequest::Name("graph".into()),
            TargetRequest::Name("ad-thumbnail".into()),
        ],
        crop,
        ..Options::default()
    }
}

fn contains(outer: &PixelBox, inner: &PixelBox) -> bool {
    inner.x >= outer.x
        && inner.y >= outer.y
        && inner.x + inner.width <= outer.x + outer.width
        && inner.y + inner.height <= outer.y + outer.height
}

/// The whole head: the face box with half a face more above it (forehead and hair) and a
/// fifth below (the chin).
fn whole_head(face: &PixelBox) -> PixelBox {
    let above = face.height / 2;
    PixelBox {
        x: face.x,
        y: face.y.saturating_sub(above),
        width: face.width,
        height: face.height + above + face.height / 5,
    }
}

fn codes(checks: &[photo::Check]) -> Vec<CheckCode> {
    checks.iter().map(|c| c.code).collect()
}

/// The face found near `expected` (within a third of its side).
fn assert_found(found: &[photo::FaceReport], expected: &PixelBox) {
    let near = |a: u32, b: u32| a.abs_diff(b) <= expected.width / 3;
    assert!(
        found.iter().any(|f| near(f.region.x, expected.x)
            && near(f.region.y, expected.y)
            && near(f.region.width, expected.width)),
        "no face near {expected:?} in {found:?}"
    );
}

#[test]
fn a_tall_portrait_with_the_face_in_its_upper_third_keeps_the_whole_head() {
    let head = head("solvay-a", 3.0);
    let mut img = canvas(900, 1500, 60);
    let face = place(&mut img, &head, 262, 40);
    assert!(
        face.y + face.height < 1500 / 3,
        "the face is in the upper third"
    );
    let bytes = png(&DynamicImage::ImageRgb8(img));

    let out = photo::render(&bytes, &options(Crop::Auto)).unwrap();
    assert_eq!(out.crop.mode, Crop::Face, "{:?}", out.crop);
    assert_eq!(out.faces.len(), 1, "{:?}", out.faces);
    assert_found(&out.faces, &face);
    assert!(codes(&out.checks).is_empty(), "{:?}", out.checks);
    // One crop for both renditions, and it holds the whole head.
    assert!(
        contains(&out.crop.region, &whole_head(&face)),
        "{:?} {face:?}",
        out.crop
    );
    assert_eq!(out.crop.region.width, out.crop.region.height);
    let sizes: Vec<_> = out
        .renditions
        .iter()
        .map(|r| (r.target.as_str(), r.width, r.height))
        .collect();
    assert_eq!(sizes, [("graph", 648, 648), ("ad-thumbnail", 96, 96)]);
    // In the 648 px rendition the face is found again, whole, with room above it.
    let graph = photo::validate(&out.renditions[0].data, &Options::default()).unwrap();
    assert_eq!(graph.faces.len(), 1, "{:?}", graph.faces);
    let f = &graph.faces[0].region;
    assert!(
        f.y >= f.height / 2,
        "room for the hair above the face: {f:?}"
    );
    assert!(
        f.y + f.height + f.height / 5 <= 648,
        "the chin is in: {f:?}"
    );
    // The 96 px rendition is the same crop: the thumbnail matches the graph rendition.
    let small = decode_rgb(&out.renditions[1].data);
    let shrunk = imageops::resize(
        &decode_rgb(&out.renditions[0].data),
        96,
        96,
        imageops::FilterType::Triangle,
    );
    assert!(mean_abs_diff(&small, &shrunk) < 12.0);

    // The centre crop (the old default) cuts the top of the head off.
    let centre = photo::render(&bytes, &options(Crop::Centre)).unwrap();
    assert_eq!(centre.crop.mode, Crop::Centre);
    assert!(
        !contains(&centre.crop.region, &whole_head(&face)),
        "{:?}",
        centre.crop
    );
}

#[test]
fn a_landscape_with_the_face_at_one_side_is_framed_on_the_face() {
    let head = head("solvay-b", 3.5);
    let mut img = canvas(1600, 900, 70);
    let face = place(&mut img, &head, 60, 200);
    let bytes = png(&DynamicImage::ImageRgb8(img));
    let report = photo::validate(&bytes, &options(Crop::Auto)).unwrap();
    assert_eq!(report.crop.mode, Crop::Face, "{:?}", report.crop);
    assert_found(&report.faces, &face);
    assert!(
        contains(&report.crop.region, &whole_head(&face)),
        "{:?}",
        report.crop
    );
    assert!(report.targets[0]
        .problems
        .iter()
        .any(|p| p.contains("around the face")));
    let centre = photo::validate(&bytes, &options(Crop::Centre)).unwrap();
    assert!(!contains(&centre.crop.region, &face), "{:?}", centre.crop);
}

#[test]
fn skipped_checks_look_for_faces_only_when_the_crop_needs_them() {
    let head = head("solvay-b", 3.5);
    let mut img = canvas(1600, 900, 70);
    let face = place(&mut img, &head, 60, 200);
    let bytes = png(&DynamicImage::ImageRgb8(img));
    let skip = |crop| Options {
        skip_checks: true,
        ..options(crop)
    };
    // Centre: nothing looked at the pixels (no face reported, though there is one).
    let centre = photo::validate(&bytes, &skip(Crop::Centre)).unwrap();
    assert!(centre.faces.is_empty(), "{:?}", centre.faces);
    assert!(centre.checks.is_empty(), "{:?}", centre.checks);
    let rendered = photo::render(&bytes, &skip(Crop::Centre)).unwrap();
    assert!(rendered.checks.is_empty());
    assert_eq!(rendered.renditions.len(), 2);
    // Auto still frames the face; only the checks are gone.
    let auto = photo::validate(&bytes, &skip(Crop::Auto)).unwrap();
    assert_eq!(auto.crop.mode, Crop::Face, "{:?}", auto.crop);
    assert_found(&auto.faces, &face);
    assert!(auto.checks.is_empty(), "{:?}", auto.checks);
    // A flat logo would warn without the switch.
    let logo = png(&DynamicImage::ImageRgb8(logo()));
    assert!(!photo::validate(&logo, &options(Crop::Centre))
        .unwrap()
        .checks
        .is_empty());
    assert!(photo::validate(&logo, &skip(Crop::Centre))
        .unwrap()
        .checks
        .is_empty());
    // Refusing a check that is not run would refuse nothing: the pair is refused.
    let both = Options {
        refuse: vec![CheckCode::NoFace],
        ..skip(Crop::Centre)
    };
    let e = photo::render(&logo, &both).unwrap_err();
    assert_eq!(e.code(), "invalid-options", "{e}");
}

#[test]
fn two_faces_warn_and_auto_crops_from_the_centre() {
    let (a, b) = (head("solvay-a", 3.0), head("solvay-c", 3.0));
    let mut img = canvas(1000, 800, 60);
    let fa = place(&mut img, &a, 60, 100);
    let fb = place(&mut img, &b, 560, 100);
    let bytes = png(&DynamicImage::ImageRgb8(img));
    let report = photo::validate(&bytes, &options(Crop::Auto)).unwrap();
    assert_eq!(report.faces.len(), 2, "{:?}", report.faces);
    assert_found(&report.faces, &fa);
    assert_found(&report.faces, &fb);
    assert_eq!(codes(&report.checks), [CheckCode::SeveralFaces]);
    assert_eq!(report.crop.mode, Crop::Centre);
    assert!(
        report.crop.reason.as_deref().unwrap().contains("2 faces"),
        "{:?}",
        report.crop
    );
    // crop face frames the most confident of them.
    let face = photo::validate(&bytes, &options(Crop::Face)).unwrap();
    assert_eq!(face.crop.mode, Crop::Face);
    let best = &face.faces[0].region;
    assert!(contains(&face.crop.region, best));
}

/// A logo: flat shapes, no face.
fn logo() -> RgbImage {
    RgbImage::from_fn(800, 800, |x, y| {
        let (dx, dy) = (x as i32 - 400, y as i32 - 400);
        if dx * dx + dy * dy < 250 * 250 {
            Rgb([0, 90, 180])
        } else {
            Rgb([250, 250, 250])
        }
    })
}

#[test]
fn a_logo_has_no_face_and_little_detail() {
    let bytes = png(&DynamicImage::ImageRgb8(logo()));
    let report = photo::validate(&bytes, &options(Crop::Auto)).unwrap();
    assert!(report.faces.is_empty());
    assert_eq!(
        codes(&report.checks),
        [CheckCode::NoFace, CheckCode::LowDetail]
    );
    assert_eq!(report.crop.mode, Crop::Centre);
    assert!(report.crop.reason.as_deref().unwrap().contains("no face"));
    // A warning, not an error: it renders.
    assert!(photo::render(&bytes, &options(Crop::Auto)).is_ok());
}

#[test]
fn dark_bright_and_flat_photos_are_named() {
    let head = head("solvay-a", 3.0);
    let mut img = canvas(700, 900, 60);
    place(&mut img, &head, 160, 100);
    let dark = RgbImage::from_fn(700, 900, |x, y| Rgb(img.get_pixel(x, y).0.map(|v| v / 5)));
    let bright = RgbImage::from_fn(700, 900, |x, y| {
        Rgb(img.get_pixel(x, y).0.map(|v| 230 + v / 12))
    });
    let flat = DynamicImage::ImageLuma8(GrayImage::from_pixel(700, 700, image::Luma([128])));
    let check = |img: DynamicImage| {
        photo::validate(&png(&img), &options(Crop::Auto))
            .unwrap()
            .checks
    };
    assert!(codes(&check(DynamicImage::ImageRgb8(dark))).contains(&CheckCode::TooDark));
    assert!(codes(&check(DynamicImage::ImageRgb8(bright))).contains(&CheckCode::TooBright));
    assert_eq!(
        codes(&check(flat)),
        [CheckCode::NoFace, CheckCode::LowDetail]
    );
    // The canvas itself is fine.
    assert!(codes(&check(DynamicImage::ImageRgb8(img))).is_empty());
}

#[test]
fn a_small_face_and_a_small_source_are_named() {
    // A 115 px face in a 1000 x 750 photo: found (37 px in the working copy), but under a
    // fifth of the 648 px crop.
    let head = head("solvay-a", 1.8);
    let mut img = canvas(1000, 750, 60);
    let face = place(&mut img, &head, 450, 200);
    let bytes = png(&DynamicImage::ImageRgb8(img));
    let report = photo::validate(&bytes, &options(Crop::Auto)).unwrap();
    assert_found(&report.faces, &face);
    assert_eq!(
        codes(&report.checks),
        [CheckCode::FaceTooSmall],
        "{:?}",
        report.checks
    );
    // Framed on the face, at the 648 px Graph needs (not a 150 px crop).
    assert_eq!(report.crop.mode, Crop::Face);
    assert_eq!(report.crop.region.width, 648);
    assert!(contains(&report.crop.region, &face));

    let small = imageops::resize(&logo(), 300, 300, imageops::FilterType::Triangle);
    let report =
        photo::validate(&png(&DynamicImage::ImageRgb8(small)), &options(Crop::Auto)).unwrap();
    assert!(
        codes(&report.checks).contains(&CheckCode::SmallSource),
        "{:?}",
        report.checks
    );
}

#[test]
fn a_face_in_a_photo_turned_by_exif_is_found_once_upright() {
    let head = head("solvay-c", 3.0);
    let mut img = canvas(720, 1080, 60);
    let face = place(&mut img, &head, 170, 60);
    let upright = photo::validate(
        &png(&DynamicImage::ImageRgb8(img.clone())),
        &options(Crop::Auto),
    )
    .unwrap();
    assert_eq!(upright.crop.mode, Crop::Face);
    // Stored turned a quarter to the left, with EXIF orientation 6 (turn right to show).
    let stored = imageops::rotate270(&img);
    let jpeg = photo::encode_jpeg(
        stored.width(),
        stored.height(),
        stored.as_raw(),
        92,
        photo::EncoderMode::Fast,
    )
    .unwrap();
    for (orientation, expect_face) in [(6, true), (1, false)] {
        let report = photo::validate(
            &with_exif_orientation(&jpeg, orientation),
            &options(Crop::Auto),
        )
        .unwrap();
        assert_eq!(report.source.orientation, orientation as u8);
        if expect_face {
            assert_eq!(report.faces.len(), 1, "{:?}", report.faces);
            assert_found(&report.faces, &face);
            assert_eq!(report.crop.mode, Crop::Face);
            assert!(
                contains(&report.crop.region, &whole_head(&face)),
                "{:?}",
                report.crop
            );
        } else {
            // Shown on its side, the frontal detector finds no face.
            assert!(report.faces.is_empty(), "{:?}", report.faces);
        }
    }
}

#[test]
fn refused_checks_are_errors_with_their_code() {
    let bytes = png(&DynamicImage::ImageRgb8(logo()));
    let mut o = options(Crop::Auto);
    o.refuse = vec![CheckCode::NoFace, CheckCode::SeveralFaces];
    let e = photo::render(&bytes, &o).unwrap_err();
    assert!(
        matches!(
            e,
            Error::CheckRefused {
                check: "no-face",
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.code(), "check-refused");
    assert!(e.to_string().contains("no-face"), "{e}");
    let report = photo::validate(&bytes, &o).unwrap();
    assert!(report
        .targets
        .iter()
        .all(|t| t.verdict == photo::Verdict::Unusable && t.error == Some("check-refused")));
    // A check that did not fire refuses nothing.
    o.refuse = vec![CheckCode::TooDark];
    assert!(photo::render(&bytes, &o).is_ok());
    // Unknown codes are refused in the options JSON by name.
    let e = serde_json::from_str::<Options>(r#"{"refuse": ["sideways"]}"#).unwrap_err();
    assert!(e.to_string().contains("sideways"), "{e}");
}

#[test]
fn the_shared_fixtures_are_seen_the_same_in_every_orientation() {
    // A person seen from behind at a waterfall: no face, in every EXIF orientation.
    for name in ["Portrait", "Landscape"] {
        for n in 0..=8 {
            let r = photo::validate(&fixture(&format!("{name}_{n}.jpg")), &options(Crop::Auto))
                .unwrap();
            assert!(r.faces.is_empty(), "{name}_{n}: {:?}", r.faces);
            assert_eq!(codes(&r.checks), [CheckCode::NoFace], "{name}_{n}");
            assert_eq!(r.crop.mode, Crop::Centre, "{name}_{n}");
        }
    }
}

/// The tall portrait of the first test, and a logo, as PNG files in `dir`.
fn portrait_and_logo(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let head = head("solvay-a", 3.0);
    let mut img = canvas(900, 1500, 60);
    place(&mut img, &head, 262, 40);
    let portrait = dir.join("portrait.png");
    std::fs::write(&portrait, png(&DynamicImage::ImageRgb8(img))).unwrap();
    let logo_path = dir.join("logo.png");
    std::fs::write(&logo_path, png(&DynamicImage::ImageRgb8(logo()))).unwrap();
    (portrait, logo_path)
}

fn cli(args: &[&std::ffi::OsStr], env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_userphoto"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let s = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.code(), s(out.stdout), s(out.stderr))
}

#[test]
fn the_command_line_shows_the_crop_and_the_checks() {
    let dir = scratch_dir("face-cli");
    let (portrait, logo) = portrait_and_logo(&dir);
    let os = |s: &str| std::ffi::OsString::from(s);
    let (code, out, err) = cli(
        &[
            &os("validate"),
            &os("--json"),
            portrait.as_os_str(),
            logo.as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let files = v["results"].as_array().unwrap();
    assert_eq!(files[0]["report"]["crop"]["mode"], "face", "{out}");
    assert_eq!(files[0]["report"]["checks"], serde_json::json!([]));
    assert_eq!(files[1]["report"]["crop"]["mode"], "centre");
    assert_eq!(files[1]["report"]["checks"][0]["code"], "no-face");
    assert_eq!(files[1]["report"]["checks"][1]["code"], "low-detail");

    // Human-readable: the crop line and the checks.
    let (code, out, _) = cli(&[&os("validate"), logo.as_os_str()], &[]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("crop centre 0,0 800 x 800 (no face found"),
        "{out}"
    );
    assert!(out.contains("check no-face: no face found"), "{out}");
    // --skip-checks: no check, and with --crop centre no look for a face.
    let (code, out, _) = cli(
        &[
            &os("validate"),
            &os("--skip-checks"),
            &os("--crop"),
            &os("centre"),
            logo.as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, Some(0));
    assert!(!out.contains("check "), "{out}");
    let (code, _, err) = cli(
        &[
            &os("validate"),
            &os("--skip-checks"),
            &os("--require-face"),
            logo.as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, Some(2), "{err}");

    // --require-face: the logo is refused, the portrait is not.
    let out_dir = dir.join("out");
    let (code, _, err) = cli(
        &[
            &os("resize"),
            &os("--require-face"),
            &os("--out"),
            out_dir.as_os_str(),
            portrait.as_os_str(),
            logo.as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("logo.png: error [check-refused]: the photo is refused by the no-face check"),
        "{err}"
    );
    assert!(out_dir.join("portrait.graph.jpg").exists());
    assert!(!out_dir.join("logo.graph.jpg").exists());
    // --refuse takes any check; a wrong name is a usage error that lists them.
    let (code, _, err) = cli(
        &[
            &os("validate"),
            &os("--refuse"),
            &os("sideways"),
            logo.as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("no-face, several-faces, face-too-small"),
        "{err}"
    );
    let (code, _, _) = cli(
        &[
            &os("validate"),
            &os("--refuse"),
            &os("low-detail"),
            logo.as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, Some(1), "unusable for every target");
    let (code, _, err) = cli(
        &[
            &os("validate"),
            &os("--crop"),
            &os("Face"),
            portrait.as_os_str(),
        ],
        &[],
    );
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn a_sync_reports_the_crop_and_the_checks_per_user() {
    use common::{emulator_config, numbered_users, start_emulator, APP, TENANT};
    const SECRET: &str = "face-secret-which-must-not-leak-41c7";
    let dir = scratch_dir("face-sync");
    let (portrait, logo) = portrait_and_logo(&dir);
    let feed = dir.join("feed.csv");
    std::fs::write(
        &feed,
        format!(
            "UserPrincipalName,Path\nuser0@contoso.com,{}\nuser1@contoso.com,{}\n",
            portrait.display(),
            logo.display()
        ),
    )
    .unwrap();
    let emu = start_emulator(emulator_config(
        SECRET,
        numbered_users(["user0@contoso.com", "user1@contoso.com"]),
    ));
    let run = |extra: &[&str], name: &str| {
        let report = dir.join(format!("{name}.csv"));
        let mut args: Vec<std::ffi::OsString> = ["sync", "--csv"].map(Into::into).to_vec();
        args.push(feed.clone().into());
        for a in [
            "--tenant",
            TENANT,
            "--client-id",
            APP,
            "--authority",
            &emu.authority(),
            "--graph-endpoint",
            &emu.graph_endpoint(),
            "--force",
        ] {
            args.push(a.into());
        }
        args.extend([
            "--journal".into(),
            dir.join(format!("{name}.sqlite")).into_os_string(),
        ]);
        args.extend(["--report-csv".into(), report.clone().into_os_string()]);
        args.extend(extra.iter().map(Into::into));
        let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let (code, out, err) = cli(&refs, &[("USERPHOTO_CLIENT_SECRET", SECRET)]);
        let csv = std::fs::read_to_string(&report).unwrap();
        (code, out, err, csv)
    };
    let (code, out, err, csv) = run(&[], "warn");
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("check no-face: no face found"), "{out}");
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].ends_with(",source,crop,checks"),
        "the columns before stay as they were: {}",
        lines[0]
    );
    let row = |user: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(user))
            .unwrap()
            .to_string()
    };
    assert!(row("user0").ends_with(",face,"), "{csv}");
    assert!(
        row("user1").ends_with(",centre,no-face;low-detail"),
        "{csv}"
    );
    assert!(
        row("user1").contains(",uploaded,"),
        "a warning does not stop the upload: {csv}"
    );

    let (code, _, _, csv) = run(&["--require-face"], "refuse");
    assert_eq!(code, Some(1));
    assert!(
        csv.lines().any(|l| l.starts_with("user1")
            && l.contains(",failed,")
            && l.contains("check-refused")),
        "{csv}"
    );
    assert!(
        csv.lines()
            .any(|l| l.starts_with("user0") && l.contains(",uploaded,")),
        "{csv}"
    );
    assert!(!csv.contains(SECRET));
}
