//! Credentials and access tokens: client secret, certificate (JWT client assertion), managed
//! identity, or a caller-supplied token. Tokens are cached until shortly before expiry.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde::Deserialize;
use sha1::Digest;

use crate::error::{Error, Result};
use crate::secret::Secret;

use super::check_endpoint;

/// The cloud the tenant lives in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum Environment {
    #[default]
    Global,
    #[serde(rename = "USGov")]
    UsGov,
    #[serde(rename = "USGovDoD")]
    UsGovDod,
    China,
}

impl Environment {
    /// (authority, Graph endpoint) of the cloud.
    pub fn endpoints(self) -> (&'static str, &'static str) {
        match self {
            Environment::Global => (
                "https://login.microsoftonline.com",
                "https://graph.microsoft.com",
            ),
            Environment::UsGov => (
                "https://login.microsoftonline.us",
                "https://graph.microsoft.us",
            ),
            Environment::UsGovDod => (
                "https://login.microsoftonline.us",
                "https://dod-graph.microsoft.us",
            ),
            Environment::China => (
                "https://login.chinacloudapi.cn",
                "https://microsoftgraph.chinacloudapi.cn",
            ),
        }
    }
}

/// Signature scheme of a certificate's client assertion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum AssertionAlgorithm {
    /// RS256 with `x5t` (SHA-1 thumbprint): what Entra ID has accepted longest.
    #[default]
    RS256,
    /// PS256 with `x5t#S256` (SHA-256 thumbprint): Microsoft's current recommendation.
    PS256,
}

/// How the app proves who it is. JSON: `{"type": "secret", "secret": "..."}`,
/// `{"type": "certificate", "certificate_pem": "...", "private_key_pem": "...", "algorithm": "RS256"}`
/// (or `certificate_path`/`private_key_path`, or `pfx_path`/`pfx_base64` with `pfx_password`),
/// `{"type": "managed_identity", "client_id": null}`,
/// `{"type": "access_token", "token": "..."}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Credential {
    Secret {
        secret: Secret,
    },
    Certificate {
        #[serde(default)]
        certificate_pem: Option<String>,
        #[serde(default)]
        certificate_path: Option<String>,
        #[serde(default)]
        private_key_pem: Option<Secret>,
        #[serde(default)]
        private_key_path: Option<String>,
        /// A PKCS#12 (.pfx/.p12) file holding the key and its certificate.
        #[serde(default)]
        pfx_path: Option<String>,
        /// The same, in memory, base64-encoded (e.g. exported from a certificate store).
        #[serde(default)]
        pfx_base64: Option<Secret>,
        #[serde(default)]
        pfx_password: Option<Secret>,
        #[serde(default)]
        algorithm: AssertionAlgorithm,
    },
    ManagedIdentity {
        /// A user-assigned identity's client id; system-assigned when absent.
        #[serde(default)]
        client_id: Option<String>,
        /// Overrides `IDENTITY_ENDPOINT` (App Service / Functions / Automation style).
        #[serde(default)]
        identity_endpoint: Option<String>,
        /// Overrides `IDENTITY_HEADER`.
        #[serde(default)]
        identity_header: Option<Secret>,
        /// Overrides the instance metadata endpoint used when there is no identity endpoint.
        #[serde(default)]
        imds_endpoint: Option<String>,
    },
    AccessToken {
        token: Secret,
    },
}

/// A credential made ready to use: files read, certificates and keys loaded, endpoints
/// checked. Made once, when the client is.
pub(super) enum Auth {
    Secret(Secret),
    Certificate(Certificate),
    ManagedIdentity {
        client_id: Option<String>,
        endpoint: Option<(String, Secret)>,
        imds: String,
    },
    Fixed(Secret),
}

impl Auth {
    pub(super) fn load(
        credential: Credential,
        tenant: Option<&str>,
        client_id: Option<&str>,
    ) -> Result<Self> {
        let need = |v: Option<&str>, what: &str| {
            v.filter(|s| !s.is_empty())
                .map(str::to_string)
                .ok_or_else(|| Error::Config(format!("{what} is required for this credential")))
        };
        Ok(match credential {
            Credential::Secret { secret } => {
                need(tenant, "tenant")?;
                need(client_id, "client_id")?;
                Auth::Secret(secret)
            }
            Credential::Certificate {
                certificate_pem,
                certificate_path,
                private_key_pem,
                private_key_path,
                pfx_path,
                pfx_base64,
                pfx_password,
                algorithm,
            } => {
                need(tenant, "tenant")?;
                need(client_id, "client_id")?;
                let read = |p: &str| {
                    std::fs::read(p).map_err(|source| Error::Io {
                        path: p.to_string(),
                        source,
                    })
                };
                let read_text = |p: &str| {
                    String::from_utf8(read(p)?).map_err(|_| {
                        Error::Config(format!("{p}: not a PEM file (use pfx_path for a .pfx)"))
                    })
                };
                let pfx = match (pfx_path, pfx_base64) {
                    (Some(p), _) => Some((read(&p)?, p)),
                    (None, Some(b64)) => Some((
                        STANDARD
                            .decode(b64.expose().trim())
                            .map_err(|_| Error::Config("pfx_base64 is not valid base64".into()))?,
                        "pfx_base64".to_string(),
                    )),
                    (None, None) => None,
                };
                let cert = if let Some((bytes, source)) = pfx {
                    Certificate::from_pkcs12(&bytes, pfx_password.as_ref(), algorithm, &source)?
                } else {
                    let cert = match (certificate_pem, certificate_path) {
                    (Some(pem), _) => pem,
                    (None, Some(p)) => read_text(&p)?,
                    (None, None) => return Err(Error::Config(
                        "a certificate credential needs certificate_pem, certificate_path, pfx_path or pfx_base64"
                            .into(),
                    )),
                };
                    let key = match (private_key_pem, private_key_path) {
                        (Some(k), _) => k,
                        (None, Some(p)) => Secret::new(read_text(&p)?),
                        // A combined PEM file holds the key after the certificate.
                        (None, None) => Secret::new(cert.clone()),
                    };
                    Certificate::load(&cert, key, algorithm)?
                };
                Auth::Certificate(cert)
            }
            Credential::ManagedIdentity {
                client_id,
                identity_endpoint,
                identity_header,
                imds_endpoint,
            } => {
                let endpoint =
                    identity_endpoint.or_else(|| std::env::var("IDENTITY_ENDPOINT").ok());
                let header = identity_header
                    .or_else(|| std::env::var("IDENTITY_HEADER").ok().map(Secret::new));
                let endpoint = match (endpoint, header) {
                    (Some(e), Some(h)) => Some((check_endpoint(&e, "identity endpoint", true)?, h)),
                    _ => None,
                };
                let imds = check_endpoint(
                    imds_endpoint
                        .as_deref()
                        .unwrap_or("http://169.254.169.254/metadata/identity/oauth2/token"),
                    "instance metadata endpoint",
                    true,
                )?;
                Auth::ManagedIdentity {
                    client_id,
                    endpoint,
                    imds,
                }
            }
            Credential::AccessToken { token } => Auth::Fixed(token),
        })
    }
}

/// A loaded certificate credential.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    key_pem: Secret,
    algorithm: AssertionAlgorithm,
}

impl Certificate {
    /// `cert_pem` and `key_pem` may each hold other PEM blocks too (one file with the
    /// certificate and its key is common): the first CERTIFICATE and the first private key
    /// are used. The key is tried once here, so a key that cannot sign fails now, not at
    /// the first upload.
    pub fn load(cert_pem: &str, key_pem: Secret, algorithm: AssertionAlgorithm) -> Result<Self> {
        let blocks = |text: &str| {
            x509_parser::pem::Pem::iter_from_buffer(text.as_bytes())
                .map_while(std::result::Result::ok)
                .collect::<Vec<_>>()
        };
        let certificate = blocks(cert_pem)
            .into_iter()
            .find(|b| b.label == "CERTIFICATE")
            .ok_or_else(|| {
                Error::Config("the certificate file holds no PEM CERTIFICATE block".into())
            })?;
        let key = blocks(key_pem.expose())
            .into_iter()
            .find(|b| b.label.ends_with("PRIVATE KEY"))
            .ok_or_else(|| {
                Error::Config("the private key file holds no private key (a PEM PRIVATE KEY or RSA PRIVATE KEY block)".into())
            })?;
        if key.label == "ENCRYPTED PRIVATE KEY" {
            return Err(Error::Config(
                "the private key is encrypted; give it unencrypted (openssl pkey -in key.pem -out plain.pem) or use a .pfx file with its password".into(),
            ));
        }
        let loaded = Certificate {
            der: certificate.contents,
            key_pem: Secret::new(pem(&key.label, &key.contents)),
            algorithm,
        };
        loaded
            .assertion("check", "https://login.microsoftonline.com/check")
            .map_err(|_| {
                Error::Config(format!(
                    "the private key ({}) cannot sign: it is not an RSA private key",
                    key.label
                ))
            })?;
        Ok(loaded)
    }

    /// Load the key and its certificate from PKCS#12 bytes (what Windows exports as .pfx).
    /// `source` names the input in errors.
    pub fn from_pkcs12(
        data: &[u8],
        password: Option<&Secret>,
        algorithm: AssertionAlgorithm,
        source: &str,
    ) -> Result<Self> {
        let password = password.map(Secret::expose).unwrap_or("");
        let store = p12_keystore::KeyStore::from_pkcs12(
            data,
            password,
            p12_keystore::Pkcs12ImportPolicy::Relaxed,
        )
        .map_err(|e| {
            Error::Config(format!(
                "{source}: cannot open the PKCS#12 file (wrong password or not a .pfx): {e}"
            ))
        })?;
        let (_, chain) = store.private_key_chain().ok_or_else(|| {
            Error::Config(format!("{source}: the PKCS#12 file holds no private key"))
        })?;
        let leaf = chain.certs().first().ok_or_else(|| {
            Error::Config(format!(
                "{source}: the PKCS#12 file holds no certificate for its private key"
            ))
        })?;
        let cert_pem = pem("CERTIFICATE", leaf.as_der());
        let key_pem = Secret::new(pem("PRIVATE KEY", chain.key().as_der()));
        Certificate::load(&cert_pem, key_pem, algorithm).map_err(|e| match e {
            Error::Config(m) => Error::Config(format!("{source}: {m}")),
            other => other,
        })
    }

    /// A signed client assertion for `audience` (the token endpoint URL).
    pub fn assertion(&self, client_id: &str, audience: &str) -> Result<Secret> {
        let mut header = jsonwebtoken::Header::new(match self.algorithm {
            AssertionAlgorithm::RS256 => jsonwebtoken::Algorithm::RS256,
            AssertionAlgorithm::PS256 => jsonwebtoken::Algorithm::PS256,
        });
        match self.algorithm {
            AssertionAlgorithm::RS256 => {
                header.x5t = Some(URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(&self.der)))
            }
            AssertionAlgorithm::PS256 => {
                header.x5t_s256 = Some(URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(&self.der)))
            }
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let jti: [u8; 16] = rand::random();
        let claims = serde_json::json!({
            "aud": audience,
            "iss": client_id,
            "sub": client_id,
            "jti": hex(&jti),
            "nbf": now,
            "iat": now,
            "exp": now + 600,
        });
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(self.key_pem.expose().as_bytes())
            .map_err(|_| {
                Error::Config("the private key is not an RSA private key in PEM form".into())
            })?;
        jsonwebtoken::encode(&header, &claims, &key)
            .map(Secret::new)
            .map_err(|e| Error::Config(format!("cannot sign the client assertion: {e}")))
    }

    /// SHA-1 thumbprint in hex, as Entra ID and Windows show it.
    pub fn thumbprint(&self) -> String {
        hex(&sha1::Sha1::digest(&self.der))
    }

    /// The certificate DER, base64 (for display and registration).
    pub fn der_base64(&self) -> String {
        STANDARD.encode(&self.der)
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A cached access token.
#[derive(Clone)]
pub struct Token {
    pub value: Secret,
    pub expires_at: Instant,
    pub lifetime: Duration,
}

impl Token {
    /// A token good for `expires_in` (at most [`MAX_TOKEN_LIFETIME`]).
    pub fn new(value: Secret, expires_in: Duration) -> Self {
        let lifetime = expires_in.min(MAX_TOKEN_LIFETIME);
        Token {
            value,
            expires_at: Instant::now() + lifetime,
            lifetime,
        }
    }

    /// Still good for a while: refreshed when less than a tenth of its life (at most five
    /// minutes) remains.
    pub fn is_fresh(&self) -> bool {
        let margin = (self.lifetime / 10).min(Duration::from_secs(300));
        Instant::now() + margin < self.expires_at
    }
}

/// The longest a cached token is used: Entra ID issues tokens for 60-90 minutes, managed
/// identity endpoints for up to 24 hours. A longer (or absurd) lifetime in an answer is cut
/// to this, so the expiry always fits the clock.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// Read a token response's lifetime: `expires_in` (seconds, number or string) or
/// `expires_on` (unix seconds, as managed identity endpoints answer), at most
/// [`MAX_TOKEN_LIFETIME`].
pub fn token_lifetime(v: &serde_json::Value) -> Duration {
    answered_lifetime(v).min(MAX_TOKEN_LIFETIME)
}

fn answered_lifetime(v: &serde_json::Value) -> Duration {
    let num = |k: &str| {
        v.get(k)
            .and_then(|x| x.as_u64().or_else(|| x.as_str()?.parse().ok()))
    };
    if let Some(s) = num("expires_in") {
        return Duration::from_secs(s);
    }
    if let Some(on) = num("expires_on") {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        return Duration::from_secs(on.saturating_sub(now));
    }
    Duration::from_secs(300)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let c: Credential =
            serde_json::from_str(r#"{"type":"secret","secret":"hunter2-value"}"#).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn lifetimes() {
        assert_eq!(
            token_lifetime(&serde_json::json!({"expires_in": 3599})),
            Duration::from_secs(3599)
        );
        assert_eq!(
            token_lifetime(&serde_json::json!({"expires_in": "60"})),
            Duration::from_secs(60)
        );
        let t = Token::new(Secret::new("x"), Duration::from_secs(3600));
        assert!(t.is_fresh());
        let t = Token::new(Secret::new("x"), Duration::from_millis(0));
        assert!(!t.is_fresh());
    }
}
