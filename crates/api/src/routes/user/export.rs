use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, get, web};
use futures_util::stream;

use crate::auth::AuthUser;
use crate::{ApiError, ApiState};

/// Downloads everything the user owns as a ZIP archive: `tables/<table>.json` for every
/// table with a `user_id` column (one consistent snapshot), `files/<key>` for every stored
/// file, and `manifest.json` (row counts, sizes, sha256). Integration tokens are
/// redacted, onboarding token hashes left out. Streamed: a download cut short is not a
/// valid archive.
#[utoipa::path(tag = "user", security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "the export archive", content_type = "application/zip",
            body = Vec<u8>,
            headers(("Content-Disposition" = String,
                description = "attachment; filename=\"omnicrm-export-YYYY-MM-DD.zip\""))),
        (status = 401, body = omnicrm_problem::Problem),
        (status = 503, body = omnicrm_problem::Problem)))]
#[get("/user/export")]
pub async fn export_user_data(
    user: AuthUser,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    let download = state.services.user_data.export(user.id).await?;
    let body = stream::unfold(download.chunks, |mut chunks| async move {
        let chunk = chunks.recv().await?;
        Some((chunk.map(web::Bytes::from), chunks))
    });
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(download.file_name)],
        })
        .streaming(body))
}
