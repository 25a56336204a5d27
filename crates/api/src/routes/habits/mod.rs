//! `/omni-momentum/habits`: the user's habits, one completion per habit and local day,
//! streaks, per-habit analytics and the summary across habits.

pub mod analytics;
pub mod complete;
pub mod completions;
pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod streak;
pub mod summary;
pub mod undo;
pub mod update;

use actix_web::HttpRequest;
use omnicrm_domain::HabitCompletionId;
use omnicrm_problem::AppError;

/// The `{completionId}` segment; anything but a UUID is 404 like a missing completion.
fn completion_id(req: &HttpRequest) -> Result<HabitCompletionId, AppError> {
    req.match_info()
        .get("completionId")
        .and_then(|raw| raw.parse().ok())
        .ok_or_else(AppError::not_found)
}

/// Registers the habit routes. Literal paths come before templated ones (actix tries
/// routes in registration order; `no_route_is_shadowed_by_one_registered_before_it` finds
/// a shadowed one).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list::list_habits)
        .service(create::create_habit)
        .service(summary::habits_summary)
        .service(get::get_habit)
        .service(update::update_habit)
        .service(delete::delete_habit)
        .service(completions::list_completions)
        .service(complete::complete_habit)
        .service(undo::undo_completion)
        .service(streak::habit_streak)
        .service(analytics::habit_analytics);
}
