//! The client's access token: cached until shortly before it expires, fetched from the token
//! endpoint (client secret, certificate assertion), a managed identity endpoint, or given.

use std::time::Duration;

use super::auth::{token_lifetime, Auth, Token};
use super::client::GraphClient;
use crate::error::{cut, Error, Result};
use crate::secret::Secret;

impl GraphClient {
    /// A valid access token, from the cache or freshly fetched.
    pub(super) async fn token(&self) -> Result<Secret> {
        let mut slot = self.inner.token.lock().await;
        if let Some(t) = slot.as_ref().filter(|t| t.is_fresh()) {
            return Ok(t.value.clone());
        }
        let t = self.fetch_token().await?;
        let v = t.value.clone();
        *slot = Some(t);
        Ok(v)
    }

    /// Forget `used` if it is still the cached token (another task may have refreshed it).
    pub(super) async fn invalidate(&self, used: &Secret) {
        let mut slot = self.inner.token.lock().await;
        if slot.as_ref().is_some_and(|t| &t.value == used) {
            *slot = None;
        }
    }

    async fn fetch_token(&self) -> Result<Token> {
        let i = &self.inner;
        let scope = format!("{}/.default", i.graph);
        let tenant = i.tenant.as_deref().unwrap_or_default();
        let client_id = i.client_id.as_deref().unwrap_or_default();
        let token_url = format!("{}/{}/oauth2/v2.0/token", i.authority, tenant);
        let request = match &i.auth {
            Auth::Fixed(t) => {
                return Ok(Token::new(
                    t.clone(),
                    Duration::from_secs(u64::from(u32::MAX)),
                ))
            }
            Auth::Secret(secret) => i.http.post(&token_url).form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("scope", &scope),
                ("client_secret", secret.expose()),
            ]),
            Auth::Certificate(cert) => {
                let assertion = cert.assertion(client_id, &token_url)?;
                i.http.post(&token_url).form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", client_id),
                    ("scope", &scope),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", assertion.expose()),
                ])
            }
            Auth::ManagedIdentity {
                client_id,
                endpoint,
                imds,
            } => {
                let mut query = vec![("resource", i.graph.clone())];
                if let Some(c) = client_id {
                    query.push(("client_id", c.clone()));
                }
                match endpoint {
                    Some((url, header)) => {
                        query.push(("api-version", "2019-08-01".into()));
                        i.http
                            .get(url)
                            .query(&query)
                            .header("X-IDENTITY-HEADER", header.expose())
                    }
                    None => {
                        query.push(("api-version", "2018-02-01".into()));
                        i.http.get(imds).query(&query).header("Metadata", "true")
                    }
                }
            }
        };
        let url_for_errors = match &i.auth {
            Auth::ManagedIdentity { .. } => "the managed identity endpoint".to_string(),
            _ => token_url.clone(),
        };
        // Token endpoints get the same retry policy as Graph (429/5xx/network).
        let reply = self.send_with_retry(request, &url_for_errors).await?;
        token_from_reply(reply.status.as_u16(), &reply.body, &url_for_errors)
    }
}

/// The token in a token endpoint's (or managed identity endpoint's) answer, or the
/// endpoint's refusal as a named error; `from` names the endpoint in messages. Public for the
/// fuzz targets (fuzz/), which reach the client's parsers without a server.
#[doc(hidden)]
pub fn token_from_reply(status: u16, body: &[u8], from: &str) -> Result<Token> {
    let body: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    if !(200..300).contains(&status) {
        let status_text = status.to_string();
        let code = body["error"].as_str().unwrap_or(&status_text);
        let desc = cut(
            body["error_description"]
                .as_str()
                .or(body["message"].as_str())
                .unwrap_or(""),
            300,
        );
        return Err(Error::Auth(format!(
            "{from} answered HTTP {status}: {code}: {desc}"
        )));
    }
    let value = body["access_token"]
        .as_str()
        .ok_or_else(|| Error::Auth(format!("{from} answered without an access_token")))?;
    let lifetime = token_lifetime(&body);
    tracing::debug!(lifetime_secs = lifetime.as_secs(), "access token acquired");
    Ok(Token::new(Secret::new(value), lifetime))
}
