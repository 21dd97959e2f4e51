//! The crash-safe journal of a bulk run (SQLite, WAL, synchronous=FULL): per destination and
//! user, the source and rendition hashes and the last outcome. A row is written as
//! `uploading` before the upload starts, so a run killed mid-upload is resumed by checking
//! the destination instead of uploading blindly again.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};

pub struct Journal {
    conn: Connection,
    path: PathBuf,
}

/// What the journal remembers of one user at one destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub source_hash: String,
    pub rendition_hash: String,
    pub status: String,
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

    fn fail(&self, e: rusqlite::Error) -> Error {
        Error::Journal {
            path: self.path.display().to_string(),
            detail: e.to_string(),
        }
    }

    /// Users are compared case-insensitively (UPNs are).
    pub fn get(&self, destination: &str, user: &str) -> Result<Option<Entry>> {
        self.conn
            .query_row(
                "SELECT source_hash, rendition_hash, status FROM photos WHERE destination = ?1 AND user = ?2",
                params![destination, user.to_lowercase()],
                |r| Ok(Entry { source_hash: r.get(0)?, rendition_hash: r.get(1)?, status: r.get(2)? }),
            )
            .optional()
            .map_err(|e| self.fail(e))
    }

    pub fn record(
        &self,
        destination: &str,
        user: &str,
        entry: &Entry,
        bytes: Option<u64>,
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
                    entry.status,
                    bytes.map(|b| b as i64),
                    error_code
                ],
            )
            .map(|_| ())
            .map_err(|e| self.fail(e))
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
            status: "uploading".into(),
        };
        j.record("graph", "Zoë@Contoso.com", &e, None, None)
            .unwrap();
        drop(j);
        let j = Journal::open(&path).unwrap();
        assert_eq!(j.get("graph", "zoë@contoso.com").unwrap(), Some(e));
        assert_eq!(j.get("ad", "zoë@contoso.com").unwrap(), None);
    }
}
