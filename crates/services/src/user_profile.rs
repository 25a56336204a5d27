//! The practitioner's own profile.

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_domain::user_profile::{UpdateUserProfile, UserProfile, UserProfileChanges};
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::user_profiles::UserProfilesRepository;

/// Read and change the user's profile (one per user, created by the first change).
#[derive(Debug, Clone)]
pub struct UserProfileService {
    db: Db,
}

impl UserProfileService {
    /// Wraps the database handle.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// The profile; an empty one (time zone UTC, no timestamps) before the first change.
    pub async fn get(&self, user: UserId) -> Result<UserProfile, AppError> {
        self.db
            .tenant(user, move |conn| {
                async move {
                    Ok(UserProfilesRepository::find(conn, user)
                        .await?
                        .map_or_else(|| UserProfile::empty(user), UserProfile::from))
                }
                .boxed()
            })
            .await
    }

    /// Upserts the profile: absent fields stay, `null` (or blank text) clears, a cleared
    /// time zone becomes UTC. An empty body changes nothing and creates no row.
    pub async fn update(
        &self,
        user: UserId,
        input: UpdateUserProfile,
    ) -> Result<UserProfile, AppError> {
        let changes = UserProfileChanges::from(input);
        if changes.is_empty() {
            return self.get(user).await;
        }
        self.db
            .tenant(user, move |conn| {
                async move {
                    omnicrm_repo::tenants::ensure(conn, user).await?;
                    Ok(UserProfilesRepository::upsert(conn, user, &changes)
                        .await?
                        .into())
                }
                .boxed()
            })
            .await
    }
}
