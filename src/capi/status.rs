//! The status every fallible export returns, its stable names, and the one mapping from the
//! library's errors to it.

use std::ffi::CStr;

use crate::error::Error;

/// Status of a call. UP_STATUS_OK is 0; codes are never renumbered or reused.
/// 1-99: calling errors; 100-199: photo errors; 200-299: Microsoft Graph and bulk-run errors;
/// 300-399: Active Directory errors (user-not-found, forbidden and no-photo are shared).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum up_status {
    UP_STATUS_OK = 0,
    /// A required pointer was NULL.
    UP_STATUS_NULL_ARGUMENT = 1,
    /// A handle was not created by this library, is of the wrong type, or was freed.
    UP_STATUS_INVALID_HANDLE = 2,
    /// A string was not valid UTF-8.
    UP_STATUS_INVALID_UTF8 = 3,
    /// The options were not valid JSON.
    UP_STATUS_INVALID_JSON = 4,
    /// The options were valid JSON but not valid options (unknown field, target or value).
    UP_STATUS_INVALID_OPTIONS = 5,
    /// The library hit an internal error (a panic); the call had no effect.
    UP_STATUS_PANIC = 6,
    /// An index was past the end.
    UP_STATUS_INDEX_OUT_OF_RANGE = 7,
    UP_STATUS_EMPTY_INPUT = 100,
    UP_STATUS_INPUT_TOO_LARGE = 101,
    UP_STATUS_UNSUPPORTED_FORMAT = 102,
    UP_STATUS_DIMENSIONS_TOO_LARGE = 103,
    UP_STATUS_TOO_MANY_PIXELS = 104,
    UP_STATUS_TOO_SMALL = 105,
    UP_STATUS_ANIMATED = 106,
    UP_STATUS_TRUNCATED = 107,
    UP_STATUS_CORRUPT = 108,
    /// No rendition could be made within a target's byte budget.
    UP_STATUS_BUDGET_UNREACHABLE = 109,
    UP_STATUS_ENCODE_FAILED = 110,
    UP_STATUS_IO = 111,
    /// A photo check the caller chose to refuse (`refuse`, `--require-face`) failed.
    UP_STATUS_CHECK_REFUSED = 112,
    /// The client configuration is invalid (for example plain HTTP to a non-loopback host).
    UP_STATUS_CONFIG = 200,
    /// The token endpoint refused the credentials.
    UP_STATUS_AUTH = 201,
    UP_STATUS_USER_NOT_FOUND = 202,
    UP_STATUS_FORBIDDEN = 203,
    /// The tenant's photo update policy blocks cloud photo updates.
    UP_STATUS_POLICY_BLOCKED = 204,
    UP_STATUS_IMAGE_REJECTED = 205,
    UP_STATUS_TOO_LARGE = 206,
    /// Still throttled after the retry policy's attempts.
    UP_STATUS_THROTTLED = 207,
    /// Another Graph error; the message has the HTTP status and Graph's error code.
    UP_STATUS_GRAPH = 208,
    UP_STATUS_NETWORK = 209,
    UP_STATUS_NO_PHOTO = 210,
    UP_STATUS_CANCELLED = 211,
    UP_STATUS_JOURNAL = 212,
    /// up_job_poll: the job has finished and its last event was already returned.
    UP_STATUS_JOB_FINISHED = 213,
    /// The domain controller refused the bind user and password.
    UP_STATUS_INVALID_CREDENTIALS = 300,
    /// More than one directory user matched.
    UP_STATUS_AMBIGUOUS_USER = 301,
    /// A thumbnail over the 102,400-byte schema limit (or the handle's max_bytes).
    UP_STATUS_THUMBNAIL_TOO_LARGE = 302,
    /// The directory refused the value (schema constraint).
    UP_STATUS_CONSTRAINT_VIOLATION = 303,
    /// The domain controller could not be reached or went away.
    UP_STATUS_DIRECTORY_UNAVAILABLE = 304,
    /// TLS to the domain controller failed (for example its certificate is not trusted).
    UP_STATUS_DIRECTORY_TLS = 305,
    /// Another LDAP error; the message has the result code and the server's text.
    UP_STATUS_LDAP = 306,
    /// thumbnailPhoto read back differs from what was written.
    UP_STATUS_VERIFY_MISMATCH = 307,
}

use up_status::*;

/// Every status, for up_status_name's reverse lookup of an integer.
pub(super) const ALL: [up_status; 43] = [
    UP_STATUS_OK,
    UP_STATUS_NULL_ARGUMENT,
    UP_STATUS_INVALID_HANDLE,
    UP_STATUS_INVALID_UTF8,
    UP_STATUS_INVALID_JSON,
    UP_STATUS_INVALID_OPTIONS,
    UP_STATUS_PANIC,
    UP_STATUS_INDEX_OUT_OF_RANGE,
    UP_STATUS_EMPTY_INPUT,
    UP_STATUS_INPUT_TOO_LARGE,
    UP_STATUS_UNSUPPORTED_FORMAT,
    UP_STATUS_DIMENSIONS_TOO_LARGE,
    UP_STATUS_TOO_MANY_PIXELS,
    UP_STATUS_TOO_SMALL,
    UP_STATUS_ANIMATED,
    UP_STATUS_TRUNCATED,
    UP_STATUS_CORRUPT,
    UP_STATUS_BUDGET_UNREACHABLE,
    UP_STATUS_ENCODE_FAILED,
    UP_STATUS_IO,
    UP_STATUS_CHECK_REFUSED,
    UP_STATUS_CONFIG,
    UP_STATUS_AUTH,
    UP_STATUS_USER_NOT_FOUND,
    UP_STATUS_FORBIDDEN,
    UP_STATUS_POLICY_BLOCKED,
    UP_STATUS_IMAGE_REJECTED,
    UP_STATUS_TOO_LARGE,
    UP_STATUS_THROTTLED,
    UP_STATUS_GRAPH,
    UP_STATUS_NETWORK,
    UP_STATUS_NO_PHOTO,
    UP_STATUS_CANCELLED,
    UP_STATUS_JOURNAL,
    UP_STATUS_JOB_FINISHED,
    UP_STATUS_INVALID_CREDENTIALS,
    UP_STATUS_AMBIGUOUS_USER,
    UP_STATUS_THUMBNAIL_TOO_LARGE,
    UP_STATUS_CONSTRAINT_VIOLATION,
    UP_STATUS_DIRECTORY_UNAVAILABLE,
    UP_STATUS_DIRECTORY_TLS,
    UP_STATUS_LDAP,
    UP_STATUS_VERIFY_MISMATCH,
];

impl up_status {
    /// The stable name: for an error status, the library error's code ([`Error::code`]).
    pub(super) fn name(self) -> &'static CStr {
        match self {
            UP_STATUS_OK => c"ok",
            UP_STATUS_NULL_ARGUMENT => c"null-argument",
            UP_STATUS_INVALID_HANDLE => c"invalid-handle",
            UP_STATUS_INVALID_UTF8 => c"invalid-utf8",
            UP_STATUS_INVALID_JSON => c"invalid-json",
            UP_STATUS_INVALID_OPTIONS => c"invalid-options",
            UP_STATUS_PANIC => c"panic",
            UP_STATUS_INDEX_OUT_OF_RANGE => c"index-out-of-range",
            UP_STATUS_EMPTY_INPUT => c"empty-input",
            UP_STATUS_INPUT_TOO_LARGE => c"input-too-large",
            UP_STATUS_UNSUPPORTED_FORMAT => c"unsupported-format",
            UP_STATUS_DIMENSIONS_TOO_LARGE => c"dimensions-too-large",
            UP_STATUS_TOO_MANY_PIXELS => c"too-many-pixels",
            UP_STATUS_TOO_SMALL => c"too-small",
            UP_STATUS_ANIMATED => c"animated",
            UP_STATUS_TRUNCATED => c"truncated",
            UP_STATUS_CORRUPT => c"corrupt",
            UP_STATUS_BUDGET_UNREACHABLE => c"budget-unreachable",
            UP_STATUS_ENCODE_FAILED => c"encode-failed",
            UP_STATUS_IO => c"io",
            UP_STATUS_CHECK_REFUSED => c"check-refused",
            UP_STATUS_CONFIG => c"config",
            UP_STATUS_AUTH => c"auth",
            UP_STATUS_USER_NOT_FOUND => c"user-not-found",
            UP_STATUS_FORBIDDEN => c"forbidden",
            UP_STATUS_POLICY_BLOCKED => c"policy-blocked",
            UP_STATUS_IMAGE_REJECTED => c"image-rejected",
            UP_STATUS_TOO_LARGE => c"too-large",
            UP_STATUS_THROTTLED => c"throttled",
            UP_STATUS_GRAPH => c"graph",
            UP_STATUS_NETWORK => c"network",
            UP_STATUS_NO_PHOTO => c"no-photo",
            UP_STATUS_CANCELLED => c"cancelled",
            UP_STATUS_JOURNAL => c"journal",
            UP_STATUS_JOB_FINISHED => c"job-finished",
            UP_STATUS_INVALID_CREDENTIALS => c"invalid-credentials",
            UP_STATUS_AMBIGUOUS_USER => c"ambiguous-user",
            UP_STATUS_THUMBNAIL_TOO_LARGE => c"thumbnail-too-large",
            UP_STATUS_CONSTRAINT_VIOLATION => c"constraint-violation",
            UP_STATUS_DIRECTORY_UNAVAILABLE => c"directory-unavailable",
            UP_STATUS_DIRECTORY_TLS => c"directory-tls",
            UP_STATUS_LDAP => c"ldap",
            UP_STATUS_VERIFY_MISMATCH => c"verify-mismatch",
        }
    }
}

impl From<&Error> for up_status {
    /// Exhaustive: a new error variant does not compile until it has a status.
    fn from(e: &Error) -> Self {
        match e {
            Error::EmptyInput => UP_STATUS_EMPTY_INPUT,
            Error::InputTooLarge { .. } => UP_STATUS_INPUT_TOO_LARGE,
            Error::UnsupportedFormat { .. } => UP_STATUS_UNSUPPORTED_FORMAT,
            Error::DimensionsTooLarge { .. } => UP_STATUS_DIMENSIONS_TOO_LARGE,
            Error::TooManyPixels { .. } => UP_STATUS_TOO_MANY_PIXELS,
            Error::TooSmall { .. } => UP_STATUS_TOO_SMALL,
            Error::CheckRefused { .. } => UP_STATUS_CHECK_REFUSED,
            Error::Animated { .. } => UP_STATUS_ANIMATED,
            Error::Truncated { .. } => UP_STATUS_TRUNCATED,
            Error::Corrupt { .. } => UP_STATUS_CORRUPT,
            Error::BudgetUnreachable { .. } => UP_STATUS_BUDGET_UNREACHABLE,
            Error::InvalidOptions(_) => UP_STATUS_INVALID_OPTIONS,
            Error::Encode(_) => UP_STATUS_ENCODE_FAILED,
            Error::Config(_) => UP_STATUS_CONFIG,
            Error::Auth(_) => UP_STATUS_AUTH,
            Error::UserNotFound { .. } => UP_STATUS_USER_NOT_FOUND,
            Error::Forbidden { .. } => UP_STATUS_FORBIDDEN,
            Error::PolicyBlocked { .. } => UP_STATUS_POLICY_BLOCKED,
            Error::ImageRejected { .. } => UP_STATUS_IMAGE_REJECTED,
            Error::TooLarge { .. } => UP_STATUS_TOO_LARGE,
            Error::Throttled { .. } => UP_STATUS_THROTTLED,
            Error::Graph { .. } => UP_STATUS_GRAPH,
            Error::Network { .. } => UP_STATUS_NETWORK,
            Error::NoPhoto { .. } => UP_STATUS_NO_PHOTO,
            Error::InvalidCredentials { .. } => UP_STATUS_INVALID_CREDENTIALS,
            Error::AmbiguousUser { .. } => UP_STATUS_AMBIGUOUS_USER,
            Error::ThumbnailTooLarge { .. } => UP_STATUS_THUMBNAIL_TOO_LARGE,
            Error::DirectoryConstraint { .. } => UP_STATUS_CONSTRAINT_VIOLATION,
            Error::DirectoryUnavailable { .. } => UP_STATUS_DIRECTORY_UNAVAILABLE,
            Error::DirectoryTls { .. } => UP_STATUS_DIRECTORY_TLS,
            Error::Directory { .. } => UP_STATUS_LDAP,
            Error::VerifyMismatch { .. } => UP_STATUS_VERIFY_MISMATCH,
            Error::Cancelled => UP_STATUS_CANCELLED,
            Error::Journal { .. } => UP_STATUS_JOURNAL,
            Error::Io { .. } => UP_STATUS_IO,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error crosses the ABI with the status whose name is its code, so callers that
    /// name statuses (PowerShell's error ids) and callers that read job results' error_code
    /// agree.
    #[test]
    fn an_errors_status_is_named_by_its_code() {
        let s = || String::from("x");
        let errors = [
            Error::EmptyInput,
            Error::InputTooLarge { bytes: 1, limit: 1 },
            Error::UnsupportedFormat { looks_like: s() },
            Error::DimensionsTooLarge {
                format: "JPEG",
                width: 1,
                height: 1,
                max_width: 1,
                max_height: 1,
            },
            Error::TooManyPixels {
                format: "JPEG",
                width: 1,
                height: 1,
                pixels: 1,
                limit: 1,
            },
            Error::TooSmall {
                width: 1,
                height: 1,
                min: 1,
            },
            Error::CheckRefused {
                check: "no-face",
                detail: s(),
            },
            Error::Animated {
                format: "GIF",
                frames: 2,
            },
            Error::Truncated { format: "JPEG" },
            Error::Corrupt {
                format: "JPEG",
                detail: s(),
            },
            Error::BudgetUnreachable {
                target: s(),
                max_bytes: 1,
                smallest_bytes: 1,
                smallest_size: 1,
                min_quality: 1,
            },
            Error::InvalidOptions(s()),
            Error::Encode(s()),
            Error::Config(s()),
            Error::Auth(s()),
            Error::UserNotFound { user: s() },
            Error::Forbidden {
                user: s(),
                detail: s(),
            },
            Error::PolicyBlocked { user: s() },
            Error::ImageRejected {
                user: s(),
                detail: s(),
            },
            Error::TooLarge {
                user: s(),
                bytes: 1,
                limit: 1,
                server: None,
            },
            Error::Throttled {
                user: s(),
                attempts: 1,
                waited_ms: 1,
            },
            Error::Graph {
                user: s(),
                status: 500,
                code: s(),
                message: s(),
            },
            Error::Network {
                host: s(),
                detail: s(),
            },
            Error::NoPhoto { user: s() },
            Error::InvalidCredentials {
                server: s(),
                bind_user: s(),
                detail: s(),
            },
            Error::AmbiguousUser {
                user: s(),
                count: 2,
                dns: vec![],
            },
            Error::ThumbnailTooLarge { bytes: 1, limit: 1 },
            Error::DirectoryConstraint {
                user: s(),
                detail: s(),
            },
            Error::DirectoryUnavailable {
                server: s(),
                detail: s(),
            },
            Error::DirectoryTls {
                server: s(),
                ca: s(),
                detail: s(),
            },
            Error::Directory {
                server: s(),
                operation: s(),
                rc: 1,
                name: "x",
                detail: s(),
            },
            Error::VerifyMismatch {
                user: s(),
                written: 1,
                read: 2,
            },
            Error::Cancelled,
            Error::Journal {
                path: s(),
                detail: s(),
            },
            Error::Io {
                path: s(),
                source: std::io::Error::other("x"),
            },
        ];
        for e in &errors {
            assert_eq!(
                up_status::from(e).name().to_str().unwrap(),
                e.code(),
                "{e:?}"
            );
        }
    }

    #[test]
    fn every_status_is_listed_once() {
        let mut codes: Vec<i32> = ALL.iter().map(|s| *s as i32).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ALL.len());
    }
}
