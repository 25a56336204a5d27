//! Idempotency keys of creating POSTs (ADR 0016): claims, stored first responses and the
//! sweep. The HTTP layer decides what a request's fingerprint and response are.

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
pub use omnicrm_repo::{
    IDEMPOTENCY_KEY_LIFETIME_HOURS as KEY_LIFETIME_HOURS, IdempotencyClaim as Claim, StoredResponse,
};

/// Keys per user, stored in Postgres so every instance shares them.
#[derive(Debug, Clone)]
pub struct IdempotencyService {
    db: Db,
}

impl IdempotencyService {
    /// Over the shared database handle.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Claims `key` for a request with `fingerprint` (committed before the handler runs,
    /// so a concurrent duplicate sees the claim), or reports who holds it.
    pub async fn claim(
        &self,
        user: UserId,
        key: &str,
        fingerprint: &[u8],
    ) -> Result<Claim, AppError> {
        let (key, fingerprint) = (key.to_owned(), fingerprint.to_vec());
        self.db
            .tenant(user, move |conn| {
                async move { omnicrm_repo::claim_idempotency_key(conn, user, &key, &fingerprint).await }.boxed()
            })
            .await
    }

    /// Stores the response of the request that claimed `key`.
    pub async fn complete(
        &self,
        user: UserId,
        key: &str,
        response: StoredResponse,
    ) -> Result<(), AppError> {
        let key = key.to_owned();
        self.db
            .tenant(user, move |conn| {
                async move { omnicrm_repo::complete_idempotency_key(conn, user, &key, &response).await }.boxed()
            })
            .await
    }

    /// Frees `key` after a request that must not be replayed (a server error).
    pub async fn release(&self, user: UserId, key: &str) -> Result<(), AppError> {
        let key = key.to_owned();
        self.db
            .tenant(user, move |conn| {
                async move { omnicrm_repo::release_idempotency_key(conn, user, &key).await }.boxed()
            })
            .await
    }

    /// Deletes every user's keys older than [`KEY_LIFETIME_HOURS`]; returns how many.
    pub async fn sweep(db: &Db) -> Result<u64, AppError> {
        db.unscoped(|conn| async move { omnicrm_repo::sweep_idempotency_keys(conn).await }.boxed())
            .await
    }
}
