//! The one error type of the Rust API. Every variant names its input and the limit it broke.

use thiserror::Error;

/// Why a photo could not be read, checked or rendered.
#[derive(Debug, Error)]
pub enum Error {
    #[error("the photo is empty (0 bytes)")]
    EmptyInput,

    #[error("the photo is {bytes} bytes; the limit is {limit} bytes")]
    InputTooLarge { bytes: u64, limit: u64 },

    #[error("unsupported format: the bytes look like {looks_like}; supported are JPEG, PNG, GIF, BMP and WebP")]
    UnsupportedFormat { looks_like: String },

    #[error(
        "the {format} photo is {width} x {height} pixels; the limit is {max_width} x {max_height}"
    )]
    DimensionsTooLarge {
        format: &'static str,
        width: u64,
        height: u64,
        max_width: u32,
        max_height: u32,
    },

    #[error(
        "the {format} photo is {width} x {height} = {pixels} pixels; the limit is {limit} pixels"
    )]
    TooManyPixels {
        format: &'static str,
        width: u64,
        height: u64,
        pixels: u64,
        limit: u64,
    },

    #[error(
        "the photo is {width} x {height} pixels; its short side must be at least {min} pixels"
    )]
    TooSmall { width: u32, height: u32, min: u32 },

    #[error("the photo is refused by the {check} check: {detail}")]
    CheckRefused { check: &'static str, detail: String },

    #[error("the {format} photo is animated ({frames} frames); a profile photo is a still image (allow_animated uses the first frame)")]
    Animated { format: &'static str, frames: u32 },

    #[error("the {format} photo is truncated: its data ends before the end-of-image marker")]
    Truncated { format: &'static str },

    #[error("the {format} photo is corrupt: {detail}")]
    Corrupt {
        format: &'static str,
        detail: String,
    },

    #[error("target {target}: no rendition fits {max_bytes} bytes (the smallest tried was {smallest_bytes} bytes at {smallest_size} px, quality {min_quality})")]
    BudgetUnreachable {
        target: String,
        max_bytes: u64,
        smallest_bytes: u64,
        smallest_size: u32,
        min_quality: u8,
    },

    #[error("invalid options: {0}")]
    InvalidOptions(String),

    #[error("JPEG encoder failed: {0}")]
    Encode(String),

    #[error("invalid configuration: {0}")]
    Config(String),

    #[error("authentication failed: {0}")]
    Auth(String),

    #[error("user {user:?} was not found in the directory")]
    UserNotFound { user: String },

    #[error("permission denied for user {user:?}: {detail}")]
    Forbidden { user: String, detail: String },

    #[error("photo updates for user {user:?} are blocked by the tenant's photo update policy (photoUpdateSettings source = onPremises): change the photo in on-premises Active Directory, or let an admin allow cloud updates")]
    PolicyBlocked { user: String },

    #[error("Microsoft Graph rejected the photo of user {user:?}: {detail}")]
    ImageRejected { user: String, detail: String },

    #[error("the photo of user {user:?} is {bytes} bytes; {}", too_large_reason(*.limit, .server.as_deref()))]
    TooLarge {
        user: String,
        bytes: u64,
        limit: u64,
        /// The service's own words when it refused the body (HTTP 413), which may state a
        /// different limit than the documented one.
        server: Option<String>,
    },

    #[error("throttled by Microsoft Graph for user {user:?}: gave up after {attempts} attempts and {waited_ms} ms of waiting")]
    Throttled {
        user: String,
        attempts: u32,
        waited_ms: u64,
    },

    #[error("Microsoft Graph answered HTTP {status} for user {user:?}: {code}: {message}")]
    Graph {
        user: String,
        status: u16,
        code: String,
        message: String,
    },

    #[error("network error talking to {host}: {detail}")]
    Network { host: String, detail: String },

    #[error("user {user:?} has no photo")]
    NoPhoto { user: String },

    #[error("the directory server {server} refused the bind of {bind_user:?}: invalid credentials (LDAP result 49{detail})")]
    InvalidCredentials {
        server: String,
        bind_user: String,
        detail: String,
    },

    #[error("{user:?} matches {count} directory entries ({}); name one by its distinguished name", dns.join("; "))]
    AmbiguousUser {
        user: String,
        count: usize,
        dns: Vec<String>,
    },

    #[error("a thumbnailPhoto of {bytes} bytes is over the limit of {limit} bytes (the Active Directory schema caps the attribute at 102,400 bytes)")]
    ThumbnailTooLarge { bytes: u64, limit: u64 },

    #[error("the directory refused the thumbnailPhoto of {user:?}: {detail}")]
    DirectoryConstraint { user: String, detail: String },

    #[error("the directory server {server} is unavailable: {detail}")]
    DirectoryUnavailable { server: String, detail: String },

    #[error("TLS with the directory server {server} failed (trusted roots: {ca}): {detail}")]
    DirectoryTls {
        server: String,
        ca: String,
        detail: String,
    },

    #[error("the directory server {server} answered LDAP result {rc} ({name}) for {operation}: {detail}")]
    Directory {
        server: String,
        operation: String,
        rc: u32,
        name: &'static str,
        detail: String,
    },

    #[error("the thumbnailPhoto read back for {user:?} differs from what was written ({written} bytes written, {read} bytes read)")]
    VerifyMismatch {
        user: String,
        written: u64,
        read: u64,
    },

    #[error("cancelled")]
    Cancelled,

    #[error("journal {path}: {detail}")]
    Journal { path: String, detail: String },

    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Every later write to the same destination would fail the same way, and more failed
    /// binds can lock the account out: the directory refused the credentials, or its
    /// certificate is not trusted. A run tries no further user there.
    pub fn stops_destination(&self) -> bool {
        matches!(
            self,
            Error::InvalidCredentials { .. } | Error::DirectoryTls { .. }
        )
    }

    /// A stable, machine-readable name for the error (used in JSON reports, the CLI and
    /// PowerShell error ids). Never renamed once published.
    pub fn code(&self) -> &'static str {
        match self {
            Error::EmptyInput => "empty-input",
            Error::InputTooLarge { .. } => "input-too-large",
            Error::UnsupportedFormat { .. } => "unsupported-format",
            Error::DimensionsTooLarge { .. } => "dimensions-too-large",
            Error::TooManyPixels { .. } => "too-many-pixels",
            Error::TooSmall { .. } => "too-small",
            Error::CheckRefused { .. } => "check-refused",
            Error::Animated { .. } => "animated",
            Error::Truncated { .. } => "truncated",
            Error::Corrupt { .. } => "corrupt",
            Error::BudgetUnreachable { .. } => "budget-unreachable",
            Error::InvalidOptions(_) => "invalid-options",
            Error::Encode(_) => "encode-failed",
            Error::Config(_) => "config",
            Error::Auth(_) => "auth",
            Error::UserNotFound { .. } => "user-not-found",
            Error::Forbidden { .. } => "forbidden",
            Error::PolicyBlocked { .. } => "policy-blocked",
            Error::ImageRejected { .. } => "image-rejected",
            Error::TooLarge { .. } => "too-large",
            Error::Throttled { .. } => "throttled",
            Error::Graph { .. } => "graph",
            Error::Network { .. } => "network",
            Error::NoPhoto { .. } => "no-photo",
            Error::InvalidCredentials { .. } => "invalid-credentials",
            Error::AmbiguousUser { .. } => "ambiguous-user",
            Error::ThumbnailTooLarge { .. } => "thumbnail-too-large",
            Error::DirectoryConstraint { .. } => "constraint-violation",
            Error::DirectoryUnavailable { .. } => "directory-unavailable",
            Error::DirectoryTls { .. } => "directory-tls",
            Error::Directory { .. } => "ldap",
            Error::VerifyMismatch { .. } => "verify-mismatch",
            Error::Cancelled => "cancelled",
            Error::Journal { .. } => "journal",
            Error::Io { .. } => "io",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A service's own words, cut to at most `max` bytes (between characters) for a message.
pub(crate) fn cut(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

fn too_large_reason(limit: u64, server: Option<&str>) -> String {
    match server {
        Some(said) => format!(
            "Microsoft Graph refused it as too large ({said}); its documented limit is {limit} bytes"
        ),
        None => format!("Microsoft Graph accepts at most {limit} bytes"),
    }
}
