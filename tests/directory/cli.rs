//! `userphoto ad ...` through the binary.

use std::collections::HashSet;
use std::process::Command;

use super::dc::*;

/// `userphoto ad sync --graph-config`: one CLI run to Graph and AD, one result line per user
/// per destination; the rerun is all unchanged.
pub fn cli_sync_to_graph_and_ad(dc: &Dc) {
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
