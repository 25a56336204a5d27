//! The user's time zone and local day, read in the caller's transaction.

use omnicrm_domain::UserId;
use omnicrm_domain::{Zone, local_date, zone};
use omnicrm_problem::AppError;
use omnicrm_repo::AsyncPgConnection;
use omnicrm_repo::user_profiles::UserProfilesRepository;
use time::{Date, OffsetDateTime};

/// The user's time zone: their profile's, UTC without one.
pub(crate) async fn user_zone(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> Result<Zone, AppError> {
    Ok(UserProfilesRepository::find(conn, user)
        .await?
        .map_or(Zone::UTC, |p| zone(&p.timezone)))
}

/// The user's local day at `now`.
pub(crate) async fn today(
    conn: &mut AsyncPgConnection,
    user: UserId,
    now: OffsetDateTime,
) -> Result<Date, AppError> {
    Ok(local_date(now, user_zone(conn, user).await?))
}
