//! Run reports: one row per user, as CSV and JSON, written through a temporary file.

use std::path::Path;

use super::{Summary, UserResult};
use crate::error::Result;
use crate::files::{write_atomically, write_csv as write_csv_rows};

pub fn write_json(path: &Path, results: &[UserResult], summary: &Summary) -> Result<()> {
    let doc = serde_json::json!({"summary": summary, "results": results});
    write_atomically(path, &serde_json::to_vec_pretty(&doc).unwrap_or_default())
}

pub fn write_csv(path: &Path, results: &[UserResult]) -> Result<()> {
    let opt = |v: Option<String>| v.unwrap_or_default();
    let rows = results.iter().map(|r| {
        vec![
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
        ]
    });
    write_csv_rows(
        path,
        &[
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
        ],
        rows,
    )
}
