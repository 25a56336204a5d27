//! `/contacts/{id}/consents`: a client's consent history, withdrawals and status.

pub mod create;
pub mod get;
pub mod list;
pub mod revoke;
pub mod status;

use actix_web::{HttpRequest, HttpResponse};
use omnicrm_domain::entities::ClientConsent;
use omnicrm_problem::AppError;
use uuid::Uuid;

/// The `{consentId}` segment; anything but a UUID is 404 like a missing consent.
fn consent_id(req: &HttpRequest) -> Result<Uuid, AppError> {
    req.match_info()
        .get("consentId")
        .and_then(|raw| Uuid::parse_str(raw).ok())
        .ok_or_else(AppError::not_found)
}

/// 201 with `Location` for a recorded consent.
fn created(consent: ClientConsent) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((
            "Location",
            format!(
                "/api/v1/contacts/{}/consents/{}",
                consent.contact_id, consent.id
            ),
        ))
        .json(consent)
}

/// Registers `/contacts/{id}/consents` routes. Literal paths come before templated ones (actix
/// tries routes in registration order; `no_route_is_shadowed_by_one_registered_before_it` finds a shadowed one).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(status::consent_status)
        .service(list::list_consents)
        .service(create::create_consent)
        .service(get::get_consent)
        .service(revoke::revoke_consent);
}
