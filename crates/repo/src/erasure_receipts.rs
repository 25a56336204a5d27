//! `erasure_receipts`: proof of an erasure, kept after the tenant is gone. Not a tenant
//! table: a receipt names its user only by a keyed hash (`subject`), and every query
//! filters on it.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_problem::AppError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::RepoErrorExt;
use crate::schema::erasure_receipts;

/// One receipt as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = erasure_receipts, check_for_backend(diesel::pg::Pg))]
pub struct ErasureReceiptRow {
    /// Receipt id.
    pub id: Uuid,
    /// Keyed hash of the erased user's id.
    pub subject: String,
    /// When the erasure was requested.
    pub requested_at: OffsetDateTime,
    /// When files and external steps were done too (`None` while or if they were not).
    pub completed_at: Option<OffsetDateTime>,
    /// `{"<table>": rows removed}`.
    pub rows_removed: serde_json::Value,
    /// Stored files removed.
    pub files_removed: i64,
    /// `[{"name", "outcome", "removed", "detail"}]` of the erasure steps outside the tables.
    pub steps: serde_json::Value,
    /// The job deleting the rows in batches (`None`: erased in one transaction).
    pub job_id: Option<Uuid>,
}

/// Queries over `erasure_receipts`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ErasureReceipts;

impl ErasureReceipts {
    /// Records the database part of an erasure (in the erasure's own transaction, so a
    /// receipt exists exactly when the rows are gone).
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        subject: &str,
        requested_at: OffsetDateTime,
        rows_removed: &serde_json::Value,
        job_id: Option<Uuid>,
    ) -> Result<(), AppError> {
        diesel::insert_into(erasure_receipts::table)
            .values((
                erasure_receipts::id.eq(id),
                erasure_receipts::subject.eq(subject),
                erasure_receipts::requested_at.eq(requested_at),
                erasure_receipts::rows_removed.eq(rows_removed),
                erasure_receipts::job_id.eq(job_id),
            ))
            .execute(conn)
            .await
            .map(drop)
            .map_db_error()
    }

    /// Records the outcomes of the erasure steps of receipt `id` (a batched erasure runs
    /// them in the request; its job completes the receipt later).
    pub async fn set_steps(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        steps: &serde_json::Value,
    ) -> Result<(), AppError> {
        diesel::update(erasure_receipts::table.find(id))
            .set(erasure_receipts::steps.eq(steps))
            .execute(conn)
            .await
            .map(drop)
            .map_db_error()
    }

    /// Completes receipt `id` of a batched erasure with the files removed (its steps were
    /// recorded by [`ErasureReceipts::set_steps`]).
    pub async fn finish(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        files_removed: i64,
        completed_at: OffsetDateTime,
    ) -> Result<ErasureReceiptRow, AppError> {
        diesel::update(erasure_receipts::table.find(id))
            .set((
                erasure_receipts::files_removed.eq(files_removed),
                erasure_receipts::completed_at.eq(completed_at),
            ))
            .returning(ErasureReceiptRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// Completes receipt `id` with the files removed and the steps' outcomes.
    pub async fn complete(
        conn: &mut AsyncPgConnection,
        id: Uuid,
        files_removed: i64,
        steps: &serde_json::Value,
        completed_at: OffsetDateTime,
    ) -> Result<ErasureReceiptRow, AppError> {
        diesel::update(erasure_receipts::table.find(id))
            .set((
                erasure_receipts::files_removed.eq(files_removed),
                erasure_receipts::steps.eq(steps),
                erasure_receipts::completed_at.eq(completed_at),
            ))
            .returning(ErasureReceiptRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// Receipt `id`, whoever's (the erasure that just wrote it).
    pub async fn find_by_id(
        conn: &mut AsyncPgConnection,
        id: Uuid,
    ) -> Result<ErasureReceiptRow, AppError> {
        erasure_receipts::table
            .find(id)
            .select(ErasureReceiptRow::as_select())
            .first(conn)
            .await
            .map_db_error()
    }

    /// The newest `limit` receipts of `subject`, newest first.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        subject: &str,
        limit: i64,
    ) -> Result<Vec<ErasureReceiptRow>, AppError> {
        erasure_receipts::table
            .filter(erasure_receipts::subject.eq(subject))
            .order((
                erasure_receipts::requested_at.desc(),
                erasure_receipts::id.desc(),
            ))
            .limit(limit)
            .select(ErasureReceiptRow::as_select())
            .load(conn)
            .await
            .map_db_error()
    }

    /// Receipt `id` of `subject`; 404 for any other.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        subject: &str,
        id: Uuid,
    ) -> Result<ErasureReceiptRow, AppError> {
        erasure_receipts::table
            .filter(erasure_receipts::id.eq(id))
            .filter(erasure_receipts::subject.eq(subject))
            .select(ErasureReceiptRow::as_select())
            .first(conn)
            .await
            .map_db_error()
    }
}
