//! The second half of a hide-first erasure: the job `user_data.erase` deletes the retired
//! tenant's rows in batches, then its files, and completes the receipt (ADR 0033).

use std::sync::Arc;

use futures_util::FutureExt;
use omnicrm_domain::user_data::ErasureReceiptView;
use omnicrm_integrations::BlobStore;
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::erasure_receipts::ErasureReceipts;
use omnicrm_repo::{account_tenants, user_data};
use time::OffsetDateTime;
use uuid::Uuid;

/// Accounts with at most this many rows are erased within the request (measured: well
/// under a second); larger ones are hidden at once and deleted by a job.
pub const SYNC_ERASURE_ROWS: u64 = 20_000;

/// Rows one batch deletes: each batch is its own short transaction (a few hundred
/// milliseconds at most on a busy disk), so no lock is held for long and a stopped job
/// loses at most one batch of work.
const BATCH_ROWS: u32 = 5_000;

/// What `DELETE /user` did.
#[derive(Debug, Clone)]
pub enum ErasureOutcome {
    /// Everything is gone already (`200`): the receipt is complete.
    Erased(ErasureReceiptView),
    /// The account is hidden (it works on a fresh, empty tenant) and the job named in the
    /// receipt deletes the old rows (`202`); the receipt completes when it is done.
    Hidden(ErasureReceiptView),
}

/// What one run of the erasure job removed.
#[derive(Debug, Clone, Copy, Default)]
pub struct ErasureSummary {
    /// Rows deleted by this run (a resumed run counts only its own).
    pub rows: u64,
    /// Stored files removed.
    pub files: u64,
}

/// Deletes the tenant retired by the erasure of `receipt`: every table in batches (children
/// before parents), then the user's jobs, the `tenants` row and a sweep in one last short
/// transaction, then the stored files, and completes the receipt. Idempotent; an unknown
/// receipt is nothing to do.
pub async fn finish_erasure(
    db: &Db,
    store: &Arc<dyn BlobStore>,
    receipt: Uuid,
) -> Result<ErasureSummary, AppError> {
    let Some(tenant) = db
        .unscoped(move |conn| {
            async move { account_tenants::retired_by(conn, receipt).await }.boxed()
        })
        .await?
    else {
        tracing::warn!(receipt = %receipt, "erasure job for a receipt without a retired tenant");
        return Ok(ErasureSummary::default());
    };
    let tables = db
        .unscoped(|conn| async move { user_data::erase_order(conn).await }.boxed())
        .await?;
    let mut summary = ErasureSummary::default();
    for table in tables {
        let table = Arc::new(table);
        loop {
            let current = Arc::clone(&table);
            let deleted = db
                .retired_tenant(tenant, move |conn| {
                    async move { user_data::delete_batch(conn, &current, tenant, BATCH_ROWS).await }
                        .boxed()
                })
                .await?;
            summary.rows += deleted as u64;
            if deleted < BATCH_ROWS as usize {
                break;
            }
        }
    }
    let leftovers = db
        .retired_tenant(tenant, move |conn| {
            async move {
                let owner = tenant.into_uuid();
                omnicrm_jobs::store::purge_user_counted(conn, owner).await?;
                user_data::delete_tenant(conn, tenant).await?;
                user_data::sweep(conn, tenant).await
            }
            .boxed()
        })
        .await?;
    if !leftovers.is_empty() {
        tracing::warn!(user = %tenant, tables = ?leftovers,
            "batched erasure found rows after its batches; add the table's foreign keys");
    }
    summary.files = store.delete_owner(tenant).await?;
    let files = i64::try_from(summary.files).unwrap_or(i64::MAX);
    db.unscoped(move |conn| {
        async move { ErasureReceipts::finish(conn, receipt, files, OffsetDateTime::now_utc()).await }
            .boxed()
    })
    .await?;
    tracing::info!(user = %tenant, receipt = %receipt, rows = summary.rows, files,
        "hidden user data erased");
    Ok(summary)
}
