//! The photo path from raw bytes, as a photo from an HR export or a phone reaches it:
//! sniff -> probe -> decode -> render for `graph` and `ad-thumbnail`, under the default limits.
//! `validate` runs first on the same bytes; both must agree on what is wrong.
//! The crop is `centre` with the checks skipped, so no time goes to looking for faces in
//! decoded pixels (the parsers are what hostile bytes reach; `photo_faces` fuzzes that look),
//! except for inputs whose length is a multiple of 64: those take the default crop and checks,
//! so the look at large decoded photos (its downscaled working copy) is reached too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use userphoto::photo::Crop;
use userphoto::targets::TargetRequest;
use userphoto::Options;
use userphoto_fuzz::{check_error, check_render};

fuzz_target!(|data: &[u8]| {
    let look = data.len() % 64 == 0;
    let options = Options {
        targets: vec![
            TargetRequest::Name("graph".into()),
            TargetRequest::Name("ad-thumbnail".into()),
        ],
        crop: if look { Crop::Auto } else { Crop::Centre },
        skip_checks: !look,
        ..Options::default()
    };
    let validated = userphoto::validate(data, &options);
    let rendered = userphoto::render(data, &options);
    match (&validated, &rendered) {
        (Ok(report), Ok(out)) => {
            assert_eq!(report.targets.len(), 2);
            assert_eq!(out.renditions.len(), 2);
            check_render(out);
        }
        (Ok(report), Err(e)) => {
            check_error(e);
            // A photo that validates fails to render only when it is too small for every
            // target (validate reports that per target) or no budget can be met.
            match e.code() {
                "too-small" => assert!(
                    report.targets.iter().all(|t| t.error == Some("too-small")),
                    "render says too small, validate does not: {e}"
                ),
                "budget-unreachable" => {}
                _ => panic!("validate passed, render failed: {e}"),
            }
        }
        (Err(v), Err(r)) => {
            check_error(v);
            check_error(r);
            assert_eq!(v.code(), r.code(), "validate: {v}; render: {r}");
        }
        (Err(v), Ok(_)) => panic!("validate failed ({v}) but render succeeded"),
    }
});
