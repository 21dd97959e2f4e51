//! Turning LDAP failures into the library's named errors: result codes, broken connections
//! and TLS, each message naming the server (never the password).

use ldap3::{LdapError, LdapResult};

use super::client::DirectoryClient;
use crate::error::{cut, Error};

/// RFC 4511 result code names, for messages.
pub fn result_code_name(rc: u32) -> &'static str {
    match rc {
        0 => "success",
        1 => "operationsError",
        2 => "protocolError",
        3 => "timeLimitExceeded",
        4 => "sizeLimitExceeded",
        7 => "authMethodNotSupported",
        8 => "strongerAuthRequired",
        10 => "referral",
        11 => "adminLimitExceeded",
        13 => "confidentialityRequired",
        16 => "noSuchAttribute",
        17 => "undefinedAttributeType",
        19 => "constraintViolation",
        20 => "attributeOrValueExists",
        21 => "invalidAttributeSyntax",
        32 => "noSuchObject",
        34 => "invalidDNSyntax",
        48 => "inappropriateAuthentication",
        49 => "invalidCredentials",
        50 => "insufficientAccessRights",
        51 => "busy",
        52 => "unavailable",
        53 => "unwillingToPerform",
        65 => "objectClassViolation",
        80 => "other",
        _ => "unknown",
    }
}

/// Breaks of the connection itself (as opposed to an LDAP result): worth one fresh connection.
pub(super) fn is_connection_error(e: &LdapError) -> bool {
    matches!(
        e,
        LdapError::Io { .. }
            | LdapError::OpSend { .. }
            | LdapError::ResultRecv { .. }
            | LdapError::IdScrubSend { .. }
            | LdapError::EndOfStream
            | LdapError::Timeout { .. }
    ) || matches!(e, LdapError::LdapResult { result } if result.rc == 52 || result.rc == 51)
}

impl DirectoryClient {
    /// Map a failure of an LDAP call to a named error. `user` is the directory user the call
    /// was about (empty for connection-level calls).
    pub(crate) fn map_error(&self, e: LdapError, operation: &str, user: &str) -> Error {
        let server = self.inner.endpoint.server.clone();
        match e {
            LdapError::LdapResult { result } => self.map_result(&result, operation, user),
            LdapError::Io { source } => {
                let tls = source
                    .get_ref()
                    .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                    .map(|t| t.to_string());
                match tls {
                    Some(detail) => self.tls_error(detail),
                    None => Error::DirectoryUnavailable {
                        server,
                        detail: format!("{operation}: {source}"),
                    },
                }
            }
            LdapError::Rustls { source } => self.tls_error(source.to_string()),
            LdapError::DNSName { source } => Error::Config(format!(
                "the host of {} is not a valid TLS server name: {source}",
                self.inner.endpoint.url
            )),
            LdapError::Timeout { .. } => Error::DirectoryUnavailable {
                server,
                detail: format!("{operation}: no answer in time"),
            },
            LdapError::OpSend { .. }
            | LdapError::ResultRecv { .. }
            | LdapError::IdScrubSend { .. }
            | LdapError::EndOfStream => Error::DirectoryUnavailable {
                server,
                detail: format!("{operation}: the connection was closed"),
            },
            other => Error::Directory {
                server,
                operation: operation.to_string(),
                rc: 0,
                name: "client-error",
                detail: other.to_string(),
            },
        }
    }

    fn tls_error(&self, detail: String) -> Error {
        let hint = if detail.contains("UnknownIssuer") {
            ": the server's certificate was not issued by a trusted CA (give the directory's CA with ca_file)"
        } else if detail.contains("NotValidForName") {
            ": the certificate does not name the host in the url (it needs a subject alternative name for it)"
        } else {
            ""
        };
        Error::DirectoryTls {
            server: self.inner.endpoint.server.clone(),
            ca: self.inner.endpoint.roots.clone(),
            detail: format!("{detail}{hint}"),
        }
    }

    pub(crate) fn map_result(&self, r: &LdapResult, operation: &str, user: &str) -> Error {
        let server = self.inner.endpoint.server.clone();
        let text = cut(r.text.trim(), 300);
        match r.rc {
            49 => Error::InvalidCredentials {
                server,
                bind_user: self.inner.bind_user.clone(),
                detail: if text.is_empty() {
                    String::new()
                } else {
                    format!(": {text}")
                },
            },
            50 => Error::Forbidden {
                user: user.to_string(),
                detail: format!(
                    "LDAP insufficientAccessRights for {operation} ({text}); the bind account needs Write on the thumbnailPhoto attribute"
                ),
            },
            19 | 21 => Error::DirectoryConstraint {
                user: user.to_string(),
                detail: format!("LDAP {} ({}): {text}", result_code_name(r.rc), r.rc),
            },
            32 if !user.is_empty() => Error::UserNotFound {
                user: user.to_string(),
            },
            51 | 52 => Error::DirectoryUnavailable {
                server,
                detail: format!("{operation}: LDAP {} ({text})", result_code_name(r.rc)),
            },
            rc => Error::Directory {
                server,
                operation: operation.to_string(),
                rc,
                name: result_code_name(rc),
                detail: text,
            },
        }
    }
}
