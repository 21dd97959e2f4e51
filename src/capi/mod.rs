//! The C ABI: thin shims over the Rust API, and the only module with `unsafe`.
//! Conventions are documented in cbindgen.toml's header text (include/userphoto.h).
//!
//! - [`status`]: `up_status` and the one, exhaustive mapping from the library's errors;
//! - [`handle`]: the panic boundary, the last error, tagged handles, buffers;
//! - [`args`]: reading bytes, strings and JSON options;
//! - the exports: [`photo`] (targets, validation, renditions), [`graph`] (Microsoft Graph
//!   client, single uploads), [`directory`] (Active Directory), [`job`] (bulk jobs to
//!   either or both, feeds).
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)] // Each function's doc comment states its pointer rules.

use std::ffi::{c_char, CStr};

mod args;
mod directory;
mod graph;
mod handle;
mod job;
mod photo;
mod status;

pub use directory::*;
pub use graph::*;
pub use handle::up_buffer;
pub use job::*;
pub use photo::*;
pub use status::up_status;

use handle::{boundary, fail, free_handle, handle, last_error, Fail};
use status::up_status::*;

use crate::photo::{Options, Rendition};
use crate::publish::{self, Destination, PublishOptions, Written};
use crate::sync::{Item, Source};

/// Publish one photo from memory to one destination, rendered for it unless `raw`.
fn publish_one(
    destination: Destination,
    user: &str,
    bytes: &[u8],
    raw: bool,
    render: Options,
) -> Result<(Option<Rendition>, Option<Written>), Fail> {
    let item = Item {
        user: user.to_string(),
        source: Source::Bytes(bytes.to_vec()),
    };
    let options = PublishOptions {
        render,
        raw,
        ..PublishOptions::default()
    };
    Ok(publish::publish_one(destination, &item, options)?)
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
    last_error()
}

/// The stable name of a status ("ok", "corrupt", "too-small", ...), for error ids in callers.
/// `status` is an int so that unknown values are safe: they give "unknown". A static string;
/// never NULL; do not free.
#[no_mangle]
pub extern "C" fn up_status_name(status: i32) -> *const c_char {
    status::ALL
        .iter()
        .find(|s| **s as i32 == status)
        .map_or(c"unknown", |s| s.name())
        .as_ptr()
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
