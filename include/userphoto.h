/*
 * userphoto.h - the C ABI of UserPhoto, profile photos for Microsoft 365.
 *
 * Conventions
 *  - Every symbol and type starts with up_. Fallible functions return up_status;
 *    UP_STATUS_OK (0) is success and codes are never renumbered or reused.
 *  - On failure, up_last_error_message() returns a UTF-8 message for the last failed call
 *    on the calling thread; copy it before the next up_ call on that thread.
 *  - Inputs come first and outputs last; every buffer is followed by its length.
 *    Out-parameters are written only on success; pointer out-parameters are set to NULL
 *    first whenever they are non-NULL, so they are NULL after a failure.
 *  - Handles (up_buffer, up_renditions, up_client, up_directory, up_job) are owned by the
 *    caller and freed with their _free function; _free(NULL) is a no-op. A handle carries
 *    a tag checked on entry, so a wrong or freed handle gives UP_STATUS_INVALID_HANDLE
 *    (best effort after free). Buffers and renditions are immutable; clients and directories
 *    may be used from several threads at once; a job is fed and polled from one thread
 *    (up_job_cancel from any). Every handle is freed only once, by one thread.
 *  - No function calls back into the caller. A panic inside the library becomes
 *    UP_STATUS_PANIC; it never unwinds into the caller.
 *  - Options and reports are UTF-8 JSON.
 *
 * Options JSON (every field optional; NULL options means all defaults):
 *   {
 *     "targets": [ "graph" | "ad-thumbnail" | "exchange-onprem"
 *                | {"target": "ad-thumbnail", "max_bytes": 20480}
 *                | {"size": 200, "max_bytes": 30000, "quality": 85} ],
 *                                   empty or absent: every built-in target; a custom
 *                                   size without max_bytes gets 4194304 (Graph's limit)
 *     "crop": "auto" | "face" | "centre" | "none",
 *                                   auto (default): face when exactly one confident face is
 *                                   found, else centre; face: a square framing the most
 *                                   confident face; centre: square from the middle; none: fit
 *                                   inside the box. One crop serves every target.
 *     "refuse": ["no-face", "several-faces", "face-too-small", "too-dark", "too-bright",
 *                "low-detail", "small-source"],
 *                                   photo checks that fail the photo (UP_STATUS_CHECK_REFUSED)
 *                                   instead of warning; none by default
 *     "skip_checks": false,         true: no photo checks; with crop centre or none no face
 *                                   search either (most of a render's CPU time)
 *     "allow_upscale": false,       true: a small source is enlarged to the target size
 *     "allow_animated": false,      true: the first frame of an animation is used
 *     "limits": {"max_input_bytes": 67108864, "max_width": 20000, "max_height": 20000,
 *                "max_pixels": 210000000, "min_short_side": 48}
 *   }
 *
 * Source JSON (part of both reports):
 *   {"format": "jpeg|png|gif|bmp|webp", "bytes": n, "width": n, "height": n,
 *    "orientation": 1..8, "upright_width": n, "upright_height": n,
 *    "color_model": "gray|rgb|ycbcr|cmyk|ycck|indexed", "has_alpha": bool,
 *    "bit_depth": n, "icc_profile": bool, "progressive": bool, "frames": n}
 *
 * Crop, faces and checks JSON (part of both reports; boxes in upright source pixels):
 *   "crop": {"mode": "face" | "centre" | "none", "box": {"x": n, "y": n, "width": n, "height": n},
 *            "reason": "why the mode asked for was not used" (only then)},
 *   "faces": [{"box": {...}, "score": 12.5}],       confident faces, the most confident first
 *   "checks": [{"code": "no-face" | "several-faces" | "face-too-small" | "too-dark" |
 *               "too-bright" | "low-detail" | "small-source", "message": "..."}]
 *
 * Validation report JSON (up_photo_validate):
 *   {"source": {...}, "warnings": ["..."], "crop": {...}, "faces": [...], "checks": [...],
 *    "targets": [{"target": "graph", "size": 648, "max_bytes": 4194304,
 *                 "verdict": "fits" | "needs-resize" | "unusable",
 *                 "rendition_size": 648 | null, "error": "too-small" (only when unusable),
 *                 "problems": ["human-readable reason", ...]}]}
 *
 * Renditions report JSON (up_renditions_report); renditions[i] describes the bytes of
 * up_renditions_data(r, i, ...):
 *   {"source": {...}, "warnings": ["..."], "crop": {...}, "faces": [...], "checks": [...],
 *    "renditions": [{"target": "graph", "width": 648, "height": 648, "bytes": n,
 *                    "max_bytes": n, "quality": 90, "encoder": "fast" | "optimized",
 *                    "attempts": n, "notes": ["what was done to meet the target"]}]}
 *
 * Connection JSON (up_client_new):
 *   {"tenant": "contoso.onmicrosoft.com", "client_id": "...",
 *    "credential": {"type": "secret", "secret": "..."}
 *                | {"type": "certificate", "certificate_pem" | "certificate_path": "...",
 *                   "private_key_pem" | "private_key_path": "...", "algorithm": "RS256" | "PS256"}
 *                | {"type": "certificate", "pfx_path" | "pfx_base64": "...", "pfx_password": "...",
 *                   "algorithm": "RS256" | "PS256"}          a PKCS#12 file holding key and certificate
 *                | {"type": "managed_identity", "client_id": null}
 *                | {"type": "access_token", "token": "..."},
 *    "environment": "Global" | "USGov" | "USGovDoD" | "China",
 *    "authority": null, "graph_endpoint": null,   explicit endpoints (e.g. the emulator)
 *    "max_concurrency": 4, "timeout_secs": 60, "extra_ca_pem": null,
 *    "retry": {"max_attempts": 8, "max_total_wait_ms": 300000, "base_delay_ms": 500,
 *              "max_delay_ms": 60000}}
 *   max_attempts counts failed attempts (network errors, 5xx without Retry-After); waits the
 *   service asks for with Retry-After are bounded by max_total_wait_ms only, and hold back
 *   every request of the client until they end.
 *   Plain http is refused except to loopback hosts; certificates are always verified.
 *   Secrets and tokens never appear in messages, results or events.
 *
 * Directory JSON (up_directory_new): one Active Directory domain controller,
 *   {"url": "ldaps://dc1.corp.example" | "ldap://dc1.corp.example",   ldap:// uses StartTLS
 *    "bind_user": "svc-photos@corp.example" | "CORP\svc-photos" | "CN=...",  simple bind
 *    "password": "...",
 *    "ca_file": null, "ca_pem": null,     trust this CA (PEM) instead of the system store
 *    "search_base": null,                 default: the rootDSE's defaultNamingContext
 *    "plain_ldap": false,                 ldap:// without TLS, refused unless loopback
 *    "max_bytes": 10240,                  thumbnail budget, 1024..=102400
 *    "connect_timeout_secs": 10, "timeout_secs": 30, "max_concurrency": 4}
 *   Certificates are always verified; the password never appears in messages or results.
 *
 * Audit JSON (up_directory_audit):
 *   {"server": "dc1:636", "search_base": "DC=corp,DC=example", "max_bytes": 10240,
 *    "scanned": n, "with_photo": n, "listed": n, "fixed": n, "fix_failed": n,
 *    "entries": [{"user", "dn", "bytes", "format", "width", "height",
 *                 "problems": ["missing" | "oversized" | "not-jpeg" | "not-square" | "unreadable"],
 *                 "detail", "fix": {"status": "written|unchanged|failed", "bytes", "width",
 *                                   "height", "error_code", "error"} | null}],
 *    "report_error": "..." (only when a report the options named could not be written)}
 *
 * Targets JSON (up_targets): the built-in target table,
 *   [{"name": "graph", "store": "...", "size": 648, "max_bytes": 4194304,
 *     "max_bytes_ceiling": 4194304, "quality": 90}, ...]
 */

#ifndef USERPHOTO_H
#define USERPHOTO_H

/* Generated by cbindgen from src/capi/. Do not edit: change the Rust and rebuild. */

#include <stddef.h>
#include <stdint.h>

// Status of a call. UP_STATUS_OK is 0; codes are never renumbered or reused.
// 1-99: calling errors; 100-199: photo errors; 200-299: Microsoft Graph and bulk-run errors;
// 300-399: Active Directory errors (user-not-found, forbidden and no-photo are shared).
typedef enum {
  UP_STATUS_OK = 0,
  // A required pointer was NULL.
  UP_STATUS_NULL_ARGUMENT = 1,
  // A handle was not created by this library, is of the wrong type, or was freed.
  UP_STATUS_INVALID_HANDLE = 2,
  // A string was not valid UTF-8.
  UP_STATUS_INVALID_UTF8 = 3,
  // The options were not valid JSON.
  UP_STATUS_INVALID_JSON = 4,
  // The options were valid JSON but not valid options (unknown field, target or value).
  UP_STATUS_INVALID_OPTIONS = 5,
  // The library hit an internal error (a panic); the call had no effect.
  UP_STATUS_PANIC = 6,
  // An index was past the end.
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
  // No rendition could be made within a target's byte budget.
  UP_STATUS_BUDGET_UNREACHABLE = 109,
  UP_STATUS_ENCODE_FAILED = 110,
  UP_STATUS_IO = 111,
  // A photo check the caller chose to refuse (`refuse`, `--require-face`) failed.
  UP_STATUS_CHECK_REFUSED = 112,
  // The client configuration is invalid (for example plain HTTP to a non-loopback host).
  UP_STATUS_CONFIG = 200,
  // The token endpoint refused the credentials.
  UP_STATUS_AUTH = 201,
  UP_STATUS_USER_NOT_FOUND = 202,
  UP_STATUS_FORBIDDEN = 203,
  // The tenant's photo update policy blocks cloud photo updates.
  UP_STATUS_POLICY_BLOCKED = 204,
  UP_STATUS_IMAGE_REJECTED = 205,
  UP_STATUS_TOO_LARGE = 206,
  // Still throttled after the retry policy's attempts.
  UP_STATUS_THROTTLED = 207,
  // Another Graph error; the message has the HTTP status and Graph's error code.
  UP_STATUS_GRAPH = 208,
  UP_STATUS_NETWORK = 209,
  UP_STATUS_NO_PHOTO = 210,
  UP_STATUS_CANCELLED = 211,
  UP_STATUS_JOURNAL = 212,
  // up_job_poll: the job has finished and its last event was already returned.
  UP_STATUS_JOB_FINISHED = 213,
  // The domain controller refused the bind user and password.
  UP_STATUS_INVALID_CREDENTIALS = 300,
  // More than one directory user matched.
  UP_STATUS_AMBIGUOUS_USER = 301,
  // A thumbnail over the 102,400-byte schema limit (or the handle's max_bytes).
  UP_STATUS_THUMBNAIL_TOO_LARGE = 302,
  // The directory refused the value (schema constraint).
  UP_STATUS_CONSTRAINT_VIOLATION = 303,
  // The domain controller could not be reached or went away.
  UP_STATUS_DIRECTORY_UNAVAILABLE = 304,
  // TLS to the domain controller failed (for example its certificate is not trusted).
  UP_STATUS_DIRECTORY_TLS = 305,
  // Another LDAP error; the message has the result code and the server's text.
  UP_STATUS_LDAP = 306,
  // thumbnailPhoto read back differs from what was written.
  UP_STATUS_VERIFY_MISMATCH = 307,
} up_status;

// Bytes owned by the library: an encoded photo or a UTF-8 JSON document (not
// NUL-terminated). A Box; read-only; freed with up_buffer_free.
typedef struct up_buffer up_buffer;

// A Microsoft Graph connection: credentials, token cache, HTTP connections and the limit of
// requests in flight. An Arc inside a Box; may be used from several threads at once (calls
// share one token and one concurrency limit). Freed with up_client_free after every job
// made from it is freed.
typedef struct up_client up_client;

// A connection to one Active Directory domain controller: bind credentials, TLS trust and
// one LDAP connection (opened on first use, re-opened when it breaks). An Arc inside a Box;
// may be used from several threads at once. Freed with up_directory_free after every job
// made from it is freed.
typedef struct up_directory up_directory;

// A bulk job (fed with up_job_add_*, closed with up_job_close) or a tenant audit (started
// with up_job_start_audit: no items), polled with up_job_poll. A Box. Feed and poll from
// one thread; up_job_cancel may be called from any thread.
typedef struct up_job up_job;

// The renditions of one photo, with their JSON report. A Box; read-only; freed with
// up_renditions_free.
typedef struct up_renditions up_renditions;

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

// The library version, e.g. "0.1.0". A static NUL-terminated string; never NULL; do not free.
const char *up_version(void);

// The message of the last failed call on this thread, UTF-8 and NUL-terminated; "" when the
// last call succeeded. Never NULL. Valid until the next up_ call on this thread: copy it.
const char *up_last_error_message(void);

// The stable name of a status ("ok", "corrupt", "too-small", ...), for error ids in callers.
// `status` is an int so that unknown values are safe: they give "unknown". A static string;
// never NULL; do not free.
const char *up_status_name(int32_t status);

// Borrow a buffer's bytes (valid until up_buffer_free). No pointer may be NULL.
up_status up_buffer_data(const up_buffer *buffer, const uint8_t **out_data, size_t *out_len);

// Free a buffer. NULL is a no-op; a wrong or freed handle is ignored (and reported through
// up_last_error_message).
void up_buffer_free(up_buffer *buffer);

// Create a directory handle from a directory JSON (see "Directory JSON" above). No network
// traffic happens until the first call. `config_json` and `out_directory` must not be NULL.
up_status up_directory_new(const char *config_json, up_directory **out_directory);

// Free a directory handle (its connection is closed). NULL is a no-op; a wrong or freed
// handle is ignored.
void up_directory_free(up_directory *directory);

// Render `data` to the `ad-thumbnail` rendition (96 x 96 within the handle's max_bytes) and
// write it as `user`'s thumbnailPhoto (UPN, sAMAccountName, DOMAIN\name, mail or DN), then
// read it back and compare. Nothing is written when the stored value already equals it.
// `options_json`: pipeline options (crop, limits, ...; the targets are ignored) plus
// "raw": true to write JPEG bytes as they are (at most 102,400 bytes), or NULL.
// `out_result`: must not be NULL; on success receives the outcome JSON
// {"user","dn","status": "written|unchanged","bytes","previous_bytes","verified",
//  "rendition": {...} | null}, freed with up_buffer_free.
up_status up_directory_upload(const up_directory *directory,
                              const char *user,
                              const uint8_t *data,
                              size_t len,
                              const char *options_json,
                              up_buffer **out_result);

// Download `user`'s current thumbnailPhoto. `out_photo` must not be NULL; on success it
// receives the stored bytes (freed with up_buffer_free). A user without one is
// UP_STATUS_NO_PHOTO.
up_status up_directory_download(const up_directory *directory,
                                const char *user,
                                up_buffer **out_photo);

// Remove `user`'s thumbnailPhoto. `out_result` may be NULL; otherwise it receives the
// outcome JSON (as up_directory_upload's, with "status": "removed|absent").
up_status up_directory_remove(const up_directory *directory,
                              const char *user,
                              up_buffer **out_result);

// Audit every user under the search base: thumbnailPhotos over a size, not JPEG, not
// square, unreadable or missing; with "fix", re-encode the flagged ones to fit and write
// them back. Blocks until the whole directory is scanned.
// `options_json` (or NULL): {"max_bytes": 10240, "include_missing": true,
// "include_disabled": false, "fix": false, "page_size": 500,
// "contact_sheet": "path/to/sheet.html" | null (an HTML contact sheet of every user),
// "report_csv": "path" | null, "report_json": "path" | null (written after the fix; a report
// that could not be written is named in the audit JSON's "report_error")}. An output file
// in a folder that does not exist is UP_STATUS_INVALID_OPTIONS, before the scan.
// `out_report` must not be NULL; on success receives the audit JSON (see "Audit JSON").
up_status up_directory_audit(const up_directory *directory,
                             const char *options_json,
                             up_buffer **out_report);

// Create a client from a connection JSON (see "Connection JSON" above). No network traffic
// happens until the first call. `config_json` and `out_client` must not be NULL.
up_status up_client_new(const char *config_json, up_client **out_client);

// Free a client. NULL is a no-op; a wrong or freed handle is ignored.
void up_client_free(up_client *client);

// Render `data` for Graph (648 x 648 within 4 MB) and upload it as `user`'s photo
// (UPN, object id or mail), waiting for the outcome (retries included).
// `options_json`: pipeline options (crop, limits, ...; the targets are ignored) plus
// "raw": true to send the bytes as they are (Graph takes JPEG or PNG up to 4 MB), or NULL.
// `out_result`: must not be NULL; on success receives the result JSON
// {"user","bytes","width","height","quality","attempts","waited_ms"} (width, height and
// quality are null for a raw upload), freed with up_buffer_free.
up_status up_photo_upload(const up_client *client,
                          const char *user,
                          const uint8_t *data,
                          size_t len,
                          const char *options_json,
                          up_buffer **out_result);

// Download `user`'s current photo. `out_photo` must not be NULL; on success it receives
// the photo bytes (freed with up_buffer_free). A user without a photo is UP_STATUS_NO_PHOTO.
up_status up_photo_download(const up_client *client, const char *user, up_buffer **out_photo);

// Remove `user`'s photo.
up_status up_photo_remove(const up_client *client, const char *user);

// Start a bulk job on `client`. `options_json` (or NULL):
// {"force": false, "journal": "path/to/journal.sqlite" | null,
//  "workers": photos rendered at once (default: one per CPU), "render": {pipeline options},
//  "report_csv": "path" | null, "report_json": "path" | null}.
// The reports (one row per result, as `userphoto sync` writes them) are written when the job
// ends, before its "finished" event, also when it was cancelled or freed before it ended (once
// the uploads under way have finished); a report that could not be written is named in the
// "finished" event's "report_error".
// `out_job` must not be NULL; on success receives a job to free with up_job_free.
up_status up_job_start(const up_client *client, const char *options_json, up_job **out_job);

// Start a bulk job to Microsoft Graph and/or Active Directory: `graph` or `directory` may
// be NULL, not both. Each user gets one result event per destination ("destination":
// "graph" | "ad"); the journal, force and cancel cover both. Options, feeding, polling,
// cancelling and freeing are those of up_job_start.
up_status up_job_start_to(const up_client *graph,
                          const up_directory *directory,
                          const char *options_json,
                          up_job **out_job);

// Queue a photo from memory (the bytes are copied). Fails after up_job_close.
up_status up_job_add_bytes(const up_job *job, const char *user, const uint8_t *data, size_t len);

// Queue a photo file (read when its turn comes). Fails after up_job_close.
up_status up_job_add_file(const up_job *job, const char *user, const char *path);

// No more items: the job finishes when the queued ones are done. (A no-op for an audit.)
up_status up_job_close(const up_job *job);

// Stop the job: no new user is started (queued ones are reported as skipped, code
// "cancelled"); uploads already running finish. An audit starts no further group of users
// and ends with "cancelled": true (without writing its sheet or reports). Safe from any
// thread (e.g. a Ctrl+C handler). Keep polling until UP_STATUS_JOB_FINISHED.
up_status up_job_cancel(const up_job *job);

// Wait up to `timeout_ms` for the next event. On UP_STATUS_OK, `*out_event` is an event
// JSON buffer (free with up_buffer_free), or NULL when the timeout passed first:
//   {"event": "progress", "done": n, "submitted": n}
//   {"event": "result", "user", "destination", "status": "uploaded|unchanged|failed|skipped",
//    "source", "bytes", "width", "height", "quality", "attempts", "error_code", "error"}
//   {"event": "finished", "total", "uploaded", "unchanged", "failed", "skipped", "cancelled",
//    "report_error" (only when a report could not be written)}
// An audit's events are up_job_start_audit's.
// After "finished" has been returned, further polls give UP_STATUS_JOB_FINISHED.
up_status up_job_poll(const up_job *job, uint32_t timeout_ms, up_buffer **out_event);

// Start an audit of the tenant's photos on `client`: every user (paged GET /users), each
// user's photo metadata (and with "photos" the photo and its checks) read in JSON batches of
// 20 under the client's throttle and retry policy. `options_json` (or NULL):
// {"include_disabled": false, "filter": OData $filter | null, "page_size": 999,
//  "batch": true, "photos": false, "min_side": 648, "contact_sheet": "sheet.html" | null,
//  "report_csv": "path" | null, "report_json": "path" | null}.
// Poll it with up_job_poll (up_job_add_* are refused; up_job_close is a no-op):
//   {"event": "progress", "done": users audited, "submitted": users listed so far}
//   {"event": "result", "user", "id", "display_name", "width", "height", "content_type",
//    "problems": ["missing" | "small" | "not-square" | "unreadable"],
//    "checks": [{"code", "message"}], "detail", "error_code", "error"}
//   {"event": "finished", "graph_endpoint", "users", "with_photo", "listed", "failed",
//    "requests", "problems": {name: count}, "checks": {code: count}, "cancelled",
//    "error_code", "error" (only when the audit stopped early or an output file could not
//    be written)}.
// The contact sheet and reports are written when every user has been audited, before
// "finished"; a cancelled or failed audit writes none. Options that cannot work (a page
// size outside 1-999, an output file in a missing folder) fail here.
// `out_job` must not be NULL; on success receives a job to free with up_job_free.
up_status up_job_start_audit(const up_client *client, const char *options_json, up_job **out_job);

// Free a job. A job still running is cancelled first (running uploads finish in the
// background). NULL is a no-op; a wrong or freed handle is ignored.
void up_job_free(up_job *job);

// Read a feed with the rules of `userphoto sync`, for a caller that queues its items with
// up_job_add_file. `feed_json`: {"csv": "hr.csv", "user_column": null, "path_column": null}
// (default columns: the first of UserPrincipalName, UPN, Identity, User, Id, ObjectId, Mail,
// and of Path, FullName, Photo, PhotoPath, File; relative paths are resolved against the
// CSV's folder) or {"folder": "photos/"} (alice@contoso.com.jpg is alice@contoso.com's).
// `out_items` must not be NULL; on success receives [{"user": "...", "path": "..."}, ...]
// in feed order, freed with up_buffer_free.
up_status up_feed_read(const char *feed_json, up_buffer **out_items);

// The built-in target table as JSON (see "Targets JSON" above).
// `out_json` must not be NULL; on success it receives a buffer to free with up_buffer_free.
up_status up_targets(up_buffer **out_json);

// Check a photo against targets without producing renditions.
// `data`/`len`: the photo bytes (NULL only with `len` 0, which is an empty photo).
// `options_json`: NUL-terminated UTF-8 options (see above), or NULL for defaults.
// `out_report`: must not be NULL; on success receives the validation report JSON, to free
// with up_buffer_free. A photo that is readable but too small for a target is a success
// whose report marks the target "unusable"; an unreadable photo is a failure status.
up_status up_photo_validate(const uint8_t *data,
                            size_t len,
                            const char *options_json,
                            up_buffer **out_report);

// Render a photo for one or more targets from one decode.
// `data`/`len`: the photo bytes (NULL only with `len` 0, which is an empty photo).
// `options_json`: NUL-terminated UTF-8 options (see above), or NULL for every built-in target.
// `out_renditions`: must not be NULL; on success receives a handle to free with
// up_renditions_free. Either every target is rendered or the call fails.
up_status up_photo_resize(const uint8_t *data,
                          size_t len,
                          const char *options_json,
                          up_renditions **out_renditions);

// Number of renditions in `renditions` (one per requested target, in request order).
// Neither pointer may be NULL.
up_status up_renditions_count(const up_renditions *renditions, size_t *out_count);

// The renditions report JSON (see above). `out_json` must not be NULL; on success it
// receives a new buffer to free with up_buffer_free.
up_status up_renditions_report(const up_renditions *renditions, up_buffer **out_json);

// Borrow the JPEG bytes of rendition `index`. The pointer stays valid until
// up_renditions_free; copy the bytes to keep them. No pointer may be NULL.
up_status up_renditions_data(const up_renditions *renditions,
                             size_t index,
                             const uint8_t **out_data,
                             size_t *out_len);

// Free a renditions handle. NULL is a no-op; a wrong or freed handle is ignored (and
// reported through up_last_error_message).
void up_renditions_free(up_renditions *renditions);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* USERPHOTO_H */
