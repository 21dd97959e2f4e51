//! The Entra ID side: `POST /{tenant}/oauth2/v2.0/token` and the v1 `POST /{tenant}/oauth2/token`
//! (client credentials with a client secret or a signed client assertion; the tenant by
//! domain name or id) and the two managed identity endpoints.
//!
//! Errors follow the Entra ID shape (`error`, `error_description` starting with the AADSTS
//! code, `error_codes`), with the codes of the Entra error code reference where one fits.
//! Entra documents that these codes and texts change over time; clients should key on the
//! HTTP status and the `error` field only. Nothing here ever echoes a secret or an assertion.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hyper::header::{HeaderValue, AUTHORIZATION};
use hyper::{HeaderMap, Method, Response, StatusCode};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{json, Value};

use super::http::{
    constant_time_eq, form_get, hex, iso_utc, json_response, no_store, oauth_error, parse_form,
    unix_now, Body, RequestIds,
};
use super::state::{App, Shared};

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Microsoft Graph's well-known application id (a valid resource name for it).
const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// Clock skew allowed on a client assertion's `exp` and `nbf`.
const SKEW_SECS: u64 = 60;

/// An OAuth error before it is turned into a response.
struct Refusal {
    status: StatusCode,
    error: &'static str,
    aadsts: u32,
    message: String,
}

fn refuse(
    status: StatusCode,
    error: &'static str,
    aadsts: u32,
    message: impl Into<String>,
) -> Refusal {
    Refusal {
        status,
        error,
        aadsts,
        message: message.into(),
    }
}

fn bad_request(error: &'static str, aadsts: u32, message: impl Into<String>) -> Refusal {
    refuse(StatusCode::BAD_REQUEST, error, aadsts, message)
}

fn invalid_client(aadsts: u32, message: impl Into<String>) -> Refusal {
    refuse(StatusCode::UNAUTHORIZED, "invalid_client", aadsts, message)
}

fn missing(name: &str) -> Refusal {
    bad_request(
        "invalid_request",
        900144,
        format!("The request body must contain the following parameter: '{name}'."),
    )
}

impl Refusal {
    fn into_response(self, shared: &Shared, ids: &RequestIds) -> Response<Body> {
        oauth_error(
            self.status,
            ids,
            &shared.base_url,
            self.error,
            self.aadsts,
            &self.message,
        )
    }
}

/// Which of Entra ID's two token endpoints a request came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenVersion {
    /// `/{tenant}/oauth2/token`: names the API by `resource`; answers numbers as strings.
    V1,
    /// `/{tenant}/oauth2/v2.0/token`: names the API by `scope` = `{resource}/.default`.
    V2,
}

/// `POST /{tenant}/oauth2/v2.0/token` and `POST /{tenant}/oauth2/token`.
pub(crate) fn token_endpoint(
    shared: &Shared,
    ids: &RequestIds,
    tenant: &str,
    version: TokenVersion,
    method: &Method,
    headers: &HeaderMap,
    body: &[u8],
) -> Response<Body> {
    match issue(shared, tenant, version, method, headers, body) {
        Ok(resp) => {
            let mut r = json_response(StatusCode::OK, ids, &resp);
            no_store(&mut r);
            r
        }
        Err(refusal) => {
            let mut r = refusal.into_response(shared, ids);
            if *method != Method::POST {
                r.headers_mut()
                    .insert(hyper::header::ALLOW, HeaderValue::from_static("POST"));
            }
            r
        }
    }
}

fn issue(
    shared: &Shared,
    tenant: &str,
    version: TokenVersion,
    method: &Method,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, Refusal> {
    if *method != Method::POST {
        // Entra answers other verbs with AADSTS900561 (as an HTML page for browsers); the
        // status code of that answer is not documented: 405 is our choice.
        return Err(refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            900561,
            format!("The endpoint only accepts POST requests. Received a {method} request."),
        ));
    }
    let tenant_lower = tenant.to_lowercase();
    if tenant_lower == "common" || tenant_lower == "consumers" {
        return Err(bad_request(
            "invalid_request",
            9001023,
            "The grant type isn't supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
        ));
    }
    if !shared.knows_tenant(tenant) {
        return Err(bad_request(
            "invalid_request",
            90002,
            format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."),
        ));
    }

    let form = parse_form(&String::from_utf8_lossy(body));
    let basic = basic_credentials(headers);

    let grant_type = form_get(&form, "grant_type").ok_or_else(|| missing("grant_type"))?;
    if grant_type != "client_credentials" {
        return Err(bad_request(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{grant_type}'. This emulator supports client_credentials only."),
        ));
    }
    let client_id = form_get(&form, "client_id")
        .map(str::to_owned)
        .or_else(|| basic.as_ref().map(|(id, _)| id.clone()))
        .ok_or_else(|| missing("client_id"))?;
    // Entra's v1 client credentials grant names the API by `resource` (required); the v2
    // grant by `scope`. A `scope` sent to v1 is ignored (what v1 does with one is
    // undocumented; MSAL sends one on every request).
    let resource = match version {
        TokenVersion::V2 => {
            let scope = form_get(&form, "scope").ok_or_else(|| missing("scope"))?;
            check_scope(shared, scope)?
        }
        TokenVersion::V1 => {
            let resource = form_get(&form, "resource")
                .filter(|r| !r.is_empty())
                .ok_or_else(|| missing("resource"))?;
            check_resource(shared, resource)?;
            resource.to_owned()
        }
    };

    let app = shared.app(&client_id).ok_or_else(|| {
        bad_request(
            "unauthorized_client",
            700016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
                shared.tenant
            ),
        )
    })?;

    let secret = form_get(&form, "client_secret")
        .map(str::to_owned)
        .or_else(|| basic.map(|(_, s)| s));
    let assertion = form_get(&form, "client_assertion");
    let assertion_type = form_get(&form, "client_assertion_type");
    match (secret, assertion) {
        (Some(_), Some(_)) => {
            // Sending both is not documented; refusing it (rather than picking one) is our choice.
            return Err(bad_request(
                "invalid_request",
                9002313,
                "Request is malformed or invalid: send either client_secret or client_assertion, not both.",
            ));
        }
        (None, None) => {
            return Err(invalid_client(
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            ));
        }
        (Some(secret), None) => check_secret(app, &secret)?,
        (None, Some(assertion)) => {
            if assertion_type != Some(JWT_BEARER) {
                // The exact code for a wrong client_assertion_type is undocumented; 90100
                // (InvalidRequestParameter) is the closest entry of the reference.
                return Err(bad_request(
                    "invalid_request",
                    90100,
                    format!("The parameter 'client_assertion_type' is empty or not valid: it must be '{JWT_BEARER}'."),
                ));
            }
            check_assertion(shared, app, assertion)?;
        }
    }

    let (token, lifetime) = shared.issue_token(&app.client_id);
    Ok(match version {
        TokenVersion::V2 => json!({
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": token,
        }),
        // The v1 answer as Entra's v1 client credentials documentation shows it: times as
        // strings, `expires_on`/`not_before` in Unix seconds, and the `resource`.
        TokenVersion::V1 => {
            let now = unix_now();
            json!({
                "token_type": "Bearer",
                "expires_in": lifetime.to_string(),
                "ext_expires_in": lifetime.to_string(),
                "expires_on": (now + lifetime).to_string(),
                "not_before": now.to_string(),
                "resource": resource,
                "access_token": token,
            })
        }
    })
}

/// RFC 6749 §2.3.1: `Authorization: Basic base64(urlencode(id):urlencode(secret))`.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(rest.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let form = parse_form(&format!("i={id}&s={secret}"));
    Some((
        form_get(&form, "i")?.to_owned(),
        form_get(&form, "s")?.to_owned(),
    ))
}

/// The resource names that mean "Microsoft Graph" here: the global Graph host, Graph's app id,
/// or this emulator's own Graph endpoint (127.0.0.1 or localhost).
pub(crate) fn is_graph_resource(shared: &Shared, resource: &str) -> bool {
    let r = resource.trim_end_matches('/').to_lowercase();
    let scheme = if shared.base_url.starts_with("https") {
        "https"
    } else {
        "http"
    };
    r == "https://graph.microsoft.com"
        || r == GRAPH_APP_ID
        || r == shared.base_url.to_lowercase()
        || r == format!("{scheme}://localhost:{}", shared.port)
}

/// The resource of a v2 scope, which must be `{Graph}/.default`.
fn check_scope(shared: &Shared, scope: &str) -> Result<String, Refusal> {
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    if scopes.len() != 1 {
        return Err(bad_request(
            "invalid_scope",
            70011,
            format!("The provided value for the input parameter 'scope' is not valid. The client credentials flow takes exactly one scope, '{{resource}}/.default'; got '{scope}'."),
        ));
    }
    let resource = scopes[0].strip_suffix("/.default").ok_or_else(|| {
        bad_request(
            "invalid_scope",
            1002012,
            format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."),
        )
    })?;
    check_resource(shared, resource)?;
    Ok(resource.to_owned())
}

fn check_resource(shared: &Shared, resource: &str) -> Result<(), Refusal> {
    if !is_graph_resource(shared, resource) {
        return Err(bad_request(
            "invalid_resource",
            500011,
            format!(
                "The resource principal named {resource} was not found in the tenant named {}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.",
                shared.tenant
            ),
        ));
    }
    Ok(())
}

fn check_secret(app: &App, secret: &str) -> Result<(), Refusal> {
    let ok = app
        .secret
        .as_deref()
        .is_some_and(|s| constant_time_eq(s.as_bytes(), secret.as_bytes()));
    if ok {
        Ok(())
    } else {
        Err(invalid_client(
            7000215,
            format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                app.client_id
            ),
        ))
    }
}

fn malformed(detail: &str) -> Refusal {
    invalid_client(
        50027,
        format!("JWT token is invalid or malformed: {detail}."),
    )
}

fn decode_thumbprint(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok()
}

/// Verify a client assertion the way Entra ID documents it: RS256 with `x5t` (SHA-1
/// thumbprint) or PS256 with `x5t#S256` (SHA-256 thumbprint); the thumbprint names the app's
/// certificate; the signature verifies with that certificate's key; `aud` is this token
/// endpoint, `iss` = `sub` = client id, `exp` not past and `nbf` not ahead (60 s skew), `jti`
/// present.
///
/// The JWT is read here rather than by a strict JWT library, because Entra accepts what
/// MSAL.NET sends and MSAL.NET departs from RFC 7515/7519 in two ways (seen by
/// tests/clients): `x5c` is one base64 string, not an array, and `nbf`/`exp` are numeric
/// strings, not numbers. Both forms are accepted.
///
/// Undocumented choices: either thumbprint header is accepted with either algorithm (the SHA-256
/// one wins when both are sent); replayed `jti`s are not refused (Entra does not document
/// replay detection for client assertions).
fn check_assertion(shared: &Shared, app: &App, assertion: &str) -> Result<(), Refusal> {
    let parts: Vec<&str> = assertion.split('.').collect();
    let [header_b64, claims_b64, signature] = parts[..] else {
        return Err(malformed("it is not three dot-separated parts"));
    };
    let json_part = |b64: &str, what: &str| {
        URL_SAFE_NO_PAD
            .decode(b64.trim_end_matches('='))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
            .filter(Value::is_object)
            .ok_or_else(|| malformed(&format!("the {what} cannot be read")))
    };
    let header = json_part(header_b64, "header")?;
    let alg = match header.get("alg").and_then(Value::as_str) {
        Some("RS256") => Algorithm::RS256,
        Some("PS256") => Algorithm::PS256,
        other => {
            return Err(malformed(&format!(
                "algorithm {} is not accepted for client assertions; use PS256 or RS256",
                other.unwrap_or("(none)")
            )))
        }
    };
    let not_registered = |thumb: &str| {
        invalid_client(
            700027,
            format!("The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{thumb}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{}'.]", app.client_id),
        )
    };
    let thumbprint = |name: &str| header.get(name).and_then(Value::as_str);
    let (used, matches) = if let Some(t) = thumbprint("x5t#S256") {
        let used = decode_thumbprint(t).ok_or_else(|| malformed("x5t#S256 is not base64url"))?;
        let ok = app.cert.as_ref().is_some_and(|c| c.sha256 == used);
        (used, ok)
    } else if let Some(t) = thumbprint("x5t") {
        let used = decode_thumbprint(t).ok_or_else(|| malformed("x5t is not base64url"))?;
        let ok = app.cert.as_ref().is_some_and(|c| c.sha1 == used);
        (used, ok)
    } else {
        return Err(malformed(
            "the header names no certificate (x5t or x5t#S256)",
        ));
    };
    if !matches {
        return Err(not_registered(&hex(&used).to_uppercase()));
    }
    let cert = app.cert.as_ref().ok_or_else(|| not_registered(""))?;

    let key = DecodingKey::from_rsa_der(&cert.rsa_public_key);
    let signed = format!("{header_b64}.{claims_b64}");
    if !jsonwebtoken::crypto::verify(signature, signed.as_bytes(), &key, alg).unwrap_or(false) {
        return Err(invalid_client(
            700027,
            "Client assertion failed signature validation.",
        ));
    }
    let claims = json_part(claims_b64, "claims")?;

    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let iss = text("iss").ok_or_else(|| malformed("the 'iss' claim is missing"))?;
    if iss != app.client_id {
        return Err(invalid_client(
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.",
        ));
    }
    if text("sub") != Some(iss) {
        return Err(invalid_client(
            50048,
            "Subject mismatches Issuer claim in the client assertion.",
        ));
    }

    let expected = format!("{}/{}/oauth2/v2.0/token", shared.base_url, shared.tenant);
    let accepted = accepted_audiences(shared);
    let auds: Vec<&str> = match claims.get("aud") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let aud_ok = auds.iter().any(|a| {
        let a = a.trim_end_matches('/').to_lowercase();
        accepted.contains(&a)
    });
    if !aud_ok {
        return Err(malformed(&format!(
            "the audience {auds:?} is not this token endpoint ('{expected}')"
        )));
    }

    let now = unix_now();
    let number = |name: &str| match claims.get(name) {
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        Some(v) => v.as_f64(),
        None => None,
    };
    let exp = number("exp").ok_or_else(|| malformed("the 'exp' claim is missing"))?;
    if exp < 0.0 || (exp as u64) + SKEW_SECS < now {
        return Err(invalid_client(
            700024,
            format!(
                "Client assertion is not within its valid time range. Current time: {}Z, expiry time of assertion {}Z.",
                iso_utc(now),
                iso_utc(exp.max(0.0) as u64)
            ),
        ));
    }
    if let Some(nbf) = number("nbf") {
        if nbf > (now + SKEW_SECS) as f64 {
            return Err(invalid_client(
                700024,
                format!(
                    "Client assertion is not within its valid time range. Current time: {}Z, assertion valid from {}Z.",
                    iso_utc(now),
                    iso_utc(nbf as u64)
                ),
            ));
        }
    }
    if text("jti").is_none_or(str::is_empty) {
        return Err(malformed("the 'jti' claim is missing"));
    }
    Ok(())
}

/// The token endpoint URLs an assertion may name (v2.0 and v1, 127.0.0.1 or localhost, the
/// tenant by domain name or by id), lower-cased without a trailing slash.
fn accepted_audiences(shared: &Shared) -> Vec<String> {
    let scheme = if shared.base_url.starts_with("https") {
        "https"
    } else {
        "http"
    };
    let hosts = [
        shared.base_url.clone(),
        format!("{scheme}://localhost:{}", shared.port),
    ];
    let mut out = Vec::new();
    for h in hosts {
        for t in [&shared.tenant, &shared.tenant_id] {
            for p in ["oauth2/v2.0/token", "oauth2/token"] {
                out.push(format!("{h}/{t}/{p}").to_lowercase());
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Managed identity

/// Which managed identity protocol a request uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MiStyle {
    /// App Service / Functions / Automation: `GET $IDENTITY_ENDPOINT?resource=..&api-version=2019-08-01`
    /// with header `X-IDENTITY-HEADER`.
    AppService,
    /// VM / Arc / Hybrid Worker IMDS: `GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=..`
    /// with header `Metadata: true`.
    Imds,
}

/// A managed identity error in the shape of the endpoint asked. IMDS answers OAuth-style
/// `{"error", "error_description"}` (its documented error table). App Service answers
/// `{"statusCode", "message", "correlationId"}`, the shape the Azure SDKs and MSAL parse for
/// that source; `error` is not part of it.
fn mi_error(
    status: StatusCode,
    ids: &RequestIds,
    style: MiStyle,
    error: &str,
    description: &str,
) -> Response<Body> {
    let body = match style {
        MiStyle::Imds => json!({"error": error, "error_description": description}),
        MiStyle::AppService => json!({
            "statusCode": status.as_u16(),
            "message": description,
            "correlationId": ids.client_request_id,
        }),
    };
    let mut r = json_response(status, ids, &body);
    no_store(&mut r);
    r
}

/// Both managed identity endpoints. The error statuses and bodies of these endpoints are only
/// partly documented; the choices below are commented where they are ours.
pub(crate) fn managed_identity(
    shared: &Shared,
    ids: &RequestIds,
    style: MiStyle,
    method: &Method,
    headers: &HeaderMap,
    query: &str,
) -> Response<Body> {
    let Some(mi) = &shared.managed_identity else {
        // No identity configured: the endpoint does not exist here.
        return mi_error(
            StatusCode::NOT_FOUND,
            ids,
            style,
            "not_found",
            "Managed identity is not enabled in this emulator.",
        );
    };
    if *method != Method::GET {
        let mut r = mi_error(
            StatusCode::METHOD_NOT_ALLOWED,
            ids,
            style,
            "invalid_request",
            "Only GET is supported.",
        );
        r.headers_mut()
            .insert(hyper::header::ALLOW, HeaderValue::from_static("GET"));
        return r;
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match style {
        MiStyle::AppService => {
            // A missing or wrong X-IDENTITY-HEADER: status undocumented; 401 is our choice.
            let ok = header("x-identity-header")
                .is_some_and(|v| constant_time_eq(v.as_bytes(), mi.identity_header.as_bytes()));
            if !ok {
                return mi_error(
                    StatusCode::UNAUTHORIZED,
                    ids,
                    style,
                    "invalid_request",
                    "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.",
                );
            }
        }
        MiStyle::Imds => {
            // IMDS refuses requests without `Metadata: true` with 400.
            if !header("metadata").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
                return mi_error(
                    StatusCode::BAD_REQUEST,
                    ids,
                    style,
                    "invalid_request",
                    "Required metadata header not specified",
                );
            }
        }
    }
    let q = parse_form(query);
    let api_version = form_get(&q, "api-version").unwrap_or("");
    if api_version.is_empty() {
        return mi_error(
            StatusCode::BAD_REQUEST,
            ids,
            style,
            "invalid_request",
            "Required query variable 'api-version' is missing",
        );
    }
    if style == MiStyle::AppService && api_version != "2019-08-01" {
        // The App Service protocol this emulator models is 2019-08-01 (expires_on in unix
        // seconds); the older 2017-09-01 answers differently, so it is refused.
        return mi_error(
            StatusCode::BAD_REQUEST,
            ids,
            style,
            "invalid_request",
            "api-version must be 2019-08-01",
        );
    }
    let Some(resource) = form_get(&q, "resource").filter(|r| !r.is_empty()) else {
        return mi_error(
            StatusCode::BAD_REQUEST,
            ids,
            style,
            "invalid_request",
            "Required query variable 'resource' is missing",
        );
    };
    // A user-assigned identity may be named by client_id; naming another identity fails
    // (IMDS says "Identity not found"; its App Service equivalent is undocumented).
    if let Some(requested) = form_get(&q, "client_id").filter(|c| !c.is_empty()) {
        if requested != mi.client_id {
            return mi_error(
                StatusCode::BAD_REQUEST,
                ids,
                style,
                "invalid_request",
                "Identity not found",
            );
        }
    }
    if !is_graph_resource(shared, resource) {
        return mi_error(
            StatusCode::BAD_REQUEST,
            ids,
            style,
            "invalid_resource",
            &format!(
                "AADSTS500011: The resource principal named {resource} was not found in the tenant named {}.",
                shared.tenant
            ),
        );
    }
    let (token, lifetime) = shared.issue_token(&mi.client_id);
    let now = unix_now();
    let expires_on = (now + lifetime).to_string();
    let body = match style {
        MiStyle::AppService => json!({
            "access_token": token,
            "expires_on": expires_on,
            "resource": resource,
            "token_type": "Bearer",
            "client_id": mi.client_id,
        }),
        MiStyle::Imds => json!({
            "access_token": token,
            "refresh_token": "",
            "expires_in": lifetime.to_string(),
            "expires_on": expires_on,
            "ext_expires_in": lifetime.to_string(),
            "not_before": now.to_string(),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": mi.client_id,
        }),
    };
    let mut r = json_response(StatusCode::OK, ids, &body);
    no_store(&mut r);
    r
}
