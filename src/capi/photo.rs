//! The C ABI for photos: the target table, validation and renditions.

use std::ffi::c_char;

use super::args::{input, options, to_json};
use super::handle::{
    boundary, clear_out, fail, free_handle, handle, new_buffer, new_handle, required_out, tagged,
    up_buffer, write_out,
};
use super::status::up_status::{self, *};
use crate::photo;

/// The renditions of one photo, with their JSON report. A Box; read-only; freed with
/// up_renditions_free.
pub struct up_renditions {
    tag: u64,
    report: Vec<u8>,
    items: Vec<Vec<u8>>,
}

tagged!(up_renditions, 0x5550_5f52_454e_4453); // "UP_RENDS"

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
        let renditions = new_handle(up_renditions {
            tag: <up_renditions as super::handle::Tagged>::TAG,
            report,
            items,
        });
        write_out(out_renditions, renditions)
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
