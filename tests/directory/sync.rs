//! Bulk runs to AD, and to Graph and AD in one run: journal, resume after the server
//! stopped, one result per user per destination, no password anywhere.

use std::collections::HashSet;
use std::process::Command;
use std::time::{Duration, Instant};

use userphoto::graph::{GraphClient, GraphConfig};
use userphoto::sync::{self, Event, Job, Poll, Status, SyncOptions};

use super::dc::*;

pub fn server_stopped_mid_run(dc: &Dc) {
    const N: usize = 200;
    add_ou(dc, "Bulk");
    let names: Vec<String> = (0..N).map(|i| format!("bulk{i:03}")).collect();
    let refs: Vec<(&str, Option<&str>)> = names.iter().map(|n| (n.as_str(), None)).collect();
    let t = Instant::now();
    add_users(dc, "Bulk", &refs);
    eprintln!(
        "directory tests: {N} users added in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let dir = scratch("bulk");
    let feed = dir.join("photos");
    std::fs::create_dir_all(&feed).unwrap();
    for (i, n) in names.iter().enumerate() {
        std::fs::write(
            feed.join(format!("{n}@corp.example.jpg")),
            smooth_jpeg(120, 120, i as u32),
        )
        .unwrap();
    }
    let items = sync::feed::read_folder(&feed).unwrap();
    assert_eq!(items.len(), N);
    let journal = dir.join("journal.sqlite");
    let options = || SyncOptions {
        journal: Some(journal.clone()),
        ..Default::default()
    };
    let t = Instant::now();
    let mut job = Job::start_to(vec![dc.client().into()], options()).unwrap();
    let mut items = items.into_iter();
    for item in items.by_ref().take(N / 2) {
        job.add(item).unwrap();
    }
    let mut results = Vec::new();
    let mut stopped = false;
    let summary = loop {
        match job.poll(Duration::from_millis(100)) {
            Poll::Event(Event::Result(r)) => {
                results.push(r);
                if results.len() == 40 && !stopped {
                    // The server goes away in the middle of the run; the rest of the feed
                    // arrives after it has gone.
                    dc.run("stop");
                    stopped = true;
                    for item in items.by_ref() {
                        job.add(item).unwrap();
                    }
                    job.close();
                }
            }
            Poll::Event(Event::Finished(s)) => break s,
            Poll::Event(Event::Progress { .. }) | Poll::Pending => {}
            Poll::Done => panic!("job ended without a summary"),
        }
    };
    eprintln!(
        "directory tests: {N}-user run with the server stopped after 40: {:.1} s ({} written, {} failed)",
        t.elapsed().as_secs_f64(),
        summary.uploaded,
        summary.failed
    );
    assert!(stopped);
    let users: HashSet<&str> = results.iter().map(|r| r.user.as_str()).collect();
    assert_eq!(results.len(), N, "one result per user");
    assert_eq!(users.len(), N, "every user reported once");
    assert_eq!(summary.total, N as u64);
    assert!(summary.uploaded >= 40, "{summary:?}");
    assert!(summary.failed >= (N / 2) as u64, "{summary:?}");
    for r in results.iter().filter(|r| r.status == Status::Failed) {
        assert_eq!(r.destination, "ad");
        assert_eq!(r.error_code, Some("directory-unavailable"), "{r:?}");
    }
    dc.run("start");
    // Nothing lost: every user reported as written has the photo.
    let written: Vec<_> = results
        .iter()
        .filter(|r| r.status == Status::Uploaded)
        .collect();
    let dns: Vec<String> = written
        .iter()
        .map(|r| {
            let sam = r.user.trim_end_matches("@corp.example");
            format!("CN={sam},OU=Bulk,{BASE}")
        })
        .collect();
    for (r, stored) in written.iter().zip(raw_thumbnails(dc, &dns)) {
        assert_eq!(stored.map(|s| s.len() as u64), r.bytes, "{}", r.user);
    }
    // The rerun completes: the failed users are written, the others left alone.
    let items = sync::feed::read_folder(&feed).unwrap();
    let t = Instant::now();
    let (results2, s2) = sync::run_to(vec![dc.client().into()], items, options(), |_| {}).unwrap();
    eprintln!(
        "directory tests: rerun of {N} users: {:.1} s ({} written, {} unchanged)",
        t.elapsed().as_secs_f64(),
        s2.uploaded,
        s2.unchanged
    );
    assert_eq!(results2.len(), N);
    assert_eq!(s2.failed, 0, "{s2:?}");
    assert_eq!(s2.uploaded + s2.unchanged, N as u64);
    assert!(
        s2.uploaded >= summary.failed.saturating_sub(8),
        "{s2:?} after {summary:?}"
    );
    let dns: Vec<String> = names
        .iter()
        .map(|n| format!("CN={n},OU=Bulk,{BASE}"))
        .collect();
    for (n, stored) in names.iter().zip(raw_thumbnails(dc, &dns)) {
        assert!(stored.is_some(), "{n} has no photo after the rerun");
    }
    // A third run is all unchanged from the journal.
    let items = sync::feed::read_folder(&feed).unwrap();
    let (_, s3) = sync::run_to(vec![dc.client().into()], items, options(), |_| {}).unwrap();
    assert_eq!(s3.unchanged, N as u64, "{s3:?}");
}

/// One run to Microsoft Graph (the emulator) and AD: one result per user per destination,
/// one journal; a user missing from one destination fails there only.
pub fn graph_and_ad_in_one_run(dc: &Dc) {
    add_ou(dc, "Dual");
    let names: Vec<String> = (0..10).map(|i| format!("dual{i}")).collect();
    let refs: Vec<(&str, Option<&str>)> = names.iter().map(|n| (n.as_str(), None)).collect();
    add_users(dc, "Dual", &refs);
    let upns: Vec<String> = (0..11).map(|i| format!("dual{i}@corp.example")).collect();
    let (emu, config) = graph_emulator(&upns);
    let graph = GraphClient::new(serde_json::from_value::<GraphConfig>(config).unwrap()).unwrap();
    let dir = scratch("dual");
    // dual10 is in the tenant but not in AD.
    let items: Vec<sync::Item> = (0..11)
        .map(|i| sync::Item {
            user: format!("dual{i}@corp.example"),
            source: sync::Source::Bytes(smooth_jpeg(300, 300, 100 + i)),
        })
        .collect();
    let options = || SyncOptions {
        journal: Some(dir.join("journal.sqlite")),
        ..Default::default()
    };
    let destinations = || vec![graph.clone().into(), dc.client().into()];
    let (results, summary) =
        sync::run_to(destinations(), items.clone(), options(), |_| {}).unwrap();
    assert_eq!(results.len(), 22, "{summary:?}");
    let get = |user: &str, dest: &str| {
        results
            .iter()
            .find(|r| r.user == user && r.destination == dest)
            .unwrap_or_else(|| panic!("no {dest} result for {user}"))
    };
    for (i, item) in items.iter().enumerate() {
        let sync::Source::Bytes(src) = &item.source else {
            unreachable!()
        };
        let g = get(&item.user, "graph");
        assert_eq!(g.status, Status::Uploaded, "{g:?}");
        assert_eq!(g.width, Some(300));
        let stored = emu.photo(&item.user).expect("graph photo");
        assert_eq!(stored.len() as u64, g.bytes.unwrap());
        let a = get(&item.user, "ad");
        if i == 10 {
            assert_eq!(a.status, Status::Failed);
            assert_eq!(a.error_code, Some("user-not-found"));
            continue;
        }
        assert_eq!(a.status, Status::Uploaded, "{a:?}");
        assert_eq!(a.width, Some(96));
        // One decode serves both targets, so the thumbnail is the one rendered beside the
        // 648 px rendition.
        let both = userphoto::Options {
            targets: vec![
                userphoto::targets::TargetRequest::Name("graph".into()),
                userphoto::targets::TargetRequest::Name("ad-thumbnail".into()),
            ],
            ..Default::default()
        };
        let expected = userphoto::render(src, &both).unwrap().renditions.remove(1);
        assert_eq!(
            raw_thumbnail(dc, &format!("CN=dual{i},OU=Dual,{BASE}")).unwrap(),
            expected.data
        );
    }
    // The rerun: everything unchanged from the shared journal; dual10 fails again in AD only.
    let (results, summary) = sync::run_to(destinations(), items, options(), |_| {}).unwrap();
    assert_eq!(results.len(), 22);
    assert_eq!((summary.unchanged, summary.failed), (21, 1), "{summary:?}");
    emu.stop();
}

pub fn password_never_appears(dc: &Dc) {
    let exe = env!("CARGO_BIN_EXE_userphoto");
    let dir = scratch("leak");
    let photo = dir.join("p.jpg");
    std::fs::write(&photo, smooth_jpeg(200, 200, 11)).unwrap();
    std::fs::write(
        dir.join("feed.csv"),
        format!(
            "UserPrincipalName,Path\nalice@corp.example,{0}\nnobody@corp.example,{0}\n",
            photo.display()
        ),
    )
    .unwrap();
    let good = dc.password();
    let run = |args: &[&str], password: &str, stdin: Option<&str>| -> String {
        let mut cmd = Command::new(exe);
        cmd.args(args)
            .env("RUST_LOG", "trace")
            .env("USERPHOTO_LDAP_URL", "ldaps://127.0.0.1")
            .env("USERPHOTO_LDAP_BIND", dc.get("USERPHOTO_LDAP_BIND"))
            .env("USERPHOTO_LDAP_CA", dc.get("USERPHOTO_LDAP_CA"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        if stdin.is_none() {
            cmd.env("USERPHOTO_LDAP_PASSWORD", password);
        } else {
            cmd.env_remove("USERPHOTO_LDAP_PASSWORD");
        }
        let mut child = cmd.spawn().unwrap();
        if let Some(s) = stdin {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(format!("{s}\n").as_bytes())
                .unwrap();
        }
        let out = child.wait_with_output().unwrap();
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    let p = photo.to_str().unwrap();
    let d = dir.to_str().unwrap();
    let mut outputs = vec![
        run(
            &["ad", "upload", "--user", "alice", "--json", p],
            &good,
            None,
        ),
        run(
            &["ad", "upload", "--user", "alice", p],
            WRONG_PASSWORD,
            None,
        ),
        run(
            &["ad", "upload", "--user", "alice", "--password-file", "-", p],
            &good,
            Some(&good),
        ),
        run(
            &["ad", "upload", "--user", "alice", "--password-file", "-", p],
            WRONG_PASSWORD,
            Some(WRONG_PASSWORD),
        ),
        run(
            &[
                "ad",
                "upload",
                "--user",
                "alice",
                "--url",
                "ldap://127.0.0.1",
                p,
            ],
            WRONG_PASSWORD,
            None,
        ),
        run(
            &[
                "ad",
                "audit",
                "--json",
                "--report-csv",
                &format!("{d}/audit.csv"),
                "--report-json",
                &format!("{d}/audit.json"),
            ],
            &good,
            None,
        ),
        run(
            &[
                "ad",
                "sync",
                "--csv",
                &format!("{d}/feed.csv"),
                "--journal",
                &format!("{d}/j.sqlite"),
                "--report-csv",
                &format!("{d}/sync.csv"),
                "--report-json",
                &format!("{d}/sync.json"),
                "--json",
            ],
            &good,
            None,
        ),
        run(
            &["ad", "export", "--user", "alice", "--out", d],
            WRONG_PASSWORD,
            None,
        ),
    ];
    assert!(outputs[0].contains("\"ok\":true"), "{}", outputs[0]);
    assert!(outputs[1].contains("invalid-credentials"), "{}", outputs[1]);
    assert!(outputs[2].contains("alice"), "{}", outputs[2]);
    assert!(outputs[3].contains("invalid-credentials"), "{}", outputs[3]);
    assert!(outputs[6].contains("user-not-found"), "{}", outputs[6]);
    for f in [
        "audit.csv",
        "audit.json",
        "sync.csv",
        "sync.json",
        "j.sqlite",
    ] {
        outputs.push(String::from_utf8_lossy(&std::fs::read(dir.join(f)).unwrap()).into_owned());
    }
    for (i, o) in outputs.iter().enumerate() {
        assert!(!o.contains(&good), "output {i} holds the password:\n{o}");
        assert!(
            !o.contains(WRONG_PASSWORD),
            "output {i} holds the wrong password:\n{o}"
        );
    }
    // And the library's Debug forms.
    assert!(!format!("{:?}", dc.config()).contains(&good));
    assert!(!format!("{:?}", dc.client()).contains(&good));
}
