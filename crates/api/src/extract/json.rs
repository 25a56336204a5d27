//! `ValidJson<T>`: reads a JSON body and validates it, answering
//! 400 `malformed_request` (content type, UTF-8, JSON syntax, unknown fields),
//! 400 `validation_failed` (types, missing fields, NUL characters, garde rules) or
//! 413 `payload_too_large`.

use std::pin::Pin;

use actix_web::error::PayloadError;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use futures_util::StreamExt;
use garde::Validate;
use omnicrm_problem::{AppError, FieldError};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::garde_map::field_errors;
use crate::http::ApiError;
use crate::http::limits::BodyLimit;

/// A JSON body that parsed and passed validation.
#[derive(Debug)]
pub struct ValidJson<T>(pub T);

impl<T> FromRequest for ValidJson<T>
where
    T: DeserializeOwned + Validate<Context = ()> + 'static,
{
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_ok = is_json_content_type(req);
        let limit = body_limit(req);
        let mut payload = payload.take();
        Box::pin(async move {
            if !content_type_ok {
                return Err(AppError::malformed("Content-Type must be application/json").into());
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| unreadable(e, limit))?;
                if body.len() + chunk.len() > limit {
                    return Err(AppError::payload_too_large(limit).into());
                }
                body.extend_from_slice(&chunk);
            }
            parse_body(&body).map(ValidJson).map_err(ApiError::from)
        })
    }
}

/// The route's body limit (`http::limits`), or the JSON class's outside the app.
pub(crate) fn body_limit(req: &HttpRequest) -> usize {
    req.extensions()
        .get::<BodyLimit>()
        .map_or(crate::JSON_LIMIT_BYTES, |limit| limit.0)
}

/// A body that could not be read: 413 when it was cut off at the route's limit.
pub(crate) fn unreadable(err: PayloadError, limit: usize) -> AppError {
    match err {
        PayloadError::Overflow => AppError::payload_too_large(limit),
        other => AppError::malformed("the request body could not be read").with_source(other),
    }
}

/// Parses and validates a JSON body (shared by every JSON route).
pub fn parse_body<T: DeserializeOwned + Validate<Context = ()>>(
    body: &[u8],
) -> Result<T, AppError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| AppError::malformed("the body is not valid UTF-8"))?;
    if text.trim().is_empty() {
        return Err(AppError::malformed("the body is empty; send a JSON object"));
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| AppError::malformed(format!("malformed JSON: {e}")))?;
    let mut nul_fields = Vec::new();
    find_nul_strings(&value, &mut String::new(), &mut nul_fields);
    if !nul_fields.is_empty() {
        return Err(AppError::validation(nul_fields));
    }
    let parsed: T =
        serde_path_to_error::deserialize(value).map_err(|err| from_serde_error(&err))?;
    parsed
        .validate()
        .map_err(|report| AppError::validation(field_errors(&report)))?;
    Ok(parsed)
}

fn from_serde_error(err: &serde_path_to_error::Error<serde_json::Error>) -> AppError {
    let message = err.inner().to_string();
    let pointer = path_to_pointer(err.path());
    if message.starts_with("unknown field") {
        return AppError::malformed(format!("{message} at `{}`", display_pointer(&pointer)));
    }
    if let Some(field) = missing_field_name(&message) {
        return AppError::invalid_field(
            &format!("{pointer}/{field}"),
            "required",
            "this field is required",
        );
    }
    AppError::invalid_field(&pointer, "type", &strip_position(&message))
}

/// JSON pointer for a serde path (serde already uses the API's camelCase names).
pub(crate) fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                out.push_str(&format!("/{}", key.replace('~', "~0").replace('/', "~1")));
            }
            Segment::Enum { variant } => out.push_str(&format!("/{variant}")),
            Segment::Unknown => {}
        }
    }
    out
}

fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() { "/" } else { pointer }
}

pub(crate) fn missing_field_name(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// serde_json appends "at line 1 column 12"; the pointer says where already.
fn strip_position(message: &str) -> String {
    message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_owned()
}

fn find_nul_strings(value: &Value, pointer: &mut String, out: &mut Vec<FieldError>) {
    match value {
        Value::String(s) if s.contains('\0') => {
            out.push(FieldError::new(
                pointer.clone(),
                "nul",
                "text must not contain NUL characters",
            ));
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                find_nul_strings(item, pointer, out);
                pointer.truncate(len);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                if key.contains('\0') {
                    out.push(FieldError::new(
                        pointer.clone(),
                        "nul",
                        "keys must not contain NUL characters",
                    ));
                }
                find_nul_strings(item, pointer, out);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

pub(super) fn is_json_content_type(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use omnicrm_domain::contacts::CreateContact;
    use omnicrm_problem::ErrorCode;

    fn code_of(body: &str) -> (ErrorCode, Vec<String>) {
        match parse_body::<CreateContact>(body.as_bytes()) {
            Ok(_) => (ErrorCode::Internal, vec![]),
            Err(e) => (
                e.code(),
                e.field_errors().iter().map(|f| f.pointer.clone()).collect(),
            ),
        }
    }

    #[test]
    fn classifies_body_failures() {
        assert_eq!(code_of("{").0, ErrorCode::MalformedRequest);
        assert_eq!(
            code_of(r#"{"displayName":"a","bogus":1}"#).0,
            ErrorCode::MalformedRequest
        );
        assert_eq!(
            code_of("{}"),
            (ErrorCode::ValidationFailed, vec!["/displayName".to_owned()])
        );
        assert_eq!(
            code_of(r#"{"displayName":5}"#),
            (ErrorCode::ValidationFailed, vec!["/displayName".to_owned()])
        );
        assert_eq!(
            code_of(r#"{"displayName":"a\u0000b"}"#),
            (ErrorCode::ValidationFailed, vec!["/displayName".to_owned()])
        );
        assert_eq!(
            code_of(r#"{"displayName":"a","address":{"city":7}}"#),
            (
                ErrorCode::ValidationFailed,
                vec!["/address/city".to_owned()]
            )
        );
        assert!(parse_body::<CreateContact>(br#"{"displayName":"Ann"}"#).is_ok());
    }
}
