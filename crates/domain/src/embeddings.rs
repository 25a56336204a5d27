//! The user's view of their embeddings (`GET /data-intelligence/embeddings`): which model
//! embeds their items, and per kind how many items there are, how many carry vectors of
//! that model and how many wait to be (re-)embedded.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::search::{SearchKind, SemanticStatus};

string_enum! {
    /// What embeds the items.
    EmbeddingBackend {
        /// The in-process model (no text leaves the server).
        Local => "local",
        /// The configured AI provider's embedding model (redacted text is sent).
        Provider => "provider",
        /// Nothing: semantic search is unavailable and items wait.
        None => "none",
    }
}

/// One kind of item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmbeddingKindStatus {
    /// The kind.
    #[serde(rename = "type")]
    pub kind: SearchKind,
    /// The user's items of this kind.
    pub items: i64,
    /// Items with vectors of the current model.
    pub embedded: i64,
    /// Items waiting to be (re-)embedded (new or changed since).
    pub pending: i64,
    /// Vectors (chunks) of the current model.
    pub chunks: i64,
}

/// Answer of `GET /data-intelligence/embeddings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmbeddingStatus {
    /// Whether semantic search can answer.
    pub semantic: SemanticStatus,
    /// What embeds the items.
    pub backend: EmbeddingBackend,
    /// The current model (`null` without one); vectors of another model are never
    /// compared and are replaced as items are re-embedded.
    pub model: Option<String>,
    /// Length of the current model's vectors.
    pub dimensions: Option<u32>,
    /// Per kind of item.
    pub types: Vec<EmbeddingKindStatus>,
    /// All kinds: items.
    pub items: i64,
    /// All kinds: items with vectors of the current model.
    pub embedded: i64,
    /// All kinds: items waiting.
    pub pending: i64,
    /// Vectors of other models or dimensions (left from a model change; a backfill
    /// replaces them).
    pub stale_chunks: i64,
    /// When a vector of the current model was last stored.
    #[serde(default, with = "crate::timestamp::option")]
    pub last_embedded_at: Option<OffsetDateTime>,
}
