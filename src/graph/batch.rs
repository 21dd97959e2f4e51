//! Reading the tenant: users page by page (`GET /users`, following `@odata.nextLink`) and
//! JSON batches of reads (`POST /$batch`, 20 requests each). Both go through the client's
//! one retry policy, concurrency limit and client-wide throttle pause.

use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::client::{error_detail, GraphClient};
use super::retry::{is_retryable_status, parse_retry_after, Tries};
use crate::error::{Error, Result};

/// Graph's limit of requests in one JSON batch.
pub const MAX_BATCH: usize = 20;

/// A directory user as listed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListedUser {
    pub id: String,
    #[serde(rename = "userPrincipalName", default)]
    pub user_principal_name: Option<String>,
    #[serde(rename = "displayName", default)]
    pub display_name: Option<String>,
    #[serde(rename = "accountEnabled", default)]
    pub account_enabled: Option<bool>,
}

#[derive(Deserialize)]
struct UserPage {
    #[serde(default)]
    value: Vec<ListedUser>,
    #[serde(rename = "@odata.nextLink", default)]
    next_link: Option<String>,
}

/// One answer inside a batch.
#[derive(Debug, Clone)]
pub struct BatchAnswer {
    pub status: u16,
    /// A JSON body as it came; a binary one (photo bytes) base64-decoded into `bytes`.
    pub json: Value,
    pub bytes: Option<Vec<u8>>,
    /// Attempts this request took (it is sent again in a later batch when throttled).
    pub attempts: u32,
    /// Time waited before its last attempt (Retry-After and back-off).
    pub waited: Duration,
}

impl BatchAnswer {
    /// The named error of a failed read of `user`'s photo (as the single requests map theirs).
    pub fn failure(&self, user: &str) -> Error {
        let (code, message) = error_detail(self.status, self.json.to_string().as_bytes());
        super::client::failure_of(
            user,
            self.status,
            code,
            message,
            self.attempts,
            self.waited,
            None,
        )
    }
}

#[derive(Deserialize)]
struct BatchReply {
    #[serde(default)]
    responses: Vec<BatchEntry>,
}

#[derive(Deserialize)]
struct BatchEntry {
    id: String,
    status: u16,
    #[serde(default)]
    headers: serde_json::Map<String, Value>,
    #[serde(default)]
    body: Value,
}

impl GraphClient {
    /// One page of users: the first (`next` None) with `select` (comma-separated properties),
    /// `filter` (an OData `$filter`) and `top`, or the page a previous `@odata.nextLink` names.
    /// Returns the users and the next link. A next link must point into this client's Graph
    /// endpoint: the access token is never sent anywhere else.
    pub async fn list_users_page(
        &self,
        select: &str,
        filter: Option<&str>,
        top: u32,
        next: Option<&str>,
    ) -> Result<(Vec<ListedUser>, Option<String>)> {
        let path = match next {
            Some(link) => under_endpoint(self.graph_endpoint(), link).ok_or_else(|| {
                Error::Config(format!(
                    "Microsoft Graph's next page link points outside {}: refused",
                    self.graph_endpoint()
                ))
            })?,
            None => {
                let enc = |s: &str| {
                    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
                        .to_string()
                };
                let mut p = format!("v1.0/users?$select={}&$top={top}", enc(select));
                if let Some(f) = filter {
                    p.push_str(&format!("&$filter={}", enc(f)));
                }
                p
            }
        };
        let reply = self.graph_call(Method::GET, &path, None).await?;
        if !reply.status.is_success() {
            return Err(refused(&reply, "listing users"));
        }
        read_user_page(&reply.body)
    }

    /// GET each of `urls` (relative to v1.0, e.g. `/users/{id}/photo`; at most [`MAX_BATCH`])
    /// in one JSON batch. Requests answered 429/503/504 inside the batch are sent again in a
    /// smaller batch after the wait Graph asked for (the longest of them), under the retry
    /// policy; what still fails is returned with its last status. Answers are in the order of
    /// `urls`.
    pub async fn batch_get(&self, urls: &[String]) -> Result<Vec<BatchAnswer>> {
        if urls.len() > MAX_BATCH {
            return Err(Error::Config(format!(
                "a batch holds at most {MAX_BATCH} requests, not {}",
                urls.len()
            )));
        }
        let mut answers: Vec<Option<BatchAnswer>> = vec![None; urls.len()];
        let mut pending: Vec<usize> = (0..urls.len()).collect();
        let mut tries = Tries::default();
        let policy = self.retry_policy();
        while !pending.is_empty() {
            let requests: Vec<Value> = pending
                .iter()
                .map(|&i| json!({"id": i.to_string(), "method": "GET", "url": urls[i]}))
                .collect();
            let body = serde_json::to_vec(&json!({ "requests": requests })).unwrap_or_default();
            let reply = self
                .graph_call(
                    Method::POST,
                    "v1.0/$batch",
                    Some((body.into(), "application/json")),
                )
                .await?;
            if !reply.status.is_success() {
                return Err(refused(&reply, "batch"));
            }
            let round = tries.attempts + 1;
            let mut again = Vec::new();
            let mut told: Option<Duration> = None;
            let mut answered = Vec::with_capacity(pending.len());
            for (i, answer, after) in read_batch(&reply.body, urls.len(), round)? {
                if !pending.contains(&i) {
                    continue;
                }
                answered.push(i);
                let answer = BatchAnswer {
                    waited: tries.waited,
                    ..answer
                };
                if is_retryable_status(answer.status) {
                    told = told.max(after);
                    again.push(i);
                }
                answers[i] = Some(answer);
            }
            // A request the batch did not answer is sent again too.
            again.extend(pending.iter().filter(|i| !answered.contains(i)));
            again.sort_unstable();
            again.dedup();
            if again.is_empty() {
                break;
            }
            tries.record(told);
            let delay = policy.delay(&tries, told);
            if !policy.allows(&tries, delay) {
                break;
            }
            if told.is_some_and(|d| !d.is_zero()) {
                self.resume_after(delay);
            }
            tokio::time::sleep(delay).await;
            tries.waited += delay;
            pending = again;
        }
        Ok(answers
            .into_iter()
            .map(|a| {
                a.unwrap_or(BatchAnswer {
                    status: 504,
                    json: json!({"error": {"code": "NoAnswer", "message": "the batch never answered this request"}}),
                    bytes: None,
                    attempts: tries.attempts,
                    waited: tries.waited,
                })
            })
            .collect())
    }
}

/// `link` relative to `endpoint` (`v1.0/users?...`) when it is the same origin (scheme, host
/// in any letter case, port, with the default port written or not), has no user info and
/// lies under the endpoint's path; otherwise None.
fn under_endpoint(endpoint: &str, link: &str) -> Option<String> {
    let (base, url) = (
        reqwest::Url::parse(endpoint).ok()?,
        reqwest::Url::parse(link).ok()?,
    );
    let same_origin = url.scheme() == base.scheme()
        && url.host_str() == base.host_str()
        && url.port_or_known_default() == base.port_or_known_default()
        && url.username().is_empty()
        && url.password().is_none();
    if !same_origin {
        return None;
    }
    let prefix = format!("{}/", base.path().trim_end_matches('/'));
    let rest = url.path().strip_prefix(&prefix)?;
    Some(match url.query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_string(),
    })
}

/// The answers of a batch reply's body to requests `0..count` (ids are their indexes), with
/// the Retry-After each carries; answers to other ids are dropped. Public for the fuzz
/// targets (fuzz/).
#[doc(hidden)]
pub fn read_batch(
    body: &[u8],
    count: usize,
    round: u32,
) -> Result<Vec<(usize, BatchAnswer, Option<Duration>)>> {
    let parsed: BatchReply = serde_json::from_slice(body)
        .map_err(|e| malformed("BadBatchReply", "a batch answer", e))?;
    Ok(parsed
        .responses
        .into_iter()
        .filter_map(|entry| {
            let i = entry.id.parse::<usize>().ok().filter(|&i| i < count)?;
            let after = header(&entry.headers, "retry-after")
                .and_then(|v| parse_retry_after(&v, SystemTime::now()));
            let bytes = match (&entry.body, header(&entry.headers, "content-type")) {
                (Value::String(b64), Some(ct)) if !ct.starts_with("application/json") => {
                    STANDARD.decode(b64).ok()
                }
                _ => None,
            };
            let answer = BatchAnswer {
                status: entry.status,
                json: if bytes.is_some() {
                    Value::Null
                } else {
                    entry.body
                },
                bytes,
                attempts: round,
                waited: Duration::ZERO,
            };
            Some((i, answer, after))
        })
        .collect())
}

/// A page of users as Graph sends it: the users and the next link. Public for the fuzz
/// targets (fuzz/).
#[doc(hidden)]
pub fn read_user_page(body: &[u8]) -> Result<(Vec<ListedUser>, Option<String>)> {
    let page: UserPage =
        serde_json::from_slice(body).map_err(|e| malformed("BadUserPage", "a page of users", e))?;
    Ok((page.value, page.next_link))
}

/// Graph refused a tenant-wide request (`what`): its status, code and message.
fn refused(reply: &super::client::Reply, what: &str) -> Error {
    let (code, message) = error_detail(reply.status.as_u16(), &reply.body);
    Error::Graph {
        user: String::new(),
        status: reply.status.as_u16(),
        code,
        message: format!("{what}: {message}"),
    }
}

/// A 200 answer (`what`) that is not the JSON Graph sends.
fn malformed(code: &str, what: &str, e: serde_json::Error) -> Error {
    Error::Graph {
        user: String::new(),
        status: 200,
        code: code.into(),
        message: format!("{what} is not the JSON Graph sends: {e}"),
    }
}

/// A header of a batch answer, by name in any case.
fn header(headers: &serde_json::Map<String, Value>, name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str().map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::under_endpoint;

    #[test]
    fn a_next_link_is_followed_only_under_the_graph_endpoint() {
        let graph = "https://graph.microsoft.com";
        for (link, want) in [
            (
                "https://graph.microsoft.com/v1.0/users?$skiptoken=x",
                Some("v1.0/users?$skiptoken=x"),
            ),
            // Another letter case or the default port written out: the same endpoint.
            (
                "https://GRAPH.Microsoft.com:443/v1.0/users?$skiptoken=x",
                Some("v1.0/users?$skiptoken=x"),
            ),
            (
                "https://graph.microsoft.com.attacker.example/v1.0/users",
                None,
            ),
            (
                "https://graph.microsoft.com@attacker.example/v1.0/users",
                None,
            ),
            ("https://someone@graph.microsoft.com/v1.0/users", None),
            ("http://graph.microsoft.com/v1.0/users", None),
            ("https://graph.microsoft.com:8443/v1.0/users", None),
            ("not a url", None),
        ] {
            assert_eq!(under_endpoint(graph, link).as_deref(), want, "{link}");
        }
        // An endpoint with a path: links under it only.
        let proxied = "https://proxy.contoso.com/graph/";
        assert_eq!(
            under_endpoint(proxied, "https://proxy.contoso.com/graph/v1.0/users").as_deref(),
            Some("v1.0/users")
        );
        assert_eq!(
            under_endpoint(proxied, "https://proxy.contoso.com/graphx/v1.0/users"),
            None
        );
    }
}
