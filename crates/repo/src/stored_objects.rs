//! Which stored objects a user's rows refer to, and how many bytes they take: the basis
//! of the storage quota, of deleting objects after their rows, of the orphan sweep and of
//! the export's `files/`. An object is referenced by a `client_files` row, a contact's
//! `photo_url`, an `onboarding_uploads` row, a `user_exports` archive or the voice
//! recording of an `inbox_items` row (`details.voice.objectKey`).

use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Bool, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::{ContactId, UserId};
use omnicrm_problem::AppError;
use uuid::Uuid;

use crate::error::RepoErrorExt;

#[derive(QueryableByName)]
struct Path {
    #[diesel(sql_type = Text)]
    path: String,
}

#[derive(QueryableByName)]
struct Total {
    #[diesel(sql_type = BigInt)]
    bytes: i64,
}

/// Every key the user's rows refer to (`$2`: whether export archives count).
const REFERENCED: &str = include_str!("sql/stored_objects_referenced.sql");

/// Queries over the references to stored objects. Every query filters `user_id`
/// explicitly; row-level security confines them regardless.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoredObjects;

impl StoredObjects {
    /// Bytes of the user's stored files: client files and photos (every photo has a
    /// `client_files` row) and onboarding uploads waiting for their submission. Export
    /// archives are the server's copies and do not count.
    pub async fn usage_bytes(conn: &mut AsyncPgConnection, user: UserId) -> Result<i64, AppError> {
        diesel::sql_query(include_str!("sql/stored_objects_usage_bytes.sql"))
            .bind::<SqlUuid, _>(user)
            .get_result::<Total>(conn)
            .await
            .map_db_error()
            .map(|t| t.bytes)
    }

    /// Every key the user's rows refer to, sorted; export archives only when
    /// `with_exports`.
    pub async fn referenced(
        conn: &mut AsyncPgConnection,
        user: UserId,
        with_exports: bool,
    ) -> Result<Vec<String>, AppError> {
        diesel::sql_query(REFERENCED)
            .bind::<SqlUuid, _>(user)
            .bind::<Bool, _>(with_exports)
            .load::<Path>(conn)
            .await
            .map_db_error()
            .map(|rows| rows.into_iter().map(|r| r.path).collect())
    }

    /// The keys the contacts' rows refer to (their files and photos), to be read before
    /// the contacts are deleted.
    pub async fn of_contacts(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contacts: &[ContactId],
    ) -> Result<Vec<String>, AppError> {
        let ids: Vec<Uuid> = contacts.iter().map(|c| c.0).collect();
        diesel::sql_query(include_str!(
            "sql/stored_objects_referenced_by_contacts.sql"
        ))
        .bind::<SqlUuid, _>(user)
        .bind::<Array<SqlUuid>, _>(ids)
        .load::<Path>(conn)
        .await
        .map_db_error()
        .map(|rows| rows.into_iter().map(|r| r.path).collect())
    }

    /// Of `paths`, those no row of the user refers to any more (e.g. after a delete; a
    /// merge that moved an object to another contact keeps it referenced).
    pub async fn unreferenced_among(
        conn: &mut AsyncPgConnection,
        user: UserId,
        paths: Vec<String>,
    ) -> Result<Vec<String>, AppError> {
        if paths.is_empty() {
            return Ok(paths);
        }
        diesel::sql_query(include_str!("sql/stored_objects_unreferenced.sql"))
            .bind::<SqlUuid, _>(user)
            .bind::<Array<Text>, _>(paths)
            .load::<Path>(conn)
            .await
            .map_db_error()
            .map(|rows| rows.into_iter().map(|r| r.path).collect())
    }

    /// Deletes the uploads of onboarding links that expired before they were used (a
    /// submission consumes its uploads) and returns their keys.
    pub async fn delete_expired_onboarding_uploads(
        conn: &mut AsyncPgConnection,
        user: UserId,
    ) -> Result<Vec<String>, AppError> {
        diesel::sql_query(include_str!(
            "sql/stored_objects_delete_expired_uploads.sql"
        ))
        .bind::<SqlUuid, _>(user)
        .load::<Path>(conn)
        .await
        .map_db_error()
        .map(|rows| rows.into_iter().map(|r| r.path).collect())
    }
}
