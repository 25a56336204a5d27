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
