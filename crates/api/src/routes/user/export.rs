use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, get, web};

use super::stream_reader;
use crate::auth::AuthUser;
use crate::{ApiError, ApiState};

/// Downloads everything the user owns as a ZIP archive: `tables/<table>.json` for every
/// table with a `user_id` column (one consistent snapshot), `files/<key>` for every stored
/// file the rows refer to, and `manifest.json` (row counts, sizes, sha256). Integration
/// tokens are redacted, onboarding token hashes left out. The archive is written to a
/// temporary file first and then sent with its `Content-Length`, so a slow client holds
/// no database connection. Counts against the user's heavy-request limit while it runs;
/// large accounts should prefer the asynchronous `POST /user/export`.
#[utoipa::path(
    extensions(("x-rate-limit-class" = json!("heavy"))),
    tag = "user", security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "the export archive", content_type = "application/zip",
            body = Vec<u8>,
            headers(("Content-Disposition" = String,
                description = "attachment; filename=\"omnicrm-export-YYYY-MM-DD.zip\""))),
        (status = 401, body = omnicrm_problem::Problem),
        (status = 429, body = omnicrm_problem::Problem,
            headers(("Retry-After" = u64, description = "seconds to wait"))),
        (status = 500, body = omnicrm_problem::Problem),
        (status = 503, body = omnicrm_problem::Problem)))]
#[get("/user/export")]
pub async fn export_user_data(
    user: AuthUser,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    let permit = state.services.heavy.acquire(user.id).await?;
    let download = state
        .services
        .user_data
        .export(user.id, user.claims.session_id.clone())
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(download.file_name)],
        })
        .no_chunking(download.size)
        .streaming(stream_reader(Box::pin(download.file), Some(permit))))
}
