//! Reading the arguments of an export: photo bytes, UTF-8 strings and JSON options.

use std::ffi::{c_char, CStr};

use super::handle::{fail, Fail};
use super::status::up_status::*;
use crate::photo::Options;

/// Bytes given as pointer + length (NULL only with length 0).
pub(super) unsafe fn input<'a>(data: *const u8, len: usize) -> Result<&'a [u8], Fail> {
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
pub(super) unsafe fn c_str<'a>(p: *const c_char, what: &str) -> Result<&'a str, Fail> {
    if p.is_null() {
        return fail(UP_STATUS_NULL_ARGUMENT, format!("{what} was NULL"));
    }
    CStr::from_ptr(p)
        .to_str()
        .map_err(|e| Fail(UP_STATUS_INVALID_UTF8, format!("{what} is not UTF-8: {e}")))
}

/// JSON options; NULL means the defaults.
pub(super) unsafe fn parse_json<T: serde::de::DeserializeOwned + Default>(
    json: *const c_char,
    what: &str,
) -> Result<T, Fail> {
    if json.is_null() {
        return Ok(T::default());
    }
    parse_json_text(c_str(json, what)?, what)
}

pub(super) fn parse_json_text<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
) -> Result<T, Fail> {
    serde_json::from_str(text).map_err(|e| {
        use serde_json::error::Category;
        let status = match e.classify() {
            Category::Data => UP_STATUS_INVALID_OPTIONS,
            _ => UP_STATUS_INVALID_JSON,
        };
        Fail(status, format!("{what}: {e}"))
    })
}

pub(super) unsafe fn options(json: *const c_char) -> Result<Options, Fail> {
    parse_json(json, "options")
}

/// Upload options: pipeline options plus "raw": true (send the bytes as they are). NULL
/// means rendering with the defaults.
pub(super) unsafe fn upload_options(json: *const c_char) -> Result<(bool, Options), Fail> {
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

pub(super) fn to_json(value: &impl serde::Serialize) -> Result<Vec<u8>, Fail> {
    serde_json::to_vec(value)
        .map_err(|e| Fail(UP_STATUS_PANIC, format!("report serialisation failed: {e}")))
}
