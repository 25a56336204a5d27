//! Erasure's step for Google: the user's grants are revoked at Google and their sealed
//! tokens deleted. It runs before the rows go, because revoking needs the token they hold.

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use omnicrm_domain::UserId;
use omnicrm_integrations::google::Google;
use omnicrm_problem::AppError;
use omnicrm_repo::Db;

use crate::user_data::ErasureStep;

/// Revokes a user's Google grants when the user is erased (`google-grants` in the receipt).
#[derive(Debug, Clone)]
pub struct GoogleGrantsStep {
    db: Db,
    google: Google,
}

impl GoogleGrantsStep {
    /// The step over the app's database and Google client.
    pub fn new(db: Db, google: Google) -> Self {
        Self { db, google }
    }
}

impl ErasureStep for GoogleGrantsStep {
    fn name(&self) -> &'static str {
        "google-grants"
    }

    fn erase(&self, user: UserId) -> BoxFuture<'_, Result<u64, AppError>> {
        async move {
            let removed = super::forget_google_grants(&self.db, &self.google, user).await?;
            Ok(u64::try_from(removed).unwrap_or(u64::MAX))
        }
        .boxed()
    }

    fn needs_rows(&self) -> bool {
        true
    }
}
