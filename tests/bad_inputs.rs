//! Every generated bad input gives its named error through the Rust API, the CLI and the C
//! ABI; none panics through.

mod common;

use std::ffi::CStr;
use std::process::Command;

use common::*;
use userphoto::capi::*;
use userphoto::Options;

#[test]
fn rust_api_names_each_error() {
    for (name, bytes, code) in bad_inputs() {
        let err = userphoto::render(&bytes, &Options::default()).expect_err(name);
        assert_eq!(err.code(), code, "{name}: {err}");
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn validate_reports_a_tiny_photo_as_unusable_and_refuses_the_rest() {
    for (name, bytes, code) in bad_inputs() {
        match userphoto::validate(&bytes, &Options::default()) {
            Ok(report) => {
                assert_eq!(code, "too-small", "{name} validated");
                assert!(
                    report.targets.iter().all(|t| t.error == Some("too-small")),
                    "{name}"
                );
            }
            Err(e) => assert_eq!(e.code(), code, "{name}: {e}"),
        }
    }
}

#[test]
fn messages_name_the_limit() {
    let e = userphoto::render(&png_header_bomb(100_000, 100_000), &Options::default()).unwrap_err();
    assert!(
        e.to_string().contains("100000 x 100000") && e.to_string().contains("20000 x 20000"),
        "{e}"
    );
    let e = userphoto::render(&png_header_bomb(16_000, 16_000), &Options::default()).unwrap_err();
    assert!(e.to_string().contains("210000000"), "{e}");
    let one = bad_inputs()
        .into_iter()
        .find(|b| b.0 == "one-pixel.png")
        .unwrap()
        .1;
    let e = userphoto::render(&one, &Options::default()).unwrap_err();
    assert!(e.to_string().contains("at least 48 pixels"), "{e}");
}

#[test]
fn animation_is_accepted_when_asked() {
    let opts = Options {
        allow_animated: true,
        ..Options::default()
    };
    let out = userphoto::render(&animated_gif(), &opts).unwrap();
    assert_eq!(out.source.frames, 2);
    let first = decode_rgb(&out.renditions[0].data);
    let p = first.get_pixel(32, 32);
    assert!(p[0] > 150 && p[2] < 100, "first frame (red) used: {p:?}");
    assert!(out.renditions[0]
        .notes
        .iter()
        .any(|n| n.contains("no upscaling")));
}

#[test]
fn cli_names_each_error_and_exits_1() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bad-inputs-cli");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes, code) in bad_inputs() {
        let path = dir.join(name);
        std::fs::write(&path, &bytes).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_userphoto"))
            .args(["resize", "--out"])
            .arg(dir.join("out"))
            .arg(&path)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(&format!("[{code}]")), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
    let left: Vec<_> = std::fs::read_dir(dir.join("out"))
        .map(|d| d.flatten().collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "no partial output: {left:?}");
}

#[test]
fn c_abi_gives_each_error_a_status() {
    for (name, bytes, code) in bad_inputs() {
        let mut r: *mut up_renditions = std::ptr::NonNull::dangling().as_ptr();
        let status =
            unsafe { up_photo_resize(bytes.as_ptr(), bytes.len(), std::ptr::null(), &mut r) };
        assert_ne!(status, up_status::UP_STATUS_OK, "{name}");
        assert!(r.is_null(), "{name}: out-parameter cleared on failure");
        let status_name = unsafe { CStr::from_ptr(up_status_name(status as i32)) }
            .to_str()
            .unwrap();
        assert_eq!(status_name, code, "{name}");
        let msg = unsafe { CStr::from_ptr(up_last_error_message()) }
            .to_string_lossy()
            .into_owned();
        let rust = userphoto::render(&bytes, &Options::default())
            .unwrap_err()
            .to_string();
        assert_eq!(msg, rust, "{name}: the C message is the Rust message");
    }
}
