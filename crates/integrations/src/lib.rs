//! Adapters between OmniCRM and the world outside its database: stored files and the signed
//! URLs that serve them, photo preparation, and key derivation from the master keys.
//! Google's OAuth endpoints and the token vault live here too, and the AI provider's
//! OpenAI-compatible client ([`ai`]).

pub mod ai;
pub mod audio;
pub mod google;
pub mod images;
pub mod keys;
pub mod signing;
pub mod storage;
pub mod vault;

pub use audio::{AudioKind, audio_content_type, sniff_audio};
pub use images::{
    DecodeStats, FileKind, ImageError, MAX_DECODED_BYTES, PreparedImage, decode_stats,
    prepare_photo, sniff,
};
pub use signing::{SignatureError, SignedUrl, UrlSigner};
pub use storage::{BlobStore, LocalStore, ObjectKey, ObjectReader, StorageError};
pub use vault::{Opened, SealedFor, TokenVault, VaultError};
