use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, web};
use omnicrm_problem::AppError;
use time::OffsetDateTime;

use crate::{ApiError, ApiState};

/// `?exp=&sig=` of a signed URL. Read leniently: any defect is the same 404 as a bad
/// signature, so a prober learns nothing from the answer.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SignedQuery {
    /// Expiry (Unix seconds).
    pub exp: Option<i64>,
    /// Signature.
    pub sig: Option<String>,
}

/// A stored file behind a signed URL (no token: `<img src>` works). Refused with the same
/// 404 when the signature is wrong or expired, or when the file was deleted since. Served
/// with `Content-Security-Policy: sandbox` and `nosniff` so an uploaded file can never run
/// script in this origin; images inline, everything else as an attachment. Rate limited
/// per client address (`OMNICRM_RATE_LIMIT_DOWNLOAD` per minute), checked before the
/// signature so a prober pays for every guess.
#[utoipa::path(
    extensions(("x-rate-limit-class" = json!("download"))),
    tag = "files", params(
        ("owner" = uuid::Uuid, Path, description = "owner's user id"),
        ("area" = String, Path, description = "storage area (photos, files)"),
        ("name" = String, Path, description = "object name (<uuid>.<ext>)"),
        SignedQuery),
    responses((status = 200, description = "the file's bytes", content_type = "application/octet-stream"),
        (status = 404, body = omnicrm_problem::Problem), (status = 429, body = omnicrm_problem::Problem),
        (status = 503, body = omnicrm_problem::Problem)))]
#[get("/files/{owner}/{area}/{name}")]
pub async fn download_file(
    state: web::Data<ApiState>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (owner, area, name) = path.into_inner();
    let query: SignedQuery =
        serde_html_form::from_str(req.query_string()).map_err(|_| AppError::not_found())?;
    let (Some(exp), Some(sig)) = (query.exp, query.sig) else {
        return Err(AppError::not_found().into());
    };
    let file = state
        .services
        .files
        .download(&format!("{owner}/{area}/{name}"), exp, &sig)
        .await?;
    let remaining = (file.expires_at - OffsetDateTime::now_utc())
        .whole_seconds()
        .max(0);
    let disposition = if file.is_image() {
        format!("inline; filename=\"{name}\"")
    } else {
        format!("attachment; filename=\"{name}\"")
    };
    Ok(HttpResponse::Ok()
        .content_type(file.content_type)
        .insert_header((
            header::CACHE_CONTROL,
            format!("private, max-age={remaining}"),
        ))
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox"),
        ))
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .body(file.bytes))
}
