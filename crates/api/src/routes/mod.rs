//! Every route, one module per resource and one file per handler.

mod auth;
mod consents;
mod contacts;
mod files;
mod health;
mod identities;
mod ignored_identifiers;
mod jobs;
mod notes;
mod onboarding;
pub mod openapi_json;
pub mod problems;
mod tags;
mod user;
mod user_profile;

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
        .service(contacts::duplicates::list_duplicates)
        .service(contacts::list::list_contacts)
        .service(contacts::create::create_contact)
        .service(contacts::get::get_contact)
        .service(contacts::update::update_contact)
        .service(contacts::delete::delete_contact)
        .service(contacts::merge::merge_contacts)
        .service(contacts::dismiss_duplicate::dismiss_duplicate)
        .service(notes::contact_notes::list_contact_notes)
        .service(notes::list::list_notes)
        .service(notes::create::create_note)
        .service(notes::get::get_note)
        .service(notes::update::update_note)
        .service(notes::delete::delete_note)
        .service(files::upload_photo::upload_photo)
        .service(files::delete_photo::delete_photo)
        .service(files::list::list_files)
        .service(files::upload_file::upload_file)
        .service(files::get::get_file)
        .service(files::delete::delete_file)
        .service(files::access_log::photo_access_log)
        .service(files::sign::sign_file_url)
        .service(files::download::download_file)
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
        .service(tags::list::list_tags)
        .service(tags::create::create_tag)
        .service(tags::stats::tag_stats)
        .service(tags::apply::apply_tags)
        .service(tags::remove::remove_tags)
        .service(tags::bulk_delete::bulk_delete_tags)
        .service(tags::get::get_tag)
        .service(tags::update::update_tag)
        .service(tags::delete::delete_tag)
        .service(tags::contact_tags::list_contact_tags)
        .service(user_profile::get::get_user_profile)
        .service(user_profile::update::update_user_profile)
        .service(user::export::export_user_data)
        .service(user::request_export::request_user_export)
        .service(user::export_status::user_export_status)
        .service(user::download_export::download_user_export)
        .service(user::erase::erase_user_data)
}
