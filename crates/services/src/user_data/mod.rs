//! A user's data as a whole: the complete export (`GET /user/export`) and erasure
//! (`DELETE /user`). See docs/crm/export-and-erasure.md.

mod archive;
mod export;

use std::io;
use std::sync::Arc;

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_integrations::BlobStore;
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::user_data;
use time::OffsetDateTime;
use tokio::sync::mpsc;

pub use export::{EntryKind, FORMAT_VERSION, Manifest, ManifestEntry, Redaction};

use archive::Command;
use export::{ExportJob, Feed};

/// Entries queued between the export task and the ZIP writer.
const COMMAND_CAPACITY: usize = 4;
/// Compressed chunks (about 64 KiB each) queued between the ZIP writer and the client.
const OUT_CAPACITY: usize = 8;

/// An export on its way: the archive's bytes arrive on `chunks` as they are written. An
/// `Err` item means the archive could not be completed; the response must then be cut
/// off rather than ended cleanly.
#[derive(Debug)]
pub struct ExportDownload {
    /// `omnicrm-export-<YYYY-MM-DD>.zip`.
    pub file_name: String,
    /// The ZIP archive, chunk by chunk.
    pub chunks: mpsc::Receiver<io::Result<Vec<u8>>>,
}

/// Export and erasure of everything a user owns.
#[derive(Debug, Clone)]
pub struct UserDataService {
    db: Db,
    store: Arc<dyn BlobStore>,
}

impl UserDataService {
    /// Over the database and the file store.
    pub fn new(db: Db, store: Arc<dyn BlobStore>) -> Self {
        Self { db, store }
    }

    /// Starts a complete export of `user`'s data as a ZIP archive: one JSON file per table
    /// with a `user_id` column (`tables/<table>.json`, read from one REPEATABLE READ
    /// snapshot), every stored file (`files/<key>`) and `manifest.json` with row counts,
    /// sizes and sha256 hashes. Secrets are redacted or left out.
    ///
    /// Returns once the snapshot is open, so a database failure is still an error
    /// response; everything after that streams with bounded memory.
    pub async fn export(&self, user: UserId) -> Result<ExportDownload, AppError> {
        let exported_at = OffsetDateTime::now_utc();
        let (out_tx, out_rx) = mpsc::channel(OUT_CAPACITY);
        let (command_tx, command_rx) = mpsc::channel::<Command>(COMMAND_CAPACITY);
        let (ready_tx, mut ready_rx) = mpsc::channel::<Result<(), AppError>>(1);
        let modified = zip_time(exported_at);
        tokio::task::spawn_blocking(move || archive::write_archive(command_rx, &out_tx, modified));
        let job = ExportJob {
            db: self.db.clone(),
            store: Arc::clone(&self.store),
            user,
            exported_at,
        };
        // A task of its own, so a client that goes away never cancels the export halfway
        // through a database call: it notices the closed channel and rolls back cleanly.
        tokio::spawn(async move {
            let failed = ready_tx.clone();
            if let Err(err) = job.run(Feed::new(command_tx), ready_tx).await {
                // Before `ready` this becomes the response; afterwards the archive is left
                // unfinished (the client sees a cut-off download) and the cause is logged.
                if let Err(
                    mpsc::error::TrySendError::Closed(Err(err))
                    | mpsc::error::TrySendError::Full(Err(err)),
                ) = failed.try_send(Err(err))
                {
                    tracing::warn!(user = %user, error = %err, cause = ?err.internal_cause(),
                        "user export aborted");
                }
            }
        });
        match ready_rx.recv().await {
            Some(Ok(())) => Ok(ExportDownload {
                file_name: format!("omnicrm-export-{}.zip", exported_at.date()),
                chunks: out_rx,
            }),
            Some(Err(err)) => Err(err),
            None => Err(AppError::internal(io::Error::other(
                "the export task ended before it started",
            ))),
        }
    }

    /// Erases everything `user` owns: in one transaction their `tenants` row (cascading to
    /// every tenant table), their jobs and, as a safety net, any row left in a table with a
    /// `user_id` column; after the commit their stored files. Idempotent: erasing again
    /// (or a user who never stored anything) succeeds and finishes what a failed file
    /// removal left behind.
    pub async fn erase(&self, user: UserId) -> Result<(), AppError> {
        let leftovers = self
            .db
            .tenant_retrying(user, move |conn| {
                async move {
                    user_data::delete_tenant(conn, user).await?;
                    omnicrm_jobs::store::purge_user(conn, user.into_uuid()).await?;
                    user_data::sweep(conn, user).await
                }
                .boxed()
            })
            .await?;
        if !leftovers.is_empty() {
            tracing::warn!(user = %user, tables = ?leftovers,
                "erasure found rows the tenants cascade did not remove; add ON DELETE CASCADE");
        }
        // Files go after the commit: if this fails, no row points at them any more and a
        // retry of the (idempotent) erasure removes them.
        self.store.delete_owner(user).await?;
        Ok(())
    }
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
