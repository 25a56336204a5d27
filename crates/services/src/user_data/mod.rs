//! A user's data as a whole: the complete export (`GET /user/export`) and erasure
//! (`DELETE /user`). See docs/crm/export-and-erasure.md.

mod archive;
mod async_export;
mod batched;
mod export;
mod steps;
mod sweep;

use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_domain::user_data::{ErasureReceiptView, ErasureStepRecord};
use omnicrm_integrations::{BlobStore, UrlSigner};
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::erasure_receipts::{ErasureReceiptRow, ErasureReceipts};
use omnicrm_repo::user_data;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Adapters;
use crate::job_kinds::UserErase;
use omnicrm_jobs::EnqueueOptions;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};
use tokio::sync::mpsc;

pub use async_export::{
    ARCHIVE_TTL, ArchiveDownload, DOWNLOAD_URL_TTL, EXPORTS_AREA, build_export,
};
pub use batched::{ErasureOutcome, ErasureSummary, SYNC_ERASURE_ROWS, finish_erasure};
pub use export::{EntryKind, FORMAT_VERSION, Manifest, ManifestEntry, Redaction};
pub use steps::{ErasureStep, FnStep, STEP_TIMEOUT};
pub use sweep::{SweepSummary, sweep_storage};

use archive::Command;
use export::{ExportJob, Feed};

/// Entries queued between the export task and the ZIP writer.
const COMMAND_CAPACITY: usize = 4;
/// Compressed chunks (about 64 KiB each) queued between the ZIP writer and the spool file.
const OUT_CAPACITY: usize = 8;

/// A finished export, spooled to a temporary file: sending it to the client holds no
/// database connection, however slowly the client reads.
#[derive(Debug)]
pub struct ExportDownload {
    /// `omnicrm-export-<YYYY-MM-DD>.zip`.
    pub file_name: String,
    /// Size of the archive.
    pub size: u64,
    /// The archive (an anonymous temporary file, gone when dropped), at its start.
    pub file: tokio::fs::File,
}

/// Export and erasure of everything a user owns.
#[derive(Debug, Clone)]
pub struct UserDataService {
    db: Db,
    store: Arc<dyn BlobStore>,
    signer: UrlSigner,
    /// What erasure removes besides the tables and the files, in order.
    steps: Arc<[Arc<dyn ErasureStep>]>,
    /// Accounts with at most this many rows are erased within the request.
    sync_rows: u64,
}

impl UserDataService {
    /// Over the database, the file store and the URL signer (export downloads).
    pub fn new(db: Db, adapters: &Adapters) -> Self {
        Self {
            db,
            store: Arc::clone(&adapters.store),
            signer: adapters.signer.clone(),
            steps: Arc::from([]),
            sync_rows: SYNC_ERASURE_ROWS,
        }
    }

    /// Erases accounts of at most `rows` rows within the request (default
    /// [`SYNC_ERASURE_ROWS`]); larger ones are hidden at once and deleted by a job. Tests
    /// set 0 to take the batched path with a few rows.
    #[must_use]
    pub fn with_sync_erasure_rows(mut self, rows: u64) -> Self {
        self.sync_rows = rows;
        self
    }

    /// The largest account (in rows) erased within the request.
    pub fn sync_erasure_rows(&self) -> u64 {
        self.sync_rows
    }

    /// Adds `step` to what erasure removes outside the tables (run after the registered
    /// ones; see [`ErasureStep`]). The runtime composes them at start-up.
    #[must_use]
    pub fn with_erasure_step(mut self, step: Arc<dyn ErasureStep>) -> Self {
        let mut steps = self.steps.to_vec();
        steps.push(step);
        self.steps = steps.into();
        self
    }

    /// What every registered erasure step still holds of `user` (see
    /// [`ErasureStep::remaining`]), in order: `(name, Some(n))` or `(name, None)` for a step
    /// that cannot tell. After an erasure every count is 0.
    pub async fn remaining_after_erasure(
        &self,
        user: UserId,
    ) -> Result<Vec<(&'static str, Option<u64>)>, AppError> {
        let mut remaining = Vec::with_capacity(self.steps.len());
        for step in self.steps.iter() {
            remaining.push((step.name(), step.remaining(user).await?));
        }
        Ok(remaining)
    }

    /// The names of the registered erasure steps, in order.
    pub fn erasure_steps(&self) -> Vec<&'static str> {
        self.steps.iter().map(|s| s.name()).collect()
    }

    /// A complete export of `user`'s data as a ZIP archive: one JSON file per table with
    /// a `user_id` column (`tables/<table>.json`, read from one REPEATABLE READ snapshot),
    /// every stored file the snapshot's rows refer to (`files/<key>`) and `manifest.json`
    /// with row counts, sizes and sha256 hashes. Secrets are redacted or left out.
    ///
    /// The archive is written to a temporary file first and returned once complete, so
    /// the snapshot's connection goes back to the pool before the client reads a byte,
    /// and a failure is still a proper error response.
    ///
    /// Once the archive is complete the export is recorded (`user_export_records`: when,
    /// size, the sign-in `session`), just before it is sent.
    pub async fn export(
        &self,
        user: UserId,
        session: Option<String>,
    ) -> Result<ExportDownload, AppError> {
        let exported_at = OffsetDateTime::now_utc();
        let (file, size) = spool(&self.db, &self.store, user, exported_at).await?;
        let recorded = i64::try_from(size).map_err(AppError::internal)?;
        self.db
            .tenant(user, move |conn| {
                async move {
                    omnicrm_repo::tenants::ensure(conn, user).await?;
                    omnicrm_repo::user_exports::record_export(
                        conn,
                        user,
                        omnicrm_repo::user_exports::ExportKind::Download,
                        exported_at,
                        recorded,
                        session.as_deref(),
                    )
                    .await
                }
                .boxed()
            })
            .await?;
        Ok(ExportDownload {
            file_name: file_name(exported_at),
            size,
            file,
        })
    }

    /// Erases everything the account `subject` (the token's `sub`) keeps in its tenant
    /// `user`, and returns the receipt.
    ///
    /// In one transaction: the user's jobs go, their `tenants` row is locked and their rows
    /// are counted. Up to [`UserDataService::sync_erasure_rows`] rows are erased right
    /// there ([`ErasureOutcome::Erased`]): the `tenants` row (cascading to every tenant
    /// table), any row left in a table with a `user_id` column, the rate-limit counters,
    /// the receipt; after the commit the stored files, then every registered
    /// [`ErasureStep`]. A larger account is **hidden** instead
    /// ([`ErasureOutcome::Hidden`]): the account is pointed at a fresh, empty tenant and
    /// the old one retired (from that commit nothing can read or write its rows), and the
    /// job `user_data.erase` deletes them in batches and completes the receipt; the steps
    /// run at once. Idempotent: erasing again succeeds with a new receipt.
    pub async fn erase(&self, subject: Uuid, user: UserId) -> Result<ErasureOutcome, AppError> {
        let requested_at = OffsetDateTime::now_utc();
        let receipt = Uuid::now_v7();
        let account = UserId(subject);
        let hashed = self.signer.erasure_subject(account);
        let sync_rows = self.sync_rows;
        let mut steps = steps::run_all(&self.steps, user, true).await;
        let (leftovers, rows, job) = self
            .db
            .tenant_retrying(user, |conn| {
                let hashed = hashed.clone();
                async move {
                    let owner = user.into_uuid();
                    // The user's jobs first: deleting a running job's row waits for its
                    // handler's open transaction (which holds the row's lease lock) and
                    // makes every later one fail, so no handler writes after this point.
                    // Taking the job rows before the tenant's keeps the lock order of the
                    // handlers' transactions (lease first), so the two never deadlock.
                    let early = omnicrm_jobs::store::purge_user_counted(conn, owner).await?;
                    user_data::lock_tenant(conn, user).await?;
                    // A concurrent erasure hid this tenant while we waited for its lock:
                    // its job deletes it, and the account holds nothing else to erase.
                    let retired = omnicrm_repo::account_tenants::is_retired(conn, user).await?;
                    let mut rows: BTreeMap<String, i64> = if retired {
                        BTreeMap::new()
                    } else {
                        user_data::count_rows(conn, user)
                            .await?
                            .into_iter()
                            .collect()
                    };
                    let total: i64 = rows.values().sum();
                    let counters = user_data::delete_rate_limit_counters(conn, account).await?;
                    if counters > 0 {
                        rows.insert(
                            "rate_limit_counters".to_owned(),
                            i64::try_from(counters).unwrap_or(i64::MAX),
                        );
                    }
                    let mut purged = early;
                    let mut leftovers = Vec::new();
                    let mut job = None;
                    if retired {
                        // Nothing to do: an empty receipt of its own.
                    } else if u64::try_from(total).unwrap_or(u64::MAX) <= sync_rows {
                        user_data::delete_tenant(conn, user).await?;
                        // Again: a job enqueued with a business write that committed meanwhile.
                        let late = omnicrm_jobs::store::purge_user_counted(conn, owner).await?;
                        purged.queued += late.queued;
                        purged.history += late.history;
                        purged.schedules += late.schedules;
                        leftovers = user_data::sweep(conn, user).await?;
                    } else {
                        // Hide: the receipt first (the retired tenant names it), then the
                        // switch, then the job that deletes the retired rows.
                        let options = EnqueueOptions::default();
                        let id = omnicrm_jobs::enqueue(
                            conn,
                            &UserErase {
                                receipt_id: receipt,
                            },
                            &options,
                        )
                        .await
                        .map_err(AppError::from)?;
                        job = id;
                    }
                    for (table, n) in [
                        ("job_queue", purged.queued),
                        ("job_history", purged.history),
                        ("job_schedules", purged.schedules),
                    ] {
                        if n > 0 {
                            rows.insert(table.to_owned(), i64::try_from(n).unwrap_or(i64::MAX));
                        }
                    }
                    let recorded = serde_json::to_value(&rows).map_err(AppError::internal)?;
                    ErasureReceipts::insert(conn, receipt, &hashed, requested_at, &recorded, job)
                        .await?;
                    if job.is_some() {
                        omnicrm_repo::account_tenants::retire(
                            conn,
                            subject,
                            user,
                            UserId::generate(),
                            receipt,
                        )
                        .await?;
                    }
                    Ok((leftovers, rows, job))
                }
                .boxed()
            })
            .await?;
        if !leftovers.is_empty() {
            tracing::warn!(user = %user, tables = ?leftovers,
                "erasure found rows the tenants cascade did not remove; add ON DELETE CASCADE");
        }
        if let Some(job) = job {
            // Nothing can reach the retired tenant any more: caches and grants go now.
            steps.extend(steps::run_all(&self.steps, user, false).await);
            let recorded = serde_json::to_value(&steps).map_err(AppError::internal)?;
            let row = self
                .db
                .unscoped(move |conn| {
                    async move {
                        ErasureReceipts::set_steps(conn, receipt, &recorded).await?;
                        ErasureReceipts::find_by_id(conn, receipt).await
                    }
                    .boxed()
                })
                .await?;
            tracing::info!(user = %user, receipt = %receipt, job = %job, tables = rows.len(),
                "user data hidden; the erasure job deletes it");
            return receipt_view(row).map(ErasureOutcome::Hidden);
        }
        // Files go after the commit: if this fails, no row points at them any more, the
        // receipt stays without `completedAt`, and a retry of the (idempotent) erasure
        // removes them.
        let files = self.store.delete_owner(user).await?;
        steps.extend(steps::run_all(&self.steps, user, false).await);
        let recorded = serde_json::to_value(&steps).map_err(AppError::internal)?;
        let files = i64::try_from(files).unwrap_or(i64::MAX);
        let row = self
            .db
            .unscoped(move |conn| {
                async move {
                    ErasureReceipts::complete(
                        conn,
                        receipt,
                        files,
                        &recorded,
                        OffsetDateTime::now_utc(),
                    )
                    .await
                }
                .boxed()
            })
            .await?;
        tracing::info!(user = %user, receipt = %receipt, tables = rows.len(), files,
            "user data erased");
        receipt_view(row).map(ErasureOutcome::Erased)
    }

    /// The tenant the account `subject` (a token's `sub`) works on now: its own id until a
    /// batched erasure moved it to a fresh one.
    pub async fn tenant_of(&self, subject: Uuid) -> Result<UserId, AppError> {
        self.db
            .unscoped(move |conn| {
                async move { omnicrm_repo::account_tenants::resolve(conn, subject).await }.boxed()
            })
            .await
    }

    /// The newest receipts of the account `subject` (at most
    /// [`omnicrm_domain::user_data::ERASURE_RECEIPTS_LISTED`]), newest first.
    pub async fn erasure_receipts(
        &self,
        subject: Uuid,
    ) -> Result<Vec<ErasureReceiptView>, AppError> {
        let subject = self.signer.erasure_subject(UserId(subject));
        let rows = self
            .db
            .unscoped(move |conn| {
                async move {
                    ErasureReceipts::list(
                        conn,
                        &subject,
                        omnicrm_domain::user_data::ERASURE_RECEIPTS_LISTED,
                    )
                    .await
                }
                .boxed()
            })
            .await?;
        rows.into_iter().map(receipt_view).collect()
    }

    /// Receipt `id` of an erasure of the account `subject` (found by the keyed hash of
    /// its id, so the same sign-in finds it after any number of erasures); 404 for any
    /// other.
    pub async fn erasure_receipt(
        &self,
        subject: Uuid,
        id: Uuid,
    ) -> Result<ErasureReceiptView, AppError> {
        let subject = self.signer.erasure_subject(UserId(subject));
        let row = self
            .db
            .unscoped(move |conn| {
                async move { ErasureReceipts::find(conn, &subject, id).await }.boxed()
            })
            .await?;
        receipt_view(row)
    }
}

pub(crate) fn receipt_view(row: ErasureReceiptRow) -> Result<ErasureReceiptView, AppError> {
    Ok(ErasureReceiptView {
        id: row.id,
        subject: row.subject,
        requested_at: row.requested_at,
        completed_at: row.completed_at,
        rows_removed: serde_json::from_value(row.rows_removed).map_err(AppError::internal)?,
        files_removed: row.files_removed,
        steps: serde_json::from_value::<Vec<ErasureStepRecord>>(row.steps)
            .map_err(AppError::internal)?,
        job_id: row.job_id,
    })
}

/// `omnicrm-export-<YYYY-MM-DD>.zip` (UTC date of the snapshot).
fn file_name(exported_at: OffsetDateTime) -> String {
    format!("omnicrm-export-{}.zip", exported_at.date())
}

/// Writes the whole archive of `user` to an anonymous temporary file and returns it
/// (rewound) with its size. Memory stays bounded as before (the writer's channels); the
/// snapshot ends as soon as the tables are read, whoever reads the file afterwards.
async fn spool(
    db: &Db,
    store: &Arc<dyn BlobStore>,
    user: UserId,
    exported_at: OffsetDateTime,
) -> Result<(tokio::fs::File, u64), AppError> {
    let tmp = tokio::task::spawn_blocking(tempfile::tempfile)
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    let mut file = tokio::fs::File::from_std(tmp);
    let (out_tx, mut out_rx) = mpsc::channel::<io::Result<Vec<u8>>>(OUT_CAPACITY);
    let (command_tx, command_rx) = mpsc::channel::<Command>(COMMAND_CAPACITY);
    let modified = zip_time(exported_at);
    tokio::task::spawn_blocking(move || archive::write_archive(command_rx, &out_tx, modified));
    let job = ExportJob {
        db: db.clone(),
        store: Arc::clone(store),
        user,
        exported_at,
    };
    // A task of its own, so a client that goes away never cancels the export halfway
    // through a database call: it notices the closed channel and rolls back cleanly.
    let task = tokio::spawn(job.run(Feed::new(command_tx)));
    let mut size: u64 = 0;
    let mut failure = None;
    while let Some(chunk) = out_rx.recv().await {
        let written = match chunk {
            Ok(bytes) => file.write_all(&bytes).await.map(|()| bytes.len() as u64),
            Err(err) => Err(err),
        };
        match written {
            Ok(n) => size += n,
            Err(err) => {
                failure = Some(err);
                break;
            }
        }
    }
    // Stops the writer (and through it the export task) if the spool failed.
    drop(out_rx);
    if let Err(err) = task.await.map_err(AppError::internal)? {
        tracing::warn!(user = %user, error = %err, cause = ?err.internal_cause(),
            "user export failed");
        return Err(err);
    }
    if let Some(err) = failure {
        tracing::warn!(user = %user, error = %err, "user export could not be spooled");
        return Err(AppError::internal(err));
    }
    file.flush().await.map_err(AppError::internal)?;
    file.seek(io::SeekFrom::Start(0))
        .await
        .map_err(AppError::internal)?;
    Ok((file, size))
}

/// The archive entries' timestamp (ZIP stores local date and time without a zone: UTC).
fn zip_time(at: OffsetDateTime) -> zip::DateTime {
    u16::try_from(at.year())
        .ok()
        .and_then(|year| {
            zip::DateTime::from_date_and_time(
                year,
                u8::from(at.month()),
                at.day(),
                at.hour(),
                at.minute(),
                at.second(),
            )
            .ok()
        })
        .unwrap_or_default()
}
