//! Idempotency keys on every creating POST (ADR 0016). With `Idempotency-Key`, the first
//! response (status, headers, body) is stored per user and key and replayed byte for byte
//! to a retry of the same request within 24 hours, without running the handler; the
//! same key with a different request is 422 `idempotency_key_reused`; a duplicate while
//! the first still runs is 409 `idempotency_key_in_flight` with `Retry-After`.
//!
//! Only successful (2xx) first answers are stored. A 4xx changed nothing, so the key is
//! freed and a retry runs again; a 5xx must never be replayed.

mod creating_routes;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use futures_util::StreamExt;
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;
use omnicrm_services::idempotency::{Claim, StoredResponse};

pub use creating_routes::CreatingRoutes;

use crate::auth::AuthUser;
use crate::http::ApiError;
use crate::state::ApiState;

/// The request header.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Longest key, in bytes (visible ASCII only).
pub const MAX_KEY_BYTES: usize = 255;
/// Largest response that is stored for replay. A create answers one resource, whose
/// fields are bounded by the JSON body limit; a larger answer is not stored and the key
/// is freed (logged).
pub const MAX_STORED_RESPONSE_BYTES: usize = 1024 * 1024;
/// Largest JSON (non-multipart) body read for the fingerprint.
const MAX_JSON_BODY: usize = crate::JSON_LIMIT_BYTES;
/// Largest multipart body read for the fingerprint: the largest upload plus its framing.
const MAX_MULTIPART_BODY: usize = omnicrm_domain::files::MAX_DOCUMENT_UPLOAD_BYTES + 64 * 1024;
/// `Retry-After` of a duplicate that arrives while the first request runs.
const IN_FLIGHT_RETRY_SECS: u64 = 1;

/// Middleware: idempotent creating POSTs (see the module documentation).
pub async fn idempotent_creates(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // The header and the method first: most requests carry no key, and the route table is
    // only asked about those that do.
    let key = req.headers().get(&IDEMPOTENCY_KEY).cloned();
    let creating = || {
        req.method() == "POST"
            && req
                .app_data::<web::Data<CreatingRoutes>>()
                .is_some_and(|routes| routes.contains(req.path()))
    };
    let state = req.app_data::<web::Data<ApiState>>().cloned();
    let (Some(state), Some(key)) = (state, key.filter(|_| creating())) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let Some(key) = valid_key(&key) else {
        let err = AppError::malformed(format!(
            "Idempotency-Key must be 1 to {MAX_KEY_BYTES} visible ASCII characters"
        ));
        return Ok(req.error_response(ApiError(err)));
    };
    // Unauthenticated requests go on untouched: the handler answers them 401 (or 403).
    let Ok(user) = req.extract::<AuthUser>().await else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let body = match read_body(&mut req).await {
        Ok(body) => body,
        Err(err) => return Ok(req.error_response(ApiError(err))),
    };
    let fingerprint = fingerprint(&req, &body);
    let services = &state.services.idempotency;
    match services.claim(user.id, &key, &fingerprint).await {
        Err(err) => Ok(req.error_response(ApiError(err))),
        Ok(Claim::Completed {
            fingerprint: first,
            response,
        }) if first == fingerprint => Ok(req.into_response(replay(&response))),
        Ok(Claim::InFlight { fingerprint: first }) if first == fingerprint => {
            let err = AppError::idempotency_key_in_flight(IN_FLIGHT_RETRY_SECS);
            Ok(req.error_response(ApiError(err)))
        }
        Ok(Claim::Completed { .. } | Claim::InFlight { .. }) => {
            Ok(req.error_response(ApiError(AppError::idempotency_key_reused())))
        }
        Ok(Claim::Claimed) => {
            req.set_payload(Payload::from(body));
            let res = next.call(req).await;
            finish_first(res, &state, user.id, &key).await
        }
    }
}

/// Stores a successful first response for replay, or frees the key; either way the
/// client gets the response as it was.
async fn finish_first<B: MessageBody + 'static>(
    res: Result<ServiceResponse<B>, actix_web::Error>,
    state: &ApiState,
    user: UserId,
    key: &str,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let services = &state.services.idempotency;
    let res = match res {
        Ok(res) if res.status().is_success() && res.response().error().is_none() => res,
        other => {
            release(state, user, key).await;
            return other.map(ServiceResponse::map_into_boxed_body);
        }
    };
    let (http_req, response) = res.into_parts();
    let (head, body) = response.into_parts();
    let body = match actix_web::body::to_bytes_limited(body, MAX_STORED_RESPONSE_BYTES).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(err)) => {
            release(state, user, key).await;
            let err = AppError::internal(format!("response body: {}", err.into()));
            return Ok(ServiceResponse::new(
                http_req,
                HttpResponse::from_error(ApiError(err)),
            ));
        }
        Err(_too_large) => {
            tracing::warn!("a created resource's response is too large to store for replay");
            release(state, user, key).await;
            return Err(ApiError(AppError::internal("response too large to replay")).into());
        }
    };
    let stored = StoredResponse {
        status: i16::try_from(head.status().as_u16()).unwrap_or_default(),
        headers: head
            .headers()
            .iter()
            .filter(|(name, _)| *name != header::CONTENT_LENGTH)
            .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
            .collect(),
        body: body.to_vec(),
    };
    if let Err(err) = services.complete(user, key, stored).await {
        // The create committed; a lost record only means a retry runs again.
        tracing::warn!(error.code = %err.code(), "could not store an idempotent response");
        release(state, user, key).await;
    }
    let response = head.set_body(body).map_into_boxed_body();
    Ok(ServiceResponse::new(http_req, response))
}

async fn release(state: &ApiState, user: UserId, key: &str) {
    if let Err(err) = state.services.idempotency.release(user, key).await {
        // The claim is taken over once it counts as abandoned.
        tracing::warn!(error.code = %err.code(), "could not free an idempotency key");
    }
}

/// The stored first response, as it was sent.
fn replay(stored: &StoredResponse) -> HttpResponse {
    let status = u16::try_from(stored.status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut res = HttpResponse::build(status);
    for (name, value) in &stored.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            res.append_header((name, value));
        }
    }
    res.body(stored.body.clone())
}

fn valid_key(value: &HeaderValue) -> Option<String> {
    let bytes = value.as_bytes();
    let ok = !bytes.is_empty()
        && bytes.len() <= MAX_KEY_BYTES
        && bytes.iter().all(|b| (0x21..=0x7e).contains(b));
    ok.then(|| String::from_utf8_lossy(bytes).into_owned())
}

/// Reads the whole body (it is fingerprinted before the handler runs and handed to it
/// afterwards), up to the route's body limit (`http::limits`), or else the limit of its
/// kind.
async fn read_body(req: &mut ServiceRequest) -> Result<web::Bytes, AppError> {
    let route_limit = req
        .extensions()
        .get::<crate::http::limits::BodyLimit>()
        .map(|limit| limit.0);
    let limit = route_limit.unwrap_or(if req.content_type().starts_with("multipart/") {
        MAX_MULTIPART_BODY
    } else {
        MAX_JSON_BODY
    });
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| match err {
            actix_web::error::PayloadError::Overflow => AppError::payload_too_large(limit),
            _ => AppError::malformed("the request body could not be read"),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::payload_too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// SHA-256 over what makes two requests the same: method, path, query, content type and
/// the body's bytes.
fn fingerprint(req: &ServiceRequest, body: &[u8]) -> Vec<u8> {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for part in [
        req.method().as_str(),
        req.path(),
        req.query_string(),
        req.headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    ] {
        ctx.update(part.as_bytes());
        ctx.update(b"\0");
    }
    ctx.update(body);
    ctx.finish().as_ref().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_bounded_visible_ascii() {
        let ok = |s: &str| valid_key(&HeaderValue::from_str(s).unwrap()).is_some();
        assert!(ok("a"));
        assert!(ok(&"k".repeat(MAX_KEY_BYTES)));
        assert!(!ok(&"k".repeat(MAX_KEY_BYTES + 1)));
        assert!(!ok(""));
        assert!(!ok("has space"));
    }

    #[test]
    fn the_creating_routes_are_the_posts_that_answer_201() {
        let routes = CreatingRoutes::from_openapi(&crate::api_doc());
        let id = uuid::Uuid::now_v7();
        assert!(routes.contains("/api/v1/contacts"));
        assert!(routes.contains("/api/v1/notes"));
        assert!(routes.contains(&format!("/api/v1/contacts/{id}/files")));
        assert!(
            !routes.contains("/api/v1/contacts/bulk-delete"),
            "an action"
        );
        assert!(!routes.contains(&format!("/api/v1/contacts/{id}")));
    }

    /// The document's `Idempotency-Key` schema says what `valid_key` accepts.
    #[test]
    fn the_documented_pattern_agrees_with_valid_key() {
        let pattern =
            regex::Regex::new(crate::http::preconditions::openapi::IDEMPOTENCY_KEY_PATTERN)
                .unwrap();
        for value in ["a", "k-1_~!", "a b", " a", "\"x\"", "é"] {
            let documented = pattern.is_match(value) && value.len() <= MAX_KEY_BYTES;
            let accepted = HeaderValue::from_str(value)
                .ok()
                .and_then(|v| valid_key(&v))
                .is_some();
            assert_eq!(documented, accepted, "{value:?}");
        }
    }
}
