//! `/onboarding`: links practitioners send to new clients (`admin`, authenticated) and
//! the public form behind them (`public`, no token, CSRF-exempt, rate limited).

pub mod create_token;
pub mod delete_token;
pub mod disable_token;
pub mod generate_tokens;
pub mod get_token;
pub mod list_tokens;
pub mod public_status;
pub mod submit;
pub mod track_access;
pub mod upload_photo;

use actix_web::HttpResponse;
use omnicrm_domain::onboarding::OnboardingTokenCreated;

/// 201 with `Location` for a created link.
fn created(token: OnboardingTokenCreated) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/onboarding/admin/tokens/{}", token.id),
        ))
        .json(token)
}

/// Registers `/onboarding` (admin and public) routes. Literal paths come before templated ones (actix
/// tries routes in registration order; `no_route_is_shadowed_by_one_registered_before_it` finds a shadowed one).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_token::create_onboarding_token)
        .service(generate_tokens::generate_onboarding_tokens)
        .service(list_tokens::list_onboarding_tokens)
        .service(get_token::get_onboarding_token)
        .service(disable_token::disable_onboarding_token)
        .service(delete_token::delete_onboarding_token)
        .service(public_status::public_token_status)
        .service(upload_photo::upload_onboarding_photo)
        .service(submit::submit_onboarding)
        .service(track_access::track_onboarding_access);
}
