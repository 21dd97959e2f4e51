//! Writing files so that a failure never leaves a partial one behind.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Write `data` to `path` through a temporary file beside it (`<name>.partial`), flushed to
/// disk, and a rename: readers see the old file or the whole new one.
pub fn write_atomically(path: &Path, data: &[u8]) -> Result<()> {
    let io = |source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    let tmp = path.with_file_name(name);
    let mut f = std::fs::File::create(&tmp).map_err(io)?;
    f.write_all(data).and_then(|()| f.sync_all()).map_err(io)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io)
}

/// Refuse output files (option name, path) whose folder does not exist: found before a long
/// run, not after it.
pub fn check_output_folders(outputs: &[(&str, &Option<String>)]) -> Result<()> {
    for (what, path) in outputs {
        let Some(path) = path else { continue };
        let folder = Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if path.is_empty() || !folder.is_dir() {
            return Err(Error::InvalidOptions(format!(
                "{what} {path:?}: the folder {} does not exist",
                folder.display()
            )));
        }
    }
    Ok(())
}

/// Write a CSV file (a header row, then `rows`) through [`write_atomically`].
pub fn write_csv<R, F>(path: &Path, header: &[&str], rows: R) -> Result<()>
where
    R: IntoIterator<Item = Vec<F>>,
    F: AsRef<[u8]>,
{
    let fail = |e: &dyn std::fmt::Display| Error::Io {
        path: path.display().to_string(),
        source: std::io::Error::other(e.to_string()),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(|e| fail(&e))?;
    for row in rows {
        w.write_record(&row).map_err(|e| fail(&e))?;
    }
    let data = w.into_inner().map_err(|e| fail(&e))?;
    write_atomically(path, &data)
}
