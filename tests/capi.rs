//! The C ABI called from Rust: success paths, NULL and bad-handle cases, invalid UTF-8 and
//! JSON, and a link_every_symbol check against the committed header.

mod common;

use std::ffi::{c_char, CStr};
use std::ptr::{null, null_mut};

use common::*;
use userphoto::capi::up_status::*;
use userphoto::capi::*;

fn last_error() -> String {
    unsafe { CStr::from_ptr(up_last_error_message()) }
        .to_string_lossy()
        .into_owned()
}

fn buffer_bytes(b: *const up_buffer) -> Vec<u8> {
    let (mut p, mut n) = (null(), 0usize);
    assert_eq!(unsafe { up_buffer_data(b, &mut p, &mut n) }, UP_STATUS_OK);
    unsafe { std::slice::from_raw_parts(p, n) }.to_vec()
}

fn json(b: *mut up_buffer) -> serde_json::Value {
    let v = serde_json::from_slice(&buffer_bytes(b)).unwrap();
    unsafe { up_buffer_free(b) };
    v
}

const OPTS: &CStr =
    c"{\"targets\": [\"graph\", {\"target\": \"ad-thumbnail\", \"max_bytes\": 8000}]}";

#[test]
fn resize_round_trip() {
    let photo = fixture("Portrait_8.jpg");
    let mut r = null_mut();
    let s = unsafe { up_photo_resize(photo.as_ptr(), photo.len(), OPTS.as_ptr(), &mut r) };
    assert_eq!(s, UP_STATUS_OK, "{}", last_error());
    assert_eq!(last_error(), "");
    let mut count = 0;
    assert_eq!(unsafe { up_renditions_count(r, &mut count) }, UP_STATUS_OK);
    assert_eq!(count, 2);
    let mut rep = null_mut();
    assert_eq!(unsafe { up_renditions_report(r, &mut rep) }, UP_STATUS_OK);
    let report = json(rep);
    assert_eq!(report["source"]["orientation"], 8);
    for i in 0..count {
        let (mut p, mut n) = (null(), 0usize);
        assert_eq!(
            unsafe { up_renditions_data(r, i, &mut p, &mut n) },
            UP_STATUS_OK
        );
        let data = unsafe { std::slice::from_raw_parts(p, n) };
        let meta = &report["renditions"][i];
        assert_eq!(meta["bytes"].as_u64().unwrap() as usize, n);
        assert!(n as u64 <= meta["max_bytes"].as_u64().unwrap());
        let img = decode_rgb(data);
        assert_eq!(u64::from(img.width()), meta["width"].as_u64().unwrap());
    }
    assert_eq!(report["renditions"][1]["max_bytes"], 8000);
    let (mut p, mut n) = (null(), 0usize);
    assert_eq!(
        unsafe { up_renditions_data(r, 2, &mut p, &mut n) },
        UP_STATUS_INDEX_OUT_OF_RANGE
    );
    assert!(last_error().contains("there are 2"), "{}", last_error());
    unsafe { up_renditions_free(r) };
}

#[test]
fn validate_and_targets() {
    let photo = fixture("Landscape_3.jpg");
    let mut b = null_mut();
    assert_eq!(
        unsafe { up_photo_validate(photo.as_ptr(), photo.len(), null(), &mut b) },
        UP_STATUS_OK
    );
    let v = json(b);
    assert_eq!(v["source"]["format"], "jpeg");
    assert_eq!(v["targets"].as_array().unwrap().len(), 3);
    assert_eq!(v["targets"][0]["verdict"], "needs-resize");

    let mut t = null_mut();
    assert_eq!(unsafe { up_targets(&mut t) }, UP_STATUS_OK);
    let t = json(t);
    assert_eq!(t[0]["name"], "graph");
    assert_eq!(t[0]["size"], 648);
    assert_eq!(t[1]["max_bytes"], 10240);
    assert_eq!(t[1]["max_bytes_ceiling"], 102400);

    let v = unsafe { CStr::from_ptr(up_version()) };
    assert_eq!(v.to_str().unwrap(), userphoto::VERSION);
    assert_eq!(
        unsafe { CStr::from_ptr(up_status_name(0)) }
            .to_str()
            .unwrap(),
        "ok"
    );
    assert_eq!(
        unsafe { CStr::from_ptr(up_status_name(-5)) }
            .to_str()
            .unwrap(),
        "unknown"
    );
}

#[test]
fn null_arguments_are_statuses() {
    let photo = fixture("Landscape_0.jpg");
    unsafe {
        assert_eq!(
            up_photo_resize(photo.as_ptr(), photo.len(), null(), null_mut()),
            UP_STATUS_NULL_ARGUMENT
        );
        let mut r = null_mut();
        assert_eq!(
            up_photo_resize(null(), 10, null(), &mut r),
            UP_STATUS_NULL_ARGUMENT
        );
        assert!(last_error().contains("NULL with length 10"));
        assert_eq!(
            up_photo_resize(null(), 0, null(), &mut r),
            UP_STATUS_EMPTY_INPUT
        );
        assert_eq!(
            up_photo_validate(photo.as_ptr(), photo.len(), null(), null_mut()),
            UP_STATUS_NULL_ARGUMENT
        );
        assert_eq!(up_targets(null_mut()), UP_STATUS_NULL_ARGUMENT);
        assert_eq!(
            up_renditions_count(null(), null_mut()),
            UP_STATUS_NULL_ARGUMENT
        );
        let mut n = 0;
        assert_eq!(up_renditions_count(null(), &mut n), UP_STATUS_NULL_ARGUMENT);
        let mut b = null_mut();
        assert_eq!(
            up_renditions_report(null(), &mut b),
            UP_STATUS_NULL_ARGUMENT
        );
        let (mut p, mut len) = (null(), 0usize);
        assert_eq!(
            up_renditions_data(null(), 0, &mut p, &mut len),
            UP_STATUS_NULL_ARGUMENT
        );
        assert_eq!(
            up_buffer_data(null(), &mut p, &mut len),
            UP_STATUS_NULL_ARGUMENT
        );
        up_buffer_free(null_mut());
        up_renditions_free(null_mut());
        // A live handle with NULL outputs.
        assert_eq!(up_targets(&mut b), UP_STATUS_OK);
        assert_eq!(
            up_buffer_data(b, null_mut(), &mut len),
            UP_STATUS_NULL_ARGUMENT
        );
        up_buffer_free(b);
    }
}

// A misaligned address (1) is the point: the alignment check must catch it before any read.
#[allow(clippy::manual_dangling_ptr)]
#[test]
fn wrong_and_freed_handles_are_refused() {
    let photo = fixture("Landscape_0.jpg");
    unsafe {
        let mut r = null_mut();
        assert_eq!(
            up_photo_resize(
                photo.as_ptr(),
                photo.len(),
                c"{\"targets\":[\"ad-thumbnail\"]}".as_ptr(),
                &mut r
            ),
            UP_STATUS_OK
        );
        let mut b = null_mut();
        assert_eq!(up_targets(&mut b), UP_STATUS_OK);
        // A buffer passed where renditions are expected, and the reverse.
        let mut n = 0;
        assert_eq!(
            up_renditions_count(b.cast(), &mut n),
            UP_STATUS_INVALID_HANDLE
        );
        assert!(last_error().contains("up_renditions"), "{}", last_error());
        let (mut p, mut len) = (null(), 0usize);
        assert_eq!(
            up_buffer_data(r.cast(), &mut p, &mut len),
            UP_STATUS_INVALID_HANDLE
        );
        // Freeing through the wrong function is ignored, not a crash.
        up_buffer_free(r.cast());
        up_renditions_free(b.cast());
        // Memory that was never a handle.
        let junk = [0u64; 8];
        assert_eq!(
            up_buffer_data(junk.as_ptr().cast(), &mut p, &mut len),
            UP_STATUS_INVALID_HANDLE
        );
        assert_eq!(
            up_buffer_data(1 as *const up_buffer, &mut p, &mut len),
            UP_STATUS_INVALID_HANDLE
        );
        up_buffer_free(b);
        up_renditions_free(r);
    }
}

#[test]
fn bad_options_are_statuses() {
    let photo = fixture("Landscape_0.jpg");
    let cases: &[(&[u8], up_status, &str)] = &[
        (
            b"{\"targets\": [\"graph\"\xff]}\0",
            UP_STATUS_INVALID_UTF8,
            "UTF-8",
        ),
        (b"{\"targets\": \0", UP_STATUS_INVALID_JSON, "options"),
        (b"not json\0", UP_STATUS_INVALID_JSON, "options"),
        (
            b"{\"targets\": [\"teams\"]}\0",
            UP_STATUS_INVALID_OPTIONS,
            "unknown target",
        ),
        (
            b"{\"crop\": \"left\"}\0",
            UP_STATUS_INVALID_OPTIONS,
            "options",
        ),
        (
            b"{\"colour\": 1}\0",
            UP_STATUS_INVALID_OPTIONS,
            "unknown field",
        ),
        (
            b"{\"targets\": [{\"target\": \"ad-thumbnail\", \"max_bytes\": 112640}]}\0",
            UP_STATUS_INVALID_OPTIONS,
            "102400",
        ),
    ];
    for (json, want, text) in cases {
        let mut r = null_mut();
        let s = unsafe {
            up_photo_resize(
                photo.as_ptr(),
                photo.len(),
                json.as_ptr() as *const c_char,
                &mut r,
            )
        };
        assert_eq!(s, *want, "{:?}", String::from_utf8_lossy(json));
        assert!(r.is_null());
        assert!(last_error().contains(text), "{}", last_error());
        let mut b = null_mut();
        let s = unsafe {
            up_photo_validate(
                photo.as_ptr(),
                photo.len(),
                json.as_ptr() as *const c_char,
                &mut b,
            )
        };
        assert_eq!(s, *want);
    }
}

/// Every function the header declares is linked here (a missing export fails to build), and
/// this list is the header's list (a new export must be added to the tests).
#[test]
fn link_every_symbol() {
    let linked: &[(&str, usize)] = &[
        ("up_version", up_version as *const () as usize),
        (
            "up_last_error_message",
            up_last_error_message as *const () as usize,
        ),
        ("up_status_name", up_status_name as *const () as usize),
        ("up_targets", up_targets as *const () as usize),
        ("up_photo_validate", up_photo_validate as *const () as usize),
        ("up_photo_resize", up_photo_resize as *const () as usize),
        (
            "up_renditions_count",
            up_renditions_count as *const () as usize,
        ),
        (
            "up_renditions_report",
            up_renditions_report as *const () as usize,
        ),
        (
            "up_renditions_data",
            up_renditions_data as *const () as usize,
        ),
        (
            "up_renditions_free",
            up_renditions_free as *const () as usize,
        ),
        ("up_buffer_data", up_buffer_data as *const () as usize),
        ("up_buffer_free", up_buffer_free as *const () as usize),
        ("up_client_new", up_client_new as *const () as usize),
        ("up_client_free", up_client_free as *const () as usize),
        ("up_photo_upload", up_photo_upload as *const () as usize),
        ("up_photo_download", up_photo_download as *const () as usize),
        ("up_photo_remove", up_photo_remove as *const () as usize),
        ("up_job_start", up_job_start as *const () as usize),
        ("up_job_add_bytes", up_job_add_bytes as *const () as usize),
        ("up_job_add_file", up_job_add_file as *const () as usize),
        ("up_job_close", up_job_close as *const () as usize),
        ("up_job_cancel", up_job_cancel as *const () as usize),
        ("up_job_poll", up_job_poll as *const () as usize),
        ("up_job_free", up_job_free as *const () as usize),
        ("up_directory_new", up_directory_new as *const () as usize),
        ("up_directory_free", up_directory_free as *const () as usize),
        (
            "up_directory_upload",
            up_directory_upload as *const () as usize,
        ),
        (
            "up_directory_download",
            up_directory_download as *const () as usize,
        ),
        (
            "up_directory_remove",
            up_directory_remove as *const () as usize,
        ),
        (
            "up_directory_audit",
            up_directory_audit as *const () as usize,
        ),
        ("up_job_start_to", up_job_start_to as *const () as usize),
        (
            "up_job_start_audit",
            up_job_start_audit as *const () as usize,
        ),
        ("up_feed_read", up_feed_read as *const () as usize),
    ];
    assert!(linked.iter().all(|(_, p)| *p != 0));
    let header =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/userphoto.h"))
            .unwrap();
    let mut declared: Vec<&str> = header
        .lines()
        .filter(|l| !l.starts_with("//") && !l.starts_with(" *"))
        .filter_map(|l| {
            let open = l.find('(')?;
            let name = l[..open].rsplit([' ', '*']).next()?;
            name.starts_with("up_").then_some(name)
        })
        .collect();
    declared.sort();
    let mut names: Vec<&str> = linked.iter().map(|(n, _)| *n).collect();
    names.sort();
    assert_eq!(names, declared);
}

#[test]
fn crop_checks_and_refusal_cross_the_c_abi() {
    // A flat logo-like photo: no face, no detail.
    let img = image::RgbImage::from_pixel(300, 300, image::Rgb([20, 120, 200]));
    let photo = png(&image::DynamicImage::ImageRgb8(img));
    let mut b = null_mut();
    let opts = c"{\"crop\": \"face\"}";
    assert_eq!(
        unsafe { up_photo_validate(photo.as_ptr(), photo.len(), opts.as_ptr(), &mut b) },
        UP_STATUS_OK
    );
    let v = json(b);
    assert_eq!(v["crop"]["mode"], "centre");
    assert_eq!(v["crop"]["box"]["width"], 300);
    assert!(v["crop"]["reason"].as_str().unwrap().contains("no face"));
    assert_eq!(v["faces"], serde_json::json!([]));
    let codes: Vec<_> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["no-face", "low-detail", "small-source"]);

    let mut r = null_mut();
    let refuse = c"{\"refuse\": [\"no-face\"]}";
    let s = unsafe { up_photo_resize(photo.as_ptr(), photo.len(), refuse.as_ptr(), &mut r) };
    assert_eq!(s, UP_STATUS_CHECK_REFUSED);
    assert!(r.is_null());
    assert!(
        last_error().contains("refused by the no-face check"),
        "{}",
        last_error()
    );
    assert_eq!(
        unsafe { CStr::from_ptr(up_status_name(UP_STATUS_CHECK_REFUSED as i32)) }
            .to_str()
            .unwrap(),
        "check-refused"
    );
    let bad = c"{\"crop\": \"left\", \"refuse\": [\"sideways\"]}";
    let s = unsafe { up_photo_resize(photo.as_ptr(), photo.len(), bad.as_ptr(), &mut r) };
    assert_eq!(s, UP_STATUS_INVALID_OPTIONS);
    assert!(last_error().contains("left"), "{}", last_error());
}
