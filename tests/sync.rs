//! Bulk runs against the emulator: a 1,000-user sync with injected faults, the incremental
//! second run, kill -9 and resume, and no secret anywhere in output, journal or reports.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use userphoto::emulator::{Emulator, EmulatorConfig, Faults, Throttle};
use userphoto::graph::GraphClient;
use userphoto::sync::{self, Item, Source, Status, SyncOptions};
use userphoto::targets::TargetRequest;

use common::scratch_dir as tmp;
use common::{emulator_config, graph_client, numbered_users, start_emulator, APP, TENANT};

const SECRET: &str = "bulk-secret-which-must-not-leak-9d1f";

fn upn(i: usize) -> String {
    format!("user{i:04}@contoso.com")
}

fn emulator(users: usize, faults: Faults) -> Emulator {
    start_emulator(EmulatorConfig {
        faults,
        ..emulator_config(SECRET, numbered_users((0..users).map(upn)))
    })
}

fn client(emu: &Emulator) -> GraphClient {
    graph_client(emu, SECRET)
}

/// A distinct small photo per user (varying colour), 120 x 90.
fn source_photo(i: usize) -> Vec<u8> {
    let (w, h) = (120u32, 90u32);
    let rgb: Vec<u8> = (0..w * h)
        .flat_map(|p| {
            let (x, y) = (p % w, p / w);
            [
                (i * 7 % 256) as u8,
                ((x + i as u32) % 256) as u8,
                ((y * 2 + (i / 256) as u32) % 256) as u8,
            ]
        })
        .collect();
    userphoto::photo::encode_jpeg(w, h, &rgb, 92, userphoto::photo::EncoderMode::Fast).unwrap()
}

fn expected_rendition(bytes: &[u8]) -> Vec<u8> {
    let o = userphoto::Options {
        targets: vec![TargetRequest::Name("graph".into())],
        ..Default::default()
    };
    userphoto::render(bytes, &o)
        .unwrap()
        .renditions
        .remove(0)
        .data
}

#[test]
fn thousand_users_with_faults_then_an_incremental_run() {
    let n = 1000;
    let emu = emulator(
        n,
        Faults {
            seed: 42,
            p_503: 0.05,
            p_429: 0.03,
            p_drop: 0.02,
            retry_after_on_503: true,
            ..Default::default()
        },
    );
    emu.set_throttle(Throttle {
        max_concurrent_per_app: 4,
        ..Default::default()
    });
    let dir = tmp("sync-1000");
    let journal = dir.join("journal.sqlite");
    let sources: Vec<Vec<u8>> = (0..n).map(source_photo).collect();
    let items = || {
        (0..n)
            .map(|i| Item {
                user: upn(i),
                source: Source::Bytes(sources[i].clone()),
            })
            .collect::<Vec<_>>()
    };
    let options = || SyncOptions {
        journal: Some(journal.clone()),
        ..Default::default()
    };

    let (results, summary) = sync::run(client(&emu), items(), options(), |_| {}).unwrap();
    assert_eq!(results.len(), n);
    let mut per_user: HashMap<&str, usize> = HashMap::new();
    for r in &results {
        *per_user.entry(&r.user).or_default() += 1;
        assert_eq!(r.status, Status::Uploaded, "{r:?}");
    }
    assert_eq!(per_user.len(), n, "exactly one result per user");
    assert_eq!(summary.uploaded as usize, n);
    for (i, src) in sources.iter().enumerate() {
        assert_eq!(
            emu.photo(&upn(i)).as_deref(),
            Some(&expected_rendition(src)[..]),
            "{}",
            upn(i)
        );
    }
    let s = emu.stats();
    assert!(
        s.faults_503 + s.faults_429 + s.dropped > 0,
        "faults were injected: {s:?}"
    );
    assert!(
        s.max_in_flight_seen <= 4,
        "the client kept to 4 in flight: {s:?}"
    );
    assert!(
        s.puts_by_user.values().all(|&c| c == 1),
        "no user uploaded twice"
    );

    let puts_before = emu.stats().successful_puts;
    let (results, summary) = sync::run(client(&emu), items(), options(), |_| {}).unwrap();
    assert_eq!(results.len(), n);
    assert_eq!(summary.unchanged as usize, n, "{summary:?}");
    assert_eq!(
        emu.stats().successful_puts,
        puts_before,
        "nothing uploaded the second time"
    );
}

/// An incremental run looks the source up in the journal before rendering it: an unchanged
/// source is not rendered at all (here rendering would fail under the second run's limits),
/// a changed one is, and `force` renders and uploads everything again.
#[test]
fn unchanged_sources_are_not_rendered_again() {
    let emu = emulator(3, Faults::default());
    let dir = tmp("sync-no-render");
    let journal = dir.join("journal.sqlite");
    let _ = std::fs::remove_file(&journal);
    let items = |changed: usize| -> Vec<Item> {
        (0..3)
            .map(|i| Item {
                user: upn(i),
                source: Source::Bytes(source_photo(if i == changed { 100 } else { i })),
            })
            .collect()
    };
    let options = |min_short_side: u32, force: bool| {
        let mut o = SyncOptions {
            journal: Some(journal.clone()),
            force,
            ..Default::default()
        };
        o.render.limits.min_short_side = min_short_side;
        o
    };
    let (_, first) =
        sync::run(client(&emu), items(usize::MAX), options(48, false), |_| {}).unwrap();
    assert_eq!(first.uploaded, 3, "{first:?}");
    // 120 x 90 sources are below a 500 px minimum: any render now fails with too-small.
    let (results, second) = sync::run(client(&emu), items(1), options(500, false), |_| {}).unwrap();
    let by_user = |u: &str| results.iter().find(|r| r.user == u).unwrap();
    assert_eq!(by_user(&upn(0)).status, Status::Unchanged);
    assert!(
        by_user(&upn(0)).bytes.is_some(),
        "bytes come from the journal"
    );
    assert_eq!(by_user(&upn(2)).status, Status::Unchanged);
    assert_eq!(
        by_user(&upn(1)).error_code,
        Some("too-small"),
        "the changed one is rendered"
    );
    assert_eq!((second.unchanged, second.failed), (2, 1), "{second:?}");
    let (_, forced) = sync::run(client(&emu), items(1), options(48, true), |_| {}).unwrap();
    assert_eq!(forced.uploaded, 3, "{forced:?}");
}

#[test]
fn one_result_per_user_even_for_bad_rows() {
    let emu = emulator(3, Faults::default());
    let items = vec![
        Item {
            user: upn(0),
            source: Source::Bytes(source_photo(0)),
        },
        Item {
            user: upn(0).to_uppercase(),
            source: Source::Bytes(source_photo(1)),
        },
        Item {
            user: upn(1),
            source: Source::Bytes(b"not a photo".to_vec()),
        },
        Item {
            user: "ghost@contoso.com".into(),
            source: Source::Bytes(source_photo(2)),
        },
        Item {
            user: upn(2),
            source: Source::Path("/nonexistent/photo.jpg".into()),
        },
        Item {
            user: "".into(),
            source: Source::Bytes(source_photo(3)),
        },
    ];
    let (results, summary) =
        sync::run(client(&emu), items, SyncOptions::default(), |_| {}).unwrap();
    assert_eq!(results.len(), 6);
    let code = |u: &str| {
        results
            .iter()
            .find(|r| r.user == u)
            .and_then(|r| r.error_code)
    };
    assert_eq!(code(&upn(0).to_uppercase()), Some("duplicate"));
    assert_eq!(code(&upn(1)), Some("unsupported-format"));
    assert_eq!(code("ghost@contoso.com"), Some("user-not-found"));
    assert_eq!(code(&upn(2)), Some("io"));
    assert_eq!(code(""), Some("no-user"));
    assert_eq!(
        (summary.uploaded, summary.failed, summary.skipped),
        (1, 3, 2)
    );
}

fn write_feed(dir: &Path, n: usize) -> PathBuf {
    let mut csv = String::from("UserPrincipalName,Path\n");
    for i in 0..n {
        let p = dir.join(format!("p{i}.jpg"));
        std::fs::write(&p, source_photo(i)).unwrap();
        csv.push_str(&format!("{},{}\n", upn(i), p.display()));
    }
    let feed = dir.join("feed.csv");
    std::fs::write(&feed, csv).unwrap();
    feed
}

fn cli_sync(emu: &Emulator, feed: &Path, dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_userphoto"));
    c.args(["sync", "--csv"])
        .arg(feed)
        .args([
            "--tenant",
            TENANT,
            "--client-id",
            APP,
            "--authority",
            &emu.authority(),
            "--graph-endpoint",
            &emu.graph_endpoint(),
        ])
        .arg("--journal")
        .arg(dir.join("journal.sqlite"))
        .arg("--report-csv")
        .arg(dir.join("report.csv"))
        .arg("--report-json")
        .arg(dir.join("report.json"))
        .env("USERPHOTO_CLIENT_SECRET", SECRET);
    c
}

#[test]
fn kill_9_mid_run_then_resume_uploads_nobody_twice() {
    let n = 200;
    let emu = emulator(
        n,
        Faults {
            seed: 5,
            p_slow: 1.0,
            slow_ms: 40,
            ..Default::default()
        },
    );
    let dir = tmp("sync-kill9");
    let feed = write_feed(&dir, n);
    let mut child = cli_sync(&emu, &feed, &dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while emu.stats().successful_puts < (n / 3) as u64 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the first run made no progress"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let done_first = emu.stats().successful_puts;
    assert!(
        done_first < n as u64,
        "killed mid-run ({done_first} of {n} done)"
    );

    let out = cli_sync(&emu, &feed, &dir).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = emu.stats();
    assert!(
        s.puts_by_user.values().all(|&c| c == 1),
        "a user was uploaded twice: {:?}",
        s.puts_by_user
            .iter()
            .filter(|(_, c)| **c > 1)
            .collect::<Vec<_>>()
    );
    assert_eq!(s.puts_by_user.len(), n);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    let rows = report["results"].as_array().unwrap();
    assert_eq!(rows.len(), n, "one row per user");
    assert!(
        rows.iter()
            .all(|r| r["status"] == "uploaded" || r["status"] == "unchanged"),
        "{rows:?}"
    );
    let csv = std::fs::read_to_string(dir.join("report.csv")).unwrap();
    assert_eq!(csv.lines().count(), n + 1);
    for i in 0..n {
        assert!(emu.photo(&upn(i)).is_some(), "{} has its photo", upn(i));
    }
}

#[test]
fn no_secret_in_output_logs_journal_or_reports() {
    let emu = emulator(
        5,
        Faults {
            seed: 9,
            p_503: 0.3,
            ..Default::default()
        },
    );
    let dir = tmp("sync-secrets");
    let feed = write_feed(&dir, 5);
    let out = cli_sync(&emu, &feed, &dir)
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("TRACE") || stderr.contains("DEBUG"),
        "logging was on"
    );
    // A wrong secret: the error names the failure, not the value.
    let wrong = cli_sync(&emu, &feed, &dir)
        .env("USERPHOTO_CLIENT_SECRET", "wrong-secret-value-77")
        .env("RUST_LOG", "trace")
        .arg("--force")
        .output()
        .unwrap();
    let mut haystacks = vec![out.stdout, out.stderr, wrong.stdout, wrong.stderr];
    for f in [
        "journal.sqlite",
        "journal.sqlite-wal",
        "report.csv",
        "report.json",
    ] {
        if let Ok(b) = std::fs::read(dir.join(f)) {
            haystacks.push(b);
        }
    }
    for h in &haystacks {
        let text = String::from_utf8_lossy(h);
        for secret in [SECRET, "wrong-secret-value-77", "eyJ", "Bearer "] {
            assert!(
                !text.contains(secret),
                "found {secret:?} in output:\n{text}"
            );
        }
    }
    assert!(
        String::from_utf8_lossy(&haystacks[2]).contains("[auth]"),
        "the wrong secret was reported"
    );
}
