//! `/contacts/{id}/timeline` and `/interactions`: a contact's emails, meetings and notes,
//! newest first; the interactions normalised from Google, and their hand-made links;
//! `/data-intelligence/raw-events`: what the sync stored and what became of it.

pub mod contact_timeline;
pub mod get_interaction;
pub mod get_raw_event;
pub mod list_interactions;
pub mod list_raw_events;
pub mod update_interaction;

/// Registers the timeline and interaction routes (the literal path first).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(contact_timeline::contact_timeline)
        .service(list_interactions::list_interactions)
        .service(get_interaction::get_interaction)
        .service(update_interaction::update_interaction)
        .service(list_raw_events::list_raw_events)
        .service(get_raw_event::get_raw_event);
}
