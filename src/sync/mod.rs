//! Bulk runs: items (user + photo) in, one result per user and destination out, through the
//! one publishing path ([`crate::publish::Publisher`]): each photo is rendered once for every
//! destination, and a journal shared by the destinations makes runs incremental and
//! resumable.
//!
//! A [`Job`] is fed items by the caller, works on the library's runtime, and is polled for
//! events (progress and per-user results): no callbacks into the caller. It writes its
//! reports when it ends.

pub mod feed;
pub mod report;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::Semaphore;

pub use crate::publish::{Destination, Status, DIRECTORY_DESTINATION, GRAPH_DESTINATION};
pub use feed::{Item, Source};

use crate::error::{Error, Result};
use crate::graph::GraphClient;
use crate::photo::{Check, Crop, Options};
use crate::publish::{PublishOptions, Published, Publisher};
use crate::runtime;

/// Users rendered and waiting for an upload beyond the ones rendering: enough for a whole
/// throttle window's worth to go out when a Retry-After pause ends; bounded because each
/// holds its renditions in memory (a `graph` rendition is typically 50-300 KB).
pub const RENDERED_AHEAD: usize = 64;

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
    /// are limited by the destinations' max_concurrency), so that uploads do not wait for it.
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
            workers: PublishOptions::default().workers,
            report_csv: None,
            report_json: None,
        }
    }
}

/// One user's outcome at one destination.
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
    /// The crop applied (`face`, `centre`, `none`) when the photo was rendered.
    pub crop: Option<Crop>,
    /// Photo checks (warnings with stable codes) when the photo was rendered.
    pub checks: Vec<Check>,
}

impl UserResult {
    fn new(item: &Item, p: &Published) -> Self {
        let r = p.rendition.as_ref();
        UserResult {
            user: item.user.clone(),
            destination: p.destination,
            status: p.status(),
            source: item.source.describe(),
            bytes: r.map(|r| r.bytes).or(p.bytes),
            width: r.map(|r| r.width),
            height: r.map(|r| r.height),
            quality: r.map(|r| r.quality),
            attempts: p.attempts(),
            error_code: p.error_code(),
            error: p.error_message(),
            crop: p.crop,
            checks: p.checks.to_vec(),
        }
    }
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

impl Summary {
    fn count(&mut self, status: Status) {
        self.total += 1;
        match status {
            Status::Uploaded => self.uploaded += 1,
            Status::Unchanged => self.unchanged += 1,
            Status::Failed => self.failed += 1,
            Status::Skipped => self.skipped += 1,
        }
    }
}

/// Result of polling a job (a sync job's [`Event`]s, or another job's).
#[derive(Debug)]
pub enum Poll<E = Event> {
    Event(E),
    /// Nothing happened within the timeout.
    Pending,
    /// The job finished and every event has been read.
    Done,
}

impl<E> Poll<E> {
    pub fn map<F>(self, f: impl FnOnce(E) -> F) -> Poll<F> {
        match self {
            Poll::Event(e) => Poll::Event(f(e)),
            Poll::Pending => Poll::Pending,
            Poll::Done => Poll::Done,
        }
    }
}

/// The caller's end of a job's events: polled with a timeout, done after the last event (or
/// when the job's task has gone).
pub struct Events<E> {
    rx: mpsc::Receiver<E>,
    is_last: fn(&E) -> bool,
    finished: bool,
}

impl<E> Events<E> {
    pub fn new(rx: mpsc::Receiver<E>, is_last: fn(&E) -> bool) -> Self {
        Events {
            rx,
            is_last,
            finished: false,
        }
    }

    /// Whether the last event has been returned.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// Wait up to `timeout` for the next event.
    pub fn poll(&mut self, timeout: Duration) -> Poll<E> {
        if self.finished {
            return Poll::Done;
        }
        match self.rx.recv_timeout(timeout) {
            Ok(e) => {
                self.finished = (self.is_last)(&e);
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

/// A running bulk job.
pub struct Job {
    items: Option<tokio::sync::mpsc::UnboundedSender<Item>>,
    events: Events<Event>,
    cancel: Arc<AtomicBool>,
}

/// Dropping a job cancels it: users not started are not uploaded (those under way finish).
impl Drop for Job {
    fn drop(&mut self) {
        if !self.events.finished() {
            self.cancel.store(true, Ordering::SeqCst);
        }
    }
}

/// The job's running state, shared by the users' tasks.
struct Run {
    publisher: Publisher,
    events: mpsc::Sender<Event>,
    submitted: AtomicU64,
    done: AtomicU64,
    summary: Mutex<Summary>,
    /// The results kept for the reports, when there are any.
    kept: Option<Mutex<Vec<UserResult>>>,
}

impl Run {
    /// One user, start to finish: one result per destination.
    async fn user(self: Arc<Self>, item: Item) {
        // A panic in one user's work becomes that user's failure, not a lost result.
        let run = self.clone();
        let task = item.clone();
        let published = match tokio::spawn(async move { run.publisher.publish(&task).await }).await
        {
            Ok(published) => published,
            Err(e) => self.publisher.panicked(&format!(
                "internal error in userphoto (please report it): {e}"
            )),
        };
        for p in &published {
            let result = UserResult::new(&item, p);
            self.summary
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .count(result.status);
            if let Some(kept) = &self.kept {
                kept.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(result.clone());
            }
            let _ = self.events.send(Event::Result(result));
        }
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = self.events.send(Event::Progress {
            done,
            submitted: self.submitted.load(Ordering::SeqCst),
        });
    }
}

impl Job {
    /// Start a job to Microsoft Graph; it works until [`Job::close`] has been called and
    /// every item is done.
    pub fn start(client: GraphClient, options: SyncOptions) -> Result<Job> {
        Job::start_to(vec![client.into()], options)
    }

    /// [`Job::start`] for any destinations (Graph, AD, or both): one result per user and
    /// destination.
    pub fn start_to(destinations: Vec<Destination>, options: SyncOptions) -> Result<Job> {
        let workers = options.workers.max(1);
        let publisher = Publisher::new(
            destinations,
            PublishOptions {
                render: options.render,
                force: options.force,
                raw: false,
                journal: options.journal,
                workers,
            },
        )?;
        let cancel = publisher.cancel_flag();
        let reports = Reports {
            csv: options.report_csv,
            json: options.report_json,
        };
        let (item_tx, mut item_rx) = tokio::sync::mpsc::unbounded_channel::<Item>();
        let (event_tx, event_rx) = mpsc::channel::<Event>();
        let run = Arc::new(Run {
            publisher,
            events: event_tx.clone(),
            submitted: AtomicU64::new(0),
            done: AtomicU64::new(0),
            summary: Mutex::new(Summary::default()),
            kept: reports.wanted().then(|| Mutex::new(Vec::new())),
        });
        let in_progress = Arc::new(Semaphore::new(workers + RENDERED_AHEAD));
        runtime().spawn(async move {
            let mut tasks = tokio::task::JoinSet::new();
            while let Some(item) = item_rx.recv().await {
                run.submitted.fetch_add(1, Ordering::SeqCst);
                let Ok(permit) = in_progress.clone().acquire_owned().await else {
                    break;
                };
                let run = run.clone();
                tasks.spawn(async move {
                    run.user(item).await;
                    drop(permit);
                });
                while tasks.try_join_next().is_some() {}
            }
            while tasks.join_next().await.is_some() {}
            let mut summary = run
                .summary
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            summary.cancelled = run.publisher.cancel_flag().load(Ordering::SeqCst);
            let results = run
                .kept
                .as_ref()
                .map(|k| std::mem::take(&mut *k.lock().unwrap_or_else(|p| p.into_inner())))
                .unwrap_or_default();
            // Every user's task has ended, so this is the last reference: dropping it closes
            // the journal (its thread is joined) and the connections before "finished" is
            // said, so the caller may move or delete the journal at once. The reports need
            // no one polling.
            let counted = summary.clone();
            let written = tokio::task::spawn_blocking(move || {
                drop(run);
                reports.write(&results, &counted)
            })
            .await;
            match written {
                Ok(Ok(())) => {}
                Ok(Err(e)) => summary.report_error = Some(e.to_string()),
                Err(e) => summary.report_error = Some(format!("writing the reports stopped: {e}")),
            }
            let _ = event_tx.send(Event::Finished(summary));
        });
        Ok(Job {
            items: Some(item_tx),
            events: Events::new(event_rx, |e| matches!(e, Event::Finished(_))),
            cancel,
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
        self.events.poll(timeout)
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

/// Run a whole feed to Microsoft Graph, calling `on_event` for every event; returns the
/// results (one per item, in completion order) and the summary.
pub fn run(
    client: GraphClient,
    items: Vec<Item>,
    options: SyncOptions,
    on_event: impl FnMut(&Event),
) -> Result<(Vec<UserResult>, Summary)> {
    run_to(vec![client.into()], items, options, on_event)
}

/// [`run`] for any destinations: one result per item and destination.
pub fn run_to(
    destinations: Vec<Destination>,
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
