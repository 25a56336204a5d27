//! `/omni-momentum/tasks/{id}/subtasks`: a task's ordered subtasks.

pub mod create;
pub mod delete;
pub mod list;
pub mod reorder;
pub mod update;

use actix_web::HttpRequest;
use omnicrm_problem::AppError;
use uuid::Uuid;

/// The `{subtaskId}` segment; anything but a UUID is 404 like a missing subtask.
fn subtask_id(req: &HttpRequest) -> Result<Uuid, AppError> {
    req.match_info()
        .get("subtaskId")
        .and_then(|raw| Uuid::parse_str(raw).ok())
        .ok_or_else(AppError::not_found)
}
