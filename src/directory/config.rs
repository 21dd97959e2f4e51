//! How to reach and bind to a domain controller, and the TLS trust that goes with it.

use std::net::IpAddr;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::targets::{AD_THUMBNAIL, DIRECTORY_MAX_CONCURRENCY};

/// Connection to a domain controller. JSON (C ABI, CLI `--config` file):
///
/// ```json
/// {"url": "ldaps://dc1.corp.example",          // ldaps:// (636) or ldap:// (389, StartTLS)
///  "bind_user": "svc-photos@corp.example",     // UPN, DOMAIN\name or DN of a simple bind
///  "password": "...",                          // never printed, logged or serialised
///  "ca_file": "/etc/ssl/corp-ca.pem",          // optional: trust this CA (PEM, one or more)
///  "ca_pem": null,                             // optional: the same, inline
///  "search_base": "OU=Staff,DC=corp,DC=example", // default: the rootDSE defaultNamingContext
///  "plain_ldap": false,                        // ldap:// without TLS: loopback only
///  "max_bytes": 10240,                         // thumbnail budget, 1024..=102400
///  "connect_timeout_secs": 10, "timeout_secs": 30, "max_concurrency": 4}
/// ```
///
/// Without `ca_file`/`ca_pem` the server certificate is verified against the system store;
/// with one, against that CA (as `LDAPTLS_CACERT` does). Verification is never disabled.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryConfig {
    pub url: String,
    pub bind_user: String,
    pub password: Secret,
    #[serde(default)]
    pub ca_file: Option<String>,
    #[serde(default)]
    pub ca_pem: Option<String>,
    #[serde(default)]
    pub search_base: Option<String>,
    /// Plain LDAP (no TLS at all) with an `ldap://` URL. Refused unless the host is loopback.
    #[serde(default)]
    pub plain_ldap: bool,
    #[serde(default = "default_max_bytes")]
    pub max_bytes: u64,
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_secs: u64,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// LDAP operations in flight at most (bulk runs share one connection).
    #[serde(default = "default_concurrency")]
    pub max_concurrency: usize,
}

fn default_max_bytes() -> u64 {
    AD_THUMBNAIL.max_bytes
}
fn default_connect_timeout() -> u64 {
    10
}
fn default_timeout() -> u64 {
    30
}
fn default_concurrency() -> usize {
    DIRECTORY_MAX_CONCURRENCY
}

impl DirectoryConfig {
    /// A config with the defaults for everything but the essentials.
    pub fn new(url: impl Into<String>, bind_user: impl Into<String>, password: Secret) -> Self {
        DirectoryConfig {
            url: url.into(),
            bind_user: bind_user.into(),
            password,
            ca_file: None,
            ca_pem: None,
            search_base: None,
            plain_ldap: false,
            max_bytes: default_max_bytes(),
            connect_timeout_secs: default_connect_timeout(),
            timeout_secs: default_timeout(),
            max_concurrency: default_concurrency(),
        }
    }

    pub fn from_json(json: &str) -> Result<Self> {
        // serde_json's message names the field, never its value.
        serde_json::from_str(json)
            .map_err(|e| Error::Config(format!("directory configuration: {e}")))
    }
}

/// How the connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Ldaps,
    StartTls,
    Plain,
}

/// The checked parts of a config that the client keeps.
pub(crate) struct Endpoint {
    pub url: String,
    /// `host:port`, for messages.
    pub server: String,
    pub transport: Transport,
    /// None: ldap3's default (the system store).
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// Where the trusted roots come from, for messages.
    pub roots: String,
}

pub(crate) fn endpoint(config: &DirectoryConfig) -> Result<Endpoint> {
    let u = reqwest::Url::parse(&config.url)
        .map_err(|e| Error::Config(format!("url {:?} is not a URL: {e}", config.url)))?;
    let host = u
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| Error::Config(format!("url {:?} has no host", config.url)))?
        .trim_matches(['[', ']'])
        .to_string();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    let (transport, port) = match (u.scheme(), config.plain_ldap) {
        ("ldaps", false) => (Transport::Ldaps, 636),
        ("ldap", false) => (Transport::StartTls, 389),
        ("ldap", true) if loopback => (Transport::Plain, 389),
        ("ldap", true) => {
            return Err(Error::Config(format!(
                "plain_ldap sends the password unencrypted; it is allowed only to loopback hosts, not {host}: use ldaps:// or StartTLS"
            )))
        }
        ("ldaps", true) => {
            return Err(Error::Config(
                "plain_ldap needs an ldap:// url (ldaps:// is always TLS)".into(),
            ))
        }
        (s, _) => {
            return Err(Error::Config(format!(
                "url {:?} uses {s}; use ldaps:// or ldap:// (StartTLS)",
                config.url
            )))
        }
    };
    if u.path().len() > 1 || u.query().is_some() {
        return Err(Error::Config(format!(
            "url {:?}: give only scheme, host and port (the search base is search_base)",
            config.url
        )));
    }
    let port = u.port().unwrap_or(port);
    let mut pems = Vec::new();
    let mut sources = Vec::new();
    if let Some(path) = &config.ca_file {
        let text = std::fs::read(path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        pems.push((path.clone(), text));
        sources.push(format!("CA file {path}"));
    }
    if let Some(pem) = &config.ca_pem {
        pems.push(("ca_pem".into(), pem.as_bytes().to_vec()));
        sources.push("ca_pem".into());
    }
    let (tls, roots) = if pems.is_empty() {
        (None, "the system certificate store".to_string())
    } else {
        let mut store = rustls::RootCertStore::empty();
        for (name, pem) in &pems {
            let mut n = 0;
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| {
                    Error::Config(format!("{name}: not a PEM certificate file: {e}"))
                })?;
                store.add(cert).map_err(|e| {
                    Error::Config(format!(
                        "{name}: the certificate cannot be a trust root: {e}"
                    ))
                })?;
                n += 1;
            }
            if n == 0 {
                return Err(Error::Config(format!("{name}: no PEM certificate in it")));
            }
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let cfg = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Config(format!("TLS: {e}")))?
            .with_root_certificates(store)
            .with_no_client_auth();
        (Some(Arc::new(cfg)), sources.join(" and "))
    };
    let server = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    Ok(Endpoint {
        url: format!("{}://{server}", u.scheme()),
        server,
        transport,
        tls,
        roots,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(url: &str, plain: bool) -> DirectoryConfig {
        let mut c = DirectoryConfig::new(url, "svc@corp.example", Secret::new("pw"));
        c.plain_ldap = plain;
        c
    }

    #[test]
    fn transports_and_plain_only_to_loopback() {
        let e = endpoint(&cfg("ldaps://dc1.corp.example", false)).unwrap();
        assert_eq!(
            (e.transport, e.server.as_str()),
            (Transport::Ldaps, "dc1.corp.example:636")
        );
        let e = endpoint(&cfg("ldap://dc1.corp.example:3389", false)).unwrap();
        assert_eq!(
            (e.transport, e.server.as_str()),
            (Transport::StartTls, "dc1.corp.example:3389")
        );
        assert_eq!(
            endpoint(&cfg("ldap://127.0.0.1", true)).unwrap().transport,
            Transport::Plain
        );
        let err = endpoint(&cfg("ldap://dc1.corp.example", true))
            .err()
            .unwrap();
        assert!(err.to_string().contains("loopback"), "{err}");
        assert!(endpoint(&cfg("http://dc1", false)).is_err());
        assert!(endpoint(&cfg("ldaps://dc1/DC=corp", false)).is_err());
    }

    #[test]
    fn password_never_prints() {
        let c = DirectoryConfig::from_json(
            r#"{"url":"ldaps://dc1","bind_user":"svc","password":"hunter2-secret"}"#,
        )
        .unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
        let e = DirectoryConfig::from_json(
            r#"{"url":"ldaps://dc1","bind_user":"svc","password":"hunter2-secret","bogus":1}"#,
        )
        .unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }
}
