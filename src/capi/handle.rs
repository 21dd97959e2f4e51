//! What every export shares: the panic boundary and the thread's last error, tagged opaque
//! handles, owned buffers, and out-parameters.

use std::cell::RefCell;
use std::ffi::CString;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use super::status::up_status::{self, *};
use crate::error::Error;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_last_error(msg: &str) {
    let c = CString::new(msg.replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = c);
}

/// The message of the thread's last failed call (empty after a success).
pub(super) fn last_error() -> *const std::ffi::c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// A failed call: its status and message.
pub(super) struct Fail(pub(super) up_status, pub(super) String);

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Fail::from(&e)
    }
}

impl From<&Error> for Fail {
    fn from(e: &Error) -> Self {
        Fail(up_status::from(e), e.to_string())
    }
}

pub(super) fn fail<T>(status: up_status, msg: impl Into<String>) -> Result<T, Fail> {
    Err(Fail(status, msg.into()))
}

/// The panic boundary every fallible export runs in.
pub(super) fn boundary(f: impl FnOnce() -> Result<(), Fail>) -> up_status {
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
pub(super) unsafe fn clear_out<T>(out: *mut *mut T) {
    if !out.is_null() {
        *out = ptr::null_mut();
    }
}

/// Refuse a NULL pointer out-parameter before any work is done.
pub(super) fn required_out<T>(out: *mut *mut T, name: &str) -> Result<(), Fail> {
    if out.is_null() {
        return fail(UP_STATUS_NULL_ARGUMENT, format!("{name} was NULL"));
    }
    Ok(())
}

pub(super) unsafe fn write_out<T>(out: *mut T, value: T) -> Result<(), Fail> {
    if out.is_null() {
        return fail(UP_STATUS_NULL_ARGUMENT, "an output pointer was NULL");
    }
    *out = value;
    Ok(())
}

/// A freed handle's tag is overwritten with this.
const DEAD_TAG: u64 = 0xdead_dead_dead_dead;

/// A handle type: a Box whose first check on entry is its tag.
pub(super) trait Tagged {
    const TAG: u64;
    const NAME: &'static str;
    /// The tag field, reached without making a reference to a possibly dead handle.
    fn tag_ptr(p: *mut Self) -> *mut u64;
}

/// Implements [`Tagged`] for a handle struct with a `tag: u64` field.
macro_rules! tagged {
    ($ty:ident, $tag:expr) => {
        impl $crate::capi::handle::Tagged for $ty {
            const TAG: u64 = $tag;
            const NAME: &'static str = stringify!($ty);
            fn tag_ptr(p: *mut Self) -> *mut u64 {
                unsafe { std::ptr::addr_of_mut!((*p).tag) }
            }
        }
    };
}
pub(super) use tagged;

/// Borrow a handle after checking NULL, alignment and tag.
pub(super) unsafe fn handle<'a, T: Tagged>(p: *const T) -> Result<&'a T, Fail> {
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

/// A new handle for `value`.
pub(super) fn new_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Free a handle: NULL is a no-op; a wrong or freed handle is ignored (and reported through
/// up_last_error_message).
pub(super) unsafe fn free_handle<T: Tagged>(p: *mut T) {
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

/// Bytes owned by the library: an encoded photo or a UTF-8 JSON document (not
/// NUL-terminated). A Box; read-only; freed with up_buffer_free.
pub struct up_buffer {
    tag: u64,
    pub(super) data: Vec<u8>,
}

tagged!(up_buffer, 0x5550_5f42_5546_4652); // "UP_BUFFR"

pub(super) fn new_buffer(data: Vec<u8>) -> *mut up_buffer {
    new_handle(up_buffer {
        tag: <up_buffer as Tagged>::TAG,
        data,
    })
}
