use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ContactId;
use crate::entities::FileType;

/// A client file as the API shows it: its record plus a signed download URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientFileView {
    /// Id.
    pub id: Uuid,
    /// The client.
    pub contact_id: ContactId,
    /// Kind of file.
    pub file_type: FileType,
    /// Storage key (`<owner>/<area>/<uuid>.<ext>`); `GET /storage/file-url` signs it again.
    pub file_path: String,
    /// Media type of the stored bytes (from the bytes, never from the client).
    pub mime_type: Option<String>,
    /// Stored size in bytes (after photo preparation).
    pub file_size: Option<i32>,
    /// Uploaded.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// Signed download URL (no token needed) valid until `expiresAt`; null only for a
    /// stored path that is not one of this server's storage keys.
    pub url: Option<String>,
    /// When `url` stops working (at most one hour ahead).
    #[serde(with = "crate::timestamp::option")]
    pub expires_at: Option<OffsetDateTime>,
}

/// `GET /storage/file-url`: a fresh signed URL for a key the caller owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignedFileUrl {
    /// Signed download URL.
    pub signed_url: String,
    /// When it stops working.
    #[serde(with = "crate::timestamp")]
    pub expires_at: OffsetDateTime,
}

/// One entry of a contact's photo access log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PhotoAccessEntry {
    /// Id.
    pub id: Uuid,
    /// Storage key of the photo whose URL was handed out.
    pub photo_path: String,
    /// When.
    #[serde(with = "crate::timestamp")]
    pub accessed_at: OffsetDateTime,
    /// Client IP of the request (the socket peer).
    pub ip_address: Option<String>,
    /// User agent of the request (at most 512 characters).
    pub user_agent: Option<String>,
}

/// A cursor page of the photo access log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PhotoAccessLog {
    /// The entries.
    pub items: Vec<PhotoAccessEntry>,
    /// Pass as `?cursor=` for the next page; absent at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
