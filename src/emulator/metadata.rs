//! Entra ID's metadata documents, which Microsoft's authentication libraries read before they
//! ask for a token: the OpenID Connect configuration (v2.0 and v1), instance discovery, and
//! the signing keys the configuration points to.
//!
//! The documents have the fields and shapes of Entra's own (Microsoft identity platform,
//! "OpenID Connect on the Microsoft identity platform": `/{tenant}/v2.0/.well-known/openid-configuration`;
//! the v1 document without `v2.0`), with this emulator's address in place of
//! `login.microsoftonline.com`. A known tenant, named by domain or by id, gets its id in every
//! endpoint, as Entra does; `common`, `organizations` and `consumers` get the `{tenantid}`
//! placeholder in the issuer, as Entra does.

use hyper::{Method, Response, StatusCode};
use serde_json::{json, Value};

use super::http::{form_get, json_response, oauth_error, parse_form, Body, RequestIds};
use super::state::Shared;

/// Which OpenID configuration document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OidcVersion {
    V1,
    V2,
}

/// Tenants every Entra instance knows besides the real ones.
fn is_multi_tenant(tenant: &str) -> bool {
    ["common", "organizations", "consumers"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(tenant))
}

fn only_get(method: &Method, ids: &RequestIds, shared: &Shared) -> Option<Response<Body>> {
    (*method != Method::GET).then(|| {
        let mut r = oauth_error(
            StatusCode::METHOD_NOT_ALLOWED,
            ids,
            &shared.base_url,
            "invalid_request",
            900561,
            &format!("The endpoint only accepts GET requests. Received a {method} request."),
        );
        r.headers_mut().insert(
            hyper::header::ALLOW,
            hyper::header::HeaderValue::from_static("GET"),
        );
        r
    })
}

fn tenant_not_found(shared: &Shared, ids: &RequestIds, tenant: &str) -> Response<Body> {
    // Entra answers an unknown tenant's configuration with 400 invalid_tenant / AADSTS90002.
    oauth_error(
        StatusCode::BAD_REQUEST,
        ids,
        &shared.base_url,
        "invalid_tenant",
        90002,
        &format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."),
    )
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration` and `GET /{tenant}/.well-known/openid-configuration`.
pub(crate) fn openid_configuration(
    shared: &Shared,
    ids: &RequestIds,
    method: &Method,
    tenant: &str,
    version: OidcVersion,
) -> Response<Body> {
    if let Some(r) = only_get(method, ids, shared) {
        return r;
    }
    let (path_tenant, issuer_tenant) = if shared.knows_tenant(tenant) {
        (shared.tenant_id.clone(), shared.tenant_id.clone())
    } else if is_multi_tenant(tenant) {
        (tenant.to_lowercase(), "{tenantid}".to_owned())
    } else {
        return tenant_not_found(shared, ids, tenant);
    };
    let base = &shared.base_url;
    let host = base.split_once("://").map_or(base.as_str(), |(_, h)| h);
    let t = &path_tenant;
    let mut doc = json!({
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "kerberos_endpoint": format!("{base}/{t}/kerberos"),
        "tenant_region_scope": Value::Null,
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        // Where Graph is: this emulator serves it too.
        "msgraph_host": host,
        "rbac_url": "https://pas.windows.net",
    });
    let fields = match version {
        OidcVersion::V2 => json!({
            "token_endpoint": format!("{base}/{t}/oauth2/v2.0/token"),
            "jwks_uri": format!("{base}/{t}/discovery/v2.0/keys"),
            "issuer": format!("{base}/{issuer_tenant}/v2.0"),
            "request_uri_parameter_supported": false,
            "userinfo_endpoint": format!("{base}/oidc/userinfo"),
            "authorization_endpoint": format!("{base}/{t}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{base}/{t}/oauth2/v2.0/devicecode"),
            "end_session_endpoint": format!("{base}/{t}/oauth2/v2.0/logout"),
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        }),
        // Entra's v1 issuer is `https://sts.windows.net/{tenant}/`, a host of its own; here
        // it is this emulator, which is also where the v1 keys are.
        OidcVersion::V1 => json!({
            "token_endpoint": format!("{base}/{t}/oauth2/token"),
            "jwks_uri": format!("{base}/common/discovery/keys"),
            "issuer": format!("{base}/{issuer_tenant}/"),
            "microsoft_multi_refresh_token": true,
            "authorization_endpoint": format!("{base}/{t}/oauth2/authorize"),
            "device_authorization_endpoint": format!("{base}/{t}/oauth2/devicecode"),
            "end_session_endpoint": format!("{base}/{t}/oauth2/logout"),
            "check_session_iframe": format!("{base}/{t}/oauth2/checksession"),
            "userinfo_endpoint": format!("{base}/{t}/openid/userinfo"),
            "scopes_supported": ["openid"],
            "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "email", "given_name", "family_name", "nickname"],
        }),
    };
    if let (Some(d), Value::Object(f)) = (doc.as_object_mut(), fields) {
        d.extend(f);
    }
    json_response(StatusCode::OK, ids, &doc)
}

/// `GET /{tenant}/discovery/v2.0/keys`, `/{tenant}/discovery/keys`, `/common/discovery/keys`:
/// the keys that would sign ID tokens. This emulator issues no signed tokens (its access
/// tokens are opaque, as Entra says clients must treat them), so the set is empty.
pub(crate) fn signing_keys(shared: &Shared, ids: &RequestIds, method: &Method) -> Response<Body> {
    if let Some(r) = only_get(method, ids, shared) {
        return r;
    }
    json_response(StatusCode::OK, ids, &json!({"keys": []}))
}

/// `GET /common/discovery/instance?api-version=1.1&authorization_endpoint=...`: which hosts are
/// aliases of the authority's. MSAL asks it before its first token (Python's MSAL always; .NET
/// for a host it does not know, at the address given to `WithInstanceDiscoveryMetadata`), then
/// reads `tenant_discovery_endpoint`. Hosts are names without ports, as MSAL keys them. Only the
/// host asked about is named as an alias: MSAL caches the answer per alias for the whole
/// process, and a test can then tell 127.0.0.1 and localhost apart.
pub(crate) fn instance_discovery(
    shared: &Shared,
    ids: &RequestIds,
    method: &Method,
    query: &str,
) -> Response<Body> {
    if let Some(r) = only_get(method, ids, shared) {
        return r;
    }
    let q = parse_form(query);
    let invalid = |aadsts: u32, message: &str| {
        oauth_error(
            StatusCode::BAD_REQUEST,
            ids,
            &shared.base_url,
            "invalid_request",
            aadsts,
            message,
        )
    };
    if form_get(&q, "api-version").is_none_or(str::is_empty) {
        return invalid(90021, "The api-version query parameter is missing.");
    }
    let Some(endpoint) = form_get(&q, "authorization_endpoint").filter(|e| !e.is_empty()) else {
        return invalid(
            90014,
            "The required field 'authorization_endpoint' is missing from the request.",
        );
    };
    let Ok(url) = reqwest::Url::parse(endpoint) else {
        return invalid(
            90014,
            "The field 'authorization_endpoint' is not an absolute URL.",
        );
    };
    let host = url.host_str().unwrap_or_default().to_lowercase();
    let ours = (host == "127.0.0.1" || host == "localhost")
        && url.port_or_known_default() == Some(shared.port);
    if !ours {
        // Entra's answer for a host that is not one of its instances.
        return oauth_error(
            StatusCode::BAD_REQUEST,
            ids,
            &shared.base_url,
            "invalid_instance",
            50049,
            "Unknown or invalid instance.",
        );
    }
    let segments: Vec<&str> = url.path_segments().map(|s| s.collect()).unwrap_or_default();
    let tenant = segments.first().copied().unwrap_or("common");
    let v2 = segments.get(2) == Some(&"v2.0");
    let base = format!("{}://{host}:{}", url.scheme(), shared.port);
    let tenant_discovery_endpoint = if v2 {
        format!("{base}/{tenant}/v2.0/.well-known/openid-configuration")
    } else {
        format!("{base}/{tenant}/.well-known/openid-configuration")
    };
    json_response(
        StatusCode::OK,
        ids,
        &json!({
            "tenant_discovery_endpoint": tenant_discovery_endpoint,
            "api-version": "1.1",
            "metadata": [{
                "preferred_network": host,
                "preferred_cache": host,
                "aliases": [host],
            }],
        }),
    )
}
