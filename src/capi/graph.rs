//! The C ABI for Microsoft Graph: a client handle, single uploads, downloads and removals,
//! and a job handle for bulk work that the caller feeds and polls.

use std::ffi::c_char;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use serde::Deserialize;

use super::*;
use crate::graph::{runtime, GraphClient, GraphConfig};
use crate::sync::{feed, Destinations, Event, Item, Job, Poll, Source, SyncOptions};
use crate::targets::TargetRequest;

const CLIENT_TAG: u64 = 0x5550_5f43_4c4e_5421; // "UP_CLNT!"
const JOB_TAG: u64 = 0x5550_5f4a_4f42_2121; // "UP_JOB!!"

/// A Microsoft Graph connection: credentials, token cache, HTTP connections and the limit of
/// requests in flight. An Arc inside a Box; may be used from several threads at once (calls
/// share one token and one concurrency limit). Freed with up_client_free after every job
/// made from it is freed.
pub struct up_client {
    tag: u64,
    pub(super) client: GraphClient,
}

/// A bulk job: fed with up_job_add_*, closed with up_job_close, polled with up_job_poll.
/// A Box. Feed and poll from one thread; up_job_cancel may be called from any thread.
pub struct up_job {
    tag: u64,
    job: Mutex<Job>,
    cancel: Arc<AtomicBool>,
}

impl Tagged for up_client {
    const TAG: u64 = CLIENT_TAG;
    const NAME: &'static str = "up_client";
    fn tag_ptr(p: *mut Self) -> *mut u64 {
        unsafe { ptr::addr_of_mut!((*p).tag) }
    }
}
impl Tagged for up_job {
    const TAG: u64 = JOB_TAG;
    const NAME: &'static str = "up_job";
    fn tag_ptr(p: *mut Self) -> *mut u64 {
        unsafe { ptr::addr_of_mut!((*p).tag) }
    }
}

/// Job options JSON.
#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct JobOptions {
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
pub(super) fn start_job(
    destinations: Destinations,
    options: JobOptions,
) -> Result<*mut up_job, Fail> {
    let job = Job::start_to(destinations, options.into())?;
    let cancel = job.cancel_flag();
    Ok(Box::into_raw(Box::new(up_job {
        tag: JOB_TAG,
        job: Mutex::new(job),
        cancel,
    })))
}

fn graph_render_options(mut o: Options) -> Options {
    o.targets = vec![TargetRequest::Name("graph".into())];
    o
}

/// Create a client from a connection JSON (see "Connection JSON" above). No network traffic
/// happens until the first call. `config_json` and `out_client` must not be NULL.
#[no_mangle]
pub unsafe extern "C" fn up_client_new(
    config_json: *const c_char,
    out_client: *mut *mut up_client,
) -> up_status {
    clear_out(out_client);
    boundary(|| {
        required_out(out_client, "out_client")?;
        let config: GraphConfig =
            parse_json_text(c_str(config_json, "config_json")?, "config_json")?;
        let client = GraphClient::new(config)?;
        write_out(
            out_client,
            Box::into_raw(Box::new(up_client {
                tag: CLIENT_TAG,
                client,
            })),
        )
    })
}

/// Free a client. NULL is a no-op; a wrong or freed handle is ignored.
#[no_mangle]
pub unsafe extern "C" fn up_client_free(client: *mut up_client) {
    free_handle(client);
}

/// Render `data` for Graph (648 x 648 within 4 MB) and upload it as `user`'s photo
/// (UPN, object id or mail), waiting for the outcome (retries included).
/// `options_json`: pipeline options (crop, limits, ...; the targets are ignored) plus
/// "raw": true to send the bytes as they are (Graph takes JPEG or PNG up to 4 MB), or NULL.
/// `out_result`: must not be NULL; on success receives the result JSON
/// {"user","bytes","width","height","quality","attempts","waited_ms"} (width, height and
/// quality are null for a raw upload), freed with up_buffer_free.
#[no_mangle]
pub unsafe extern "C" fn up_photo_upload(
    client: *const up_client,
    user: *const c_char,
    data: *const u8,
    len: usize,
    options_json: *const c_char,
    out_result: *mut *mut up_buffer,
) -> up_status {
    clear_out(out_result);
    boundary(|| {
        let c = handle(client)?;
        let user = c_str(user, "user")?;
        required_out(out_result, "out_result")?;
        let bytes = input(data, len)?;
        let (raw, render) = upload_options(options_json)?;
        let rendition = if raw {
            None
        } else {
            Some(
                photo::render(bytes, &graph_render_options(render))?
                    .renditions
                    .remove(0),
            )
        };
        let body = match &rendition {
            Some(r) => Bytes::from(r.data.clone()),
            None => Bytes::copy_from_slice(bytes),
        };
        let outcome = runtime().block_on(c.client.put_photo(user, body))?;
        let json = serde_json::json!({
            "user": outcome.user,
            "bytes": outcome.bytes,
            "width": rendition.as_ref().map(|r| r.width),
            "height": rendition.as_ref().map(|r| r.height),
            "quality": rendition.as_ref().map(|r| r.quality),
            "attempts": outcome.attempts,
            "waited_ms": outcome.waited_ms,
        });
        write_out(out_result, new_buffer(to_json(&json)?))
    })
}

/// Download `user`'s current photo. `out_photo` must not be NULL; on success it receives
/// the photo bytes (freed with up_buffer_free). A user without a photo is UP_STATUS_NO_PHOTO.
#[no_mangle]
pub unsafe extern "C" fn up_photo_download(
    client: *const up_client,
    user: *const c_char,
    out_photo: *mut *mut up_buffer,
) -> up_status {
    clear_out(out_photo);
    boundary(|| {
        let c = handle(client)?;
        let user = c_str(user, "user")?;
        required_out(out_photo, "out_photo")?;
        let (bytes, _) = runtime().block_on(c.client.get_photo(user))?;
        write_out(out_photo, new_buffer(bytes))
    })
}

/// Remove `user`'s photo.
#[no_mangle]
pub unsafe extern "C" fn up_photo_remove(
    client: *const up_client,
    user: *const c_char,
) -> up_status {
    boundary(|| {
        let c = handle(client)?;
        let user = c_str(user, "user")?;
        runtime().block_on(c.client.delete_photo(user))?;
        Ok(())
    })
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
        write_out(out_job, start_job(c.client.clone().into(), o)?)
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
        j.job
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .add(Item { user, source })?;
        Ok(())
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

/// No more items: the job finishes when the queued ones are done.
#[no_mangle]
pub unsafe extern "C" fn up_job_close(job: *const up_job) -> up_status {
    boundary(|| {
        handle(job)?
            .job
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .close();
        Ok(())
    })
}

/// Stop the job: no new user is started (queued ones are reported as skipped, code
/// "cancelled"); uploads already running finish. Safe from any thread (e.g. a Ctrl+C
/// handler). Keep polling until UP_STATUS_JOB_FINISHED.
#[no_mangle]
pub unsafe extern "C" fn up_job_cancel(job: *const up_job) -> up_status {
    boundary(|| {
        let j = handle(job)?;
        j.cancel.store(true, Ordering::SeqCst);
        if let Ok(mut guard) = j.job.try_lock() {
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
        let mut guard = j.job.lock().unwrap_or_else(|p| p.into_inner());
        if j.cancel.load(Ordering::SeqCst) {
            guard.close();
        }
        match guard.poll(Duration::from_millis(u64::from(timeout_ms))) {
            Poll::Event(e) => {
                let json = match &e {
                    Event::Result(r) => {
                        let mut v = serde_json::to_value(r).unwrap_or_default();
                        v["event"] = "result".into();
                        v
                    }
                    other => serde_json::to_value(other).unwrap_or_default(),
                };
                write_out(out_event, new_buffer(to_json(&json)?))
            }
            Poll::Pending => Ok(()),
            Poll::Done => fail(UP_STATUS_JOB_FINISHED, "the job has finished"),
        }
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
