//! Rate limiting, counted in Postgres by [`omnicrm_services::RateLimiter`] so every server
//! instance shares the counts.
//!
//! Every route is limited by the framework (`http::limits`), by the class its OpenAPI
//! operation declares: authenticated routes per user and class ([`UserRateLimits`]),
//! public routes per client address and route (`OMNICRM_RATE_LIMIT_PUBLIC`, or
//! `OMNICRM_RATE_LIMIT_DOWNLOAD` for signed downloads). [`enforce`] lets a handler count
//! the request against a further bucket (the onboarding token of a submission).
//!
//! Every answer of a limited route carries `RateLimit-Policy` and `RateLimit` (IETF
//! httpapi draft syntax, one list member per policy applied); a refused request is 429
//! `rate_limited` with `Retry-After`. When the counters cannot be reached the request is
//! refused with 503 `unavailable`: the limiter fails closed.

use std::net::IpAddr;

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::{HttpMessage, HttpRequest};
use omnicrm_problem::AppError;
use omnicrm_services::{RateLimitDecision, RateLimitPolicy};

use crate::http::client_ip;
use crate::state::ApiState;

/// `RateLimit-Policy`: the policies applied (`"name";q=<limit>;w=<window seconds>`).
pub const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
/// `RateLimit`: what is left (`"name";r=<remaining>;t=<seconds to reset>`).
pub const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

/// Decisions taken for the current request, for the response headers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Decisions(pub(crate) Vec<RateLimitDecision>);

/// The per-user limits of authenticated routes, one policy per route class, and the
/// per-address limit of requests to them that carry no valid token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRateLimits {
    /// `GET` routes (`OMNICRM_RATE_LIMIT_USER_READ`).
    pub read: RateLimitPolicy,
    /// Routes that change something (`OMNICRM_RATE_LIMIT_USER_WRITE`).
    pub write: RateLimitPolicy,
    /// Uploads, exports, bulk changes and job drains (`OMNICRM_RATE_LIMIT_USER_HEAVY`).
    pub heavy: RateLimitPolicy,
    /// Requests to authenticated routes without a valid token, per client address and
    /// shared by all those routes.
    pub anonymous: RateLimitPolicy,
}

impl UserRateLimits {
    /// Per-minute limits of each class; requests without a valid token get the read
    /// limit per client address.
    pub fn per_minute(read: u32, write: u32, heavy: u32) -> Self {
        Self {
            read: RateLimitPolicy::per_minute("user-read", read),
            write: RateLimitPolicy::per_minute("user-write", write),
            heavy: RateLimitPolicy::per_minute("user-heavy", heavy),
            anonymous: RateLimitPolicy::per_minute("anonymous-ip", read),
        }
    }

    /// The same limits over another window (tests use short ones).
    pub fn with_window(mut self, window: std::time::Duration) -> Self {
        for policy in [
            &mut self.read,
            &mut self.write,
            &mut self.heavy,
            &mut self.anonymous,
        ] {
            policy.window = window;
        }
        self
    }
}

/// Counts the request against a further `bucket` under `policy` (in a handler of a limited
/// route, whose headers then report both policies); 429 when it is used up.
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

pub(crate) fn refused(decision: &RateLimitDecision) -> AppError {
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
pub(crate) fn ip_bucket(ip: Option<IpAddr>) -> String {
    match ip {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        None => "unknown".to_owned(),
    }
}

pub(crate) fn write_headers(headers: &mut HeaderMap, decisions: &[RateLimitDecision]) {
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
