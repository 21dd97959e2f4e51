//! The CSV feed reader (`userphoto sync --csv`, `Sync-UserPhoto -CsvPath`, `up_feed_read`):
//! an HR export as bytes, read with the default columns and with named ones.
#![no_main]

use libfuzzer_sys::fuzz_target;
use userphoto::sync::feed::{self, Source};
use userphoto_fuzz::{check_error, scratch};

fuzz_target!(|data: &[u8]| {
    let dir = scratch();
    let path = dir.join("feed.csv");
    std::fs::write(&path, data).expect("scratch file");
    // Default columns, then the columns a caller names (the first two header cells, so
    // generated headers are exercised too).
    let first_line = data.split(|&b| b == b'\n').next().unwrap_or_default();
    let names: Vec<String> = String::from_utf8_lossy(first_line)
        .split(',')
        .take(2)
        .map(|s| s.trim().to_string())
        .collect();
    let asked = [
        (None, None),
        (
            names.first().map(String::as_str),
            names.get(1).map(String::as_str),
        ),
    ];
    for (user_column, path_column) in asked {
        match feed::read_csv(&path, user_column, path_column) {
            Ok(items) => {
                for item in items {
                    let Source::Path(p) = &item.source else {
                        panic!("a CSV feed item that is not a path")
                    };
                    // Relative paths are resolved against the CSV's folder.
                    assert!(p.is_absolute(), "{}", p.display());
                    // A row with neither user nor path is dropped: its path would be the
                    // folder itself, spelt `dir/`. (`Path` equality would also match `dir/.`,
                    // a row whose path is ".", which is kept and fails later by name.)
                    let empty_row = dir.join("");
                    assert!(
                        !(item.user.is_empty() && p.as_os_str() == empty_row.as_os_str()),
                        "an empty row was kept"
                    );
                }
            }
            Err(e) => check_error(&e),
        }
    }
});
