use diesel::dsl::count_star;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::goals::{GoalDetails, GoalListQuery, GoalStatus, GoalType};
use omnicrm_domain::{ContactId, GoalId, UserId};
use omnicrm_problem::AppError;
use time::{Date, OffsetDateTime};

use crate::error::RepoErrorExt;
use crate::jsonb::RawJsonb;
use crate::schema::goals;

/// A `goals` row as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = goals, check_for_backend(diesel::pg::Pg))]
#[allow(missing_docs, reason = "the fields are the table's columns one to one")]
pub struct GoalRow {
    pub user_id: UserId,
    pub id: GoalId,
    pub contact_id: Option<ContactId>,
    pub name: String,
    pub goal_type: String,
    pub status: String,
    pub target_date: Option<Date>,
    pub details: RawJsonb,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Values for `INSERT INTO goals`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = goals)]
#[allow(missing_docs, reason = "the fields are the table's columns one to one")]
pub struct NewGoalRow {
    pub user_id: UserId,
    pub id: GoalId,
    pub contact_id: Option<ContactId>,
    pub name: String,
    pub goal_type: String,
    pub status: String,
    pub target_date: Option<Date>,
    pub details: serde_json::Value,
}

/// A partial update of a goal: `None` leaves a column alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = goals)]
#[allow(missing_docs, reason = "the fields are the table's columns one to one")]
pub struct GoalChanges {
    pub contact_id: Option<Option<ContactId>>,
    pub name: Option<String>,
    pub goal_type: Option<String>,
    pub status: Option<String>,
    pub target_date: Option<Option<Date>>,
    pub details: Option<serde_json::Value>,
}

impl GoalRow {
    /// The stored kind, status and details.
    pub fn decode(&self) -> Result<(GoalType, GoalStatus, GoalDetails), AppError> {
        let kind = GoalType::parse(&self.goal_type)
            .ok_or_else(|| AppError::internal("goals.goal_type holds an unknown value"))?;
        let status = GoalStatus::parse(&self.status)
            .ok_or_else(|| AppError::internal("goals.status holds an unknown value"))?;
        // Rows written before the routes existed may hold any JSON: read what fits.
        let details = self.details.decode().unwrap_or_default();
        Ok((kind, status, details))
    }
}

/// Queries over `goals`, each also filtered by `user_id` (RLS confines them; the filter
/// lets the planner use the `(user_id, ..)` indexes).
#[derive(Debug, Clone, Copy, Default)]
pub struct GoalsRepository;

impl GoalsRepository {
    /// Inserts a goal.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        row: &NewGoalRow,
    ) -> Result<GoalRow, AppError> {
        diesel::insert_into(goals::table)
            .values(row)
            .returning(GoalRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// One goal, or 404.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: GoalId,
    ) -> Result<GoalRow, AppError> {
        goals::table
            .filter(goals::user_id.eq(user))
            .filter(goals::id.eq(id))
            .select(GoalRow::as_select())
            .first(conn)
            .await
            .map_db_error()
    }

    /// Applies `changes` (always touching the row, so `updated_at` moves); 404 when absent.
    pub async fn update(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: GoalId,
        changes: &GoalChanges,
    ) -> Result<GoalRow, AppError> {
        diesel::update(goals::table)
            .filter(goals::user_id.eq(user))
            .filter(goals::id.eq(id))
            .set((changes, goals::id.eq(goals::id)))
            .returning(GoalRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// Deletes a goal (its links cascade); whether it existed.
    pub async fn delete(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: GoalId,
    ) -> Result<bool, AppError> {
        let deleted = diesel::delete(goals::table)
            .filter(goals::user_id.eq(user))
            .filter(goals::id.eq(id))
            .execute(conn)
            .await
            .map_db_error()?;
        Ok(deleted > 0)
    }

    /// One page of goals matching `query`, newest first.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        user: UserId,
        query: &GoalListQuery,
    ) -> Result<Vec<GoalRow>, AppError> {
        let page = query.page_request();
        Self::filtered(user, query)
            .order((goals::created_at.desc(), goals::id.desc()))
            .select(GoalRow::as_select())
            .limit(page.limit())
            .offset(page.offset())
            .load(conn)
            .await
            .map_db_error()
    }

    /// How many goals match `query`'s filters.
    pub async fn count(
        conn: &mut AsyncPgConnection,
        user: UserId,
        query: &GoalListQuery,
    ) -> Result<u64, AppError> {
        let total: i64 = Self::filtered(user, query)
            .select(count_star())
            .get_result(conn)
            .await
            .map_db_error()?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    fn filtered(user: UserId, query: &GoalListQuery) -> goals::BoxedQuery<'static, Pg> {
        let mut q = goals::table.filter(goals::user_id.eq(user)).into_boxed();
        if !query.goal_type.is_empty() {
            let kinds: Vec<&'static str> = query.goal_type.iter().map(|k| k.as_str()).collect();
            q = q.filter(goals::goal_type.eq_any(kinds));
        }
        if !query.status.is_empty() {
            let statuses: Vec<&'static str> = query.status.iter().map(|s| s.as_str()).collect();
            q = q.filter(goals::status.eq_any(statuses));
        }
        if let Some(contact) = query.contact_id {
            q = q.filter(goals::contact_id.eq(contact));
        }
        q
    }
}
