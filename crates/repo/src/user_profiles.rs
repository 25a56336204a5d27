//! `user_profiles`: one row per user, written by an upsert.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::UserId;
use omnicrm_domain::user_profile::{DEFAULT_TIMEZONE, UserProfile, UserProfileChanges};
use omnicrm_problem::AppError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::RepoErrorExt;
use crate::schema::user_profiles;

/// A `user_profiles` row as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = user_profiles, check_for_backend(diesel::pg::Pg))]
#[allow(missing_docs, reason = "the fields are the table's columns one to one")]
pub struct UserProfileRow {
    pub user_id: Uuid,
    pub preferred_name: Option<String>,
    pub organization_name: Option<String>,
    pub profile_photo_url: Option<String>,
    pub bio: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub timezone: String,
    pub locale: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// The row a first PATCH creates: the given fields, everything else empty.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = user_profiles)]
struct NewUserProfileRow {
    user_id: Uuid,
    preferred_name: Option<String>,
    organization_name: Option<String>,
    profile_photo_url: Option<String>,
    bio: Option<String>,
    phone: Option<String>,
    website: Option<String>,
    timezone: String,
    locale: Option<String>,
}

/// What a later PATCH changes: `None` leaves a column alone, `Some(None)` clears it.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = user_profiles)]
struct UserProfileChangeset {
    preferred_name: Option<Option<String>>,
    organization_name: Option<Option<String>>,
    profile_photo_url: Option<Option<String>>,
    bio: Option<Option<String>>,
    phone: Option<Option<String>>,
    website: Option<Option<String>>,
    timezone: Option<String>,
    locale: Option<Option<String>>,
}

/// Reads and upserts the user's profile.
#[derive(Debug, Clone, Copy, Default)]
pub struct UserProfilesRepository;

impl UserProfilesRepository {
    /// The stored profile, if the user ever saved one.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        user: UserId,
    ) -> Result<Option<UserProfileRow>, AppError> {
        user_profiles::table
            .filter(user_profiles::user_id.eq(user))
            .select(UserProfileRow::as_select())
            .first(conn)
            .await
            .optional()
            .map_db_error()
    }

    /// Creates the profile with `changes` or applies them to the existing one, in one
    /// statement (two concurrent first PATCHes cannot both insert). `changes` must not be
    /// empty.
    pub async fn upsert(
        conn: &mut AsyncPgConnection,
        user: UserId,
        changes: &UserProfileChanges,
    ) -> Result<UserProfileRow, AppError> {
        let set = |patch: &Option<Option<String>>| patch.clone().flatten();
        let new_row = NewUserProfileRow {
            user_id: user.into_uuid(),
            preferred_name: set(&changes.preferred_name),
            organization_name: set(&changes.organization_name),
            profile_photo_url: set(&changes.profile_photo_url),
            bio: set(&changes.bio),
            phone: set(&changes.phone),
            website: set(&changes.website),
            timezone: changes
                .timezone
                .clone()
                .unwrap_or_else(|| DEFAULT_TIMEZONE.to_owned()),
            locale: set(&changes.locale),
        };
        let changeset = UserProfileChangeset {
            preferred_name: changes.preferred_name.clone(),
            organization_name: changes.organization_name.clone(),
            profile_photo_url: changes.profile_photo_url.clone(),
            bio: changes.bio.clone(),
            phone: changes.phone.clone(),
            website: changes.website.clone(),
            timezone: changes.timezone.clone(),
            locale: changes.locale.clone(),
        };
        diesel::insert_into(user_profiles::table)
            .values(&new_row)
            .on_conflict(user_profiles::user_id)
            .do_update()
            .set(&changeset)
            .returning(UserProfileRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }
}

impl From<UserProfileRow> for UserProfile {
    fn from(row: UserProfileRow) -> Self {
        UserProfile {
            user_id: row.user_id.into(),
            preferred_name: row.preferred_name,
            organization_name: row.organization_name,
            profile_photo_url: row.profile_photo_url,
            bio: row.bio,
            phone: row.phone,
            website: row.website,
            timezone: row.timezone,
            locale: row.locale,
            created_at: Some(row.created_at),
            updated_at: Some(row.updated_at),
        }
    }
}
