//! Audits of stored photos. The directory audit: every user under the search base (one
//! paged search, [`DirectoryClient::scan`]) whose thumbnailPhoto is over a size, not a JPEG,
//! not square, unreadable or missing; optionally re-encoded to fit in the same run, through
//! the one publishing path ([`crate::publish`]). The tenant audit ([`tenant`]): every Graph
//! user without a photo, with a small or not square one, or (photos downloaded) one that
//! fails the photo checks.

pub mod sheet;
pub mod tenant;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::directory::DirectoryClient;
use crate::error::{Error, Result};
use crate::files::{check_output_folders, write_atomically, write_csv as write_csv_rows};
use crate::photo::{Format, Options, Photo};
use crate::publish::{Destination, PublishOptions, Publisher, Status};
use crate::sync::feed::{Item, Source};
use crate::targets::AD_THUMBNAIL;

/// JSON (all optional): `{"max_bytes": 10240, "include_missing": true, "include_disabled": false,
/// "fix": false, "page_size": 500, "contact_sheet": null, "report_csv": null,
/// "report_json": null}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditOptions {
    /// A thumbnail over this many bytes is flagged (and, with `fix`, re-encoded to fit it).
    pub max_bytes: u64,
    /// List users without a thumbnailPhoto.
    pub include_missing: bool,
    /// Also scan disabled accounts (krbtgt, Guest, leavers).
    pub include_disabled: bool,
    /// Re-encode flagged photos to fit and write them back.
    pub fix: bool,
    /// Entries per page of the paged search.
    pub page_size: i32,
    /// Also write a contact sheet of every user scanned to this HTML file ([`sheet`]).
    pub contact_sheet: Option<String>,
    /// Also write the listed users as CSV ([`write_csv`]) when the audit (and its fix) is done.
    pub report_csv: Option<String>,
    /// Also write the whole report as JSON ([`write_json`]).
    pub report_json: Option<String>,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            max_bytes: AD_THUMBNAIL.max_bytes,
            include_missing: true,
            include_disabled: false,
            fix: false,
            page_size: 500,
            contact_sheet: None,
            report_csv: None,
            report_json: None,
        }
    }
}

/// Why a user is listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditProblem {
    Missing,
    Oversized,
    NotJpeg,
    NotSquare,
    /// The bytes are not a photo the pipeline can read.
    Unreadable,
    /// Graph: the short side is under the largest target's (648 px).
    Small,
}

impl AuditProblem {
    pub fn name(self) -> &'static str {
        match self {
            AuditProblem::Missing => "missing",
            AuditProblem::Oversized => "oversized",
            AuditProblem::NotJpeg => "not-jpeg",
            AuditProblem::NotSquare => "not-square",
            AuditProblem::Unreadable => "unreadable",
            AuditProblem::Small => "small",
        }
    }
}

/// What `fix` did for one user.
#[derive(Debug, Clone, Serialize)]
pub struct AuditFix {
    /// `written`, `unchanged`, or `failed`.
    pub status: String,
    pub bytes: Option<u64>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub error_code: Option<&'static str>,
    pub error: Option<String>,
}

/// One listed user.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// The UPN, else the sAMAccountName, else the DN.
    pub user: String,
    pub dn: String,
    pub bytes: Option<u64>,
    /// `jpeg`, `png`, ... or `unknown`.
    pub format: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub problems: Vec<AuditProblem>,
    pub detail: Option<String>,
    pub fix: Option<AuditFix>,
}

/// JSON: `{"server": "dc1:636", "search_base": "DC=corp,DC=example", "max_bytes": 10240,
///   "scanned": 1200, "with_photo": 900, "listed": 40, "fixed": 0, "fix_failed": 0,
///   "entries": [{"user", "dn", "bytes", "format", "width", "height", "problems": ["oversized", "not-jpeg", ...],
///                "detail", "fix": {"status", "bytes", "width", "height", "error_code", "error"} | null}]}`
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub server: String,
    pub search_base: String,
    pub max_bytes: u64,
    pub scanned: u64,
    pub with_photo: u64,
    pub listed: u64,
    pub fixed: u64,
    pub fix_failed: u64,
    pub entries: Vec<AuditEntry>,
    /// Why a report the options named could not be written (the first failure); the audit
    /// itself, and any fix, went through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_error: Option<String>,
}

/// Look at one stored value.
fn inspect(bytes: &[u8], max_bytes: u64) -> (Vec<AuditProblem>, AuditShape) {
    let mut problems = Vec::new();
    if bytes.len() as u64 > max_bytes {
        problems.push(AuditProblem::Oversized);
    }
    let shape = match Photo::open(bytes, &Options::default()) {
        Ok(p) => {
            let (w, h) = p.dimensions();
            if p.format() != Format::Jpeg {
                problems.push(AuditProblem::NotJpeg);
            }
            if w != h {
                problems.push(AuditProblem::NotSquare);
            }
            AuditShape {
                format: p.format().name().to_ascii_lowercase(),
                width: Some(w),
                height: Some(h),
                detail: None,
            }
        }
        Err(e) => {
            if !bytes.starts_with(&[0xFF, 0xD8]) {
                problems.push(AuditProblem::NotJpeg);
            }
            problems.push(AuditProblem::Unreadable);
            AuditShape {
                format: "unknown".into(),
                width: None,
                height: None,
                detail: Some(format!("[{}] {e}", e.code())),
            }
        }
    };
    (problems, shape)
}

struct AuditShape {
    format: String,
    width: Option<u32>,
    height: Option<u32>,
    detail: Option<String>,
}

/// Audit the directory (blocking; on the library's runtime).
pub fn audit_directory(client: &DirectoryClient, options: &AuditOptions) -> Result<AuditReport> {
    crate::runtime().block_on(audit_directory_async(client, options))
}

pub async fn audit_directory_async(
    client: &DirectoryClient,
    options: &AuditOptions,
) -> Result<AuditReport> {
    if options.max_bytes > AD_THUMBNAIL.max_bytes_ceiling {
        return Err(Error::ThumbnailTooLarge {
            bytes: options.max_bytes,
            limit: AD_THUMBNAIL.max_bytes_ceiling,
        });
    }
    check_output_folders(&[
        ("contact_sheet", &options.contact_sheet),
        ("report_csv", &options.report_csv),
        ("report_json", &options.report_json),
    ])?;
    let max_bytes = options.max_bytes;
    let include_missing = options.include_missing;
    let sheet = options.contact_sheet.is_some();
    let (scan, kept) = client
        .scan(options.include_disabled, options.page_size, |u| {
            let user = u
                .user_principal_name
                .clone()
                .or(u.sam_account_name.clone())
                .unwrap_or_else(|| u.dn.clone());
            let mut entry = AuditEntry {
                user: user.clone(),
                dn: u.dn.clone(),
                bytes: u.thumbnail_bytes,
                format: None,
                width: None,
                height: None,
                problems: Vec::new(),
                detail: None,
                fix: None,
            };
            let thumbnail = if sheet {
                u.thumbnail.as_deref().and_then(sheet::thumbnail_of)
            } else {
                None
            };
            let has_photo = u.thumbnail.is_some();
            let listed = match u.thumbnail {
                None if include_missing => {
                    entry.problems.push(AuditProblem::Missing);
                    Some((entry, None))
                }
                None => None,
                Some(bytes) => {
                    let (problems, shape) = inspect(&bytes, max_bytes);
                    (!problems.is_empty()).then(|| {
                        entry.problems = problems;
                        entry.format = Some(shape.format);
                        entry.width = shape.width;
                        entry.height = shape.height;
                        entry.detail = shape.detail;
                        (entry, Some(bytes))
                    })
                }
            };
            // On the sheet: every user, with the problems found (none for a healthy one; a
            // user without a photo is `missing` there even when such users are not listed).
            let card = sheet.then(|| sheet::Card {
                name: user.clone(),
                user,
                problems: match &listed {
                    Some((e, _)) => e.problems.iter().map(|p| p.name().to_string()).collect(),
                    None if !has_photo => vec![AuditProblem::Missing.name().to_string()],
                    None => Vec::new(),
                },
                thumbnail,
            });
            (listed.is_some() || card.is_some()).then_some((listed, card))
        })
        .await?;
    let mut listed = Vec::new();
    let mut cards = Vec::new();
    for (l, c) in kept {
        listed.extend(l);
        cards.extend(c);
    }
    // The sheet shows what the scan found (before any fix).
    if let Some(path) = &options.contact_sheet {
        let title = format!("Active Directory, {}", scan.search_base);
        sheet::write_contact_sheet(Path::new(path), &title, &cards)?;
    }
    let (mut fixed, mut fix_failed) = (0, 0);
    if options.fix {
        // Re-encoded to fit the audit's budget (and never over the connection's), written
        // back by DN.
        let publisher = Publisher::new(
            vec![Destination::Directory {
                client: client.clone(),
                max_bytes: max_bytes.min(client.target().max_bytes),
            }],
            PublishOptions {
                workers: 1,
                ..PublishOptions::default()
            },
        )?;
        for (entry, bytes) in listed.iter_mut() {
            let Some(bytes) = bytes.take() else { continue };
            let item = Item {
                user: entry.dn.clone(),
                source: Source::Bytes(bytes),
            };
            let f = publisher.publish(&item).await.into_iter().next().map(|p| {
                let r = p.rendition.as_ref();
                AuditFix {
                    status: match p.status() {
                        Status::Uploaded => "written",
                        Status::Unchanged => "unchanged",
                        _ => "failed",
                    }
                    .into(),
                    bytes: r.map(|r| r.bytes),
                    width: r.map(|r| r.width),
                    height: r.map(|r| r.height),
                    error_code: p.error_code(),
                    error: p.error_message(),
                }
            });
            let Some(f) = f else { continue };
            if f.status == "failed" {
                fix_failed += 1;
            } else {
                fixed += 1;
            }
            entry.fix = Some(f);
        }
    }
    let entries: Vec<AuditEntry> = listed.into_iter().map(|(e, _)| e).collect();
    let mut report = AuditReport {
        server: client.server().to_string(),
        search_base: scan.search_base,
        max_bytes,
        scanned: scan.scanned,
        with_photo: scan.with_thumbnail,
        listed: entries.len() as u64,
        fixed,
        fix_failed,
        entries,
        report_error: None,
    };
    let written = [
        options
            .report_csv
            .as_deref()
            .map(|p| write_csv(Path::new(p), &report)),
        options
            .report_json
            .as_deref()
            .map(|p| write_json(Path::new(p), &report)),
    ];
    report.report_error = written
        .into_iter()
        .flatten()
        .find_map(|w| w.err().map(|e| e.to_string()));
    Ok(report)
}

/// Write an audit report as JSON (through a temporary file).
pub fn write_json(path: &Path, report: &AuditReport) -> Result<()> {
    write_atomically(path, &serde_json::to_vec_pretty(report).unwrap_or_default())
}

/// Write an audit report as CSV: one row per listed user.
pub fn write_csv(path: &Path, report: &AuditReport) -> Result<()> {
    let s = |v: Option<String>| v.unwrap_or_default();
    let rows = report.entries.iter().map(|e| {
        let problems: Vec<&str> = e.problems.iter().map(|p| p.name()).collect();
        let fix = e.fix.as_ref();
        vec![
            e.user.clone(),
            e.dn.clone(),
            problems.join(";"),
            s(e.bytes.map(|v| v.to_string())),
            s(e.format.clone()),
            s(e.width.map(|v| v.to_string())),
            s(e.height.map(|v| v.to_string())),
            s(fix.map(|f| f.status.clone())),
            s(fix.and_then(|f| f.bytes).map(|v| v.to_string())),
            s(fix.and_then(|f| f.error_code).map(str::to_string)),
            s(fix.and_then(|f| f.error.clone()).or(e.detail.clone())),
        ]
    });
    write_csv_rows(
        path,
        &[
            "user",
            "dn",
            "problems",
            "bytes",
            "format",
            "width",
            "height",
            "fix_status",
            "fix_bytes",
            "error_code",
            "error",
        ],
        rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_of_stored_values() {
        let (p, _) = inspect(b"GIF89a-not-really", 10240);
        assert!(p.contains(&AuditProblem::NotJpeg) && p.contains(&AuditProblem::Unreadable));
        let big = vec![0u8; 20000];
        let (p, _) = inspect(&big, 10240);
        assert!(p.contains(&AuditProblem::Oversized));
    }
}
