//! Reading `multipart/form-data` uploads into memory under a hard limit: the body is
//! streamed, and reading stops (413) as soon as the file part would pass the limit, so no
//! request makes the server hold more than the limit, whatever it declares.

use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::error::PayloadError;
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;
use omnicrm_problem::AppError;

/// Name of the file part.
pub const FILE_FIELD: &str = "file";
/// Bytes a declared `Content-Length` may exceed the file limit by (boundaries, part
/// headers, small text fields) before the request is refused unread.
const ENVELOPE_SLACK: usize = crate::http::limits::body_limit::UPLOAD_ENVELOPE;
/// Longest accepted text field value of the file forms.
pub const MAX_TEXT_FIELD: usize = 256;
/// Most parts one upload may have.
const MAX_PARTS: usize = 8;

/// What an upload route accepts.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    /// Largest file part, in bytes.
    pub file_bytes: usize,
    /// Names of the optional text fields besides `file`.
    pub text_fields: &'static [&'static str],
    /// Name of the file part ([`FILE_FIELD`] for files and photos).
    pub file_field: &'static str,
    /// Longest text field value, in bytes ([`MAX_TEXT_FIELD`] for short fields).
    pub text_bytes: usize,
}

/// A read upload: the file's bytes and the text fields that were sent. The part's file
/// name and declared `Content-Type` are deliberately dropped: the type comes from the bytes.
#[derive(Debug, Default)]
pub struct Upload {
    /// The file part.
    pub file: Vec<u8>,
    /// `(name, value)` of the text fields, in the order sent.
    pub fields: Vec<(String, String)>,
}

impl Upload {
    /// The value of a text field, if sent.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads a multipart upload. 400 `malformed_request` for a body that is not
/// `multipart/form-data` or does not parse, or for an unknown or repeated part;
/// 400 `validation_failed` (`/file`) when the file part is missing or empty;
/// 413 `payload_too_large` as soon as the file passes `limits.file_bytes`.
pub async fn read_upload(
    req: &HttpRequest,
    payload: web::Payload,
    limits: UploadLimits,
) -> Result<Upload, AppError> {
    if !is_form_data(req) {
        return Err(AppError::malformed(
            "Content-Type must be multipart/form-data",
        ));
    }
    if declared_length(req).is_some_and(|len| len > limits.file_bytes + ENVELOPE_SLACK) {
        return Err(AppError::payload_too_large(limits.file_bytes));
    }
    let mut parts = Multipart::new(req.headers(), payload);
    let mut upload = Upload::default();
    let mut file_seen = false;
    let mut count = 0;
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|e| multipart_error(e, limits))?;
        count += 1;
        if count > MAX_PARTS {
            return Err(AppError::malformed("too many form fields"));
        }
        let name = part
            .name()
            .ok_or_else(|| AppError::malformed("a form field has no name"))?
            .to_owned();
        if name == limits.file_field {
            if file_seen {
                return Err(AppError::malformed("the file field was sent twice"));
            }
            file_seen = true;
            upload.file = read_part(&mut part, limits.file_bytes, limits)
                .await?
                .ok_or_else(|| AppError::payload_too_large(limits.file_bytes))?;
        } else if limits.text_fields.contains(&name.as_str()) {
            if upload.field(&name).is_some() {
                return Err(AppError::malformed(format!(
                    "the field `{name}` was sent twice"
                )));
            }
            let pointer = format!("/{name}");
            let bytes = read_part(&mut part, limits.text_bytes, limits)
                .await?
                .ok_or_else(|| AppError::invalid_field(&pointer, "length", "too long"))?;
            let value = String::from_utf8(bytes)
                .ok()
                .filter(|v| !v.contains('\0'))
                .ok_or_else(|| AppError::invalid_field(&pointer, "invalid", "not valid text"))?;
            upload.fields.push((name, value));
        } else {
            let shown: String = name.chars().take(64).collect();
            return Err(AppError::malformed(format!("unknown form field `{shown}`")));
        }
    }
    if !file_seen {
        return Err(AppError::invalid_field(
            &format!("/{}", limits.file_field),
            "required",
            "a file is required",
        ));
    }
    if upload.file.is_empty() {
        return Err(AppError::invalid_field(
            &format!("/{}", limits.file_field),
            "length",
            "the file is empty",
        ));
    }
    Ok(upload)
}

/// The part's bytes, or `None` as soon as they would pass `max` (the rest is not read).
async fn read_part(
    part: &mut Field,
    max: usize,
    limits: UploadLimits,
) -> Result<Option<Vec<u8>>, AppError> {
    let mut buf = Vec::new();
    while let Some(chunk) = part.next().await {
        let chunk = chunk.map_err(|e| multipart_error(e, limits))?;
        if buf.len() + chunk.len() > max {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Some(buf))
}

fn multipart_error(err: MultipartError, limits: UploadLimits) -> AppError {
    match err {
        MultipartError::Payload(PayloadError::Overflow) => {
            AppError::payload_too_large(limits.file_bytes)
        }
        // Some variants carry non-`Send` actix errors: keep only the message.
        other => AppError::malformed("the multipart body could not be read")
            .with_source(other.to_string()),
    }
}

fn is_form_data(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("multipart/form-data"))
}

/// Multipart framing around one file part (boundaries, part headers), at most: what a
/// declared length may exceed the file by before it counts against the storage quota.
const FRAMING_ALLOWANCE: usize = 1024;

/// The file size a request declares (`Content-Length` less the multipart framing), capped
/// at the route's limit; 0 without a `Content-Length` (the observed size is checked once
/// the body is read). For the storage quota check before the body is read.
pub fn declared_file_bytes(req: &HttpRequest, limits: &UploadLimits) -> u64 {
    declared_length(req).map_or(0, |len| {
        len.saturating_sub(FRAMING_ALLOWANCE).min(limits.file_bytes) as u64
    })
}

fn declared_length(req: &HttpRequest) -> Option<usize> {
    req.headers()
        .get(actix_web::http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}
