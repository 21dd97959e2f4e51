//! Microsoft Graph: auth, the photo client, listing and batching, and the retry policy.

pub mod auth;
pub mod batch;
pub mod client;
pub mod retry;
mod token;

pub use auth::{AssertionAlgorithm, Credential, Environment};
pub use batch::{BatchAnswer, ListedUser, MAX_BATCH};
pub use client::{sized_photo_url, user_path, GraphClient, GraphConfig, PhotoMeta, UploadOutcome};
pub use retry::RetryPolicy;
#[doc(hidden)]
pub use token::token_from_reply;

use std::net::IpAddr;

use crate::error::{Error, Result};

/// Plain HTTP only to loopback (and to the instance metadata address for managed identity).
pub(crate) fn check_endpoint(url: &str, what: &str, allow_link_local: bool) -> Result<String> {
    let u = reqwest::Url::parse(url)
        .map_err(|e| Error::Config(format!("{what} {url:?} is not a URL: {e}")))?;
    let host = u.host_str().unwrap_or_default().trim_matches(['[', ']']);
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    let link_local = allow_link_local && host == "169.254.169.254";
    match u.scheme() {
        "https" => {}
        "http" if loopback || link_local => {}
        s => {
            return Err(Error::Config(format!(
                "{what} {url:?} uses {s}; only https is allowed (plain http only to loopback hosts)"
            )))
        }
    }
    Ok(url.trim_end_matches('/').to_string())
}
