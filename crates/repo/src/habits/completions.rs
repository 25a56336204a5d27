use diesel::dsl::count_star;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::{HabitCompletionId, HabitId, PageRequest, UserId};
use omnicrm_problem::AppError;
use time::Date;

use super::row::{CompletionRow, NewCompletionRow};
use crate::error::RepoErrorExt;
use crate::schema::habit_completions as hc;

/// Detail of the 409 when the day is already done.
const DAY_TAKEN: &str = "this habit is already completed on that day";

/// Queries over `habit_completions`; every one names the habit, so the
/// `(user_id, habit_id, completed_date)` unique index serves it.
#[derive(Debug, Clone, Copy, Default)]
pub struct CompletionsRepository;

impl CompletionsRepository {
    /// Inserts a completion; 409 when the habit is already done that day.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        row: &NewCompletionRow,
    ) -> Result<CompletionRow, AppError> {
        diesel::insert_into(hc::table)
            .values(row)
            .returning(CompletionRow::as_returning())
            .get_result(conn)
            .await
            .conflict_on_unique(DAY_TAKEN)
    }

    /// Deletes one completion of the habit; whether it existed.
    pub async fn delete(
        conn: &mut AsyncPgConnection,
        user: UserId,
        habit: HabitId,
        id: HabitCompletionId,
    ) -> Result<bool, AppError> {
        let deleted = diesel::delete(hc::table)
            .filter(hc::user_id.eq(user))
            .filter(hc::habit_id.eq(habit))
            .filter(hc::id.eq(id))
            .execute(conn)
            .await
            .map_db_error()?;
        Ok(deleted > 0)
    }

    /// One page of the habit's completions between the dates, newest day first.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        user: UserId,
        habit: HabitId,
        range: (Option<Date>, Option<Date>),
        page: PageRequest,
    ) -> Result<Vec<CompletionRow>, AppError> {
        Self::filtered(user, habit, range)
            .order(hc::completed_date.desc())
            .select(CompletionRow::as_select())
            .limit(page.limit())
            .offset(page.offset())
            .load(conn)
            .await
            .map_db_error()
    }

    /// How many completions of the habit fall between the dates.
    pub async fn count(
        conn: &mut AsyncPgConnection,
        user: UserId,
        habit: HabitId,
        range: (Option<Date>, Option<Date>),
    ) -> Result<u64, AppError> {
        let total: i64 = Self::filtered(user, habit, range)
            .select(count_star())
            .get_result(conn)
            .await
            .map_db_error()?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    /// Day and value of every completion of the habit, oldest first (an index-only
    /// range scan for the dates).
    pub async fn history(
        conn: &mut AsyncPgConnection,
        user: UserId,
        habit: HabitId,
    ) -> Result<Vec<(Date, Option<i32>)>, AppError> {
        hc::table
            .filter(hc::user_id.eq(user))
            .filter(hc::habit_id.eq(habit))
            .order(hc::completed_date.asc())
            .select((hc::completed_date, hc::value_completed))
            .load(conn)
            .await
            .map_db_error()
    }

    /// Habit and day of the user's completions dated `since` or later (all when `None`),
    /// of the listed habits only (all when `None`), by habit and day.
    pub async fn days_since(
        conn: &mut AsyncPgConnection,
        user: UserId,
        habits: Option<&[HabitId]>,
        since: Option<Date>,
    ) -> Result<Vec<(HabitId, Date)>, AppError> {
        let mut q = hc::table.filter(hc::user_id.eq(user)).into_boxed();
        if let Some(habits) = habits {
            q = q.filter(hc::habit_id.eq_any(habits.to_vec()));
        }
        if let Some(since) = since {
            q = q.filter(hc::completed_date.ge(since));
        }
        q.order((hc::habit_id.asc(), hc::completed_date.asc()))
            .select((hc::habit_id, hc::completed_date))
            .load(conn)
            .await
            .map_db_error()
    }

    /// The day of each habit's first completion (habits without one are left out): one
    /// probe of the unique index per habit.
    pub async fn first_days(
        conn: &mut AsyncPgConnection,
        user: UserId,
    ) -> Result<Vec<(HabitId, Date)>, AppError> {
        #[derive(QueryableByName)]
        struct First {
            #[diesel(sql_type = diesel::sql_types::Uuid)]
            habit_id: HabitId,
            #[diesel(sql_type = diesel::sql_types::Date)]
            first: Date,
        }
        let rows: Vec<First> = diesel::sql_query(
            "SELECT h.id AS habit_id, f.first FROM habits h \
             CROSS JOIN LATERAL (SELECT min(c.completed_date) AS first FROM habit_completions c \
                                 WHERE c.user_id = $1 AND c.habit_id = h.id) f \
             WHERE h.user_id = $1 AND f.first IS NOT NULL",
        )
        .bind::<diesel::sql_types::Uuid, _>(user.into_uuid())
        .load(conn)
        .await
        .map_db_error()?;
        Ok(rows.into_iter().map(|r| (r.habit_id, r.first)).collect())
    }

    fn filtered(
        user: UserId,
        habit: HabitId,
        (start, end): (Option<Date>, Option<Date>),
    ) -> hc::BoxedQuery<'static, Pg> {
        let mut q = hc::table
            .filter(hc::user_id.eq(user))
            .filter(hc::habit_id.eq(habit))
            .into_boxed();
        if let Some(start) = start {
            q = q.filter(hc::completed_date.ge(start));
        }
        if let Some(end) = end {
            q = q.filter(hc::completed_date.le(end));
        }
        q
    }
}
