//! The command line: outputs, JSON, and exit codes (0 success, 1 some failed, 2 usage).

mod common;

use std::path::Path;
use std::process::Command;

fn userphoto(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_userphoto"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn resize_writes_every_fixture_for_both_targets() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-resize");
    let _ = std::fs::remove_dir_all(&out);
    let mut args = vec![
        "resize".to_string(),
        "--json".into(),
        "--target".into(),
        "graph,ad-thumbnail".into(),
        "--out".into(),
    ];
    args.push(out.display().to_string());
    let files: Vec<String> = std::fs::read_dir(common::fixtures_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(files.len(), 18);
    args.extend(files);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, stdout, stderr) = userphoto(&args);
    assert_eq!(code, Some(0), "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["failed"], 0);
    assert_eq!(doc["total"], 18);
    for r in doc["results"].as_array().unwrap() {
        for x in r["renditions"].as_array().unwrap() {
            let path = x["path"].as_str().unwrap();
            let bytes = std::fs::read(path).unwrap();
            assert_eq!(
                bytes.len() as u64,
                x["rendition"]["bytes"].as_u64().unwrap()
            );
            let img = common::decode_rgb(&bytes);
            let side = if x["rendition"]["target"] == "graph" {
                648
            } else {
                96
            };
            assert_eq!(img.dimensions(), (side, side), "{path}");
            assert!(bytes.len() <= if side == 648 { 4 << 20 } else { 10 << 10 });
        }
    }
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 36);
}

#[test]
fn exit_codes_tell_success_partial_failure_and_usage_apart() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-codes");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.jpg");
    std::fs::write(&bad, b"not a photo").unwrap();
    let good = common::fixtures_dir().join("Landscape_0.jpg");
    let (good, bad) = (good.to_str().unwrap(), bad.to_str().unwrap());

    let (code, stdout, _) = userphoto(&["validate", good]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("needs-resize"), "{stdout}");

    let (code, _, stderr) = userphoto(&["validate", good, bad]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("[unsupported-format]") && stderr.contains("1 of 2 photos succeeded"),
        "{stderr}"
    );

    let (code, _, stderr) = userphoto(&[
        "resize",
        "--target",
        "teams",
        "--out",
        dir.to_str().unwrap(),
        good,
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("unknown target"), "{stderr}");
    let (code, _, _) = userphoto(&["resize", "--out", dir.to_str().unwrap()]);
    assert_eq!(code, Some(2));

    let (code, stdout, _) = userphoto(&[
        "validate",
        "--json",
        "--target",
        "ad-thumbnail:20480,200:30000",
        good,
    ]);
    assert_eq!(code, Some(0));
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let targets = &doc["results"][0]["report"]["targets"];
    assert_eq!(targets[0]["max_bytes"], 20480);
    assert_eq!(targets[1]["target"], "custom-200");

    let (code, stdout, _) = userphoto(&["targets"]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("ad-thumbnail") && stdout.contains("10240"));
}
