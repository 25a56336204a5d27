//! `/omni-momentum/goals`: the practitioner's and their clients' goals.

pub mod contact_goals;
pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod update;

/// Registers the goal routes. Literal paths come before templated ones.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list::list_goals)
        .service(create::create_goal)
        .service(get::get_goal)
        .service(update::update_goal)
        .service(delete::delete_goal)
        .service(contact_goals::list_contact_goals);
}
