use diesel::dsl::count_star;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::{HabitId, PageRequest, UserId};
use omnicrm_problem::AppError;

use super::row::{HabitChanges, HabitRow, NewHabitRow};
use crate::error::RepoErrorExt;
use crate::schema::habits;

/// Queries over `habits`. Every query also filters by `user_id` explicitly: row-level
/// security already confines it, the explicit filter lets the planner use the
/// `(user_id, ..)` indexes.
#[derive(Debug, Clone, Copy, Default)]
pub struct HabitsRepository;

impl HabitsRepository {
    /// Inserts a habit.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        row: &NewHabitRow,
    ) -> Result<HabitRow, AppError> {
        diesel::insert_into(habits::table)
            .values(row)
            .returning(HabitRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// One habit, or 404.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: HabitId,
    ) -> Result<HabitRow, AppError> {
        habits::table
            .filter(habits::user_id.eq(user))
            .filter(habits::id.eq(id))
            .select(HabitRow::as_select())
            .first(conn)
            .await
            .map_db_error()
    }

    /// One habit, locked against concurrent changes and deletion (completions take it so
    /// a completion never lands on a habit being deleted); 404 when absent.
    pub async fn lock(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: HabitId,
    ) -> Result<HabitRow, AppError> {
        habits::table
            .filter(habits::user_id.eq(user))
            .filter(habits::id.eq(id))
            .select(HabitRow::as_select())
            .for_key_share()
            .first(conn)
            .await
            .map_db_error()
    }

    /// Applies `changes`; 404 when absent.
    pub async fn update(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: HabitId,
        changes: &HabitChanges,
    ) -> Result<HabitRow, AppError> {
        if changes.is_empty() {
            return Self::find(conn, user, id).await;
        }
        diesel::update(habits::table)
            .filter(habits::user_id.eq(user))
            .filter(habits::id.eq(id))
            .set(changes)
            .returning(HabitRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// Deletes the habit (its completions cascade); whether it existed.
    pub async fn delete(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: HabitId,
    ) -> Result<bool, AppError> {
        let deleted = diesel::delete(habits::table)
            .filter(habits::user_id.eq(user))
            .filter(habits::id.eq(id))
            .execute(conn)
            .await
            .map_db_error()?;
        Ok(deleted > 0)
    }

    /// One page of habits, oldest first.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        user: UserId,
        is_active: Option<bool>,
        page: PageRequest,
    ) -> Result<Vec<HabitRow>, AppError> {
        Self::filtered(user, is_active)
            .order((habits::created_at.asc(), habits::id.asc()))
            .select(HabitRow::as_select())
            .limit(page.limit())
            .offset(page.offset())
            .load(conn)
            .await
            .map_db_error()
    }

    /// How many habits match.
    pub async fn count(
        conn: &mut AsyncPgConnection,
        user: UserId,
        is_active: Option<bool>,
    ) -> Result<u64, AppError> {
        let total: i64 = Self::filtered(user, is_active)
            .select(count_star())
            .get_result(conn)
            .await
            .map_db_error()?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    /// Every habit of the user (the summary reads them all).
    pub async fn all(
        conn: &mut AsyncPgConnection,
        user: UserId,
    ) -> Result<Vec<HabitRow>, AppError> {
        habits::table
            .filter(habits::user_id.eq(user))
            .order((habits::created_at.asc(), habits::id.asc()))
            .select(HabitRow::as_select())
            .load(conn)
            .await
            .map_db_error()
    }

    fn filtered(user: UserId, is_active: Option<bool>) -> habits::BoxedQuery<'static, Pg> {
        let mut q = habits::table.filter(habits::user_id.eq(user)).into_boxed();
        if let Some(active) = is_active {
            q = q.filter(habits::is_active.eq(active));
        }
        q
    }
}
