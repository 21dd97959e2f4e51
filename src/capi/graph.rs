//! The C ABI for Microsoft Graph: a client handle, and single uploads, downloads and
//! removals (bulk jobs: [`super::job`]).

use std::ffi::c_char;

use super::args::{c_str, input, parse_json_text, to_json, upload_options};
use super::handle::{
    boundary, clear_out, free_handle, handle, new_buffer, new_handle, required_out, tagged,
    up_buffer, write_out, Tagged,
};
use super::publish_one;
use super::status::up_status;
use crate::graph::{GraphClient, GraphConfig};
use crate::publish::Written;
use crate::runtime;

/// A Microsoft Graph connection: credentials, token cache, HTTP connections and the limit of
/// requests in flight. An Arc inside a Box; may be used from several threads at once (calls
/// share one token and one concurrency limit). Freed with up_client_free after every job
/// made from it is freed.
pub struct up_client {
    tag: u64,
    pub(super) client: GraphClient,
}

tagged!(up_client, 0x5550_5f43_4c4e_5421); // "UP_CLNT!"

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
            new_handle(up_client {
                tag: <up_client as Tagged>::TAG,
                client,
            }),
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
        let (rendition, written) = publish_one(c.client.clone().into(), user, bytes, raw, render)?;
        let outcome = match written {
            Some(Written::Graph(o)) => Some(o),
            _ => None,
        };
        let json = serde_json::json!({
            "user": user,
            "bytes": outcome.as_ref().map(|o| o.bytes),
            "width": rendition.as_ref().map(|r| r.width),
            "height": rendition.as_ref().map(|r| r.height),
            "quality": rendition.as_ref().map(|r| r.quality),
            "attempts": outcome.as_ref().map_or(0, |o| o.attempts),
            "waited_ms": outcome.as_ref().map_or(0, |o| o.waited_ms),
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
