//! `daily_pulse_logs`: one check-in per user and local day.

use diesel::dsl::count_star;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::pulse::{PulseDetails, PulseLog};
use omnicrm_domain::{PageRequest, PulseLogId, UserId};
use omnicrm_problem::AppError;
use time::{Date, OffsetDateTime};

use crate::error::RepoErrorExt;
use crate::jsonb::RawJsonb;
use crate::schema::daily_pulse_logs as dp;

/// Detail of the 409 when the day already has an entry.
const DAY_TAKEN: &str = "there is already a pulse entry for that day: PATCH it instead";

/// A `daily_pulse_logs` row as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = dp, check_for_backend(diesel::pg::Pg))]
#[allow(missing_docs, reason = "the fields are the table's columns one to one")]
pub struct PulseRow {
    pub user_id: UserId,
    pub id: PulseLogId,
    pub log_date: Date,
    pub details: RawJsonb,
    pub created_at: OffsetDateTime,
}

/// Values for `INSERT INTO daily_pulse_logs`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = dp)]
#[allow(missing_docs, reason = "the fields are the table's columns one to one")]
pub struct NewPulseRow {
    pub user_id: UserId,
    pub id: PulseLogId,
    pub log_date: Date,
    pub details: serde_json::Value,
}

impl PulseRow {
    /// The stored answers.
    pub fn answers(&self) -> Result<PulseDetails, AppError> {
        self.details
            .decode()
            .map_err(|e| AppError::internal(format!("daily_pulse_logs.details: {e}")))
    }
}

impl TryFrom<PulseRow> for PulseLog {
    type Error = AppError;

    fn try_from(row: PulseRow) -> Result<Self, AppError> {
        Ok(PulseLog {
            details: row.answers()?,
            id: row.id,
            user_id: row.user_id,
            log_date: row.log_date,
            created_at: row.created_at,
        })
    }
}

/// Queries over `daily_pulse_logs`, each filtered by `user_id` explicitly (row-level
/// security already confines them; the filter lets the planner use the indexes).
#[derive(Debug, Clone, Copy, Default)]
pub struct PulseRepository;

impl PulseRepository {
    /// Inserts an entry; 409 when the day already has one.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        row: &NewPulseRow,
    ) -> Result<PulseRow, AppError> {
        diesel::insert_into(dp::table)
            .values(row)
            .returning(PulseRow::as_returning())
            .get_result(conn)
            .await
            .conflict_on_unique(DAY_TAKEN)
    }

    /// One entry, or 404.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: PulseLogId,
    ) -> Result<PulseRow, AppError> {
        dp::table
            .filter(dp::user_id.eq(user))
            .filter(dp::id.eq(id))
            .select(PulseRow::as_select())
            .first(conn)
            .await
            .map_db_error()
    }

    /// Replaces an entry's answers; 404 when absent.
    pub async fn set_details(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: PulseLogId,
        details: &serde_json::Value,
    ) -> Result<PulseRow, AppError> {
        diesel::update(dp::table)
            .filter(dp::user_id.eq(user))
            .filter(dp::id.eq(id))
            .set(dp::details.eq(details))
            .returning(PulseRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// Deletes an entry; whether it existed.
    pub async fn delete(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: PulseLogId,
    ) -> Result<bool, AppError> {
        let deleted = diesel::delete(dp::table)
            .filter(dp::user_id.eq(user))
            .filter(dp::id.eq(id))
            .execute(conn)
            .await
            .map_db_error()?;
        Ok(deleted > 0)
    }

    /// One page of entries between the days (inclusive), newest first.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        user: UserId,
        range: (Option<Date>, Option<Date>),
        page: PageRequest,
    ) -> Result<Vec<PulseRow>, AppError> {
        Self::filtered(user, range)
            .order(dp::log_date.desc())
            .select(PulseRow::as_select())
            .limit(page.limit())
            .offset(page.offset())
            .load(conn)
            .await
            .map_db_error()
    }

    /// How many entries fall between the days.
    pub async fn count(
        conn: &mut AsyncPgConnection,
        user: UserId,
        range: (Option<Date>, Option<Date>),
    ) -> Result<u64, AppError> {
        let total: i64 = Self::filtered(user, range)
            .select(count_star())
            .get_result(conn)
            .await
            .map_db_error()?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    /// Every entry between the days, oldest first (at most one per day: 90 rows for a
    /// quarter).
    pub async fn between(
        conn: &mut AsyncPgConnection,
        user: UserId,
        start: Date,
        end: Date,
    ) -> Result<Vec<PulseRow>, AppError> {
        Self::filtered(user, (Some(start), Some(end)))
            .order(dp::log_date.asc())
            .select(PulseRow::as_select())
            .load(conn)
            .await
            .map_db_error()
    }

    fn filtered(
        user: UserId,
        (start, end): (Option<Date>, Option<Date>),
    ) -> dp::BoxedQuery<'static, Pg> {
        let mut q = dp::table.filter(dp::user_id.eq(user)).into_boxed();
        if let Some(start) = start {
            q = q.filter(dp::log_date.ge(start));
        }
        if let Some(end) = end {
            q = q.filter(dp::log_date.le(end));
        }
        q
    }
}
