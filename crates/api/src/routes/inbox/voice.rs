use actix_web::{HttpRequest, HttpResponse, post, web};
use omnicrm_domain::inbox::{
    InboxItemView, MAX_CAPTURE_CHARS, MAX_VOICE_SECONDS, MAX_VOICE_UPLOAD_BYTES,
};
use omnicrm_problem::AppError;
use omnicrm_services::files::VoiceCapture;
use serde::Serialize;

use crate::auth::AuthUser;
use crate::extract::{UploadLimits, declared_file_bytes, read_upload};
use crate::{ApiError, ApiState};

const AUDIO_FIELD: &str = "audio";
const TRANSCRIPTION_FIELD: &str = "transcription";
const DURATION_FIELD: &str = "durationSeconds";

/// What the voice form accepts: the recording, and a transcription of up to 10 000
/// characters (4 bytes each at most).
const VOICE_UPLOAD: UploadLimits = UploadLimits {
    file_bytes: MAX_VOICE_UPLOAD_BYTES,
    text_fields: &[TRANSCRIPTION_FIELD, DURATION_FIELD],
    file_field: AUDIO_FIELD,
    text_bytes: MAX_CAPTURE_CHARS * 4,
};

/// The form of `POST /omni-momentum/inbox/voice`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VoiceCaptureForm {
    /// The recording: WebM, Ogg, MP3, M4A or WAV audio, at most 10 MiB. The type is read
    /// from the bytes; file name and declared type are ignored. Stored as sent.
    #[schema(value_type = String, format = Binary, min_length = 1)]
    pub audio: String,
    /// The client's transcription: the item's text (1..=10000 characters, not blank).
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    pub transcription: String,
    /// Length of the recording in seconds, as the client measured it (above 0, at most
    /// 3600); a multipart field cannot be `null`. It must fit the recording's size: at
    /// least 250 bytes per second (2 kbit/s), at most 2 MiB per second plus 1 MiB of
    /// metadata; otherwise 400 with the pointer `/durationSeconds`.
    #[schema(nullable = false, exclusive_minimum = 0.0, maximum = 3600.0)]
    pub duration_seconds: Option<f64>,
}

/// Voice capture: stores the recording and captures its transcription like a quick
/// capture (same suggestions). The recording counts against your storage quota and is
/// served at `GET /omni-momentum/inbox/{id}/audio`.
#[utoipa::path(
    extensions(("x-rate-limit-class" = json!("heavy")), ("x-body-limit" = json!(crate::http::limits::body_limit::upload(VOICE_UPLOAD.file_bytes)))),
    tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    request_body(content = VoiceCaptureForm, content_type = "multipart/form-data"),
    responses((status = 201, body = InboxItemView), (status = 400, body = omnicrm_problem::Problem),
        (status = 413, description = "`payload_too_large`, or `quota_exceeded` when the storage quota would be exceeded", body = omnicrm_problem::Problem),
        (status = 415, body = omnicrm_problem::Problem),
        (status = 429, body = omnicrm_problem::Problem,
            headers(("Retry-After" = u64, description = "seconds to wait"))),
        (status = 503, body = omnicrm_problem::Problem)))]
#[post("/omni-momentum/inbox/voice")]
pub async fn capture_voice(
    user: AuthUser,
    state: web::Data<ApiState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    // Both before the body is read.
    let _permit = state.services.heavy.acquire(user.id).await?;
    state
        .services
        .files
        .check_quota(user.id, declared_file_bytes(&req, &VOICE_UPLOAD))
        .await?;
    let upload = read_upload(&req, payload, VOICE_UPLOAD).await?;
    let transcription = upload
        .field(TRANSCRIPTION_FIELD)
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            AppError::invalid_field("/transcription", "required", "a transcription is required")
        })?;
    if transcription.chars().count() > MAX_CAPTURE_CHARS {
        return Err(AppError::invalid_field(
            "/transcription",
            "length",
            "at most 10000 characters",
        )
        .into());
    }
    let transcription = transcription.to_owned();
    let duration_seconds = match upload.field(DURATION_FIELD) {
        None => None,
        Some(raw) => Some(
            raw.trim()
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s > 0.0 && *s <= MAX_VOICE_SECONDS)
                .ok_or_else(|| {
                    AppError::invalid_field(
                        "/durationSeconds",
                        "range",
                        "a number of seconds above 0, at most 3600",
                    )
                })?,
        ),
    };
    let item = state
        .services
        .files
        .capture_voice(
            user.id,
            VoiceCapture {
                audio: upload.file,
                transcription,
                duration_seconds,
            },
        )
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/omni-momentum/inbox/{}", item.id),
        ))
        .json(item))
}
