//! Stored files (client photos and documents) behind [`BlobStore`], addressed by
//! [`ObjectKey`]s that always start with the owner's user id.

mod key;
mod local;

use std::fmt;
use std::pin::Pin;

use futures_util::future::BoxFuture;
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;

pub use key::ObjectKey;
pub use local::LocalStore;

/// Why a storage operation failed. Clients only ever see a generic 500.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The key is not one this application would have produced.
    #[error("invalid object key: {0}")]
    InvalidKey(String),
    /// The backend failed.
    #[error("storage I/O failed on {key}: {source}")]
    Io {
        /// The object involved.
        key: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl From<StorageError> for AppError {
    fn from(err: StorageError) -> Self {
        AppError::internal(err)
    }
}

/// A stored object's bytes, read as a stream (large objects such as export archives are
/// never held in memory whole).
pub type ObjectReader = Pin<Box<dyn tokio::io::AsyncRead + Send>>;

/// Where file bytes live. Implementations must make `put` atomic (a reader never sees a
/// half-written object) and treat deleting a missing object as success, so erasure and
/// retries are idempotent.
pub trait BlobStore: Send + Sync + fmt::Debug {
    /// Stores `bytes` under `key`, replacing any previous object.
    fn put<'a>(
        &'a self,
        key: &'a ObjectKey,
        bytes: Vec<u8>,
    ) -> BoxFuture<'a, Result<(), StorageError>>;

    /// The object's bytes, or `None` when there is none.
    fn get<'a>(
        &'a self,
        key: &'a ObjectKey,
    ) -> BoxFuture<'a, Result<Option<Vec<u8>>, StorageError>>;

    /// Removes the object (missing is fine).
    fn delete<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, Result<(), StorageError>>;

    /// Every object of `owner`, in key order.
    fn list_owner(&self, owner: UserId) -> BoxFuture<'_, Result<Vec<ObjectKey>, StorageError>>;

    /// Removes every object of `owner`; returns how many there were.
    fn delete_owner(&self, owner: UserId) -> BoxFuture<'_, Result<u64, StorageError>>;

    /// Stores the contents of `file` (read from its current position) under `key`,
    /// atomically like [`BlobStore::put`]; returns the bytes stored. For large objects
    /// spooled to a temporary file first.
    fn put_file<'a>(
        &'a self,
        key: &'a ObjectKey,
        file: tokio::fs::File,
    ) -> BoxFuture<'a, Result<u64, StorageError>>;

    /// The object as a stream and its size, or `None` when there is none.
    fn open<'a>(
        &'a self,
        key: &'a ObjectKey,
    ) -> BoxFuture<'a, Result<Option<(ObjectReader, u64)>, StorageError>>;

    /// Every user who has objects stored (for the orphan sweep).
    fn owners(&self) -> BoxFuture<'_, Result<Vec<UserId>, StorageError>>;
}
