//! The emulator's state: directory (apps, users), stored photos, issued tokens, throttling
//! counters, the seeded fault generator and the statistics. One mutex guards the mutable part;
//! it is held only for bookkeeping, never across an await.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use sha1::Digest as _;
use x509_parser::prelude::FromDer;

use super::config::{
    AppRegistration, EmulatedUser, EmulatorConfig, EmulatorStats, Faults, ManagedIdentityConfig,
    NoPhotoError, PhotoSource, Throttle,
};
use crate::error::{Error, Result};

/// A registered app with its credentials ready for checking.
pub(crate) struct App {
    pub client_id: String,
    pub secret: Option<String>,
    pub cert: Option<CertInfo>,
}

/// What the token endpoint needs from an app's certificate.
pub(crate) struct CertInfo {
    /// SHA-1 of the certificate DER (`x5t`).
    pub sha1: Vec<u8>,
    /// SHA-256 of the certificate DER (`x5t#S256`).
    pub sha256: Vec<u8>,
    /// The PKCS#1 `RSAPublicKey` DER from the SubjectPublicKeyInfo.
    pub rsa_public_key: Vec<u8>,
}

#[derive(Clone)]
pub(crate) struct StoredPhoto {
    pub bytes: Arc<Vec<u8>>,
    pub content_type: &'static str,
    /// Quoted, like Graph's `@odata.mediaEtag`: `"\"BA09D118\""`.
    pub etag: String,
    pub width: u32,
    pub height: u32,
}

impl StoredPhoto {
    /// Describe `bytes`: sniffed content type and stored dimensions (0 x 0 when the header
    /// cannot be read, which only a test seeding garbage through `set_photo` can cause).
    pub fn new(bytes: Vec<u8>) -> StoredPhoto {
        let (content_type, (width, height)) = match super::photo_check::look(&bytes, false) {
            Ok(l) => (l.content_type, (l.width, l.height)),
            Err(_) => ("application/octet-stream", (0, 0)),
        };
        let digest = sha2::Sha256::digest(&bytes);
        let etag = format!("\"{}\"", super::http::hex(&digest[..4]).to_uppercase());
        StoredPhoto {
            bytes: Arc::new(bytes),
            content_type,
            etag,
            width,
            height,
        }
    }
}

struct Issued {
    app_id: String,
    expires: Instant,
}

/// Why a bearer token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenProblem {
    Missing,
    Unknown,
    Expired,
}

/// What the fault generator decided for one Graph request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    None,
    Drop,
    ServiceUnavailable,
    TooManyRequests,
}

struct Window {
    started: Instant,
    count: u32,
}

struct Inner {
    photos: HashMap<String, StoredPhoto>,
    photo_source: PhotoSource,
    throttle: Throttle,
    faults: Faults,
    rng: StdRng,
    tokens: HashMap<String, Issued>,
    token_lifetime_secs: u64,
    in_flight: HashMap<String, usize>,
    windows: HashMap<String, Window>,
    no_photo_error: NoPhotoError,
    /// Answers given so far for users without a photo (drives [`NoPhotoError::Rotate`]).
    no_photo_answers: usize,
    stats: EmulatorStats,
}

pub(crate) struct Shared {
    pub tenant: String,
    /// The tenant's GUID, lower case.
    pub tenant_id: String,
    /// `http(s)://127.0.0.1:PORT`
    pub base_url: String,
    pub port: u16,
    pub apps: Vec<App>,
    pub users: Vec<EmulatedUser>,
    /// Indexes into `users` by id and by lower-case UPN (tenants of 10,000 users).
    by_id: HashMap<String, usize>,
    by_upn: HashMap<String, usize>,
    pub max_photo_bytes: usize,
    pub managed_identity: Option<ManagedIdentityConfig>,
    inner: Mutex<Inner>,
}

/// Check the configuration and turn certificates into thumbprints and keys.
pub(crate) fn build(config: &EmulatorConfig, base_url: String, port: u16) -> Result<Shared> {
    if config.tenant.trim().is_empty() {
        return Err(Error::Config("emulator: tenant must not be empty".into()));
    }
    if config.max_photo_bytes == 0 {
        return Err(Error::Config(
            "emulator: max_photo_bytes must be above 0".into(),
        ));
    }
    if !is_guid(&config.tenant_id) {
        return Err(Error::Config(format!(
            "emulator: tenant_id {:?} is not a GUID (8-4-4-4-12 hexadecimal digits)",
            config.tenant_id
        )));
    }
    check_faults(&config.faults)?;
    check_throttle(&config.throttle)?;
    let mut apps = Vec::with_capacity(config.apps.len());
    for a in &config.apps {
        apps.push(build_app(a)?);
    }
    for (i, a) in apps.iter().enumerate() {
        if apps[..i].iter().any(|b| b.client_id == a.client_id) {
            return Err(Error::Config(format!(
                "emulator: app {:?} is registered twice",
                a.client_id
            )));
        }
    }
    let (mut by_id, mut by_upn) = (HashMap::new(), HashMap::new());
    for (i, u) in config.users.iter().enumerate() {
        if u.id.is_empty() || u.user_principal_name.is_empty() {
            return Err(Error::Config(format!(
                "emulator: user #{i} needs both an id and a userPrincipalName"
            )));
        }
        let fresh_id = by_id.insert(u.id.clone(), i).is_none();
        let fresh_upn = by_upn
            .insert(u.user_principal_name.to_lowercase(), i)
            .is_none();
        if !(fresh_id && fresh_upn) {
            return Err(Error::Config(format!(
                "emulator: user {:?} ({}) is listed twice",
                u.user_principal_name, u.id
            )));
        }
    }
    if let Some(mi) = &config.managed_identity {
        if mi.identity_header.is_empty() || mi.client_id.is_empty() {
            return Err(Error::Config(
                "emulator: managed_identity needs identity_header and client_id".into(),
            ));
        }
    }
    Ok(Shared {
        tenant: config.tenant.clone(),
        tenant_id: config.tenant_id.to_lowercase(),
        base_url,
        port,
        apps,
        users: config.users.clone(),
        by_id,
        by_upn,
        max_photo_bytes: config.max_photo_bytes,
        managed_identity: config.managed_identity.clone(),
        inner: Mutex::new(Inner {
            photos: HashMap::new(),
            photo_source: config.photo_source,
            throttle: config.throttle.clone(),
            faults: config.faults.clone(),
            rng: StdRng::seed_from_u64(config.faults.seed),
            tokens: HashMap::new(),
            token_lifetime_secs: config.token_lifetime_secs,
            in_flight: HashMap::new(),
            windows: HashMap::new(),
            no_photo_error: config.no_photo_error,
            no_photo_answers: 0,
            stats: EmulatorStats::default(),
        }),
    })
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hexadecimal digits.
pub(crate) fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub(crate) fn check_faults(f: &Faults) -> Result<()> {
    let ps = [
        ("p_503", f.p_503),
        ("p_429", f.p_429),
        ("p_drop", f.p_drop),
        ("p_slow", f.p_slow),
    ];
    for (name, p) in ps {
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::Config(format!(
                "emulator: faults.{name} = {p} is not a probability in [0, 1]"
            )));
        }
    }
    if f.p_503 + f.p_429 + f.p_drop > 1.0 + 1e-9 {
        return Err(Error::Config(
            "emulator: faults.p_drop + p_503 + p_429 must be at most 1".into(),
        ));
    }
    Ok(())
}

pub(crate) fn check_throttle(t: &Throttle) -> Result<()> {
    if t.requests_per_window > 0 && t.window_ms == 0 {
        return Err(Error::Config(
            "emulator: throttle.window_ms must be above 0 when requests_per_window is set".into(),
        ));
    }
    Ok(())
}

fn build_app(a: &AppRegistration) -> Result<App> {
    if a.client_id.trim().is_empty() {
        return Err(Error::Config("emulator: an app has no client_id".into()));
    }
    if a.client_secret.is_none() && a.certificate_pem.is_none() {
        return Err(Error::Config(format!(
            "emulator: app {:?} needs a client_secret or a certificate_pem",
            a.client_id
        )));
    }
    let cert = match &a.certificate_pem {
        None => None,
        Some(pem) => Some(parse_certificate(pem).map_err(|e| {
            Error::Config(format!(
                "emulator: certificate of app {:?}: {e}",
                a.client_id
            ))
        })?),
    };
    Ok(App {
        client_id: a.client_id.clone(),
        secret: a.client_secret.clone(),
        cert,
    })
}

/// The first CERTIFICATE block of `pem`: thumbprints and RSA public key. Client assertions
/// are RSA-signed (RS256/PS256), so a certificate with another key type is refused.
fn parse_certificate(pem: &str) -> std::result::Result<CertInfo, String> {
    let mut der = None;
    for block in x509_parser::pem::Pem::iter_from_buffer(pem.as_bytes()) {
        let block = block.map_err(|e| format!("not PEM: {e}"))?;
        if block.label == "CERTIFICATE" {
            der = Some(block.contents);
            break;
        }
    }
    let der = der.ok_or("no CERTIFICATE block in the PEM")?;
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(&der)
        .map_err(|e| format!("not an X.509 certificate: {e}"))?;
    let spki = cert.public_key();
    match spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(_)) => {}
        _ => return Err("the certificate's key is not RSA".into()),
    }
    Ok(CertInfo {
        sha1: sha1::Sha1::digest(&der).to_vec(),
        sha256: sha2::Sha256::digest(&der).to_vec(),
        rsa_public_key: spki.subject_public_key.data.to_vec(),
    })
}

/// Holds one in-flight slot of an app; released on drop (also when the client goes away).
pub(crate) struct InFlight {
    shared: Arc<Shared>,
    app_id: String,
    since: Instant,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut inner = self.shared.lock();
        inner.stats.in_flight_us += self.since.elapsed().as_micros() as u64;
        if let Some(n) = inner.in_flight.get_mut(&self.app_id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                inner.in_flight.remove(&self.app_id);
            }
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain counters behind: keep serving.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `tenant` names this emulator's tenant, by domain name or by id (case-insensitive).
    pub fn knows_tenant(&self, tenant: &str) -> bool {
        tenant.eq_ignore_ascii_case(&self.tenant) || tenant.eq_ignore_ascii_case(&self.tenant_id)
    }

    pub fn app(&self, client_id: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.client_id == client_id)
    }

    /// By id (exact), else by UPN (case-insensitive).
    pub fn find_user(&self, key: &str) -> Option<&EmulatedUser> {
        let i = self
            .by_id
            .get(key)
            .or_else(|| self.by_upn.get(&key.to_lowercase()))?;
        self.users.get(*i)
    }

    // ---- statistics ----

    pub fn count_request(&self, token_endpoint: bool) {
        let mut i = self.lock();
        i.stats.requests += 1;
        if token_endpoint {
            i.stats.token_requests += 1;
        }
    }

    pub fn with_stats(&self, f: impl FnOnce(&mut EmulatorStats)) {
        f(&mut self.lock().stats);
    }

    pub fn stats(&self) -> EmulatorStats {
        self.lock().stats.clone()
    }

    pub fn reset_stats(&self) {
        self.lock().stats = EmulatorStats::default();
    }

    // ---- tokens ----

    /// A new opaque access token for `app_id` and its lifetime in seconds.
    pub fn issue_token(&self, app_id: &str) -> (String, u64) {
        let mut raw = [0u8; 32];
        rand::rng().fill_bytes(&mut raw);
        let token = format!("emu1.{}", URL_SAFE_NO_PAD.encode(raw));
        let mut i = self.lock();
        let lifetime = i.token_lifetime_secs;
        let now = Instant::now();
        i.tokens.retain(|_, t| t.expires > now);
        i.tokens.insert(
            token.clone(),
            Issued {
                app_id: app_id.to_owned(),
                expires: now + Duration::from_secs(lifetime),
            },
        );
        (token, lifetime)
    }

    /// The app a bearer token was issued to.
    pub fn check_token(&self, token: Option<&str>) -> std::result::Result<String, TokenProblem> {
        let token = match token {
            Some(t) if !t.is_empty() => t,
            _ => return Err(TokenProblem::Missing),
        };
        let i = self.lock();
        match i.tokens.get(token) {
            None => Err(TokenProblem::Unknown),
            Some(t) if t.expires <= Instant::now() => Err(TokenProblem::Expired),
            Some(t) => Ok(t.app_id.clone()),
        }
    }

    pub fn revoke_tokens(&self) {
        self.lock().tokens.clear();
    }

    pub fn set_token_lifetime(&self, secs: u64) {
        self.lock().token_lifetime_secs = secs;
    }

    // ---- throttling ----

    /// Take an in-flight slot for `app_id`; `Err(retry_after_secs)` when over the limit.
    pub fn enter(self: &Arc<Self>, app_id: &str) -> std::result::Result<InFlight, u64> {
        let mut i = self.lock();
        let limit = i.throttle.max_concurrent_per_app;
        let retry = i.throttle.retry_after_secs.max(1);
        let n = {
            let n = i.in_flight.entry(app_id.to_owned()).or_insert(0);
            *n += 1;
            *n
        };
        i.stats.max_in_flight_seen = i.stats.max_in_flight_seen.max(n);
        let guard = InFlight {
            shared: Arc::clone(self),
            app_id: app_id.to_owned(),
            since: Instant::now(),
        };
        if limit > 0 && n > limit {
            drop(i);
            drop(guard); // gives the slot back
            return Err(retry);
        }
        Ok(guard)
    }

    /// Count a request in `app_id`'s fixed window; `Some(retry_after_secs)` when over.
    pub fn window(&self, app_id: &str) -> Option<u64> {
        let mut i = self.lock();
        let per = i.throttle.requests_per_window;
        if per == 0 {
            return None;
        }
        let len = Duration::from_millis(i.throttle.window_ms.max(1));
        let now = Instant::now();
        let w = i.windows.entry(app_id.to_owned()).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.duration_since(w.started) >= len {
            w.started = now;
            w.count = 0;
        }
        w.count += 1;
        if w.count <= per {
            return None;
        }
        let left = (w.started + len).saturating_duration_since(now);
        Some(left.as_secs_f64().ceil().max(1.0) as u64)
    }

    pub fn set_throttle(&self, t: Throttle) {
        let mut i = self.lock();
        i.throttle = t;
        i.windows.clear();
    }

    // ---- faults ----

    /// Draw this request's fault and optional delay (two draws per request, always, so the
    /// sequence depends only on the seed and the number of Graph requests).
    pub fn draw_fault(&self) -> (Fault, Option<Duration>) {
        let mut i = self.lock();
        let r: f64 = i.rng.random();
        let s: f64 = i.rng.random();
        let f = &i.faults;
        let fault = if r < f.p_drop {
            Fault::Drop
        } else if r < f.p_drop + f.p_503 {
            Fault::ServiceUnavailable
        } else if r < f.p_drop + f.p_503 + f.p_429 {
            Fault::TooManyRequests
        } else {
            Fault::None
        };
        let slow = (s < f.p_slow && f.slow_ms > 0).then(|| Duration::from_millis(f.slow_ms));
        (fault, slow)
    }

    pub fn retry_after_on_503(&self) -> bool {
        self.lock().faults.retry_after_on_503
    }

    /// New fault settings; the generator restarts from the new seed.
    pub fn set_faults(&self, f: Faults) {
        let mut i = self.lock();
        i.rng = StdRng::seed_from_u64(f.seed);
        i.faults = f;
    }

    // ---- photos and policy ----

    pub fn set_no_photo_error(&self, e: NoPhotoError) {
        let mut i = self.lock();
        i.no_photo_error = e;
        i.no_photo_answers = 0;
    }

    /// The code and message of the next "no photo" answer.
    pub fn no_photo_error(&self) -> (&'static str, &'static str) {
        const IMAGE_NOT_FOUND: &str =
            "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown.";
        let mut i = self.lock();
        let turn = i.no_photo_answers;
        i.no_photo_answers += 1;
        let e = match i.no_photo_error {
            NoPhotoError::Rotate => [
                NoPhotoError::ImageNotFound,
                NoPhotoError::ErrorEntityNotFound,
                NoPhotoError::ErrorItemNotFound,
            ][turn % 3],
            e => e,
        };
        match e {
            NoPhotoError::ErrorEntityNotFound => ("ErrorEntityNotFound", IMAGE_NOT_FOUND),
            NoPhotoError::ErrorItemNotFound => ("ErrorItemNotFound", "The photo wasn't found."),
            _ => ("ImageNotFound", IMAGE_NOT_FOUND),
        }
    }

    pub fn photo_source(&self) -> PhotoSource {
        self.lock().photo_source
    }

    pub fn set_photo_source(&self, s: PhotoSource) {
        self.lock().photo_source = s;
    }

    pub fn photo(&self, user_id: &str) -> Option<StoredPhoto> {
        self.lock().photos.get(user_id).cloned()
    }

    /// Store (or with `None` remove) a user's photo; `true` when a photo was there before.
    pub fn put_photo(&self, user_id: &str, photo: Option<StoredPhoto>) -> bool {
        let mut i = self.lock();
        match photo {
            Some(p) => i.photos.insert(user_id.to_owned(), p).is_some(),
            None => i.photos.remove(user_id).is_some(),
        }
    }

    /// Store an uploaded photo and count it as a successful PUT.
    pub fn store_upload(&self, user_id: &str, photo: StoredPhoto) {
        let mut i = self.lock();
        let len = photo.bytes.len() as u64;
        i.photos.insert(user_id.to_owned(), photo);
        i.stats.successful_puts += 1;
        i.stats.bytes_uploaded += len;
        *i.stats.puts_by_user.entry(user_id.to_owned()).or_insert(0) += 1;
    }
}
