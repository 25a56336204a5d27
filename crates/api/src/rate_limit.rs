//! Rate limiting of public routes, counted in Postgres by
//! [`omnicrm_services::RateLimiter`] so every server instance shares the counts.
//!
//! * [`limit_public`] is a middleware for any public route: it counts the request against
//!   the client's address on that route (`OMNICRM_RATE_LIMIT_PUBLIC` per minute) before
//!   the handler reads anything. Attach it with
//!   `#[post("/path", wrap = "from_fn(limit_public)")]`.
//! * [`limit_downloads`] does the same for signed file downloads under their own, larger
//!   budget (`OMNICRM_RATE_LIMIT_DOWNLOAD`): a page of photos loads many at once.
//! * [`enforce`] lets a handler count the request against a further bucket (the
//!   onboarding token of a submission).
//!
//! Every answer of a limited route carries `RateLimit-Policy` and `RateLimit` (IETF
//! httpapi draft syntax, one list member per policy applied); a refused request is 429
//! `rate_limited` with `Retry-After`. When the counters cannot be reached the request is
//! refused with 503 `unavailable`: the limiter fails closed.

use std::net::IpAddr;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, web};
use omnicrm_problem::AppError;
use omnicrm_services::{RateLimitDecision, RateLimitPolicy};

use crate::http::{ApiError, client_ip};
use crate::state::{ApiConfig, ApiState};

/// `RateLimit-Policy`: the policies applied (`"name";q=<limit>;w=<window seconds>`).
pub const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
/// `RateLimit`: what is left (`"name";r=<remaining>;t=<seconds to reset>`).
pub const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

/// Decisions taken for the current request, for the response headers.
#[derive(Debug, Clone, Default)]
struct Decisions(Vec<RateLimitDecision>);

/// Middleware: counts the request against `ip:<client>|<route>` under the public policy.
pub async fn limit_public(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    limit_by_ip(req, next, |config| &config.public_rate_limit).await
}

/// Middleware: counts the request against `ip:<client>|<route>` under the download policy.
pub async fn limit_downloads(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    limit_by_ip(req, next, |config| &config.download_rate_limit).await
}

async fn limit_by_ip(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    policy_of: fn(&ApiConfig) -> &RateLimitPolicy,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<ApiState>>().cloned() else {
        let err = AppError::internal("ApiState missing from app data");
        return Ok(req.error_response(ApiError(err)).map_into_boxed_body());
    };
    let ip = client_ip(req.request(), &state.config.trusted_proxies);
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let bucket = format!("ip:{}|{route}", ip_bucket(ip));
    let policy = policy_of(&state.config);
    let decision = match state.services.rate_limits.hit(&bucket, policy).await {
        Ok(decision) => decision,
        Err(err) => return Ok(req.error_response(ApiError(err)).map_into_boxed_body()),
    };
    if !decision.allowed {
        let mut res = req.error_response(ApiError(refused(&decision)));
        write_headers(res.headers_mut(), std::slice::from_ref(&decision));
        return Ok(res.map_into_boxed_body());
    }
    req.extensions_mut().insert(Decisions(vec![decision]));
    let mut res = next.call(req).await?.map_into_boxed_body();
    let decisions = res
        .request()
        .extensions()
        .get::<Decisions>()
        .cloned()
        .unwrap_or_default();
    write_headers(res.headers_mut(), &decisions.0);
    Ok(res)
}

/// Counts the request against a further `bucket` under `policy` (in a handler behind
/// [`limit_public`], whose headers then report both); 429 when it is used up.
pub async fn enforce(
    req: &HttpRequest,
    state: &ApiState,
    bucket: &str,
    policy: &RateLimitPolicy,
) -> Result<(), AppError> {
    let decision = state.services.rate_limits.hit(bucket, policy).await?;
    let outcome = if decision.allowed {
        Ok(())
    } else {
        Err(refused(&decision))
    };
    let mut extensions = req.extensions_mut();
    match extensions.get_mut::<Decisions>() {
        Some(decisions) => decisions.0.push(decision),
        None => {
            extensions.insert(Decisions(vec![decision]));
        }
    }
    outcome
}

fn refused(decision: &RateLimitDecision) -> AppError {
    AppError::rate_limited(decision.retry_after_secs).with_detail(format!(
        "more than {} requests in {} s ({}); retry after {} s",
        decision.policy.limit,
        decision.policy.window.as_secs(),
        decision.policy.name,
        decision.retry_after_secs
    ))
}

/// The client as the public limiter counts it (its address, an IPv6 client's /64), for
/// handlers that keep per-visitor state of their own.
pub fn visitor(req: &HttpRequest, state: &ApiState) -> String {
    ip_bucket(client_ip(req, &state.config.trusted_proxies))
}

/// The bucket of an address: IPv4 as is, IPv6 by its /64 (one subscriber's prefix, so
/// rotating through one's own addresses does not reset the count).
fn ip_bucket(ip: Option<IpAddr>) -> String {
    match ip {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        None => "unknown".to_owned(),
    }
}

fn write_headers(headers: &mut HeaderMap, decisions: &[RateLimitDecision]) {
    if decisions.is_empty() {
        return;
    }
    let (policy, state) = header_values(decisions);
    if let Ok(v) = HeaderValue::from_str(&policy) {
        headers.insert(RATELIMIT_POLICY, v);
    }
    if let Ok(v) = HeaderValue::from_str(&state) {
        headers.insert(RATELIMIT, v);
    }
}

/// `RateLimit-Policy` and `RateLimit` values (structured-field lists).
fn header_values(decisions: &[RateLimitDecision]) -> (String, String) {
    let policy = decisions
        .iter()
        .map(|d| {
            format!(
                "\"{}\";q={};w={}",
                d.policy.name,
                d.policy.limit,
                d.policy.window.as_secs()
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let state = decisions
        .iter()
        .map(|d| format!("\"{}\";r={};t={}", d.policy.name, d.remaining, d.reset_secs))
        .collect::<Vec<_>>()
        .join(", ");
    (policy, state)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn headers_follow_the_draft_syntax() {
        let decision = |name: &str, remaining, reset| RateLimitDecision {
            policy: RateLimitPolicy {
                name: name.to_owned(),
                limit: 5,
                window: Duration::from_secs(60),
            },
            allowed: true,
            remaining,
            reset_secs: reset,
            retry_after_secs: 0,
        };
        let (policy, state) = header_values(&[
            decision("public-ip", 4, 50),
            decision("onboarding-token", 0, 9),
        ]);
        assert_eq!(
            policy,
            "\"public-ip\";q=5;w=60, \"onboarding-token\";q=5;w=60"
        );
        assert_eq!(
            state,
            "\"public-ip\";r=4;t=50, \"onboarding-token\";r=0;t=9"
        );
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(ip_bucket(Some(a)), ip_bucket(Some(b)));
        assert_eq!(ip_bucket(Some(a)), "2001:db8:1:2::/64");
        assert_eq!(ip_bucket("192.0.2.1".parse().ok()), "192.0.2.1");
    }
}
