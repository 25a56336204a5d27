//! CORS for the origins of `OMNICRM_ALLOWED_ORIGINS`, and for nobody else.
//!
//! * No list (the default): no CORS header on any answer; browsers keep other origins out.
//! * A listed `Origin`: the answer names it in `Access-Control-Allow-Origin` (never `*`),
//!   allows credentials (the session cookie), and exposes the headers a client needs
//!   ([`EXPOSED`]). A preflight (`OPTIONS` with `Access-Control-Request-Method`) is
//!   answered here, 204, without running anything behind this middleware: no database,
//!   no rate limit, so it works while the database is down.
//! * Any other `Origin`: the request is served as if CORS did not exist (no CORS header),
//!   so same-origin and non-browser clients that send `Origin` are not refused.

use actix_web::HttpResponse;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

use crate::state::ApiState;

/// Response headers a cross-origin client may read.
pub const EXPOSED: &str =
    "RateLimit-Policy, RateLimit, ETag, Location, Retry-After, X-Request-Id, Allow";
/// Methods a preflight may ask for.
const METHODS: &str = "GET, POST, PUT, PATCH, DELETE";
/// Request headers a preflight may ask for (case-insensitive).
const REQUEST_HEADERS: [&str; 7] = [
    "authorization",
    "content-type",
    "x-csrf-token",
    "x-request-id",
    "if-match",
    "if-none-match",
    "idempotency-key",
];
/// How long a browser may reuse a preflight answer, in seconds.
const MAX_AGE_SECS: &str = "600";

/// The origins allowed to call the API from a browser, as `scheme://host[:port]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedOrigins(Vec<String>);

impl AllowedOrigins {
    /// Allows these origins (compared case-insensitively, without a trailing slash).
    pub fn new(origins: Vec<String>) -> Self {
        Self(origins.into_iter().map(|o| normalise(&o)).collect())
    }

    /// Whether no origin is allowed (CORS off).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn allows(&self, origin: &str) -> bool {
        let origin = normalise(origin);
        self.0.contains(&origin)
    }
}

fn normalise(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// Middleware: see the module documentation.
pub async fn cors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let allowed = req
        .app_data::<web::Data<ApiState>>()
        .map(|state| &state.config.allowed_origins)
        .filter(|origins| !origins.is_empty());
    let Some(allowed) = allowed else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|origin| allowed.allows(origin))
        .and_then(|origin| HeaderValue::from_str(origin).ok());
    let Some(origin) = origin else {
        let mut res = next.call(req).await?.map_into_boxed_body();
        vary_on_origin(res.headers_mut());
        return Ok(res);
    };
    if req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        let answer = preflight(&req, origin);
        return Ok(req.into_response(answer));
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    let headers = res.headers_mut();
    allow(headers, origin);
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSED),
    );
    Ok(res)
}

/// 204 with what the browser asked for, when it is something the API takes; a method or
/// header outside the lists gets no `Allow-*` for it, and the browser refuses.
fn preflight(req: &ServiceRequest, origin: HeaderValue) -> HttpResponse {
    let mut res = HttpResponse::NoContent().finish();
    let headers = res.headers_mut();
    allow(headers, origin);
    let method_ok = req
        .headers()
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|m| METHODS.split(", ").any(|allowed| allowed == m.trim()));
    if method_ok {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(METHODS),
        );
    }
    let asked: Vec<String> = req
        .headers()
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .and_then(|v| v.to_str().ok())
        .map(|list| {
            list.split(',')
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let granted: Vec<&str> = asked
        .iter()
        .filter(|h| REQUEST_HEADERS.contains(&h.as_str()))
        .map(String::as_str)
        .collect();
    if !granted.is_empty()
        && let Ok(value) = HeaderValue::from_str(&granted.join(", "))
    {
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, value);
    }
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(MAX_AGE_SECS),
    );
    headers.append(
        header::VARY,
        HeaderValue::from_static("Access-Control-Request-Method, Access-Control-Request-Headers"),
    );
    res
}

fn allow(headers: &mut HeaderMap, origin: HeaderValue) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    vary_on_origin(headers);
}

/// The answer depends on `Origin` whenever CORS is on: caches must key on it.
fn vary_on_origin(headers: &mut HeaderMap) {
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}
