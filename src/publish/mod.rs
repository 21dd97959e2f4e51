//! Publishing a user's photo: the one path from a source to its destinations, used by bulk
//! jobs ([`crate::sync`]), single uploads (the C ABI, the CLI) and the AD audit's fix.
//!
//! For each user, [`Publisher::publish`] reads and hashes the source, asks the journal
//! whether every destination already has it (then nothing is rendered), renders it once for
//! every destination's target, and writes each rendition to its [`Destination`] under the
//! journal rule: a write is marked `uploading` before it starts and its outcome after, so a
//! run killed mid-write resumes by checking the destination instead of writing blindly.
//! One [`Published`] per destination comes back.

mod destination;
pub mod journal;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use sha2::Digest;
use tokio::sync::Semaphore;

pub use destination::{Destination, Written, DIRECTORY_DESTINATION, GRAPH_DESTINATION};
pub use journal::{Entry, Journal, JournalThread, State};

use crate::error::{Error, Result};
use crate::photo::{Check, Crop, Options, Rendition};
use crate::sync::feed::{Item, Source};

/// A user's outcome at one destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Uploaded,
    Unchanged,
    Failed,
    Skipped,
}

/// How to publish.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// Pipeline options (crop, limits, ...); the targets are the destinations'.
    pub render: Options,
    /// Write even when the journal says the destination has this source.
    pub force: bool,
    /// Write the source bytes as they are, without rendering (each destination checks
    /// what it takes).
    pub raw: bool,
    /// The journal; without one every photo is written and nothing is resumable.
    pub journal: Option<PathBuf>,
    /// Photos read and rendered at once.
    pub workers: usize,
}

impl Default for PublishOptions {
    fn default() -> Self {
        PublishOptions {
            render: Options::default(),
            force: false,
            raw: false,
            journal: None,
            workers: std::thread::available_parallelism().map_or(4, |n| n.get()),
        }
    }
}

/// What happened at one destination.
#[derive(Debug)]
pub enum Outcome {
    /// Written now; `None` when a write a previous run was killed in had arrived.
    Uploaded(Option<Written>),
    /// Nothing written: the journal says the destination has this source (`None`), or the
    /// destination already held these bytes.
    Unchanged(Option<Written>),
    /// Shared: a source that cannot be read or rendered fails at every destination.
    Failed(Arc<Error>),
    /// Not attempted, with a stable code ("cancelled", "duplicate", ...) and why.
    Skipped { code: &'static str, reason: String },
    /// The user's work crashed (a bug): failed, with code "panic".
    Panicked(String),
}

/// One user's result at one destination.
#[derive(Debug)]
pub struct Published {
    pub destination: &'static str,
    pub outcome: Outcome,
    /// The rendition written (or meant), without its bytes; `None` for a raw write or a
    /// photo found unchanged without rendering.
    pub rendition: Option<Rendition>,
    /// Bytes of what was written (from the journal when nothing was rendered).
    pub bytes: Option<u64>,
    /// The crop applied and the photo checks, when the photo was rendered.
    pub crop: Option<Crop>,
    pub checks: Arc<[Check]>,
}

impl Published {
    pub fn status(&self) -> Status {
        match &self.outcome {
            Outcome::Uploaded(_) => Status::Uploaded,
            Outcome::Unchanged(_) => Status::Unchanged,
            // Cancelled while waiting for a write slot: skipped, like the users not started.
            Outcome::Failed(e) if matches!(**e, Error::Cancelled) => Status::Skipped,
            Outcome::Skipped { .. } => Status::Skipped,
            Outcome::Failed(_) | Outcome::Panicked(_) => Status::Failed,
        }
    }

    /// Requests the write took (0 when nothing was written).
    pub fn attempts(&self) -> u32 {
        match &self.outcome {
            Outcome::Uploaded(Some(w)) | Outcome::Unchanged(Some(w)) => w.attempts(),
            Outcome::Failed(e) => match **e {
                Error::Throttled { attempts, .. } => attempts,
                Error::Cancelled => 0,
                _ => 1,
            },
            _ => 0,
        }
    }

    pub fn error_code(&self) -> Option<&'static str> {
        match &self.outcome {
            Outcome::Failed(e) => Some(e.code()),
            Outcome::Skipped { code, .. } => Some(code),
            Outcome::Panicked(_) => Some("panic"),
            _ => None,
        }
    }

    pub fn error_message(&self) -> Option<String> {
        match &self.outcome {
            Outcome::Failed(e) => Some(e.to_string()),
            Outcome::Skipped { reason, .. } | Outcome::Panicked(reason) => Some(reason.clone()),
            _ => None,
        }
    }

    /// The write's details, or the failure (for callers that publish one photo and answer
    /// with a status: the C ABI, the CLI).
    pub fn into_result(
        self,
    ) -> std::result::Result<(Option<Rendition>, Option<Written>), Arc<Error>> {
        match self.outcome {
            Outcome::Uploaded(w) | Outcome::Unchanged(w) => Ok((self.rendition, w)),
            Outcome::Failed(e) => Err(e),
            Outcome::Skipped { .. } => Err(Arc::new(Error::Cancelled)),
            Outcome::Panicked(why) => Err(Arc::new(Error::Encode(why))),
        }
    }
}

/// A destination with its write slots and, once it refused the credentials or its
/// certificate, why no further user is tried there.
struct Lane {
    destination: Destination,
    slots: Semaphore,
    stopped: Mutex<Option<(&'static str, String)>>,
}

/// Publishes photos to a set of destinations: the one render-and-write path.
pub struct Publisher {
    lanes: Vec<Lane>,
    render: Options,
    force: bool,
    raw: bool,
    journal: Option<JournalThread>,
    rendering: Semaphore,
    cancel: Arc<AtomicBool>,
    seen: SeenUsers,
}

impl Publisher {
    /// A publisher for `destinations` (at least one), opening the journal if one is asked for.
    pub fn new(destinations: Vec<Destination>, options: PublishOptions) -> Result<Self> {
        if destinations.is_empty() {
            return Err(Error::InvalidOptions(
                "publishing needs at least one destination".into(),
            ));
        }
        let mut render = options.render;
        render.targets = destinations.iter().map(Destination::target).collect();
        // Options that cannot work fail the job before it starts, not each user.
        render.resolved_targets()?;
        let journal = options
            .journal
            .as_deref()
            .map(|path| Journal::open(path).and_then(JournalThread::start))
            .transpose()?;
        let lanes = destinations
            .into_iter()
            .map(|destination| Lane {
                slots: Semaphore::new(destination.max_concurrency().max(1)),
                destination,
                stopped: Mutex::new(None),
            })
            .collect();
        Ok(Publisher {
            lanes,
            render,
            force: options.force,
            raw: options.raw,
            journal,
            rendering: Semaphore::new(options.workers.max(1)),
            cancel: Arc::new(AtomicBool::new(false)),
            seen: SeenUsers::default(),
        })
    }

    /// The flag that cancels: users not started are skipped, writes under way finish.
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        self.cancel.clone()
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    /// The destinations' names, in order.
    pub fn destination_names(&self) -> Vec<&'static str> {
        self.lanes.iter().map(|l| l.destination.name()).collect()
    }

    /// The same outcome at every destination.
    pub fn skipped(&self, code: &'static str, reason: &str) -> Vec<Published> {
        self.lanes
            .iter()
            .map(|l| Published {
                destination: l.destination.name(),
                outcome: Outcome::Skipped {
                    code,
                    reason: reason.to_string(),
                },
                rendition: None,
                bytes: None,
                crop: None,
                checks: Arc::from([]),
            })
            .collect()
    }

    /// Every destination's result for a user whose work crashed.
    pub fn panicked(&self, reason: &str) -> Vec<Published> {
        self.lanes
            .iter()
            .map(|l| Published {
                destination: l.destination.name(),
                outcome: Outcome::Panicked(reason.to_string()),
                rendition: None,
                bytes: None,
                crop: None,
                checks: Arc::from([]),
            })
            .collect()
    }

    fn failed_everywhere(&self, e: Error) -> Vec<Published> {
        let e = Arc::new(e);
        self.lanes
            .iter()
            .map(|l| Published {
                destination: l.destination.name(),
                outcome: Outcome::Failed(e.clone()),
                rendition: None,
                bytes: None,
                crop: None,
                checks: Arc::from([]),
            })
            .collect()
    }

    /// Publish one user's photo to every destination: one result per destination, in
    /// order. A user is published once per publisher (a later item for the same user is
    /// skipped as a duplicate). Never panics out on bad input: every failure is a result.
    pub async fn publish(&self, item: &Item) -> Vec<Published> {
        if self.cancelled() {
            return self.skipped("cancelled", "the run was cancelled before this user");
        }
        if item.user.trim().is_empty() {
            let why = format!("no user given for {}", item.source.describe());
            return self.skipped("no-user", &why);
        }
        if !self.seen.first(&item.user) {
            let why = format!(
                "{} appears more than once in the feed; the first row was used",
                item.user
            );
            return self.skipped("duplicate", &why);
        }
        let (source_hash, data, look) = {
            let _rendering = self.rendering.acquire().await;
            match self.prepare(item).await {
                Ok(Prepared::Unchanged(entries)) => {
                    return self
                        .lanes
                        .iter()
                        .zip(entries)
                        .map(|(l, e)| Published {
                            destination: l.destination.name(),
                            outcome: Outcome::Unchanged(None),
                            rendition: None,
                            bytes: e.bytes,
                            crop: None,
                            checks: Arc::from([]),
                        })
                        .collect()
                }
                Ok(Prepared::Ready {
                    source_hash,
                    data,
                    look,
                }) => (source_hash, data, look),
                Err(e) => return self.failed_everywhere(e),
            }
        };
        let mut out = Vec::with_capacity(self.lanes.len());
        for (lane, (bytes, rendition)) in self.lanes.iter().zip(data) {
            let mut published = self
                .write(lane, &item.user, &source_hash, bytes, rendition)
                .await;
            if let Some((crop, checks)) = &look {
                published.crop = Some(*crop);
                published.checks = checks.clone();
            }
            out.push(published);
        }
        out
    }

    /// [`Self::publish`] for a blocking caller (not from inside an async task).
    pub fn publish_blocking(&self, item: &Item) -> Vec<Published> {
        crate::runtime().block_on(self.publish(item))
    }

    /// Read and hash the source; unless every destination already has it, the bytes to
    /// write to each: its rendition, or the source itself for a raw write.
    async fn prepare(&self, item: &Item) -> Result<Prepared> {
        let (source_hash, bytes) = read_source(item, self.render.limits.max_input_bytes).await?;
        if let Some(entries) = self.unchanged_everywhere(&item.user, &source_hash).await? {
            return Ok(Prepared::Unchanged(entries));
        }
        if self.raw {
            for lane in &self.lanes {
                lane.destination.check_raw(&bytes)?;
            }
            let data = self.lanes.iter().map(|_| (bytes.clone(), None)).collect();
            return Ok(Prepared::Ready {
                source_hash,
                data,
                look: None,
            });
        }
        let options = self.render.clone();
        let output = tokio::task::spawn_blocking(move || crate::photo::render(&bytes, &options))
            .await
            .map_err(|e| Error::Encode(format!("rendering stopped: {e}")))??;
        let data = output
            .renditions
            .into_iter()
            .map(|mut r| (std::mem::take(&mut r.data), Some(r)))
            .collect();
        Ok(Prepared::Ready {
            source_hash,
            data,
            look: Some((output.crop.mode, Arc::from(output.checks))),
        })
    }

    /// Every destination's journal entry when each has this very source (and `force` is
    /// off): the user needs no rendering.
    async fn unchanged_everywhere(
        &self,
        user: &str,
        source_hash: &str,
    ) -> Result<Option<Vec<Entry>>> {
        let Some(journal) = self.journal.as_ref().filter(|_| !self.force) else {
            return Ok(None);
        };
        let mut entries = Vec::new();
        for lane in &self.lanes {
            match journal.get(lane.destination.name(), user).await? {
                Some(e) if e.is_current(source_hash) => entries.push(e),
                _ => return Ok(None),
            }
        }
        Ok(Some(entries))
    }

    /// One destination: the journal rule around one write.
    async fn write(
        &self,
        lane: &Lane,
        user: &str,
        source_hash: &str,
        data: Vec<u8>,
        rendition: Option<Rendition>,
    ) -> Published {
        let mut published = Published {
            destination: lane.destination.name(),
            outcome: Outcome::Unchanged(None),
            bytes: Some(data.len() as u64),
            rendition,
            crop: None,
            checks: Arc::from([]),
        };
        published.outcome = match self.write_outcome(lane, user, source_hash, data).await {
            Ok(outcome) => outcome,
            Err(e) => Outcome::Failed(Arc::new(e)),
        };
        published
    }

    async fn write_outcome(
        &self,
        lane: &Lane,
        user: &str,
        source_hash: &str,
        data: Vec<u8>,
    ) -> Result<Outcome> {
        let name = lane.destination.name();
        let rendition_hash = sha256_hex(&data);
        let len = data.len() as u64;
        let previous = match &self.journal {
            Some(j) => j.get(name, user).await?,
            None => None,
        };
        if !self.force && previous.as_ref().is_some_and(|p| p.is_current(source_hash)) {
            return Ok(Outcome::Unchanged(None));
        }
        let entry = |state| Entry {
            source_hash: source_hash.to_string(),
            rendition_hash: rendition_hash.clone(),
            state,
            bytes: Some(len),
        };
        let mark = |state, code| async move {
            match &self.journal {
                Some(j) => j.record(name, user, entry(state), code).await,
                None => Ok(()),
            }
        };
        // A previous run died during this very write: it may have arrived. Look before
        // writing it a second time.
        if previous
            .as_ref()
            .is_some_and(|p| p.state == State::Uploading && p.rendition_hash == rendition_hash)
            && lane.destination.holds(user, &rendition_hash).await
        {
            mark(State::Uploaded, None).await?;
            return Ok(Outcome::Uploaded(None));
        }
        if self.cancelled() {
            return Err(Error::Cancelled);
        }
        // Marked while waiting for a slot, so the commit is off the write's path. A user
        // cancelled in the queue keeps the mark: the next run looks first, as after a crash.
        mark(State::Uploading, None).await?;
        let slot = lane.slots.acquire().await.map_err(|_| Error::Cancelled)?;
        if self.cancelled() {
            return Err(Error::Cancelled);
        }
        let stopped = lane
            .stopped
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some((code, why)) = stopped {
            return Ok(Outcome::Skipped {
                code,
                reason: format!("not attempted: {why}"),
            });
        }
        let written = lane.destination.write(user, data).await;
        if let Err(e) = &written {
            if e.stops_destination() {
                // Set before the slot is given back, so no user waiting for it tries again.
                lane.stopped
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get_or_insert_with(|| (e.code(), e.to_string()));
            }
        }
        // The next user may start while this outcome is committed.
        drop(slot);
        match written {
            Ok(w) => {
                mark(State::Uploaded, None).await?;
                Ok(if w.unchanged() {
                    Outcome::Unchanged(Some(w))
                } else {
                    Outcome::Uploaded(Some(w))
                })
            }
            Err(e) => {
                mark(State::Failed, Some(e.code())).await?;
                Err(e)
            }
        }
    }
}

/// Publish one photo to one destination, without a journal: the single-upload door (C ABI,
/// CLI) onto the same path as bulk runs. Rendered for the destination unless
/// `options.raw`; the rendition (without its bytes) and what the destination did.
pub fn publish_one(
    destination: Destination,
    item: &Item,
    options: PublishOptions,
) -> Result<(Option<Rendition>, Option<Written>)> {
    let publisher = Publisher::new(
        vec![destination],
        PublishOptions {
            journal: None,
            workers: 1,
            ..options
        },
    )?;
    match publisher.publish_blocking(item).pop() {
        // One destination: the error is not shared.
        Some(p) => p
            .into_result()
            .map_err(|e| Arc::try_unwrap(e).unwrap_or_else(|e| Error::Encode(e.to_string()))),
        None => Err(Error::Cancelled),
    }
}

/// A user's source: found unchanged everywhere, or the bytes for each destination.
enum Prepared {
    Unchanged(Vec<Entry>),
    Ready {
        source_hash: String,
        data: Vec<(Vec<u8>, Option<Rendition>)>,
        /// The crop applied and the checks (none for a raw write).
        look: Option<(Crop, Arc<[Check]>)>,
    },
}

/// Read one item's source (refusing one over `limit` bytes before reading it) and hash it.
async fn read_source(item: &Item, limit: u64) -> Result<(String, Vec<u8>)> {
    let source = item.source.clone();
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

pub(crate) fn sha256_hex(b: &[u8]) -> String {
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// Users already seen in a run, compared as UPNs are (case-insensitively).
#[derive(Default)]
struct SeenUsers(Mutex<HashSet<String>>);

impl SeenUsers {
    /// True the first time `user` is seen.
    fn first(&self, user: &str) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(user.to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::{DirectoryClient, DirectoryConfig};

    #[test]
    fn a_destination_target_that_cannot_work_fails_the_job_before_the_journal_opens() {
        let config: DirectoryConfig = serde_json::from_str(
            r#"{"url": "ldaps://dc1.corp.example", "bind_user": "svc", "password": "p"}"#,
        )
        .unwrap();
        let client = DirectoryClient::new(config).unwrap();
        let dir = std::env::temp_dir().join(format!("up-publish-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let journal = dir.join("journal.sqlite");
        let options = PublishOptions {
            journal: Some(journal.clone()),
            ..PublishOptions::default()
        };
        // Over the schema's 100 KB cap: no user can be written, so the job does not start.
        let destinations = vec![Destination::Directory {
            client,
            max_bytes: 200 * 1024,
        }];
        let e = Publisher::new(destinations, options)
            .err()
            .expect("refused");
        assert!(e.to_string().contains("102400"), "{e}");
        assert!(!journal.exists(), "the journal was opened");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
