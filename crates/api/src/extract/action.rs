//! `ActionBody`: the body of an action `POST` (cancel, retry, revoke, disable, cron, runner),
//! which the rulebook lets be empty or `{}`. Anything else is read and refused, so a client
//! that sends `{"reason": ..}` or broken JSON learns at once that nothing read it.

use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::StreamExt;
use omnicrm_problem::AppError;
use serde_json::Value;

use crate::http::ApiError;

/// Most bytes read of an action body: `{}` with generous whitespace.
const LIMIT_BYTES: usize = 1024;

/// An action body that was empty or `{}`.
#[derive(Debug, Clone, Copy)]
pub struct ActionBody;

impl FromRequest for ActionBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = super::json::is_json_content_type(req);
        let mut payload = payload.take();
        Box::pin(async move {
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    AppError::malformed("the request body could not be read").with_source(e)
                })?;
                if body.len() + chunk.len() > LIMIT_BYTES {
                    return Err(AppError::payload_too_large(LIMIT_BYTES).into());
                }
                body.extend_from_slice(&chunk);
            }
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(ActionBody);
            }
            if !is_json {
                return Err(AppError::malformed(
                    "send no body, or `{}` with Content-Type application/json",
                )
                .into());
            }
            match serde_json::from_slice::<Value>(&body) {
                Ok(Value::Object(fields)) if fields.is_empty() => Ok(ActionBody),
                Ok(Value::Object(fields)) => Err(AppError::malformed(format!(
                    "unknown field `{}`: this action takes no fields",
                    fields.keys().next().map_or("", String::as_str)
                ))
                .into()),
                Ok(_) => Err(AppError::malformed("send no body, or `{}`").into()),
                Err(e) => Err(AppError::malformed(format!("malformed JSON: {e}")).into()),
            }
        })
    }
}
