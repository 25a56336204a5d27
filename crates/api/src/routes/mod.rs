//! Every route, one module per resource and one file per handler.

mod auth;
mod consents;
mod contacts;
mod health;
mod jobs;
mod onboarding;
pub mod openapi_json;
pub mod problems;

use utoipa_actix_web::scope::{Scope, scope};

/// `/api/v1` and everything under it. Literal paths (`/contacts/count`) are registered
/// before templated ones (`/contacts/{id}`).
pub fn api_scope() -> Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    scope("/api/v1")
        .service(health::live::live)
        .service(health::ready::ready)
        .service(openapi_json::openapi_json)
        .service(auth::me::me)
        .service(auth::csrf::csrf)
        .service(contacts::count::count_contacts)
        .service(contacts::list::list_contacts)
        .service(contacts::create::create_contact)
        .service(contacts::get::get_contact)
        .service(contacts::update::update_contact)
        .service(contacts::delete::delete_contact)
        .service(consents::status::consent_status)
        .service(consents::list::list_consents)
        .service(consents::create::create_consent)
        .service(consents::get::get_consent)
        .service(consents::revoke::revoke_consent)
        .service(onboarding::create_token::create_onboarding_token)
        .service(onboarding::generate_tokens::generate_onboarding_tokens)
        .service(onboarding::list_tokens::list_onboarding_tokens)
        .service(onboarding::get_token::get_onboarding_token)
        .service(onboarding::disable_token::disable_onboarding_token)
        .service(onboarding::delete_token::delete_onboarding_token)
        .service(onboarding::public_status::public_token_status)
        .service(onboarding::upload_photo::upload_onboarding_photo)
        .service(onboarding::submit::submit_onboarding)
        .service(onboarding::track_access::track_onboarding_access)
        .service(jobs::list::list_jobs)
        .service(jobs::runner::run_jobs)
        .service(jobs::batch::get_job_batch)
        .service(jobs::get::get_job)
        .service(jobs::cancel::cancel_job)
        .service(jobs::retry::retry_job)
        .service(jobs::cron::process_jobs)
}
