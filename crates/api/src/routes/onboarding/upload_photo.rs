use actix_multipart::{Field, Multipart};
use actix_web::{HttpRequest, HttpResponse, post, web};
use futures_util::StreamExt;
use omnicrm_domain::onboarding::{MAX_PHOTO_UPLOAD_BYTES, PhotoUploaded};
use omnicrm_problem::AppError;

use crate::rate_limit::visitor;
use crate::{ApiError, ApiState};

/// The largest body: the photo plus room for the multipart framing and the token field.
const BODY_LIMIT: usize = crate::http::limits::body_limit::upload(MAX_PHOTO_UPLOAD_BYTES);
/// Longest token field read.
const MAX_TOKEN_BYTES: usize = 256;

/// The multipart body of the upload (named apart from the contact photo form: one schema
/// name is one component).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "documents the multipart fields for OpenAPI")]
pub struct OnboardingPhotoUploadForm {
    /// The link's token (read trimmed; blank is refused).
    #[schema(pattern = r"\S")]
    token: String,
    /// JPEG, PNG, WebP or GIF, at most 5 MB. An empty file is refused.
    #[schema(value_type = String, format = Binary, min_length = 1)]
    file: Vec<u8>,
}

/// Public: uploads a photo for the onboarding form (multipart fields `token` and `file`,
/// at most 5 MB). The type is read from the bytes (415 otherwise); the photo is
/// re-encoded as a JPEG of at most 1024 px without metadata and stored in the
/// practitioner's `onboarding` area. `filePath` can be submitted only with the same token.
/// `200`, not `201`: the photo waits for the submission and has no URL of its own (it is
/// never served publicly), so there is no `Location` to give.
/// Rate limited per client address; at most 5 photos per visitor, and 5 per remaining
/// submission of the link, may wait for a submission (409 beyond).
#[utoipa::path(
    extensions(("x-body-limit" = json!(BODY_LIMIT))),
    tag = "onboarding-public",
    request_body(content = OnboardingPhotoUploadForm, content_type = "multipart/form-data"),
    responses((status = 200, body = PhotoUploaded), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem), (status = 409, body = omnicrm_problem::Problem), (status = 413, body = omnicrm_problem::Problem),
        (status = 415, body = omnicrm_problem::Problem), (status = 429, body = omnicrm_problem::Problem),
        (status = 503, body = omnicrm_problem::Problem)))]
#[post("/onboarding/public/upload-photo")]
pub async fn upload_onboarding_photo(
    req: HttpRequest,
    state: web::Data<ApiState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > BODY_LIMIT) {
        return Err(AppError::payload_too_large(MAX_PHOTO_UPLOAD_BYTES).into());
    }
    let (token, file) = read_form(Multipart::new(req.headers(), payload)).await?;
    let visitor = visitor(&req, &state);
    let uploaded = state
        .services
        .onboarding
        .upload_photo(&token, &visitor, file)
        .await?;
    Ok(HttpResponse::Ok().json(uploaded))
}

/// Reads the `token` and `file` parts; anything else is refused.
async fn read_form(mut form: Multipart) -> Result<(String, Vec<u8>), AppError> {
    let mut token = None;
    let mut file = None;
    while let Some(part) = form.next().await {
        let mut part = part.map_err(|e| unreadable(&e))?;
        let name = part.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "token" if token.is_none() => {
                let bytes = read_part(&mut part, MAX_TOKEN_BYTES, |_| {
                    AppError::invalid_field("/token", "length", "the token is too long")
                })
                .await?;
                let text = String::from_utf8(bytes).map_err(|_| {
                    AppError::invalid_field("/token", "type", "the token must be text")
                })?;
                token = Some(text.trim().to_owned());
            }
            "file" if file.is_none() => {
                file = Some(
                    read_part(
                        &mut part,
                        MAX_PHOTO_UPLOAD_BYTES,
                        AppError::payload_too_large,
                    )
                    .await?,
                );
            }
            other => {
                return Err(AppError::malformed(format!(
                    "unexpected multipart field {other:?}: send one `token` and one `file`"
                )));
            }
        }
    }
    let token = token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AppError::invalid_field("/token", "required", "this field is required"))?;
    let file = file
        .filter(|f| !f.is_empty())
        .ok_or_else(|| AppError::invalid_field("/file", "required", "this field is required"))?;
    Ok((token, file))
}

/// Reads one part, stopping as soon as it grows past `limit`.
async fn read_part(
    part: &mut Field,
    limit: usize,
    too_large: impl Fn(usize) -> AppError,
) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::new();
    while let Some(chunk) = part.next().await {
        let chunk = chunk.map_err(|e| unreadable(&e))?;
        if out.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

fn unreadable(err: &actix_multipart::MultipartError) -> AppError {
    // The multipart error is not `Send`: keep its text as the logged cause.
    AppError::malformed("the multipart body could not be read").with_source(err.to_string())
}
