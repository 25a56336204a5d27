use actix_web::http::header::{AUTHORIZATION, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, post, web};
use omnicrm_problem::{AppError, ErrorCode};
use ring::hmac;

use omnicrm_services::jobs::DrainSummary;

use super::{CRON_MAX_LIMIT, CronLimitBody, optional_limit};
use crate::{ApiError, ApiState};

/// Drains due jobs of every user: up to `limit` (1..=500, default 100). Not a user route:
/// it takes `Authorization: Bearer <OMNICRM_CRON_SECRET>` (missing 401, wrong 403, not
/// configured on this server 503 `integration_not_configured`). The body may be empty,
/// `{}` or `{"limit": n}`.
#[utoipa::path(
    extensions(("x-rate-limit-class" = json!("exempt")), ("x-body-limit" = json!(crate::http::limits::body_limit::ACTION))),
    tag = "jobs",
    request_body(content = Option<CronLimitBody>, content_type = "application/json"),
    responses((status = 200, body = DrainSummary), (status = 400, body = omnicrm_problem::Problem),
        (status = 401, body = omnicrm_problem::Problem), (status = 403, body = omnicrm_problem::Problem),
        (status = 503, body = omnicrm_problem::Problem)))]
#[post("/cron/process-jobs")]
pub async fn process_jobs(
    state: web::Data<ApiState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let limit = cron_limit(&state, &req, &body)?;
    let summary = state.services.jobs.drain(limit).await?;
    Ok(HttpResponse::Ok().json(summary))
}

/// What every cron route checks first: the cron secret, then the optional `{"limit": n}`
/// body (1..=500, default 100).
pub(crate) fn cron_limit(
    state: &ApiState,
    req: &HttpRequest,
    body: &web::Bytes,
) -> Result<usize, ApiError> {
    check_cron_secret(
        state.config.cron_secret.as_deref(),
        req.headers().get(AUTHORIZATION),
    )?;
    let limit = optional_limit(req, body, DEFAULT_CRON_LIMIT, CRON_MAX_LIMIT)?;
    Ok(usize::try_from(limit).unwrap_or(100))
}

const DEFAULT_CRON_LIMIT: u32 = 100;

/// The cron secret check, comparing in constant time (HMAC tags under the two secrets).
pub(crate) fn check_cron_secret(
    configured: Option<&str>,
    header: Option<&HeaderValue>,
) -> Result<(), AppError> {
    let Some(configured) = configured.filter(|s| !s.is_empty()) else {
        return Err(
            AppError::new(ErrorCode::IntegrationNotConfigured).with_detail(
                "the cron secret is not configured on this server (OMNICRM_CRON_SECRET)",
            ),
        );
    };
    let Some(header) = header else {
        return Err(AppError::unauthenticated(
            "missing `Authorization: Bearer <cron secret>`",
        ));
    };
    let presented = header
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .map(|(_, token)| token.trim())
        .ok_or_else(|| AppError::unauthenticated("Authorization must be `Bearer <cron secret>`"))?;
    const LABEL: &[u8] = b"omnicrm cron secret check";
    let expected = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, configured.as_bytes()),
        LABEL,
    );
    hmac::verify(
        &hmac::Key::new(hmac::HMAC_SHA256, presented.as_bytes()),
        LABEL,
        expected.as_ref(),
    )
    .map_err(|_| AppError::forbidden("wrong cron secret"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(configured: Option<&str>, header: Option<&'static str>) -> Option<ErrorCode> {
        let header = header.map(HeaderValue::from_static);
        check_cron_secret(configured, header.as_ref())
            .err()
            .map(|e| e.code())
    }

    #[test]
    fn cron_secret_outcomes() {
        assert_eq!(code(Some("s3cret"), Some("Bearer s3cret")), None);
        assert_eq!(code(Some("s3cret"), Some("bearer s3cret")), None);
        assert_eq!(code(Some("s3cret"), None), Some(ErrorCode::Unauthenticated));
        assert_eq!(
            code(Some("s3cret"), Some("Basic x")),
            Some(ErrorCode::Unauthenticated)
        );
        assert_eq!(
            code(Some("s3cret"), Some("Bearer s3cre")),
            Some(ErrorCode::Forbidden)
        );
        assert_eq!(
            code(Some("s3cret"), Some("Bearer s3cret2")),
            Some(ErrorCode::Forbidden)
        );
        assert_eq!(
            code(None, Some("Bearer s3cret")),
            Some(ErrorCode::IntegrationNotConfigured)
        );
        assert_eq!(
            code(Some(""), None),
            Some(ErrorCode::IntegrationNotConfigured)
        );
    }
}
