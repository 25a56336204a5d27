//! Client files and the photo access audit.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{ContactId, UserId};

string_enum! {
    /// Kind of a client file.
    FileType {
        /// A photo.
        Photo => "photo",
        /// A document.
        Document => "document",
        /// A filled-in form.
        Form => "form",
    }
}

/// A file stored for a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientFile {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub user_id: UserId,
    /// The client.
    pub contact_id: ContactId,
    /// Kind of file.
    pub file_type: FileType,
    /// Storage path.
    pub file_path: String,
    /// MIME type.
    pub mime_type: Option<String>,
    /// Size in bytes.
    pub file_size: Option<i32>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

/// One access to a client's photo (HIPAA/GDPR access log; outlives the contact).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PhotoAccessAudit {
    /// Id.
    pub id: Uuid,
    /// Owner.
    pub user_id: UserId,
    /// The contact whose photo was accessed (may no longer exist).
    pub contact_id: ContactId,
    /// Storage path of the photo.
    pub photo_path: String,
    /// When it was accessed.
    #[serde(with = "crate::timestamp")]
    pub accessed_at: OffsetDateTime,
    /// Textual IP address of the accessor.
    pub ip_address: Option<String>,
    /// User agent of the accessor.
    pub user_agent: Option<String>,
    /// Created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip() {
        assert_enums_round_trip!(FileType);
    }
}
