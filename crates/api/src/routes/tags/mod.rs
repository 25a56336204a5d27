//! `/tags`: a user's tags (system tags copied from the templates on first touch, plus their
//! own), tagging contacts, tasks, notes and goals, bulk delete and usage statistics.

pub mod apply;
pub mod bulk_delete;
pub mod contact_tags;
pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod remove;
pub mod stats;
pub mod update;

/// Registers `/tags` routes. Literal paths come before templated ones (actix
/// tries routes in registration order; `no_route_is_shadowed_by_one_registered_before_it` finds a shadowed one).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list::list_tags)
        .service(create::create_tag)
        .service(stats::tag_stats)
        .service(apply::apply_tags)
        .service(remove::remove_tags)
        .service(bulk_delete::bulk_delete_tags)
        .service(get::get_tag)
        .service(update::update_tag)
        .service(delete::delete_tag)
        .service(contact_tags::list_contact_tags);
}
