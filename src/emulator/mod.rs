//! A local, Graph-compatible server for tests, benchmarks and dry runs.
//!
//! One process serves both sides Microsoft runs separately, on 127.0.0.1 only:
//!
//! | path | models |
//! | --- | --- |
//! | `POST /{tenant}/oauth2/v2.0/token`, `POST /{tenant}/oauth2/token` (v1, `resource=`) | Entra ID client credentials: client secret, or a client assertion signed RS256 + `x5t` / PS256 + `x5t#S256`; the tenant by domain name or id |
//! | `GET /{tenant}/v2.0/.well-known/openid-configuration`, `GET /{tenant}/.well-known/openid-configuration`, `GET /common/discovery/instance` | Entra ID metadata that MSAL reads first |
//! | `GET /msi/token?resource=..&api-version=2019-08-01` + `X-IDENTITY-HEADER` | App Service / Functions / Automation managed identity |
//! | `GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=..` + `Metadata: true` | IMDS managed identity (VM, Arc) |
//! | `PUT`/`PATCH`/`GET`/`DELETE /v1.0/users/{id or upn}/photo/$value`, `GET`/`DELETE .../photo` (also `/beta`, also `/users('upn')`) | Graph profile photo |
//! | `GET /beta/admin/people/photoUpdateSettings` | the tenant's photo update policy |
//!
//! Behaviour follows Graph's and Entra ID's documented contract; where that contract is silent,
//! the code says so in a comment next to the choice. Throttling models the Photo API's
//! published limit of 4 concurrent requests per app; faults (429, 503, dropped connections,
//! slow responses) are drawn from a seeded generator so a run can be repeated.
//!
//! The emulator runs its own tokio runtime (2 workers) on a background thread, so it can be
//! started from plain `#[test]`s, async tests and the CLI alike. Dropping the [`Emulator`]
//! (or [`Emulator::stop`]) stops accepting, lets open requests finish (at most 2 s) and closes
//! every connection.

mod auth;
mod config;
mod graph;
mod http;
mod listing;
mod metadata;
mod photo_check;
mod server;
mod state;
mod tls;

use std::io::Write as _;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::watch;

pub use config::{
    AppRegistration, EmulatedUser, EmulatorConfig, EmulatorStats, Faults, ManagedIdentityConfig,
    NoPhotoError, PhotoSource, Throttle, DEFAULT_TENANT_ID,
};

use crate::error::{Error, Result};
use state::{Shared, StoredPhoto};

/// A running emulator. Stops when dropped.
pub struct Emulator {
    shared: Arc<Shared>,
    ca_pem: Option<String>,
    shutdown: Option<watch::Sender<bool>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.shared.base_url)
            .field("https", &self.ca_pem.is_some())
            .finish()
    }
}

fn io_error(path: impl Into<String>, source: std::io::Error) -> Error {
    Error::Io {
        path: path.into(),
        source,
    }
}

impl Emulator {
    /// Check the configuration, bind 127.0.0.1:`port` (0 = ephemeral), make the TLS
    /// certificates when `https`, and start serving. Configuration problems are
    /// [`Error::Config`]; bind and runtime failures are [`Error::Io`].
    pub fn start(config: EmulatorConfig) -> Result<Emulator> {
        let addr = format!("127.0.0.1:{}", config.port);
        let std_listener = std::net::TcpListener::bind(("127.0.0.1", config.port))
            .map_err(|e| io_error(&addr, e))?;
        std_listener
            .set_nonblocking(true)
            .map_err(|e| io_error(&addr, e))?;
        let port = std_listener
            .local_addr()
            .map_err(|e| io_error(&addr, e))?
            .port();
        let scheme = if config.https { "https" } else { "http" };
        let base_url = format!("{scheme}://127.0.0.1:{port}");
        let shared = Arc::new(state::build(&config, base_url, port)?);

        let (ca_pem, acceptor) = if config.https {
            let (pem, server_config) = tls::make()?;
            (
                Some(pem),
                Some(tokio_rustls::TlsAcceptor::from(server_config)),
            )
        } else {
            (None, None)
        };

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("userphoto-emulator")
            .enable_all()
            .build()
            .map_err(|e| io_error("emulator runtime", e))?;
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(std_listener).map_err(|e| io_error(&addr, e))?
        };
        let (tx, rx) = watch::channel(false);
        let serve_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("userphoto-emulator".into())
            .spawn(move || {
                runtime.block_on(server::serve(listener, serve_shared, acceptor, rx));
                runtime.shutdown_timeout(std::time::Duration::from_millis(500));
            })
            .map_err(|e| io_error("emulator thread", e))?;
        tracing::debug!(url = %shared.base_url, "emulator started");
        Ok(Emulator {
            shared,
            ca_pem,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The Entra ID authority: the token endpoint is `{authority}/{tenant}/oauth2/v2.0/token`,
    /// which is also the audience a client assertion must name.
    pub fn authority(&self) -> String {
        self.base_url()
    }

    /// The tenant's id (a GUID), accepted wherever its domain name is.
    pub fn tenant_id(&self) -> String {
        self.shared.tenant_id.clone()
    }

    /// The Graph endpoint: paths are `{graph}/v1.0/...` and `{graph}/beta/...`. Token scopes
    /// may name it (`{graph}/.default`) or `https://graph.microsoft.com/.default`.
    pub fn graph_endpoint(&self) -> String {
        self.base_url()
    }

    /// App Service style managed identity endpoint (`IDENTITY_ENDPOINT`; header
    /// `X-IDENTITY-HEADER`, `api-version=2019-08-01`).
    pub fn identity_endpoint(&self) -> String {
        format!("{}/msi/token", self.shared.base_url)
    }

    /// IMDS style managed identity endpoint (header `Metadata: true`).
    pub fn imds_endpoint(&self) -> String {
        format!("{}/metadata/identity/oauth2/token", self.shared.base_url)
    }

    /// The PEM of the CA that signed the server certificate (HTTPS only).
    pub fn ca_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }

    /// The stored photo of a user given by id or UPN (case-insensitive).
    pub fn photo(&self, user: &str) -> Option<Vec<u8>> {
        let u = self.shared.find_user(user)?;
        self.shared.photo(&u.id).map(|p| p.bytes.as_ref().clone())
    }

    /// Seed (`Some`) or remove (`None`) a user's photo, bypassing policy, limits and stats.
    /// Does nothing for an unknown user (logged at warn level).
    pub fn set_photo(&self, user: &str, bytes: Option<Vec<u8>>) {
        let Some(u) = self.shared.find_user(user) else {
            tracing::warn!(user, "emulator set_photo: no such user");
            return;
        };
        let id = u.id.clone();
        self.shared.put_photo(&id, bytes.map(StoredPhoto::new));
    }

    /// How a missing photo is reported from now on (a rotation starts again).
    pub fn set_no_photo_error(&self, e: NoPhotoError) {
        self.shared.set_no_photo_error(e);
    }

    pub fn set_photo_source(&self, s: PhotoSource) {
        self.shared.set_photo_source(s);
    }

    /// Replace the fault settings; the generator restarts from `f.seed`. Invalid
    /// probabilities are clamped into [0, 1].
    pub fn set_faults(&self, mut f: Faults) {
        for p in [&mut f.p_503, &mut f.p_429, &mut f.p_drop, &mut f.p_slow] {
            *p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        }
        self.shared.set_faults(f);
    }

    /// Replace the throttle settings (window counters restart).
    pub fn set_throttle(&self, t: Throttle) {
        self.shared.set_throttle(t);
    }

    /// Invalidate every token issued so far: the next Graph call with one gets 401.
    pub fn revoke_tokens(&self) {
        self.shared.revoke_tokens();
    }

    /// Lifetime of tokens issued from now on (tokens already issued keep theirs).
    pub fn set_token_lifetime(&self, secs: u64) {
        self.shared.set_token_lifetime(secs);
    }

    pub fn stats(&self) -> EmulatorStats {
        self.shared.stats()
    }

    pub fn reset_stats(&self) {
        self.shared.reset_stats();
    }

    /// Stop: stop accepting, let open requests finish (at most 2 s), close connections.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Serve one HTTP/1.1 connection, without a socket, to a fresh emulator built from `config`:
/// the client sends `request` and closes its side; returns every byte the emulator wrote back.
/// Each `$TOKEN` in `request` is replaced by an access token issued to the first app, so that
/// a generated request can get past the bearer check. Public for the fuzz targets (fuzz/),
/// which reach the request parsing and handling this way; tests use [`Emulator::start`].
#[doc(hidden)]
pub fn serve_raw(config: &EmulatorConfig, request: &[u8]) -> Result<Vec<u8>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let shared = Arc::new(state::build(config, "http://127.0.0.1:0".into(), 0)?);
    let mut request = request.to_vec();
    if let Some(app) = config.apps.first() {
        let (token, _) = shared.issue_token(&app.client_id);
        const MARK: &[u8] = b"$TOKEN";
        let mut at = 0;
        while let Some(i) = request[at..].windows(MARK.len()).position(|w| w == MARK) {
            request.splice(at + i..at + i + MARK.len(), token.bytes());
            at += i + token.len();
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| io_error("emulator runtime", e))?;
    runtime.block_on(async move {
        let (client, server) = tokio::io::duplex(64 * 1024);
        // Kept until the connection ends: a dropped sender would read as a shutdown.
        let (_running, shutdown) = watch::channel(false);
        let served = tokio::spawn(server::serve_io(
            hyper_util::rt::TokioIo::new(server),
            shared,
            shutdown,
        ));
        let (mut from_server, mut to_server) = tokio::io::split(client);
        let send = async {
            let _ = to_server.write_all(&request).await;
            let _ = to_server.shutdown().await;
        };
        let mut out = Vec::new();
        let _ = tokio::join!(send, from_server.read_to_end(&mut out));
        let _ = served.await;
        Ok(out)
    })
}

/// `userphoto emulate`: start, print `emulator listening on URL` (and, with HTTPS, the path of
/// the CA certificate it wrote) to stdout, then serve until Ctrl+C (SIGINT) or, on Unix,
/// SIGTERM. The CA file is removed when the emulator stops that way; only a kill that
/// cannot be caught (SIGKILL) leaves it behind.
pub fn run_forever(config: EmulatorConfig) -> Result<()> {
    let emulator = Emulator::start(config)?;
    let waiter = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| io_error("signal runtime", e))?;
    // Handlers first: a caller may signal as soon as it has read the announcement.
    let stop = {
        let _context = waiter.enter();
        StopSignal::register()?
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "emulator listening on {}", emulator.base_url());
    let _ca_file = match emulator.ca_pem() {
        Some(pem) => {
            let port = emulator.shared.port;
            let path = std::env::temp_dir().join(format!("userphoto-emulator-ca-{port}.pem"));
            let file = CaFile::write(path, &pem)?;
            let _ = writeln!(out, "CA certificate written to {}", file.0.display());
            Some(file)
        }
        None => None,
    };
    let _ = out.flush();
    drop(out);
    waiter.block_on(stop.wait());
    emulator.stop();
    Ok(())
}

/// The CA certificate file of a `run_forever` emulator; removed when dropped.
struct CaFile(std::path::PathBuf);

impl CaFile {
    fn write(path: std::path::PathBuf, pem: &str) -> Result<CaFile> {
        let shown = path.display().to_string();
        // A file left by a run that was SIGKILLed (or anything else at that name, a symlink
        // included) is replaced, never written through.
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(shown, e)),
        }
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| io_error(shown.clone(), e))?;
        let file = CaFile(path);
        f.write_all(pem.as_bytes())
            .map_err(|e| io_error(shown, e))?;
        Ok(file)
    }
}

impl Drop for CaFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Ctrl+C, or SIGTERM on Unix (what service managers and test harnesses send), registered
/// when made (inside a runtime).
struct StopSignal {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(not(unix))]
    ctrl_c: tokio::signal::windows::CtrlC,
}

impl StopSignal {
    fn register() -> Result<StopSignal> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(StopSignal {
                interrupt: signal(SignalKind::interrupt())
                    .map_err(|e| io_error("Ctrl+C handler", e))?,
                terminate: signal(SignalKind::terminate())
                    .map_err(|e| io_error("SIGTERM handler", e))?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(StopSignal {
                ctrl_c: tokio::signal::windows::ctrl_c()
                    .map_err(|e| io_error("Ctrl+C handler", e))?,
            })
        }
    }

    async fn wait(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        self.ctrl_c.recv().await;
    }
}
