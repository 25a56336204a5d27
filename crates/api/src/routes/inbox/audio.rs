use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, get, web};
use omnicrm_domain::InboxItemId;

use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::{ApiError, ApiState};

/// The recording of one of your voice captures, as uploaded (an attachment, never run
/// in this origin). 404 for a typed capture or another user's item.
#[utoipa::path(tag = "omni-momentum", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "inbox item id")),
    // The five audio types are set on the document by `openapi::recording_media_types`.
    responses((status = 200, description = "the recording's bytes (audio/webm, audio/ogg, audio/mpeg, audio/mp4 or audio/wav)", content_type = "application/octet-stream"),
        (status = 404, body = omnicrm_problem::Problem)))]
#[get("/omni-momentum/inbox/{id}/audio")]
pub async fn inbox_audio(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<InboxItemId>,
) -> Result<HttpResponse, ApiError> {
    let audio = state.services.files.voice_audio(user.id, id.0).await?;
    Ok(HttpResponse::Ok()
        .content_type(audio.content_type)
        .insert_header((
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        ))
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox"),
        ))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", audio.file_name),
        ))
        .body(audio.bytes))
}
