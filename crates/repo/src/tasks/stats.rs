use diesel::prelude::*;
use diesel::sql_types::{BigInt, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::UserId;
use omnicrm_domain::tasks::{HabitsTodayStats, InboxStats, MomentumStats, ProjectStats, TaskStats};
use omnicrm_problem::AppError;

use crate::error::RepoErrorExt;
use crate::sql::SqlBuilder;

#[derive(QueryableByName)]
struct StatsRow {
    #[diesel(sql_type = BigInt)]
    tasks_total: i64,
    #[diesel(sql_type = BigInt)]
    tasks_completed: i64,
    #[diesel(sql_type = BigInt)]
    tasks_in_progress: i64,
    #[diesel(sql_type = BigInt)]
    tasks_overdue: i64,
    #[diesel(sql_type = BigInt)]
    tasks_pending: i64,
    #[diesel(sql_type = BigInt)]
    projects_total: i64,
    #[diesel(sql_type = BigInt)]
    projects_active: i64,
    #[diesel(sql_type = BigInt)]
    projects_completed: i64,
    #[diesel(sql_type = BigInt)]
    habits_active: i64,
    #[diesel(sql_type = BigInt)]
    habits_done_today: i64,
    #[diesel(sql_type = BigInt)]
    inbox_unprocessed: i64,
}

/// The figures of `GET /omni-momentum/stats`, in one statement. "Today" is the user's
/// local date (their profile's time zone, UTC without one).
pub async fn momentum_stats(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> Result<MomentumStats, AppError> {
    let mut b = SqlBuilder::new();
    let u = b.bind::<SqlUuid, _>(user);
    b.push(&format!(
        "WITH today AS (SELECT (now() AT TIME ZONE coalesce((SELECT p.timezone FROM \
           user_profiles p WHERE p.user_id = {u}), 'UTC'))::date AS d), \
         t AS (SELECT \
           count(*) FILTER (WHERE status <> 'pending_approval') AS total, \
           count(*) FILTER (WHERE status = 'done') AS completed, \
           count(*) FILTER (WHERE status = 'in_progress') AS in_progress, \
           count(*) FILTER (WHERE status IN ('todo', 'in_progress') \
             AND due_date < (SELECT d FROM today)) AS overdue, \
           count(*) FILTER (WHERE status = 'pending_approval') AS pending \
           FROM tasks WHERE user_id = {u}), \
         p AS (SELECT count(*) AS total, \
           count(*) FILTER (WHERE status = 'active') AS active, \
           count(*) FILTER (WHERE status = 'completed') AS completed \
           FROM projects WHERE user_id = {u}) \
         SELECT t.total AS tasks_total, t.completed AS tasks_completed, \
           t.in_progress AS tasks_in_progress, t.overdue AS tasks_overdue, \
           t.pending AS tasks_pending, p.total AS projects_total, \
           p.active AS projects_active, p.completed AS projects_completed, \
           (SELECT count(*) FROM habits h WHERE h.user_id = {u} AND h.is_active) \
             AS habits_active, \
           (SELECT count(*) FROM habits h WHERE h.user_id = {u} AND h.is_active \
             AND EXISTS (SELECT 1 FROM habit_completions c WHERE c.user_id = h.user_id \
               AND c.habit_id = h.id AND c.completed_date = (SELECT d FROM today))) \
             AS habits_done_today, \
           (SELECT count(*) FROM inbox_items i WHERE i.user_id = {u} \
             AND i.status = 'unprocessed') AS inbox_unprocessed \
         FROM t, p"
    ));
    let r: StatsRow = b.build().get_result(conn).await.map_db_error()?;
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    Ok(MomentumStats {
        tasks: TaskStats {
            total: n(r.tasks_total),
            completed: n(r.tasks_completed),
            in_progress: n(r.tasks_in_progress),
            overdue: n(r.tasks_overdue),
            pending_approval: n(r.tasks_pending),
        },
        projects: ProjectStats {
            total: n(r.projects_total),
            active: n(r.projects_active),
            completed: n(r.projects_completed),
        },
        habits: HabitsTodayStats {
            active: n(r.habits_active),
            completed_today: n(r.habits_done_today),
        },
        inbox: InboxStats {
            unprocessed: n(r.inbox_unprocessed),
        },
    })
}
