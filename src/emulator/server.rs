//! The HTTP/1.1 server: accept loop, optional TLS, per-connection hyper service, request
//! dispatch and logging, graceful shutdown.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::auth::{self, MiStyle, TokenVersion};
use super::graph;
use super::http::{empty, graph_error, json_response, oauth_error, Body, RequestIds};
use super::metadata::{self, OidcVersion};
use super::state::{Shared, StoredPhoto};

/// Returned by a handler to close the connection without any response (an injected fault).
#[derive(Debug)]
pub(crate) struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

/// How long stop() lets open connections finish their current request.
const GRACE: Duration = Duration::from_secs(2);
/// Token request bodies are small forms; anything bigger is refused.
const MAX_FORM_BYTES: usize = 64 * 1024;

pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    conns.spawn(connection(stream, Arc::clone(&shared), tls.clone(), shutdown.clone()));
                }
                Err(e) => {
                    // Out of descriptors and the like: back off instead of spinning.
                    tracing::debug!(error = %e, "emulator accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    drop(listener);
    let drain = async { while conns.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(GRACE, drain).await;
    conns.abort_all();
}

async fn connection(
    stream: TcpStream,
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    match tls {
        None => serve_io(TokioIo::new(stream), shared, shutdown).await,
        Some(acceptor) => {
            let handshake = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream));
            let stream = tokio::select! {
                r = handshake => match r {
                    Ok(Ok(s)) => s,
                    Ok(Err(e)) => {
                        tracing::debug!(error = %e, "emulator TLS handshake failed");
                        return;
                    }
                    Err(_) => return,
                },
                _ = shutdown.changed() => return,
            };
            serve_io(TokioIo::new(stream), shared, shutdown).await
        }
    }
}

pub(crate) async fn serve_io<I>(io: I, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = service_fn(move |req| dispatch(Arc::clone(&shared), req));
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .serve_connection(io, service);
    tokio::pin!(conn);
    tokio::select! {
        res = conn.as_mut() => {
            if let Err(e) = res {
                tracing::debug!(error = %e, "emulator connection ended");
            }
        }
        _ = shutdown.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.as_mut().await;
        }
    }
}

enum Route {
    Token(String, TokenVersion),
    OpenIdConfiguration(String, OidcVersion),
    InstanceDiscovery,
    SigningKeys,
    ManagedIdentity(MiStyle),
    Graph,
    /// `/_emulator/...`: the emulator's own controls for tests and dry runs, which no
    /// Microsoft service has (see [`admin`]).
    Admin,
    NotFound,
}

fn classify(path: &str) -> Route {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let tenant = |t: &str| {
        percent_encoding::percent_decode_str(t)
            .decode_utf8_lossy()
            .into_owned()
    };
    match segs.as_slice() {
        ["msi", "token"] => Route::ManagedIdentity(MiStyle::AppService),
        ["metadata", "identity", "oauth2", "token"] => Route::ManagedIdentity(MiStyle::Imds),
        ["v1.0" | "beta", ..] => Route::Graph,
        ["_emulator", ..] => Route::Admin,
        ["common", "discovery", "instance"] => Route::InstanceDiscovery,
        [_, "discovery", "keys"] | [_, "discovery", "v2.0", "keys"] => Route::SigningKeys,
        [t, "oauth2", "v2.0", "token"] if !t.is_empty() => {
            Route::Token(tenant(t), TokenVersion::V2)
        }
        [t, "oauth2", "token"] if !t.is_empty() => Route::Token(tenant(t), TokenVersion::V1),
        [t, "v2.0", ".well-known", "openid-configuration"] if !t.is_empty() => {
            Route::OpenIdConfiguration(tenant(t), OidcVersion::V2)
        }
        [t, ".well-known", "openid-configuration"] if !t.is_empty() => {
            Route::OpenIdConfiguration(tenant(t), OidcVersion::V1)
        }
        _ => Route::NotFound,
    }
}

async fn dispatch(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<Body>, Dropped> {
    let ids = RequestIds::new(
        req.headers()
            .get("client-request-id")
            .and_then(|v| v.to_str().ok()),
    );
    let method = req.method().clone();
    // Only the path is logged: never headers (Authorization), bodies (secrets, assertions,
    // photos) or query strings.
    let path = req.uri().path().to_owned();
    let route = classify(&path);
    shared.count_request(matches!(
        route,
        Route::Token(..) | Route::ManagedIdentity(_)
    ));
    let result = match route {
        Route::Graph => graph::handle(&shared, &ids, req).await,
        Route::Admin => Ok(admin(&shared, &ids, req).await),
        Route::Token(tenant, version) => {
            let (parts, body) = req.into_parts();
            let body = if parts.method == Method::POST {
                match read_limited(body, MAX_FORM_BYTES).await {
                    Some(b) => b,
                    None => {
                        let r = oauth_error(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            &ids,
                            &shared.base_url,
                            "invalid_request",
                            90004,
                            "The request isn't properly formatted: the body is too large.",
                        );
                        log(&method, &path, &ids, Ok(&r));
                        return Ok(r);
                    }
                }
            } else {
                Vec::new()
            };
            Ok(auth::token_endpoint(
                &shared,
                &ids,
                &tenant,
                version,
                &parts.method,
                &parts.headers,
                &body,
            ))
        }
        Route::OpenIdConfiguration(tenant, version) => Ok(metadata::openid_configuration(
            &shared,
            &ids,
            req.method(),
            &tenant,
            version,
        )),
        Route::InstanceDiscovery => Ok(metadata::instance_discovery(
            &shared,
            &ids,
            req.method(),
            req.uri().query().unwrap_or(""),
        )),
        Route::SigningKeys => Ok(metadata::signing_keys(&shared, &ids, req.method())),
        Route::ManagedIdentity(style) => Ok(auth::managed_identity(
            &shared,
            &ids,
            style,
            req.method(),
            req.headers(),
            req.uri().query().unwrap_or(""),
        )),
        Route::NotFound => Ok(graph_error(
            StatusCode::NOT_FOUND,
            &ids,
            "BadRequest",
            "Resource not found: this emulator serves /{tenant}/oauth2/v2.0/token, /{tenant}/oauth2/token, /{tenant}/v2.0/.well-known/openid-configuration, /{tenant}/.well-known/openid-configuration, /common/discovery/instance, /msi/token, /metadata/identity/oauth2/token, /v1.0/... and /beta/....",
        )),
    };
    log(&method, &path, &ids, result.as_ref());
    result
}

/// The emulator's own controls, outside Graph's contract and its faults, throttling and
/// tokens (the server only listens on loopback), so that a test in another process, or an
/// admin's dry run, can see and set what the in-process [`super::Emulator`] API offers:
///   GET /_emulator/stats                    the counters ([`super::config::EmulatorStats`])
///   PUT /_emulator/photo/{user id or UPN}   store the body as the user's photo, unchecked
///   DELETE /_emulator/photo/{user}          remove the user's photo
async fn admin(shared: &Arc<Shared>, ids: &RequestIds, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().to_owned();
    let rest = path.trim_start_matches("/_emulator/");
    let not_found =
        |what: &str| graph_error(StatusCode::NOT_FOUND, ids, "Request_ResourceNotFound", what);
    match (req.method().clone(), rest.split_once('/')) {
        (Method::GET, None) if rest == "stats" => {
            json_response(StatusCode::OK, ids, &serde_json::json!(shared.stats()))
        }
        (method @ (Method::PUT | Method::DELETE), Some(("photo", user))) => {
            let user = percent_encoding::percent_decode_str(user).decode_utf8_lossy();
            let Some(id) = shared.find_user(&user).map(|u| u.id.clone()) else {
                return not_found(&format!("no emulated user {user:?}"));
            };
            let photo = if method == Method::PUT {
                match read_limited(req.into_body(), shared.max_photo_bytes * 2).await {
                    Some(b) => Some(StoredPhoto::new(b)),
                    None => return graph_error(StatusCode::PAYLOAD_TOO_LARGE, ids, "BadRequest", "body too large"),
                }
            } else {
                None
            };
            shared.put_photo(&id, photo);
            empty(StatusCode::NO_CONTENT, ids)
        }
        _ => not_found("the emulator's controls are GET /_emulator/stats and PUT or DELETE /_emulator/photo/{user}"),
    }
}

fn log(method: &Method, path: &str, ids: &RequestIds, result: Result<&Response<Body>, &Dropped>) {
    match result {
        Ok(r) => tracing::debug!(
            %method,
            path,
            status = r.status().as_u16(),
            request_id = %ids.request_id,
            "emulator request"
        ),
        Err(_) => tracing::debug!(
            %method,
            path,
            status = "dropped",
            request_id = %ids.request_id,
            "emulator request"
        ),
    }
}

/// The whole body when it is at most `limit` bytes.
async fn read_limited(body: Incoming, limit: usize) -> Option<Vec<u8>> {
    let limited = http_body_util::Limited::new(body, limit);
    limited.collect().await.ok().map(|c| c.to_bytes().to_vec())
}
