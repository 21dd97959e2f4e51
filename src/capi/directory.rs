//! The C ABI for on-premises Active Directory: a directory handle (one domain controller),
//! thumbnailPhoto upload, download, removal and audit, and bulk jobs to Graph and/or AD.

use std::ffi::c_char;
use std::ptr;

use super::graph::{start_job, JobOptions};
use super::*;
use crate::directory::{AuditOptions, DirectoryClient, DirectoryConfig};
use crate::sync::Destinations;

const DIRECTORY_TAG: u64 = 0x5550_5f44_4952_2121; // "UP_DIR!!"

/// A connection to one Active Directory domain controller: bind credentials, TLS trust and
/// one LDAP connection (opened on first use, re-opened when it breaks). An Arc inside a Box;
/// may be used from several threads at once. Freed with up_directory_free after every job
/// made from it is freed.
pub struct up_directory {
    tag: u64,
    client: DirectoryClient,
}

impl Tagged for up_directory {
    const TAG: u64 = DIRECTORY_TAG;
    const NAME: &'static str = "up_directory";
    fn tag_ptr(p: *mut Self) -> *mut u64 {
        unsafe { ptr::addr_of_mut!((*p).tag) }
    }
}

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
            Box::into_raw(Box::new(up_directory {
                tag: DIRECTORY_TAG,
                client,
            })),
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
        let outcome = if raw {
            d.client.upload_raw(user, bytes)?
        } else {
            d.client.upload_with(user, bytes, &render)?
        };
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
/// "include_disabled": false, "fix": false, "page_size": 500}.
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
        let report = d.client.audit(&options)?;
        write_out(out_report, new_buffer(to_json(&report)?))
    })
}

/// Start a bulk job to Microsoft Graph and/or Active Directory: `graph` or `directory` may
/// be NULL, not both. Each user gets one result event per destination ("destination":
/// "graph" | "ad"); the journal, force and cancel cover both. Options, feeding, polling,
/// cancelling and freeing are those of up_job_start.
#[no_mangle]
pub unsafe extern "C" fn up_job_start_to(
    graph: *const up_client,
    directory: *const up_directory,
    options_json: *const c_char,
    out_job: *mut *mut up_job,
) -> up_status {
    clear_out(out_job);
    boundary(|| {
        if graph.is_null() && directory.is_null() {
            return fail(
                UP_STATUS_NULL_ARGUMENT,
                "both graph and directory were NULL: a job needs a destination",
            );
        }
        let destinations = Destinations {
            graph: if graph.is_null() {
                None
            } else {
                Some(handle(graph)?.client.clone())
            },
            directory: if directory.is_null() {
                None
            } else {
                Some(handle(directory)?.client.clone())
            },
        };
        required_out(out_job, "out_job")?;
        let options: JobOptions = parse_json(options_json, "options_json")?;
        write_out(out_job, start_job(destinations, options)?)
    })
}
