//! Imports through the API: `POST /contacts/import` checks the file, records it and
//! enqueues `contacts.import` in one transaction; the job writes the rows in one tenant
//! transaction (recording the report in the same one, so a job delivered twice imports
//! once), publishing its progress from short transactions of its own; `GET
//! /contacts/import/{id}` reports both.

use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_domain::contacts::import::{
    ContactImportView, DuplicatePolicy, ImportReport, ImportStatus, parse_contacts_csv,
};
use omnicrm_jobs::{EnqueueOptions, enqueue};
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::contacts::{ContactImportRow, ContactImports};
use tokio::sync::watch;
use uuid::Uuid;

use super::ContactsService;
use super::import::{ImportOptions, import_rows};
use crate::job_kinds::ContactImport;
use crate::phone::PhoneRegion;

/// The end-to-end deadline of the import's transaction (up to
/// [`omnicrm_domain::contacts::import::IMPORT_MAX_ROWS`] rows, each a duplicate probe and
/// a write): minutes, not a request's seconds.
pub const IMPORT_DEADLINE: Duration = Duration::from_secs(10 * 60);
/// How often a running import publishes its progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

impl ContactsService {
    /// Checks `csv` (size, header, quoting: a 400 or 413 for the whole file), records the
    /// import with the file and enqueues the job that writes it, in one transaction.
    /// Bad rows are not an error here: the job reports them.
    pub async fn request_import(
        &self,
        user: UserId,
        csv: Vec<u8>,
        duplicates: DuplicatePolicy,
        dry_run: bool,
    ) -> Result<ContactImportView, AppError> {
        let (csv, rows_total) = tokio::task::spawn_blocking(move || {
            parse_contacts_csv(&csv).map(|parsed| (csv, parsed.rows.len()))
        })
        .await
        .map_err(AppError::internal)??;
        let rows_total = i32::try_from(rows_total).map_err(AppError::internal)?;
        let id = Uuid::now_v7();
        let region = self.region;
        let row = self
            .db
            .tenant(user, move |conn| {
                async move {
                    omnicrm_repo::tenants::ensure(conn, user).await?;
                    let row = ContactImports::insert(
                        conn,
                        user,
                        id,
                        policy_str(duplicates),
                        dry_run,
                        rows_total,
                        &csv,
                    )
                    .await?;
                    let options = EnqueueOptions {
                        user_id: Some(user.into_uuid()),
                        ..EnqueueOptions::default()
                    };
                    let job = ContactImport {
                        import_id: id,
                        region: region.to_string(),
                    };
                    enqueue(conn, &job, &options)
                        .await
                        .map_err(AppError::from)?;
                    Ok(row)
                }
                .boxed()
            })
            .await?;
        view(row)
    }

    /// The state of `user`'s import `id` (404 for anyone else's), with its report when
    /// done.
    pub async fn import_status(
        &self,
        user: UserId,
        id: Uuid,
    ) -> Result<ContactImportView, AppError> {
        let row = self
            .db
            .tenant(user, move |conn| {
                async move { ContactImports::find(conn, user, id).await }.boxed()
            })
            .await?;
        view(row)
    }
}

fn policy_str(policy: DuplicatePolicy) -> &'static str {
    match policy {
        DuplicatePolicy::Skip => "skip",
        DuplicatePolicy::Merge => "merge",
    }
}

fn view(row: ContactImportRow) -> Result<ContactImportView, AppError> {
    let status = ImportStatus::parse(&row.status)
        .ok_or_else(|| AppError::internal("unknown contact import status"))?;
    let duplicates = DuplicatePolicy::parse(&row.duplicates)
        .ok_or_else(|| AppError::internal("unknown contact import duplicate policy"))?;
    let report = row
        .report
        .map(serde_json::from_value::<ImportReport>)
        .transpose()
        .map_err(AppError::internal)?;
    Ok(ContactImportView {
        id: row.id,
        status,
        duplicates,
        dry_run: row.dry_run,
        rows_total: u32::try_from(row.rows_total).unwrap_or(0),
        rows_processed: u32::try_from(row.rows_processed).unwrap_or(0),
        created_at: row.created_at,
        finished_at: row.finished_at,
        report,
    })
}

/// Runs import `id` of `user` (the job `contacts.import`). A failure marks the import
/// failed, with nothing written; an import already finished is left alone.
pub async fn run_import(
    db: &Db,
    region: PhoneRegion,
    user: UserId,
    id: Uuid,
) -> Result<(), AppError> {
    let long = Db::new(db.pool().clone(), IMPORT_DEADLINE);
    let result = write_import(db, &long, region, user, id).await;
    if let Err(err) = &result {
        tracing::warn!(user = %user, import = %id, error = %err, cause = ?err.internal_cause(),
            "contact import failed");
        db.tenant(user, move |conn| {
            async move { ContactImports::finish(conn, user, id, None).await.map(drop) }.boxed()
        })
        .await?;
    }
    result
}

async fn write_import(
    db: &Db,
    long: &Db,
    region: PhoneRegion,
    user: UserId,
    id: Uuid,
) -> Result<(), AppError> {
    let claimed = db
        .tenant(user, move |conn| {
            async move { ContactImports::claim(conn, user, id).await }.boxed()
        })
        .await?;
    let Some((row, csv)) = claimed else {
        return Ok(()); // finished by an earlier delivery, or erased
    };
    let parsed = Arc::new(
        tokio::task::spawn_blocking(move || parse_contacts_csv(&csv))
            .await
            .map_err(AppError::internal)??,
    );
    let options = ImportOptions {
        duplicates: DuplicatePolicy::parse(&row.duplicates).unwrap_or_default(),
        dry_run: row.dry_run,
    };
    let (sender, mut receiver) = watch::channel(0u64);
    let sender = Arc::new(sender);
    // Retried when PostgreSQL aborts it for a concurrent transaction (ADR 0007): an aborted
    // attempt wrote nothing, and its progress starts again from zero.
    let write = long.tenant_retrying(user, move |conn| {
        let parsed = Arc::clone(&parsed);
        let sender = Arc::clone(&sender);
        async move {
            let progress = move |done: u64| {
                sender.send_replace(done);
            };
            let report = import_rows(conn, user, region, &parsed, options, Some(&progress)).await?;
            let report = serde_json::to_value(&report).map_err(AppError::internal)?;
            if ContactImports::finish(conn, user, id, Some(&report)).await? {
                Ok(())
            } else {
                // A concurrent run of the same job finished it: undo this one's writes.
                Err(AppError::conflict("the import was finished by another run"))
            }
        }
        .boxed()
    });
    let publish = async {
        while receiver.changed().await.is_ok() {
            tokio::time::sleep(PROGRESS_EVERY).await;
            let done = i32::try_from(*receiver.borrow_and_update()).unwrap_or(i32::MAX);
            let published = db
                .tenant(user, move |conn| {
                    async move { ContactImports::set_progress(conn, user, id, done).await }.boxed()
                })
                .await;
            if let Err(err) = published {
                tracing::debug!(import = %id, error = %err, "import progress not published");
            }
        }
        std::future::pending::<()>().await;
    };
    tokio::select! {
        written = write => written,
        () = publish => Ok(()),
    }
}
