//! Row types: each field is the column of the same name (the migrations document them).

#![allow(
    missing_docs,
    reason = "row fields are the table's columns one to one; the migrations document them"
)]

use diesel::prelude::*;
use omnicrm_domain::entities::FileType;
use omnicrm_domain::files::PhotoAccessEntry;
use omnicrm_domain::{ContactId, UserId};
use omnicrm_problem::AppError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::schema::{client_files, photo_access_audit};

/// A `client_files` row as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = client_files, check_for_backend(diesel::pg::Pg))]
pub struct ClientFileRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub contact_id: Uuid,
    pub file_type: String,
    pub file_path: String,
    pub mime_type: Option<String>,
    pub file_size: Option<i32>,
    pub created_at: OffsetDateTime,
}

impl ClientFileRow {
    /// The typed kind; a value outside the `CHECK` list is an internal fault.
    pub fn kind(&self) -> Result<FileType, AppError> {
        FileType::parse(&self.file_type).ok_or_else(|| {
            AppError::internal(format!("unknown client_files.file_type {}", self.file_type))
        })
    }

    /// The contact it belongs to.
    pub fn contact(&self) -> ContactId {
        ContactId(self.contact_id)
    }
}

/// Values for `INSERT INTO client_files`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = client_files)]
pub struct NewClientFileRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub contact_id: Uuid,
    pub file_type: String,
    pub file_path: String,
    pub mime_type: Option<String>,
    pub file_size: Option<i32>,
}

impl NewClientFileRow {
    /// A fresh row for a stored object.
    pub fn new(
        user: UserId,
        contact: ContactId,
        kind: FileType,
        path: &str,
        mime: &str,
        size: usize,
    ) -> Result<Self, AppError> {
        Ok(Self {
            user_id: user.into_uuid(),
            id: Uuid::now_v7(),
            contact_id: contact.into_uuid(),
            file_type: kind.as_str().to_owned(),
            file_path: path.to_owned(),
            mime_type: Some(mime.to_owned()),
            file_size: Some(i32::try_from(size).map_err(AppError::internal)?),
        })
    }
}

/// Values for `INSERT INTO photo_access_audit` (`accessed_at` is the transaction's `now()`).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = photo_access_audit)]
pub struct NewPhotoAccessRow {
    pub user_id: Uuid,
    pub id: Uuid,
    pub contact_id: Uuid,
    pub photo_path: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

/// A `photo_access_audit` row as the access log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = photo_access_audit, check_for_backend(diesel::pg::Pg))]
pub struct PhotoAccessRow {
    pub id: Uuid,
    pub photo_path: String,
    pub accessed_at: OffsetDateTime,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

impl From<PhotoAccessRow> for PhotoAccessEntry {
    fn from(row: PhotoAccessRow) -> Self {
        Self {
            id: row.id,
            photo_path: row.photo_path,
            accessed_at: row.accessed_at,
            ip_address: row.ip_address,
            user_agent: row.user_agent,
        }
    }
}
