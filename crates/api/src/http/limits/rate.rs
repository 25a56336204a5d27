//! The rate-limit half of [`super::route_limits`]: which bucket and policy a request
//! counts against.

use actix_web::dev::ServiceRequest;
use actix_web::{HttpMessage, web};
use omnicrm_problem::AppError;
use omnicrm_services::{RateLimitDecision, RateLimitPolicy};
use uuid::Uuid;

use super::RateClass;
use crate::auth::{ResolvedTenant, verified_user};
use crate::http::client_ip;
use crate::rate_limit::{ip_bucket, refused};
use crate::state::ApiState;

/// Counts the request against its class: per user for authenticated classes (per client
/// address, on one bucket shared by every authenticated route, when the request carries no
/// valid token: the handler will answer 401), per client address and route for public
/// ones, not at all for exempt ones. `Err` is the refusal (429,
/// or 503 when the counters cannot be reached), with the decision for the headers.
pub(super) async fn admit(
    req: &ServiceRequest,
    class: RateClass,
) -> Result<Option<RateLimitDecision>, (AppError, Option<RateLimitDecision>)> {
    if class == RateClass::Exempt {
        return Ok(None);
    }
    let Some(state) = req.app_data::<web::Data<ApiState>>().cloned() else {
        return Err((AppError::internal("ApiState missing from app data"), None));
    };
    let (bucket, policy, account) = bucket_of(req, &state, class).await;
    let decision = match account {
        // An authenticated request: its tenant is read by the same statement and kept
        // for the `AuthUser` extractor (ADR 0050).
        Some(subject) => {
            let (decision, tenant) = state
                .services
                .rate_limits
                .hit_for_account(&bucket, policy, subject)
                .await
                .map_err(|err| (err, None))?;
            req.extensions_mut()
                .insert(ResolvedTenant { subject, tenant });
            decision
        }
        None => state
            .services
            .rate_limits
            .hit(&bucket, policy)
            .await
            .map_err(|err| (err, None))?,
    };
    if !decision.allowed {
        return Err((refused(&decision), Some(decision)));
    }
    Ok(Some(decision))
}

/// The bucket and policy of a request, and the account it counts for (an authenticated
/// class with a valid token).
async fn bucket_of<'a>(
    req: &ServiceRequest,
    state: &'a ApiState,
    class: RateClass,
) -> (String, &'a RateLimitPolicy, Option<Uuid>) {
    let limits = &state.config.user_rate_limits;
    let by_address = || ip_bucket(client_ip(req.request(), &state.config.trusted_proxies));
    let per_user = match class {
        RateClass::Read => &limits.read,
        RateClass::Write => &limits.write,
        RateClass::Heavy => &limits.heavy,
        RateClass::Public | RateClass::Download | RateClass::Exempt => {
            let route = crate::http::route_pattern::route_pattern(req);
            let route = route.as_deref().unwrap_or("unmatched");
            let policy = if class == RateClass::Download {
                &state.config.download_rate_limit
            } else {
                &state.config.public_rate_limit
            };
            return (format!("ip:{}|{route}", by_address()), policy, None);
        }
    };
    match verified_user(req.request()).await {
        Ok(user) => (
            format!("user:{user}|{}", class.name()),
            per_user,
            Some(user.into_uuid()),
        ),
        Err(_) => (
            format!("ip:{}|authenticated-routes", by_address()),
            &limits.anonymous,
            None,
        ),
    }
}
