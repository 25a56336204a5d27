//! `/omni-momentum/tasks` and `/contacts/{id}/tasks`: tasks with their tags, contacts and
//! subtasks, the approval of suggested tasks, and recurring tasks.

pub mod approve;
pub mod contact_tasks;
pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod pending;
pub mod reject;
pub mod subtasks;
pub mod update;

use actix_web::HttpRequest;
use garde::Validate;
use omnicrm_problem::AppError;
use serde::de::DeserializeOwned;

use crate::extract::{action_body, parse_body};

/// The optional JSON body of an action: empty means `T::default()`; anything else must be
/// a JSON object (with a JSON content type) that parses as `T` and passes its rules.
fn optional_body<T: DeserializeOwned + Validate<Context = ()> + Default>(
    req: &HttpRequest,
    body: &[u8],
) -> Result<T, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    // Content type, UTF-8 and object checks; the typed read below adds NUL and rule checks.
    let _: serde_json::Value = action_body(req, body)?;
    parse_body(body)
}

/// Registers the task routes. Literal paths come before templated ones (actix tries routes
/// in registration order; `no_route_is_shadowed_by_one_registered_before_it` finds a
/// shadowed one).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list::list_tasks)
        .service(create::create_task)
        .service(pending::list_pending_approval)
        .service(get::get_task)
        .service(update::update_task)
        .service(delete::delete_task)
        .service(approve::approve_task)
        .service(reject::reject_task)
        .service(subtasks::list::list_subtasks)
        .service(subtasks::create::create_subtask)
        .service(subtasks::reorder::reorder_subtasks)
        .service(subtasks::update::update_subtask)
        .service(subtasks::delete::delete_subtask)
        .service(contact_tasks::list_contact_tasks);
}
