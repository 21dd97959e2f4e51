//! On-premises AD thumbnailPhoto against a real directory: a Samba 4 AD domain controller on
//! 127.0.0.1, provisioned and started by `scripts/samba-dc.sh` for this test binary and
//! stopped (and deleted) by a Drop guard, also when a case panics.
//!
//! Samba needs root and fixed ports (389/636), so there is one DC and the cases run one
//! after another inside ONE #[test]; each case is isolated with catch_unwind and the test
//! fails at the end listing every failed case. Without samba (or root) the test skips with a
//! loud message, unless USERPHOTO_REQUIRE_SAMBA is set (scripts/test.sh sets it): then it
//! fails. Nothing else may listen on 127.0.0.1:389/636 while it runs.

use std::collections::{HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ldap3::{LdapConnAsync, LdapConnSettings, Mod, Scope, SearchEntry};
use userphoto::directory::{
    AuditOptions, AuditProblem, DirectoryClient, DirectoryConfig, DirectoryStatus,
};
use userphoto::emulator::{AppRegistration, EmulatedUser, Emulator, EmulatorConfig};
use userphoto::graph::{runtime, GraphClient, GraphConfig, Secret};
use userphoto::photo::{encode_jpeg, EncoderMode};
use userphoto::sync::{self, Destinations, Event, Job, Poll, Status, SyncOptions};

const BASE: &str = "DC=corp,DC=example";
const WRONG_PASSWORD: &str = "Wr0ng-Pw-Must-Not-Leak-7731";

/// The running DC; dropping it stops samba and deletes its directory.
struct Dc {
    dir: PathBuf,
    env: HashMap<String, String>,
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/samba-dc.sh")
}

impl Dc {
    fn run(&self, cmd: &str) {
        let st = Command::new("bash")
            .arg(script())
            .arg(cmd)
            .arg(&self.dir)
            .status()
            .expect("bash runs");
        assert!(st.success(), "samba-dc.sh {cmd} failed");
    }

    /// A DC left by a test process that was killed (no Drop) would hold the ports.
    fn stop_orphans() {
        let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(owner) = name.strip_prefix("userphoto-samba-") else {
                continue;
            };
            let alive = Path::new("/proc").join(owner).exists();
            if !alive && owner.parse::<u32>().is_ok() {
                eprintln!("directory tests: stopping the DC left by test process {owner}");
                let _ = Command::new("bash")
                    .arg(script())
                    .arg("destroy")
                    .arg(e.path())
                    .status();
            }
        }
    }

    fn start() -> Dc {
        Dc::stop_orphans();
        let dir = std::env::temp_dir().join(format!("userphoto-samba-{}", std::process::id()));
        let mut dc = Dc {
            dir,
            env: HashMap::new(),
        };
        // Another test run on this machine may hold the fixed ports: wait for it.
        let waited = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", 636)).is_ok() {
            assert!(
                waited.elapsed() < Duration::from_secs(300),
                "something has listened on 127.0.0.1:636 for 5 minutes: stop it (scripts/samba-dc.sh stop DIR)"
            );
            if waited.elapsed() < Duration::from_millis(600) {
                eprintln!("directory tests: 127.0.0.1:636 is in use; waiting for it to be free");
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        let t = Instant::now();
        dc.run("start");
        eprintln!(
            "directory tests: Samba AD DC provisioned and started in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        let out = Command::new("bash")
            .arg(script())
            .arg("env")
            .arg(&dc.dir)
            .output()
            .expect("bash runs");
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if let Some((k, v)) = line.strip_prefix("export ").and_then(|l| l.split_once('=')) {
                dc.env
                    .insert(k.to_string(), v.trim_matches('\'').to_string());
            }
        }
        dc
    }

    fn get(&self, k: &str) -> String {
        self.env.get(k).cloned().unwrap_or_default()
    }

    fn password(&self) -> String {
        self.get("USERPHOTO_LDAP_PASSWORD")
    }

    fn config(&self) -> DirectoryConfig {
        let mut c = DirectoryConfig::new(
            "ldaps://127.0.0.1",
            self.get("USERPHOTO_LDAP_BIND"),
            Secret::new(self.password()),
        );
        c.ca_file = Some(self.get("USERPHOTO_LDAP_CA"));
        c.timeout_secs = 10;
        c
    }

    fn client(&self) -> DirectoryClient {
        DirectoryClient::new(self.config()).expect("client")
    }
}

impl Drop for Dc {
    fn drop(&mut self) {
        let t = Instant::now();
        let _ = Command::new("bash")
            .arg(script())
            .arg("destroy")
            .arg(&self.dir)
            .status();
        eprintln!(
            "directory tests: Samba AD DC stopped and removed in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        let prefix = format!("userphoto-dirtest-{}-", std::process::id());
        if let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().starts_with(&prefix) {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
    }
}

fn samba_usable() -> Result<(), String> {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join("samba").is_file()))
        .unwrap_or(false);
    if !found {
        return Err("samba is not installed (apt-get install samba-ad-dc samba-ad-provision ldap-utils; or run scripts/setup.sh)".into());
    }
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|e| e.to_string())?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Err("the Samba DC needs root (fixed ports 389/636)".into());
    }
    Ok(())
}

// ---- raw LDAP helpers (independent of the code under test) ----

async fn admin(dc: &Dc) -> ldap3::Ldap {
    let cfg = {
        use rustls::pki_types::pem::PemObject;
        let mut roots = rustls::RootCertStore::empty();
        for c in
            rustls::pki_types::CertificateDer::pem_file_iter(dc.get("USERPHOTO_LDAP_CA")).unwrap()
        {
            roots.add(c.unwrap()).unwrap();
        }
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth()
    };
    let settings = LdapConnSettings::new().set_config(std::sync::Arc::new(cfg));
    let (conn, mut l) = LdapConnAsync::with_settings(settings, "ldaps://127.0.0.1")
        .await
        .unwrap();
    ldap3::drive!(conn);
    l.simple_bind(&dc.get("USERPHOTO_LDAP_BIND"), &dc.password())
        .await
        .unwrap()
        .success()
        .unwrap();
    l
}

fn add_ou(dc: &Dc, ou: &str) {
    runtime().block_on(async {
        let mut l = admin(dc).await;
        let dn = format!("OU={ou},{BASE}");
        let r = l
            .add(
                &dn,
                vec![("objectClass", HashSet::from(["top", "organizationalUnit"]))],
            )
            .await
            .unwrap();
        assert!(r.rc == 0 || r.rc == 68, "add {dn}: {r:?}");
    });
}

/// Add enabled users (userAccountControl 544: normal account, no password required).
fn add_users(dc: &Dc, ou: &str, users: &[(&str, Option<&str>)]) {
    runtime().block_on(async {
        let mut l = admin(dc).await;
        for (name, mail) in users {
            let dn = format!("CN={name},OU={ou},{BASE}");
            let upn = format!("{name}@corp.example");
            let mut attrs: Vec<(&str, HashSet<&str>)> = vec![
                (
                    "objectClass",
                    HashSet::from(["top", "person", "organizationalPerson", "user"]),
                ),
                ("sAMAccountName", HashSet::from([*name])),
                ("userPrincipalName", HashSet::from([upn.as_str()])),
                ("userAccountControl", HashSet::from(["544"])),
            ];
            if let Some(m) = mail {
                attrs.push(("mail", HashSet::from([*m])));
            }
            let r = l.add(&dn, attrs).await.unwrap();
            assert!(r.rc == 0 || r.rc == 68, "add {dn}: {r:?}");
        }
    });
}

fn raw_thumbnail(dc: &Dc, dn: &str) -> Option<Vec<u8>> {
    raw_thumbnails(dc, &[dn.to_string()]).remove(0)
}

/// The stored thumbnailPhoto of each entry, over one connection.
fn raw_thumbnails(dc: &Dc, dns: &[String]) -> Vec<Option<Vec<u8>>> {
    runtime().block_on(async {
        let mut l = admin(dc).await;
        let mut out = Vec::new();
        for dn in dns {
            let (entries, _) = l
                .search(dn, Scope::Base, "(objectClass=*)", vec!["thumbnailPhoto"])
                .await
                .unwrap()
                .success()
                .unwrap();
            out.push(entries.into_iter().next().and_then(|e| {
                let e = SearchEntry::construct(e);
                e.bin_attrs
                    .get("thumbnailPhoto")
                    .and_then(|v| v.first().cloned())
                    .or_else(|| {
                        e.attrs
                            .get("thumbnailPhoto")
                            .and_then(|v| v.first().map(|s| s.clone().into_bytes()))
                    })
            }));
        }
        out
    })
}

fn raw_put(dc: &Dc, dn: &str, bytes: &[u8]) {
    runtime().block_on(async {
        let mut l = admin(dc).await;
        l.modify(
            dn,
            vec![Mod::Replace(
                b"thumbnailPhoto".to_vec(),
                HashSet::from([bytes.to_vec()]),
            )],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    });
}

// ---- photos ----

/// Deterministic noise (the worst case for a JPEG budget) as RGB.
fn noise(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let mut x: u32 = 0x2545_F491 ^ seed.wrapping_mul(0x9E37_79B9);
    (0..w * h * 3)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

fn noise_jpeg(side: u32, seed: u32) -> Vec<u8> {
    encode_jpeg(side, side, &noise(side, side, seed), 90, EncoderMode::Fast).unwrap()
}

/// A noise JPEG of at least `min` bytes (grown side by side).
fn noise_jpeg_at_least(min: usize, seed: u32) -> Vec<u8> {
    let mut side = 64;
    loop {
        let j = noise_jpeg(side, seed);
        if j.len() >= min {
            return j;
        }
        side += 2;
    }
}

/// A smooth photo (gradient + the seed as a colour) that encodes small.
fn smooth_jpeg(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let mut rgb = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            rgb.push((x * 255 / w) as u8);
            rgb.push((y * 255 / h) as u8);
            rgb.push((seed * 37 % 256) as u8);
        }
    }
    encode_jpeg(w, h, &rgb, 90, EncoderMode::Fast).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("userphoto-dirtest-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

// ---- the cases ----

fn upload_read_back_and_idempotent(dc: &Dc) {
    let c = dc.client();
    let src = smooth_jpeg(400, 300, 1);
    let o = c.upload("alice@corp.example", &src).unwrap();
    assert_eq!(o.status, DirectoryStatus::Written);
    assert!(o.verified);
    assert_eq!(o.dn, format!("CN=alice,OU=People,{BASE}"));
    let r = o.rendition.as_ref().unwrap();
    assert_eq!((r.width, r.height), (96, 96));
    let stored = raw_thumbnail(dc, &o.dn).expect("a thumbnailPhoto");
    assert_eq!(
        stored,
        c.render(&src).unwrap().data,
        "read back equals the rendition"
    );
    assert_eq!(
        c.export("alice").unwrap(),
        stored,
        "export by sAMAccountName"
    );
    // Second run: nothing written.
    let again = c.upload("alice@corp.example", &src).unwrap();
    assert_eq!(again.status, DirectoryStatus::Unchanged);
    assert_eq!(raw_thumbnail(dc, &o.dn).unwrap(), stored);
    // By mail and by DN too.
    assert_eq!(
        c.upload("alice.mail@corp.example", &src).unwrap().status,
        DirectoryStatus::Unchanged
    );
    assert_eq!(
        c.upload(&o.dn, &src).unwrap().status,
        DirectoryStatus::Unchanged
    );
    // Remove, then remove again (absent), then export says no photo.
    assert_eq!(c.remove("alice").unwrap().status, DirectoryStatus::Removed);
    assert_eq!(raw_thumbnail(dc, &o.dn), None);
    assert_eq!(c.remove("alice").unwrap().status, DirectoryStatus::Absent);
    assert_eq!(c.export("alice").unwrap_err().code(), "no-photo");
}

fn source_30kb_fits_10kb(dc: &Dc) {
    let c = dc.client();
    let src = noise_jpeg_at_least(30 * 1024, 2);
    assert!(src.len() >= 30 * 1024);
    let o = c.upload("bob@corp.example", &src).unwrap();
    let r = o.rendition.as_ref().unwrap();
    assert!(r.bytes <= 10240, "{} bytes", r.bytes);
    assert_eq!((r.width, r.height, r.max_bytes), (96, 96, 10240));
    assert_eq!(raw_thumbnail(dc, &o.dn).unwrap().len() as u64, r.bytes);
}

fn budget_100kb_accepted_110kb_refused(dc: &Dc) {
    let mut cfg = dc.config();
    cfg.max_bytes = 102_400;
    let c = DirectoryClient::new(cfg).expect("100 KB is allowed");
    assert_eq!(c.target().max_bytes, 102_400);
    let src = noise_jpeg_at_least(30 * 1024, 3);
    let o = c.upload("bob@corp.example", &src).unwrap();
    assert!(o.rendition.as_ref().unwrap().bytes <= 102_400);
    // The schema's limit: a 100 KB value is stored byte for byte.
    let big = noise_jpeg_at_least(95 * 1024, 4);
    assert!(big.len() <= 102_400, "{}", big.len());
    let o = c.upload_raw("bob", &big).unwrap();
    assert_eq!(o.status, DirectoryStatus::Written);
    assert_eq!(raw_thumbnail(dc, &o.dn).unwrap(), big);
    // 110 KB: a named error before any LDAP write.
    let mut cfg = dc.config();
    cfg.max_bytes = 110 * 1024;
    let e = DirectoryClient::new(cfg).unwrap_err();
    assert_eq!(e.code(), "thumbnail-too-large", "{e}");
    let huge = noise_jpeg_at_least(110 * 1024, 6);
    let e = c.upload_raw("bob", &huge).unwrap_err();
    assert_eq!(e.code(), "thumbnail-too-large", "{e}");
    assert_eq!(
        raw_thumbnail(dc, &o.dn).unwrap(),
        big,
        "nothing was written"
    );
    let e = runtime()
        .block_on(c.put_thumbnail("bob", &huge[..102_401]))
        .unwrap_err();
    assert_eq!(e.code(), "thumbnail-too-large");
    // The limit is the server's too: the schema refuses 110 KB written behind our back.
    let refused = runtime().block_on(async {
        let mut l = admin(dc).await;
        l.modify(
            &o.dn,
            vec![Mod::Replace(
                b"thumbnailPhoto".to_vec(),
                HashSet::from([huge.clone()]),
            )],
        )
        .await
        .unwrap()
    });
    assert!(matches!(refused.rc, 19 | 21), "{refused:?}");
}

fn unknown_and_ambiguous_users(dc: &Dc) {
    let c = dc.client();
    let src = smooth_jpeg(200, 200, 7);
    let e = c.upload("nobody@corp.example", &src).unwrap_err();
    assert_eq!(e.code(), "user-not-found", "{e}");
    let e = c
        .upload(&format!("CN=nobody,OU=People,{BASE}"), &src)
        .unwrap_err();
    assert_eq!(e.code(), "user-not-found", "{e}");
    let e = c.upload("shared@corp.example", &src).unwrap_err();
    assert_eq!(e.code(), "ambiguous-user", "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("CN=twin1") && msg.contains("CN=twin2"),
        "{msg}"
    );
    // Filter metacharacters are values, not filters.
    let e = c.upload("*", &src).unwrap_err();
    assert_eq!(e.code(), "user-not-found", "{e}");
}

fn wrong_password_and_wrong_ca(dc: &Dc) {
    let mut cfg = dc.config();
    cfg.password = Secret::new(WRONG_PASSWORD);
    let e = DirectoryClient::new(cfg)
        .unwrap()
        .lookup("alice")
        .unwrap_err();
    assert_eq!(e.code(), "invalid-credentials", "{e}");
    assert!(!e.to_string().contains(WRONG_PASSWORD));
    assert!(!format!("{e:?}").contains(WRONG_PASSWORD));

    // A bulk run stops binding after the first refusal (failed binds lock accounts out):
    // at most the users already under way fail, the rest are skipped for AD.
    let mut cfg = dc.config();
    cfg.password = Secret::new(WRONG_PASSWORD);
    let items: Vec<sync::Item> = (0..12)
        .map(|i| sync::Item {
            user: format!("user{i}@corp.example"),
            source: sync::Source::Bytes(smooth_jpeg(120, 120, 40 + i)),
        })
        .collect();
    let (results, summary) = sync::run_to(
        DirectoryClient::new(cfg).unwrap().into(),
        items,
        SyncOptions::default(),
        |_| {},
    )
    .unwrap();
    assert_eq!(results.len(), 12);
    assert!(summary.failed >= 1 && summary.failed <= 4, "{summary:?}");
    assert_eq!(summary.failed + summary.skipped, 12, "{summary:?}");
    assert!(results
        .iter()
        .all(|r| r.error_code == Some("invalid-credentials")));
    let skipped = results
        .iter()
        .find(|r| r.status == Status::Skipped)
        .unwrap();
    assert!(
        skipped
            .error
            .as_deref()
            .unwrap()
            .starts_with("not attempted"),
        "{skipped:?}"
    );

    let mut cfg = dc.config();
    cfg.ca_file = Some(dc.get("USERPHOTO_LDAP_OTHER_CA"));
    let e = DirectoryClient::new(cfg)
        .unwrap()
        .lookup("alice")
        .unwrap_err();
    assert_eq!(e.code(), "directory-tls", "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("127.0.0.1:636") && msg.contains("other-ca.pem"),
        "{msg}"
    );
    // StartTLS is verified the same way.
    let mut cfg = dc.config();
    cfg.url = "ldap://127.0.0.1".into();
    cfg.ca_file = Some(dc.get("USERPHOTO_LDAP_OTHER_CA"));
    let e = DirectoryClient::new(cfg)
        .unwrap()
        .lookup("alice")
        .unwrap_err();
    assert_eq!(e.code(), "directory-tls", "{e}");
    // No CA given: the system store does not know the test CA.
    let mut cfg = dc.config();
    cfg.ca_file = None;
    let e = DirectoryClient::new(cfg)
        .unwrap()
        .lookup("alice")
        .unwrap_err();
    assert_eq!(e.code(), "directory-tls", "{e}");
    assert!(e.to_string().contains("system certificate store"), "{e}");
}

/// A bind account without the right to write other users' thumbnailPhoto.
fn insufficient_access(dc: &Dc) {
    let pw = "L1mited-Passw0rd!x";
    let st = Command::new("samba-tool")
        .args(["user", "create", "limited", pw, "-s"])
        .arg(dc.get("USERPHOTO_SAMBA_CONF"))
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let mut cfg = dc.config();
    cfg.bind_user = "limited@corp.example".into();
    cfg.password = Secret::new(pw);
    let c = DirectoryClient::new(cfg).unwrap();
    let e = c
        .upload("bob@corp.example", &smooth_jpeg(100, 100, 12))
        .unwrap_err();
    assert_eq!(e.code(), "forbidden", "{e}");
    assert!(e.to_string().contains("insufficientAccessRights"), "{e}");
    assert!(!e.to_string().contains(pw));
}

fn starttls_ldaps_and_plain(dc: &Dc) {
    let src = smooth_jpeg(300, 300, 8);
    for (url, plain) in [
        ("ldaps://127.0.0.1", false),
        ("ldap://127.0.0.1", false),
        ("ldaps://localhost:636", false),
        ("ldap://127.0.0.1:389", true),
    ] {
        let mut cfg = dc.config();
        cfg.url = url.into();
        cfg.plain_ldap = plain;
        let c = DirectoryClient::new(cfg).unwrap();
        let o = c
            .upload("carol@corp.example", &src)
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        assert!(o.verified, "{url}");
    }
    assert_eq!(
        raw_thumbnail(dc, &format!("CN=carol,OU=People,{BASE}")).unwrap(),
        dc.client().render(&src).unwrap().data
    );
}

fn server_stopped_mid_run(dc: &Dc) {
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
    let mut job = Job::start_to(Destinations::from(dc.client()), options()).unwrap();
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
    let (results2, s2) = sync::run_to(dc.client().into(), items, options(), |_| {}).unwrap();
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
    let (_, s3) = sync::run_to(dc.client().into(), items, options(), |_| {}).unwrap();
    assert_eq!(s3.unchanged, N as u64, "{s3:?}");
}

fn audit_finds_planted_thumbnails(dc: &Dc) {
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
    let options = AuditOptions {
        page_size: 2, // several pages for five users
        ..Default::default()
    };
    let report = c.audit(&options).unwrap();
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
    let dir = scratch("audit");
    userphoto::directory::audit::write_csv(&dir.join("a.csv"), &report).unwrap();
    userphoto::directory::audit::write_json(&dir.join("a.json"), &report).unwrap();
    let csv = std::fs::read_to_string(dir.join("a.csv")).unwrap();
    assert!(
        csv.contains("big@corp.example") && csv.contains("not-jpeg"),
        "{csv}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("a.json")).unwrap()).unwrap();
    assert_eq!(json["listed"], 4);
    // Fix in the same run, then nothing but the missing one is left.
    let fixed = c
        .audit(&AuditOptions {
            fix: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!((fixed.fixed, fixed.fix_failed), (3, 0), "{fixed:?}");
    let big = raw_thumbnail(dc, &dn("big")).unwrap();
    assert!(big.len() <= 10240 && big.starts_with(&[0xFF, 0xD8]));
    let after = c.audit(&AuditOptions::default()).unwrap();
    assert_eq!(after.listed, 1, "{after:?}");
    assert_eq!(after.entries[0].problems, vec![AuditProblem::Missing]);
}

/// One run to Microsoft Graph (the emulator) and AD: one result per user per destination,
/// one journal; a user missing from one destination fails there only.
const TENANT: &str = "corp.onmicrosoft.com";
const APP: &str = "11111111-2222-3333-4444-555555555555";
const GRAPH_SECRET: &str = "dual-secret-5c1e";

/// A Graph emulator whose tenant has `users` (UPNs), and its connection JSON (client secret).
fn graph_emulator(users: &[String]) -> (Emulator, serde_json::Value) {
    let emu = Emulator::start(EmulatorConfig {
        tenant: TENANT.into(),
        apps: vec![AppRegistration {
            client_id: APP.into(),
            client_secret: Some(GRAPH_SECRET.into()),
            certificate_pem: None,
        }],
        users: users
            .iter()
            .enumerate()
            .map(|(i, upn)| EmulatedUser {
                id: format!("00000000-0000-4000-8000-{i:012}"),
                user_principal_name: upn.clone(),
                mail: None,
            })
            .collect(),
        ..Default::default()
    })
    .unwrap();
    let config = serde_json::json!({
        "tenant": TENANT, "client_id": APP,
        "credential": {"type": "secret", "secret": GRAPH_SECRET},
        "authority": emu.authority(), "graph_endpoint": emu.graph_endpoint(),
        "timeout_secs": 10,
    });
    (emu, config)
}

fn graph_and_ad_in_one_run(dc: &Dc) {
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
    let destinations = || Destinations {
        graph: Some(graph.clone()),
        directory: Some(dc.client()),
    };
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

fn password_never_appears(dc: &Dc) {
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

/// `userphoto ad sync --graph-config`: one CLI run to Graph and AD, one result line per user
/// per destination; the rerun is all unchanged.
fn cli_sync_to_graph_and_ad(dc: &Dc) {
    add_ou(dc, "Cli");
    let names: Vec<String> = (0..4).map(|i| format!("cli{i}")).collect();
    let refs: Vec<(&str, Option<&str>)> = names.iter().map(|n| (n.as_str(), None)).collect();
    add_users(dc, "Cli", &refs);
    let upns: Vec<String> = names.iter().map(|n| format!("{n}@corp.example")).collect();
    let (emu, config) = graph_emulator(&upns);
    let dir = scratch("cli-sync");
    std::fs::write(dir.join("graph.json"), config.to_string()).unwrap();
    let mut feed = String::from("UserPrincipalName,Path\n");
    for (i, upn) in upns.iter().enumerate() {
        let photo = dir.join(format!("{i}.jpg"));
        std::fs::write(&photo, smooth_jpeg(320, 240, 300 + i as u32)).unwrap();
        feed.push_str(&format!("{upn},{}\n", photo.display()));
    }
    std::fs::write(dir.join("feed.csv"), feed).unwrap();
    let d = dir.to_str().unwrap();
    let run = || {
        let out = Command::new(env!("CARGO_BIN_EXE_userphoto"))
            .args(["ad", "sync", "--json", "--graph-config"])
            .arg(dir.join("graph.json"))
            .args(["--csv", &format!("{d}/feed.csv")])
            .args(["--journal", &format!("{d}/j.sqlite")])
            .args(["--report-json", &format!("{d}/report.json")])
            .env("USERPHOTO_LDAP_URL", "ldaps://127.0.0.1")
            .env("USERPHOTO_LDAP_BIND", dc.get("USERPHOTO_LDAP_BIND"))
            .env("USERPHOTO_LDAP_CA", dc.get("USERPHOTO_LDAP_CA"))
            .env("USERPHOTO_LDAP_PASSWORD", dc.password())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stdout}{stderr}");
        assert!(!stdout.contains(GRAPH_SECRET) && !stderr.contains(GRAPH_SECRET));
        assert!(!stdout.contains(&dc.password()) && !stderr.contains(&dc.password()));
        stdout
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .map(|v| {
                (
                    v["user"].as_str().unwrap().to_string(),
                    v["destination"].as_str().unwrap().to_string(),
                    v["status"].as_str().unwrap().to_string(),
                )
            })
            .collect::<HashSet<_>>()
    };
    let expected = |status: &str| {
        upns.iter()
            .flat_map(|u| {
                ["graph", "ad"].map(|dest| (u.clone(), dest.to_string(), status.to_string()))
            })
            .collect::<HashSet<_>>()
    };
    assert_eq!(run(), expected("uploaded"));
    for (i, upn) in upns.iter().enumerate() {
        assert!(!emu.photo(upn).expect("graph photo").is_empty());
        let stored = raw_thumbnail(dc, &format!("CN=cli{i},OU=Cli,{BASE}")).expect("thumbnail");
        assert!(stored.len() <= 10240 && stored.starts_with(&[0xFF, 0xD8]));
    }
    let report = std::fs::read_to_string(dir.join("report.json")).unwrap();
    assert!(
        report.contains("\"destination\":\"ad\"") || report.contains("\"destination\": \"ad\"")
    );
    assert_eq!(run(), expected("unchanged"));
    emu.stop();
}

/// The C ABI's directory functions (what the PowerShell module calls) against the DC.
fn c_abi(dc: &Dc) {
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

/// A named case run against the shared DC.
type Case = (&'static str, fn(&Dc));

fn run_case(name: &str, dc: &Dc, f: fn(&Dc), failures: &mut Vec<String>) {
    let t = Instant::now();
    match catch_unwind(AssertUnwindSafe(|| f(dc))) {
        Ok(()) => eprintln!(
            "directory tests: PASS {name} ({:.1} s)",
            t.elapsed().as_secs_f64()
        ),
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            eprintln!("directory tests: FAIL {name}: {msg}");
            failures.push(name.to_string());
        }
    }
}

#[test]
fn directory_against_samba_ad_dc() {
    if let Err(why) = samba_usable() {
        let required =
            std::env::var("USERPHOTO_REQUIRE_SAMBA").is_ok_and(|v| !v.is_empty() && v != "0");
        if required {
            panic!("USERPHOTO_REQUIRE_SAMBA is set but the Samba DC cannot run: {why}");
        }
        // Straight to stderr: the test harness captures eprintln! of passing tests.
        use std::io::Write;
        let bang = "!".repeat(78);
        let _ = writeln!(
            std::io::stderr(),
            "\n{bang}\n!! SKIPPED: the Active Directory tests did not run: {why}\n\
             !! Set USERPHOTO_REQUIRE_SAMBA=1 to make this a failure (scripts/test.sh does).\n{bang}"
        );
        return;
    }
    let dc = Dc::start();
    add_ou(&dc, "People");
    add_users(
        &dc,
        "People",
        &[
            ("alice", Some("alice.mail@corp.example")),
            ("bob", None),
            ("carol", None),
            ("twin1", Some("shared@corp.example")),
            ("twin2", Some("shared@corp.example")),
        ],
    );
    let cases: [Case; 13] = [
        (
            "upload, read back, idempotent, remove",
            upload_read_back_and_idempotent,
        ),
        ("30 KB source fits 10 KB", source_30kb_fits_10kb),
        (
            "100 KB accepted, 110 KB refused",
            budget_100kb_accepted_110kb_refused,
        ),
        ("unknown and ambiguous users", unknown_and_ambiguous_users),
        ("wrong password, wrong CA", wrong_password_and_wrong_ca),
        ("insufficient access", insufficient_access),
        (
            "StartTLS, LDAPS, plain on loopback",
            starttls_ldaps_and_plain,
        ),
        (
            "audit finds planted thumbnails",
            audit_finds_planted_thumbnails,
        ),
        ("password never appears", password_never_appears),
        ("Graph and AD in one run", graph_and_ad_in_one_run),
        ("CLI ad sync --graph-config", cli_sync_to_graph_and_ad),
        ("C ABI", c_abi),
        ("server stopped in a 200-user run", server_stopped_mid_run),
    ];
    let mut failures = Vec::new();
    for (name, f) in cases {
        run_case(name, &dc, f, &mut failures);
    }
    drop(dc);
    assert!(failures.is_empty(), "failed cases: {failures:?}");
}

/// The CLI's connection checks need no server: usage errors exit 2 with a named error, an
/// unreachable server is a per-user failure (exit 1), and no password is ever echoed.
#[test]
fn ad_cli_connection_errors_without_a_server() {
    let exe = env!("CARGO_BIN_EXE_userphoto");
    let dir = scratch("cli");
    let photo = dir.join("p.jpg");
    std::fs::write(&photo, smooth_jpeg(100, 100, 1)).unwrap();
    let p = photo.to_str().unwrap();
    let run = |args: &[&str], password: Option<&str>| {
        let mut cmd = Command::new(exe);
        cmd.arg("ad")
            .args(args)
            .env_remove("USERPHOTO_LDAP_URL")
            .env_remove("USERPHOTO_LDAP_BIND")
            .env_remove("USERPHOTO_LDAP_CA")
            .env_remove("USERPHOTO_LDAP_BASE")
            .env("RUST_LOG", "trace")
            .stdin(std::process::Stdio::null());
        match password {
            Some(pw) => cmd.env("USERPHOTO_LDAP_PASSWORD", pw),
            None => cmd.env_remove("USERPHOTO_LDAP_PASSWORD"),
        };
        let out = cmd.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    };
    let conn = [
        "--url",
        "ldaps://127.0.0.1:1",
        "--bind-user",
        "svc@corp.example",
    ];
    let args = |extra: &[&'static str]| -> Vec<String> {
        let mut v: Vec<String> = vec!["upload".into(), "--user".into(), "alice".into()];
        v.extend(conn.iter().map(|s| s.to_string()));
        v.extend(extra.iter().map(|s| s.to_string()));
        v.push(p.to_string());
        v
    };
    let call = |extra: &[&'static str], pw: Option<&str>| {
        let a = args(extra);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        run(&refs, pw)
    };
    let pw = "Cli-Secret-Never-Shown-42";
    let (code, out) = call(&[], None);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("[config]") && out.contains("password"),
        "{out}"
    );
    let (code, out) = call(&["--max-bytes", "112640"], Some(pw));
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("[thumbnail-too-large]"), "{out}");
    let (code, out) = call(&["--plain-ldap"], Some(pw));
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("plain_ldap"), "{out}");
    let (code, out) = call(&["--json"], Some(pw));
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("directory-unavailable"), "{out}");
    assert!(!out.contains(pw), "{out}");
    let (code, out) = run(&["upload", "--user", "alice", p], Some(pw));
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("USERPHOTO_LDAP_URL"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
