//! The C ABI for on-premises Active Directory: a directory handle (one domain controller),
//! thumbnailPhoto upload, download, removal and audit (bulk jobs: [`super::job`]).

use std::ffi::c_char;

use super::args::{c_str, input, parse_json, parse_json_text, to_json, upload_options};
use super::handle::{
    boundary, clear_out, fail, free_handle, handle, new_buffer, new_handle, required_out, tagged,
    up_buffer, write_out, Tagged,
};
use super::publish_one;
use super::status::up_status::{self, *};
use crate::audit::{self, AuditOptions};
use crate::directory::{DirectoryClient, DirectoryConfig};
use crate::publish::Written;

/// A connection to one Active Directory domain controller: bind credentials, TLS trust and
/// one LDAP connection (opened on first use, re-opened when it breaks). An Arc inside a Box;
/// may be used from several threads at once. Freed with up_directory_free after every job
/// made from it is freed.
pub struct up_directory {
    tag: u64,
    pub(super) client: DirectoryClient,
}

tagged!(up_directory, 0x5550_5f44_4952_2121); // "UP_DIR!!"

/// Create a directory handle from a directory JSON (see "Directory JSON" above). No network
/// traffic happens until the first call. `config_json` and `out_directory` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn up_directory_new(
    config_json: *const c_char,
    out_directory: *mut *mut up_directory,
) -> up_status {
    clear_out(out_directory);
    boundary(|| {
        required_out(out_directory, "out_directory")?;
        let config: DirectoryConfig =
            parse_json_text(c_str(config_json, "config_json")?, "config_json")?;
        let client = DirectoryClient::new(config)?;
        write_out(
            out_directory,
            new_handle(up_directory {
                tag: <up_directory as Tagged>::TAG,
                client,
            }),
        )
    })
}

/// Free a directory handle (its connection is closed). NULL is a no-op; a wrong or freed
/// handle is ignored.
#[no_mangle]
pub unsafe extern "C" fn up_directory_free(directory: *mut up_directory) {
    free_handle(directory);
}

/// Render `data` to the `ad-thumbnail` rendition (96 x 96 within the handle's max_bytes) and
/// write it as `user`'s thumbnailPhoto (UPN, sAMAccountName, DOMAIN\name, mail or DN), then
/// read it back and compare. Nothing is written when the stored value already equals it.
/// `options_json`: pipeline options (crop, limits, ...; the targets are ignored) plus
/// "raw": true to write JPEG bytes as they are (at most 102,400 bytes), or NULL.
/// `out_result`: must not be NULL; on success receives the outcome JSON
/// {"user","dn","status": "written|unchanged","bytes","previous_bytes","verified",
///  "rendition": {...} | null}, freed with up_buffer_free.
#[no_mangle]
pub unsafe extern "C" fn up_directory_upload(
    directory: *const up_directory,
    user: *const c_char,
    data: *const u8,
    len: usize,
    options_json: *const c_char,
    out_result: *mut *mut up_buffer,
) -> up_status {
    clear_out(out_result);
    boundary(|| {
        let d = handle(directory)?;
        let user = c_str(user, "user")?;
        required_out(out_result, "out_result")?;
        let bytes = input(data, len)?;
        let (raw, render) = upload_options(options_json)?;
        let (rendition, written) = publish_one(d.client.clone().into(), user, bytes, raw, render)?;
        let Some(Written::Directory(mut outcome)) = written else {
            return fail(UP_STATUS_PANIC, "the directory write gave no outcome");
        };
        outcome.rendition = rendition;
        write_out(out_result, new_buffer(to_json(&outcome)?))
    })
}

/// Download `user`'s current thumbnailPhoto. `out_photo` must not be NULL; on success it
/// receives the stored bytes (freed with up_buffer_free). A user without one is
/// UP_STATUS_NO_PHOTO.
#[no_mangle]
pub unsafe extern "C" fn up_directory_download(
    directory: *const up_directory,
    user: *const c_char,
    out_photo: *mut *mut up_buffer,
) -> up_status {
    clear_out(out_photo);
    boundary(|| {
        let d = handle(directory)?;
        let user = c_str(user, "user")?;
        required_out(out_photo, "out_photo")?;
        write_out(out_photo, new_buffer(d.client.export(user)?))
    })
}

/// Remove `user`'s thumbnailPhoto. `out_result` may be NULL; otherwise it receives the
/// outcome JSON (as up_directory_upload's, with "status": "removed|absent").
#[no_mangle]
pub unsafe extern "C" fn up_directory_remove(
    directory: *const up_directory,
    user: *const c_char,
    out_result: *mut *mut up_buffer,
) -> up_status {
    clear_out(out_result);
    boundary(|| {
        let d = handle(directory)?;
        let user = c_str(user, "user")?;
        let outcome = d.client.remove(user)?;
        if !out_result.is_null() {
            *out_result = new_buffer(to_json(&outcome)?);
        }
        Ok(())
    })
}

/// Audit every user under the search base: thumbnailPhotos over a size, not JPEG, not
/// square, unreadable or missing; with "fix", re-encode the flagged ones to fit and write
/// them back. Blocks until the whole directory is scanned.
/// `options_json` (or NULL): {"max_bytes": 10240, "include_missing": true,
/// "include_disabled": false, "fix": false, "page_size": 500,
/// "contact_sheet": "path/to/sheet.html" | null (an HTML contact sheet of every user),
/// "report_csv": "path" | null, "report_json": "path" | null (written after the fix; a report
/// that could not be written is named in the audit JSON's "report_error")}. An output file
/// in a folder that does not exist is UP_STATUS_INVALID_OPTIONS, before the scan.
/// `out_report` must not be NULL; on success receives the audit JSON (see "Audit JSON").
#[no_mangle]
pub unsafe extern "C" fn up_directory_audit(
    directory: *const up_directory,
    options_json: *const c_char,
    out_report: *mut *mut up_buffer,
) -> up_status {
    clear_out(out_report);
    boundary(|| {
        let d = handle(directory)?;
        required_out(out_report, "out_report")?;
        let options: AuditOptions = parse_json(options_json, "options_json")?;
        let report = audit::audit_directory(&d.client, &options)?;
        write_out(out_report, new_buffer(to_json(&report)?))
    })
}
