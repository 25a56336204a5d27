//! Row versions behind `ETag`s and `If-Match` (ADR 0016): the HTTP layer names the row a
//! request is about; the check itself runs inside the request's own tenant transaction
//! (see [`omnicrm_repo::RowCondition`]).

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
pub use omnicrm_repo::{
    RowAccepts as Accepts, RowCondition, RowKey, RowVersion as Version, VersionedRow,
};

/// Reads row versions outside a handler's transaction.
#[derive(Debug, Clone)]
pub struct RowVersionsService {
    db: Db,
}

impl RowVersionsService {
    /// Over the shared database handle.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// The committed version of `row` (`None`: no such row for this user). Used for the
    /// `ETag` of a resource a handler just created and committed.
    pub async fn current(&self, user: UserId, row: VersionedRow) -> Result<Version, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move { omnicrm_repo::read_row_version(conn, user, &row, false).await }.boxed()
            })
            .await
    }
}
