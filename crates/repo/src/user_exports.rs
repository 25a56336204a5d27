//! `user_exports`: asynchronous exports and their archives.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::RepoErrorExt;
use crate::schema::user_exports;

/// One export as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = user_exports, check_for_backend(diesel::pg::Pg))]
pub struct UserExportRow {
    /// Owner.
    pub user_id: Uuid,
    /// Export id.
    pub id: Uuid,
    /// `pending`, `ready` or `failed`.
    pub status: String,
    /// Storage key of the archive (when ready).
    pub object_key: Option<String>,
    /// Archive size (when ready).
    pub size_bytes: Option<i64>,
    /// When it was requested.
    pub created_at: OffsetDateTime,
    /// When it finished (ready or failed).
    pub finished_at: Option<OffsetDateTime>,
    /// When the archive is removed.
    pub expires_at: Option<OffsetDateTime>,
}

/// Queries over `user_exports`; each filters `user_id` explicitly (RLS confines them too).
#[derive(Debug, Clone, Copy, Default)]
pub struct UserExports;

impl UserExports {
    /// Records a new pending export.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: Uuid,
    ) -> Result<UserExportRow, AppError> {
        diesel::insert_into(user_exports::table)
            .values((user_exports::user_id.eq(user), user_exports::id.eq(id)))
            .returning(UserExportRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// The user's export `id`; 404 when there is none.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: Uuid,
    ) -> Result<UserExportRow, AppError> {
        user_exports::table
            .filter(user_exports::user_id.eq(user))
            .filter(user_exports::id.eq(id))
            .select(UserExportRow::as_select())
            .first(conn)
            .await
            .optional()
            .map_db_error()?
            .ok_or_else(AppError::not_found)
    }

    /// Marks a pending export ready; `false` when it is gone or no longer pending.
    pub async fn mark_ready(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: Uuid,
        key: &str,
        size: i64,
        expires_at: OffsetDateTime,
    ) -> Result<bool, AppError> {
        diesel::update(user_exports::table)
            .filter(user_exports::user_id.eq(user))
            .filter(user_exports::id.eq(id))
            .filter(user_exports::status.eq("pending"))
            .set((
                user_exports::status.eq("ready"),
                user_exports::object_key.eq(key),
                user_exports::size_bytes.eq(size),
                user_exports::finished_at.eq(diesel::dsl::now),
                user_exports::expires_at.eq(expires_at),
            ))
            .execute(conn)
            .await
            .map_db_error()
            .map(|n| n == 1)
    }

    /// Marks a pending export failed.
    pub async fn mark_failed(
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: Uuid,
    ) -> Result<(), AppError> {
        diesel::update(user_exports::table)
            .filter(user_exports::user_id.eq(user))
            .filter(user_exports::id.eq(id))
            .filter(user_exports::status.eq("pending"))
            .set((
                user_exports::status.eq("failed"),
                user_exports::finished_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await
            .map_db_error()
            .map(drop)
    }

    /// Deletes the user's expired exports and returns their archives' keys.
    pub async fn delete_expired(
        conn: &mut AsyncPgConnection,
        user: UserId,
    ) -> Result<Vec<String>, AppError> {
        diesel::delete(user_exports::table)
            .filter(user_exports::user_id.eq(user))
            .filter(user_exports::expires_at.lt(diesel::dsl::now))
            .returning(user_exports::object_key)
            .get_results::<Option<String>>(conn)
            .await
            .map_db_error()
            .map(|keys| keys.into_iter().flatten().collect())
    }
}

/// How an export left the server ([`record_export`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// `GET /user/export`: the archive was sent in the response.
    Download,
    /// `POST /user/export`: the archive was stored for signed downloads.
    Stored,
}

impl ExportKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Download => "download",
            Self::Stored => "stored",
        }
    }
}

/// Records that an archive of `user`'s data of `size` bytes, taken at `exported_at`, was
/// handed out (`user_export_records`), with the sign-in session that asked for it.
pub async fn record_export(
    conn: &mut AsyncPgConnection,
    user: UserId,
    kind: ExportKind,
    exported_at: OffsetDateTime,
    size: i64,
    session: Option<&str>,
) -> Result<(), AppError> {
    use crate::schema::user_export_records as r;
    diesel::insert_into(r::table)
        .values((
            r::user_id.eq(user),
            r::id.eq(Uuid::now_v7()),
            r::kind.eq(kind.as_str()),
            r::exported_at.eq(exported_at),
            r::size_bytes.eq(size),
            r::session_id.eq(session),
        ))
        .execute(conn)
        .await
        .map(drop)
        .map_db_error()
}
