//! What the emulator is started with. Every field has a default, so a JSON file needs to say
//! only what differs:
//!
//! ```json
//! {"tenant": "contoso.onmicrosoft.com", "tenant_id": "aaaabbbb-0000-cccc-1111-dddd2222eeee",
//!  "apps": [{"client_id": "11111111-1111-1111-1111-111111111111", "client_secret": "s3cret"}],
//!  "users": [{"id": "aaaaaaaa-0000-0000-0000-000000000001", "userPrincipalName": "adele@contoso.com"}],
//!  "photo_source": "cloud",
//!  "throttle": {"max_concurrent_per_app": 4},
//!  "faults": {"seed": 7, "p_503": 0.05}}
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The emulator's configuration (loadable from JSON; unknown fields are refused so a typo
/// does not silently leave a default in place).
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmulatorConfig {
    /// TCP port on 127.0.0.1; 0 picks an ephemeral port.
    pub port: u16,
    /// Serve HTTPS with a certificate signed by a CA generated at start ([`super::Emulator::ca_pem`]).
    pub https: bool,
    /// The only tenant the token endpoint knows, by domain name (compared case-insensitively)...
    pub tenant: String,
    /// ...or by its id, a GUID (Entra accepts either wherever a tenant is named).
    pub tenant_id: String,
    pub apps: Vec<AppRegistration>,
    pub users: Vec<EmulatedUser>,
    /// Lifetime of issued access tokens.
    pub token_lifetime_secs: u64,
    /// Largest photo body a PUT/PATCH accepts (Graph documents 4 MB).
    pub max_photo_bytes: usize,
    /// The tenant's photo update policy (`photoUpdateSettings.source`).
    pub photo_source: PhotoSource,
    pub throttle: Throttle,
    pub faults: Faults,
    /// Enables the managed identity endpoints; their tokens are issued for `client_id`.
    pub managed_identity: Option<ManagedIdentityConfig>,
    /// The error code of a 404 for a user without a photo.
    pub no_photo_error: NoPhotoError,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            port: 0,
            https: false,
            tenant: "contoso.onmicrosoft.com".into(),
            tenant_id: DEFAULT_TENANT_ID.into(),
            apps: Vec::new(),
            users: Vec::new(),
            token_lifetime_secs: 3600,
            max_photo_bytes: 4 * 1024 * 1024,
            photo_source: PhotoSource::Cloud,
            throttle: Throttle::default(),
            faults: Faults::default(),
            managed_identity: None,
            no_photo_error: NoPhotoError::default(),
        }
    }
}

/// A made-up tenant id in the style of Microsoft's documentation placeholders.
pub const DEFAULT_TENANT_ID: &str = "aaaabbbb-0000-cccc-1111-dddd2222eeee";

impl fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("port", &self.port)
            .field("https", &self.https)
            .field("tenant", &self.tenant)
            .field("tenant_id", &self.tenant_id)
            .field("apps", &self.apps)
            .field("users", &self.users.len())
            .field("token_lifetime_secs", &self.token_lifetime_secs)
            .field("max_photo_bytes", &self.max_photo_bytes)
            .field("photo_source", &self.photo_source)
            .field("throttle", &self.throttle)
            .field("faults", &self.faults)
            .field("managed_identity", &self.managed_identity)
            .field("no_photo_error", &self.no_photo_error)
            .finish()
    }
}

/// An app registration: a client id with a secret, a certificate, or both.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppRegistration {
    pub client_id: String,
    pub client_secret: Option<String>,
    /// PEM of the app's X.509 certificate (RSA key); other PEM blocks in the text are ignored.
    pub certificate_pem: Option<String>,
}

/// Secrets never appear in debug output.
impl fmt::Debug for AppRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppRegistration")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("certificate_pem", &self.certificate_pem.is_some())
            .finish()
    }
}

/// A directory user. Graph addresses a user by `id` (exact) or `userPrincipalName`
/// (case-insensitive). `GET /users` lists them in this order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmulatedUser {
    pub id: String,
    #[serde(rename = "userPrincipalName", alias = "user_principal_name")]
    pub user_principal_name: String,
    #[serde(rename = "mail")]
    pub mail: Option<String>,
    #[serde(rename = "displayName", alias = "display_name")]
    pub display_name: Option<String>,
    /// Signing in allowed (Graph's `accountEnabled`); a disabled account is still listed.
    #[serde(rename = "accountEnabled", alias = "account_enabled")]
    pub account_enabled: bool,
}

impl Default for EmulatedUser {
    fn default() -> Self {
        EmulatedUser {
            id: String::new(),
            user_principal_name: String::new(),
            mail: None,
            display_name: None,
            account_enabled: true,
        }
    }
}

/// The photo update policy (`GET /beta/admin/people/photoUpdateSettings`, property `source`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhotoSource {
    /// Photos are managed in the cloud: Graph updates are allowed.
    #[default]
    #[serde(rename = "cloud")]
    Cloud,
    /// Photos come from on-premises AD: "updates through cloud services are disabled for both
    /// admins and users", so Graph PUT/PATCH/DELETE are refused with 403.
    #[serde(rename = "onPremises", alias = "on-premises", alias = "on_premises")]
    OnPremises,
    /// No policy configured (`source: null`): cloud updates are allowed.
    #[serde(rename = "unset", alias = "null")]
    Unset,
}

/// How Graph says "this user has no photo" (always 404). Graph documents none of these codes;
/// each has been seen from the real service, so a client must take all of them as "no photo":
///
/// - `ImageNotFound`, message "Exception of type
///   'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown." (quoted in
///   Microsoft's "Change user profile photos" admin page for `Get-MgUserPhoto`);
/// - `ErrorEntityNotFound` with that same message (from January 2024:
///   microsoftgraph/msgraph-sdk-dotnet-core issues 796 and 851);
/// - `ErrorItemNotFound`, "The photo wasn't found." (mailbox-backed photos:
///   microsoftgraph/microsoft-graph-docs issue 2248).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoPhotoError {
    #[default]
    ImageNotFound,
    ErrorEntityNotFound,
    ErrorItemNotFound,
    /// Each answer takes the next of the three in turn, so a client meets all of them.
    #[serde(rename = "rotate")]
    Rotate,
}

/// Throttling per app (the `appid` of the access token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Throttle {
    /// Graph requests of one app allowed in flight at once; one more gets an immediate 429.
    /// The Photo API's published limit is 4 concurrent requests per app. 0 = no limit.
    pub max_concurrent_per_app: usize,
    /// Requests per fixed window per app; 0 = no window limit.
    pub requests_per_window: u32,
    pub window_ms: u64,
    /// `Retry-After` sent with a concurrency 429.
    pub retry_after_secs: u64,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle {
            max_concurrent_per_app: 4,
            requests_per_window: 0,
            window_ms: 1000,
            retry_after_secs: 1,
        }
    }
}

/// Seeded fault injection on Graph requests (after authentication, before the handler).
/// For each Graph request one number `r` in [0, 1) decides: `r < p_drop` drops the
/// connection, then `p_503`, then `p_429` (the ranges are stacked, so their sum must be at most
/// 1); a second number decides a slow response (`p_slow`). The same seed and the same request
/// order give the same faults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    pub seed: u64,
    pub p_503: f64,
    pub p_429: f64,
    pub p_drop: f64,
    pub p_slow: f64,
    pub slow_ms: u64,
    /// Send `Retry-After: 1` with injected 503s (Graph sometimes does, sometimes does not).
    pub retry_after_on_503: bool,
}

/// Managed identity: `X-IDENTITY-HEADER` value expected by the App Service style endpoint, and
/// the client id its tokens are issued for (throttling counts them under this id).
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ManagedIdentityConfig {
    pub identity_header: String,
    pub client_id: String,
}

impl fmt::Debug for ManagedIdentityConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagedIdentityConfig")
            .field("identity_header", &"<redacted>")
            .field("client_id", &self.client_id)
            .finish()
    }
}

/// Counters since start (or the last [`super::Emulator::reset_stats`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EmulatorStats {
    /// Every HTTP request received (token, managed identity, Graph, unknown routes).
    pub requests: u64,
    /// Requests to the token endpoint and both managed identity endpoints.
    pub token_requests: u64,
    /// Successful (200) photo PUT/PATCHes per user id.
    pub puts_by_user: BTreeMap<String, u32>,
    pub successful_puts: u64,
    /// Every 429 sent: concurrency and window throttling plus injected 429s.
    pub throttled_429: u64,
    /// Injected 429s only (also counted in `throttled_429`).
    pub faults_429: u64,
    /// Injected 503s.
    pub faults_503: u64,
    /// Connections dropped without a response (injected).
    pub dropped: u64,
    /// Requests delayed by an injected slow response.
    pub slowed: u64,
    /// 401s sent by Graph routes (missing, unknown, expired or revoked token).
    pub unauthorized_401: u64,
    /// Largest number of Graph requests one app had in flight at once, counting the request
    /// that was refused for going over the limit (so a client that sends 5 at once shows 5).
    pub max_in_flight_seen: usize,
    /// Bytes of successfully stored photos.
    pub bytes_uploaded: u64,
    /// Time Graph requests held an in-flight slot, summed (over the wall time and the
    /// concurrency limit: the share of the concurrency throttle used).
    pub in_flight_us: u64,
    /// Pages of `GET /users` served.
    pub user_pages: u64,
    /// `POST /$batch` requests, and the requests inside them.
    pub batches: u64,
    pub batched_requests: u64,
}
