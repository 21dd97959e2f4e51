//! Builds tests/c/abi_test.c against include/userphoto.h and the cdylib, runs it, and runs it
//! again under valgrind when valgrind is installed.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn lib_dir() -> PathBuf {
    // target/<profile>/deps/<this test> -> target/<profile>
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().to_path_buf()
}

fn build() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = lib_dir();
    assert!(
        lib.join("libuserphoto.so").exists(),
        "cdylib missing in {}",
        lib.display()
    );
    let exe = Path::new(env!("CARGO_TARGET_TMPDIR")).join("abi_test");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let out = Command::new(cc)
        .args([
            "-std=c99",
            "-D_GNU_SOURCE",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-I",
        ])
        .arg(root.join("include"))
        .arg(root.join("tests/c/abi_test.c"))
        .arg("-L")
        .arg(&lib)
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .args(["-luserphoto", "-o"])
        .arg(&exe)
        .output()
        .expect("a C compiler (cc) is installed");
    assert!(
        out.status.success(),
        "cc failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    text
}

#[test]
fn c_program_passes() {
    let exe = build();
    let photo = common::fixtures_dir().join("Landscape_5.jpg");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("abi_test_graph.jpg");
    let text = run(Command::new(&exe).arg(&photo).arg(&out));
    assert!(text.contains("all C ABI checks passed"), "{text}");
    let img = common::decode_rgb(&std::fs::read(&out).unwrap());
    assert_eq!(img.dimensions(), (648, 648));

    if Command::new("valgrind").arg("--version").output().is_ok() {
        // Invalid reads/writes/frees and definite leaks across the ABI are what this run is
        // for. Undefined-value tracking is off: valgrind cannot follow definedness through
        // fast_image_resize's AVX2 kernels and reports their pixels as uninitialised when
        // libjpeg's Huffman coder reads them.
        let text = run(Command::new("valgrind")
            .args([
                "--quiet",
                "--error-exitcode=97",
                "--undef-value-errors=no",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite",
            ])
            .arg(&exe)
            .arg(&photo)
            .arg(&out));
        assert!(text.contains("all C ABI checks passed"), "{text}");
    } else {
        eprintln!("valgrind not installed: the C program ran without it");
    }
}
