//! Every route, one module per resource and one file per handler.

mod ai;
mod auth;
mod chat;
mod consents;
mod contacts;
mod documents;
mod embeddings;
mod files;
mod goals;
mod google;
mod habits;
mod health;
mod identities;
mod ignored_identifiers;
mod inbox;
mod insights;
mod jobs;
mod momentum_overview;
mod notes;
mod omni_connect;
mod onboarding;
pub mod openapi_json;
pub mod problems;
mod projects;
mod pulse;
mod search;
mod tags;
mod tasks;
mod timeline;
mod user;
mod user_profile;

use utoipa_actix_web::scope::{Scope, scope};

/// `/api/v1` and everything under it: each resource module registers its own routes.
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
        .configure(health::routes)
        .service(openapi_json::openapi_json)
        .configure(auth::routes)
        .configure(contacts::routes)
        .configure(notes::routes)
        .configure(files::routes)
        .configure(timeline::routes)
        .configure(consents::routes)
        .configure(onboarding::routes)
        .configure(identities::routes)
        .configure(ignored_identifiers::routes)
        .configure(jobs::routes)
        .configure(tags::routes)
        .configure(user_profile::routes)
        .configure(user::routes)
        .configure(habits::routes)
        .configure(google::routes)
        .configure(search::routes)
        .configure(momentum_overview::routes)
        .configure(projects::routes)
        .configure(tasks::routes)
        .configure(pulse::routes)
        .configure(goals::routes)
        .configure(inbox::routes)
        .configure(omni_connect::routes)
        .configure(ai::routes)
        .configure(chat::routes)
        .configure(insights::routes)
        .configure(documents::routes)
        .configure(embeddings::routes)
}
