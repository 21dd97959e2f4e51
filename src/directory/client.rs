//! The LDAP client: one bound connection (re-opened when it breaks), user lookup, and the
//! thumbnailPhoto operations.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use ldap3::{
    Ldap, LdapConnAsync, LdapConnSettings, LdapError, LdapResult, Mod, Scope, SearchEntry,
};
use serde::Serialize;
use tokio::sync::{Mutex, Semaphore};

use super::config::{endpoint, DirectoryConfig, Endpoint, Transport};
use crate::error::{Error, Result};
use crate::graph::{runtime, Secret};
use crate::photo::{Options, Rendition};
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

struct Inner {
    endpoint: Endpoint,
    bind_user: String,
    password: Secret,
    configured_base: Option<String>,
    base: Mutex<Option<String>>,
    conn: Mutex<Option<Ldap>>,
    permits: Semaphore,
    max_concurrency: usize,
    target: Target,
    connect_timeout: Duration,
    op_timeout: Duration,
}

/// A client of one domain controller; cheap to clone, safe to share between threads.
///
/// The async methods run on any tokio runtime; the blocking ones (`upload`, `export`,
/// `remove`, `audit`, ...) run on the library's runtime and must not be called from inside an
/// async task.
#[derive(Clone)]
pub struct DirectoryClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for DirectoryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectoryClient")
            .field("server", &self.inner.endpoint.server)
            .field("bind_user", &self.inner.bind_user)
            .finish_non_exhaustive()
    }
}

/// RFC 4511 result code names, for messages.
pub fn result_code_name(rc: u32) -> &'static str {
    match rc {
        0 => "success",
        1 => "operationsError",
        2 => "protocolError",
        3 => "timeLimitExceeded",
        4 => "sizeLimitExceeded",
        7 => "authMethodNotSupported",
        8 => "strongerAuthRequired",
        10 => "referral",
        11 => "adminLimitExceeded",
        13 => "confidentialityRequired",
        16 => "noSuchAttribute",
        17 => "undefinedAttributeType",
        19 => "constraintViolation",
        20 => "attributeOrValueExists",
        21 => "invalidAttributeSyntax",
        32 => "noSuchObject",
        34 => "invalidDNSyntax",
        48 => "inappropriateAuthentication",
        49 => "invalidCredentials",
        50 => "insufficientAccessRights",
        51 => "busy",
        52 => "unavailable",
        53 => "unwillingToPerform",
        65 => "objectClassViolation",
        80 => "other",
        _ => "unknown",
    }
}

/// Escape a value for an LDAP filter (RFC 4515).
pub fn filter_escape(value: &str) -> String {
    ldap3::ldap_escape(value).into_owned()
}

/// Whether a user reference is a distinguished name rather than a UPN, account name or mail.
fn looks_like_dn(user: &str) -> bool {
    let first = user.split(',').next().unwrap_or_default();
    user.contains(',')
        && first.split_once('=').is_some_and(|(k, _)| {
            ["cn", "uid", "ou"].contains(&k.trim().to_ascii_lowercase().as_str())
        })
}

/// Breaks of the connection itself (as opposed to an LDAP result): worth one fresh connection.
fn is_connection_error(e: &LdapError) -> bool {
    matches!(
        e,
        LdapError::Io { .. }
            | LdapError::OpSend { .. }
            | LdapError::ResultRecv { .. }
            | LdapError::IdScrubSend { .. }
            | LdapError::EndOfStream
            | LdapError::Timeout { .. }
    ) || matches!(e, LdapError::LdapResult { result } if result.rc == 52 || result.rc == 51)
}

fn first_value(entry: &SearchEntry, attr: &str) -> Option<String> {
    entry
        .attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(attr))
        .and_then(|(_, v)| v.first().cloned())
}

fn binary_value(entry: &SearchEntry, attr: &str) -> Option<Vec<u8>> {
    entry
        .bin_attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(attr))
        .and_then(|(_, v)| v.first().cloned())
        .or_else(|| first_value(entry, attr).map(String::into_bytes))
}

pub(crate) fn to_user(entry: &SearchEntry) -> DirectoryUser {
    let thumbnail = binary_value(entry, THUMBNAIL_ATTRIBUTE);
    DirectoryUser {
        dn: entry.dn.clone(),
        user_principal_name: first_value(entry, "userPrincipalName"),
        sam_account_name: first_value(entry, "sAMAccountName"),
        mail: first_value(entry, "mail"),
        thumbnail_bytes: thumbnail.as_ref().map(|t| t.len() as u64),
        thumbnail,
    }
}

pub(crate) const USER_ATTRIBUTES: [&str; 4] = [
    "userPrincipalName",
    "sAMAccountName",
    "mail",
    THUMBNAIL_ATTRIBUTE,
];

/// Users, not computers (which are `user`s too) or contacts.
pub(crate) const USER_FILTER: &str = "(&(objectClass=user)(!(objectClass=computer)))";

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

    /// Map a failure of an LDAP call to a named error. `user` is the directory user the call
    /// was about (empty for connection-level calls).
    pub(crate) fn map_error(&self, e: LdapError, operation: &str, user: &str) -> Error {
        let server = self.inner.endpoint.server.clone();
        match e {
            LdapError::LdapResult { result } => self.map_result(&result, operation, user),
            LdapError::Io { source } => {
                let tls = source
                    .get_ref()
                    .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                    .map(|t| t.to_string());
                match tls {
                    Some(detail) => self.tls_error(detail),
                    None => Error::DirectoryUnavailable {
                        server,
                        detail: format!("{operation}: {source}"),
                    },
                }
            }
            LdapError::Rustls { source } => self.tls_error(source.to_string()),
            LdapError::DNSName { source } => Error::Config(format!(
                "the host of {} is not a valid TLS server name: {source}",
                self.inner.endpoint.url
            )),
            LdapError::Timeout { .. } => Error::DirectoryUnavailable {
                server,
                detail: format!("{operation}: no answer in time"),
            },
            LdapError::OpSend { .. }
            | LdapError::ResultRecv { .. }
            | LdapError::IdScrubSend { .. }
            | LdapError::EndOfStream => Error::DirectoryUnavailable {
                server,
                detail: format!("{operation}: the connection was closed"),
            },
            other => Error::Directory {
                server,
                operation: operation.to_string(),
                rc: 0,
                name: "client-error",
                detail: other.to_string(),
            },
        }
    }

    fn tls_error(&self, detail: String) -> Error {
        let hint = if detail.contains("UnknownIssuer") {
            ": the server's certificate was not issued by a trusted CA (give the directory's CA with ca_file)"
        } else if detail.contains("NotValidForName") {
            ": the certificate does not name the host in the url (it needs a subject alternative name for it)"
        } else {
            ""
        };
        Error::DirectoryTls {
            server: self.inner.endpoint.server.clone(),
            ca: self.inner.endpoint.roots.clone(),
            detail: format!("{detail}{hint}"),
        }
    }

    fn map_result(&self, r: &LdapResult, operation: &str, user: &str) -> Error {
        let server = self.inner.endpoint.server.clone();
        let mut text = r.text.trim().to_string();
        text.truncate(300);
        match r.rc {
            49 => Error::InvalidCredentials {
                server,
                bind_user: self.inner.bind_user.clone(),
                detail: if text.is_empty() {
                    String::new()
                } else {
                    format!(": {text}")
                },
            },
            50 => Error::Forbidden {
                user: user.to_string(),
                detail: format!(
                    "LDAP insufficientAccessRights for {operation} ({text}); the bind account needs Write on the thumbnailPhoto attribute"
                ),
            },
            19 | 21 => Error::DirectoryConstraint {
                user: user.to_string(),
                detail: format!("LDAP {} ({}): {text}", result_code_name(r.rc), r.rc),
            },
            32 if !user.is_empty() => Error::UserNotFound {
                user: user.to_string(),
            },
            51 | 52 => Error::DirectoryUnavailable {
                server,
                detail: format!("{operation}: LDAP {} ({text})", result_code_name(r.rc)),
            },
            rc => Error::Directory {
                server,
                operation: operation.to_string(),
                rc,
                name: result_code_name(rc),
                detail: text,
            },
        }
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

    /// The search base: the configured one, or the rootDSE's defaultNamingContext.
    pub async fn search_base(&self) -> Result<String> {
        if let Some(b) = &self.inner.configured_base {
            return Ok(b.clone());
        }
        if let Some(b) = self.inner.base.lock().await.clone() {
            return Ok(b);
        }
        let (entries, res) = self
            .call("rootDSE search", "", |mut l| async move {
                let r = l
                    .search(
                        "",
                        Scope::Base,
                        "(objectClass=*)",
                        vec!["defaultNamingContext"],
                    )
                    .await?;
                Ok((r.0, r.1))
            })
            .await?;
        if res.rc != 0 {
            return Err(self.map_result(&res, "rootDSE search", ""));
        }
        let base = entries
            .into_iter()
            .map(SearchEntry::construct)
            .find_map(|e| first_value(&e, "defaultNamingContext"))
            .ok_or_else(|| {
                Error::Config(format!(
                    "{} has no defaultNamingContext in its rootDSE: give search_base",
                    self.inner.endpoint.server
                ))
            })?;
        *self.inner.base.lock().await = Some(base.clone());
        Ok(base)
    }

    /// Find a user by UPN, sAMAccountName (with or without `DOMAIN\`), mail, or DN.
    pub async fn find_user(&self, user: &str) -> Result<DirectoryUser> {
        let user = user.trim();
        if user.is_empty() {
            return Err(Error::InvalidOptions("no user given".into()));
        }
        let attrs = USER_ATTRIBUTES.to_vec();
        let (base, scope, filter) = if looks_like_dn(user) {
            (user.to_string(), Scope::Base, USER_FILTER.to_string())
        } else {
            let v = filter_escape(user);
            let sam = filter_escape(user.rsplit('\\').next().unwrap_or(user));
            (
                self.search_base().await?,
                Scope::Subtree,
                format!(
                    "(&{USER_FILTER}(|(userPrincipalName={v})(sAMAccountName={sam})(mail={v})))"
                ),
            )
        };
        let (entries, res) = self
            .call("user search", user, |mut l| {
                let (base, filter, attrs) = (base.clone(), filter.clone(), attrs.clone());
                async move {
                    let r = l.search(&base, scope, &filter, attrs).await?;
                    Ok((r.0, r.1))
                }
            })
            .await?;
        if res.rc == 32 {
            return Err(Error::UserNotFound {
                user: user.to_string(),
            });
        }
        if res.rc != 0 {
            return Err(self.map_result(&res, "user search", user));
        }
        let mut found: Vec<DirectoryUser> = Vec::new();
        for e in entries {
            let u = to_user(&SearchEntry::construct(e));
            if !found.iter().any(|f| f.dn.eq_ignore_ascii_case(&u.dn)) {
                found.push(u);
            }
        }
        match found.len() {
            0 => Err(Error::UserNotFound {
                user: user.to_string(),
            }),
            1 => Ok(found.remove(0)),
            n => Err(Error::AmbiguousUser {
                user: user.to_string(),
                count: n,
                dns: found.into_iter().take(5).map(|f| f.dn).collect(),
            }),
        }
    }

    /// The stored thumbnailPhoto of the entry `dn`.
    async fn read_thumbnail(&self, dn: &str, user: &str) -> Result<Option<Vec<u8>>> {
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

    /// This client's `ad-thumbnail` target (its byte budget) as a pipeline target request.
    pub fn target_request(&self) -> TargetRequest {
        TargetRequest::Spec(TargetSpecRequest {
            target: Some(AD_THUMBNAIL.name.into()),
            size: None,
            max_bytes: Some(self.inner.target.max_bytes),
            quality: None,
        })
    }

    /// Render `photo` to this client's `ad-thumbnail` target.
    pub fn render(&self, photo: &[u8]) -> Result<Rendition> {
        self.render_with(photo, &Options::default())
    }

    /// [`Self::render`] with pipeline options (crop, limits, ...); their targets are replaced.
    pub fn render_with(&self, photo: &[u8], options: &Options) -> Result<Rendition> {
        let options = Options {
            targets: vec![self.target_request()],
            ..options.clone()
        };
        let mut out = crate::photo::render(photo, &options)?;
        Ok(out.renditions.remove(0))
    }

    // ---- Blocking doors (CLI, C ABI): run on the library's runtime. ----

    /// Render `photo` (any supported format) to the `ad-thumbnail` rendition and write it.
    pub fn upload(&self, user: &str, photo: &[u8]) -> Result<DirectoryOutcome> {
        self.upload_with(user, photo, &Options::default())
    }

    /// [`Self::upload`] with pipeline options.
    pub fn upload_with(
        &self,
        user: &str,
        photo: &[u8],
        options: &Options,
    ) -> Result<DirectoryOutcome> {
        let rendition = self.render_with(photo, options)?;
        let mut out = runtime().block_on(self.put_thumbnail(user, &rendition.data))?;
        out.rendition = Some(rendition);
        Ok(out)
    }

    /// Write JPEG bytes as they are (at most 102,400 bytes; checked before any LDAP call).
    pub fn upload_raw(&self, user: &str, jpeg: &[u8]) -> Result<DirectoryOutcome> {
        let limit = AD_THUMBNAIL.max_bytes_ceiling;
        if jpeg.len() as u64 > limit {
            return Err(Error::ThumbnailTooLarge {
                bytes: jpeg.len() as u64,
                limit,
            });
        }
        if !jpeg.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Err(Error::UnsupportedFormat {
                looks_like: "not a JPEG (a thumbnailPhoto written as is must be a JPEG)".into(),
            });
        }
        runtime().block_on(self.put_thumbnail(user, jpeg))
    }

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
    use super::*;

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
