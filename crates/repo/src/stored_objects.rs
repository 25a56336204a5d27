//! Which stored objects a user's rows refer to, and how many bytes they take: the basis
//! of the storage quota, of deleting objects after their rows, of the orphan sweep and of
//! the export's `files/`. An object is referenced by a `client_files` row, a contact's
//! `photo_url`, an `onboarding_uploads` row or a `user_exports` archive.

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
const REFERENCED: &str = "
SELECT file_path AS path FROM client_files WHERE user_id = $1
UNION SELECT photo_url FROM contacts WHERE user_id = $1 AND photo_url IS NOT NULL
UNION SELECT object_key FROM onboarding_uploads WHERE user_id = $1
UNION SELECT object_key FROM user_exports WHERE user_id = $1 AND $2 AND object_key IS NOT NULL
ORDER BY 1";

/// Queries over the references to stored objects. Every query filters `user_id`
/// explicitly; row-level security confines them regardless.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoredObjects;

impl StoredObjects {
    /// Bytes of the user's stored files: client files and photos (every photo has a
    /// `client_files` row) and onboarding uploads waiting for their submission. Export
    /// archives are the server's copies and do not count.
    pub async fn usage_bytes(conn: &mut AsyncPgConnection, user: UserId) -> Result<i64, AppError> {
        diesel::sql_query(
            "SELECT ((SELECT coalesce(sum(file_size), 0) FROM client_files WHERE user_id = $1)
                   + (SELECT coalesce(sum(file_size), 0) FROM onboarding_uploads WHERE user_id = $1)
                    )::int8 AS bytes",
        )
        .bind::<SqlUuid, _>(user.into_uuid())
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
            .bind::<SqlUuid, _>(user.into_uuid())
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
        diesel::sql_query(
            "SELECT file_path AS path FROM client_files WHERE user_id = $1 AND contact_id = ANY($2)
             UNION SELECT photo_url FROM contacts
                   WHERE user_id = $1 AND id = ANY($2) AND photo_url IS NOT NULL",
        )
        .bind::<SqlUuid, _>(user.into_uuid())
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
        diesel::sql_query(
            "SELECT p AS path FROM unnest($2::text[]) AS p
             WHERE NOT EXISTS (SELECT 1 FROM client_files f WHERE f.user_id = $1 AND f.file_path = p)
               AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.user_id = $1 AND c.photo_url = p)
               AND NOT EXISTS (SELECT 1 FROM onboarding_uploads o
                               WHERE o.user_id = $1 AND o.object_key = p)
               AND NOT EXISTS (SELECT 1 FROM user_exports e WHERE e.user_id = $1 AND e.object_key = p)",
        )
        .bind::<SqlUuid, _>(user.into_uuid())
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
        diesel::sql_query(
            "DELETE FROM onboarding_uploads u USING onboarding_tokens t
             WHERE u.user_id = $1 AND t.user_id = $1 AND t.id = u.token_id
               AND t.expires_at < now()
             RETURNING u.object_key AS path",
        )
        .bind::<SqlUuid, _>(user.into_uuid())
        .load::<Path>(conn)
        .await
        .map_db_error()
        .map(|rows| rows.into_iter().map(|r| r.path).collect())
    }
}
