//! The tenant audit: every user of Microsoft Graph (paged `GET /users`), each user's photo
//! metadata (and, when asked, the photo itself with the photo checks) read in JSON batches of
//! 20, classified, one result per user as it is known.
//!
//! [`audit_tenant`] blocks and hands each result to a closure (the CLI); an [`AuditJob`] works
//! on the library's runtime and is polled for events like a sync job (the C ABI, PowerShell).
//! Both write the contact sheet and the reports the options name, once every user has been
//! audited: an audit that was cancelled or stopped early writes none of them, so that a file
//! at that path is never a partial audit passed off as a whole one.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;

use super::AuditProblem;
use crate::error::{Error, Result};
use crate::files::{check_output_folders, write_atomically, write_csv as write_csv_rows};
use crate::graph::{
    sized_photo_url, user_path, BatchAnswer, GraphClient, ListedUser, PhotoMeta, MAX_BATCH,
};
use crate::photo::Check;
use crate::sync::{Events, Poll};
use crate::targets::GRAPH;

/// JSON (all optional): `{"include_disabled": false, "filter": null, "page_size": 999,
/// "batch": true, "photos": false, "min_side": 648, "contact_sheet": null,
/// "report_csv": null, "report_json": null}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TenantAuditOptions {
    /// Also audit disabled accounts (by default `$filter=accountEnabled eq true`).
    pub include_disabled: bool,
    /// An OData `$filter` for the users listed, instead of the enabled-accounts one.
    pub filter: Option<String>,
    /// Users per page (`$top`, 1-999).
    pub page_size: u32,
    /// Read photos in JSON batches of 20 (off: one request per user).
    pub batch: bool,
    /// Also download each photo and run the photo checks (faces, light, detail).
    pub photos: bool,
    /// A photo whose short side is under this many pixels is `small`.
    pub min_side: u32,
    /// Also write a contact sheet of every user to this HTML file. Its thumbnails are Graph's
    /// 96 x 96 copies (`/photos/96x96/$value`, in batches too), or with `photos` rendered
    /// from the photos downloaded.
    pub contact_sheet: Option<String>,
    /// Also write every user's result as CSV ([`write_csv`]).
    pub report_csv: Option<String>,
    /// Also write the summary and every user's result as JSON ([`write_json`]).
    pub report_json: Option<String>,
}

impl Default for TenantAuditOptions {
    fn default() -> Self {
        TenantAuditOptions {
            include_disabled: false,
            filter: None,
            page_size: 999,
            batch: true,
            photos: false,
            min_side: GRAPH.size,
            contact_sheet: None,
            report_csv: None,
            report_json: None,
        }
    }
}

impl TenantAuditOptions {
    /// Refuse options that could only fail later: a page size Graph refuses, an output file in
    /// a folder that does not exist (found before the audit, not after it).
    fn check(&self) -> Result<()> {
        if !(1..=999).contains(&self.page_size) {
            return Err(Error::InvalidOptions(format!(
                "page_size {} is outside Graph's 1-999",
                self.page_size
            )));
        }
        check_output_folders(&[
            ("contact_sheet", &self.contact_sheet),
            ("report_csv", &self.report_csv),
            ("report_json", &self.report_json),
        ])
    }
}

/// One user's result.
#[derive(Debug, Clone, Serialize)]
pub struct TenantEntry {
    /// The UPN, else the object id.
    pub user: String,
    pub id: String,
    pub display_name: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub content_type: Option<String>,
    pub problems: Vec<AuditProblem>,
    /// The photo checks (with `photos`).
    pub checks: Vec<Check>,
    /// A 96 px JPEG of the photo, when a contact sheet is written (moved onto the sheet
    /// before the entry is handed out; not serialised).
    #[serde(skip)]
    pub thumbnail: Option<Vec<u8>>,
    /// What made a photo `unreadable`.
    pub detail: Option<String>,
    /// Why this user could not be audited (wholly or in part: a user whose photo download
    /// failed keeps the problems its metadata showed).
    pub error_code: Option<String>,
    pub error: Option<String>,
}

/// JSON: `{"graph_endpoint", "users", "with_photo", "listed", "failed", "requests",
///   "problems": {"missing": 3, ...}, "checks": {"no-face": 1, ...}, "cancelled",
///   "report_error", "error_code", "error"}` (the last three only when something went wrong).
#[derive(Debug, Clone, Default, Serialize)]
pub struct TenantAuditSummary {
    pub graph_endpoint: String,
    pub users: u64,
    pub with_photo: u64,
    /// Users with at least one problem or check, or a failed read: the users the CLI prints
    /// and PowerShell writes.
    pub listed: u64,
    /// Users that could not be audited (wholly or in part).
    pub failed: u64,
    /// HTTP requests sent to Graph for the audit (pages + batches or single reads; retries
    /// inside the client not counted).
    pub requests: u64,
    pub problems: BTreeMap<String, u64>,
    pub checks: BTreeMap<String, u64>,
    /// An [`AuditJob`] cancelled before it ended (no sheet or report written).
    pub cancelled: bool,
    /// Why the contact sheet or a report could not be written (the first failure); the audit
    /// itself is complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_error: Option<String>,
    /// Why an [`AuditJob`] stopped before the end ([`audit_tenant`] returns this error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What an audit reports, as a sync job's events: `{"event": "progress", "done", "submitted"}`
/// (users audited of the users listed so far: Graph gives no total up front),
/// `{"event": "result", ...a TenantEntry}`, `{"event": "finished", ...the summary}`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum AuditEvent {
    Progress { done: u64, submitted: u64 },
    Result(TenantEntry),
    Finished(TenantAuditSummary),
}

const SELECT: &str = "id,userPrincipalName,displayName,accountEnabled";

/// The side of the thumbnails on a contact sheet (Graph keeps a copy at this size).
const THUMBNAIL_SIDE: u32 = 96;

/// Audit the tenant (blocking; on the library's runtime). `on_entry` gets each user's result
/// as soon as it is known (its thumbnail moves to the contact sheet when one is written).
pub fn audit_tenant(
    client: &GraphClient,
    options: &TenantAuditOptions,
    mut on_entry: impl FnMut(TenantEntry) + Send,
) -> Result<TenantAuditSummary> {
    options.check()?;
    let never = AtomicBool::new(false);
    let mut summary = summary_for(client);
    crate::runtime().block_on(run(client, options, &never, &mut summary, |e| {
        if let AuditEvent::Result(e) = e {
            on_entry(e);
        }
    }))?;
    Ok(summary)
}

/// A tenant audit running on the library's runtime, polled for [`AuditEvent`]s. Dropping it
/// cancels it.
pub struct AuditJob {
    events: Events<AuditEvent>,
    cancel: Arc<AtomicBool>,
}

impl Drop for AuditJob {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::SeqCst);
    }
}

impl AuditJob {
    /// Start auditing; options that cannot work are refused here, before any request.
    pub fn start(client: GraphClient, options: TenantAuditOptions) -> Result<AuditJob> {
        options.check()?;
        let (tx, events) = mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        let endpoint = client.graph_endpoint().to_string();
        crate::runtime().spawn(async move {
            let mut summary = summary_for(&client);
            let sender = tx.clone();
            // Its own task, so that a panic ends the audit with an error, not silence.
            let audit = tokio::spawn(async move {
                let result = run(&client, &options, &flag, &mut summary, |e| {
                    let _ = sender.send(e);
                })
                .await;
                (summary, result)
            })
            .await;
            let summary = match audit {
                Ok((summary, Ok(()))) => summary,
                Ok((mut summary, Err(e))) => {
                    summary.error_code = Some(e.code().into());
                    summary.error = Some(e.to_string());
                    summary
                }
                Err(e) => TenantAuditSummary {
                    graph_endpoint: endpoint,
                    error_code: Some("panic".into()),
                    error: Some(format!(
                        "internal error in userphoto (please report it): {e}"
                    )),
                    ..TenantAuditSummary::default()
                },
            };
            let _ = tx.send(AuditEvent::Finished(summary));
        });
        Ok(AuditJob {
            events: Events::new(events, |e| matches!(e, AuditEvent::Finished(_))),
            cancel,
        })
    }

    /// The flag that stops the audit (no further group or page is started; the groups in
    /// flight finish and are reported), for a canceller on another thread.
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        self.cancel.clone()
    }

    /// Wait up to `timeout` for the next event.
    pub fn poll(&mut self, timeout: Duration) -> Poll<AuditEvent> {
        self.events.poll(timeout)
    }
}

fn summary_for(client: &GraphClient) -> TenantAuditSummary {
    TenantAuditSummary {
        graph_endpoint: client.graph_endpoint().to_string(),
        ..Default::default()
    }
}

/// The audit itself: pages, groups, events; then the sheet and the reports (only when every
/// user was audited).
async fn run(
    client: &GraphClient,
    options: &TenantAuditOptions,
    cancel: &AtomicBool,
    summary: &mut TenantAuditSummary,
    mut on_event: impl FnMut(AuditEvent),
) -> Result<()> {
    let filter = match (&options.filter, options.include_disabled) {
        (Some(f), _) => Some(f.clone()),
        (None, false) => Some("accountEnabled eq true".to_string()),
        (None, true) => None,
    };
    let keep = options.report_csv.is_some() || options.report_json.is_some();
    let mut kept: Vec<TenantEntry> = Vec::new();
    let mut cards = Vec::new();
    let mut submitted = 0u64;
    let mut next: Option<String> = None;
    loop {
        // A cancel stops the page or the groups in flight too (reads only: nothing is left
        // half done); dropping the JoinSet aborts its tasks.
        let page = client.list_users_page(
            SELECT,
            filter.as_deref(),
            options.page_size,
            next.as_deref(),
        );
        let Some(page) = until_cancelled(cancel, page).await else {
            summary.cancelled = true;
            return Ok(());
        };
        let (users, link) = page?;
        summary.requests += 1;
        submitted += users.len() as u64;
        on_event(AuditEvent::Progress {
            done: summary.users,
            submitted,
        });
        // Groups of 20 users (one batch, or 20 single reads each), at most the client's
        // concurrency in flight; results stream out as groups finish.
        let mut groups = users.chunks(MAX_BATCH).map(<[ListedUser]>::to_vec);
        let mut running = JoinSet::new();
        let mut in_flight = std::collections::HashMap::new();
        loop {
            while running.len() < client.max_concurrency() {
                let Some(group) = groups.next() else { break };
                let (c, o, g) = (client.clone(), options.clone(), group.clone());
                let task = running.spawn(async move { audit_group(&c, &o, g).await });
                in_flight.insert(task.id(), group);
            }
            let Some(done) = until_cancelled(cancel, running.join_next_with_id()).await else {
                summary.cancelled = true;
                return Ok(());
            };
            let Some(done) = done else { break };
            let (entries, requests) = match done {
                Ok((id, result)) => {
                    in_flight.remove(&id);
                    result
                }
                // A bug in one group: its users are reported failed, the audit goes on.
                Err(e) => {
                    let group = in_flight.remove(&e.id()).unwrap_or_default();
                    (panicked(&group, &e.to_string()), 0)
                }
            };
            summary.requests += requests;
            for mut e in entries {
                count(summary, &e);
                let thumbnail = e.thumbnail.take();
                if options.contact_sheet.is_some() {
                    cards.push(e.card(thumbnail));
                }
                if keep {
                    kept.push(e.clone());
                }
                on_event(AuditEvent::Result(e));
            }
            on_event(AuditEvent::Progress {
                done: summary.users,
                submitted,
            });
        }
        match link {
            Some(l) => next = Some(l),
            None => break,
        }
    }
    // Cancelled while the last groups ran: every user was read, but the caller has gone.
    if cancel.load(Ordering::SeqCst) {
        summary.cancelled = true;
        return Ok(());
    }
    // Every output asked for is attempted (file work: off the runtime's workers); the first
    // failure is named in the summary: the audit itself is complete.
    let title = client
        .tenant()
        .unwrap_or(client.graph_endpoint())
        .to_string();
    let (options, done) = (options.clone(), summary.clone());
    let written = tokio::task::spawn_blocking(move || {
        let sheet = options
            .contact_sheet
            .as_deref()
            .map(|p| super::sheet::write_contact_sheet(Path::new(p), &title, &cards));
        let csv = options
            .report_csv
            .as_deref()
            .map(|p| write_csv(Path::new(p), &kept));
        let json = options
            .report_json
            .as_deref()
            .map(|p| write_json(Path::new(p), &done, &kept));
        [sheet, csv, json]
            .into_iter()
            .flatten()
            .find_map(|w| w.err().map(|e| e.to_string()))
    })
    .await;
    summary.report_error = match written {
        Ok(error) => error,
        Err(e) => Some(format!("writing the outputs stopped: {e}")),
    };
    Ok(())
}

/// Await `work`, or None as soon as `cancel` is set (checked every 50 ms).
async fn until_cancelled<T>(
    cancel: &AtomicBool,
    work: impl std::future::Future<Output = T>,
) -> Option<T> {
    tokio::pin!(work);
    loop {
        if cancel.load(Ordering::SeqCst) {
            return None;
        }
        tokio::select! {
            out = &mut work => return Some(out),
            () = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    }
}

/// The users of a group whose task panicked (a bug), as failed entries.
fn panicked(group: &[ListedUser], why: &str) -> Vec<TenantEntry> {
    group
        .iter()
        .map(|u| TenantEntry {
            error_code: Some("panic".into()),
            error: Some(format!(
                "internal error in userphoto (please report it): {why}"
            )),
            ..entry_of(u)
        })
        .collect()
}

fn count(summary: &mut TenantAuditSummary, e: &TenantEntry) {
    summary.users += 1;
    if e.error.is_some() {
        summary.failed += 1;
    }
    if e.width.is_some() {
        summary.with_photo += 1;
    }
    if !e.problems.is_empty() || !e.checks.is_empty() || e.error.is_some() {
        summary.listed += 1;
    }
    for p in &e.problems {
        *summary.problems.entry(p.name().to_string()).or_default() += 1;
    }
    for c in &e.checks {
        *summary
            .checks
            .entry(c.code.as_str().to_string())
            .or_default() += 1;
    }
}

/// Metadata (and photos) of up to 20 users; the entries and the requests sent.
async fn audit_group(
    client: &GraphClient,
    options: &TenantAuditOptions,
    users: Vec<ListedUser>,
) -> (Vec<TenantEntry>, u64) {
    let mut entries: Vec<TenantEntry> = users.iter().map(entry_of).collect();
    let mut requests = 0;
    // Metadata.
    let metas: Vec<Outcome<Option<PhotoMeta>>> = if options.batch {
        let urls: Vec<String> = users
            .iter()
            .map(|u| format!("/{}/photo", user_path(&u.id)))
            .collect();
        requests += 1;
        match client.batch_get(&urls).await {
            Ok(answers) => answers
                .into_iter()
                .zip(&users)
                .map(|(a, u)| meta_of(&u.id, a))
                .collect(),
            Err(e) => users.iter().map(|_| Err(failed(&e))).collect(),
        }
    } else {
        let mut out = Vec::with_capacity(users.len());
        for u in &users {
            requests += 1;
            out.push(client.photo_meta(&u.id).await.map_err(|e| failed(&e)));
        }
        out
    };
    for (e, m) in entries.iter_mut().zip(metas) {
        match m {
            Ok(None) => e.problems.push(AuditProblem::Missing),
            Ok(Some(m)) => {
                e.content_type = m.content_type.clone();
                e.width = m.width;
                e.height = m.height;
                if let (Some(w), Some(h)) = (m.width, m.height) {
                    if w.min(h) < options.min_side {
                        e.problems.push(AuditProblem::Small);
                    }
                    if w != h {
                        e.problems.push(AuditProblem::NotSquare);
                    }
                }
            }
            Err((code, message)) => {
                e.error_code = Some(code);
                e.error = Some(message);
            }
        }
    }
    // With `photos`: each photo, for the checks and a thumbnail. With a contact sheet only:
    // Graph's own 96 x 96 copy, for the thumbnail (a photo under 96 px as it is).
    let thumbnails_only = !options.photos && options.contact_sheet.is_some();
    if options.photos || thumbnails_only {
        let with: Vec<usize> = (0..entries.len())
            .filter(|&i| entries[i].width.is_some())
            .collect();
        let side = |e: &TenantEntry| {
            let short = e.width.unwrap_or(0).min(e.height.unwrap_or(0));
            (thumbnails_only && short >= THUMBNAIL_SIDE).then_some(THUMBNAIL_SIDE)
        };
        let photos: Vec<Outcome<Vec<u8>>> = if options.batch && !with.is_empty() {
            let urls: Vec<String> = with
                .iter()
                .map(|&i| sized_photo_url(&entries[i].id, side(&entries[i])))
                .collect();
            requests += 1;
            match client.batch_get(&urls).await {
                Ok(answers) => answers
                    .into_iter()
                    .zip(&with)
                    .map(|(a, &i)| bytes_of(&entries[i].id, a))
                    .collect(),
                Err(e) => with.iter().map(|_| Err(failed(&e))).collect(),
            }
        } else {
            let mut out = Vec::with_capacity(with.len());
            for &i in &with {
                requests += 1;
                let id = &entries[i].id;
                let read = match side(&entries[i]) {
                    Some(n) => client.get_photo_sized(id, n).await,
                    None => client.get_photo(id).await.map(|(b, _)| b),
                };
                out.push(read.map_err(|e| failed(&e)));
            }
            out
        };
        // Decoding, face detection and encoding are CPU work: off the runtime's workers, so
        // the other groups' requests keep moving.
        let pairs: Vec<(usize, Outcome<Vec<u8>>)> = with.into_iter().zip(photos).collect();
        let mut moved = std::mem::take(&mut entries);
        let done = tokio::task::spawn_blocking(move || {
            for (i, p) in pairs {
                let e = &mut moved[i];
                match p {
                    Ok(bytes) if thumbnails_only => {
                        e.thumbnail = super::sheet::thumbnail_of(&bytes)
                    }
                    Ok(bytes) => look_at(e, &bytes),
                    // Only a picture on the sheet was missed: the card shows initials.
                    Err(_) if thumbnails_only => {}
                    Err((code, message)) => {
                        e.error_code = Some(code);
                        e.error = Some(message);
                    }
                }
            }
            moved
        })
        .await;
        // Only a panic in the pipeline gets here: the group's users are reported failed.
        entries = done.unwrap_or_else(|e| panicked(&users, &format!("checking the photos: {e}")));
    }
    (entries, requests)
}

fn entry_of(u: &ListedUser) -> TenantEntry {
    TenantEntry {
        user: u
            .user_principal_name
            .clone()
            .unwrap_or_else(|| u.id.clone()),
        id: u.id.clone(),
        display_name: u.display_name.clone(),
        width: None,
        height: None,
        content_type: None,
        problems: Vec::new(),
        checks: Vec::new(),
        thumbnail: None,
        detail: None,
        error_code: None,
        error: None,
    }
}

/// A read's result: the value, or the error's code and message.
type Outcome<T> = std::result::Result<T, (String, String)>;

fn failed(e: &Error) -> (String, String) {
    (e.code().to_string(), e.to_string())
}

/// A batch answer to `GET /users/{id}/photo`.
fn meta_of(user: &str, a: BatchAnswer) -> Outcome<Option<PhotoMeta>> {
    match a.status {
        200 => serde_json::from_value(a.json).map(Some).map_err(|e| {
            (
                "graph".into(),
                format!("{user}: photo metadata is not the JSON Graph sends: {e}"),
            )
        }),
        _ => match a.failure(user) {
            Error::NoPhoto { .. } => Ok(None),
            e => Err(failed(&e)),
        },
    }
}

/// A batch answer to `GET /users/{id}/photo/$value`.
fn bytes_of(user: &str, a: BatchAnswer) -> Outcome<Vec<u8>> {
    match a.status {
        200 if a.bytes.is_some() => Ok(a.bytes.unwrap_or_default()),
        _ => Err(failed(&a.failure(user))),
    }
}

/// The photo checks and a thumbnail of downloaded bytes, in one decode; a photo the pipeline
/// cannot read is `unreadable`. (A source under 648 px is the `small` problem already, from
/// the metadata.)
fn look_at(e: &mut TenantEntry, bytes: &[u8]) {
    match super::sheet::render_thumbnail(bytes) {
        Ok(out) => {
            e.checks = out.checks;
            e.thumbnail = out.renditions.into_iter().next().map(|r| r.data);
        }
        Err(err) => {
            e.problems.push(AuditProblem::Unreadable);
            e.detail = Some(format!("[{}] {err}", err.code()));
        }
    }
}

/// Write the entries as CSV: one row per user.
pub fn write_csv(path: &Path, entries: &[TenantEntry]) -> Result<()> {
    let s = |v: Option<String>| v.unwrap_or_default();
    let rows = entries.iter().map(|e| {
        let problems: Vec<&str> = e.problems.iter().map(|p| p.name()).collect();
        let checks: Vec<&str> = e.checks.iter().map(|c| c.code.as_str()).collect();
        vec![
            e.user.clone(),
            e.id.clone(),
            s(e.display_name.clone()),
            problems.join(";"),
            checks.join(";"),
            s(e.width.map(|v| v.to_string())),
            s(e.height.map(|v| v.to_string())),
            s(e.content_type.clone()),
            s(e.error_code.clone()),
            s(e.error.clone().or(e.detail.clone())),
        ]
    });
    write_csv_rows(
        path,
        &[
            "user",
            "id",
            "display_name",
            "problems",
            "checks",
            "width",
            "height",
            "content_type",
            "error_code",
            "error",
        ],
        rows,
    )
}

/// Write the summary and the entries as one JSON document.
pub fn write_json(
    path: &Path,
    summary: &TenantAuditSummary,
    entries: &[TenantEntry],
) -> Result<()> {
    let doc = serde_json::json!({ "summary": summary, "entries": entries });
    write_atomically(path, &serde_json::to_vec_pretty(&doc).unwrap_or_default())
}

impl TenantEntry {
    /// This user on a contact sheet, with `thumbnail`.
    pub fn card(&self, thumbnail: Option<Vec<u8>>) -> super::sheet::Card {
        let mut problems: Vec<String> =
            self.problems.iter().map(|p| p.name().to_string()).collect();
        problems.extend(self.checks.iter().map(|c| c.code.as_str().to_string()));
        if self.error.is_some() {
            problems.insert(0, "audit-failed".into());
        }
        super::sheet::Card {
            name: self
                .display_name
                .clone()
                .unwrap_or_else(|| self.user.clone()),
            user: self.user.clone(),
            problems,
            thumbnail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_whose_photo_could_not_be_read_keeps_its_metadata_problems_in_the_summary() {
        let entry = TenantEntry {
            user: "adele@contoso.com".into(),
            id: "1".into(),
            display_name: None,
            width: Some(300),
            height: Some(200),
            content_type: None,
            problems: vec![AuditProblem::Small, AuditProblem::NotSquare],
            checks: Vec::new(),
            thumbnail: None,
            detail: None,
            error_code: Some("throttled".into()),
            error: Some("still throttled".into()),
        };
        let mut summary = TenantAuditSummary::default();
        count(&mut summary, &entry);
        assert_eq!(
            (
                summary.users,
                summary.failed,
                summary.with_photo,
                summary.listed
            ),
            (1, 1, 1, 1)
        );
        assert_eq!(summary.problems["small"], 1);
        assert_eq!(summary.problems["not-square"], 1);
    }
}
