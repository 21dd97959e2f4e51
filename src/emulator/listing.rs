//! `GET /users` (paged, `$select`, `$top`, `$filter` on `accountEnabled`) and JSON batching
//! (`POST /$batch`, up to 20 requests, each with its own status, throttled one by one).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use http_body_util::BodyExt;
use hyper::header::{CONTENT_TYPE, RETRY_AFTER};
use hyper::{Response, StatusCode};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::config::EmulatedUser;
use super::http::{form_get, graph_error, json_response, parse_form, Body, RequestIds};
use super::state::{Fault, Shared};

/// Graph's documented limit of requests in one JSON batch.
pub(crate) const MAX_BATCH: usize = 20;
/// `$top` on users: Graph documents 1 to 999, 100 by default.
const MAX_TOP: usize = 999;
const DEFAULT_TOP: usize = 100;
/// What `$select` may name here (a subset of Graph's user properties).
const PROPERTIES: [&str; 5] = [
    "id",
    "userPrincipalName",
    "displayName",
    "mail",
    "accountEnabled",
];
/// Without `$select` Graph returns a default set; accountEnabled is not in it.
const DEFAULT_SELECT: [&str; 4] = ["id", "userPrincipalName", "displayName", "mail"];

fn bad_request(ids: &RequestIds, code: &str, message: &str) -> Response<Body> {
    graph_error(StatusCode::BAD_REQUEST, ids, code, message)
}

/// `GET /{version}/users?...`
pub(crate) fn list_users(
    shared: &Shared,
    ids: &RequestIds,
    version: &str,
    query: &str,
) -> Response<Body> {
    let q = parse_form(query);
    let top = match form_get(&q, "$top") {
        None => DEFAULT_TOP,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=MAX_TOP).contains(&n) => n,
            // Graph's wording for users.
            _ => {
                return bad_request(
                    ids,
                    "Request_UnsupportedQuery",
                    &format!("Invalid page size specified: '{v}'. Must be between 1 and {MAX_TOP} inclusive."),
                )
            }
        },
    };
    let select: Vec<String> = match form_get(&q, "$select") {
        None => DEFAULT_SELECT.iter().map(|s| s.to_string()).collect(),
        Some(v) => v.split(',').map(|s| s.trim().to_string()).collect(),
    };
    if let Some(p) = select.iter().find(|p| !PROPERTIES.contains(&p.as_str())) {
        return bad_request(
            ids,
            "Request_BadRequest",
            &format!("Could not find a property named '{p}' on type 'microsoft.graph.user'."),
        );
    }
    // Graph filters on many properties; this emulator models `accountEnabled eq true|false`
    // only and refuses anything else, so a test never passes on a filter it ignored.
    let enabled = match form_get(&q, "$filter").map(str::trim) {
        None => None,
        Some("accountEnabled eq true") => Some(true),
        Some("accountEnabled eq false") => Some(false),
        Some(f) => {
            return bad_request(
                ids,
                "Request_UnsupportedQuery",
                &format!(
                "Unsupported filter in this emulator: '{f}' (only accountEnabled eq true|false)."
            ),
            )
        }
    };
    // The skip token is opaque to clients (Graph's are long base64 strings); here it is the
    // offset into the (filtered) user list.
    let start = match form_get(&q, "$skiptoken") {
        None => 0,
        Some(t) => match URL_SAFE_NO_PAD
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("offset:").and_then(|n| n.parse().ok()))
        {
            Some(n) => n,
            None => {
                return bad_request(
                    ids,
                    "Request_BadRequest",
                    "The specified page token value has expired or is invalid.",
                )
            }
        },
    };
    let matching: Vec<&EmulatedUser> = shared
        .users
        .iter()
        .filter(|u| enabled.is_none_or(|e| u.account_enabled == e))
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(start)
        .take(top)
        .map(|u| {
            let mut o = Map::new();
            for p in &select {
                let v = match p.as_str() {
                    "id" => json!(u.id),
                    "userPrincipalName" => json!(u.user_principal_name),
                    "displayName" => json!(u.display_name),
                    "mail" => json!(u.mail),
                    _ => json!(u.account_enabled),
                };
                o.insert(p.clone(), v);
            }
            Value::Object(o)
        })
        .collect();
    shared.with_stats(|s| s.user_pages += 1);
    let mut body = json!({
        "@odata.context": format!("{}/{version}/$metadata#users({})", shared.base_url, select.join(",")),
        "value": page,
    });
    let next = start.saturating_add(top);
    if next < matching.len() {
        let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
        let token = URL_SAFE_NO_PAD.encode(format!("offset:{next}"));
        let mut link = format!(
            "{}/{version}/users?$select={}&$top={top}",
            shared.base_url,
            enc(&select.join(","))
        );
        if let Some(f) = form_get(&q, "$filter") {
            link.push_str(&format!("&$filter={}", enc(f)));
        }
        link.push_str(&format!("&$skiptoken={token}"));
        body["@odata.nextLink"] = json!(link);
    }
    json_response(StatusCode::OK, ids, &body)
}

#[derive(Deserialize)]
struct BatchBody {
    requests: Vec<BatchRequest>,
}

#[derive(Deserialize)]
struct BatchRequest {
    id: String,
    method: String,
    url: String,
}

/// `POST /{version}/$batch` with `{"requests": [{"id", "method", "url"}, ...]}`. Each request
/// counts against the app's throttle and draws its own injected fault, as Graph evaluates each
/// request of a batch on its own: a batch answers 200 with some of its requests 429.
pub(crate) async fn batch(
    shared: &Shared,
    ids: &RequestIds,
    app_id: &str,
    version: &str,
    body: &[u8],
) -> Response<Body> {
    let parsed: BatchBody = match serde_json::from_slice(body) {
        Ok(b) => b,
        Err(e) => {
            return bad_request(
                ids,
                "BadRequest",
                &format!("Invalid batch payload format: {e}"),
            )
        }
    };
    // Graph documents the limit of 20; its exact answer past it is undocumented (400
    // BadRequest is our choice).
    if parsed.requests.len() > MAX_BATCH {
        return bad_request(
            ids,
            "BadRequest",
            &format!(
                "A batch holds at most {MAX_BATCH} requests; this one has {}.",
                parsed.requests.len()
            ),
        );
    }
    if parsed.requests.is_empty() {
        return bad_request(ids, "BadRequest", "The batch holds no requests.");
    }
    shared.with_stats(|s| {
        s.batches += 1;
        s.batched_requests += parsed.requests.len() as u64;
    });
    let mut responses = Vec::with_capacity(parsed.requests.len());
    for r in &parsed.requests {
        let inner = RequestIds::new(None);
        let answer = if let Some(retry) = shared.window(app_id) {
            shared.with_stats(|s| s.throttled_429 += 1);
            throttled(&inner, retry, "Application is over its request quota for this time window. Retry after the indicated delay.")
        } else {
            match shared.draw_fault().0 {
                Fault::TooManyRequests => {
                    shared.with_stats(|s| {
                        s.throttled_429 += 1;
                        s.faults_429 += 1;
                    });
                    throttled(
                        &inner,
                        1,
                        "Too many requests. Retry after the indicated delay.",
                    )
                }
                Fault::ServiceUnavailable => {
                    shared.with_stats(|s| s.faults_503 += 1);
                    let mut r = graph_error(
                        StatusCode::SERVICE_UNAVAILABLE,
                        &inner,
                        "serviceNotAvailable",
                        "The service is temporarily unavailable. Please retry later.",
                    );
                    // As outside a batch: Graph sometimes sends one, sometimes not.
                    if shared.retry_after_on_503() {
                        super::http::set_header(&mut r, "retry-after", "1");
                    }
                    r
                }
                // A dropped connection has no meaning inside a batch.
                Fault::None | Fault::Drop => inner_get(shared, &inner, version, r),
            }
        };
        responses.push(to_batch_response(&r.id, answer).await);
    }
    // Graph does not promise the order of the responses; they come back reversed here so that
    // clients match them by id.
    responses.reverse();
    json_response(StatusCode::OK, ids, &json!({ "responses": responses }))
}

fn throttled(ids: &RequestIds, retry_after: u64, message: &str) -> Response<Body> {
    let mut r = graph_error(
        StatusCode::TOO_MANY_REQUESTS,
        ids,
        "TooManyRequests",
        message,
    );
    super::http::set_header(&mut r, "retry-after", &retry_after.max(1).to_string());
    r
}

/// One request of a batch: the read routes only (photo metadata, photo bytes, users).
fn inner_get(shared: &Shared, ids: &RequestIds, version: &str, r: &BatchRequest) -> Response<Body> {
    if !r.method.eq_ignore_ascii_case("GET") {
        // Graph batches writes too; this emulator serves reads only inside a batch.
        return bad_request(
            ids,
            "BadRequest",
            &format!(
                "This emulator serves only GET inside $batch, not {}.",
                r.method
            ),
        );
    }
    let url = r.url.trim_start_matches('/');
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    match super::graph::answer_get(shared, ids, version, path, query) {
        Some(resp) => resp,
        None => bad_request(
            ids,
            "BadRequest",
            &format!("This emulator does not serve '{}' inside $batch.", r.url),
        ),
    }
}

/// A response as one entry of a batch answer: JSON bodies inline, others base64 (as Graph
/// sends binary content such as photo bytes).
async fn to_batch_response(id: &str, r: Response<Body>) -> Value {
    let status = r.status().as_u16();
    let mut headers = Map::new();
    for name in [CONTENT_TYPE, RETRY_AFTER] {
        if let Some(v) = r.headers().get(&name).and_then(|v| v.to_str().ok()) {
            let key = if name == CONTENT_TYPE {
                "Content-Type"
            } else {
                "Retry-After"
            };
            headers.insert(key.into(), json!(v));
        }
    }
    let is_json = headers
        .get("Content-Type")
        .and_then(Value::as_str)
        .is_some_and(|c| c.starts_with("application/json"));
    let bytes = r
        .into_body()
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let body = if bytes.is_empty() {
        Value::Null
    } else if is_json {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    } else {
        json!(STANDARD.encode(&bytes))
    };
    let mut entry = json!({"id": id, "status": status, "headers": headers});
    if !body.is_null() {
        entry["body"] = body;
    }
    entry
}
