use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use omnicrm_problem::{AppError, Problem};

/// Handler-side error: wraps [`AppError`] so actix can carry it to the envelope, which
/// renders it with the request's id and path.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(#[from] pub AppError);

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        // Only reached when no envelope is installed; the envelope renders the real body.
        problem_response(&self.0, "", "", "")
    }
}

/// The one mapping from an error to an HTTP response.
pub fn problem_response(
    err: &AppError,
    public_url: &str,
    instance: &str,
    request_id: &str,
) -> HttpResponse {
    let problem = Problem::from_error(err, public_url, instance, request_id);
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = HttpResponse::build(status);
    builder.content_type("application/problem+json");
    if status == StatusCode::UNAUTHORIZED {
        builder.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
    }
    if let Some(allow) = err.allow().and_then(|a| HeaderValue::from_str(a).ok()) {
        builder.insert_header((header::ALLOW, allow));
    }
    if let Some(secs) = err.retry_after_secs() {
        builder.insert_header((header::RETRY_AFTER, secs.to_string()));
    }
    let body = serde_json::to_vec(&problem).unwrap_or_else(|_| b"{}".to_vec());
    builder.body(body)
}
