//! The daily storage sweep (`maintenance.storage_sweep`): for every owner directory in
//! storage, deletes the uploads of onboarding links that expired unused and the expired
//! export archives (rows and objects), then every object no row refers to that is older
//! than the grace period. The grace period protects writes in flight: an upload stores
//! its object before the transaction that records it commits.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_integrations::{BlobStore, ObjectKey};
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::stored_objects::StoredObjects;
use omnicrm_repo::user_exports::UserExports;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SweepSummary {
    /// Owner directories looked at.
    pub owners: u64,
    /// Uploads of onboarding links that expired unused.
    pub expired_uploads: u64,
    /// Export archives past their expiry.
    pub expired_exports: u64,
    /// Objects no row referred to, older than the grace period.
    pub orphans: u64,
}

/// Sweeps every owner's objects (see the module documentation). One owner's failure is
/// logged and does not stop the others; the sweep fails only if storage cannot be listed.
pub async fn sweep_storage(
    db: &Db,
    store: &Arc<dyn BlobStore>,
    grace: Duration,
) -> Result<SweepSummary, AppError> {
    let mut summary = SweepSummary::default();
    let cutoff = OffsetDateTime::now_utc() - grace;
    for owner in store.owners().await? {
        summary.owners += 1;
        if let Err(err) = sweep_owner(db, store, owner, cutoff, &mut summary).await {
            tracing::warn!(user = %owner, error = %err, cause = ?err.internal_cause(),
                "storage sweep skipped an owner");
        }
    }
    Ok(summary)
}

async fn sweep_owner(
    db: &Db,
    store: &Arc<dyn BlobStore>,
    owner: UserId,
    cutoff: OffsetDateTime,
    summary: &mut SweepSummary,
) -> Result<(), AppError> {
    let (uploads, exports, referenced) = db
        .tenant(owner, move |conn| {
            async move {
                let uploads = StoredObjects::delete_expired_onboarding_uploads(conn, owner).await?;
                let exports = UserExports::delete_expired(conn, owner).await?;
                let referenced = StoredObjects::referenced(conn, owner, true).await?;
                Ok((uploads, exports, referenced))
            }
            .boxed()
        })
        .await?;
    // Listed after the references were read: an object recorded since is young, and
    // young objects are kept whatever refers to them.
    let listed = store.list_owner(owner).await?;
    for path in uploads.iter().chain(&exports) {
        if let Some(key) = ObjectKey::parse(path).ok().filter(|k| k.owner() == owner) {
            store.delete(&key).await?;
        }
    }
    summary.expired_uploads += uploads.len() as u64;
    summary.expired_exports += exports.len() as u64;
    let referenced: BTreeSet<String> = referenced.into_iter().collect();
    for key in listed {
        let old = created_at(&key).is_some_and(|at| at < cutoff);
        if old && !referenced.contains(key.as_str()) {
            store.delete(&key).await?;
            summary.orphans += 1;
        }
    }
    Ok(())
}

/// When the object was created: keys are named by a UUID v7, which carries its creation
/// time (so the age needs no file metadata, whatever the backend). `None` for a name that
/// is not a v7 UUID (never swept).
fn created_at(key: &ObjectKey) -> Option<OffsetDateTime> {
    let name = key.as_str().rsplit('/').next()?;
    let stem = name.split_once('.').map_or(name, |(stem, _)| stem);
    let (secs, nanos) = Uuid::parse_str(stem).ok()?.get_timestamp()?.to_unix();
    let secs = i64::try_from(secs).ok()?;
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .map(|at| at + time::Duration::nanoseconds(i64::from(nanos)))
}
