use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::{ContactId, UserId};
use omnicrm_problem::AppError;
use uuid::Uuid;

use crate::error::RepoErrorExt;
use crate::schema::contacts;

/// The `contacts.photo_url` column (a storage key, despite its name) and contact existence
/// checks the file routes need.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContactPhotos;

impl ContactPhotos {
    /// Locks the contact row (`FOR UPDATE`, so concurrent photo changes serialise) and
    /// returns its current photo key; 404 when the contact is not the user's.
    pub async fn lock_current(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
    ) -> Result<Option<String>, AppError> {
        contacts::table
            .filter(contacts::user_id.eq(user))
            .filter(contacts::id.eq(contact))
            .select(contacts::photo_url)
            .for_update()
            .first(conn)
            .await
            .map_db_error()
    }

    /// Sets (or clears) the contact's photo key.
    pub async fn set(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
        key: Option<&str>,
    ) -> Result<(), AppError> {
        let changed = diesel::update(contacts::table)
            .filter(contacts::user_id.eq(user))
            .filter(contacts::id.eq(contact))
            .set(contacts::photo_url.eq(key))
            .execute(conn)
            .await
            .map_db_error()?;
        if changed == 0 {
            return Err(AppError::not_found());
        }
        Ok(())
    }

    /// Clears the photo key of whichever contact of the user holds `key` (after its file
    /// row was deleted through the files route).
    pub async fn clear_key(
        conn: &mut AsyncPgConnection,
        user: UserId,
        key: &str,
    ) -> Result<usize, AppError> {
        diesel::update(contacts::table)
            .filter(contacts::user_id.eq(user))
            .filter(contacts::photo_url.eq(key))
            .set(contacts::photo_url.eq(None::<String>))
            .execute(conn)
            .await
            .map_db_error()
    }

    /// Whether the contact exists for the user.
    pub async fn contact_exists(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
    ) -> Result<bool, AppError> {
        let found: Option<Uuid> = contacts::table
            .filter(contacts::user_id.eq(user))
            .filter(contacts::id.eq(contact))
            .select(contacts::id)
            .first(conn)
            .await
            .optional()
            .map_db_error()?;
        Ok(found.is_some())
    }
}
