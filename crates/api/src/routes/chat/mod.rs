//! `/chat/threads`: the assistant chat. Threads of messages; a message runs the assistant
//! with the CRM's tools (reads run at once, writes wait for `actions/{id}/confirm`).

pub mod confirm;
pub mod create_thread;
pub mod delete_thread;
pub mod get_thread;
pub mod list_threads;
pub mod post_message;
pub mod rename_thread;

/// Registers `/chat/threads` routes. Literal paths come before templated ones (actix
/// tries routes in registration order; `no_route_is_shadowed_by_one_registered_before_it` finds a shadowed one).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_threads::list_threads)
        .service(create_thread::create_thread)
        .service(get_thread::get_thread)
        .service(rename_thread::rename_thread)
        .service(delete_thread::delete_thread)
        .service(post_message::post_message)
        .service(confirm::confirm_action);
}
