use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};
use omnicrm_problem::AppError;
use tracing::Instrument;

use super::error::{ApiError, problem_response};
use super::limits::BodyLimit;
use crate::state::ApiState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Outermost middleware: assigns the request id, opens the tracing span, renders every
/// error as a problem, and sets the security headers on every response.
pub async fn envelope(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    // The server's own id is what the logs key on; a client's id (which it may reuse or
    // forge) is kept beside it and echoed back, never in its place.
    let server_id = uuid::Uuid::now_v7().to_string();
    let client_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_sane_request_id(v))
        .map(str::to_owned);
    let request_id = client_id.clone().unwrap_or_else(|| server_id.clone());
    let public_url = req
        .app_data::<web::Data<ApiState>>()
        .map(|s| s.config.public_url.clone())
        .unwrap_or_default();
    let path = req.path().to_owned();
    let method = req.method().to_string();
    // The route template, never the raw path: paths carry secrets (the public onboarding
    // token) and ids.
    let route = super::route_pattern::route_pattern(&req);
    let route = route.as_deref().unwrap_or("(unmatched)").to_owned();
    let span = tracing::info_span!(
        "http",
        request.id = %server_id,
        request.client_id = client_id.as_deref(),
        http.method = %method,
        http.route = %route,
    );

    let outcome = next.call(req).instrument(span.clone()).await;
    let _entered = span.enter();
    let mut res = match outcome {
        Ok(res) => match res
            .response()
            .error()
            .map(|err| to_app_error(err, res.request().extensions().get::<BodyLimit>()))
        {
            Some(err) => {
                let (http_req, original) = res.into_parts();
                let mut rendered = render(&err, &public_url, &path, &request_id);
                carry_headers(original.headers(), rendered.headers_mut());
                ServiceResponse::new(http_req, rendered)
            }
            None => res.map_into_boxed_body(),
        },
        Err(err) => {
            // Errors from inner middleware carry no request; answer with a fresh problem.
            let err = to_app_error(&err, None);
            return Err(ApiError(err).into_rendered(&public_url, &path, &request_id));
        }
    };
    let headers = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    tracing::info!(
        http.status = res.status().as_u16(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request finished"
    );
    Ok(res)
}

fn render(
    err: &AppError,
    public_url: &str,
    path: &str,
    request_id: &str,
) -> actix_web::HttpResponse {
    if err.status() >= 500 {
        tracing::error!(error.code = %err.code(), error.cause = err.internal_cause().as_deref().unwrap_or(""), "request failed");
    } else {
        tracing::info!(error.code = %err.code(), error.detail = err.detail().unwrap_or(""), "request refused");
    }
    problem_response(err, public_url, path, request_id)
}

/// Our own errors pass through; anything actix produced is classified by its status (a
/// 413 names the route's body limit when `http::limits` set one).
fn to_app_error(err: &actix_web::Error, body_limit: Option<&BodyLimit>) -> AppError {
    if let Some(ApiError(app)) = err.as_error::<ApiError>() {
        return app.copy_with_cause_as_text();
    }
    let status = err.as_response_error().status_code();
    match status {
        StatusCode::NOT_FOUND => AppError::not_found(),
        StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::payload_too_large(body_limit.map_or(crate::JSON_LIMIT_BYTES, |limit| limit.0))
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            AppError::new(omnicrm_problem::ErrorCode::UnsupportedMediaType)
        }
        s if s.is_client_error() => AppError::malformed("the request could not be read"),
        _ => AppError::internal(err.to_string()),
    }
}

impl ApiError {
    fn into_rendered(self, public_url: &str, path: &str, request_id: &str) -> actix_web::Error {
        let response = render(&self.0, public_url, path, request_id);
        actix_web::error::InternalError::from_response(self, response).into()
    }
}

impl From<ApiError> for actix_web::HttpResponse {
    fn from(err: ApiError) -> Self {
        err.error_response()
    }
}

/// Headers that inner middleware put on an error response (rate-limit state, for
/// example) survive its rendering as a problem; the problem's own headers win.
fn carry_headers(from: &header::HeaderMap, to: &mut header::HeaderMap) {
    for (name, value) in from {
        if *name != header::CONTENT_TYPE
            && *name != header::CONTENT_LENGTH
            && !to.contains_key(name)
        {
            to.append(name.clone(), value.clone());
        }
    }
}

/// Ids of 1..=128 visible ASCII characters without spaces are echoed; others replaced.
fn is_sane_request_id(value: &str) -> bool {
    !value.is_empty() && value.len() <= 128 && value.bytes().all(|b| b.is_ascii_graphic())
}
