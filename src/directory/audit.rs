//! Audit: every user under the search base (paged search) whose thumbnailPhoto is over a size,
//! not a JPEG, not square, unreadable or missing; optionally re-encoded to fit in the same run.

use std::path::Path;

use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{LdapError, Scope, SearchEntry};
use serde::{Deserialize, Serialize};

use super::client::{to_user, DirectoryClient, DirectoryStatus, USER_ATTRIBUTES, USER_FILTER};
use crate::error::{Error, Result};
use crate::graph::runtime;
use crate::photo::{Format, Options, Photo};
use crate::targets::{TargetRequest, TargetSpecRequest, AD_THUMBNAIL};

/// JSON (all optional): `{"max_bytes": 10240, "include_missing": true, "include_disabled": false,
/// "fix": false, "page_size": 500}`.
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
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            max_bytes: AD_THUMBNAIL.max_bytes,
            include_missing: true,
            include_disabled: false,
            fix: false,
            page_size: 500,
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
}

impl AuditProblem {
    pub fn name(self) -> &'static str {
        match self {
            AuditProblem::Missing => "missing",
            AuditProblem::Oversized => "oversized",
            AuditProblem::NotJpeg => "not-jpeg",
            AuditProblem::NotSquare => "not-square",
            AuditProblem::Unreadable => "unreadable",
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

impl DirectoryClient {
    /// Scan every user under the search base (blocking; paged search).
    pub fn audit(&self, options: &AuditOptions) -> Result<AuditReport> {
        runtime().block_on(self.audit_async(options))
    }

    pub async fn audit_async(&self, options: &AuditOptions) -> Result<AuditReport> {
        if options.max_bytes > AD_THUMBNAIL.max_bytes_ceiling {
            return Err(Error::ThumbnailTooLarge {
                bytes: options.max_bytes,
                limit: AD_THUMBNAIL.max_bytes_ceiling,
            });
        }
        if options.page_size < 1 {
            return Err(Error::InvalidOptions("page_size must be at least 1".into()));
        }
        let base = self.search_base().await?;
        let max_bytes = options.max_bytes;
        let include_missing = options.include_missing;
        let page_size = options.page_size;
        let filter = if options.include_disabled {
            USER_FILTER.to_string()
        } else {
            // userAccountControl bit 2 (ACCOUNTDISABLE), by the bitwise-AND matching rule.
            format!("(&{USER_FILTER}(!(userAccountControl:1.2.840.113556.1.4.803:=2)))")
        };
        // The whole scan is one call: a connection that breaks before the scan ends gets one
        // fresh connection and a fresh scan.
        let (scanned, with_photo, mut listed, res) = self
            .call_scan("audit search", |mut l| {
                let (base, filter) = (base.clone(), filter.clone());
                async move {
                    let adapters: Vec<Box<dyn Adapter<_, _>>> = vec![
                        Box::new(EntriesOnly::new()),
                        Box::new(PagedResults::new(page_size)),
                    ];
                    let mut stream = l
                        .streaming_search_with(
                            adapters,
                            &base,
                            Scope::Subtree,
                            &filter,
                            USER_ATTRIBUTES.to_vec(),
                        )
                        .await?;
                    let (mut scanned, mut with_photo) = (0u64, 0u64);
                    let mut listed: Vec<(AuditEntry, Option<Vec<u8>>)> = Vec::new();
                    while let Some(e) = stream.next().await? {
                        scanned += 1;
                        let u = to_user(&SearchEntry::construct(e));
                        let name = u
                            .user_principal_name
                            .clone()
                            .or(u.sam_account_name.clone())
                            .unwrap_or_else(|| u.dn.clone());
                        let mut entry = AuditEntry {
                            user: name,
                            dn: u.dn.clone(),
                            bytes: u.thumbnail_bytes,
                            format: None,
                            width: None,
                            height: None,
                            problems: Vec::new(),
                            detail: None,
                            fix: None,
                        };
                        match u.thumbnail {
                            None => {
                                if include_missing {
                                    entry.problems.push(AuditProblem::Missing);
                                    listed.push((entry, None));
                                }
                            }
                            Some(bytes) => {
                                with_photo += 1;
                                let (problems, shape) = inspect(&bytes, max_bytes);
                                if !problems.is_empty() {
                                    entry.problems = problems;
                                    entry.format = Some(shape.format);
                                    entry.width = shape.width;
                                    entry.height = shape.height;
                                    entry.detail = shape.detail;
                                    listed.push((entry, Some(bytes)));
                                }
                            }
                        }
                    }
                    let res = stream.finish().await;
                    Ok((scanned, with_photo, listed, res))
                }
            })
            .await?;
        if res.rc != 0 {
            return Err(self.map_error(LdapError::LdapResult { result: res }, "audit search", ""));
        }
        let (mut fixed, mut fix_failed) = (0, 0);
        if options.fix {
            for (entry, bytes) in listed.iter_mut() {
                let Some(bytes) = bytes.take() else { continue };
                let f = self.fix_one(&entry.dn, &bytes, max_bytes).await;
                if f.status == "failed" {
                    fix_failed += 1;
                } else {
                    fixed += 1;
                }
                entry.fix = Some(f);
            }
        }
        let entries: Vec<AuditEntry> = listed.into_iter().map(|(e, _)| e).collect();
        Ok(AuditReport {
            server: self.server().to_string(),
            search_base: base,
            max_bytes,
            scanned,
            with_photo,
            listed: entries.len() as u64,
            fixed,
            fix_failed,
            entries,
        })
    }

    async fn fix_one(&self, dn: &str, bytes: &[u8], max_bytes: u64) -> AuditFix {
        let options = Options {
            targets: vec![TargetRequest::Spec(TargetSpecRequest {
                target: Some(AD_THUMBNAIL.name.into()),
                size: None,
                max_bytes: Some(max_bytes.min(self.target().max_bytes)),
                quality: None,
            })],
            ..Options::default()
        };
        let src = bytes.to_vec();
        let rendered = tokio::task::spawn_blocking(move || crate::photo::render(&src, &options))
            .await
            .map_err(|e| Error::Encode(format!("rendering stopped: {e}")))
            .and_then(|r| r);
        let result = match rendered {
            Ok(mut out) => {
                let r = out.renditions.remove(0);
                self.put_thumbnail(dn, &r.data).await.map(|o| (o, r))
            }
            Err(e) => Err(e),
        };
        match result {
            Ok((o, r)) => AuditFix {
                status: if o.status == DirectoryStatus::Unchanged {
                    "unchanged".into()
                } else {
                    "written".into()
                },
                bytes: Some(r.bytes),
                width: Some(r.width),
                height: Some(r.height),
                error_code: None,
                error: None,
            },
            Err(e) => AuditFix {
                status: "failed".into(),
                bytes: None,
                width: None,
                height: None,
                error_code: Some(e.code()),
                error: Some(e.to_string()),
            },
        }
    }
}

/// Write an audit report as JSON (through a temporary file).
pub fn write_json(path: &Path, report: &AuditReport) -> Result<()> {
    crate::sync::report::write_atomically(
        path,
        &serde_json::to_vec_pretty(report).unwrap_or_default(),
    )
}

/// Write an audit report as CSV: one row per listed user.
pub fn write_csv(path: &Path, report: &AuditReport) -> Result<()> {
    let fail = |e: csv::Error| Error::Io {
        path: path.display().to_string(),
        source: std::io::Error::other(e.to_string()),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
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
    ])
    .map_err(fail)?;
    let s = |v: Option<String>| v.unwrap_or_default();
    for e in &report.entries {
        let problems: Vec<&str> = e.problems.iter().map(|p| p.name()).collect();
        let fix = e.fix.as_ref();
        w.write_record([
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
        ])
        .map_err(fail)?;
    }
    let data = w.into_inner().map_err(|e| Error::Io {
        path: path.display().to_string(),
        source: std::io::Error::other(e.to_string()),
    })?;
    crate::sync::report::write_atomically(path, &data)
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
