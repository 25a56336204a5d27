//! Inbox items: quick captures and their processing state (`inbox_items`).

use diesel::dsl::count_star;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::inbox::{InboxDetails, InboxItemStatus, InboxListQuery, InboxStatsView};
use omnicrm_domain::{InboxItemId, TaskId, UserId};
use omnicrm_problem::AppError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::RepoErrorExt;
use crate::schema::{inbox_items, zones};
use crate::text::contains_pattern;

/// An `inbox_items` row as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = inbox_items, check_for_backend(diesel::pg::Pg))]
#[allow(missing_docs, reason = "the fields are the table's columns one to one")]
pub struct InboxRow {
    pub user_id: UserId,
    pub id: InboxItemId,
    pub raw_text: String,
    pub status: String,
    pub processed_at: Option<OffsetDateTime>,
    pub created_task_id: Option<TaskId>,
    pub details: serde_json::Value,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl InboxRow {
    /// The stored status and details (details written by hand that do not read are empty).
    pub fn decode(&self) -> Result<(InboxItemStatus, InboxDetails), AppError> {
        let status = InboxItemStatus::parse(&self.status)
            .ok_or_else(|| AppError::internal("inbox_items.status holds an unknown value"))?;
        let details = serde_json::from_value(self.details.clone()).unwrap_or_default();
        Ok((status, details))
    }
}

/// Values for `INSERT INTO inbox_items`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = inbox_items)]
#[allow(missing_docs, reason = "the fields are the table's columns one to one")]
pub struct NewInboxRow {
    pub user_id: UserId,
    pub id: InboxItemId,
    pub raw_text: String,
    pub status: String,
    pub processed_at: Option<OffsetDateTime>,
    pub created_task_id: Option<TaskId>,
    pub details: serde_json::Value,
}

/// A partial update: `None` leaves a column alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = inbox_items)]
#[allow(missing_docs, reason = "the fields are the table's columns one to one")]
pub struct InboxChanges {
    pub raw_text: Option<String>,
    pub status: Option<String>,
    pub processed_at: Option<Option<OffsetDateTime>>,
    pub created_task_id: Option<Option<TaskId>>,
    pub details: Option<serde_json::Value>,
}

#[derive(QueryableByName)]
struct StatsRow {
    #[diesel(sql_type = BigInt)]
    unprocessed: i64,
    #[diesel(sql_type = BigInt)]
    processed: i64,
    #[diesel(sql_type = BigInt)]
    archived: i64,
    #[diesel(sql_type = BigInt)]
    recent: i64,
}

#[derive(QueryableByName)]
struct QueueRow {
    #[diesel(sql_type = BigInt)]
    queued: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    oldest: Option<OffsetDateTime>,
}

/// Queries over `inbox_items`, each also filtered by `user_id` (RLS confines them; the
/// filter lets the planner use the `(user_id, ..)` indexes).
#[derive(Debug, Clone, Copy, Default)]
pub struct InboxRepository;

impl InboxRepository {
    /// Inserts an item.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        row: &NewInboxRow,
    ) -> Result<InboxRow, AppError> {
        diesel::insert_into(inbox_items::table)
            .values(row)
            .returning(InboxRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// One item, or 404.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: InboxItemId,
    ) -> Result<InboxRow, AppError> {
        inbox_items::table
            .filter(inbox_items::user_id.eq(user))
            .filter(inbox_items::id.eq(id))
            .select(InboxRow::as_select())
            .first(conn)
            .await
            .map_db_error()
    }

    /// The items of `ids` that are the user's, locked until the transaction ends (a
    /// concurrent process of the same item waits, then sees it processed).
    pub async fn lock_many(
        conn: &mut AsyncPgConnection,
        user: UserId,
        ids: &[InboxItemId],
    ) -> Result<Vec<InboxRow>, AppError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        inbox_items::table
            .filter(inbox_items::user_id.eq(user))
            .filter(inbox_items::id.eq_any(ids))
            .order(inbox_items::id.asc())
            .select(InboxRow::as_select())
            .for_update()
            .load(conn)
            .await
            .map_db_error()
    }

    /// Applies `changes` (always touching the row); 404 when absent.
    pub async fn update(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: InboxItemId,
        changes: &InboxChanges,
    ) -> Result<InboxRow, AppError> {
        diesel::update(inbox_items::table)
            .filter(inbox_items::user_id.eq(user))
            .filter(inbox_items::id.eq(id))
            .set((changes, inbox_items::id.eq(inbox_items::id)))
            .returning(InboxRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// Deletes an item; whether it existed.
    pub async fn delete(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: InboxItemId,
    ) -> Result<bool, AppError> {
        let deleted = diesel::delete(inbox_items::table)
            .filter(inbox_items::user_id.eq(user))
            .filter(inbox_items::id.eq(id))
            .execute(conn)
            .await
            .map_db_error()?;
        Ok(deleted > 0)
    }

    /// One page of items matching `query`, newest first.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        user: UserId,
        query: &InboxListQuery,
    ) -> Result<Vec<InboxRow>, AppError> {
        let page = query.page_request();
        Self::filtered(user, query)
            .order((inbox_items::created_at.desc(), inbox_items::id.desc()))
            .select(InboxRow::as_select())
            .limit(page.limit())
            .offset(page.offset())
            .load(conn)
            .await
            .map_db_error()
    }

    /// How many items match `query`'s filters.
    pub async fn count(
        conn: &mut AsyncPgConnection,
        user: UserId,
        query: &InboxListQuery,
    ) -> Result<u64, AppError> {
        let total: i64 = Self::filtered(user, query)
            .select(count_star())
            .get_result(conn)
            .await
            .map_db_error()?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    fn filtered(user: UserId, query: &InboxListQuery) -> inbox_items::BoxedQuery<'static, Pg> {
        let mut q = inbox_items::table
            .filter(inbox_items::user_id.eq(user))
            .into_boxed();
        if !query.status.is_empty() {
            let statuses: Vec<&'static str> = query.status.iter().map(|s| s.as_str()).collect();
            q = q.filter(inbox_items::status.eq_any(statuses));
        }
        if let Some(search) = &query.search {
            q = q.filter(inbox_items::raw_text.ilike(contains_pattern(search)));
        }
        if let Some(after) = query.created_after {
            q = q.filter(inbox_items::created_at.ge(after));
        }
        if let Some(before) = query.created_before {
            q = q.filter(inbox_items::created_at.lt(before));
        }
        q
    }

    /// Counts per status and of the last 24 hours.
    pub async fn stats(
        conn: &mut AsyncPgConnection,
        user: UserId,
    ) -> Result<InboxStatsView, AppError> {
        let row: StatsRow = diesel::sql_query(
            "SELECT count(*) FILTER (WHERE status = 'unprocessed') AS unprocessed, \
                    count(*) FILTER (WHERE status = 'processed') AS processed, \
                    count(*) FILTER (WHERE status = 'archived') AS archived, \
                    count(*) FILTER (WHERE created_at >= now() - interval '24 hours') AS recent \
             FROM inbox_items WHERE user_id = $1",
        )
        .bind::<diesel::sql_types::Uuid, _>(user.into_uuid())
        .get_result(conn)
        .await
        .map_db_error()?;
        Ok(InboxStatsView {
            unprocessed: row.unprocessed,
            processed: row.processed,
            archived: row.archived,
            total: row.unprocessed + row.processed + row.archived,
            recent_activity: row.recent,
        })
    }

    /// How many unprocessed items wait in the queue, and since when the oldest.
    pub async fn queue(
        conn: &mut AsyncPgConnection,
        user: UserId,
    ) -> Result<(i64, Option<OffsetDateTime>), AppError> {
        let row: QueueRow = diesel::sql_query(
            "SELECT count(*) AS queued, min((details->>'queuedAt')::timestamptz) AS oldest \
             FROM inbox_items WHERE user_id = $1 AND status = 'unprocessed' \
             AND details ? 'queuedAt'",
        )
        .bind::<diesel::sql_types::Uuid, _>(user.into_uuid())
        .get_result(conn)
        .await
        .map_db_error()?;
        Ok((row.queued, row.oldest))
    }

    /// Zone ids by name (the suggestion names zones).
    pub async fn zone_ids(conn: &mut AsyncPgConnection) -> Result<Vec<(String, Uuid)>, AppError> {
        zones::table
            .select((zones::name, zones::id))
            .load(conn)
            .await
            .map_db_error()
    }
}
