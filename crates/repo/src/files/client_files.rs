use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_domain::entities::FileType;
use omnicrm_domain::{ContactId, PageRequest, UserId};
use omnicrm_problem::AppError;
use uuid::Uuid;

use super::row::{ClientFileRow, NewClientFileRow};
use crate::error::RepoErrorExt;
use crate::schema::{client_files, contacts};

/// Queries over `client_files`. Every query also filters by `user_id` explicitly (the
/// `(user_id, ..)` indexes); row-level security confines them regardless.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientFilesRepository;

impl ClientFilesRepository {
    /// Inserts a file row. A second row for the same object is a 409 (never expected:
    /// keys are fresh UUIDs).
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        row: &NewClientFileRow,
    ) -> Result<ClientFileRow, AppError> {
        diesel::insert_into(client_files::table)
            .values(row)
            .returning(ClientFileRow::as_returning())
            .get_result(conn)
            .await
            .conflict_on_unique("this object is already recorded")
    }

    /// One file of a contact, or 404.
    pub async fn find(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
        id: Uuid,
    ) -> Result<ClientFileRow, AppError> {
        client_files::table
            .filter(client_files::user_id.eq(user))
            .filter(client_files::contact_id.eq(contact))
            .filter(client_files::id.eq(id))
            .select(ClientFileRow::as_select())
            .first(conn)
            .await
            .map_db_error()
    }

    /// One page of a contact's files, newest first, optionally only some kinds.
    pub async fn list(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
        kinds: &[FileType],
        page: PageRequest,
    ) -> Result<Vec<ClientFileRow>, AppError> {
        let mut query = client_files::table
            .filter(client_files::user_id.eq(user))
            .filter(client_files::contact_id.eq(contact))
            .into_boxed();
        if !kinds.is_empty() {
            query = query.filter(client_files::file_type.eq_any(kind_names(kinds)));
        }
        query
            .order((client_files::created_at.desc(), client_files::id.desc()))
            .select(ClientFileRow::as_select())
            .limit(page.limit())
            .offset(page.offset())
            .load(conn)
            .await
            .map_db_error()
    }

    /// How many files of a contact (of the given kinds, or all) there are.
    pub async fn count(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
        kinds: &[FileType],
    ) -> Result<u64, AppError> {
        let mut query = client_files::table
            .filter(client_files::user_id.eq(user))
            .filter(client_files::contact_id.eq(contact))
            .into_boxed();
        if !kinds.is_empty() {
            query = query.filter(client_files::file_type.eq_any(kind_names(kinds)));
        }
        let total: i64 = query
            .select(count_star())
            .get_result(conn)
            .await
            .map_db_error()?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    /// Deletes one file of a contact and returns its row; 404 when there is none.
    pub async fn delete(
        conn: &mut AsyncPgConnection,
        user: UserId,
        contact: ContactId,
        id: Uuid,
    ) -> Result<ClientFileRow, AppError> {
        diesel::delete(client_files::table)
            .filter(client_files::user_id.eq(user))
            .filter(client_files::contact_id.eq(contact))
            .filter(client_files::id.eq(id))
            .returning(ClientFileRow::as_returning())
            .get_result(conn)
            .await
            .map_db_error()
    }

    /// Deletes the row recording `path` (if any); returns how many went.
    pub async fn delete_by_path(
        conn: &mut AsyncPgConnection,
        user: UserId,
        path: &str,
    ) -> Result<usize, AppError> {
        diesel::delete(client_files::table)
            .filter(client_files::user_id.eq(user))
            .filter(client_files::file_path.eq(path))
            .execute(conn)
            .await
            .map_db_error()
    }

    /// What refers to the object at `path`, if anything: only a referenced object may be
    /// signed or served, so a deleted file's old URL stops working.
    pub async fn reference(
        conn: &mut AsyncPgConnection,
        user: UserId,
        path: &str,
    ) -> Result<Option<FileReference>, AppError> {
        let from_files: Option<(Uuid, String)> = client_files::table
            .filter(client_files::user_id.eq(user))
            .filter(client_files::file_path.eq(path))
            .select((client_files::contact_id, client_files::file_type))
            .first(conn)
            .await
            .optional()
            .map_db_error()?;
        if let Some((contact, kind)) = from_files {
            return Ok(Some(FileReference {
                contact: ContactId(contact),
                is_photo: kind == FileType::Photo.as_str(),
            }));
        }
        let from_photo: Option<Uuid> = contacts::table
            .filter(contacts::user_id.eq(user))
            .filter(contacts::photo_url.eq(path))
            .select(contacts::id)
            .first(conn)
            .await
            .optional()
            .map_db_error()?;
        Ok(from_photo.map(|contact| FileReference {
            contact: ContactId(contact),
            is_photo: true,
        }))
    }
}

/// A row that refers to a stored object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileReference {
    /// The contact the object belongs to.
    pub contact: ContactId,
    /// Whether it is a client photo (its URLs are audited).
    pub is_photo: bool,
}

fn kind_names(kinds: &[FileType]) -> Vec<&'static str> {
    kinds.iter().map(|k| k.as_str()).collect()
}
