//! Every route, one module per resource and one file per handler.

mod auth;
mod contacts;
mod health;
mod identities;
mod ignored_identifiers;
mod jobs;
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
        .service(contacts::bulk_delete::bulk_delete_contacts)
        .service(contacts::suggestions::list_suggestions)
        .service(contacts::accept_suggestions::accept_suggestions)
        .service(contacts::list::list_contacts)
        .service(contacts::create::create_contact)
        .service(contacts::get::get_contact)
        .service(contacts::update::update_contact)
        .service(contacts::delete::delete_contact)
        .service(identities::list::list_identities)
        .service(identities::create::create_identity)
        .service(identities::get::get_identity)
        .service(identities::update::update_identity)
        .service(identities::delete::delete_identity)
        .service(ignored_identifiers::list::list_ignored)
        .service(ignored_identifiers::create::create_ignored)
        .service(ignored_identifiers::get::get_ignored)
        .service(ignored_identifiers::update::update_ignored)
        .service(ignored_identifiers::delete::delete_ignored)
        .service(jobs::list::list_jobs)
        .service(jobs::runner::run_jobs)
        .service(jobs::batch::get_job_batch)
        .service(jobs::get::get_job)
        .service(jobs::cancel::cancel_job)
        .service(jobs::retry::retry_job)
        .service(jobs::cron::process_jobs)
}
