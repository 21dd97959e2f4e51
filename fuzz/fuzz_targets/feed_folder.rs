//! The folder feed reader (`userphoto sync --folder`): file names become users
//! (`alice@contoso.com.jpg` is alice@contoso.com's photo). Each input line names a file.
#![no_main]

use std::os::unix::ffi::OsStrExt;

use libfuzzer_sys::fuzz_target;
use userphoto::sync::feed;
use userphoto_fuzz::{check_error, scratch};

fuzz_target!(|data: &[u8]| {
    let dir = scratch().join("photos");
    std::fs::create_dir_all(&dir).expect("scratch folder");
    for name in data.split(|&b| b == b'\n').take(64) {
        // Names the file system cannot hold are not a feed's problem.
        if name.is_empty() || name.len() > 255 || name.contains(&b'/') || name.contains(&0) {
            continue;
        }
        let name = std::ffi::OsStr::from_bytes(name);
        if name == "." || name == ".." {
            continue;
        }
        let _ = std::fs::write(dir.join(name), b"x");
    }
    match feed::read_folder(&dir) {
        Ok(items) => {
            assert!(
                items.windows(2).all(|w| w[0].user <= w[1].user),
                "not sorted by user"
            );
            for item in &items {
                assert!(
                    !item.user.is_empty(),
                    "a photo without a user: {}",
                    item.source.describe()
                );
            }
        }
        Err(e) => check_error(&e),
    }
});
