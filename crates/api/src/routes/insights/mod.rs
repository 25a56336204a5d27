//! `/data-intelligence/ai-insights` and `/contacts/{id}/insights`: the insights the
//! insight jobs write, read and triaged by their owner only.

pub mod contact_insights;
pub mod delete;
pub mod get;
pub mod list;
pub mod request;
pub mod update;

/// Registers the insight routes (the literal collection path before the templated one).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list::list_insights)
        .service(request::request_insights)
        .service(get::get_insight)
        .service(update::update_insight)
        .service(delete::delete_insight)
        .service(contact_insights::list_contact_insights);
}
