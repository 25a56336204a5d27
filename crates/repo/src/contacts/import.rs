//! Statements of a contact import that no other write needs, and `contact_imports`.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{RepoErrorExt, map_diesel_error};
use crate::schema::contact_imports;

/// A savepoint inside the caller's transaction, so a dry run can undo its writes and
/// still commit (the report of a dry run comes from the very statements a real import
/// runs).
#[derive(Debug)]
pub struct ImportSavepoint(());

impl ImportSavepoint {
    /// Sets the savepoint.
    pub async fn set(conn: &mut AsyncPgConnection) -> Result<Self, AppError> {
        conn.batch_execute("SAVEPOINT contact_import")
            .await
            .map_err(map_diesel_error)?;
        Ok(Self(()))
    }

    /// Undoes every write since [`ImportSavepoint::set`].
    pub async fn roll_back(self, conn: &mut AsyncPgConnection) -> Result<(), AppError> {
        conn.batch_execute("ROLLBACK TO SAVEPOINT contact_import")
            .await
            .map_err(map_diesel_error)
    }
}

/// One contact import as stored (`contact_imports`), without its CSV.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = contact_imports, check_for_backend(diesel::pg::Pg))]
pub struct ContactImportRow {
    /// Owner.
    pub user_id: Uuid,
    /// Import id.
    pub id: Uuid,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// `skip` or `merge`.
    pub duplicates: String,
    /// Whether the import only reports.
    pub dry_run: bool,
    /// Valid rows to write.
    pub rows_total: i32,
    /// Rows written so far.
    pub rows_processed: i32,
    /// The report (when done).
    pub report: Option<serde_json::Value>,
    /// When it was requested.
    pub created_at: OffsetDateTime,
    /// When it finished (done or failed).
    pub finished_at: Option<OffsetDateTime>,
}

/// Queries over `contact_imports`; each filters `user_id` explicitly (RLS confines them
/// too).
#[derive(Debug, Clone, Copy, Default)]
pub struct ContactImports;

impl ContactImports {
    /// Records a queued import of `csv`.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: Uuid,
        duplicates: &str,
        dry_run: bool,
        rows_total: i32,
        csv: &[u8],
    ) -> Result<ContactImportRow, AppError> {
        diesel::insert_into(contact_imports::table)
            .values((
                contact_imports::user_id.eq(user),
                contact_imports::id.eq(id),
                contact_imports::duplicates.eq(duplicates),
                contact_imports::dry_run.eq(dry_run),
                contact_imports::rows_total.eq(rows_total),
                contact_imports::source_csv.eq(csv),
            ))
            .returning(ContactImportRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// The user's import `id`; 404 when there is none.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: Uuid,
    ) -> Result<ContactImportRow, AppError> {
        contact_imports::table
            .filter(contact_imports::user_id.eq(user))
            .filter(contact_imports::id.eq(id))
            .select(ContactImportRow::as_select())
            .first(conn)
            .await
            .map_db_error()
    }

    /// Claims an unfinished import for a run (marks it `running`, in the caller's short
    /// transaction) and returns it with its CSV; `None` when it is gone or already
    /// finished (a job delivered twice). A run that died leaves it `running`: the next
    /// delivery claims it again, and nothing of the dead run was committed.
    pub async fn claim(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: Uuid,
    ) -> Result<Option<(ContactImportRow, Vec<u8>)>, AppError> {
        let found: Option<(ContactImportRow, Option<Vec<u8>>)> =
            diesel::update(contact_imports::table)
                .filter(contact_imports::user_id.eq(user))
                .filter(contact_imports::id.eq(id))
                .filter(contact_imports::status.eq_any(["queued", "running"]))
                .set(contact_imports::status.eq("running"))
                .returning((
                    ContactImportRow::as_returning(),
                    contact_imports::source_csv,
                ))
                .get_result(conn)
                .await
                .optional()
                .map_db_error()?;
        Ok(found.map(|(row, csv)| (row, csv.unwrap_or_default())))
    }

    /// Marks the import running with `processed` rows written (its own short transaction,
    /// so a poll sees it while the import's transaction is open).
    pub async fn set_progress(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: Uuid,
        processed: i32,
    ) -> Result<(), AppError> {
        diesel::update(contact_imports::table)
            .filter(contact_imports::user_id.eq(user))
            .filter(contact_imports::id.eq(id))
            .filter(contact_imports::status.eq_any(["queued", "running"]))
            .set((
                contact_imports::status.eq("running"),
                contact_imports::rows_processed.eq(processed),
            ))
            .execute(conn)
            .await
            .map(drop)
            .map_db_error()
    }

    /// Finishes an unfinished import: `done` with its report, or `failed` without; the
    /// CSV is dropped either way. `false` when it was finished already (or is gone): a
    /// concurrent run of the same job got there first.
    pub async fn finish(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: Uuid,
        report: Option<&serde_json::Value>,
    ) -> Result<bool, AppError> {
        let status = if report.is_some() { "done" } else { "failed" };
        let processed = report.map(|_| contact_imports::rows_total);
        let target = diesel::update(contact_imports::table)
            .filter(contact_imports::user_id.eq(user))
            .filter(contact_imports::id.eq(id))
            .filter(contact_imports::status.eq_any(["queued", "running"]));
        let changes = (
            contact_imports::status.eq(status),
            contact_imports::report.eq(report),
            contact_imports::source_csv.eq(None::<Vec<u8>>),
            contact_imports::finished_at.eq(diesel::dsl::now),
        );
        match processed {
            Some(total) => {
                target
                    .set((changes, contact_imports::rows_processed.eq(total)))
                    .execute(conn)
                    .await
            }
            None => target.set(changes).execute(conn).await,
        }
        .map(|updated| updated > 0)
        .map_db_error()
    }
}
