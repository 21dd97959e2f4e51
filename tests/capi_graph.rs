//! The Graph part of the C ABI against the emulator: client, upload, download, remove, and
//! a job fed, polled and cancelled; NULL, bad handles and bad configuration as statuses.

mod common;

use std::ffi::{CStr, CString};
use std::ptr::{null, null_mut};

use userphoto::capi::up_status::*;
use userphoto::capi::*;
use userphoto::emulator::{Emulator, Faults};

use common::{connection_json, emulator_config, numbered_users, start_emulator};

const SECRET: &str = "capi-secret-never-in-messages";

fn emulator(users: usize) -> Emulator {
    start_emulator(emulator_config(
        SECRET,
        numbered_users(
            (0..users)
                .map(|i| format!("user{i}@contoso.com"))
                .chain(["zoë@contoso.com".to_string()]),
        ),
    ))
}

fn config(emu: &Emulator, secret: &str) -> CString {
    CString::new(connection_json(emu, secret).to_string()).unwrap()
}

fn last_error() -> String {
    unsafe { CStr::from_ptr(up_last_error_message()) }
        .to_string_lossy()
        .into_owned()
}

fn take(b: *mut up_buffer) -> Vec<u8> {
    let (mut p, mut n) = (null(), 0usize);
    assert_eq!(unsafe { up_buffer_data(b, &mut p, &mut n) }, UP_STATUS_OK);
    let v = unsafe { std::slice::from_raw_parts(p, n) }.to_vec();
    unsafe { up_buffer_free(b) };
    v
}

fn client(emu: &Emulator) -> *mut up_client {
    let mut c = null_mut();
    assert_eq!(
        unsafe { up_client_new(config(emu, SECRET).as_ptr(), &mut c) },
        UP_STATUS_OK,
        "{}",
        last_error()
    );
    c
}

#[test]
fn upload_download_remove() {
    let emu = emulator(1);
    let c = client(&emu);
    let photo = common::fixture("Portrait_6.jpg");
    let user = CString::new("zoë@contoso.com").unwrap();
    let mut out = null_mut();
    let s = unsafe {
        up_photo_upload(
            c,
            user.as_ptr(),
            photo.as_ptr(),
            photo.len(),
            null(),
            &mut out,
        )
    };
    assert_eq!(s, UP_STATUS_OK, "{}", last_error());
    let result: serde_json::Value = serde_json::from_slice(&take(out)).unwrap();
    assert_eq!(result["width"], 648);
    let stored = emu.photo("zoë@contoso.com").unwrap();
    assert_eq!(result["bytes"].as_u64().unwrap() as usize, stored.len());

    let mut got = null_mut();
    assert_eq!(
        unsafe { up_photo_download(c, user.as_ptr(), &mut got) },
        UP_STATUS_OK
    );
    assert_eq!(take(got), stored);
    assert_eq!(unsafe { up_photo_remove(c, user.as_ptr()) }, UP_STATUS_OK);
    assert_eq!(
        unsafe { up_photo_download(c, user.as_ptr(), &mut got) },
        UP_STATUS_NO_PHOTO
    );
    assert!(got.is_null());

    let ghost = CString::new("ghost@contoso.com").unwrap();
    let s = unsafe {
        up_photo_upload(
            c,
            ghost.as_ptr(),
            photo.as_ptr(),
            photo.len(),
            null(),
            &mut out,
        )
    };
    assert_eq!(s, UP_STATUS_USER_NOT_FOUND);
    assert!(last_error().contains("ghost@contoso.com"));

    // "raw": the bytes as they are, no rendition; a bad "raw" is a named option error.
    let raw = CString::new(r#"{"raw": true}"#).unwrap();
    let upload = |options: &CString, out: &mut *mut up_buffer| unsafe {
        up_photo_upload(
            c,
            user.as_ptr(),
            photo.as_ptr(),
            photo.len(),
            options.as_ptr(),
            out,
        )
    };
    assert_eq!(upload(&raw, &mut out), UP_STATUS_OK, "{}", last_error());
    let result: serde_json::Value = serde_json::from_slice(&take(out)).unwrap();
    assert_eq!(result["width"], serde_json::Value::Null);
    assert_eq!(emu.photo("zoë@contoso.com").unwrap(), photo);
    let bad = CString::new(r#"{"raw": 1}"#).unwrap();
    assert_eq!(upload(&bad, &mut out), UP_STATUS_INVALID_OPTIONS);
    assert!(last_error().contains("raw"), "{}", last_error());
    let bad = CString::new(r#"{"raw": false, "crop": "sideways"}"#).unwrap();
    assert_eq!(upload(&bad, &mut out), UP_STATUS_INVALID_OPTIONS);
    assert!(out.is_null());
    unsafe { up_client_free(c) };
}

#[test]
fn a_job_is_fed_polled_and_finishes_with_one_result_per_user() {
    let n = 12;
    let emu = emulator(n);
    emu.set_faults(Faults {
        seed: 4,
        p_503: 0.2,
        ..Default::default()
    });
    let c = client(&emu);
    let mut job = null_mut();
    assert_eq!(
        unsafe { up_job_start(c, null(), &mut job) },
        UP_STATUS_OK,
        "{}",
        last_error()
    );
    let photo = common::fixture("Landscape_2.jpg");
    let file = common::fixtures_dir().join("Portrait_1.jpg");
    let file = CString::new(file.to_str().unwrap()).unwrap();
    for i in 0..n {
        let user = CString::new(format!("user{i}@contoso.com")).unwrap();
        let s = if i % 2 == 0 {
            unsafe { up_job_add_bytes(job, user.as_ptr(), photo.as_ptr(), photo.len()) }
        } else {
            unsafe { up_job_add_file(job, user.as_ptr(), file.as_ptr()) }
        };
        assert_eq!(s, UP_STATUS_OK);
    }
    assert_eq!(unsafe { up_job_close(job) }, UP_STATUS_OK);
    let user = CString::new("late@contoso.com").unwrap();
    assert_eq!(
        unsafe { up_job_add_bytes(job, user.as_ptr(), photo.as_ptr(), photo.len()) },
        UP_STATUS_INVALID_OPTIONS
    );
    let mut results = 0;
    let mut finished = None;
    loop {
        let mut ev = null_mut();
        match unsafe { up_job_poll(job, 200, &mut ev) } {
            UP_STATUS_OK if ev.is_null() => continue,
            UP_STATUS_OK => {
                let v: serde_json::Value = serde_json::from_slice(&take(ev)).unwrap();
                assert!(!v.to_string().contains(SECRET));
                match v["event"].as_str().unwrap() {
                    "result" => {
                        assert_eq!(v["status"], "uploaded", "{v}");
                        results += 1;
                    }
                    "finished" => finished = Some(v),
                    _ => {}
                }
            }
            UP_STATUS_JOB_FINISHED => break,
            other => panic!("{other:?}: {}", last_error()),
        }
    }
    assert_eq!(results, n);
    assert_eq!(finished.unwrap()["uploaded"], n);
    unsafe { up_job_free(job) };
    unsafe { up_client_free(c) };
}

/// Poll a job to its end; the result events and the finished event.
fn drain(job: *mut up_job) -> (Vec<serde_json::Value>, serde_json::Value) {
    let (mut results, mut finished) = (Vec::new(), None);
    loop {
        let mut ev = null_mut();
        match unsafe { up_job_poll(job, 200, &mut ev) } {
            UP_STATUS_OK if ev.is_null() => continue,
            UP_STATUS_OK => {
                let v: serde_json::Value = serde_json::from_slice(&take(ev)).unwrap();
                match v["event"].as_str().unwrap() {
                    "result" => results.push(v),
                    "finished" => finished = Some(v),
                    _ => {}
                }
            }
            UP_STATUS_JOB_FINISHED => break,
            other => panic!("{other:?}: {}", last_error()),
        }
    }
    (results, finished.expect("a finished event"))
}

#[test]
fn a_feed_is_read_like_the_cli_and_the_job_writes_its_reports() {
    let emu = emulator(3);
    let c = client(&emu);
    let dir = common::scratch_dir("capi-feed");
    for i in 0..3 {
        std::fs::copy(
            common::fixtures_dir().join("Portrait_1.jpg"),
            dir.join(format!("p{i}.jpg")),
        )
        .unwrap();
    }
    // Own column names, relative paths, a blank row, and a user missing from the tenant.
    std::fs::write(
        dir.join("hr.csv"),
        "Mail,Picture\nuser0@contoso.com,p0.jpg\n,\nuser2@contoso.com,p2.jpg\nghost@contoso.com,p1.jpg\n",
    )
    .unwrap();
    let spec = serde_json::json!({"csv": dir.join("hr.csv"), "user_column": "Mail", "path_column": "Picture"});
    let spec = CString::new(spec.to_string()).unwrap();
    let mut out = null_mut();
    assert_eq!(
        unsafe { up_feed_read(spec.as_ptr(), &mut out) },
        UP_STATUS_OK,
        "{}",
        last_error()
    );
    let items: Vec<serde_json::Value> = serde_json::from_slice(&take(out)).unwrap();
    let users: Vec<&str> = items.iter().map(|i| i["user"].as_str().unwrap()).collect();
    assert_eq!(
        users,
        [
            "user0@contoso.com",
            "user2@contoso.com",
            "ghost@contoso.com"
        ]
    );
    assert_eq!(items[0]["path"], dir.join("p0.jpg").to_str().unwrap());

    // Default columns: Mail is one, but there is no default photo column; the message lists them.
    let spec = CString::new(serde_json::json!({"csv": dir.join("hr.csv")}).to_string()).unwrap();
    assert_eq!(
        unsafe { up_feed_read(spec.as_ptr(), &mut out) },
        UP_STATUS_INVALID_OPTIONS
    );
    assert!(last_error().contains("PhotoPath"), "{}", last_error());
    // A folder feed: file names are users.
    let spec = CString::new(serde_json::json!({"folder": dir}).to_string()).unwrap();
    assert_eq!(
        unsafe { up_feed_read(spec.as_ptr(), &mut out) },
        UP_STATUS_OK
    );
    let folder: Vec<serde_json::Value> = serde_json::from_slice(&take(out)).unwrap();
    assert_eq!(folder.len(), 3);
    assert_eq!(folder[0]["user"], "p0");
    for bad in [
        r#"{}"#,
        r#"{"csv": "a", "folder": "b"}"#,
        r#"{"folder": "b", "user_column": "x"}"#,
    ] {
        let bad = CString::new(bad).unwrap();
        assert_eq!(
            unsafe { up_feed_read(bad.as_ptr(), &mut out) },
            UP_STATUS_INVALID_OPTIONS,
            "{bad:?}"
        );
        assert!(out.is_null());
    }
    let missing =
        CString::new(serde_json::json!({"csv": dir.join("none.csv")}).to_string()).unwrap();
    assert_eq!(
        unsafe { up_feed_read(missing.as_ptr(), &mut out) },
        UP_STATUS_IO
    );

    // The job writes the CLI's reports when it finishes.
    let run = |options: serde_json::Value| {
        let options = CString::new(options.to_string()).unwrap();
        let mut job = null_mut();
        assert_eq!(
            unsafe { up_job_start(c, options.as_ptr(), &mut job) },
            UP_STATUS_OK,
            "{}",
            last_error()
        );
        for item in &items {
            let user = CString::new(item["user"].as_str().unwrap()).unwrap();
            let path = CString::new(item["path"].as_str().unwrap()).unwrap();
            assert_eq!(
                unsafe { up_job_add_file(job, user.as_ptr(), path.as_ptr()) },
                UP_STATUS_OK
            );
        }
        assert_eq!(unsafe { up_job_close(job) }, UP_STATUS_OK);
        let out = drain(job);
        unsafe { up_job_free(job) };
        out
    };
    let (results, finished) = run(serde_json::json!({
        "report_csv": dir.join("report.csv"), "report_json": dir.join("report.json"),
    }));
    assert_eq!(results.len(), 3);
    assert_eq!(
        (finished["uploaded"].as_u64(), finished["failed"].as_u64()),
        (Some(2), Some(1))
    );
    assert!(finished.get("report_error").is_none(), "{finished}");
    let csv = std::fs::read_to_string(dir.join("report.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(csv.starts_with("user,destination,status"), "{csv}");
    assert!(csv.contains("ghost@contoso.com,graph,failed"), "{csv}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["summary"]["failed"], 1);
    assert_eq!(json["results"].as_array().unwrap().len(), 3);
    assert!(!csv.contains(SECRET) && !json.to_string().contains(SECRET));

    // A report that cannot be written is named in the finished event; the results stand.
    let (results, finished) = run(serde_json::json!({
        "report_csv": dir.join("no-such-dir").join("report.csv"),
    }));
    assert_eq!(results.len(), 3);
    let err = finished["report_error"].as_str().expect("report_error");
    assert!(err.contains("no-such-dir"), "{err}");
    unsafe { up_client_free(c) };
}

#[test]
fn a_cancelled_job_still_reports_every_user() {
    let emu = emulator(30);
    emu.set_faults(Faults {
        seed: 1,
        p_slow: 1.0,
        slow_ms: 100,
        ..Default::default()
    });
    let c = client(&emu);
    let mut job = null_mut();
    assert_eq!(
        unsafe { up_job_start(c, c"{\"workers\": 2}".as_ptr(), &mut job) },
        UP_STATUS_OK
    );
    let photo = common::fixture("Landscape_0.jpg");
    for i in 0..30 {
        let user = CString::new(format!("user{i}@contoso.com")).unwrap();
        assert_eq!(
            unsafe { up_job_add_bytes(job, user.as_ptr(), photo.as_ptr(), photo.len()) },
            UP_STATUS_OK
        );
    }
    assert_eq!(unsafe { up_job_cancel(job) }, UP_STATUS_OK);
    let (mut results, mut skipped) = (0, 0);
    loop {
        let mut ev = null_mut();
        match unsafe { up_job_poll(job, 500, &mut ev) } {
            UP_STATUS_OK if ev.is_null() => {}
            UP_STATUS_OK => {
                let v: serde_json::Value = serde_json::from_slice(&take(ev)).unwrap();
                if v["event"] == "result" {
                    results += 1;
                    if v["error_code"] == "cancelled" {
                        skipped += 1;
                    }
                }
            }
            UP_STATUS_JOB_FINISHED => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(results, 30);
    assert!(skipped > 0, "cancelled users are reported as skipped");
    unsafe { up_job_free(job) };
    unsafe { up_client_free(c) };
}

/// Cancelled mid-run: users already rendered and waiting for an upload slot are not
/// uploaded; only those whose upload had started finish.
#[test]
fn a_cancel_mid_run_stops_users_waiting_for_an_upload_slot() {
    let emu = emulator(30);
    emu.set_faults(Faults {
        seed: 2,
        p_slow: 1.0,
        slow_ms: 150,
        ..Default::default()
    });
    let c = client(&emu);
    let mut job = null_mut();
    assert_eq!(unsafe { up_job_start(c, null(), &mut job) }, UP_STATUS_OK);
    let photo = common::fixture("Landscape_0.jpg");
    for i in 0..30 {
        let user = CString::new(format!("user{i}@contoso.com")).unwrap();
        assert_eq!(
            unsafe { up_job_add_bytes(job, user.as_ptr(), photo.as_ptr(), photo.len()) },
            UP_STATUS_OK
        );
    }
    assert_eq!(unsafe { up_job_close(job) }, UP_STATUS_OK);
    let (mut uploaded, mut cancelled, mut cancel_sent) = (0u64, 0u64, false);
    loop {
        let mut ev = null_mut();
        match unsafe { up_job_poll(job, 500, &mut ev) } {
            UP_STATUS_OK if ev.is_null() => {}
            UP_STATUS_OK => {
                let v: serde_json::Value = serde_json::from_slice(&take(ev)).unwrap();
                if v["event"] != "result" {
                    continue;
                }
                match (v["status"].as_str().unwrap(), v["error_code"].as_str()) {
                    ("uploaded", _) => uploaded += 1,
                    ("skipped", Some("cancelled")) => cancelled += 1,
                    other => panic!("unexpected result {other:?}: {v}"),
                }
                if !cancel_sent {
                    assert_eq!(unsafe { up_job_cancel(job) }, UP_STATUS_OK);
                    cancel_sent = true;
                }
            }
            UP_STATUS_JOB_FINISHED => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(uploaded + cancelled, 30);
    // At the first result at most 4 uploads (the client's limit) were under way, and a few
    // more may have taken a freed slot before the cancel landed.
    assert!(
        uploaded <= 10,
        "{uploaded} uploaded after a cancel at the first result"
    );
    assert_eq!(emu.stats().successful_puts, uploaded);
    unsafe { up_job_free(job) };
    unsafe { up_client_free(c) };
}

#[test]
fn bad_configuration_null_and_wrong_handles() {
    let emu = emulator(1);
    let mut c = null_mut();
    unsafe {
        assert_eq!(up_client_new(c"{".as_ptr(), &mut c), UP_STATUS_INVALID_JSON);
        assert_eq!(
            up_client_new(c"{\"tenant\": 1}".as_ptr(), &mut c),
            UP_STATUS_INVALID_OPTIONS
        );
        let http = CString::new(
            serde_json::json!({"tenant": "t", "client_id": "a", "credential": {"type": "secret", "secret": SECRET},
                "graph_endpoint": "http://graph.contoso.com"})
            .to_string(),
        )
        .unwrap();
        assert_eq!(up_client_new(http.as_ptr(), &mut c), UP_STATUS_CONFIG);
        assert!(!last_error().contains(SECRET));
        assert!(c.is_null());
        assert_eq!(up_client_new(null(), &mut c), UP_STATUS_NULL_ARGUMENT);

        let wrong = CString::new(config(&emu, "not-the-secret").to_str().unwrap()).unwrap();
        assert_eq!(up_client_new(wrong.as_ptr(), &mut c), UP_STATUS_OK);
        let photo = common::fixture("Landscape_0.jpg");
        let mut out = null_mut();
        let user = c"user0@contoso.com";
        assert_eq!(
            up_photo_upload(
                c,
                user.as_ptr(),
                photo.as_ptr(),
                photo.len(),
                null(),
                &mut out
            ),
            UP_STATUS_AUTH
        );
        assert!(!last_error().contains("not-the-secret"), "{}", last_error());
        assert_eq!(
            up_photo_upload(c, null(), photo.as_ptr(), photo.len(), null(), &mut out),
            UP_STATUS_NULL_ARGUMENT
        );
        let mut job = null_mut();
        assert_eq!(up_job_start(c, null(), &mut job), UP_STATUS_OK);
        // A job where a client is expected and the reverse.
        assert_eq!(
            up_photo_remove(job.cast(), user.as_ptr()),
            UP_STATUS_INVALID_HANDLE
        );
        assert_eq!(up_job_close(c.cast()), UP_STATUS_INVALID_HANDLE);
        assert_eq!(up_job_poll(null(), 0, &mut out), UP_STATUS_NULL_ARGUMENT);
        up_job_free(job);
        up_client_free(c);
        up_client_free(null_mut());
        up_job_free(null_mut());
    }
}
