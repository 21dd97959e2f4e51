//! The crash-safe journal of a bulk run (SQLite, WAL, synchronous=FULL): per destination and
//! user, the source and rendition hashes and the last outcome. A row is written as
//! `uploading` before the upload starts, so a run killed mid-upload is resumed by checking
//! the destination instead of uploading blindly again.
//!
//! A run reaches it through [`JournalThread`]: SQLite and its fsyncs stay off the async
//! runtime, and the writes that queue up while one transaction commits share the next one.

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::oneshot;

use crate::error::{Error, Result};

pub struct Journal {
    conn: Connection,
    path: PathBuf,
}

/// Where a user's write to a destination got to, as the journal keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Written before the write starts: a run that finds it was killed during that write.
    Uploading,
    Uploaded,
    Failed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Uploading => "uploading",
            State::Uploaded => "uploaded",
            State::Failed => "failed",
        }
    }

    /// A state read back; anything else (a journal from a newer version) counts as failed,
    /// so the photo is published again.
    fn parse(s: &str) -> State {
        match s {
            "uploading" => State::Uploading,
            "uploaded" => State::Uploaded,
            _ => State::Failed,
        }
    }
}

/// What the journal remembers of one user at one destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub source_hash: String,
    pub rendition_hash: String,
    pub state: State,
    /// Bytes of the rendition.
    pub bytes: Option<u64>,
}

impl Entry {
    /// This very source was published there: nothing to do (the one "unchanged" rule).
    pub fn is_current(&self, source_hash: &str) -> bool {
        self.state == State::Uploaded && self.source_hash == source_hash
    }
}

impl Journal {
    pub fn open(path: &Path) -> Result<Self> {
        let fail = |e: rusqlite::Error| Error::Journal {
            path: path.display().to_string(),
            detail: e.to_string(),
        };
        let conn = Connection::open(path).map_err(fail)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA busy_timeout = 5000;
             CREATE TABLE IF NOT EXISTS photos (
                 destination    TEXT NOT NULL,
                 user           TEXT NOT NULL,
                 source_hash    TEXT NOT NULL,
                 rendition_hash TEXT NOT NULL,
                 status         TEXT NOT NULL,
                 bytes          INTEGER,
                 error_code     TEXT,
                 updated_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
                 PRIMARY KEY (destination, user)
             );",
        )
        .map_err(fail)?;
        Ok(Journal {
            conn,
            path: path.to_path_buf(),
        })
    }

    fn fail(&self, e: impl std::fmt::Display) -> Error {
        Error::Journal {
            path: self.path.display().to_string(),
            detail: e.to_string(),
        }
    }

    /// Users are compared case-insensitively (UPNs are).
    pub fn get(&self, destination: &str, user: &str) -> Result<Option<Entry>> {
        self.conn
            .query_row(
                "SELECT source_hash, rendition_hash, status, bytes FROM photos WHERE destination = ?1 AND user = ?2",
                params![destination, user.to_lowercase()],
                |r| {
                    Ok(Entry {
                        source_hash: r.get(0)?,
                        rendition_hash: r.get(1)?,
                        state: State::parse(&r.get::<_, String>(2)?),
                        bytes: r.get::<_, Option<i64>>(3)?.map(|b| b as u64),
                    })
                },
            )
            .optional()
            .map_err(|e| self.fail(e))
    }

    pub fn record(
        &self,
        destination: &str,
        user: &str,
        entry: &Entry,
        error_code: Option<&str>,
    ) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO photos (destination, user, source_hash, rendition_hash, status, bytes, error_code)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (destination, user) DO UPDATE SET
                   source_hash = excluded.source_hash, rendition_hash = excluded.rendition_hash,
                   status = excluded.status, bytes = excluded.bytes, error_code = excluded.error_code,
                   updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')",
                params![
                    destination,
                    user.to_lowercase(),
                    entry.source_hash,
                    entry.rendition_hash,
                    entry.state.as_str(),
                    entry.bytes.map(|b| b as i64),
                    error_code
                ],
            )
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    /// Serve requests until every [`JournalThread`] handle is gone: whatever queued up while
    /// the last transaction committed goes into the next one (group commit).
    fn serve(self, requests: mpsc::Receiver<Request>) {
        while let Ok(first) = requests.recv() {
            let batch: Vec<Request> = std::iter::once(first).chain(requests.try_iter()).collect();
            self.apply(batch);
        }
    }

    /// One transaction for a batch, in order: reads are answered at once, writes once the
    /// commit is on disk.
    fn apply(&self, batch: Vec<Request>) {
        // If BEGIN fails, every write commits on its own: slower, just as durable.
        // IMMEDIATE: the write lock is taken at BEGIN (waiting up to busy_timeout), so a
        // batch never fails half-way because another process wrote to the journal meanwhile.
        let transaction = rusqlite::Transaction::new_unchecked(
            &self.conn,
            rusqlite::TransactionBehavior::Immediate,
        )
        .ok();
        let mut written = Vec::new();
        for request in batch {
            match request {
                Request::Get {
                    destination,
                    user,
                    reply,
                } => {
                    let _ = reply.send(self.get(destination, &user));
                }
                Request::Record {
                    destination,
                    user,
                    entry,
                    error_code,
                    reply,
                } => {
                    let outcome = self.record(destination, &user, &entry, error_code);
                    written.push((reply, outcome));
                }
            }
        }
        let committed = transaction.map_or(Ok(()), |t| t.commit().map_err(|e| e.to_string()));
        for (reply, outcome) in written {
            let _ = reply.send(outcome.and_then(|()| committed.clone().map_err(|e| self.fail(e))));
        }
    }
}

enum Request {
    Get {
        destination: &'static str,
        user: String,
        reply: oneshot::Sender<Result<Option<Entry>>>,
    },
    Record {
        destination: &'static str,
        user: String,
        entry: Entry,
        error_code: Option<&'static str>,
        reply: oneshot::Sender<Result<()>>,
    },
}

/// A [`Journal`] on a thread of its own, for async callers. A write returns once it is
/// durable; the thread ends when the handle is dropped.
pub struct JournalThread {
    requests: Option<mpsc::Sender<Request>>,
    thread: Option<std::thread::JoinHandle<()>>,
    path: String,
}

impl Drop for JournalThread {
    /// Ends the thread after the writes already queued, and waits for it: the journal file
    /// is closed when this returns.
    fn drop(&mut self) {
        self.requests = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl JournalThread {
    pub fn start(journal: Journal) -> Result<Self> {
        let path = journal.path.display().to_string();
        let (requests, queue) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("userphoto-journal".into())
            .spawn(move || journal.serve(queue))
            .map_err(|e| Error::Journal {
                path: path.clone(),
                detail: e.to_string(),
            })?;
        Ok(JournalThread {
            requests: Some(requests),
            thread: Some(thread),
            path,
        })
    }

    pub async fn get(&self, destination: &'static str, user: &str) -> Result<Option<Entry>> {
        let (reply, answer) = oneshot::channel();
        self.ask(
            Request::Get {
                destination,
                user: user.to_string(),
                reply,
            },
            answer,
        )
        .await
    }

    pub async fn record(
        &self,
        destination: &'static str,
        user: &str,
        entry: Entry,
        error_code: Option<&'static str>,
    ) -> Result<()> {
        let (reply, answer) = oneshot::channel();
        self.ask(
            Request::Record {
                destination,
                user: user.to_string(),
                entry,
                error_code,
                reply,
            },
            answer,
        )
        .await
    }

    async fn ask<T>(&self, request: Request, answer: oneshot::Receiver<Result<T>>) -> Result<T> {
        let gone = || Error::Journal {
            path: self.path.clone(),
            detail: "the journal thread stopped".into(),
        };
        self.requests
            .as_ref()
            .ok_or_else(gone)?
            .send(request)
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_case_insensitive_users() {
        let dir = std::env::temp_dir().join(format!("up-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("j.sqlite");
        let _ = std::fs::remove_file(&path);
        let j = Journal::open(&path).unwrap();
        let e = Entry {
            source_hash: "s".into(),
            rendition_hash: "r".into(),
            state: State::Uploading,
            bytes: Some(5),
        };
        j.record("graph", "Zoë@Contoso.com", &e, None).unwrap();
        drop(j);
        let j = Journal::open(&path).unwrap();
        assert_eq!(j.get("graph", "zoë@contoso.com").unwrap(), Some(e));
        assert_eq!(j.get("ad", "zoë@contoso.com").unwrap(), None);
    }

    #[test]
    fn the_thread_answers_writes_made_together_once_committed() {
        let dir = std::env::temp_dir().join(format!("up-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("thread.sqlite");
        let _ = std::fs::remove_file(&path);
        let entry = |state| Entry {
            source_hash: "s".into(),
            rendition_hash: "r".into(),
            state,
            bytes: Some(9),
        };
        let t = JournalThread::start(Journal::open(&path).unwrap()).unwrap();
        crate::runtime().block_on(async {
            let (a, b, c) = tokio::join!(
                t.record("graph", "a@contoso.com", entry(State::Uploading), None),
                t.record("graph", "b@contoso.com", entry(State::Uploaded), None),
                t.record("ad", "a@contoso.com", entry(State::Failed), Some("io")),
            );
            a.unwrap();
            b.unwrap();
            c.unwrap();
            let a = t.get("graph", "A@Contoso.com").await.unwrap();
            assert_eq!(a, Some(entry(State::Uploading)));
        });
        drop(t);
        let j = Journal::open(&path).unwrap();
        assert_eq!(
            j.get("graph", "b@contoso.com").unwrap(),
            Some(entry(State::Uploaded))
        );
        assert_eq!(
            j.get("ad", "a@contoso.com").unwrap(),
            Some(entry(State::Failed))
        );
    }
}
