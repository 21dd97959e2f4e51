//! The Microsoft Graph side: bearer-token check, per-app throttling, injected faults, then the
//! profile photo routes and `photoUpdateSettings`.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, ETAG};
use hyper::{Method, Request, Response, StatusCode};
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};

use super::config::PhotoSource;
use super::http::{empty, graph_error, json_response, response, set_header, Body, RequestIds};
use super::server::Dropped;
use super::state::{Fault, Shared, StoredPhoto, TokenProblem};

/// Past this many bytes an upload is not even read to the end; the connection is closed after
/// the 413 (a well-behaved client never gets near it because it is far above max_photo_bytes).
const HARD_BODY_CAP: usize = 64 * 1024 * 1024;
/// A batch of 20 reads is a few kilobytes; writes inside a batch are not served here.
const BATCH_BODY_CAP: usize = 1024 * 1024;

/// Handle a request under `/v1.0/` or `/beta/`.
pub(crate) async fn handle(
    shared: &Arc<Shared>,
    ids: &RequestIds,
    req: Request<Incoming>,
) -> Result<Response<Body>, Dropped> {
    // 1. Authentication.
    let bearer = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
    let app_id = match shared.check_token(bearer) {
        Ok(app) => app,
        Err(problem) => {
            shared.with_stats(|s| s.unauthorized_401 += 1);
            let message = match problem {
                TokenProblem::Missing => "Access token is empty.",
                // Unknown covers revoked tokens too: Graph's wording for a revoked token is
                // undocumented.
                TokenProblem::Unknown => {
                    "Access token validation failure. Invalid audience or signature."
                }
                TokenProblem::Expired => "Access token has expired or is not yet valid.",
            };
            let mut r = graph_error(
                StatusCode::UNAUTHORIZED,
                ids,
                "InvalidAuthenticationToken",
                message,
            );
            let challenge = format!(
                "Bearer realm=\"\", authorization_uri=\"{}/{}/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
                shared.base_url, shared.tenant
            );
            set_header(&mut r, "www-authenticate", &challenge);
            return answer_early(req, r).await;
        }
    };

    // 2. Throttling: concurrency (the Photo API's 4 concurrent requests per app), then the
    //    optional fixed window. The slot is held until the response is built.
    let _slot = match shared.enter(&app_id) {
        Ok(slot) => slot,
        Err(retry) => {
            let r = too_many(
                shared,
                ids,
                retry,
                "Application is over its concurrent request limit for this resource. Retry after the indicated delay.",
            );
            return answer_early(req, r).await;
        }
    };
    // A batch's requests count one by one, inside it (as Graph evaluates them); whether Graph
    // also counts the envelope is undocumented: not counted here.
    let batch = req.uri().path().ends_with("/$batch");
    if let Some(retry) = (!batch).then(|| shared.window(&app_id)).flatten() {
        let r = too_many(
            shared,
            ids,
            retry,
            "Application is over its request quota for this time window. Retry after the indicated delay.",
        );
        return answer_early(req, r).await;
    }

    // 3. Injected faults: before the handler, so a faulted PUT stores nothing.
    let (fault, slow) = shared.draw_fault();
    match fault {
        Fault::None => {}
        Fault::Drop => {
            shared.with_stats(|s| s.dropped += 1);
            return Err(Dropped);
        }
        Fault::ServiceUnavailable => {
            shared.with_stats(|s| s.faults_503 += 1);
            let mut r = graph_error(
                StatusCode::SERVICE_UNAVAILABLE,
                ids,
                "serviceNotAvailable",
                "The service is temporarily unavailable. Please retry later.",
            );
            if shared.retry_after_on_503() {
                set_header(&mut r, "retry-after", "1");
            }
            set_header(&mut r, "x-emulator-fault", "503");
            return answer_early(req, r).await;
        }
        Fault::TooManyRequests => {
            shared.with_stats(|s| s.faults_429 += 1);
            let mut r = too_many(
                shared,
                ids,
                1,
                "Too many requests. Retry after the indicated delay.",
            );
            set_header(&mut r, "x-emulator-fault", "429");
            return answer_early(req, r).await;
        }
    }
    if let Some(delay) = slow {
        shared.with_stats(|s| s.slowed += 1);
        tokio::time::sleep(delay).await;
    }

    // 4. Route.
    route(shared, ids, &app_id, req).await
}

/// Send `r` without running the handler, after reading what the client is still sending (up
/// to the hard cap). Answering while an upload is in flight and then closing leaves the client
/// a broken pipe instead of the 401/429/503 it should act on: .NET's HttpClient failed that
/// way on the Graph SDK's retried PUTs (tests/clients).
async fn answer_early(
    req: Request<Incoming>,
    r: Response<Body>,
) -> Result<Response<Body>, Dropped> {
    let _ = read_body(req, 0).await;
    Ok(r)
}

fn too_many(shared: &Shared, ids: &RequestIds, retry_after: u64, message: &str) -> Response<Body> {
    shared.with_stats(|s| s.throttled_429 += 1);
    let mut r = graph_error(
        StatusCode::TOO_MANY_REQUESTS,
        ids,
        "TooManyRequests",
        message,
    );
    set_header(&mut r, "retry-after", &retry_after.max(1).to_string());
    r
}

/// What a path names.
enum Target {
    /// `/users/{u}/photo` or `/users('{u}')/photo`
    PhotoMeta(String),
    /// `.../photo/$value`
    PhotoValue(String),
    /// `.../photos/{size}/$value` (user, size segment such as `96x96`)
    SizedPhotoValue(String, String),
    /// `/beta/admin/people/photoUpdateSettings`
    PhotoUpdateSettings,
    /// `/users`
    Users,
    /// `/$batch`
    Batch,
    /// `/me/...` with an app-only token
    Me,
    /// `/users/$...`: a UPN beginning with `$` must use the key form
    DollarUpn(String),
    NotFound(String),
}

fn decode_segment(s: &str) -> Option<String> {
    percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// `users('o''brien@contoso.com')` -> `o'brien@contoso.com` (OData key syntax: a quote inside
/// the literal is doubled). Unquoted keys (`users(<guid>)`) are taken as they are.
fn key_form(segment: &str) -> Option<String> {
    let inner = segment.strip_prefix("users(")?.strip_suffix(')')?;
    let key = match inner.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        Some(quoted) => quoted.replace("''", "'"),
        None => inner.to_owned(),
    };
    (!key.is_empty()).then_some(key)
}

fn parse_target(version: &str, segments: &[String]) -> Target {
    let photo = |user: String, rest: &[String]| match rest {
        [p] if p == "photo" => Target::PhotoMeta(user),
        [p, v] if p == "photo" && v == "$value" => Target::PhotoValue(user),
        [p, size, v] if p == "photos" && v == "$value" => {
            Target::SizedPhotoValue(user, size.clone())
        }
        _ => Target::NotFound(rest.first().cloned().unwrap_or_default()),
    };
    match segments {
        [users] if users == "users" => Target::Users,
        [batch] if batch == "$batch" => Target::Batch,
        [users, user, rest @ ..] if users == "users" => {
            if user.starts_with('$') {
                // Graph's documentation: a userPrincipalName beginning with '$' must be sent as
                // /users('$...'). What Graph answers to /users/$x is undocumented; 400
                // BadRequest is our choice.
                Target::DollarUpn(user.clone())
            } else {
                photo(user.clone(), rest)
            }
        }
        [first, rest @ ..] if first.starts_with("users(") => match key_form(first) {
            Some(user) => photo(user, rest),
            None => Target::NotFound(first.clone()),
        },
        [me, ..] if me == "me" => Target::Me,
        [a, p, s]
            if version == "beta" && a == "admin" && p == "people" && s == "photoUpdateSettings" =>
        {
            Target::PhotoUpdateSettings
        }
        [first, ..] => Target::NotFound(first.clone()),
        [] => Target::NotFound(String::new()),
    }
}

fn method_not_allowed(ids: &RequestIds, method: &Method, allow: &'static str) -> Response<Body> {
    let mut r = graph_error(
        StatusCode::METHOD_NOT_ALLOWED,
        ids,
        "Request_BadRequest",
        &format!("The HTTP method '{method}' is not allowed on this resource."),
    );
    r.headers_mut()
        .insert(hyper::header::ALLOW, HeaderValue::from_static(allow));
    r
}

fn user_not_found(ids: &RequestIds, user: &str) -> Response<Body> {
    graph_error(
        StatusCode::NOT_FOUND,
        ids,
        "Request_ResourceNotFound",
        &format!("Resource '{user}' does not exist or one of its queried reference-property objects are not present."),
    )
}

/// Graph's answer when a user has no photo: 404 with one of the codes of [`NoPhotoError`].
///
/// [`NoPhotoError`]: super::config::NoPhotoError
fn image_not_found(shared: &Shared, ids: &RequestIds) -> Response<Body> {
    let (code, message) = shared.no_photo_error();
    graph_error(StatusCode::NOT_FOUND, ids, code, message)
}

/// photoUpdateSettings source = onPremises: "updates through cloud services are disabled for
/// both admins and users". The status and body Graph sends then are undocumented: 403
/// Authorization_RequestDenied (Graph's code for a refused write) is our choice.
fn policy_denied(ids: &RequestIds) -> Response<Body> {
    graph_error(
        StatusCode::FORBIDDEN,
        ids,
        "Authorization_RequestDenied",
        "Photo updates through cloud services are disabled by the tenant's photo update policy (photoUpdateSettings source is onPremises). Update the photo in on-premises Active Directory.",
    )
}

/// The percent-decoded segments of a path (`v1.0/users/x/photo`); Err: not UTF-8.
fn decode_path(path: &str) -> Option<Vec<String>> {
    path.trim_start_matches('/')
        .trim_end_matches('/')
        .split('/')
        .map(decode_segment)
        .collect()
}

fn bad_url(ids: &RequestIds) -> Response<Body> {
    graph_error(
        StatusCode::BAD_REQUEST,
        ids,
        "BadRequest",
        "The request URL is not valid UTF-8 after percent-decoding.",
    )
}

/// The answer to a GET of `path` (under the version) that a batch may hold: photo metadata,
/// photo bytes, users. None for anything else.
pub(crate) fn answer_get(
    shared: &Shared,
    ids: &RequestIds,
    version: &str,
    path: &str,
    query: &str,
) -> Option<Response<Body>> {
    let Some(segments) = decode_path(path) else {
        return Some(bad_url(ids));
    };
    match parse_target(version, &segments) {
        Target::PhotoMeta(user) => Some(photo_metadata(shared, ids, version, &user)),
        Target::PhotoValue(user) => Some(photo_value(shared, ids, &user)),
        Target::SizedPhotoValue(user, size) => Some(sized_photo_value(shared, ids, &user, &size)),
        Target::Users => Some(super::listing::list_users(shared, ids, version, query)),
        _ => None,
    }
}

async fn route(
    shared: &Arc<Shared>,
    ids: &RequestIds,
    app_id: &str,
    req: Request<Incoming>,
) -> Result<Response<Body>, Dropped> {
    let Some(mut segments) = decode_path(req.uri().path()) else {
        return Ok(bad_url(ids));
    };
    let version = segments.remove(0);
    let method = req.method().clone();
    match parse_target(&version, &segments) {
        Target::Users => match method {
            Method::GET => Ok(super::listing::list_users(
                shared,
                ids,
                &version,
                req.uri().query().unwrap_or(""),
            )),
            _ => Ok(method_not_allowed(ids, &method, "GET")),
        },
        Target::Batch => match method {
            Method::POST => {
                let (body, total) = read_body(req, BATCH_BODY_CAP + 1).await?;
                if total > BATCH_BODY_CAP {
                    return Ok(graph_error(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        ids,
                        "RequestEntityTooLarge",
                        &format!("The batch is {total} bytes; this emulator reads at most {BATCH_BODY_CAP}."),
                    ));
                }
                Ok(super::listing::batch(shared, ids, app_id, &version, &body).await)
            }
            _ => Ok(method_not_allowed(ids, &method, "POST")),
        },
        Target::PhotoMeta(user) => match method {
            Method::GET => Ok(photo_metadata(shared, ids, &version, &user)),
            // Graph's API reference documents DELETE on `.../photo/$value` only, but Microsoft's
            // admin page "Change user profile photos" removes photos with `Remove-MgUserPhoto`,
            // which sends DELETE `.../photo`; the Graph SDKs offer both (`Photo.DeleteAsync`,
            // `Photo.Content.DeleteAsync`). Both are served, with the same answers.
            Method::DELETE => Ok(delete_photo(shared, ids, &user)),
            _ => Ok(method_not_allowed(ids, &method, "GET, DELETE")),
        },
        Target::PhotoValue(user) => match method {
            Method::GET => Ok(photo_value(shared, ids, &user)),
            Method::PUT | Method::PATCH => put_photo(shared, ids, &user, req).await,
            Method::DELETE => Ok(delete_photo(shared, ids, &user)),
            _ => Ok(method_not_allowed(ids, &method, "GET, PUT, PATCH, DELETE")),
        },
        Target::SizedPhotoValue(user, size) => match method {
            Method::GET => Ok(sized_photo_value(shared, ids, &user, &size)),
            _ => Ok(method_not_allowed(ids, &method, "GET")),
        },
        Target::PhotoUpdateSettings => {
            if method != Method::GET {
                // PATCH exists in Graph (PeopleSettings.ReadWrite.All); this emulator changes
                // the policy only through Emulator::set_photo_source.
                return Ok(method_not_allowed(ids, &method, "GET"));
            }
            let source = match shared.photo_source() {
                PhotoSource::Cloud => json!("cloud"),
                PhotoSource::OnPremises => json!("onPremises"),
                PhotoSource::Unset => Value::Null,
            };
            Ok(json_response(
                StatusCode::OK,
                ids,
                &json!({
                    "@odata.context": format!("{}/beta/$metadata#admin/people/photoUpdateSettings/$entity", shared.base_url),
                    "source": source,
                    "allowedRoles": [],
                }),
            ))
        }
        Target::Me => Ok(graph_error(
            StatusCode::BAD_REQUEST,
            ids,
            "BadRequest",
            "/me request is only valid with delegated authentication flow.",
        )),
        Target::DollarUpn(user) => Ok(graph_error(
            StatusCode::BAD_REQUEST,
            ids,
            "BadRequest",
            &format!("Resource not found for the segment '{user}'. A userPrincipalName that begins with '$' must be addressed as /users('{}').", user.replace('\'', "''")),
        )),
        // Graph's answer to an unknown segment is not a documented contract (it is often
        // 400 BadRequest "Resource not found for the segment"); this emulator answers 404 with
        // code BadRequest so that a wrong URL is never mistaken for a throttle or auth problem.
        Target::NotFound(segment) => Ok(graph_error(
            StatusCode::NOT_FOUND,
            ids,
            "BadRequest",
            &format!("Resource not found for the segment '{segment}'."),
        )),
    }
}

fn photo_metadata(shared: &Shared, ids: &RequestIds, version: &str, user: &str) -> Response<Body> {
    let Some(u) = shared.find_user(user) else {
        return user_not_found(ids, user);
    };
    // Without a photo Graph now answers 404 ImageNotFound (an older example showed a 1x1
    // image/gif placeholder instead); 404 is modelled.
    let Some(p) = shared.photo(&u.id) else {
        return image_not_found(shared, ids);
    };
    let mut r = json_response(
        StatusCode::OK,
        ids,
        &json!({
            "@odata.context": format!("{}/{version}/$metadata#users('{}')/photo/$entity", shared.base_url, u.id),
            "@odata.mediaContentType": p.content_type,
            "@odata.mediaEtag": p.etag,
            "id": format!("{}x{}", p.width, p.height),
            "width": p.width,
            "height": p.height,
        }),
    );
    set_header(&mut r, "etag", &p.etag);
    r
}

fn photo_value(shared: &Shared, ids: &RequestIds, user: &str) -> Response<Body> {
    let Some(u) = shared.find_user(user) else {
        return user_not_found(ids, user);
    };
    let Some(p) = shared.photo(&u.id) else {
        return image_not_found(shared, ids);
    };
    let mut r = response(StatusCode::OK, ids, Bytes::from(p.bytes.as_ref().clone()));
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(p.content_type));
    if let Ok(v) = HeaderValue::from_str(&p.etag) {
        r.headers_mut().insert(ETAG, v);
    }
    r
}

/// The sizes Graph documents for Microsoft 365 photos (`/photos/{size}`).
pub const PHOTO_SIZES: [u32; 9] = [48, 64, 96, 120, 240, 360, 432, 504, 648];

/// `GET /users/{u}/photos/{n}x{n}/$value`: the photo as an n x n JPEG, cut from the centre.
/// Graph documents the sizes and that a size larger than the photo uploaded is unavailable
/// ("if the user uploads a photo that is 504x504 pixels, all but the 648x648 size is
/// available"); what it answers then, and to a size not in its list, is undocumented: 404
/// ImageNotFound and 400 BadRequest are our choices.
fn sized_photo_value(shared: &Shared, ids: &RequestIds, user: &str, size: &str) -> Response<Body> {
    let side = size
        .split_once('x')
        .filter(|(w, h)| w == h)
        .and_then(|(w, _)| w.parse::<u32>().ok())
        .filter(|n| PHOTO_SIZES.contains(n));
    let Some(side) = side else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            ids,
            "BadRequest",
            &format!("The photo size '{size}' is not one of 48x48, 64x64, 96x96, 120x120, 240x240, 360x360, 432x432, 504x504, 648x648."),
        );
    };
    let Some(u) = shared.find_user(user) else {
        return user_not_found(ids, user);
    };
    let Some(p) = shared.photo(&u.id) else {
        return image_not_found(shared, ids);
    };
    if p.width.min(p.height) < side {
        return image_not_found(shared, ids);
    }
    let options = crate::photo::Options {
        targets: vec![crate::targets::TargetRequest::Spec(
            crate::targets::TargetSpecRequest {
                target: None,
                size: Some(side),
                max_bytes: None,
                quality: None,
            },
        )],
        crop: crate::photo::Crop::Centre,
        skip_checks: true,
        ..Default::default()
    };
    match crate::photo::render(&p.bytes, &options) {
        Ok(out) => {
            let data = out
                .renditions
                .into_iter()
                .next()
                .map(|r| r.data)
                .unwrap_or_default();
            let mut r = response(StatusCode::OK, ids, Bytes::from(data));
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
            r
        }
        // A stored photo the pipeline cannot read (stored unchecked through the controls).
        Err(_) => image_not_found(shared, ids),
    }
}

fn delete_photo(shared: &Shared, ids: &RequestIds, user: &str) -> Response<Body> {
    let Some(u) = shared.find_user(user) else {
        return user_not_found(ids, user);
    };
    if shared.photo_source() == PhotoSource::OnPremises {
        return policy_denied(ids);
    }
    // Deleting a photo that is not there: Graph's answer is undocumented. 404 ImageNotFound is
    // our choice (the same answer as reading it), so clients must treat it as "already gone".
    if !shared.put_photo(&u.id, None) {
        return image_not_found(shared, ids);
    }
    // Current docs say 204 No Content (older ones said 200 OK).
    empty(StatusCode::NO_CONTENT, ids)
}

/// Read the whole body, keeping at most `keep` bytes; `Ok((bytes, total_len))`.
async fn read_body(req: Request<Incoming>, keep: usize) -> Result<(Vec<u8>, usize), Dropped> {
    let mut body = req.into_body();
    let mut kept = Vec::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| Dropped)?;
        if let Ok(data) = frame.into_data() {
            total += data.len();
            if kept.len() < keep {
                let room = keep - kept.len();
                kept.extend_from_slice(&data[..data.len().min(room)]);
            }
            if total > HARD_BODY_CAP {
                break;
            }
        }
    }
    Ok((kept, total))
}

async fn put_photo(
    shared: &Shared,
    ids: &RequestIds,
    user: &str,
    req: Request<Incoming>,
) -> Result<Response<Body>, Dropped> {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let max = shared.max_photo_bytes;
    let (body, total) = read_body(req, max + 1).await?;

    // Graph documents the 4 MB limit but not its answer to a bigger body: 413 with code
    // RequestEntityTooLarge is our choice. The size is checked first, as a front end would.
    if total > max {
        return Ok(graph_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            ids,
            "RequestEntityTooLarge",
            &format!("The photo is {total} bytes; the limit is {max} bytes."),
        ));
    }
    let Some(u) = shared.find_user(user) else {
        return Ok(user_not_found(ids, user));
    };
    if shared.photo_source() == PhotoSource::OnPremises {
        return Ok(policy_denied(ids));
    }
    // Graph's API reference says "Content-Type: image/jpeg. Required." (profilephoto-update),
    // and PNG is widely reported to work. Microsoft's own Graph SDKs send
    // application/octet-stream: `Photo.Content.PutAsync(stream)`, the C# sample on that same
    // page, sends it unless the caller adds a Content-Type header (tests/clients records
    // both). A 1.x SDK's
    // octet-stream PUT once got ErrorInternalServerError (2018, microsoftgraph/msgraph-sdk-dotnet
    // issue 237); that Microsoft still ships it as the documented sample is taken to mean the
    // service accepts it, so octet-stream is accepted and the bytes decide (below). This
    // library's own client sends image/jpeg or image/png, the documented types. Any other
    // type: Graph's answer is undocumented; 400 BadRequest is our choice.
    if !matches!(
        content_type.as_str(),
        "image/jpeg" | "image/png" | "application/octet-stream"
    ) {
        let shown = if content_type.is_empty() {
            "(none)"
        } else {
            content_type.as_str()
        };
        return Ok(graph_error(
            StatusCode::BAD_REQUEST,
            ids,
            "BadRequest",
            &format!("Content-Type {shown} is not supported for a profile photo; send image/jpeg, image/png or application/octet-stream."),
        ));
    }
    // The bytes must really be a JPEG or PNG that decodes. Graph's code for a body that is
    // not an image is undocumented: ImageNotValid is our choice.
    let looked = match super::photo_check::look(&body, true) {
        Ok(l) => l,
        Err(e) => {
            return Ok(graph_error(
                StatusCode::BAD_REQUEST,
                ids,
                "ImageNotValid",
                &format!("The photo is not a valid image: {e}."),
            ))
        }
    };
    if !matches!(
        looked.format,
        image::ImageFormat::Jpeg | image::ImageFormat::Png
    ) {
        return Ok(graph_error(
            StatusCode::BAD_REQUEST,
            ids,
            "ImageNotValid",
            &format!(
                "The photo is a {:?} ({}); send a JPEG or PNG.",
                looked.format, looked.content_type
            ),
        ));
    }
    // The stored content type is the one the bytes really have (a PNG sent as image/jpeg is
    // served back as image/png); Graph's behaviour there is undocumented.
    shared.store_upload(&u.id, StoredPhoto::new(body));
    // Older docs say 200 OK for an update (no body); that is what is sent.
    Ok(empty(StatusCode::OK, ids))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(p: &str) -> Vec<String> {
        p.split('/').map(|s| decode_segment(s).unwrap()).collect()
    }

    #[test]
    fn targets() {
        assert!(matches!(
            parse_target("v1.0", &segs("users/o%27brien%40contoso.com/photo/%24value")),
            Target::PhotoValue(u) if u == "o'brien@contoso.com"
        ));
        assert!(matches!(
            parse_target("v1.0", &segs("users('%24o''k@contoso.com')/photo")),
            Target::PhotoMeta(u) if u == "$o'k@contoso.com"
        ));
        assert!(matches!(
            parse_target("v1.0", &segs("users/$x@contoso.com/photo")),
            Target::DollarUpn(_)
        ));
        assert!(matches!(
            parse_target("beta", &segs("admin/people/photoUpdateSettings")),
            Target::PhotoUpdateSettings
        ));
        assert!(matches!(
            parse_target("v1.0", &segs("admin/people/photoUpdateSettings")),
            Target::NotFound(_)
        ));
        assert!(matches!(
            parse_target("v1.0", &segs("me/photo")),
            Target::Me
        ));
        assert!(matches!(
            parse_target("v1.0", &segs("users/a/photos")),
            Target::NotFound(_)
        ));
    }
}
