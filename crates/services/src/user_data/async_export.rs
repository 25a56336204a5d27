//! Asynchronous exports: `POST /user/export` records the export and enqueues
//! `user_data.export`; the job spools the archive and stores it
//! (`<user>/exports/<uuid>.zip`); `GET /user/export/{id}` reports the state and, when
//! ready, a signed download URL that expires and only works for its user.

use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_domain::user_data::{ExportJobView, ExportStatus};
use omnicrm_integrations::{BlobStore, ObjectKey, ObjectReader};
use omnicrm_jobs::{EnqueueOptions, enqueue};
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::user_exports::{UserExportRow, UserExports};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{UserDataService, file_name, spool};
use crate::job_kinds::UserExport;

/// Storage area of export archives.
pub const EXPORTS_AREA: &str = "exports";
/// How long a finished archive is kept (the daily sweep deletes it afterwards).
pub const ARCHIVE_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// How long one signed download URL works.
pub const DOWNLOAD_URL_TTL: Duration = Duration::from_secs(15 * 60);

/// A verified export download.
pub struct ArchiveDownload {
    /// `omnicrm-export-<YYYY-MM-DD>.zip`.
    pub file_name: String,
    /// Size of the archive.
    pub size: u64,
    /// The archive's bytes.
    pub reader: ObjectReader,
}

impl std::fmt::Debug for ArchiveDownload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveDownload")
            .field("file_name", &self.file_name)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl UserDataService {
    /// Records an export of `user`'s data and enqueues the job that writes it (one
    /// transaction: no export without its job).
    /// `session` (the sign-in session that asked) goes with the job and into the export's
    /// record once the archive is ready.
    pub async fn request_export(
        &self,
        user: UserId,
        session: Option<String>,
    ) -> Result<ExportJobView, AppError> {
        let id = Uuid::now_v7();
        let row = self
            .db
            .tenant(user, move |conn| {
                let session = session.clone();
                async move {
                    omnicrm_repo::tenants::ensure(conn, user).await?;
                    let row = UserExports::insert(conn, user, id).await?;
                    let options = EnqueueOptions {
                        user_id: Some(user.into_uuid()),
                        ..EnqueueOptions::default()
                    };
                    let job = UserExport {
                        export_id: id,
                        session_id: session,
                    };
                    enqueue(conn, &job, &options)
                        .await
                        .map_err(AppError::from)?;
                    Ok(row)
                }
                .boxed()
            })
            .await?;
        self.view(&row)
    }

    /// The state of `user`'s export `id` (404 for anyone else's), with a fresh signed
    /// download URL when it is ready.
    pub async fn export_status(&self, user: UserId, id: Uuid) -> Result<ExportJobView, AppError> {
        let row = self.find(user, id).await?;
        self.view(&row)
    }

    /// The archive behind a signed download URL of `user`'s export `id`. Every refusal
    /// (another user's id, not ready, bad or expired signature, archive gone) is 404.
    pub async fn open_export(
        &self,
        user: UserId,
        id: Uuid,
        exp: i64,
        sig: &str,
    ) -> Result<ArchiveDownload, AppError> {
        let row = self.find(user, id).await?;
        let key = archive_key(&row, user).ok_or_else(AppError::not_found)?;
        self.signer
            .verify(&key, exp, sig, OffsetDateTime::now_utc())
            .map_err(|err| {
                tracing::debug!(reason = %err, "export download URL refused");
                AppError::not_found()
            })?;
        let (reader, size) = self.store.open(&key).await?.ok_or_else(|| {
            tracing::warn!(key = %key, "a ready export's archive is missing");
            AppError::not_found()
        })?;
        Ok(ArchiveDownload {
            file_name: file_name(row.created_at),
            size,
            reader,
        })
    }

    async fn find(&self, user: UserId, id: Uuid) -> Result<UserExportRow, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move { UserExports::find(conn, user, id).await }.boxed()
            })
            .await
    }

    fn view(&self, row: &UserExportRow) -> Result<ExportJobView, AppError> {
        let status = ExportStatus::parse(&row.status)
            .ok_or_else(|| AppError::internal("unknown export status"))?;
        let user = UserId::from(row.user_id);
        let signed = (status == ExportStatus::Ready)
            .then(|| archive_key(row, user))
            .flatten()
            .map(|key| {
                let signed = self
                    .signer
                    .sign(&key, OffsetDateTime::now_utc(), DOWNLOAD_URL_TTL);
                // The signer's query string (`exp=..&sig=..`) on the export's own route.
                let query = signed
                    .path_and_query
                    .split_once('?')
                    .map_or("", |(_, q)| q)
                    .to_owned();
                (
                    format!("/api/v1/user/export/{}/download?{query}", row.id),
                    signed.expires_at,
                )
            });
        Ok(ExportJobView {
            id: row.id,
            status,
            created_at: row.created_at,
            finished_at: row.finished_at,
            size_bytes: row.size_bytes,
            expires_at: row.expires_at,
            download_url: signed.as_ref().map(|(url, _)| url.clone()),
            download_expires_at: signed.map(|(_, at)| at),
        })
    }
}

/// The archive's key when the row is ready and the key is the user's.
fn archive_key(row: &UserExportRow, user: UserId) -> Option<ObjectKey> {
    if row.status != "ready" {
        return None;
    }
    row.object_key
        .as_deref()
        .and_then(|k| ObjectKey::parse(k).ok())
        .filter(|k| k.owner() == user)
}

/// Writes export `id` of `user` (the job `user_data.export`): spools the archive, stores
/// it, marks the row ready. Any failure marks it failed (the user requests a new one).
pub async fn build_export(
    db: &Db,
    store: &Arc<dyn BlobStore>,
    user: UserId,
    id: Uuid,
    session: Option<String>,
) -> Result<(), AppError> {
    let built = write_archive(db, store, user, id, session).await;
    if let Err(err) = &built {
        tracing::warn!(user = %user, export = %id, error = %err, cause = ?err.internal_cause(),
            "asynchronous export failed");
        db.tenant(user, move |conn| {
            async move { UserExports::mark_failed(conn, user, id).await }.boxed()
        })
        .await?;
    }
    built
}

async fn write_archive(
    db: &Db,
    store: &Arc<dyn BlobStore>,
    user: UserId,
    id: Uuid,
    session: Option<String>,
) -> Result<(), AppError> {
    let exported_at = OffsetDateTime::now_utc();
    let (file, _) = spool(db, store, user, exported_at).await?;
    let key = ObjectKey::generate(user, EXPORTS_AREA, "zip")?;
    let size = store.put_file(&key, file).await?;
    let size = i64::try_from(size).map_err(AppError::internal)?;
    let expires_at = OffsetDateTime::now_utc() + ARCHIVE_TTL;
    let path = key.as_str().to_owned();
    let recorded = db
        .tenant(user, move |conn| {
            async move {
                let ready =
                    UserExports::mark_ready(conn, user, id, &path, size, expires_at).await?;
                if ready {
                    omnicrm_repo::user_exports::record_export(
                        conn,
                        user,
                        omnicrm_repo::user_exports::ExportKind::Stored,
                        exported_at,
                        size,
                        session.as_deref(),
                    )
                    .await?;
                }
                Ok(ready)
            }
            .boxed()
        })
        .await;
    if !matches!(recorded, Ok(true)) {
        // The export was erased meanwhile (or the write failed): nothing refers to it.
        if let Err(err) = store.delete(&key).await {
            tracing::warn!(key = %key, error = %err, "could not delete an unrecorded export");
        }
    }
    recorded.map(drop)
}
