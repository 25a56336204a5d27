use actix_web::{HttpResponse, get, web};
use omnicrm_domain::files::SignedFileUrl;

use super::absolute;
use crate::auth::AuthUser;
use crate::extract::{ClientAccess, ValidQuery};
use crate::{ApiError, ApiState};

/// Query of `GET /storage/file-url`.
#[omnicrm_schema_derive::garde_schema]
#[derive(Debug, serde::Deserialize, garde::Validate, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FileUrlQuery {
    /// A storage key (`filePath` of a file, or a contact's photo key).
    // `default` so a missing key is reported by garde with its pointer, like an empty one.
    #[garde(length(chars, min = 1, max = 300))]
    #[serde(default)]
    #[param(required = true)]
    pub file_path: String,
}

/// A fresh signed URL (one hour) for a stored file. Only keys that belong to the caller
/// and are still referenced by one of their files or contact photos are signed; anything
/// else is 404. Photo URLs are recorded in the photo access log.
#[utoipa::path(tag = "files", security(("bearer" = []), ("cookie" = [])), params(FileUrlQuery),
    responses((status = 200, body = SignedFileUrl), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem)))]
#[get("/storage/file-url")]
pub async fn sign_file_url(
    user: AuthUser,
    state: web::Data<ApiState>,
    query: ValidQuery<FileUrlQuery>,
    access: ClientAccess,
) -> Result<HttpResponse, ApiError> {
    let signed = state
        .services
        .files
        .sign_path(user.id, &query.0.file_path, access.0)
        .await?;
    Ok(HttpResponse::Ok().json(SignedFileUrl {
        signed_url: absolute(&state, &signed.path_and_query),
        expires_at: signed.expires_at,
    }))
}
