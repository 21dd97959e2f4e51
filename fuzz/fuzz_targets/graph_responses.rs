//! What Microsoft Graph and the token endpoints answer, through the client's parsers: Graph
//! error bodies, token responses (Entra ID, managed identity), photo metadata and
//! Retry-After values, JSON batch replies and pages of users. The first byte picks the parser
//! (`0` error body, `1` token response, `2` photo metadata, `3` Retry-After, `4` batch reply,
//! `5` page of users; any byte, modulo 6), the next three are the HTTP status
//! as digits (`4` `0` `0`; any byte, modulo 10), the rest is the body.
#![no_main]

use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use userphoto::graph::batch::{read_batch, read_user_page};
use userphoto::graph::client::error_detail;
use userphoto::graph::retry::{parse_retry_after, RetryPolicy, Tries};
use userphoto::graph::token_from_reply;
use userphoto::graph::{PhotoMeta, MAX_BATCH};

const ENDPOINT: &str = "https://login.microsoftonline.com/contoso/oauth2/v2.0/token";

fuzz_target!(|data: &[u8]| {
    let [which, s1, s2, s3, body @ ..] = data else {
        return;
    };
    let digit = |b: &u8| u16::from(b.wrapping_sub(b'0') % 10);
    // Every status hyper can hand over: 100..=999.
    let status = (digit(s1) * 100 + digit(s2) * 10 + digit(s3)).max(100);
    match which.wrapping_sub(b'0') % 6 {
        0 => {
            let (code, message) = error_detail(status, body);
            assert!(!code.is_empty(), "an error without a code");
            assert!(message.len() <= 500, "message of {} bytes", message.len());
        }
        1 => match token_from_reply(status, body, ENDPOINT) {
            Ok(token) => {
                assert!((200..300).contains(&status), "a token from HTTP {status}");
                let v: serde_json::Value = serde_json::from_slice(body).expect("a token from JSON");
                assert_eq!(Some(token.value.expose()), v["access_token"].as_str());
            }
            Err(e) => {
                assert_eq!(e.code(), "auth", "{e}");
                let msg = e.to_string();
                assert!(msg.contains(ENDPOINT), "{msg}");
                // The token itself never reaches an error.
                let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
                if let Some(t) = v["access_token"].as_str().filter(|t| t.len() >= 16) {
                    let quoted = [
                        v["error"].as_str(),
                        v["error_description"].as_str(),
                        v["message"].as_str(),
                    ];
                    if !quoted.iter().flatten().any(|q| q.contains(t)) {
                        assert!(!msg.contains(t), "the access token is in the error: {msg}");
                    }
                }
            }
        },
        2 => {
            let _ = serde_json::from_slice::<PhotoMeta>(body);
        }
        4 => {
            // Twenty requests asked; only their ids may come back, each once at most used.
            if let Ok(answers) = read_batch(body, MAX_BATCH, 1) {
                for (i, answer, _) in &answers {
                    assert!(*i < MAX_BATCH, "answer to request {i}");
                    let e = answer.failure("adele@contoso.com");
                    assert!(!e.code().is_empty());
                }
            }
        }
        5 => {
            if let Ok((users, next)) = read_user_page(body) {
                // serde also takes a struct written as a JSON array, and skips ignored fields
                // without checking their escapes; compare with pages that parse as objects.
                let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
                if v.is_object() {
                    assert_eq!(users.len(), v["value"].as_array().map_or(0, Vec::len));
                    assert_eq!(next.as_deref(), v["@odata.nextLink"].as_str());
                }
            }
        }
        _ => {
            let Ok(text) = std::str::from_utf8(body) else {
                return;
            };
            let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
            if let Some(wait) = parse_retry_after(text, now) {
                // The policy caps what the server asks for.
                let policy = RetryPolicy::default();
                let tries = Tries {
                    attempts: 1,
                    failures: 0,
                    waited: Duration::ZERO,
                };
                let delay = policy.delay(&tries, Some(wait));
                assert!(delay <= Duration::from_millis(policy.max_delay_ms));
                let _ = policy.allows(&tries, delay);
            }
        }
    }
});
