//! The C ABI: thin shims over the Rust API, and the only module with `unsafe`.
//! Conventions are documented in cbindgen.toml's header text (include/userphoto.h).
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)] // Each function's doc comment states its pointer rules.

use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use crate::error::Error;
use crate::photo::{self, Options};

mod directory;
mod graph;
pub use directory::*;
pub use graph::*;

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

/// Every status with its stable code name, in one table.
const STATUS_NAMES: &[(up_status, &CStr)] = &[
    (UP_STATUS_OK, c"ok"),
    (UP_STATUS_NULL_ARGUMENT, c"null-argument"),
    (UP_STATUS_INVALID_HANDLE, c"invalid-handle"),
    (UP_STATUS_INVALID_UTF8, c"invalid-utf8"),
    (UP_STATUS_INVALID_JSON, c"invalid-json"),
    (UP_STATUS_INVALID_OPTIONS, c"invalid-options"),
    (UP_STATUS_PANIC, c"panic"),
    (UP_STATUS_INDEX_OUT_OF_RANGE, c"index-out-of-range"),
    (UP_STATUS_EMPTY_INPUT, c"empty-input"),
    (UP_STATUS_INPUT_TOO_LARGE, c"input-too-large"),
    (UP_STATUS_UNSUPPORTED_FORMAT, c"unsupported-format"),
    (UP_STATUS_DIMENSIONS_TOO_LARGE, c"dimensions-too-large"),
    (UP_STATUS_TOO_MANY_PIXELS, c"too-many-pixels"),
    (UP_STATUS_TOO_SMALL, c"too-small"),
    (UP_STATUS_ANIMATED, c"animated"),
    (UP_STATUS_TRUNCATED, c"truncated"),
    (UP_STATUS_CORRUPT, c"corrupt"),
    (UP_STATUS_BUDGET_UNREACHABLE, c"budget-unreachable"),
    (UP_STATUS_ENCODE_FAILED, c"encode-failed"),
    (UP_STATUS_IO, c"io"),
    (UP_STATUS_CONFIG, c"config"),
    (UP_STATUS_AUTH, c"auth"),
    (UP_STATUS_USER_NOT_FOUND, c"user-not-found"),
    (UP_STATUS_FORBIDDEN, c"forbidden"),
    (UP_STATUS_POLICY_BLOCKED, c"policy-blocked"),
    (UP_STATUS_IMAGE_REJECTED, c"image-rejected"),
    (UP_STATUS_TOO_LARGE, c"too-large"),
    (UP_STATUS_THROTTLED, c"throttled"),
    (UP_STATUS_GRAPH, c"graph"),
    (UP_STATUS_NETWORK, c"network"),
    (UP_STATUS_NO_PHOTO, c"no-photo"),
    (UP_STATUS_CANCELLED, c"cancelled"),
    (UP_STATUS_JOURNAL, c"journal"),
    (UP_STATUS_JOB_FINISHED, c"job-finished"),
    (UP_STATUS_INVALID_CREDENTIALS, c"invalid-credentials"),
    (UP_STATUS_AMBIGUOUS_USER, c"ambiguous-user"),
    (UP_STATUS_THUMBNAIL_TOO_LARGE, c"thumbnail-too-large"),
    (UP_STATUS_CONSTRAINT_VIOLATION, c"constraint-violation"),
    (UP_STATUS_DIRECTORY_UNAVAILABLE, c"directory-unavailable"),
    (UP_STATUS_DIRECTORY_TLS, c"directory-tls"),
    (UP_STATUS_LDAP, c"ldap"),
    (UP_STATUS_VERIFY_MISMATCH, c"verify-mismatch"),
];

fn status_of(e: &Error) -> up_status {
    STATUS_NAMES
        .iter()
        .find(|(_, name)| name.to_bytes() == e.code().as_bytes())
        .map_or(UP_STATUS_PANIC, |(s, _)| *s)
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_last_error(msg: &str) {
    let c = CString::new(msg.replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = c);
}

/// A failed call: its status and message.
struct Fail(up_status, String);

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Fail(status_of(&e), e.to_string())
    }
}

fn fail<T>(status: up_status, msg: impl Into<String>) -> Result<T, Fail> {
    Err(Fail(status, msg.into()))
}

/// The panic boundary every fallible export runs in.
fn boundary(f: impl FnOnce() -> Result<(), Fail>) -> up_status {
    set_last_error("");
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => UP_STATUS_OK,
        Ok(Err(Fail(status, msg))) => {
            set_last_error(&msg);
            status
        }
        Err(payload) => {
            let what = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("unknown");
            set_last_error(&format!(
                "internal error in userphoto (please report it): {what}"
            ));
            UP_STATUS_PANIC
        }
    }
}

/// Set a pointer out-parameter to NULL on entry (rule: NULL after any failure).
unsafe fn clear_out<T>(out: *mut *mut T) {
    if !out.is_null() {
        *out = ptr::null_mut();
    }
}

/// Refuse a NULL pointer out-parameter before any work is done.
fn required_out<T>(out: *mut *mut T, name: &str) -> Result<(), Fail> {
    if out.is_null() {
        return fail(UP_STATUS_NULL_ARGUMENT, format!("{name} was NULL"));
    }
    Ok(())
}

unsafe fn write_out<T>(out: *mut T, value: T) -> Result<(), Fail> {
    if out.is_null() {
        return fail(UP_STATUS_NULL_ARGUMENT, "an output pointer was NULL");
    }
    *out = value;
    Ok(())
}

/// Tags that mark live handles; a freed handle's tag is overwritten with DEAD_TAG.
const BUFFER_TAG: u64 = 0x5550_5f42_5546_4652; // "UP_BUFFR"
const RENDITIONS_TAG: u64 = 0x5550_5f52_454e_4453; // "UP_RENDS"
const DEAD_TAG: u64 = 0xdead_dead_dead_dead;

/// Bytes owned by the library: an encoded photo or a UTF-8 JSON document (not
/// NUL-terminated). A Box; read-only; freed with up_buffer_free.
pub struct up_buffer {
    tag: u64,
    data: Vec<u8>,
}

/// The renditions of one photo, with their JSON report. A Box; read-only; freed with
/// up_renditions_free.
pub struct up_renditions {
    tag: u64,
    report: Vec<u8>,
    items: Vec<Vec<u8>>,
}

trait Tagged {
    const TAG: u64;
    const NAME: &'static str;
    /// The tag field, reached without making a reference to a possibly dead handle.
    fn tag_ptr(p: *mut Self) -> *mut u64;
}
impl Tagged for up_buffer {
    const TAG: u64 = BUFFER_TAG;
    const NAME: &'static str = "up_buffer";
    fn tag_ptr(p: *mut Self) -> *mut u64 {
        unsafe { ptr::addr_of_mut!((*p).tag) }
    }
}
impl Tagged for up_renditions {
    const TAG: u64 = RENDITIONS_TAG;
    const NAME: &'static str = "up_renditions";
    fn tag_ptr(p: *mut Self) -> *mut u64 {
        unsafe { ptr::addr_of_mut!((*p).tag) }
    }
}

/// Borrow a handle after checking NULL, alignment and tag.
unsafe fn handle<'a, T: Tagged>(p: *const T) -> Result<&'a T, Fail> {
    if p.is_null() {
        return fail(
            UP_STATUS_NULL_ARGUMENT,
            format!("the {} handle was NULL", T::NAME),
        );
    }
    if !(p as usize).is_multiple_of(std::mem::align_of::<T>())
        || T::tag_ptr(p.cast_mut()).read() != T::TAG
    {
        return fail(
            UP_STATUS_INVALID_HANDLE,
            format!(
                "not a live {} handle (wrong type, or already freed)",
                T::NAME
            ),
        );
    }
    Ok(&*p)
}

fn new_buffer(data: Vec<u8>) -> *mut up_buffer {
    Box::into_raw(Box::new(up_buffer {
        tag: BUFFER_TAG,
        data,
    }))
}

unsafe fn input<'a>(data: *const u8, len: usize) -> Result<&'a [u8], Fail> {
    match (data.is_null(), len) {
        (true, 0) => Ok(&[]),
        (true, _) => fail(
            UP_STATUS_NULL_ARGUMENT,
            format!("data was NULL with length {len}"),
        ),
        (false, _) => Ok(std::slice::from_raw_parts(data, len)),
    }
}

/// A NUL-terminated UTF-8 string argument.
unsafe fn c_str<'a>(p: *const c_char, what: &str) -> Result<&'a str, Fail> {
    if p.is_null() {
        return fail(UP_STATUS_NULL_ARGUMENT, format!("{what} was NULL"));
    }
    CStr::from_ptr(p)
        .to_str()
        .map_err(|e| Fail(UP_STATUS_INVALID_UTF8, format!("{what} is not UTF-8: {e}")))
}

/// JSON options; NULL means the defaults.
unsafe fn parse_json<T: serde::de::DeserializeOwned + Default>(
    json: *const c_char,
    what: &str,
) -> Result<T, Fail> {
    if json.is_null() {
        return Ok(T::default());
    }
    parse_json_text(c_str(json, what)?, what)
}

fn parse_json_text<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T, Fail> {
    serde_json::from_str(text).map_err(|e| {
        use serde_json::error::Category;
        let status = match e.classify() {
            Category::Data => UP_STATUS_INVALID_OPTIONS,
            _ => UP_STATUS_INVALID_JSON,
        };
        Fail(status, format!("{what}: {e}"))
    })
}

unsafe fn options(json: *const c_char) -> Result<Options, Fail> {
    parse_json(json, "options")
}

/// Upload options: pipeline options plus "raw": true (send the bytes as they are). NULL
/// means rendering with the defaults.
unsafe fn upload_options(json: *const c_char) -> Result<(bool, Options), Fail> {
    let mut value: serde_json::Value = parse_json(json, "options")?;
    let raw = match value.as_object_mut().and_then(|o| o.remove("raw")) {
        None => false,
        Some(serde_json::Value::Bool(b)) => b,
        Some(_) => {
            return fail(
                UP_STATUS_INVALID_OPTIONS,
                "options: \"raw\" must be true or false",
            )
        }
    };
    let render = if value.is_null() {
        Options::default()
    } else {
        serde_json::from_value(value)
            .map_err(|e| Fail(UP_STATUS_INVALID_OPTIONS, format!("options: {e}")))?
    };
    Ok((raw, render))
}

fn to_json(value: &impl serde::Serialize) -> Result<Vec<u8>, Fail> {
    serde_json::to_vec(value)
        .map_err(|e| Fail(UP_STATUS_PANIC, format!("report serialisation failed: {e}")))
}

/// The library version, e.g. "0.1.0". A static NUL-terminated string; never NULL; do not free.
#[no_mangle]
pub extern "C" fn up_version() -> *const c_char {
    const V: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => c"unknown",
        };
    V.as_ptr()
}

/// The message of the last failed call on this thread, UTF-8 and NUL-terminated; "" when the
/// last call succeeded. Never NULL. Valid until the next up_ call on this thread: copy it.
#[no_mangle]
pub extern "C" fn up_last_error_message() -> *const c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// The stable name of a status ("ok", "corrupt", "too-small", ...), for error ids in callers.
/// `status` is an int so that unknown values are safe: they give "unknown". A static string;
/// never NULL; do not free.
#[no_mangle]
pub extern "C" fn up_status_name(status: i32) -> *const c_char {
    STATUS_NAMES
        .iter()
        .find(|(s, _)| *s as i32 == status)
        .map_or(c"unknown", |(_, name)| name)
        .as_ptr()
}

/// The built-in target table as JSON (see "Targets JSON" above).
/// `out_json` must not be NULL; on success it receives a buffer to free with up_buffer_free.
#[no_mangle]
pub unsafe extern "C" fn up_targets(out_json: *mut *mut up_buffer) -> up_status {
    clear_out(out_json);
    boundary(|| {
        let json = to_json(&crate::targets::PROFILES)?;
        write_out(out_json, new_buffer(json))
    })
}

/// Check a photo against targets without producing renditions.
/// `data`/`len`: the photo bytes (NULL only with `len` 0, which is an empty photo).
/// `options_json`: NUL-terminated UTF-8 options (see above), or NULL for defaults.
/// `out_report`: must not be NULL; on success receives the validation report JSON, to free
/// with up_buffer_free. A photo that is readable but too small for a target is a success
/// whose report marks the target "unusable"; an unreadable photo is a failure status.
#[no_mangle]
pub unsafe extern "C" fn up_photo_validate(
    data: *const u8,
    len: usize,
    options_json: *const c_char,
    out_report: *mut *mut up_buffer,
) -> up_status {
    clear_out(out_report);
    boundary(|| {
        required_out(out_report, "out_report")?;
        let bytes = input(data, len)?;
        let opts = options(options_json)?;
        let report = photo::validate(bytes, &opts)?;
        write_out(out_report, new_buffer(to_json(&report)?))
    })
}

/// Render a photo for one or more targets from one decode.
/// `data`/`len`: the photo bytes (NULL only with `len` 0, which is an empty photo).
/// `options_json`: NUL-terminated UTF-8 options (see above), or NULL for every built-in target.
/// `out_renditions`: must not be NULL; on success receives a handle to free with
/// up_renditions_free. Either every target is rendered or the call fails.
#[no_mangle]
pub unsafe extern "C" fn up_photo_resize(
    data: *const u8,
    len: usize,
    options_json: *const c_char,
    out_renditions: *mut *mut up_renditions,
) -> up_status {
    clear_out(out_renditions);
    boundary(|| {
        required_out(out_renditions, "out_renditions")?;
        let bytes = input(data, len)?;
        let opts = options(options_json)?;
        let mut output = photo::render(bytes, &opts)?;
        let items = output
            .renditions
            .iter_mut()
            .map(|r| std::mem::take(&mut r.data))
            .collect();
        let report = to_json(&output)?;
        let handle = Box::new(up_renditions {
            tag: RENDITIONS_TAG,
            report,
            items,
        });
        write_out(out_renditions, Box::into_raw(handle))
    })
}

/// Number of renditions in `renditions` (one per requested target, in request order).
/// Neither pointer may be NULL.
#[no_mangle]
pub unsafe extern "C" fn up_renditions_count(
    renditions: *const up_renditions,
    out_count: *mut usize,
) -> up_status {
    boundary(|| {
        let r = handle(renditions)?;
        write_out(out_count, r.items.len())
    })
}

/// The renditions report JSON (see above). `out_json` must not be NULL; on success it
/// receives a new buffer to free with up_buffer_free.
#[no_mangle]
pub unsafe extern "C" fn up_renditions_report(
    renditions: *const up_renditions,
    out_json: *mut *mut up_buffer,
) -> up_status {
    clear_out(out_json);
    boundary(|| {
        let r = handle(renditions)?;
        write_out(out_json, new_buffer(r.report.clone()))
    })
}

/// Borrow the JPEG bytes of rendition `index`. The pointer stays valid until
/// up_renditions_free; copy the bytes to keep them. No pointer may be NULL.
#[no_mangle]
pub unsafe extern "C" fn up_renditions_data(
    renditions: *const up_renditions,
    index: usize,
    out_data: *mut *const u8,
    out_len: *mut usize,
) -> up_status {
    boundary(|| {
        let r = handle(renditions)?;
        let Some(item) = r.items.get(index) else {
            return fail(
                UP_STATUS_INDEX_OUT_OF_RANGE,
                format!("rendition {index} asked for; there are {}", r.items.len()),
            );
        };
        if out_data.is_null() || out_len.is_null() {
            return fail(UP_STATUS_NULL_ARGUMENT, "out_data or out_len was NULL");
        }
        *out_data = item.as_ptr();
        *out_len = item.len();
        Ok(())
    })
}

/// Free a renditions handle. NULL is a no-op; a wrong or freed handle is ignored (and
/// reported through up_last_error_message).
#[no_mangle]
pub unsafe extern "C" fn up_renditions_free(renditions: *mut up_renditions) {
    free_handle(renditions);
}

/// Borrow a buffer's bytes (valid until up_buffer_free). No pointer may be NULL.
#[no_mangle]
pub unsafe extern "C" fn up_buffer_data(
    buffer: *const up_buffer,
    out_data: *mut *const u8,
    out_len: *mut usize,
) -> up_status {
    boundary(|| {
        let b = handle(buffer)?;
        if out_data.is_null() || out_len.is_null() {
            return fail(UP_STATUS_NULL_ARGUMENT, "out_data or out_len was NULL");
        }
        *out_data = b.data.as_ptr();
        *out_len = b.data.len();
        Ok(())
    })
}

/// Free a buffer. NULL is a no-op; a wrong or freed handle is ignored (and reported through
/// up_last_error_message).
#[no_mangle]
pub unsafe extern "C" fn up_buffer_free(buffer: *mut up_buffer) {
    free_handle(buffer);
}

unsafe fn free_handle<T: Tagged>(p: *mut T) {
    if p.is_null() {
        return;
    }
    let _ = boundary(|| {
        handle(p)?;
        T::tag_ptr(p).write(DEAD_TAG);
        drop(Box::from_raw(p));
        Ok(())
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every error code the library can produce has its own status; a new error variant
    /// without one would reach C callers as UP_STATUS_PANIC.
    #[test]
    fn every_error_code_has_a_status() {
        let source = include_str!("../error.rs");
        let body = &source[source.find("pub fn code(&self)").expect("Error::code")..];
        let body = &body[..body.find("\n    }\n").expect("end of Error::code")];
        let codes: Vec<&str> = body
            .lines()
            .filter_map(|l| l.split("=> \"").nth(1))
            .filter_map(|rest| rest.split('"').next())
            .collect();
        assert!(codes.len() > 30, "parsed {codes:?}");
        for code in codes {
            assert!(
                STATUS_NAMES
                    .iter()
                    .any(|(_, name)| name.to_bytes() == code.as_bytes()),
                "error code {code} has no up_status"
            );
        }
    }
}
