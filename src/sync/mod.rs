//! Bulk runs: items (user + photo) in, one result per user and destination out. Each photo
//! is decoded once and rendered for every destination: the `graph` profile for Microsoft
//! Graph, `ad-thumbnail` for on-premises AD ([`Destinations`]); a journal shared by the
//! destinations makes runs incremental and resumable.
//!
//! A [`Job`] is fed items by the caller, works on the library's runtime, and is polled for
//! events (progress and per-user results): no callbacks into the caller.

pub mod feed;
pub mod journal;
pub mod report;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use sha2::Digest;
use tokio::sync::Semaphore;

pub use feed::{Item, Source};

use crate::directory::{DirectoryClient, DirectoryStatus};
use crate::error::{Error, Result};
use crate::graph::{runtime, GraphClient};
use crate::photo::{Options, Rendition};
use crate::targets::{TargetRequest, TargetSpecRequest, AD_THUMBNAIL, GRAPH};

/// Users rendered and waiting for an upload beyond the ones rendering: enough for a whole
/// throttle window's worth to go out when a Retry-After pause ends; bounded because each
/// holds its renditions in memory (a `graph` rendition is typically 50-300 KB).
pub const RENDERED_AHEAD: usize = 64;

/// The destination name used in journals and results.
pub const GRAPH_DESTINATION: &str = "graph";
/// The destination name of on-premises AD `thumbnailPhoto` in journals and results.
pub const DIRECTORY_DESTINATION: &str = "ad";

/// Where a run publishes each photo: Microsoft Graph, on-premises AD, or both (one result
/// per user per destination, one journal).
#[derive(Clone, Default)]
pub struct Destinations {
    pub graph: Option<GraphClient>,
    pub directory: Option<DirectoryClient>,
}

impl From<GraphClient> for Destinations {
    fn from(client: GraphClient) -> Self {
        Destinations {
            graph: Some(client),
            directory: None,
        }
    }
}

impl From<DirectoryClient> for Destinations {
    fn from(client: DirectoryClient) -> Self {
        Destinations {
            graph: None,
            directory: Some(client),
        }
    }
}

impl Destinations {
    fn names(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.graph.is_some() {
            v.push(GRAPH_DESTINATION);
        }
        if self.directory.is_some() {
            v.push(DIRECTORY_DESTINATION);
        }
        v
    }
}

#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Upload even when the journal says the photo is unchanged.
    pub force: bool,
    /// Journal file; without one every photo is uploaded and nothing is resumable.
    pub journal: Option<PathBuf>,
    /// Pipeline options; the targets are replaced by the destinations' profiles.
    pub render: Options,
    /// Photos rendered at once; by default one per CPU, since rendering is CPU-bound and more
    /// at once only takes CPU from the uploads. Rendering runs ahead of uploading: up to
    /// [`RENDERED_AHEAD`] more users may be rendered and waiting for an upload slot (uploads
    /// are limited by the client's max_concurrency), so that uploads do not wait for it.
    pub workers: usize,
    /// Reports the job writes when it ends, before its `Finished` event, also when it was
    /// cancelled or its caller stopped polling ([`report::write_csv`], [`report::write_json`]).
    pub report_csv: Option<PathBuf>,
    pub report_json: Option<PathBuf>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            force: false,
            journal: None,
            render: Options::default(),
            workers: std::thread::available_parallelism().map_or(4, |n| n.get()),
            report_csv: None,
            report_json: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Uploaded,
    Unchanged,
    Failed,
    Skipped,
}

/// One user's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct UserResult {
    pub user: String,
    pub destination: &'static str,
    pub status: Status,
    pub source: String,
    pub bytes: Option<u64>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub quality: Option<u8>,
    pub attempts: u32,
    pub error_code: Option<&'static str>,
    pub error: Option<String>,
}

/// What a job reports.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Event {
    Progress { done: u64, submitted: u64 },
    Result(UserResult),
    Finished(Summary),
}

/// Counts of results: one per user and destination (so a Graph + AD run of 10 users totals 20).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub total: u64,
    pub uploaded: u64,
    pub unchanged: u64,
    pub failed: u64,
    pub skipped: u64,
    pub cancelled: bool,
    /// Why a report asked for could not be written (the first failure).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_error: Option<String>,
}

/// Result of polling a job.
#[derive(Debug)]
pub enum Poll {
    Event(Event),
    /// Nothing happened within the timeout.
    Pending,
    /// The job finished and every event has been read.
    Done,
}

struct Context {
    destinations: Destinations,
    options: Options,
    force: bool,
    journal: Option<journal::JournalThread>,
    rendering: Semaphore,
    /// Upload slots per destination, as many as its client has requests in flight. A user
    /// takes one right before its upload and checks for a cancel once it has it, so users
    /// rendered ahead wait here, where a cancel still stops them, not inside the client.
    graph_slots: Semaphore,
    directory_slots: Semaphore,
    seen: Mutex<HashSet<String>>,
    cancel: Arc<AtomicBool>,
    /// Set when the domain controller refused the bind or its certificate: every further
    /// write would fail the same way, and more failed binds can lock the account out, so
    /// the remaining users are skipped for AD (Graph goes on).
    directory_stopped: Mutex<Option<(&'static str, String)>>,
}

impl Context {
    /// What the journal remembers of this user at this destination.
    async fn previous(
        &self,
        destination: &'static str,
        user: &str,
    ) -> Result<Option<journal::Entry>> {
        match &self.journal {
            Some(j) => j.get(destination, user).await,
            None => Ok(None),
        }
    }

    /// Record an outcome in the journal; returns once it is durable.
    async fn record(
        &self,
        destination: &'static str,
        user: &str,
        entry: journal::Entry,
        error_code: Option<&'static str>,
    ) -> Result<()> {
        match &self.journal {
            Some(j) => j.record(destination, user, entry, error_code).await,
            None => Ok(()),
        }
    }
}

/// A running bulk job.
pub struct Job {
    items: Option<tokio::sync::mpsc::UnboundedSender<Item>>,
    events: mpsc::Receiver<Event>,
    cancel: Arc<AtomicBool>,
    finished: bool,
}

/// Dropping a job cancels it: users not started are not uploaded (those under way finish).
impl Drop for Job {
    fn drop(&mut self) {
        if !self.finished {
            self.cancel.store(true, Ordering::SeqCst);
        }
    }
}

impl Job {
    /// Start a job; it works until [`Job::close`] has been called and every item is done.
    pub fn start(client: GraphClient, options: SyncOptions) -> Result<Job> {
        Job::start_to(Destinations::from(client), options)
    }

    /// [`Job::start`] for any destinations (Graph, AD, or both).
    pub fn start_to(destinations: Destinations, options: SyncOptions) -> Result<Job> {
        if destinations.graph.is_none() && destinations.directory.is_none() {
            return Err(Error::InvalidOptions(
                "a sync needs at least one destination".into(),
            ));
        }
        let journal = options
            .journal
            .as_deref()
            .map(|path| journal::Journal::open(path).and_then(journal::JournalThread::start))
            .transpose()?;
        let mut render = options.render;
        render.targets = Vec::new();
        if destinations.graph.is_some() {
            render.targets.push(TargetRequest::Name(GRAPH.name.into()));
        }
        if let Some(d) = &destinations.directory {
            render.targets.push(TargetRequest::Spec(TargetSpecRequest {
                target: Some(AD_THUMBNAIL.name.into()),
                size: None,
                max_bytes: Some(d.target().max_bytes),
                quality: None,
            }));
        }
        let graph_slots = Semaphore::new(
            destinations
                .graph
                .as_ref()
                .map_or(1, GraphClient::max_concurrency),
        );
        let directory_slots = Semaphore::new(
            destinations
                .directory
                .as_ref()
                .map_or(1, DirectoryClient::max_concurrency),
        );
        let cancel = Arc::new(AtomicBool::new(false));
        let ctx = Arc::new(Context {
            destinations,
            options: render,
            force: options.force,
            journal,
            rendering: Semaphore::new(options.workers.max(1)),
            graph_slots,
            directory_slots,
            seen: Mutex::new(HashSet::new()),
            cancel: cancel.clone(),
            directory_stopped: Mutex::new(None),
        });
        let (item_tx, mut item_rx) = tokio::sync::mpsc::unbounded_channel::<Item>();
        let (event_tx, event_rx) = mpsc::channel::<Event>();
        let in_progress = Arc::new(Semaphore::new(options.workers.max(1) + RENDERED_AHEAD));
        let reports = Reports {
            csv: options.report_csv,
            json: options.report_json,
        };
        runtime().spawn(async move {
            let submitted = Arc::new(AtomicU64::new(0));
            let done = Arc::new(AtomicU64::new(0));
            let summary = Arc::new(Mutex::new(Summary::default()));
            let kept = Arc::new(Mutex::new(Vec::new()));
            let mut tasks = tokio::task::JoinSet::new();
            while let Some(item) = item_rx.recv().await {
                submitted.fetch_add(1, Ordering::SeqCst);
                let Ok(permit) = in_progress.clone().acquire_owned().await else {
                    break;
                };
                let (ctx, tx, done, submitted, summary, kept) = (
                    ctx.clone(),
                    event_tx.clone(),
                    done.clone(),
                    submitted.clone(),
                    summary.clone(),
                    reports.wanted().then(|| kept.clone()),
                );
                tasks.spawn(async move {
                    // A panic in one user's work becomes that user's failure, not a lost result.
                    let (user, source) = (item.user.clone(), item.source.describe());
                    let names = ctx.destinations.names();
                    let worker = ctx.clone();
                    let results =
                        match tokio::spawn(async move { process(&worker, item).await }).await {
                            Ok(results) => results,
                            Err(e) => names
                                .into_iter()
                                .map(|destination| UserResult {
                                    user: user.clone(),
                                    destination,
                                    status: Status::Failed,
                                    source: source.clone(),
                                    bytes: None,
                                    width: None,
                                    height: None,
                                    quality: None,
                                    attempts: 0,
                                    error_code: Some("panic"),
                                    error: Some(format!(
                                        "internal error in userphoto (please report it): {e}"
                                    )),
                                })
                                .collect(),
                        };
                    drop(permit);
                    for result in results {
                        {
                            let mut s = summary.lock().unwrap_or_else(|p| p.into_inner());
                            s.total += 1;
                            match result.status {
                                Status::Uploaded => s.uploaded += 1,
                                Status::Unchanged => s.unchanged += 1,
                                Status::Failed => s.failed += 1,
                                Status::Skipped => s.skipped += 1,
                            }
                        }
                        if let Some(kept) = &kept {
                            kept.lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .push(result.clone());
                        }
                        let _ = tx.send(Event::Result(result));
                    }
                    let d = done.fetch_add(1, Ordering::SeqCst) + 1;
                    let _ = tx.send(Event::Progress {
                        done: d,
                        submitted: submitted.load(Ordering::SeqCst),
                    });
                });
                while tasks.try_join_next().is_some() {}
            }
            while tasks.join_next().await.is_some() {}
            let mut s = summary.lock().unwrap_or_else(|p| p.into_inner()).clone();
            s.cancelled = ctx.cancel.load(Ordering::SeqCst);
            // Close the journal (its thread is joined) and the connections before saying
            // "finished", so the caller may move or delete the journal at once; write the
            // reports, which need no one polling.
            let results = std::mem::take(&mut *kept.lock().unwrap_or_else(|p| p.into_inner()));
            let summary = s.clone();
            let written = tokio::task::spawn_blocking(move || {
                drop(ctx);
                reports.write(&results, &summary)
            })
            .await;
            match written {
                Ok(Ok(())) => {}
                Ok(Err(e)) => s.report_error = Some(e.to_string()),
                Err(e) => s.report_error = Some(format!("writing the reports stopped: {e}")),
            }
            let _ = event_tx.send(Event::Finished(s));
        });
        Ok(Job {
            items: Some(item_tx),
            events: event_rx,
            cancel,
            finished: false,
        })
    }

    /// Queue one item. Fails after [`Job::close`].
    pub fn add(&self, item: Item) -> Result<()> {
        self.items
            .as_ref()
            .ok_or_else(|| {
                Error::InvalidOptions("the job was closed: no more items can be added".into())
            })?
            .send(item)
            .map_err(|_| Error::Cancelled)
    }

    /// No more items: the job finishes when the queued ones are done.
    pub fn close(&mut self) {
        self.items = None;
    }

    /// Stop starting new users; users already uploading finish; the rest are reported as
    /// skipped (cancelled). The job still ends with a `Finished` event.
    pub fn cancel(&mut self) {
        self.cancel.store(true, Ordering::SeqCst);
        self.close();
    }

    /// The flag [`Job::cancel`] sets, for a canceller on another thread.
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        self.cancel.clone()
    }

    /// Wait up to `timeout` for the next event.
    pub fn poll(&mut self, timeout: Duration) -> Poll {
        if self.cancel.load(Ordering::SeqCst) {
            self.close();
        }
        if self.finished {
            return Poll::Done;
        }
        match self.events.recv_timeout(timeout) {
            Ok(e) => {
                if matches!(e, Event::Finished(_)) {
                    self.finished = true;
                }
                Poll::Event(e)
            }
            Err(mpsc::RecvTimeoutError::Timeout) => Poll::Pending,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                self.finished = true;
                Poll::Done
            }
        }
    }
}

/// The report files a job writes at its end.
struct Reports {
    csv: Option<PathBuf>,
    json: Option<PathBuf>,
}

impl Reports {
    fn wanted(&self) -> bool {
        self.csv.is_some() || self.json.is_some()
    }

    /// Write every report asked for; the first failure.
    fn write(&self, results: &[UserResult], summary: &Summary) -> Result<()> {
        let csv = self.csv.as_deref().map(|p| report::write_csv(p, results));
        let json = self
            .json
            .as_deref()
            .map(|p| report::write_json(p, results, summary));
        [csv, json].into_iter().flatten().collect()
    }
}

fn sha256_hex(b: &[u8]) -> String {
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// One user, start to finish: one result per destination. Never panics out: every path
/// gives results.
async fn process(ctx: &Context, item: Item) -> Vec<UserResult> {
    let r = UserResult {
        user: item.user.clone(),
        destination: GRAPH_DESTINATION,
        status: Status::Failed,
        source: item.source.describe(),
        bytes: None,
        width: None,
        height: None,
        quality: None,
        attempts: 0,
        error_code: None,
        error: None,
    };
    let names = ctx.destinations.names();
    let each = |r: &UserResult| -> Vec<UserResult> {
        names
            .iter()
            .map(|d| UserResult {
                destination: d,
                ..r.clone()
            })
            .collect()
    };
    let skip = |mut r: UserResult, code: &'static str, why: String| {
        r.status = Status::Skipped;
        r.error_code = Some(code);
        r.error = Some(why);
        each(&r)
    };
    if ctx.cancel.load(Ordering::SeqCst) {
        return skip(
            r,
            "cancelled",
            "the run was cancelled before this user".into(),
        );
    }
    if item.user.trim().is_empty() {
        let why = format!("no user given for {}", r.source);
        return skip(r, "no-user", why);
    }
    if !ctx
        .seen
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(item.user.to_lowercase())
    {
        return skip(
            r,
            "duplicate",
            format!(
                "{} appears more than once in the feed; the first row was used",
                item.user
            ),
        );
    }
    let failed = |mut r: UserResult, e: &Error| {
        // Cancelled while rendered and waiting for an upload slot: skipped, like the users
        // not started yet.
        r.status = match e {
            Error::Cancelled => Status::Skipped,
            _ => Status::Failed,
        };
        r.error_code = Some(e.code());
        r.error = Some(e.to_string());
        r
    };
    let (source_hash, renditions) = match prepare(ctx, &item).await {
        Ok(Prepared::Rendered {
            source_hash,
            renditions,
        }) => (source_hash, renditions),
        Ok(Prepared::Unchanged(entries)) => {
            return entries
                .into_iter()
                .map(|(destination, e)| UserResult {
                    destination,
                    status: Status::Unchanged,
                    bytes: e.bytes,
                    ..r.clone()
                })
                .collect()
        }
        Err(e) => return each(&failed(r, &e)),
    };
    let mut out = Vec::new();
    let mut renditions = renditions.into_iter();
    if let Some(client) = &ctx.destinations.graph {
        let rendition = renditions.next();
        let mut r = r.clone();
        if let Some(rendition) = rendition {
            match upload_one(ctx, client, &item, &source_hash, rendition, &mut r).await {
                Ok(status) => r.status = status,
                Err(e) => r = failed(r, &e),
            }
        }
        out.push(r);
    }
    if let Some(client) = &ctx.destinations.directory {
        let rendition = renditions.next();
        let mut r = UserResult {
            destination: DIRECTORY_DESTINATION,
            ..r.clone()
        };
        if let Some(rendition) = rendition {
            match write_directory(ctx, client, &item, &source_hash, rendition, &mut r).await {
                Ok(status) => r.status = status,
                Err(e) => r = failed(r, &e),
            }
        }
        out.push(r);
    }
    out
}

/// A user's source, read and then either found unchanged everywhere or rendered.
enum Prepared {
    Unchanged(Vec<(&'static str, journal::Entry)>),
    Rendered {
        source_hash: String,
        renditions: Vec<Rendition>,
    },
}

/// Read and hash the source; render it unless the journal says every destination has it.
async fn prepare(ctx: &Context, item: &Item) -> Result<Prepared> {
    let _rendering = ctx.rendering.acquire().await;
    let (source_hash, bytes) = read_source(ctx, item).await?;
    if let Some(entries) = unchanged_everywhere(ctx, &item.user, &source_hash).await? {
        return Ok(Prepared::Unchanged(entries));
    }
    Ok(Prepared::Rendered {
        renditions: render(ctx, bytes).await?,
        source_hash,
    })
}

/// Every destination's journal entry when each says this very source was uploaded (and
/// `force` is off): the user is unchanged everywhere and needs no rendering.
async fn unchanged_everywhere(
    ctx: &Context,
    user: &str,
    source_hash: &str,
) -> Result<Option<Vec<(&'static str, journal::Entry)>>> {
    if ctx.force || ctx.journal.is_none() {
        return Ok(None);
    }
    let mut entries = Vec::new();
    for destination in ctx.destinations.names() {
        match ctx.previous(destination, user).await? {
            Some(e) if e.status == "uploaded" && e.source_hash == source_hash => {
                entries.push((destination, e))
            }
            _ => return Ok(None),
        }
    }
    Ok(Some(entries))
}

/// Render a source for every destination (in the order of `Destinations::names`).
async fn render(ctx: &Context, bytes: Vec<u8>) -> Result<Vec<Rendition>> {
    let options = ctx.options.clone();
    tokio::task::spawn_blocking(move || Ok(crate::photo::render(&bytes, &options)?.renditions))
        .await
        .map_err(|e| Error::Encode(format!("rendering stopped: {e}")))?
}

/// Read one item's source and hash it.
async fn read_source(ctx: &Context, item: &Item) -> Result<(String, Vec<u8>)> {
    let source = item.source.clone();
    let limit = ctx.options.limits.max_input_bytes;
    tokio::task::spawn_blocking(move || -> Result<_> {
        let bytes = match source {
            Source::Bytes(b) => b,
            Source::Path(p) => {
                let io = |source| Error::Io {
                    path: p.display().to_string(),
                    source,
                };
                let len = std::fs::metadata(&p).map_err(io)?.len();
                if len > limit {
                    return Err(Error::InputTooLarge { bytes: len, limit });
                }
                std::fs::read(&p).map_err(io)?
            }
        };
        Ok((sha256_hex(&bytes), bytes))
    })
    .await
    .map_err(|e| Error::Io {
        path: item.source.describe(),
        source: std::io::Error::other(e.to_string()),
    })?
}

async fn upload_one(
    ctx: &Context,
    client: &GraphClient,
    item: &Item,
    source_hash: &str,
    rendition: Rendition,
    r: &mut UserResult,
) -> Result<Status> {
    let source_hash = source_hash.to_string();
    r.bytes = Some(rendition.bytes);
    r.width = Some(rendition.width);
    r.height = Some(rendition.height);
    r.quality = Some(rendition.quality);
    let rendition_hash = sha256_hex(&rendition.data);
    let previous = ctx.previous(GRAPH_DESTINATION, &item.user).await?;
    if let Some(prev) = &previous {
        if !ctx.force && prev.status == "uploaded" && prev.source_hash == source_hash {
            return Ok(Status::Unchanged);
        }
    }
    let entry = |status: &str| journal::Entry {
        source_hash: source_hash.clone(),
        rendition_hash: rendition_hash.clone(),
        status: status.into(),
        bytes: Some(rendition.bytes),
    };
    let mark = |status: &str, code| ctx.record(GRAPH_DESTINATION, &item.user, entry(status), code);
    // A previous run died during this very upload: the photo may have arrived. Look before
    // uploading it a second time.
    if previous
        .as_ref()
        .is_some_and(|p| p.status == "uploading" && p.rendition_hash == rendition_hash)
    {
        if let Ok((current, _)) = client.get_photo(&item.user).await {
            if sha256_hex(&current) == rendition_hash {
                mark("uploaded", None).await?;
                return Ok(Status::Uploaded);
            }
        }
    }
    if ctx.cancel.load(Ordering::SeqCst) {
        return Err(Error::Cancelled);
    }
    // Marked while waiting for a slot, so the commit is off the upload's path. A user
    // cancelled in the queue keeps the mark: the next run looks before uploading, as after
    // a crash.
    mark("uploading", None).await?;
    let slot = ctx
        .graph_slots
        .acquire()
        .await
        .map_err(|_| Error::Cancelled)?;
    if ctx.cancel.load(Ordering::SeqCst) {
        return Err(Error::Cancelled);
    }
    let uploaded = client
        .put_photo(&item.user, Bytes::from(rendition.data))
        .await;
    // The next user may start while this outcome is committed.
    drop(slot);
    match uploaded {
        Ok(outcome) => {
            r.attempts = outcome.attempts;
            mark("uploaded", None).await?;
            Ok(Status::Uploaded)
        }
        Err(e) => {
            let code = e.code();
            mark("failed", Some(code)).await?;
            Err(e)
        }
    }
}

/// AD: the journal says this source was written already -> unchanged without any LDAP call;
/// otherwise write (which itself skips when the stored value equals the rendition) and
/// verify by reading back.
async fn write_directory(
    ctx: &Context,
    client: &DirectoryClient,
    item: &Item,
    source_hash: &str,
    rendition: Rendition,
    r: &mut UserResult,
) -> Result<Status> {
    r.bytes = Some(rendition.bytes);
    r.width = Some(rendition.width);
    r.height = Some(rendition.height);
    r.quality = Some(rendition.quality);
    let rendition_hash = sha256_hex(&rendition.data);
    let journal = |status: &str, code| {
        let entry = journal::Entry {
            source_hash: source_hash.to_string(),
            rendition_hash: rendition_hash.clone(),
            status: status.into(),
            bytes: Some(rendition.bytes),
        };
        ctx.record(DIRECTORY_DESTINATION, &item.user, entry, code)
    };
    if !ctx.force {
        let prev = ctx.previous(DIRECTORY_DESTINATION, &item.user).await?;
        if prev.is_some_and(|p| p.status == "uploaded" && p.source_hash == source_hash) {
            return Ok(Status::Unchanged);
        }
    }
    let slot = ctx
        .directory_slots
        .acquire()
        .await
        .map_err(|_| Error::Cancelled)?;
    if ctx.cancel.load(Ordering::SeqCst) {
        return Err(Error::Cancelled);
    }
    let stopped = ctx
        .directory_stopped
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    if let Some((code, why)) = stopped {
        r.error_code = Some(code);
        r.error = Some(format!("not attempted: {why}"));
        return Ok(Status::Skipped);
    }
    r.attempts = 1;
    let written = client.put_thumbnail(&item.user, &rendition.data).await;
    if let Err(e @ (Error::InvalidCredentials { .. } | Error::DirectoryTls { .. })) = &written {
        // Set before the slot is given back, so no user waiting for it binds again.
        ctx.directory_stopped
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert_with(|| (e.code(), e.to_string()));
    }
    drop(slot);
    match written {
        Ok(o) => {
            journal("uploaded", None).await?;
            Ok(match o.status {
                DirectoryStatus::Unchanged => Status::Unchanged,
                _ => Status::Uploaded,
            })
        }
        Err(e) => {
            journal("failed", Some(e.code())).await?;
            Err(e)
        }
    }
}

/// Run a whole feed to the end, calling `on_event` for every event; returns the results
/// (one per item, in completion order) and the summary.
pub fn run(
    client: GraphClient,
    items: Vec<Item>,
    options: SyncOptions,
    on_event: impl FnMut(&Event),
) -> Result<(Vec<UserResult>, Summary)> {
    run_to(Destinations::from(client), items, options, on_event)
}

/// [`run`] for any destinations: one result per item and destination.
pub fn run_to(
    destinations: Destinations,
    items: Vec<Item>,
    options: SyncOptions,
    mut on_event: impl FnMut(&Event),
) -> Result<(Vec<UserResult>, Summary)> {
    let mut job = Job::start_to(destinations, options)?;
    for item in items {
        job.add(item)?;
    }
    job.close();
    let mut results = Vec::new();
    loop {
        match job.poll(Duration::from_millis(200)) {
            Poll::Event(e) => {
                on_event(&e);
                match e {
                    Event::Result(r) => results.push(r),
                    Event::Finished(s) => return Ok((results, s)),
                    Event::Progress { .. } => {}
                }
            }
            Poll::Pending => {}
            Poll::Done => return Err(Error::Cancelled),
        }
    }
}
