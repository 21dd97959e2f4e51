//! The JSON that crosses the C ABI from PowerShell and C callers, through the exported
//! functions themselves, so the panic boundary, the status mapping and the out-parameter rules
//! are part of what is fuzzed: pipeline options (up_photo_validate, up_photo_resize, upload
//! options), the connection JSON (up_client_new), the directory JSON (up_directory_new), job
//! options (up_job_start, up_job_start_to) and audit options (up_directory_audit,
//! up_job_start_audit).
//!
//! The first byte picks the function (`0` up_photo_validate, `1` up_photo_resize,
//! `2` up_client_new, `3` up_directory_new, `4` up_job_start, `5` up_job_start_to AD,
//! `6` up_photo_upload, `7` up_directory_upload, `8` up_directory_audit,
//! `9` up_job_start_audit; any byte, modulo 10);
//! the rest, up to the first NUL, is the JSON. Calls that
//! go on to the network after the JSON is read use a client and a directory pointed at a
//! closed loopback port with no retries, so they fail fast with a network error.
#![no_main]

use std::ffi::{c_char, CStr, CString};
use std::ptr;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use userphoto::capi::*;
use userphoto_fuzz::{scratch, small_jpeg, JpegKind};

/// Nothing listens there (the TCP port 1 service is long retired); connections are refused.
const CLOSED: &str = "127.0.0.1:1";

struct Handles {
    client: usize,
    directory: usize,
}

fn handles() -> &'static Handles {
    static H: OnceLock<Handles> = OnceLock::new();
    H.get_or_init(|| {
        // Jobs write journals and reports at relative paths: keep them in the scratch folder.
        std::env::set_current_dir(scratch()).expect("scratch folder");
        let client = CString::new(format!(
            r#"{{"tenant": "contoso.onmicrosoft.com", "client_id": "fuzz",
                "credential": {{"type": "access_token", "token": "fuzz-access-token-0123456789"}},
                "authority": "http://{CLOSED}", "graph_endpoint": "http://{CLOSED}",
                "retry": {{"max_attempts": 1, "max_total_wait_ms": 0}}, "timeout_secs": 2}}"#
        ))
        .unwrap();
        let directory = CString::new(format!(
            r#"{{"url": "ldap://{CLOSED}", "bind_user": "svc@corp.example",
                "password": "fuzz-ldap-password-0123456789", "plain_ldap": true,
                "connect_timeout_secs": 1, "timeout_secs": 1}}"#
        ))
        .unwrap();
        let mut c: *mut up_client = ptr::null_mut();
        let mut d: *mut up_directory = ptr::null_mut();
        unsafe {
            assert_eq!(
                up_client_new(client.as_ptr(), &mut c),
                up_status::UP_STATUS_OK
            );
            assert_eq!(
                up_directory_new(directory.as_ptr(), &mut d),
                up_status::UP_STATUS_OK
            );
        }
        Handles {
            client: c as usize,
            directory: d as usize,
        }
    })
}

fn last_error() -> String {
    unsafe { CStr::from_ptr(up_last_error_message()) }
        .to_string_lossy()
        .into_owned()
}

/// The status rules every export follows: no panic reaches the caller, a failure leaves a
/// message, a success leaves none.
fn check_status(status: up_status) {
    assert_ne!(
        status,
        up_status::UP_STATUS_PANIC,
        "panic: {}",
        last_error()
    );
    if status == up_status::UP_STATUS_OK {
        assert_eq!(last_error(), "", "a message after success");
    } else {
        assert_ne!(last_error(), "", "{status:?} without a message");
    }
}

/// Values under the JSON's secret fields that appear nowhere else in it (so a message that
/// quotes another field cannot contain them by chance).
fn secrets(json: &Value) -> Vec<String> {
    const SECRET_KEYS: [&str; 7] = [
        "secret",
        "password",
        "token",
        "private_key_pem",
        "pfx_base64",
        "pfx_password",
        "identity_header",
    ];
    fn walk(v: &Value, secret: bool, found: &mut Vec<(bool, String)>) {
        match v {
            Value::String(s) => found.push((secret, s.clone())),
            Value::Array(a) => a.iter().for_each(|x| walk(x, secret, found)),
            Value::Object(o) => {
                for (k, x) in o {
                    found.push((false, k.clone()));
                    walk(x, SECRET_KEYS.contains(&k.as_str()), found);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(json, false, &mut found);
    let (secret, other): (Vec<_>, Vec<_>) = found.into_iter().partition(|(s, _)| *s);
    secret
        .into_iter()
        .map(|(_, s)| s)
        // Long and not a word: a message cannot hold it by coincidence.
        .filter(|s| {
            s.len() >= 12
                && s.bytes().any(|b| b.is_ascii_digit())
                && s.bytes().any(|b| b.is_ascii_alphabetic())
        })
        .filter(|s| !other.iter().any(|(_, o)| o.contains(s.as_str())))
        .collect()
}

fn check_no_secret(json: &Option<Value>) {
    let Some(json) = json else { return };
    let msg = last_error();
    for s in secrets(json) {
        assert!(!msg.contains(&s), "a secret reached the message: {msg}");
    }
}

/// Paths in job options are kept to the scratch folder (the process may run as root).
fn names_a_path_outside(json: &Option<Value>) -> bool {
    fn any_path(v: &Value) -> bool {
        match v {
            Value::String(s) => s.contains('/') || s.contains('\\') || s.starts_with(".."),
            Value::Array(a) => a.iter().any(any_path),
            Value::Object(o) => o.values().any(any_path),
            _ => false,
        }
    }
    json.as_ref().is_some_and(any_path)
}

/// Render options that ask for a lot of work by design (upscaling to 4096 px, many targets)
/// are valid and slow in proportion; they are validated, not rendered.
fn heavy(json: &Option<Value>) -> bool {
    let Some(v) = json else { return false };
    let Ok(o) = serde_json::from_value::<userphoto::Options>(v.clone()) else {
        return false;
    };
    o.targets.len() > 4
        || (o.allow_upscale
            && o.resolved_targets()
                .is_ok_and(|t| t.iter().any(|t| t.size > 1024)))
}

/// Poll a started job to its end, then free it.
unsafe fn finish(job: *mut up_job) {
    let photo = small_jpeg(JpegKind::YCbCr);
    check_status(up_job_add_bytes(
        job,
        c"adele@contoso.com".as_ptr(),
        photo.as_ptr(),
        photo.len(),
    ));
    check_status(up_job_close(job));
    for _ in 0..200 {
        let mut event: *mut up_buffer = ptr::null_mut();
        let status = up_job_poll(job, 100, &mut event);
        up_buffer_free(event);
        if status == up_status::UP_STATUS_JOB_FINISHED {
            up_job_free(job);
            return;
        }
        check_status(status);
    }
    panic!("the job did not finish within 20 s");
}

/// Poll an audit (of a closed port: it ends with the listing's error) to its end, then free it.
unsafe fn finish_audit(job: *mut up_job) {
    let photo = small_jpeg(JpegKind::YCbCr);
    let refused = up_job_add_bytes(
        job,
        c"adele@contoso.com".as_ptr(),
        photo.as_ptr(),
        photo.len(),
    );
    assert_eq!(
        refused,
        up_status::UP_STATUS_INVALID_OPTIONS,
        "an audit takes no items"
    );
    for _ in 0..200 {
        let mut event: *mut up_buffer = ptr::null_mut();
        let status = up_job_poll(job, 100, &mut event);
        if !event.is_null() {
            let (mut p, mut n) = (ptr::null(), 0usize);
            check_status(up_buffer_data(event, &mut p, &mut n));
            let v: Value =
                serde_json::from_slice(std::slice::from_raw_parts(p, n)).expect("event JSON");
            if v["event"] == "finished" {
                assert!(
                    v["error_code"].is_string(),
                    "an audit of a closed port fails: {v}"
                );
            }
        }
        up_buffer_free(event);
        if status == up_status::UP_STATUS_JOB_FINISHED {
            up_job_free(job);
            return;
        }
        check_status(status);
    }
    panic!("the audit did not finish within 20 s");
}

fuzz_target!(|data: &[u8]| {
    let [which, rest @ ..] = data else { return };
    let text = &rest[..rest.iter().position(|&b| b == 0).unwrap_or(rest.len())];
    let json_c = CString::new(text).expect("no NUL");
    let json: *const c_char = json_c.as_ptr();
    let parsed: Option<Value> = serde_json::from_slice(text).ok();
    let h = handles();
    let client = h.client as *const up_client;
    let directory = h.directory as *const up_directory;
    let photo = small_jpeg(JpegKind::YCbCr);
    let user = c"adele@contoso.com".as_ptr();
    unsafe {
        match which.wrapping_sub(b'0') % 10 {
            0 => {
                let mut report: *mut up_buffer = ptr::null_mut();
                let s = up_photo_validate(photo.as_ptr(), photo.len(), json, &mut report);
                check_status(s);
                assert_eq!(s == up_status::UP_STATUS_OK, !report.is_null());
                up_buffer_free(report);
            }
            1 => {
                if heavy(&parsed) {
                    return;
                }
                let mut r: *mut up_renditions = ptr::null_mut();
                let s = up_photo_resize(photo.as_ptr(), photo.len(), json, &mut r);
                check_status(s);
                assert_eq!(s == up_status::UP_STATUS_OK, !r.is_null());
                up_renditions_free(r);
            }
            2 => {
                let mut c: *mut up_client = ptr::null_mut();
                let s = up_client_new(json, &mut c);
                check_status(s);
                check_no_secret(&parsed);
                assert_eq!(s == up_status::UP_STATUS_OK, !c.is_null());
                up_client_free(c);
            }
            3 => {
                let mut d: *mut up_directory = ptr::null_mut();
                let s = up_directory_new(json, &mut d);
                check_status(s);
                check_no_secret(&parsed);
                assert_eq!(s == up_status::UP_STATUS_OK, !d.is_null());
                up_directory_free(d);
            }
            4 | 5 => {
                if names_a_path_outside(&parsed)
                    || heavy(&parsed.as_ref().map(|v| v["render"].clone()))
                {
                    return;
                }
                scratch();
                let mut job: *mut up_job = ptr::null_mut();
                let s = if which.wrapping_sub(b'0') % 10 == 4 {
                    up_job_start(client, json, &mut job)
                } else {
                    up_job_start_to(ptr::null(), directory, json, &mut job)
                };
                check_status(s);
                assert_eq!(s == up_status::UP_STATUS_OK, !job.is_null());
                if !job.is_null() {
                    finish(job);
                }
            }
            6 => {
                let mut out: *mut up_buffer = ptr::null_mut();
                let s = up_photo_upload(client, user, ptr::null(), 0, json, &mut out);
                check_status(s);
                assert_ne!(s, up_status::UP_STATUS_OK, "an upload to a closed port");
                assert!(out.is_null());
            }
            7 => {
                let mut out: *mut up_buffer = ptr::null_mut();
                let s = up_directory_upload(directory, user, ptr::null(), 0, json, &mut out);
                check_status(s);
                assert_ne!(s, up_status::UP_STATUS_OK, "an upload to a closed port");
                assert!(out.is_null());
            }
            9 => {
                if names_a_path_outside(&parsed) {
                    return;
                }
                scratch();
                let mut job: *mut up_job = ptr::null_mut();
                let s = up_job_start_audit(client, json, &mut job);
                check_status(s);
                assert_eq!(s == up_status::UP_STATUS_OK, !job.is_null());
                if !job.is_null() {
                    finish_audit(job);
                }
            }
            _ => {
                let mut out: *mut up_buffer = ptr::null_mut();
                let s = up_directory_audit(directory, json, &mut out);
                check_status(s);
                assert_ne!(s, up_status::UP_STATUS_OK, "an audit of a closed port");
                assert!(out.is_null());
            }
        }
    }
});
