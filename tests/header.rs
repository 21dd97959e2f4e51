//! The committed include/userphoto.h equals what the pinned cbindgen generates (build.rs
//! writes the fresh one to OUT_DIR).

#[test]
fn committed_header_matches_cbindgen() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/userphoto.h"));
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/userphoto.h"))
            .unwrap();
    assert!(
        generated == committed,
        "include/userphoto.h is stale: run `cargo build` outside CI (build.rs rewrites it) and commit it"
    );
}
