//! The tenant audit through the emulator: a planted tenant found through the CLI and the
//! library, with and without JSON batching, with 429s inside batches; the emulator's users
//! listing and `$batch` as a client sees them.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::*;
use image::{DynamicImage, RgbImage};
use userphoto::audit::tenant::{audit_tenant, TenantAuditOptions, TenantAuditSummary, TenantEntry};
use userphoto::emulator::{EmulatedUser, Emulator, Faults, Throttle};
use userphoto::graph::GraphClient;

const SECRET: &str = "audit-secret";

/// What a planted user is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plant {
    Good,
    NoPhoto,
    Small,
    NotSquare,
    Disabled,
}

fn plant(i: usize) -> Plant {
    match i {
        _ if i % 17 == 3 => Plant::Disabled,
        _ if i % 7 == 1 => Plant::NoPhoto,
        _ if i % 11 == 2 => Plant::Small,
        _ if i % 13 == 4 => Plant::NotSquare,
        _ => Plant::Good,
    }
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    // The emulator sniffs and sizes whatever it stores; PNG is one of Graph's formats.
    out.into_inner()
}

/// `n` users, planted by [`plant`]; disabled users have a good photo.
fn tenant(n: usize, faults: Faults) -> Emulator {
    let users: Vec<EmulatedUser> = (0..n)
        .map(|i| EmulatedUser {
            id: format!("00000000-0000-4000-8000-{i:012}"),
            user_principal_name: format!("user{i:05}@contoso.com"),
            display_name: Some(format!("User {i}")),
            account_enabled: plant(i) != Plant::Disabled,
            ..Default::default()
        })
        .collect();
    let mut config = emulator_config(SECRET, users);
    config.faults = faults;
    let emu = start_emulator(config);
    let (good, small, wide) = (jpeg(648, 648), jpeg(300, 300), jpeg(864, 648));
    for i in 0..n {
        let bytes = match plant(i) {
            Plant::Good | Plant::Disabled => Some(good.clone()),
            Plant::NoPhoto => None,
            Plant::Small => Some(small.clone()),
            Plant::NotSquare => Some(wide.clone()),
        };
        emu.set_photo(&format!("user{i:05}@contoso.com"), bytes);
    }
    emu
}

/// The problems each audited user should have, by UPN.
fn expected(n: usize, include_disabled: bool) -> BTreeMap<String, String> {
    (0..n)
        .filter(|&i| include_disabled || plant(i) != Plant::Disabled)
        .map(|i| {
            let p = match plant(i) {
                Plant::Good | Plant::Disabled => "",
                Plant::NoPhoto => "missing",
                Plant::Small => "small",
                Plant::NotSquare => "not-square",
            };
            (format!("user{i:05}@contoso.com"), p.to_string())
        })
        .collect()
}

fn found(entries: &[TenantEntry]) -> BTreeMap<String, String> {
    entries
        .iter()
        .map(|e| {
            assert!(e.error.is_none(), "{}: {:?}", e.user, e.error);
            let p: Vec<&str> = e.problems.iter().map(|p| p.name()).collect();
            (e.user.clone(), p.join(";"))
        })
        .collect()
}

/// The library's audit, every entry collected.
fn audit(
    client: &GraphClient,
    options: &TenantAuditOptions,
) -> (TenantAuditSummary, Vec<TenantEntry>) {
    let mut entries = Vec::new();
    let summary = audit_tenant(client, options, |e| entries.push(e)).unwrap();
    (summary, entries)
}

fn cli_audit(emu: &Emulator, extra: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_userphoto"));
    c.args(["audit", "--graph", "--tenant", TENANT, "--client-id", APP])
        .args(["--authority", &emu.authority()])
        .args(["--graph-endpoint", &emu.graph_endpoint()])
        .args(extra)
        .env("USERPHOTO_CLIENT_SECRET", SECRET);
    c
}

#[test]
fn the_cli_finds_every_planted_case_in_a_2000_user_tenant() {
    let n = 2000;
    let emu = tenant(n, Faults::default());
    let dir = scratch_dir("tenant-audit-cli");
    let csv_path = dir.join("audit.csv");
    let out = cli_audit(&emu, &["--page-size", "500", "--report-csv"])
        .arg(&csv_path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let mut rows = csv::Reader::from_path(&csv_path).unwrap();
    let headers = rows.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "user",
            "id",
            "display_name",
            "problems",
            "checks",
            "width",
            "height",
            "content_type",
            "error_code",
            "error"
        ]
    );
    let got: BTreeMap<String, String> = rows
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[3].to_string())
        })
        .collect();
    let want = expected(n, false);
    assert_eq!(got.len(), want.len(), "every enabled user, once");
    assert_eq!(got, want);
    // The listed users are printed as they are found, the healthy ones are not.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let listed = want.values().filter(|p| !p.is_empty()).count();
    assert_eq!(stdout.lines().count(), listed, "{stdout}");
    assert!(
        stdout.contains("missing              user00001@contoso.com  no photo"),
        "{stdout}"
    );
    assert!(stdout.contains("not-square"), "{stdout}");
    // Pages of 500 and batches of 20: 4 pages, ceil(per page / 20) batches.
    let stats = emu.stats();
    assert_eq!(stats.user_pages, 4, "{stats:?}");
    assert_eq!(stats.batched_requests as usize, want.len());
    assert!(
        stats.batches as usize <= want.len().div_ceil(20) + 4,
        "{stats:?}"
    );
    assert!(
        stderr.contains(&format!("{} users audited", want.len())),
        "{stderr}"
    );
}

#[test]
fn batches_and_single_requests_agree_and_disabled_users_are_opt_in() {
    let n = 240;
    let emu = tenant(n, Faults::default());
    let client = graph_client(&emu, SECRET);
    let run = |options: &TenantAuditOptions| audit(&client, options);
    let (batched, entries) = run(&TenantAuditOptions {
        page_size: 100,
        ..Default::default()
    });
    assert_eq!(found(&entries), expected(n, false));
    let (single, entries) = run(&TenantAuditOptions {
        page_size: 100,
        batch: false,
        ..Default::default()
    });
    assert_eq!(found(&entries), expected(n, false));
    assert_eq!(batched.problems, single.problems);
    // One request per user without batching; about one per 20 with it.
    assert_eq!(single.requests, 3 + single.users);
    assert!(
        batched.requests <= 3 + batched.users.div_ceil(20) + 3,
        "{batched:?}"
    );
    let (all, entries) = run(&TenantAuditOptions {
        include_disabled: true,
        ..Default::default()
    });
    assert_eq!(found(&entries), expected(n, true));
    assert_eq!(all.users as usize, n);
}

#[test]
fn requests_throttled_inside_a_batch_are_sent_again() {
    let n = 300;
    // One request in four answered 429 (inside the batches as well as outside).
    let emu = tenant(
        n,
        Faults {
            seed: 11,
            p_429: 0.25,
            ..Default::default()
        },
    );
    let client = graph_client(&emu, SECRET);
    let (summary, entries) = audit(&client, &TenantAuditOptions::default());
    assert_eq!(found(&entries), expected(n, false));
    assert_eq!(summary.failed, 0);
    let stats = emu.stats();
    assert!(stats.faults_429 > 20, "{stats:?}");
    // Throttled requests were sent again: more batched requests than users.
    assert!(
        stats.batched_requests as usize > summary.users as usize,
        "{stats:?}"
    );
}

#[test]
fn a_window_throttle_is_waited_out() {
    let n = 200;
    let emu = tenant(n, Faults::default());
    emu.set_throttle(Throttle {
        requests_per_window: 60,
        window_ms: 1000,
        ..Default::default()
    });
    let client = graph_client(&emu, SECRET);
    let (summary, entries) = audit(&client, &TenantAuditOptions::default());
    assert_eq!(found(&entries), expected(n, false));
    assert_eq!(summary.failed, 0);
    assert!(emu.stats().throttled_429 > 0);
}

#[test]
fn a_request_still_throttled_inside_a_batch_says_how_long_it_waited() {
    let emu = tenant(20, Faults::default());
    // One request per 300 ms window: each round of the batch gets one answer, the others a
    // 429 with Retry-After, until the retry policy gives up on them.
    emu.set_throttle(Throttle {
        requests_per_window: 1,
        window_ms: 300,
        ..Default::default()
    });
    // Waits of at most 2.5 s in all per request.
    let mut config = graph_config(&emu, secret_credential(SECRET));
    config.retry.max_total_wait_ms = 2500;
    let client = GraphClient::new(config).unwrap();
    let urls: Vec<String> = (0..20)
        .map(|i| format!("/users/user{i:05}@contoso.com/photo"))
        .collect();
    let answers = userphoto::runtime()
        .block_on(client.batch_get(&urls))
        .unwrap();
    let throttled: Vec<_> = answers.iter().filter(|a| a.status == 429).collect();
    assert!(!throttled.is_empty(), "{answers:?}");
    for a in throttled {
        match a.failure("someone") {
            userphoto::Error::Throttled {
                attempts,
                waited_ms,
                ..
            } => {
                assert!(attempts > 1, "{attempts}");
                assert!(waited_ms >= 1000, "waited {waited_ms} ms");
            }
            e => panic!("{e}"),
        }
    }
}

#[test]
fn photos_are_downloaded_in_batches_and_checked() {
    let n = 40;
    let emu = tenant(n, Faults::default());
    // A face for one user: the Solvay head on a plain backdrop, 648 x 648.
    let head = image::open(format!(
        "{}/tests/data/faces/solvay-a.jpg",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .to_rgb8();
    let head = image::imageops::resize(&head, 375, 510, image::imageops::FilterType::CatmullRom);
    let mut img = RgbImage::from_pixel(648, 648, image::Rgb([70, 80, 90]));
    image::imageops::replace(&mut img, &head, 136, 60);
    emu.set_photo(
        "user00000@contoso.com",
        Some(png(&DynamicImage::ImageRgb8(img))),
    );
    let client = graph_client(&emu, SECRET);
    let sheet = scratch_dir("tenant-audit-photos").join("sheet.html");
    let (summary, entries) = audit(
        &client,
        &TenantAuditOptions {
            photos: true,
            contact_sheet: Some(sheet.display().to_string()),
            ..Default::default()
        },
    );
    let by_user: BTreeMap<&str, &TenantEntry> =
        entries.iter().map(|e| (e.user.as_str(), e)).collect();
    let face = by_user["user00000@contoso.com"];
    assert!(face.checks.is_empty(), "{:?}", face.checks);
    // The thumbnails went onto the sheet (rendered from the photos), not into the entries.
    assert!(entries.iter().all(|e| e.thumbnail.is_none()));
    let thumbnails = sheet_thumbnails(&sheet);
    let thumbnail = decode_rgb(&thumbnails["user00000@contoso.com"]);
    assert_eq!(thumbnail.dimensions(), (96, 96));
    assert!(!thumbnails.contains_key("user00001@contoso.com"));
    // The gradient photos hold no face.
    let other = by_user["user00005@contoso.com"];
    assert!(
        other.checks.iter().any(|c| c.code.as_str() == "no-face"),
        "{:?}",
        other.checks
    );
    assert!(
        summary.checks.get("no-face").is_some_and(|&c| c > 0),
        "{summary:?}"
    );
    // Metadata and photos both in batches: one batched request per user and one per photo,
    // in groups of at most 20; the audit counted what it sent.
    let stats = emu.stats();
    let users = summary.users as usize;
    let with_photo = summary.with_photo as usize;
    assert_eq!(
        stats.batched_requests as usize,
        users + with_photo,
        "{stats:?}"
    );
    let groups = users.div_ceil(20);
    assert_eq!(stats.batches as usize, 2 * groups, "{stats:?}");
    assert_eq!(summary.requests as usize, 1 + 2 * groups, "{summary:?}");
}

/// The JPEG thumbnails of a contact sheet, by user.
fn sheet_thumbnails(path: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    sheet_rows(path)
        .iter()
        .filter_map(|r| {
            let data = r["i"].as_str()?.strip_prefix("data:image/jpeg;base64,")?;
            let jpeg =
                base64::Engine::decode(&base64::engine::general_purpose::STANDARD, data).ok()?;
            Some((r["u"].as_str()?.to_string(), jpeg))
        })
        .collect()
}

#[test]
fn a_next_link_outside_the_graph_endpoint_gets_no_token() {
    let emu = tenant(3, Faults::default());
    let client = graph_client(&emu, SECRET);
    let endpoint = emu.graph_endpoint();
    for link in [
        "https://graph.attacker.example/v1.0/users?$skiptoken=x".to_string(),
        // The same prefix without the path separator: another host name.
        format!("{endpoint}.attacker.example/v1.0/users"),
    ] {
        let e = userphoto::runtime()
            .block_on(client.list_users_page("id", None, 10, Some(&link)))
            .unwrap_err();
        assert!(e.to_string().contains("refused"), "{e}");
    }
    assert_eq!(emu.stats().requests, 0, "not even a token was asked for");
}

/// The sheet the browser test (scripts/test-contact-sheet.sh) opens.
fn sheet_path() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("contact-sheet");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("tenant-500.html")
}

#[test]
fn the_cli_writes_a_contact_sheet_of_500_users() {
    let n = 500;
    let emu = tenant(n, Faults::default());
    let path = sheet_path();
    let _ = std::fs::remove_file(&path);
    // Without --photos: the thumbnails are Graph's 96 x 96 copies, read in batches.
    let out = cli_audit(&emu, &["--include-disabled", "--contact-sheet"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&path).unwrap();
    let start = html.find(r#"type="application/json">"#).unwrap() + 24;
    let end = start + html[start..].find("</script>").unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_str(&html[start..end]).unwrap();
    assert_eq!(rows.len(), n);
    let with_image = rows
        .iter()
        .filter(|r| {
            r["i"]
                .as_str()
                .unwrap()
                .starts_with("data:image/jpeg;base64,")
        })
        .count();
    let photos = (0..n).filter(|&i| plant(i) != Plant::NoPhoto).count();
    assert_eq!(with_image, photos);
    for jpeg in sheet_thumbnails(&path).values() {
        assert_eq!(decode_rgb(jpeg).dimensions(), (96, 96));
    }
    // One batch for the metadata and one for the thumbnails per 20 users.
    let stats = emu.stats();
    assert_eq!(stats.batched_requests as usize, n + photos, "{stats:?}");
    // Every planted problem is on the sheet, under its user.
    let by_user: BTreeMap<&str, &serde_json::Value> =
        rows.iter().map(|r| (r["u"].as_str().unwrap(), r)).collect();
    for i in 0..n {
        let r = by_user[format!("user{i:05}@contoso.com").as_str()];
        let want = match plant(i) {
            Plant::NoPhoto => Some("missing"),
            Plant::Small => Some("small"),
            Plant::NotSquare => Some("not-square"),
            Plant::Good | Plant::Disabled => None,
        };
        if let Some(w) = want {
            assert!(r["p"].as_str().unwrap().split(' ').any(|p| p == w), "{r}");
        }
    }
    // The expected counts for the browser test.
    let count = |p: Plant| (0..n).filter(|&i| plant(i) == p).count();
    std::fs::write(
        path.with_extension("expected.json"),
        serde_json::json!({
            "users": n,
            "missing": count(Plant::NoPhoto),
            "small": count(Plant::Small),
            "not-square": count(Plant::NotSquare),
            "images": photos,
        })
        .to_string(),
    )
    .unwrap();
}

/// A sheet of 10,000 users for the browser test's scale check (thumbnails alike; 1 in 5
/// with a problem).
#[test]
fn a_contact_sheet_of_10000_users_is_written() {
    use userphoto::audit::sheet::{write_contact_sheet, Card};
    let rgb: Vec<u8> = (0..96 * 96 * 3).map(|i| (i * 7 % 251) as u8).collect();
    let thumb =
        userphoto::photo::encode_jpeg(96, 96, &rgb, 85, userphoto::photo::EncoderMode::Fast)
            .unwrap();
    let cards: Vec<Card> = (0..10_000)
        .map(|i| Card {
            name: format!("User {i}"),
            user: format!("user{i:05}@contoso.com"),
            problems: if i % 5 == 0 {
                vec!["missing".into()]
            } else {
                Vec::new()
            },
            thumbnail: (i % 5 != 0).then(|| thumb.clone()),
        })
        .collect();
    let path = sheet_path().with_file_name("tenant-10000.html");
    write_contact_sheet(&path, "10,000 users", &cards).unwrap();
    let html = std::fs::read_to_string(&path).unwrap();
    assert_eq!(html.matches("data:image/jpeg;base64,").count(), 8000);
}

mod c_abi {
    //! The audit as a C ABI job: started with up_job_start_audit, polled with up_job_poll.

    use std::ffi::{CStr, CString};
    use std::ptr::{null, null_mut};

    use userphoto::capi::up_status::*;
    use userphoto::capi::*;

    use super::*;

    fn last_error() -> String {
        unsafe { CStr::from_ptr(up_last_error_message()) }
            .to_string_lossy()
            .into_owned()
    }

    fn client(emu: &Emulator, secret: &str) -> *mut up_client {
        let config = CString::new(connection_json(emu, secret).to_string()).unwrap();
        let mut c = null_mut();
        assert_eq!(
            unsafe { up_client_new(config.as_ptr(), &mut c) },
            UP_STATUS_OK,
            "{}",
            last_error()
        );
        c
    }

    fn start(client: *const up_client, options: serde_json::Value) -> (up_status, *mut up_job) {
        let options = CString::new(options.to_string()).unwrap();
        let mut job = null_mut();
        let status = unsafe { up_job_start_audit(client, options.as_ptr(), &mut job) };
        (status, job)
    }

    /// Poll to the end: every event in order; `on_event` sees each first and may cancel.
    fn drain(
        job: *mut up_job,
        mut on_event: impl FnMut(&serde_json::Value),
    ) -> Vec<serde_json::Value> {
        let mut events = Vec::new();
        loop {
            let mut ev = null_mut();
            match unsafe { up_job_poll(job, 200, &mut ev) } {
                UP_STATUS_OK if ev.is_null() => continue,
                UP_STATUS_OK => {
                    let (mut p, mut n) = (null(), 0usize);
                    assert_eq!(unsafe { up_buffer_data(ev, &mut p, &mut n) }, UP_STATUS_OK);
                    let v: serde_json::Value =
                        serde_json::from_slice(unsafe { std::slice::from_raw_parts(p, n) })
                            .unwrap();
                    unsafe { up_buffer_free(ev) };
                    on_event(&v);
                    events.push(v);
                }
                UP_STATUS_JOB_FINISHED => return events,
                other => panic!("{other:?}: {}", last_error()),
            }
        }
    }

    fn results(events: &[serde_json::Value]) -> BTreeMap<String, String> {
        events
            .iter()
            .filter(|e| e["event"] == "result")
            .map(|e| {
                assert!(e["error"].is_null(), "{e}");
                let p: Vec<&str> = e["problems"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_str().unwrap())
                    .collect();
                (e["user"].as_str().unwrap().to_string(), p.join(";"))
            })
            .collect()
    }

    #[test]
    fn the_audit_job_finds_every_planted_case_in_a_2000_user_tenant() {
        let n = 2000;
        let emu = tenant(n, Faults::default());
        let dir = scratch_dir("tenant-audit-capi");
        let (report, sheet) = (dir.join("audit.json"), dir.join("sheet.html"));
        let c = client(&emu, SECRET);
        let (status, job) = start(
            c,
            serde_json::json!({"page_size": 700, "report_json": report, "contact_sheet": sheet}),
        );
        assert_eq!(status, UP_STATUS_OK, "{}", last_error());
        // An audit takes no items; closing it changes nothing.
        let user = CString::new("someone@contoso.com").unwrap();
        let path = CString::new("photo.jpg").unwrap();
        assert_eq!(
            unsafe { up_job_add_file(job, user.as_ptr(), path.as_ptr()) },
            UP_STATUS_INVALID_OPTIONS
        );
        assert!(last_error().contains("takes no items"), "{}", last_error());
        assert_eq!(unsafe { up_job_close(job) }, UP_STATUS_OK);
        let events = drain(job, |_| {});
        unsafe { up_job_free(job) };
        unsafe { up_client_free(c) };

        let want = expected(n, false);
        assert_eq!(results(&events), want);
        let last = events.last().unwrap();
        assert_eq!(last["event"], "finished", "{last}");
        assert_eq!(last["users"], want.len());
        assert_eq!(last["cancelled"], false);
        assert!(last.get("error").is_none(), "{last}");
        let count = |p: &str| want.values().filter(|v| *v == p).count();
        assert_eq!(last["problems"]["missing"], count("missing"));
        assert_eq!(last["problems"]["small"], count("small"));
        assert_eq!(last["problems"]["not-square"], count("not-square"));
        // Progress: users done never go back, and the listed count grows page by page.
        let progress: Vec<(u64, u64)> = events
            .iter()
            .filter(|e| e["event"] == "progress")
            .map(|e| {
                (
                    e["done"].as_u64().unwrap(),
                    e["submitted"].as_u64().unwrap(),
                )
            })
            .collect();
        assert!(progress
            .windows(2)
            .all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1));
        assert_eq!(
            progress.last(),
            Some(&(want.len() as u64, want.len() as u64))
        );
        assert!(progress.iter().any(|&(_, listed)| listed == 700));
        // The library wrote the report and the sheet before "finished".
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        assert_eq!(doc["summary"]["users"], want.len());
        assert_eq!(doc["entries"].as_array().unwrap().len(), want.len());
        let html = std::fs::read_to_string(&sheet).unwrap();
        assert!(html.contains("user00001@contoso.com"));
    }

    #[test]
    fn an_audit_cancelled_while_its_last_group_runs_writes_no_report() {
        // 20 users: one group, in flight when the cancel comes (after the page's progress).
        let faults = Faults {
            p_slow: 1.0,
            slow_ms: 200,
            ..Faults::default()
        };
        let emu = tenant(20, faults);
        let dir = scratch_dir("tenant-audit-capi-late-cancel");
        let (report, sheet) = (dir.join("audit.csv"), dir.join("sheet.html"));
        let c = client(&emu, SECRET);
        let (status, job) = start(
            c,
            serde_json::json!({"report_csv": report, "contact_sheet": sheet}),
        );
        assert_eq!(status, UP_STATUS_OK, "{}", last_error());
        let mut cancelled = false;
        let events = drain(job, |v| {
            if v["event"] == "progress" && !cancelled {
                assert_eq!(unsafe { up_job_cancel(job) }, UP_STATUS_OK);
                cancelled = true;
            }
        });
        unsafe { up_job_free(job) };
        unsafe { up_client_free(c) };
        let last = events.last().unwrap();
        assert_eq!(last["cancelled"], true, "{last}");
        assert!(
            !report.exists() && !sheet.exists(),
            "a cancelled audit is not a report"
        );
    }

    #[test]
    fn a_cancelled_audit_writes_no_report() {
        let faults = Faults {
            p_slow: 1.0,
            slow_ms: 100,
            ..Faults::default()
        };
        let emu = tenant(400, faults);
        let dir = scratch_dir("tenant-audit-capi-cancel");
        let report = dir.join("audit.csv");
        let c = client(&emu, SECRET);
        let (status, job) = start(
            c,
            serde_json::json!({"page_size": 100, "report_csv": report}),
        );
        assert_eq!(status, UP_STATUS_OK, "{}", last_error());
        let events = drain(job, |v| {
            if v["event"] == "result" {
                assert_eq!(unsafe { up_job_cancel(job) }, UP_STATUS_OK);
            }
        });
        unsafe { up_job_free(job) };
        unsafe { up_client_free(c) };
        let last = events.last().unwrap();
        assert_eq!(last["cancelled"], true, "{last}");
        let users = last["users"].as_u64().unwrap();
        assert!((20..400).contains(&users), "{last}");
        assert_eq!(
            events.iter().filter(|e| e["event"] == "result").count() as u64,
            users
        );
        assert!(!report.exists(), "a cancelled audit is not a report");
    }

    #[test]
    fn bad_options_fail_at_start_and_a_refused_listing_ends_the_audit_with_its_error() {
        let emu = tenant(3, Faults::default());
        let c = client(&emu, SECRET);
        for (options, says) in [
            (serde_json::json!({"page_size": 0}), "page_size 0"),
            (
                serde_json::json!({"report_csv": "/nonexistent-folder/audit.csv"}),
                "/nonexistent-folder",
            ),
            (serde_json::json!({"photo": true}), "unknown field"),
        ] {
            let (status, job) = start(c, options);
            assert_eq!(status, UP_STATUS_INVALID_OPTIONS);
            assert!(job.is_null());
            assert!(last_error().contains(says), "{}", last_error());
        }
        assert_eq!(emu.stats().requests, 0, "nothing was sent");
        unsafe { up_client_free(c) };

        // A wrong secret: the first page is never read; the secret is never said.
        let wrong = "wrong-secret-not-in-messages";
        let c = client(&emu, wrong);
        let dir = scratch_dir("tenant-audit-capi-refused");
        let report = dir.join("audit.csv");
        let (status, job) = start(c, serde_json::json!({"report_csv": report}));
        assert_eq!(status, UP_STATUS_OK);
        let events = drain(job, |_| {});
        unsafe { up_job_free(job) };
        unsafe { up_client_free(c) };
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0]["event"], "finished");
        assert_eq!(events[0]["error_code"], "auth", "{}", events[0]);
        assert!(!events[0].to_string().contains(wrong));
        assert!(!report.exists());
    }
}
