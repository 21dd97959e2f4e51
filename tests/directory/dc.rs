//! The throwaway Samba AD DC, raw LDAP helpers that do not go through the code under test,
//! test photos, and the library's doors the cases call.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ldap3::{LdapConnAsync, LdapConnSettings, Mod, Scope, SearchEntry};
use userphoto::directory::{DirectoryClient, DirectoryConfig, DirectoryOutcome};
use userphoto::emulator::Emulator;

use crate::common::{connection_json, emulator_config, noise, numbered_users, start_emulator};
use userphoto::photo::{encode_jpeg, EncoderMode, Options, Rendition};
use userphoto::publish::{publish_one, Destination, PublishOptions, Written};
use userphoto::sync::{Item, Source};
use userphoto::{runtime, Secret};

pub const BASE: &str = "DC=corp,DC=example";
pub const WRONG_PASSWORD: &str = "Wr0ng-Pw-Must-Not-Leak-7731";

/// The running DC; dropping it stops samba and deletes its directory.
pub struct Dc {
    dir: PathBuf,
    env: HashMap<String, String>,
}

pub fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/samba-dc.sh")
}

impl Dc {
    pub fn run(&self, cmd: &str) {
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

    pub fn start() -> Dc {
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

    pub fn get(&self, k: &str) -> String {
        self.env.get(k).cloned().unwrap_or_default()
    }

    pub fn password(&self) -> String {
        self.get("USERPHOTO_LDAP_PASSWORD")
    }

    pub fn config(&self) -> DirectoryConfig {
        let mut c = DirectoryConfig::new(
            "ldaps://127.0.0.1",
            self.get("USERPHOTO_LDAP_BIND"),
            Secret::new(self.password()),
        );
        c.ca_file = Some(self.get("USERPHOTO_LDAP_CA"));
        c.timeout_secs = 10;
        c
    }

    pub fn client(&self) -> DirectoryClient {
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

pub fn samba_usable() -> Result<(), String> {
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

pub async fn admin(dc: &Dc) -> ldap3::Ldap {
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

pub fn add_ou(dc: &Dc, ou: &str) {
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
pub fn add_users(dc: &Dc, ou: &str, users: &[(&str, Option<&str>)]) {
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

pub fn raw_thumbnail(dc: &Dc, dn: &str) -> Option<Vec<u8>> {
    raw_thumbnails(dc, &[dn.to_string()]).remove(0)
}

/// The stored thumbnailPhoto of each entry, over one connection.
pub fn raw_thumbnails(dc: &Dc, dns: &[String]) -> Vec<Option<Vec<u8>>> {
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

pub fn raw_put(dc: &Dc, dn: &str, bytes: &[u8]) {
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

pub fn noise_jpeg(side: u32, seed: u32) -> Vec<u8> {
    encode_jpeg(
        side,
        side,
        &noise((side * side * 3) as usize, seed),
        90,
        EncoderMode::Fast,
    )
    .unwrap()
}

/// A noise JPEG of at least `min` bytes (grown side by side).
pub fn noise_jpeg_at_least(min: usize, seed: u32) -> Vec<u8> {
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
pub fn smooth_jpeg(w: u32, h: u32, seed: u32) -> Vec<u8> {
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

pub fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("userphoto-dirtest-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

// ---- a Graph tenant (the emulator) ----

pub const GRAPH_SECRET: &str = "dual-secret-5c1e";

/// A Graph emulator whose tenant has `users` (UPNs), and its connection JSON (client secret).
pub fn graph_emulator(users: &[String]) -> (Emulator, serde_json::Value) {
    let emu = start_emulator(emulator_config(
        GRAPH_SECRET,
        numbered_users(users.iter().cloned()),
    ));
    let config = connection_json(&emu, GRAPH_SECRET);
    (emu, config)
}

// ---- the library's doors, as the C ABI and the CLI call them ----

/// Render `src` for the directory and write it (or write it as it is with `raw`): the
/// outcome, with the rendition.
fn publish(
    c: &DirectoryClient,
    user: &str,
    src: &[u8],
    raw: bool,
) -> userphoto::Result<DirectoryOutcome> {
    let item = Item {
        user: user.to_string(),
        source: Source::Bytes(src.to_vec()),
    };
    let options = PublishOptions {
        raw,
        ..PublishOptions::default()
    };
    match publish_one(c.clone().into(), &item, options)? {
        (rendition, Some(Written::Directory(mut o))) => {
            o.rendition = rendition;
            Ok(o)
        }
        other => panic!("a directory write gave {other:?}"),
    }
}

pub fn upload(c: &DirectoryClient, user: &str, src: &[u8]) -> userphoto::Result<DirectoryOutcome> {
    publish(c, user, src, false)
}

pub fn upload_raw(
    c: &DirectoryClient,
    user: &str,
    jpeg: &[u8],
) -> userphoto::Result<DirectoryOutcome> {
    publish(c, user, jpeg, true)
}

/// The rendition the directory gets for `src`.
pub fn render(c: &DirectoryClient, src: &[u8]) -> userphoto::Result<Rendition> {
    let options = Options {
        targets: vec![Destination::from(c.clone()).target()],
        ..Options::default()
    };
    Ok(userphoto::render(src, &options)?.renditions.remove(0))
}
