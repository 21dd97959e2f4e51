//! The LDAP client: one bound connection (re-opened when it breaks), user lookup, and the
//! thumbnailPhoto operations.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError, Mod, Scope, SearchEntry};
use serde::Serialize;
use tokio::sync::{Mutex, Semaphore};

use super::config::{endpoint, DirectoryConfig, Endpoint, Transport};
use super::errors::is_connection_error;
use super::users::binary_value;
use crate::error::{Error, Result};
use crate::photo::Rendition;
use crate::runtime;
use crate::secret::Secret;
use crate::targets::{Target, TargetRequest, TargetSpecRequest, AD_THUMBNAIL};

/// The attribute written.
pub const THUMBNAIL_ATTRIBUTE: &str = "thumbnailPhoto";

/// A directory user as found by [`DirectoryClient::find_user`].
#[derive(Debug, Clone, Serialize)]
pub struct DirectoryUser {
    pub dn: String,
    pub user_principal_name: Option<String>,
    pub sam_account_name: Option<String>,
    pub mail: Option<String>,
    /// The stored thumbnailPhoto (not serialised; its size is).
    #[serde(skip)]
    pub thumbnail: Option<Vec<u8>>,
    pub thumbnail_bytes: Option<u64>,
}

/// What a write or remove did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DirectoryStatus {
    /// thumbnailPhoto was replaced and read back equal.
    Written,
    /// The stored value already equalled the rendition: nothing was written.
    Unchanged,
    /// thumbnailPhoto was removed.
    Removed,
    /// There was nothing to remove.
    Absent,
}

/// One user's outcome of upload / upload_raw / remove. JSON:
/// `{"user": "alice@corp.example", "dn": "CN=Alice,...", "status": "written"|"unchanged"|"removed"|"absent",
///   "bytes": 6120, "previous_bytes": 30211, "verified": true,
///   "rendition": {"target": "ad-thumbnail", "width": 96, "height": 96, "bytes": 6120, "max_bytes": 10240,
///                 "quality": 90, "encoder": "fast", "attempts": 1, "notes": []} | null}`
#[derive(Debug, Clone, Serialize)]
pub struct DirectoryOutcome {
    pub user: String,
    pub dn: String,
    pub status: DirectoryStatus,
    /// Bytes stored now (0 after a remove).
    pub bytes: u64,
    /// Bytes stored before, when there was a value.
    pub previous_bytes: Option<u64>,
    /// The stored value was read back and equals what was meant to be there.
    pub verified: bool,
    pub rendition: Option<Rendition>,
}

pub(super) struct Inner {
    pub(super) endpoint: Endpoint,
    pub(super) bind_user: String,
    pub(super) password: Secret,
    pub(super) configured_base: Option<String>,
    pub(super) base: Mutex<Option<String>>,
    pub(super) conn: Mutex<Option<Ldap>>,
    pub(super) permits: Semaphore,
    pub(super) max_concurrency: usize,
    pub(super) target: Target,
    pub(super) connect_timeout: Duration,
    pub(super) op_timeout: Duration,
}

/// A client of one domain controller; cheap to clone, safe to share between threads.
///
/// The async methods run on any tokio runtime; the blocking ones (`upload`, `export`,
/// `remove`, `audit`, ...) run on the library's runtime and must not be called from inside an
/// async task.
#[derive(Clone)]
pub struct DirectoryClient {
    pub(super) inner: Arc<Inner>,
}

impl std::fmt::Debug for DirectoryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectoryClient")
            .field("server", &self.inner.endpoint.server)
            .field("bind_user", &self.inner.bind_user)
            .finish_non_exhaustive()
    }
}

impl DirectoryClient {
    /// Check the configuration and build the TLS settings. Connects lazily, on first use.
    pub fn new(config: DirectoryConfig) -> Result<Self> {
        let endpoint = endpoint(&config)?;
        if config.max_bytes > AD_THUMBNAIL.max_bytes_ceiling {
            return Err(Error::ThumbnailTooLarge {
                bytes: config.max_bytes,
                limit: AD_THUMBNAIL.max_bytes_ceiling,
            });
        }
        let target = Target::resolve(&TargetRequest::Spec(TargetSpecRequest {
            target: Some(AD_THUMBNAIL.name.into()),
            size: None,
            max_bytes: Some(config.max_bytes),
            quality: None,
        }))?;
        if config.bind_user.trim().is_empty() {
            return Err(Error::Config("bind_user is empty".into()));
        }
        if config.password.expose().is_empty() {
            // A simple bind with an empty password is an anonymous bind that "succeeds".
            return Err(Error::Config(
                "the bind password is empty (a simple bind without one is anonymous)".into(),
            ));
        }
        if config.max_concurrency == 0 {
            return Err(Error::Config("max_concurrency must be at least 1".into()));
        }
        Ok(DirectoryClient {
            inner: Arc::new(Inner {
                endpoint,
                bind_user: config.bind_user,
                password: config.password,
                configured_base: config.search_base.filter(|b| !b.trim().is_empty()),
                base: Mutex::new(None),
                conn: Mutex::new(None),
                permits: Semaphore::new(config.max_concurrency),
                max_concurrency: config.max_concurrency,
                target,
                connect_timeout: Duration::from_secs(config.connect_timeout_secs.max(1)),
                op_timeout: Duration::from_secs(config.timeout_secs.max(1)),
            }),
        })
    }

    /// [`DirectoryClient::new`] from the JSON documented on [`DirectoryConfig`].
    pub fn from_json(json: &str) -> Result<Self> {
        Self::new(DirectoryConfig::from_json(json)?)
    }

    /// LDAP operations in flight at most.
    pub fn max_concurrency(&self) -> usize {
        self.inner.max_concurrency
    }

    /// `host:port` of the domain controller.
    pub fn server(&self) -> &str {
        &self.inner.endpoint.server
    }

    /// The rendition target (`ad-thumbnail` with the configured budget).
    pub fn target(&self) -> &Target {
        &self.inner.target
    }

    async fn connect(&self) -> Result<Ldap> {
        let ep = &self.inner.endpoint;
        let mut settings = LdapConnSettings::new()
            .set_conn_timeout(self.inner.connect_timeout)
            .set_starttls(ep.transport == Transport::StartTls);
        if let Some(cfg) = &ep.tls {
            settings = settings.set_config(cfg.clone());
        }
        tracing::debug!(server = %ep.server, transport = ?ep.transport, "connecting to the directory");
        let (conn, mut ldap) = match tokio::time::timeout(
            self.inner.connect_timeout,
            LdapConnAsync::with_settings(settings, &ep.url),
        )
        .await
        {
            Ok(Ok(pair)) => pair,
            Ok(Err(e)) => return Err(self.map_error(e, "connect", "")),
            Err(_) => {
                return Err(Error::DirectoryUnavailable {
                    server: ep.server.clone(),
                    detail: format!(
                        "connect: no answer within {} s",
                        self.inner.connect_timeout.as_secs()
                    ),
                })
            }
        };
        tokio::spawn(async move {
            if let Err(e) = conn.drive().await {
                tracing::debug!(error = %e, "directory connection ended");
            }
        });
        let bound = tokio::time::timeout(
            self.inner.op_timeout,
            ldap.simple_bind(&self.inner.bind_user, self.inner.password.expose()),
        )
        .await;
        match bound {
            Ok(Ok(r)) if r.rc == 0 => {}
            Ok(Ok(r)) => return Err(self.map_result(&r, "bind", "")),
            Ok(Err(e)) => return Err(self.map_error(e, "bind", "")),
            Err(_) => {
                return Err(Error::DirectoryUnavailable {
                    server: ep.server.clone(),
                    detail: "bind: no answer in time".into(),
                })
            }
        }
        tracing::debug!(server = %ep.server, "bound to the directory");
        Ok(ldap)
    }

    /// The shared connection, opened (and bound) if there is none.
    async fn ldap(&self, fresh: bool) -> Result<Ldap> {
        let mut slot = self.inner.conn.lock().await;
        if let Some(l) = slot.as_mut() {
            if !fresh && !l.is_closed() {
                return Ok(l.clone());
            }
        }
        *slot = None;
        let l = self.connect().await?;
        *slot = Some(l.clone());
        Ok(l)
    }

    /// Run one LDAP call on the shared connection; a broken connection gets one fresh
    /// connection and one more try (every call made this way is idempotent).
    pub(crate) async fn call<T, F, Fut>(&self, operation: &str, user: &str, f: F) -> Result<T>
    where
        F: Fn(Ldap) -> Fut,
        Fut: Future<Output = std::result::Result<T, LdapError>>,
    {
        self.call_within(operation, user, self.inner.op_timeout, f)
            .await
    }

    /// [`Self::call`] for a whole paged scan: it may take far longer than one operation.
    pub(crate) async fn call_scan<T, F, Fut>(&self, operation: &str, f: F) -> Result<T>
    where
        F: Fn(Ldap) -> Fut,
        Fut: Future<Output = std::result::Result<T, LdapError>>,
    {
        let limit = (self.inner.op_timeout * 20).max(Duration::from_secs(600));
        self.call_within(operation, "", limit, f).await
    }

    async fn call_within<T, F, Fut>(
        &self,
        operation: &str,
        user: &str,
        limit: Duration,
        f: F,
    ) -> Result<T>
    where
        F: Fn(Ldap) -> Fut,
        Fut: Future<Output = std::result::Result<T, LdapError>>,
    {
        let _permit = self
            .inner
            .permits
            .acquire()
            .await
            .map_err(|_| Error::Cancelled)?;
        let mut fresh = false;
        loop {
            let ldap = self.ldap(fresh).await?;
            let outcome = match tokio::time::timeout(limit, f(ldap)).await {
                Ok(r) => r,
                Err(e) => Err(LdapError::Timeout { elapsed: e }),
            };
            match outcome {
                Ok(v) => return Ok(v),
                Err(e) if !fresh && is_connection_error(&e) => {
                    tracing::debug!(operation, error = %e, "directory connection broke; reconnecting");
                    fresh = true;
                }
                Err(e) => return Err(self.map_error(e, operation, user)),
            }
        }
    }

    /// The stored thumbnailPhoto of the entry `dn`.
    pub(super) async fn read_thumbnail(&self, dn: &str, user: &str) -> Result<Option<Vec<u8>>> {
        let dn = dn.to_string();
        let (entries, res) = self
            .call("read-back", user, |mut l| {
                let dn = dn.clone();
                async move {
                    let r = l
                        .search(
                            &dn,
                            Scope::Base,
                            "(objectClass=*)",
                            vec![THUMBNAIL_ATTRIBUTE],
                        )
                        .await?;
                    Ok((r.0, r.1))
                }
            })
            .await?;
        if res.rc != 0 {
            return Err(self.map_result(&res, "read-back", user));
        }
        Ok(entries
            .into_iter()
            .next()
            .and_then(|e| binary_value(&SearchEntry::construct(e), THUMBNAIL_ATTRIBUTE)))
    }

    async fn modify(&self, dn: &str, user: &str, m: Mod<Vec<u8>>, what: &str) -> Result<()> {
        let dn = dn.to_string();
        let res = self
            .call(what, user, |mut l| {
                let (dn, m) = (dn.clone(), m.clone());
                async move { l.modify(&dn, vec![m]).await }
            })
            .await?;
        match res.rc {
            0 => Ok(()),
            // Removing a value that is already gone.
            16 if matches!(m, Mod::Delete(..)) => Ok(()),
            _ => Err(self.map_result(&res, what, user)),
        }
    }

    /// Replace `user`'s thumbnailPhoto with `data` (already a thumbnail), read it back and
    /// compare; nothing is written when the stored value already equals `data`.
    pub async fn put_thumbnail(&self, user: &str, data: &[u8]) -> Result<DirectoryOutcome> {
        let limit = AD_THUMBNAIL.max_bytes_ceiling;
        if data.len() as u64 > limit {
            return Err(Error::ThumbnailTooLarge {
                bytes: data.len() as u64,
                limit,
            });
        }
        if data.is_empty() {
            return Err(Error::EmptyInput);
        }
        let found = self.find_user(user).await?;
        let previous_bytes = found.thumbnail_bytes;
        let outcome = |status, verified| DirectoryOutcome {
            user: user.to_string(),
            dn: found.dn.clone(),
            status,
            bytes: data.len() as u64,
            previous_bytes,
            verified,
            rendition: None,
        };
        if found.thumbnail.as_deref() == Some(data) {
            return Ok(outcome(DirectoryStatus::Unchanged, true));
        }
        let m = Mod::Replace(
            THUMBNAIL_ATTRIBUTE.as_bytes().to_vec(),
            HashSet::from([data.to_vec()]),
        );
        self.modify(&found.dn, user, m, "thumbnailPhoto replace")
            .await?;
        let back = self.read_thumbnail(&found.dn, user).await?;
        if back.as_deref() != Some(data) {
            return Err(Error::VerifyMismatch {
                user: user.to_string(),
                written: data.len() as u64,
                read: back.map_or(0, |b| b.len() as u64),
            });
        }
        tracing::debug!(
            user,
            bytes = data.len(),
            "thumbnailPhoto written and verified"
        );
        Ok(outcome(DirectoryStatus::Written, true))
    }

    /// Remove `user`'s thumbnailPhoto (Absent when there was none).
    pub async fn delete_thumbnail(&self, user: &str) -> Result<DirectoryOutcome> {
        let found = self.find_user(user).await?;
        let mut outcome = DirectoryOutcome {
            user: user.to_string(),
            dn: found.dn.clone(),
            status: DirectoryStatus::Absent,
            bytes: 0,
            previous_bytes: found.thumbnail_bytes,
            verified: true,
            rendition: None,
        };
        if found.thumbnail.is_none() {
            return Ok(outcome);
        }
        let m = Mod::Delete(THUMBNAIL_ATTRIBUTE.as_bytes().to_vec(), HashSet::new());
        self.modify(&found.dn, user, m, "thumbnailPhoto remove")
            .await?;
        outcome.verified = self.read_thumbnail(&found.dn, user).await?.is_none();
        outcome.status = DirectoryStatus::Removed;
        Ok(outcome)
    }

    /// The stored thumbnailPhoto; `NoPhoto` when there is none.
    pub async fn get_thumbnail(&self, user: &str) -> Result<Vec<u8>> {
        self.find_user(user)
            .await?
            .thumbnail
            .ok_or_else(|| Error::NoPhoto {
                user: user.to_string(),
            })
    }

    // ---- Blocking doors (CLI, C ABI): run on the library's runtime. ----

    /// The stored thumbnailPhoto bytes.
    pub fn export(&self, user: &str) -> Result<Vec<u8>> {
        runtime().block_on(self.get_thumbnail(user))
    }

    pub fn remove(&self, user: &str) -> Result<DirectoryOutcome> {
        runtime().block_on(self.delete_thumbnail(user))
    }

    /// Look a user up (blocking).
    pub fn lookup(&self, user: &str) -> Result<DirectoryUser> {
        runtime().block_on(self.find_user(user))
    }
}

#[cfg(test)]
mod tests {
    use super::super::users::{filter_escape, looks_like_dn};
    use super::*;
    use ldap3::LdapResult;

    #[test]
    fn dns_are_told_from_names() {
        assert!(looks_like_dn("CN=Alice Smith,OU=Staff,DC=corp,DC=example"));
        assert!(looks_like_dn("cn=x,dc=y"));
        assert!(!looks_like_dn("alice@corp.example"));
        assert!(!looks_like_dn("CORP\\alice"));
        assert!(!looks_like_dn("Smith, Alice"));
    }

    #[test]
    fn filter_values_are_escaped() {
        assert_eq!(filter_escape("a*(b)\\"), "a\\2a\\28b\\29\\5c");
    }

    #[test]
    fn ldap_result_codes_map_to_named_errors() {
        let c = DirectoryClient::new(DirectoryConfig::new(
            "ldaps://dc1.corp.example",
            "svc@corp.example",
            Secret::new("pw-not-in-errors"),
        ))
        .unwrap();
        let r = |rc: u32| LdapResult {
            rc,
            matched: String::new(),
            text: "detail".into(),
            refs: vec![],
            ctrls: vec![],
        };
        for (rc, code) in [
            (49, "invalid-credentials"),
            (50, "forbidden"),
            (19, "constraint-violation"),
            (21, "constraint-violation"),
            (32, "user-not-found"),
            (51, "directory-unavailable"),
            (52, "directory-unavailable"),
            (53, "ldap"),
        ] {
            let e = c.map_result(&r(rc), "op", "alice");
            assert_eq!(e.code(), code, "rc {rc}: {e}");
            assert!(!e.to_string().contains("pw-not-in-errors"));
        }
        let e = c.map_error(
            LdapError::Io {
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
                ),
            },
            "connect",
            "",
        );
        assert_eq!(e.code(), "directory-tls");
        assert!(e.to_string().contains("dc1.corp.example:636"), "{e}");
        assert!(e.to_string().contains("system certificate store"), "{e}");
    }

    #[test]
    fn budget_over_the_schema_cap_is_refused_before_connecting() {
        let mut c = DirectoryConfig::new("ldaps://dc1", "svc", Secret::new("pw"));
        c.max_bytes = 110 * 1024;
        let e = DirectoryClient::new(c).unwrap_err();
        assert_eq!(e.code(), "thumbnail-too-large");
        let mut c = DirectoryConfig::new("ldaps://dc1", "svc", Secret::new("pw"));
        c.max_bytes = 100 * 1024;
        assert_eq!(DirectoryClient::new(c).unwrap().target().max_bytes, 102_400);
    }
}
