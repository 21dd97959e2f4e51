//! The Microsoft Graph photo client: one reqwest client, one token cache, one retry policy,
//! at most `max_concurrency` requests in flight.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, Semaphore};

use super::auth::{Auth, Credential, Environment, Token};
use super::check_endpoint;
use super::retry::{is_retryable_status, parse_retry_after, RetryPolicy, Tries};
use crate::error::{cut, Error, Result};
use crate::targets::{GRAPH, GRAPH_MAX_CONCURRENCY};

/// How to reach and authenticate to a tenant. JSON (C ABI, CLI config file):
/// `{"tenant": "contoso.onmicrosoft.com", "client_id": "...", "credential": {...},
///   "environment": "Global"|"USGov"|"USGovDoD"|"China", "authority": null, "graph_endpoint": null,
///   "max_concurrency": 4, "retry": {...}, "timeout_secs": 60, "extra_ca_pem": null}`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphConfig {
    #[serde(default)]
    pub tenant: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
    pub credential: Credential,
    #[serde(default)]
    pub environment: Environment,
    /// Explicit token authority (overrides the environment's), e.g. the emulator's URL.
    #[serde(default)]
    pub authority: Option<String>,
    /// Explicit Graph endpoint (overrides the environment's).
    #[serde(default)]
    pub graph_endpoint: Option<String>,
    #[serde(default = "default_concurrency")]
    pub max_concurrency: usize,
    #[serde(default)]
    pub retry: RetryPolicy,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// An extra trusted root (PEM), e.g. a test CA; certificates are always verified.
    #[serde(default)]
    pub extra_ca_pem: Option<String>,
}

fn default_concurrency() -> usize {
    GRAPH_MAX_CONCURRENCY
}
fn default_timeout() -> u64 {
    60
}

/// What an upload did.
#[derive(Debug, Clone, Serialize)]
pub struct UploadOutcome {
    pub user: String,
    pub bytes: u64,
    pub attempts: u32,
    pub waited_ms: u64,
}

/// Graph's metadata of a user's photo.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PhotoMeta {
    #[serde(rename = "@odata.mediaEtag", default)]
    pub etag: Option<String>,
    #[serde(rename = "@odata.mediaContentType", default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
}

pub(super) struct Inner {
    pub(super) http: reqwest::Client,
    pub(super) authority: String,
    pub(super) graph: String,
    pub(super) tenant: Option<String>,
    pub(super) client_id: Option<String>,
    pub(super) auth: Auth,
    pub(super) token: Mutex<Option<Token>>,
    pub(super) permits: Semaphore,
    pub(super) max_concurrency: usize,
    pub(super) retry: RetryPolicy,
    /// When the service last said to come back: every request of this client waits until
    /// then, so workers resume together instead of each learning the wait by a 429 of its own.
    pub(super) resume_at: std::sync::Mutex<Option<tokio::time::Instant>>,
}

/// A Graph client; cheap to clone, safe to share between threads and tasks.
#[derive(Clone)]
pub struct GraphClient {
    pub(super) inner: Arc<Inner>,
}

/// Characters left as they are in a path segment; everything else is percent-encoded
/// (`#` of guest UPNs, `'`, non-ASCII letters as UTF-8).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

/// The `/users/...` path of a user id or UPN. A UPN starting with `$` uses the key form
/// `users('...')` that Graph requires for it.
pub fn user_path(user: &str) -> String {
    if user.starts_with('$') {
        let quoted = user.replace('\'', "''");
        format!("users('{}')", utf8_percent_encode(&quoted, SEGMENT))
    } else {
        format!("users/{}", utf8_percent_encode(user, SEGMENT))
    }
}

#[derive(Deserialize, Default)]
struct GraphErrorBody {
    #[serde(default)]
    error: GraphErrorDetail,
}
#[derive(Deserialize, Default)]
struct GraphErrorDetail {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// A finished request: status, headers we need and body.
pub(super) struct Reply {
    pub(super) status: StatusCode,
    pub(super) body: Bytes,
    pub(super) content_type: Option<String>,
    pub(super) attempts: u32,
    pub(super) waited: Duration,
}

impl Reply {
    fn error_detail(&self) -> (String, String) {
        error_detail(self.status.as_u16(), &self.body)
    }
}

/// Graph's error body `{"error": {"code": .., "message": ..}}` of a reply with HTTP `status`:
/// the code (the status when the body names none) and the message, at most 500 bytes.
/// Public for the fuzz targets (fuzz/), which reach the client's parsers without a server.
#[doc(hidden)]
pub fn error_detail(status: u16, body: &[u8]) -> (String, String) {
    let b: GraphErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let code = if b.error.code.is_empty() {
        status.to_string()
    } else {
        b.error.code
    };
    (code, cut(&b.error.message, 500))
}

impl GraphClient {
    pub fn new(config: GraphConfig) -> Result<Self> {
        let (env_authority, env_graph) = config.environment.endpoints();
        let authority = check_endpoint(
            config.authority.as_deref().unwrap_or(env_authority),
            "authority",
            false,
        )?;
        let graph = check_endpoint(
            config.graph_endpoint.as_deref().unwrap_or(env_graph),
            "Graph endpoint",
            false,
        )?;
        if config.max_concurrency == 0 {
            return Err(Error::Config("max_concurrency must be at least 1".into()));
        }
        let auth = Auth::load(
            config.credential,
            config.tenant.as_deref(),
            config.client_id.as_deref(),
        )?;
        let mut builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs.max(1)))
            .connect_timeout(Duration::from_secs(15))
            .user_agent(concat!("UserPhoto/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &config.extra_ca_pem {
            let cert = reqwest::Certificate::from_pem(pem.as_bytes()).map_err(|e| {
                Error::Config(format!("extra_ca_pem is not a PEM certificate: {e}"))
            })?;
            builder = builder.tls_certs_merge([cert]);
        }
        let http = builder
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(GraphClient {
            inner: Arc::new(Inner {
                http,
                authority,
                graph,
                tenant: config.tenant,
                client_id: config.client_id,
                auth,
                token: Mutex::new(None),
                permits: Semaphore::new(config.max_concurrency),
                max_concurrency: config.max_concurrency,
                retry: config.retry,
                resume_at: std::sync::Mutex::new(None),
            }),
        })
    }

    /// Requests in flight at most.
    pub fn max_concurrency(&self) -> usize {
        self.inner.max_concurrency
    }

    pub(super) fn retry_policy(&self) -> RetryPolicy {
        self.inner.retry
    }

    /// The tenant named in the connection, if one was.
    pub fn tenant(&self) -> Option<&str> {
        self.inner.tenant.as_deref()
    }

    pub fn graph_endpoint(&self) -> &str {
        &self.inner.graph
    }

    fn host(&self) -> String {
        reqwest::Url::parse(&self.inner.graph)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Send with the retry policy; each attempt holds a concurrency permit.
    pub(super) async fn send_with_retry(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<Reply> {
        let policy = self.inner.retry;
        let mut tries = Tries::default();
        loop {
            let req = request
                .try_clone()
                .ok_or_else(|| Error::Config("request body cannot be retried".into()))?;
            let outcome = {
                let _permit = self
                    .inner
                    .permits
                    .acquire()
                    .await
                    .map_err(|_| Error::Cancelled)?;
                tries.waited += self.wait_for_resume().await;
                match req.send().await {
                    Ok(resp) => {
                        let status = resp.status();
                        let retry_after = resp
                            .headers()
                            .get(reqwest::header::RETRY_AFTER)
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| parse_retry_after(v, SystemTime::now()));
                        let content_type = resp
                            .headers()
                            .get(reqwest::header::CONTENT_TYPE)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_string);
                        match resp.bytes().await {
                            Ok(body) => Ok((status, retry_after, content_type, body)),
                            Err(e) => Err(e),
                        }
                    }
                    Err(e) => Err(e),
                }
            };
            let (retry_after, last) = match outcome {
                Ok((status, retry_after, content_type, body)) => {
                    tries.record(retry_after);
                    tracing::debug!(
                        status = status.as_u16(),
                        attempts = tries.attempts,
                        "{what}"
                    );
                    let reply = Reply {
                        status,
                        body,
                        content_type,
                        attempts: tries.attempts,
                        waited: tries.waited,
                    };
                    if !is_retryable_status(status.as_u16()) {
                        return Ok(reply);
                    }
                    (retry_after, Ok(reply))
                }
                Err(e) => {
                    tries.record(None);
                    tracing::debug!(attempts = tries.attempts, error = %without_url(&e), "{what}: network error");
                    (None, Err(e))
                }
            };
            let delay = policy.delay(&tries, retry_after);
            if !policy.allows(&tries, delay) {
                return match last {
                    Ok(reply) => Ok(reply),
                    Err(e) => Err(Error::Network {
                        host: self.host_of(what),
                        detail: without_url(&e),
                    }),
                };
            }
            if retry_after.is_some_and(|d| !d.is_zero()) {
                self.resume_after(delay);
            }
            tokio::time::sleep(delay).await;
            tries.waited += delay;
        }
    }

    /// Hold every request of this client back until `delay` from now (never shortens a
    /// wait already set).
    pub(super) fn resume_after(&self, delay: Duration) {
        let at = tokio::time::Instant::now() + delay;
        let mut gate = self
            .inner
            .resume_at
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if gate.is_none_or(|g| g < at) {
            *gate = Some(at);
        }
    }

    /// Wait out the client-wide pause, if one is set; returns the time waited.
    async fn wait_for_resume(&self) -> Duration {
        let at = *self
            .inner
            .resume_at
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match at {
            Some(at) if at > tokio::time::Instant::now() => {
                let started = tokio::time::Instant::now();
                tokio::time::sleep_until(at).await;
                started.elapsed()
            }
            _ => Duration::ZERO,
        }
    }

    fn host_of(&self, what: &str) -> String {
        reqwest::Url::parse(what)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| self.host())
    }

    /// A Graph call with a bearer token; a 401 gets one fresh token and one more try.
    pub(super) async fn graph_call(
        &self,
        method: Method,
        path: &str,
        body: Option<(Bytes, &str)>,
    ) -> Result<Reply> {
        let url = format!("{}/{}", self.inner.graph, path);
        let mut refreshed = false;
        loop {
            let token = self.token().await?;
            let mut req = self
                .inner
                .http
                .request(method.clone(), &url)
                .bearer_auth(token.expose());
            if let Some((bytes, content_type)) = &body {
                req = req
                    .header(reqwest::header::CONTENT_TYPE, *content_type)
                    .body(bytes.clone());
            }
            let reply = self.send_with_retry(req, &url).await?;
            if reply.status == StatusCode::UNAUTHORIZED
                && !refreshed
                && !matches!(self.inner.auth, Auth::Fixed(_))
            {
                self.invalidate(&token).await;
                refreshed = true;
                continue;
            }
            return Ok(reply);
        }
    }

    /// Map a failed reply to a named error.
    async fn failure(&self, user: &str, reply: &Reply, uploaded: Option<u64>) -> Error {
        let (code, message) = reply.error_detail();
        let status = reply.status.as_u16();
        // A refused write may be the tenant's photo policy rather than a permission.
        if status == 403 && uploaded.is_some() {
            if let Ok(Some(s)) = self.photo_update_source().await {
                if s.eq_ignore_ascii_case("onPremises") {
                    return Error::PolicyBlocked {
                        user: user.to_string(),
                    };
                }
            }
        }
        failure_of(
            user,
            status,
            code,
            message,
            reply.attempts,
            reply.waited,
            uploaded,
        )
    }
    /// `PUT /users/{user}/photo/$value`.
    pub async fn put_photo(&self, user: &str, photo: Bytes) -> Result<UploadOutcome> {
        let len = photo.len() as u64;
        if len > GRAPH.max_bytes {
            return Err(Error::TooLarge {
                user: user.to_string(),
                bytes: len,
                limit: GRAPH.max_bytes,
                server: None,
            });
        }
        let content_type = if photo.starts_with(b"\x89PNG") {
            "image/png"
        } else {
            "image/jpeg"
        };
        let path = format!("v1.0/{}/photo/$value", user_path(user));
        let reply = self
            .graph_call(Method::PUT, &path, Some((photo, content_type)))
            .await?;
        if reply.status.is_success() {
            return Ok(UploadOutcome {
                user: user.to_string(),
                bytes: len,
                attempts: reply.attempts,
                waited_ms: reply.waited.as_millis() as u64,
            });
        }
        Err(self.failure(user, &reply, Some(len)).await)
    }

    /// `GET /users/{user}/photo/$value`: the stored photo bytes.
    pub async fn get_photo(&self, user: &str) -> Result<(Vec<u8>, Option<String>)> {
        self.get_bytes(user, &sized_photo_url(user, None)).await
    }

    /// `GET /users/{user}/photos/{side}x{side}/$value`: the copy Graph keeps at one of its
    /// sizes (48, 64, 96, 120, 240, 360, 432, 504, 648), JPEG. A size larger than the photo
    /// uploaded is not available (an error).
    pub async fn get_photo_sized(&self, user: &str, side: u32) -> Result<Vec<u8>> {
        let (bytes, _) = self
            .get_bytes(user, &sized_photo_url(user, Some(side)))
            .await?;
        Ok(bytes)
    }

    async fn get_bytes(&self, user: &str, url: &str) -> Result<(Vec<u8>, Option<String>)> {
        let path = format!("v1.0{url}");
        let reply = self.graph_call(Method::GET, &path, None).await?;
        if reply.status.is_success() {
            return Ok((reply.body.to_vec(), reply.content_type));
        }
        Err(self.failure(user, &reply, None).await)
    }

    /// `GET /users/{user}/photo`: metadata, or None when the user has no photo.
    pub async fn photo_meta(&self, user: &str) -> Result<Option<PhotoMeta>> {
        let path = format!("v1.0/{}/photo", user_path(user));
        let reply = self.graph_call(Method::GET, &path, None).await?;
        if reply.status.is_success() {
            return serde_json::from_slice(&reply.body)
                .map(Some)
                .map_err(|e| Error::Graph {
                    user: user.to_string(),
                    status: reply.status.as_u16(),
                    code: "BadMetadata".into(),
                    message: e.to_string(),
                });
        }
        match self.failure(user, &reply, None).await {
            Error::NoPhoto { .. } => Ok(None),
            e => Err(e),
        }
    }

    /// `DELETE /users/{user}/photo/$value`.
    pub async fn delete_photo(&self, user: &str) -> Result<()> {
        let path = format!("v1.0/{}/photo/$value", user_path(user));
        let reply = self.graph_call(Method::DELETE, &path, None).await?;
        if reply.status.is_success() {
            return Ok(());
        }
        Err(self.failure(user, &reply, None).await)
    }

    /// The tenant's photo update policy source (`cloud`, `onPremises`, or None when unset).
    pub async fn photo_update_source(&self) -> Result<Option<String>> {
        let reply = self
            .graph_call(Method::GET, "beta/admin/people/photoUpdateSettings", None)
            .await?;
        if !reply.status.is_success() {
            let (code, message) = reply.error_detail();
            return Err(Error::Graph {
                user: String::new(),
                status: reply.status.as_u16(),
                code,
                message,
            });
        }
        let v: serde_json::Value = serde_json::from_slice(&reply.body).unwrap_or_default();
        Ok(v["source"].as_str().map(str::to_string))
    }
}

/// The named error of a failed photo request (`uploaded`: the bytes of a write), from its
/// status and Graph's error code and message.
pub(crate) fn failure_of(
    user: &str,
    status: u16,
    code: String,
    message: String,
    attempts: u32,
    waited: Duration,
    uploaded: Option<u64>,
) -> Error {
    let user = user.to_string();
    match status {
        401 => Error::Auth(format!("Microsoft Graph refused the access token: {code}: {message}")),
        403 => Error::Forbidden {
            user,
            detail: format!(
                "{code}: {message} (the app needs the ProfilePhoto.ReadWrite.All or User.ReadWrite.All application permission)"
            ),
        },
        404 if uploaded.is_none() && means_no_photo(&code, &message) => Error::NoPhoto { user },
        404 => Error::UserNotFound { user },
        413 => Error::TooLarge {
            user,
            bytes: uploaded.unwrap_or(0),
            limit: GRAPH.max_bytes,
            server: Some(format!("413 {code}: {message}")),
        },
        429 => Error::Throttled {
            user,
            attempts,
            waited_ms: waited.as_millis() as u64,
        },
        400 if uploaded.is_some() => Error::ImageRejected { user, detail: format!("{code}: {message}") },
        _ => Error::Graph { user, status, code, message },
    }
}

/// The URL (under the version, as a batch request names it) of `user`'s photo bytes: the
/// photo as uploaded, or Graph's `side` x `side` copy.
pub fn sized_photo_url(user: &str, side: Option<u32>) -> String {
    match side {
        None => format!("/{}/photo/$value", user_path(user)),
        Some(n) => format!("/{}/photos/{n}x{n}/$value", user_path(user)),
    }
}

/// Whether a 404 from a photo read or delete says "this user has no photo" rather than "no such
/// user". Graph documents none of these codes; each has been seen from the real service (see
/// `NoPhotoError` in the emulator): `ImageNotFound`, `ErrorEntityNotFound` (since 2024, with
/// the ImageNotFoundException message), `ErrorItemNotFound` and `GetUserPhoto` ("The photo
/// wasn't found."). An unknown user is `Request_ResourceNotFound`.
fn means_no_photo(code: &str, message: &str) -> bool {
    matches!(
        code,
        "ImageNotFound" | "ErrorEntityNotFound" | "ErrorItemNotFound" | "GetUserPhoto"
    ) || message.contains("ImageNotFoundException")
}

/// reqwest's error text without the URL (which may hold a user's UPN but never a secret;
/// kept short).
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.without_url_ref().to_string();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

trait WithoutUrl {
    fn without_url_ref(&self) -> String;
}
impl WithoutUrl for reqwest::Error {
    fn without_url_ref(&self) -> String {
        if self.is_timeout() {
            "timed out".into()
        } else if self.is_connect() {
            "could not connect".into()
        } else if self.is_body() || self.is_request() {
            "connection closed before the response was complete".into()
        } else {
            "request failed".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_paths_are_encoded() {
        assert_eq!(
            user_path("o'brien@contoso.com"),
            "users/o%27brien@contoso.com"
        );
        assert_eq!(user_path("zoë@contoso.com"), "users/zo%C3%AB@contoso.com");
        assert_eq!(
            user_path("jane_fabrikam.com#EXT#@contoso.onmicrosoft.com"),
            "users/jane_fabrikam.com%23EXT%23@contoso.onmicrosoft.com"
        );
        assert_eq!(
            user_path("$adele@contoso.com"),
            "users('%24adele@contoso.com')"
        );
        assert_eq!(
            user_path("3fa85f64-5717-4562-b3fc-2c963f66afa6"),
            "users/3fa85f64-5717-4562-b3fc-2c963f66afa6"
        );
    }

    /// Graph's and the token endpoint's messages are cut to a length for errors; a message
    /// in another script must be cut between characters, not panic.
    #[test]
    fn long_messages_in_any_script_are_cut_without_a_panic() {
        // One ASCII letter, then 3-byte characters: neither 300 nor 500 is a boundary.
        let message: String = format!("a{}", "€".repeat(400));
        let body = serde_json::json!({"error": {"code": "BadRequest", "message": message}});
        let reply = Reply {
            status: StatusCode::BAD_REQUEST,
            body: Bytes::from(body.to_string()),
            content_type: None,
            attempts: 1,
            waited: Duration::ZERO,
        };
        let (code, cut) = reply.error_detail();
        assert_eq!(code, "BadRequest");
        assert!(cut.len() <= 500 && cut.starts_with("a€€"), "{cut}");
        let token = serde_json::json!({"error": "invalid_client", "error_description": message});
        let e = super::super::token::token_from_reply(
            401,
            token.to_string().as_bytes(),
            "the token endpoint",
        )
        .err()
        .expect("a refusal");
        assert_eq!(e.code(), "auth");
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_endpoint("http://127.0.0.1:8080", "x", false).is_ok());
        assert!(check_endpoint("http://localhost:8080/", "x", false).is_ok());
        assert!(check_endpoint("http://[::1]:8080", "x", false).is_ok());
        assert!(check_endpoint("https://graph.microsoft.com", "x", false).is_ok());
        let e = check_endpoint("http://graph.contoso.com", "Graph endpoint", false).unwrap_err();
        assert!(e.to_string().contains("only https"), "{e}");
        assert!(check_endpoint("http://169.254.169.254/x", "x", false).is_err());
        assert!(check_endpoint("http://169.254.169.254/x", "x", true).is_ok());
    }
}
