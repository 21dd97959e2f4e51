//! Bulk runs: items (user + photo) in, one result per user out. Each photo goes through the
//! `graph` profile and is uploaded; a journal makes runs incremental and resumable.
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

use crate::error::{Error, Result};
use crate::graph::{runtime, GraphClient};
use crate::photo::Options;
use crate::targets::{TargetRequest, GRAPH};

/// The destination name used in journals and results.
pub const GRAPH_DESTINATION: &str = "graph";

#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Upload even when the journal says the photo is unchanged.
    pub force: bool,
    /// Journal file; without one every photo is uploaded and nothing is resumable.
    pub journal: Option<PathBuf>,
    /// Pipeline options; the targets are replaced by the `graph` profile.
    pub render: Options,
    /// Users worked on at once (rendering overlaps uploads; uploads are further limited by
    /// the client's max_concurrency).
    pub workers: usize,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            force: false,
            journal: None,
            render: Options::default(),
            workers: 8,
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

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub total: u64,
    pub uploaded: u64,
    pub unchanged: u64,
    pub failed: u64,
    pub skipped: u64,
    pub cancelled: bool,
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
    client: GraphClient,
    options: Options,
    force: bool,
    journal: Option<Mutex<journal::Journal>>,
    seen: Mutex<HashSet<String>>,
    cancel: Arc<AtomicBool>,
}

/// A running bulk job.
pub struct Job {
    items: Option<tokio::sync::mpsc::UnboundedSender<Item>>,
    events: mpsc::Receiver<Event>,
    cancel: Arc<AtomicBool>,
    finished: bool,
}

impl Job {
    /// Start a job; it works until [`Job::close`] has been called and every item is done.
    pub fn start(client: GraphClient, options: SyncOptions) -> Result<Job> {
        let journal = options
            .journal
            .as_deref()
            .map(journal::Journal::open)
            .transpose()?
            .map(Mutex::new);
        let mut render = options.render;
        render.targets = vec![TargetRequest::Name(GRAPH.name.into())];
        let cancel = Arc::new(AtomicBool::new(false));
        let ctx = Arc::new(Context {
            client,
            options: render,
            force: options.force,
            journal,
            seen: Mutex::new(HashSet::new()),
            cancel: cancel.clone(),
        });
        let (item_tx, mut item_rx) = tokio::sync::mpsc::unbounded_channel::<Item>();
        let (event_tx, event_rx) = mpsc::channel::<Event>();
        let workers = Arc::new(Semaphore::new(options.workers.max(1)));
        runtime().spawn(async move {
            let submitted = Arc::new(AtomicU64::new(0));
            let done = Arc::new(AtomicU64::new(0));
            let summary = Arc::new(Mutex::new(Summary::default()));
            let mut tasks = tokio::task::JoinSet::new();
            while let Some(item) = item_rx.recv().await {
                submitted.fetch_add(1, Ordering::SeqCst);
                let Ok(permit) = workers.clone().acquire_owned().await else {
                    break;
                };
                let (ctx, tx, done, submitted, summary) = (
                    ctx.clone(),
                    event_tx.clone(),
                    done.clone(),
                    submitted.clone(),
                    summary.clone(),
                );
                tasks.spawn(async move {
                    let result = process(&ctx, item).await;
                    drop(permit);
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
                    let _ = tx.send(Event::Result(result));
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

fn sha256_hex(b: &[u8]) -> String {
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// One user, start to finish. Never panics out: every path gives a result.
async fn process(ctx: &Context, item: Item) -> UserResult {
    let mut r = UserResult {
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
    let skip = |mut r: UserResult, code: &'static str, why: String| {
        r.status = Status::Skipped;
        r.error_code = Some(code);
        r.error = Some(why);
        r
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
    match upload_one(ctx, &item, &mut r).await {
        Ok(status) => r.status = status,
        Err(e) => {
            r.status = Status::Failed;
            r.error_code = Some(e.code());
            r.error = Some(e.to_string());
        }
    }
    r
}

async fn upload_one(ctx: &Context, item: &Item, r: &mut UserResult) -> Result<Status> {
    let source = item.source.clone();
    let options = ctx.options.clone();
    let limit = options.limits.max_input_bytes;
    let (source_hash, rendition) = tokio::task::spawn_blocking(move || -> Result<_> {
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
        let hash = sha256_hex(&bytes);
        let mut out = crate::photo::render(&bytes, &options)?;
        Ok((hash, out.renditions.remove(0)))
    })
    .await
    .map_err(|e| Error::Encode(format!("rendering stopped: {e}")))??;
    r.bytes = Some(rendition.bytes);
    r.width = Some(rendition.width);
    r.height = Some(rendition.height);
    r.quality = Some(rendition.quality);
    let rendition_hash = sha256_hex(&rendition.data);
    let previous = match &ctx.journal {
        Some(j) => j
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(GRAPH_DESTINATION, &item.user)?,
        None => None,
    };
    if let Some(prev) = &previous {
        if !ctx.force && prev.status == "uploaded" && prev.source_hash == source_hash {
            return Ok(Status::Unchanged);
        }
    }
    let entry = |status: &str| journal::Entry {
        source_hash: source_hash.clone(),
        rendition_hash: rendition_hash.clone(),
        status: status.into(),
    };
    let bytes = rendition.bytes;
    let mark = |status: &str, code: Option<&str>| -> Result<()> {
        match &ctx.journal {
            Some(j) => j.lock().unwrap_or_else(|p| p.into_inner()).record(
                GRAPH_DESTINATION,
                &item.user,
                &entry(status),
                Some(bytes),
                code,
            ),
            None => Ok(()),
        }
    };
    // A previous run died during this very upload: the photo may have arrived. Look before
    // uploading it a second time.
    if previous
        .as_ref()
        .is_some_and(|p| p.status == "uploading" && p.rendition_hash == rendition_hash)
    {
        if let Ok((current, _)) = ctx.client.get_photo(&item.user).await {
            if sha256_hex(&current) == rendition_hash {
                mark("uploaded", None)?;
                return Ok(Status::Uploaded);
            }
        }
    }
    if ctx.cancel.load(Ordering::SeqCst) {
        return Err(Error::Cancelled);
    }
    mark("uploading", None)?;
    match ctx
        .client
        .put_photo(&item.user, Bytes::from(rendition.data))
        .await
    {
        Ok(outcome) => {
            r.attempts = outcome.attempts;
            mark("uploaded", None)?;
            Ok(Status::Uploaded)
        }
        Err(e) => {
            let code = e.code();
            mark("failed", Some(code))?;
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
    mut on_event: impl FnMut(&Event),
) -> Result<(Vec<UserResult>, Summary)> {
    let mut job = Job::start(client, options)?;
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
