//! Every route, one module per resource and one file per handler.

mod auth;
mod contacts;
mod health;
mod jobs;
mod notes;
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
        .service(notes::contact_notes::list_contact_notes)
        .service(notes::list::list_notes)
        .service(notes::create::create_note)
        .service(notes::get::get_note)
        .service(notes::update::update_note)
        .service(notes::delete::delete_note)
        .service(jobs::list::list_jobs)
        .service(jobs::runner::run_jobs)
        .service(jobs::batch::get_job_batch)
        .service(jobs::get::get_job)
        .service(jobs::cancel::cancel_job)
        .service(jobs::retry::retry_job)
        .service(jobs::cron::process_jobs)
}
