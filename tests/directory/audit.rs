//! The directory audit, with its fix.

use std::collections::HashMap;

use userphoto::audit::{self, AuditOptions, AuditProblem};
use userphoto::directory::DirectoryClient;

use super::dc::*;
use crate::common::sheet_rows;

pub fn audit_finds_planted_thumbnails(dc: &Dc) {
    add_ou(dc, "Audit");
    add_users(
        dc,
        "Audit",
        &[
            ("big", None),
            ("png", None),
            ("wide", None),
            ("good", None),
            ("none", None),
        ],
    );
    let dn = |n: &str| format!("CN={n},OU=Audit,{BASE}");
    let oversized = noise_jpeg_at_least(30 * 1024, 9);
    raw_put(dc, &dn("big"), &oversized);
    let png = {
        use image::ImageEncoder;
        let img = image::RgbImage::from_pixel(96, 96, image::Rgb([200, 30, 30]));
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(img.as_raw(), 96, 96, image::ExtendedColorType::Rgb8)
            .unwrap();
        out
    };
    raw_put(dc, &dn("png"), &png);
    raw_put(dc, &dn("wide"), &smooth_jpeg(160, 96, 3));
    raw_put(dc, &dn("good"), &smooth_jpeg(96, 96, 4));
    let mut cfg = dc.config();
    cfg.search_base = Some(format!("OU=Audit,{BASE}"));
    let c = DirectoryClient::new(cfg).unwrap();
    let dir = scratch("audit");
    let sheet_path = dir.join("sheet.html");
    let path = |name: &str| Some(dir.join(name).display().to_string());
    let options = AuditOptions {
        page_size: 2, // several pages for five users
        contact_sheet: Some(sheet_path.display().to_string()),
        report_csv: path("a.csv"),
        report_json: path("a.json"),
        ..Default::default()
    };
    let report = audit::audit_directory(&c, &options).unwrap();
    // The contact sheet has every user scanned, healthy ones too, each with a JPEG
    // thumbnail when it has a photo (the PNG and the 30 KB JPEG rendered to 96 px).
    let cards = |path: &std::path::Path| -> HashMap<String, (String, String)> {
        sheet_rows(path)
            .iter()
            .map(|r| {
                let s = |k: &str| r[k].as_str().unwrap().to_string();
                (s("u"), (s("p"), s("i")))
            })
            .collect()
    };
    let html = std::fs::read_to_string(&sheet_path).unwrap();
    let owned = cards(&sheet_path);
    let sheet: HashMap<&str, (&str, &str)> = owned
        .iter()
        .map(|(u, (p, i))| (u.as_str(), (p.as_str(), i.as_str())))
        .collect();
    assert_eq!(sheet.len(), 5, "{sheet:?}");
    assert_eq!(sheet["good@corp.example"].0, "");
    assert_eq!(sheet["none@corp.example"], ("missing", ""));
    assert_eq!(sheet["big@corp.example"].0, "oversized");
    for user in ["good", "big", "png", "wide"] {
        let image = sheet[format!("{user}@corp.example").as_str()].1;
        assert!(image.starts_with("data:image/jpeg;base64,/9j/"), "{user}");
    }
    assert!(html.contains("Photos: Active Directory, OU=Audit,"));
    assert_eq!(report.scanned, 5, "{report:?}");
    let by: HashMap<&str, &Vec<AuditProblem>> = report
        .entries
        .iter()
        .map(|e| (e.user.as_str(), &e.problems))
        .collect();
    assert_eq!(by.len(), 4, "{by:?}");
    assert_eq!(by["big@corp.example"], &vec![AuditProblem::Oversized]);
    assert!(by["png@corp.example"].contains(&AuditProblem::NotJpeg));
    assert_eq!(by["wide@corp.example"], &vec![AuditProblem::NotSquare]);
    assert_eq!(by["none@corp.example"], &vec![AuditProblem::Missing]);
    assert!(!by.contains_key("good@corp.example"));
    // The reports the options named, written by the library.
    let csv = std::fs::read_to_string(dir.join("a.csv")).unwrap();
    assert!(
        csv.contains("big@corp.example") && csv.contains("not-jpeg"),
        "{csv}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("a.json")).unwrap()).unwrap();
    assert_eq!(json["listed"], 4);
    // Users without a photo are not listed, but the sheet still says they have none.
    let quiet = dir.join("quiet.html");
    let report = audit::audit_directory(
        &c,
        &AuditOptions {
            include_missing: false,
            contact_sheet: Some(quiet.display().to_string()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(report.listed, 3, "{report:?}");
    assert_eq!(cards(&quiet)["none@corp.example"].0, "missing");
    // An output in a folder that does not exist is refused before the scan.
    let e = audit::audit_directory(
        &c,
        &AuditOptions {
            report_csv: Some(dir.join("no-such-folder/a.csv").display().to_string()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("no-such-folder"), "{e}");
    // Fix in the same run, then nothing but the missing one is left.
    let fixed = audit::audit_directory(
        &c,
        &AuditOptions {
            fix: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!((fixed.fixed, fixed.fix_failed), (3, 0), "{fixed:?}");
    let big = raw_thumbnail(dc, &dn("big")).unwrap();
    assert!(big.len() <= 10240 && big.starts_with(&[0xFF, 0xD8]));
    let after = audit::audit_directory(&c, &AuditOptions::default()).unwrap();
    assert_eq!(after.listed, 1, "{after:?}");
    assert_eq!(after.entries[0].problems, vec![AuditProblem::Missing]);
}
