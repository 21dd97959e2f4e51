//! The C ABI for bulk jobs (to Microsoft Graph, Active Directory or both), the feeds that
//! fill them, and tenant audits (the same handle and poll model).

use std::ffi::c_char;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;

use super::args::{c_str, input, parse_json, parse_json_text, to_json};
use super::directory::up_directory;
use super::graph::up_client;
use super::handle::{
    boundary, clear_out, fail, free_handle, handle, new_buffer, new_handle, required_out, tagged,
    up_buffer, write_out, Fail, Tagged,
};
use super::status::up_status::{self, *};
use crate::audit::tenant::{AuditJob, TenantAuditOptions};
use crate::photo::Options;
use crate::sync::{feed, Destination, Event, Item, Job, Poll, Source, SyncOptions};

/// A bulk job (fed with up_job_add_*, closed with up_job_close) or a tenant audit (started
/// with up_job_start_audit: no items), polled with up_job_poll. A Box. Feed and poll from
/// one thread; up_job_cancel may be called from any thread.
pub struct up_job {
    tag: u64,
    work: Mutex<Work>,
    cancel: Arc<AtomicBool>,
}

enum Work {
    Sync(Job),
    Audit(AuditJob),
}

impl Work {
    fn close(&mut self) {
        if let Work::Sync(job) = self {
            job.close();
        }
    }
}

impl up_job {
    fn work(&self) -> std::sync::MutexGuard<'_, Work> {
        self.work.lock().unwrap_or_else(|p| p.into_inner())
    }
}

tagged!(up_job, 0x5550_5f4a_4f42_2121); // "UP_JOB!!"

/// Job options JSON.
#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct JobOptions {
    force: bool,
    journal: Option<String>,
    workers: Option<usize>,
    render: Options,
    report_csv: Option<String>,
    report_json: Option<String>,
}

impl From<JobOptions> for SyncOptions {
    fn from(o: JobOptions) -> Self {
        let mut sync = SyncOptions {
            force: o.force,
            journal: o.journal.map(Into::into),
            render: o.render,
            report_csv: o.report_csv.map(Into::into),
            report_json: o.report_json.map(Into::into),
            ..Default::default()
        };
        if let Some(w) = o.workers {
            sync.workers = w;
        }
        sync
    }
}

/// Start `job` on `destinations` and wrap it in a new handle.
fn start_job(destinations: Vec<Destination>, options: JobOptions) -> Result<*mut up_job, Fail> {
    let job = Job::start_to(destinations, options.into())?;
    let cancel = job.cancel_flag();
    Ok(new_handle(up_job {
        tag: <up_job as Tagged>::TAG,
        work: Mutex::new(Work::Sync(job)),
        cancel,
    }))
}

/// Start a bulk job on `client`. `options_json` (or NULL):
/// {"force": false, "journal": "path/to/journal.sqlite" | null,
///  "workers": photos rendered at once (default: one per CPU), "render": {pipeline options},
///  "report_csv": "path" | null, "report_json": "path" | null}.
/// The reports (one row per result, as `userphoto sync` writes them) are written when the job
/// ends, before its "finished" event, also when it was cancelled or freed before it ended (once
/// the uploads under way have finished); a report that could not be written is named in the
/// "finished" event's "report_error".
/// `out_job` must not be NULL; on success receives a job to free with up_job_free.
#[no_mangle]
pub unsafe extern "C" fn up_job_start(
    client: *const up_client,
    options_json: *const c_char,
    out_job: *mut *mut up_job,
) -> up_status {
    clear_out(out_job);
    boundary(|| {
        let c = handle(client)?;
        required_out(out_job, "out_job")?;
        let o: JobOptions = parse_json(options_json, "options_json")?;
        write_out(out_job, start_job(vec![c.client.clone().into()], o)?)
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
        let mut destinations = Vec::new();
        if !graph.is_null() {
            destinations.push(handle(graph)?.client.clone().into());
        }
        if !directory.is_null() {
            destinations.push(handle(directory)?.client.clone().into());
        }
        required_out(out_job, "out_job")?;
        let options: JobOptions = parse_json(options_json, "options_json")?;
        write_out(out_job, start_job(destinations, options)?)
    })
}

unsafe fn add(
    job: *const up_job,
    user: *const c_char,
    source: impl FnOnce() -> Result<Source, Fail>,
) -> up_status {
    boundary(|| {
        let j = handle(job)?;
        let user = c_str(user, "user")?.to_string();
        let source = source()?;
        match &*j.work() {
            Work::Sync(job) => Ok(job.add(Item { user, source })?),
            Work::Audit(_) => fail(
                UP_STATUS_INVALID_OPTIONS,
                "this job is a tenant audit: it takes no items",
            ),
        }
    })
}

/// Queue a photo from memory (the bytes are copied). Fails after up_job_close.
#[no_mangle]
pub unsafe extern "C" fn up_job_add_bytes(
    job: *const up_job,
    user: *const c_char,
    data: *const u8,
    len: usize,
) -> up_status {
    add(job, user, || Ok(Source::Bytes(input(data, len)?.to_vec())))
}

/// Queue a photo file (read when its turn comes). Fails after up_job_close.
#[no_mangle]
pub unsafe extern "C" fn up_job_add_file(
    job: *const up_job,
    user: *const c_char,
    path: *const c_char,
) -> up_status {
    add(job, user, || Ok(Source::Path(c_str(path, "path")?.into())))
}

/// No more items: the job finishes when the queued ones are done. (A no-op for an audit.)
#[no_mangle]
pub unsafe extern "C" fn up_job_close(job: *const up_job) -> up_status {
    boundary(|| {
        handle(job)?.work().close();
        Ok(())
    })
}

/// Stop the job: no new user is started (queued ones are reported as skipped, code
/// "cancelled"); uploads already running finish. An audit starts no further group of users
/// and ends with "cancelled": true (without writing its sheet or reports). Safe from any
/// thread (e.g. a Ctrl+C handler). Keep polling until UP_STATUS_JOB_FINISHED.
#[no_mangle]
pub unsafe extern "C" fn up_job_cancel(job: *const up_job) -> up_status {
    boundary(|| {
        let j = handle(job)?;
        j.cancel.store(true, Ordering::SeqCst);
        if let Ok(mut guard) = j.work.try_lock() {
            guard.close();
        }
        Ok(())
    })
}

/// Wait up to `timeout_ms` for the next event. On UP_STATUS_OK, `*out_event` is an event
/// JSON buffer (free with up_buffer_free), or NULL when the timeout passed first:
///   {"event": "progress", "done": n, "submitted": n}
///   {"event": "result", "user", "destination", "status": "uploaded|unchanged|failed|skipped",
///    "source", "bytes", "width", "height", "quality", "attempts", "error_code", "error"}
///   {"event": "finished", "total", "uploaded", "unchanged", "failed", "skipped", "cancelled",
///    "report_error" (only when a report could not be written)}
/// An audit's events are up_job_start_audit's.
/// After "finished" has been returned, further polls give UP_STATUS_JOB_FINISHED.
#[no_mangle]
pub unsafe extern "C" fn up_job_poll(
    job: *const up_job,
    timeout_ms: u32,
    out_event: *mut *mut up_buffer,
) -> up_status {
    clear_out(out_event);
    boundary(|| {
        let j = handle(job)?;
        required_out(out_event, "out_event")?;
        let mut work = j.work();
        if j.cancel.load(Ordering::SeqCst) {
            work.close();
        }
        let timeout = Duration::from_millis(u64::from(timeout_ms));
        let event = match &mut *work {
            Work::Sync(job) => job.poll(timeout).map(|e| match e {
                Event::Result(r) => {
                    let mut v = serde_json::to_value(r).unwrap_or_default();
                    v["event"] = "result".into();
                    v
                }
                e => serde_json::to_value(e).unwrap_or_default(),
            }),
            Work::Audit(audit) => audit
                .poll(timeout)
                .map(|e| serde_json::to_value(e).unwrap_or_default()),
        };
        match event {
            Poll::Event(json) => write_out(out_event, new_buffer(to_json(&json)?)),
            Poll::Pending => Ok(()),
            Poll::Done => fail(UP_STATUS_JOB_FINISHED, "the job has finished"),
        }
    })
}

/// Start an audit of the tenant's photos on `client`: every user (paged GET /users), each
/// user's photo metadata (and with "photos" the photo and its checks) read in JSON batches of
/// 20 under the client's throttle and retry policy. `options_json` (or NULL):
/// {"include_disabled": false, "filter": OData $filter | null, "page_size": 999,
///  "batch": true, "photos": false, "min_side": 648, "contact_sheet": "sheet.html" | null,
///  "report_csv": "path" | null, "report_json": "path" | null}.
/// Poll it with up_job_poll (up_job_add_* are refused; up_job_close is a no-op):
///   {"event": "progress", "done": users audited, "submitted": users listed so far}
///   {"event": "result", "user", "id", "display_name", "width", "height", "content_type",
///    "problems": ["missing" | "small" | "not-square" | "unreadable"],
///    "checks": [{"code", "message"}], "detail", "error_code", "error"}
///   {"event": "finished", "graph_endpoint", "users", "with_photo", "listed", "failed",
///    "requests", "problems": {name: count}, "checks": {code: count}, "cancelled",
///    "error_code", "error" (only when the audit stopped early or an output file could not
///    be written)}.
/// The contact sheet and reports are written when every user has been audited, before
/// "finished"; a cancelled or failed audit writes none. Options that cannot work (a page
/// size outside 1-999, an output file in a missing folder) fail here.
/// `out_job` must not be NULL; on success receives a job to free with up_job_free.
#[no_mangle]
pub unsafe extern "C" fn up_job_start_audit(
    client: *const up_client,
    options_json: *const c_char,
    out_job: *mut *mut up_job,
) -> up_status {
    clear_out(out_job);
    boundary(|| {
        let c = handle(client)?;
        required_out(out_job, "out_job")?;
        let options: TenantAuditOptions = parse_json(options_json, "options_json")?;
        let audit = AuditJob::start(c.client.clone(), options)?;
        let cancel = audit.cancel_flag();
        write_out(
            out_job,
            new_handle(up_job {
                tag: <up_job as Tagged>::TAG,
                work: Mutex::new(Work::Audit(audit)),
                cancel,
            }),
        )
    })
}

/// Free a job. A job still running is cancelled first (running uploads finish in the
/// background). NULL is a no-op; a wrong or freed handle is ignored.
#[no_mangle]
pub unsafe extern "C" fn up_job_free(job: *mut up_job) {
    if !job.is_null() && handle(job.cast_const()).is_ok() {
        (*job).cancel.store(true, Ordering::SeqCst);
    }
    free_handle(job);
}

/// Where a feed comes from: {"csv": path, "user_column": null, "path_column": null} or
/// {"folder": path}.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedSpec {
    csv: Option<String>,
    folder: Option<String>,
    user_column: Option<String>,
    path_column: Option<String>,
}

/// Read a feed with the rules of `userphoto sync`, for a caller that queues its items with
/// up_job_add_file. `feed_json`: {"csv": "hr.csv", "user_column": null, "path_column": null}
/// (default columns: the first of UserPrincipalName, UPN, Identity, User, Id, ObjectId, Mail,
/// and of Path, FullName, Photo, PhotoPath, File; relative paths are resolved against the
/// CSV's folder) or {"folder": "photos/"} (alice@contoso.com.jpg is alice@contoso.com's).
/// `out_items` must not be NULL; on success receives [{"user": "...", "path": "..."}, ...]
/// in feed order, freed with up_buffer_free.
#[no_mangle]
pub unsafe extern "C" fn up_feed_read(
    feed_json: *const c_char,
    out_items: *mut *mut up_buffer,
) -> up_status {
    clear_out(out_items);
    boundary(|| {
        let spec: FeedSpec = parse_json_text(c_str(feed_json, "feed_json")?, "feed_json")?;
        required_out(out_items, "out_items")?;
        let items = match (&spec.csv, &spec.folder) {
            (Some(csv), None) => feed::read_csv(
                csv.as_ref(),
                spec.user_column.as_deref(),
                spec.path_column.as_deref(),
            )?,
            (None, Some(folder)) if spec.user_column.is_none() && spec.path_column.is_none() => {
                feed::read_folder(folder.as_ref())?
            }
            _ => {
                return fail(
                    UP_STATUS_INVALID_OPTIONS,
                    "feed_json: give \"csv\" (with optional \"user_column\", \"path_column\") or \"folder\"",
                )
            }
        };
        let rows: Vec<serde_json::Value> = items
            .iter()
            .map(|i| serde_json::json!({"user": i.user, "path": i.source.describe()}))
            .collect();
        write_out(out_items, new_buffer(to_json(&rows)?))
    })
}
