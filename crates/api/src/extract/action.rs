//! Bodies of action `POST`s (cancel, retry, revoke, disable, cron, runner), which the
//! rulebook lets be empty or `{}`. Anything else is read and refused, so a client that sends
//! `{"reason": ..}` or broken JSON learns at once that nothing read it.

use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::StreamExt;
use omnicrm_problem::AppError;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::http::ApiError;

/// Most bytes read of an action body: `{}` with generous whitespace.
const LIMIT_BYTES: usize = crate::http::limits::body_limit::ACTION;

/// The body of an action that takes no fields: empty or `{}`; any field is refused.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmptyBody {}

/// Extractor: an action body that was empty or `{}`.
#[derive(Debug, Clone, Copy)]
pub struct ActionBody;

impl FromRequest for ActionBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let limit = super::json::body_limit(&req).min(LIMIT_BYTES);
        let mut payload = payload.take();
        Box::pin(async move {
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| super::json::unreadable(e, limit))?;
                if body.len() + chunk.len() > limit {
                    return Err(AppError::payload_too_large(limit).into());
                }
                body.extend_from_slice(&chunk);
            }
            let EmptyBody {} = action_body(&req, &body)?;
            Ok(ActionBody)
        })
    }
}

/// Reads the optional JSON body of an action `POST`: empty (whatever its content type)
/// means `T::default()`; anything else must be `application/json` that parses as `T`
/// (400 `malformed_request` for bad JSON or unknown fields, `validation_failed` for a
/// wrongly typed field).
pub(crate) fn action_body<T: DeserializeOwned + Default>(
    req: &HttpRequest,
    body: &[u8],
) -> Result<T, AppError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| AppError::malformed("the body is not valid UTF-8"))?;
    if text.trim().is_empty() {
        return Ok(T::default());
    }
    let json_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        });
    if !json_type {
        return Err(AppError::malformed("Content-Type must be application/json"));
    }
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| AppError::malformed(format!("malformed JSON: {e}")))?;
    if !value.is_object() {
        return Err(AppError::malformed("the body must be a JSON object"));
    }
    serde_path_to_error::deserialize(value).map_err(|err| {
        let message = err.inner().to_string();
        if message.starts_with("unknown field") {
            return AppError::malformed(message);
        }
        let path = err.path().to_string();
        let pointer = if path == "." {
            String::new()
        } else {
            format!("/{}", path.replace('.', "/"))
        };
        AppError::invalid_field(&pointer, "type", &message)
    })
}
