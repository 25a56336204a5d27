//! The body half of [`super::route_limits`]: a declared length over the route's limit is
//! refused unread, and any other body is cut off (`PayloadError::Overflow`, which the
//! extractors answer 413) as soon as it passes the limit.

use actix_web::HttpMessage;
use actix_web::dev::{Payload, ServiceRequest};
use actix_web::error::PayloadError;
use actix_web::http::header;
use futures_util::StreamExt;
use omnicrm_problem::AppError;

/// The route's body limit, for the extractors' 413 details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BodyLimit(pub(crate) usize);

/// Refuses a declared length over `limit` and caps the body stream at `limit` bytes.
pub(super) fn cap(req: &mut ServiceRequest, limit: usize) -> Result<(), AppError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(AppError::payload_too_large(limit));
    }
    req.extensions_mut().insert(BodyLimit(limit));
    let mut seen = 0usize;
    let capped = req.take_payload().map(move |chunk| {
        let chunk = chunk?;
        seen = seen.saturating_add(chunk.len());
        if seen > limit {
            return Err(PayloadError::Overflow);
        }
        Ok(chunk)
    });
    req.set_payload(Payload::Stream {
        payload: Box::pin(capped),
    });
    Ok(())
}
