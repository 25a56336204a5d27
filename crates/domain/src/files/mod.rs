//! Client files and photos: what the file routes accept and answer, and their limits.

mod entity;
mod query;
mod view;

pub use entity::{ClientFile, FileType, PhotoAccessAudit};
pub use query::{FileListQuery, PhotoAccessLogQuery};
pub use view::{ClientFileView, PhotoAccessEntry, PhotoAccessLog, SignedFileUrl};

/// Largest photo upload accepted (`POST /contacts/{id}/photo`), before preparation.
pub const MAX_PHOTO_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// Largest document upload accepted (`POST /contacts/{id}/files`).
pub const MAX_DOCUMENT_UPLOAD_BYTES: usize = 20 * 1024 * 1024;
/// Photos (and images uploaded as documents) are downscaled to fit this many pixels a side.
pub const PHOTO_MAX_SIDE: u32 = 1024;
/// Stored user agents are cut to this many characters.
pub const MAX_USER_AGENT_CHARS: usize = 512;
