//! Generates the C header from src/capi/ with the pinned cbindgen.
//!
//! The header is always written to OUT_DIR (the drift test compares it with the committed
//! include/userphoto.h). Outside CI it is also written to include/ so that developers commit
//! the updated header with the change that caused it; in CI (`CI` set) include/ is left as
//! committed, so a stale header fails the test instead of being silently fixed.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src/capi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=CI");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("userphoto.h");
    let config =
        cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml is valid");
    let bindings = match cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/capi/mod.rs"))
        .generate()
    {
        Ok(b) => b,
        // A syntax error is reported better by rustc, which runs next.
        Err(cbindgen::Error::ParseSyntaxError { .. }) => return,
        Err(e) => panic!("cbindgen: {e}"),
    };
    bindings.write_to_file(&out);
    if std::env::var_os("CI").is_none() {
        bindings.write_to_file(root.join("include/userphoto.h"));
    }
}
