//! The C ABI's directory functions, as the PowerShell module calls them.

use super::dc::*;

/// The C ABI's directory functions (what the PowerShell module calls) against the DC.
pub fn c_abi(dc: &Dc) {
    use std::ffi::{CStr, CString};
    use std::ptr::{null, null_mut};
    use userphoto::capi::up_status::*;
    use userphoto::capi::*;

    let last_error = || {
        unsafe { CStr::from_ptr(up_last_error_message()) }
            .to_string_lossy()
            .into_owned()
    };
    let take = |b: *mut up_buffer| {
        let (mut p, mut n) = (null(), 0usize);
        assert_eq!(unsafe { up_buffer_data(b, &mut p, &mut n) }, UP_STATUS_OK);
        let v = unsafe { std::slice::from_raw_parts(p, n) }.to_vec();
        unsafe { up_buffer_free(b) };
        v
    };
    let json = |b: *mut up_buffer| serde_json::from_slice::<serde_json::Value>(&take(b)).unwrap();
    let config = |password: &str, ca: &str| {
        CString::new(
            serde_json::json!({
                "url": "ldaps://127.0.0.1", "bind_user": dc.get("USERPHOTO_LDAP_BIND"),
                "password": password, "ca_file": dc.get(ca), "timeout_secs": 10,
            })
            .to_string(),
        )
        .unwrap()
    };
    let open = |cfg: &CString| {
        let mut d = null_mut();
        let st = unsafe { up_directory_new(cfg.as_ptr(), &mut d) };
        assert_eq!(st, UP_STATUS_OK, "{}", last_error());
        d
    };
    let cstr = |s: &str| CString::new(s).unwrap();
    let d = open(&config(&dc.password(), "USERPHOTO_LDAP_CA"));
    let carol = cstr("carol@corp.example");
    let src = smooth_jpeg(300, 200, 21);

    // Upload, read back through the ABI, unchanged the second time.
    let mut out = null_mut();
    let st = unsafe {
        up_directory_upload(d, carol.as_ptr(), src.as_ptr(), src.len(), null(), &mut out)
    };
    assert_eq!(st, UP_STATUS_OK, "{}", last_error());
    let o = json(out);
    assert_eq!(o["status"], "written", "{o}");
    assert_eq!(o["verified"], true);
    assert_eq!(o["rendition"]["width"], 96);
    let dn = o["dn"].as_str().unwrap().to_string();
    let mut photo = null_mut();
    assert_eq!(
        unsafe { up_directory_download(d, carol.as_ptr(), &mut photo) },
        UP_STATUS_OK
    );
    let stored = take(photo);
    assert_eq!(Some(stored.clone()), raw_thumbnail(dc, &dn));
    assert_eq!(stored.len() as u64, o["bytes"].as_u64().unwrap());
    let st = unsafe {
        up_directory_upload(d, carol.as_ptr(), src.as_ptr(), src.len(), null(), &mut out)
    };
    assert_eq!(st, UP_STATUS_OK);
    assert_eq!(json(out)["status"], "unchanged");

    // Options: "raw" writes the bytes as they are; bad options are named.
    let raw = noise_jpeg(64, 5);
    let opts = cstr(r#"{"raw": true}"#);
    let st = unsafe {
        up_directory_upload(
            d,
            carol.as_ptr(),
            raw.as_ptr(),
            raw.len(),
            opts.as_ptr(),
            &mut out,
        )
    };
    assert_eq!(st, UP_STATUS_OK, "{}", last_error());
    assert_eq!(json(out)["rendition"], serde_json::Value::Null);
    assert_eq!(raw_thumbnail(dc, &dn), Some(raw.clone()));
    let opts = cstr(r#"{"raw": "yes"}"#);
    let st = unsafe {
        up_directory_upload(
            d,
            carol.as_ptr(),
            raw.as_ptr(),
            raw.len(),
            opts.as_ptr(),
            &mut out,
        )
    };
    assert_eq!(st, UP_STATUS_INVALID_OPTIONS);
    assert!(out.is_null());
    let big = vec![0xFFu8; 110 * 1024];
    let opts = cstr(r#"{"raw": true}"#);
    let st = unsafe {
        up_directory_upload(
            d,
            carol.as_ptr(),
            big.as_ptr(),
            big.len(),
            opts.as_ptr(),
            &mut out,
        )
    };
    assert_eq!(st, UP_STATUS_THUMBNAIL_TOO_LARGE, "{}", last_error());

    // Remove: removed, then absent; download then says no photo.
    assert_eq!(
        unsafe { up_directory_remove(d, carol.as_ptr(), &mut out) },
        UP_STATUS_OK
    );
    assert_eq!(json(out)["status"], "removed");
    assert_eq!(
        unsafe { up_directory_remove(d, carol.as_ptr(), null_mut()) },
        UP_STATUS_OK
    );
    assert_eq!(
        unsafe { up_directory_download(d, carol.as_ptr(), &mut photo) },
        UP_STATUS_NO_PHOTO
    );
    assert!(photo.is_null());

    // Named statuses for the directory's errors.
    let nobody = cstr("nobody@corp.example");
    let st = unsafe {
        up_directory_upload(
            d,
            nobody.as_ptr(),
            src.as_ptr(),
            src.len(),
            null(),
            &mut out,
        )
    };
    assert_eq!(st, UP_STATUS_USER_NOT_FOUND, "{}", last_error());
    let shared = cstr("shared@corp.example");
    assert_eq!(
        unsafe { up_directory_download(d, shared.as_ptr(), &mut photo) },
        UP_STATUS_AMBIGUOUS_USER
    );
    let wrong = open(&config(WRONG_PASSWORD, "USERPHOTO_LDAP_CA"));
    assert_eq!(
        unsafe { up_directory_download(wrong, carol.as_ptr(), &mut photo) },
        UP_STATUS_INVALID_CREDENTIALS
    );
    assert!(!last_error().contains(WRONG_PASSWORD), "{}", last_error());
    unsafe { up_directory_free(wrong) };
    let other_ca = open(&config(&dc.password(), "USERPHOTO_LDAP_OTHER_CA"));
    assert_eq!(
        unsafe { up_directory_download(other_ca, carol.as_ptr(), &mut photo) },
        UP_STATUS_DIRECTORY_TLS
    );
    unsafe { up_directory_free(other_ca) };
    // Configuration errors never echo the password.
    let bad = cstr(
        r#"{"url": "ldaps://127.0.0.1", "bind_user": "x", "password": "Pw-9931", "max_bytes": "lots"}"#,
    );
    let mut h = null_mut();
    assert_eq!(
        unsafe { up_directory_new(bad.as_ptr(), &mut h) },
        UP_STATUS_INVALID_OPTIONS
    );
    assert!(
        h.is_null() && !last_error().contains("Pw-9931"),
        "{}",
        last_error()
    );
    let plain = cstr(
        r#"{"url": "ldap://dc.corp.example", "bind_user": "x", "password": "p", "plain_ldap": true}"#,
    );
    assert_eq!(
        unsafe { up_directory_new(plain.as_ptr(), &mut h) },
        UP_STATUS_CONFIG
    );

    // Audit, as JSON.
    let mut report = null_mut();
    let opts = cstr(r#"{"include_missing": true}"#);
    assert_eq!(
        unsafe { up_directory_audit(d, opts.as_ptr(), &mut report) },
        UP_STATUS_OK,
        "{}",
        last_error()
    );
    let r = json(report);
    assert!(r["scanned"].as_u64().unwrap() >= 5, "{r}");
    assert!(
        r["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["dn"] == dn.as_str()
                && e["problems"]
                    .as_array()
                    .unwrap()
                    .contains(&"missing".into())),
        "carol has no thumbnail now: {r}"
    );

    // A job to AD only, and one to Graph and AD, through the job functions.
    let (emu, graph_config) = graph_emulator(&["carol@corp.example".to_string()]);
    let mut graph = null_mut();
    let graph_config = cstr(&graph_config.to_string());
    assert_eq!(
        unsafe { up_client_new(graph_config.as_ptr(), &mut graph) },
        UP_STATUS_OK
    );
    // A handle of the wrong type is refused.
    assert_eq!(
        unsafe { up_directory_download(graph.cast(), carol.as_ptr(), &mut photo) },
        UP_STATUS_INVALID_HANDLE
    );
    let mut job = null_mut();
    assert_eq!(
        unsafe { up_job_start_to(null(), null(), null(), &mut job) },
        UP_STATUS_NULL_ARGUMENT
    );
    let run_job = |graph: *const up_client, users: &[&str]| {
        let mut job = null_mut();
        assert_eq!(
            unsafe { up_job_start_to(graph, d, null(), &mut job) },
            UP_STATUS_OK,
            "{}",
            last_error()
        );
        for u in users {
            let u = cstr(u);
            assert_eq!(
                unsafe { up_job_add_bytes(job, u.as_ptr(), src.as_ptr(), src.len()) },
                UP_STATUS_OK
            );
        }
        assert_eq!(unsafe { up_job_close(job) }, UP_STATUS_OK);
        let mut results = Vec::new();
        loop {
            let mut ev = null_mut();
            match unsafe { up_job_poll(job, 10_000, &mut ev) } {
                UP_STATUS_OK if ev.is_null() => panic!("no event in 10 s"),
                UP_STATUS_OK => {
                    let e = json(ev);
                    if e["event"] == "result" {
                        results.push((
                            e["user"].as_str().unwrap().to_string(),
                            e["destination"].as_str().unwrap().to_string(),
                            e["status"].as_str().unwrap().to_string(),
                        ));
                    }
                }
                UP_STATUS_JOB_FINISHED => break,
                other => panic!("poll: {other:?} {}", last_error()),
            }
        }
        unsafe { up_job_free(job) };
        results.sort();
        results
    };
    let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        run_job(null(), &["carol@corp.example", "nobody@corp.example"]),
        vec![
            s("carol@corp.example", "ad", "uploaded"),
            s("nobody@corp.example", "ad", "failed"),
        ]
    );
    // The thumbnail rendered beside the 648 px rendition may differ by a few bytes from one
    // rendered alone, so AD is written again or left unchanged.
    let both = run_job(graph, &["carol@corp.example"]);
    assert_eq!(both.len(), 2, "{both:?}");
    assert!(
        [
            s("carol@corp.example", "ad", "unchanged"),
            s("carol@corp.example", "ad", "uploaded")
        ]
        .contains(&both[0]),
        "{both:?}"
    );
    assert_eq!(both[1], s("carol@corp.example", "graph", "uploaded"));
    assert!(emu.photo("carol@corp.example").is_some());
    unsafe { up_client_free(graph) };
    unsafe { up_directory_free(d) };
    emu.stop();
}
