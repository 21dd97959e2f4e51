//! Run reports: one row per user, as CSV and JSON, written through a temporary file.

use std::path::Path;

use super::{Summary, UserResult};
use crate::error::{Error, Result};
use crate::files::write_atomically;

pub fn write_json(path: &Path, results: &[UserResult], summary: &Summary) -> Result<()> {
    let doc = serde_json::json!({"summary": summary, "results": results});
    write_atomically(path, &serde_json::to_vec_pretty(&doc).unwrap_or_default())
}

pub fn write_csv(path: &Path, results: &[UserResult]) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::Io {
        path: path.display().to_string(),
        source: std::io::Error::other(e.to_string()),
    };
    w.write_record([
        "user",
        "destination",
        "status",
        "bytes",
        "width",
        "height",
        "quality",
        "attempts",
        "error_code",
        "error",
        "source",
        "crop",
        "checks",
    ])
    .map_err(fail)?;
    let opt = |v: Option<String>| v.unwrap_or_default();
    for r in results {
        w.write_record([
            r.user.clone(),
            r.destination.to_string(),
            serde_json::to_value(r.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            opt(r.bytes.map(|v| v.to_string())),
            opt(r.width.map(|v| v.to_string())),
            opt(r.height.map(|v| v.to_string())),
            opt(r.quality.map(|v| v.to_string())),
            r.attempts.to_string(),
            opt(r.error_code.map(str::to_string)),
            opt(r.error.clone()),
            r.source.clone(),
            opt(r.crop.map(|c| c.as_str().to_string())),
            r.checks
                .iter()
                .map(|c| c.code.as_str())
                .collect::<Vec<_>>()
                .join(";"),
        ])
        .map_err(fail)?;
    }
    let data = w.into_inner().map_err(|e| Error::Io {
        path: path.display().to_string(),
        source: std::io::Error::other(e.to_string()),
    })?;
    write_atomically(path, &data)
}
