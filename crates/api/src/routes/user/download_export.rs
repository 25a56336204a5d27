use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, get, web};
use omnicrm_problem::AppError;

use super::stream_reader;
use crate::auth::AuthUser;
use crate::extract::IdPath;
use crate::routes::files::download::SignedQuery;
use crate::{ApiError, ApiState};

/// The archive of a ready asynchronous export, behind the signed `downloadUrl` of
/// `GET /user/export/{id}`. Needs the same signed-in user as well as a valid, unexpired
/// signature: a leaked URL alone is not enough, and any refusal (another user, expired
/// or wrong signature, not ready, archive gone) is the same 404.
#[utoipa::path(
    extensions(("x-rate-limit-class" = json!("heavy"))),
    tag = "user", security(("bearer" = []), ("cookie" = [])),
    params(("id" = uuid::Uuid, Path, description = "export id"), SignedQuery),
    responses(
        (status = 200, description = "the export archive", content_type = "application/zip",
            body = Vec<u8>,
            headers(("Content-Disposition" = String,
                description = "attachment; filename=\"omnicrm-export-YYYY-MM-DD.zip\""))),
        (status = 401, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem),
        (status = 429, body = omnicrm_problem::Problem,
            headers(("Retry-After" = u64, description = "seconds to wait"))),
        (status = 503, body = omnicrm_problem::Problem)))]
#[get("/user/export/{id}/download")]
pub async fn download_user_export(
    user: AuthUser,
    state: web::Data<ApiState>,
    id: IdPath<uuid::Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query: SignedQuery =
        serde_html_form::from_str(req.query_string()).map_err(|_| AppError::not_found())?;
    let (Some(exp), Some(sig)) = (query.exp, query.sig) else {
        return Err(AppError::not_found().into());
    };
    let permit = state.services.heavy.acquire(user.id).await?;
    let archive = state
        .services
        .user_data
        .open_export(user.id, id.0, exp, &sig)
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(archive.file_name)],
        })
        .no_chunking(archive.size)
        .streaming(stream_reader(archive.reader, Some(permit))))
}
