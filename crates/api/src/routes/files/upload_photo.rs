use actix_web::{HttpRequest, HttpResponse, post, web};
use omnicrm_domain::ContactId;
use omnicrm_domain::files::{ClientFileView, MAX_PHOTO_UPLOAD_BYTES};

use super::{PhotoUploadForm, with_absolute_url};
use crate::auth::AuthUser;
use crate::extract::{ClientAccess, IdPath, UploadLimits, declared_file_bytes, read_upload};
use crate::{ApiError, ApiState};

/// What the photo form accepts.
const PHOTO_UPLOAD: UploadLimits = UploadLimits {
    file_bytes: MAX_PHOTO_UPLOAD_BYTES,
    text_fields: &[],
    file_field: crate::extract::FILE_FIELD,
    text_bytes: crate::extract::MAX_TEXT_FIELD,
};

/// Sets the contact's photo (multipart field `file`). The previous photo is deleted.
/// Answers the stored file with a signed URL (the URL is recorded in the photo access log).
#[utoipa::path(
    extensions(("x-rate-limit-class" = json!("heavy")), ("x-body-limit" = json!(crate::http::limits::body_limit::upload(PHOTO_UPLOAD.file_bytes)))),
    tag = "files", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "contact id")),
    request_body(content = PhotoUploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = ClientFileView), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem), (status = 413, description = "`payload_too_large`, or `quota_exceeded` when the storage quota would be exceeded", body = omnicrm_problem::Problem),
        (status = 415, body = omnicrm_problem::Problem),
        (status = 429, body = omnicrm_problem::Problem,
            headers(("Retry-After" = u64, description = "seconds to wait"))),
        (status = 503, body = omnicrm_problem::Problem)))]
#[post("/contacts/{id}/photo")]
pub async fn upload_photo(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<ContactId>,
    access: ClientAccess,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    // Both before the body is read (and so before any decoding or storing).
    let _permit = state.services.heavy.acquire(user.id).await?;
    state
        .services
        .files
        .check_quota(user.id, declared_file_bytes(&req, &PHOTO_UPLOAD))
        .await?;
    let upload = read_upload(&req, payload, PHOTO_UPLOAD).await?;
    let view = state
        .services
        .files
        .upload_photo(user.id, id.0, upload.file, access.0)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/contacts/{}/files/{}", view.contact_id, view.id),
        ))
        .json(with_absolute_url(&state, view)))
}
