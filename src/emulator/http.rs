//! Response helpers shared by the token and Graph routes: JSON bodies, Graph-shaped errors,
//! Entra-shaped OAuth errors, request ids, timestamps and form decoding.

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::{Response, StatusCode};
use percent_encoding::percent_decode_str;
use rand::RngCore;
use serde_json::{json, Value};

pub type Body = Full<Bytes>;

/// Ids of one request, echoed in headers and error bodies.
#[derive(Debug, Clone)]
pub struct RequestIds {
    pub request_id: String,
    pub client_request_id: String,
}

impl RequestIds {
    /// A fresh `request-id`; `client-request-id` echoes the caller's when sent (as Graph does).
    pub fn new(client_request_id: Option<&str>) -> Self {
        let request_id = uuid_v4();
        let client_request_id = client_request_id
            .filter(|s| !s.is_empty() && s.len() <= 128)
            .map(str::to_owned)
            .unwrap_or_else(|| request_id.clone());
        RequestIds {
            request_id,
            client_request_id,
        }
    }
}

/// A random version-4 UUID string.
pub fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `YYYY-MM-DDTHH:MM:SS` in UTC (the form Graph uses in `innerError.date`).
pub fn iso_utc(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let rem = unix % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A response with the request-id headers set.
pub fn response(status: StatusCode, ids: &RequestIds, body: Bytes) -> Response<Body> {
    let mut r = Response::new(Full::new(body));
    *r.status_mut() = status;
    set_header(&mut r, "request-id", &ids.request_id);
    set_header(&mut r, "client-request-id", &ids.client_request_id);
    r
}

pub fn json_response(status: StatusCode, ids: &RequestIds, value: &Value) -> Response<Body> {
    let mut r = response(
        status,
        ids,
        Bytes::from(serde_json::to_vec(value).unwrap_or_default()),
    );
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

pub fn empty(status: StatusCode, ids: &RequestIds) -> Response<Body> {
    response(status, ids, Bytes::new())
}

/// `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
pub fn graph_error(
    status: StatusCode,
    ids: &RequestIds,
    code: &str,
    message: &str,
) -> Response<Body> {
    json_response(
        status,
        ids,
        &json!({
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": iso_utc(unix_now()),
                    "request-id": ids.request_id,
                    "client-request-id": ids.client_request_id,
                }
            }
        }),
    )
}

/// An Entra ID (STS) OAuth error: `{"error","error_description":"AADSTSn: ...","error_codes":[n],...}`.
/// `aadsts` is the numeric AADSTS code; the description never contains a secret or assertion.
pub fn oauth_error(
    status: StatusCode,
    ids: &RequestIds,
    authority: &str,
    error: &str,
    aadsts: u32,
    message: &str,
) -> Response<Body> {
    let now = unix_now();
    let ts = iso_utc(now);
    let description = format!(
        "AADSTS{aadsts}: {message}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {ts}Z",
        ids.request_id, ids.client_request_id
    );
    let mut r = json_response(
        status,
        ids,
        &json!({
            "error": error,
            "error_description": description,
            "error_codes": [aadsts],
            "timestamp": format!("{ts}Z"),
            "trace_id": ids.request_id,
            "correlation_id": ids.client_request_id,
            "error_uri": format!("{authority}/error?code={aadsts}"),
        }),
    );
    no_store(&mut r);
    r
}

pub fn no_store(r: &mut Response<Body>) {
    set_header(r, "cache-control", "no-store, no-cache");
    set_header(r, "pragma", "no-cache");
}

pub fn set_header(r: &mut Response<Body>, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(HeaderName::from_static(name), v);
    }
}

/// Decode `application/x-www-form-urlencoded` (also used for query strings). Later duplicates
/// win; undecodable UTF-8 is replaced.
pub fn parse_form(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(k), form_decode(v))
        })
        .collect()
}

fn form_decode(s: &str) -> String {
    let plus = s.replace('+', " ");
    percent_decode_str(&plus).decode_utf8_lossy().into_owned()
}

pub fn form_get<'a>(form: &'a [(String, String)], key: &str) -> Option<&'a str> {
    form.iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Compare secrets without an early exit on the first differing byte.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00");
        assert_eq!(iso_utc(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(iso_utc(1_700_000_000), "2023-11-14T22:13:20");
    }

    #[test]
    fn forms() {
        let f = parse_form("a=1&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&b=x+y&c");
        assert_eq!(
            form_get(&f, "scope"),
            Some("https://graph.microsoft.com/.default")
        );
        assert_eq!(form_get(&f, "b"), Some("x y"));
        assert_eq!(form_get(&f, "c"), Some(""));
        assert_eq!(form_get(&f, "d"), None);
    }

    #[test]
    fn uuid_shape() {
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}
