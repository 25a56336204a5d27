use actix_web::{HttpRequest, HttpResponse, post, web};
use omnicrm_domain::onboarding::{OnboardingSubmit, OnboardingSubmitted};
use omnicrm_services::RateLimitPolicy;
use omnicrm_services::onboarding_tokens::token_fingerprint;

use crate::extract::ValidJson;
use crate::http::request_origin;
use crate::rate_limit::enforce;
use crate::{ApiError, ApiState};

/// Name of the per-token policy in the rate-limit headers.
pub const TOKEN_POLICY: &str = "onboarding-token";

/// Public: submits the onboarding form. In one transaction: the link is locked and
/// re-checked, a new contact is created (an existing one is never changed: one with the
/// same email or phone gets a possible-duplicate mark instead), the photo uploaded with
/// this link is attached, the consent is recorded with
/// the client's address and user agent, and the use is counted. Rate limited per client
/// address and per token.
#[utoipa::path(
    extensions(("x-body-limit" = json!(crate::http::limits::body_limit::PUBLIC_FORM))),
    tag = "onboarding-public", request_body = OnboardingSubmit,
    responses((status = 201, body = OnboardingSubmitted), (status = 400, body = omnicrm_problem::Problem),
        (status = 404, body = omnicrm_problem::Problem), (status = 429, body = omnicrm_problem::Problem),
        (status = 503, body = omnicrm_problem::Problem)))]
#[post("/onboarding/public/submit")]
pub async fn submit_onboarding(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: ValidJson<OnboardingSubmit>,
) -> Result<HttpResponse, ApiError> {
    let policy = RateLimitPolicy {
        name: TOKEN_POLICY.to_owned(),
        ..state.config.public_rate_limit.clone()
    };
    let bucket = format!("token:{}", token_fingerprint(&body.0.token));
    enforce(&req, &state, &bucket, &policy).await?;
    let origin = request_origin(&req, &state.config.trusted_proxies);
    let submitted = state.services.onboarding.submit(body.0, origin).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/contacts/{}", submitted.contact_id),
        ))
        .json(submitted))
}
