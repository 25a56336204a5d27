//! Semantic search (ADR 0031): items' texts embedded in overlapping chunks by an
//! [`Embedder`] (the local all-MiniLM-L6-v2, or later a provider), stored per tenant in
//! Postgres, and searched by cosine over every one of the tenant's vectors, held in half
//! precision in a bounded in-memory cache (ADR 0044). Without an embedder everything here
//! reports itself unavailable.

pub mod cache;
pub mod chunk;
pub mod provider;
pub mod queries;
mod sync;

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use omnicrm_domain::UserId;
use omnicrm_domain::embeddings::{EmbeddingBackend, EmbeddingKindStatus, EmbeddingStatus};
use omnicrm_domain::search::{SearchKind, SearchResult, SemanticStatus, highlighted_html};
use omnicrm_problem::AppError;
use omnicrm_repo::embeddings::{EmbeddingsRepository, SourceRow};
use omnicrm_repo::{AsyncPgConnection, Db};

pub use cache::{Nearest, TenantVectors, VectorCache, VectorItem};
pub use omnicrm_embed::Embedder;
pub use provider::{EmbedFailure, ProviderEmbedder};
pub use queries::QueryVectors;
pub use sync::{SYNC_BATCH, SyncSummary};

use crate::user_data::ErasureStep;

/// Default bound of the vector cache (`OMNICRM_VECTOR_CACHE_MB`).
pub const DEFAULT_CACHE_MB: u64 = 256;
/// Characters of a semantic hit's snippet.
const SNIPPET_CHARS: usize = 200;

/// Where nearest neighbours come from: exact cosine over the tenant's stored vectors
/// today; an approximate index (pgvector's) could implement it later. It reads through the
/// caller's tenant transaction, so one search is one transaction (ADR 0050).
pub trait VectorIndex: Send + Sync + std::fmt::Debug {
    /// The `k` items of `kinds` of `user` nearest to `query`, best first, read through
    /// `conn` (a transaction scoped to `user`, shared so that other reads can be pipelined
    /// with these).
    fn nearest<'a>(
        &'a self,
        conn: &'a AsyncPgConnection,
        user: UserId,
        query: Arc<Vec<f32>>,
        kinds: &'a [SearchKind],
        k: usize,
    ) -> BoxFuture<'a, Result<Vec<Nearest>, AppError>>;
}

/// Exhaustive cosine over the tenant's vectors of one model (half precision in memory),
/// read from Postgres into the cache when the tenant's vector version moved.
#[derive(Debug, Clone)]
pub struct ExactCosineIndex {
    cache: Arc<VectorCache>,
    model: String,
    dimensions: usize,
}

impl ExactCosineIndex {
    async fn tenant_vectors(
        &self,
        conn: &AsyncPgConnection,
        user: UserId,
    ) -> Result<Arc<TenantVectors>, AppError> {
        let uuid = user.into_uuid();
        let version = EmbeddingsRepository::version(conn, uuid).await?;
        if let Some(hit) = self.cache.get(user, version) {
            return Ok(hit);
        }
        let dims = i32::try_from(self.dimensions).unwrap_or(i32::MAX);
        let rows = EmbeddingsRepository::vectors(conn, uuid, &self.model, dims).await?;
        let rows = rows
            .into_iter()
            .filter_map(|r| {
                let kind = SearchKind::parse(&r.owner_type)?;
                let item = VectorItem {
                    kind,
                    id: r.owner_id,
                    start: u32::try_from(r.chunk_start).unwrap_or(0),
                };
                Some((item, r.vector))
            })
            .collect();
        let vectors = Arc::new(TenantVectors::new(version, self.dimensions, rows)?);
        self.cache.put(user, Arc::clone(&vectors));
        Ok(vectors)
    }
}

impl VectorIndex for ExactCosineIndex {
    fn nearest<'a>(
        &'a self,
        conn: &'a AsyncPgConnection,
        user: UserId,
        query: Arc<Vec<f32>>,
        kinds: &'a [SearchKind],
        k: usize,
    ) -> BoxFuture<'a, Result<Vec<Nearest>, AppError>> {
        async move {
            let vectors = self.tenant_vectors(conn, user).await?;
            // The same question since the vectors last changed: its answer (ADR 0049).
            if let Some(found) = vectors.kept(&query, kinds, k) {
                return Ok(found.to_vec());
            }
            let kinds = kinds.to_vec();
            // A scan of tens of thousands of vectors takes milliseconds: off the runtime.
            tokio::task::spawn_blocking(move || {
                vectors
                    .nearest_kept(&query, &kinds, k)
                    .map(|found| found.to_vec())
            })
            .await
            .map_err(AppError::internal)?
        }
        .boxed()
    }
}

/// The embedder (if any) and the vector cache, shared by search, the jobs and erasure.
#[derive(Debug, Clone)]
pub struct SemanticIndex {
    embedder: Option<Arc<dyn Embedder>>,
    cache: Arc<VectorCache>,
    /// Vectors of the users' recent queries.
    queries: Arc<QueryVectors>,
    backend: EmbeddingBackend,
    /// With the provider backend: its embedder and the limits and accounting every call
    /// goes through.
    provider: Option<(ProviderEmbedder, crate::ai::AiService)>,
}

impl SemanticIndex {
    /// Semantic search unavailable: no embedder.
    pub fn unavailable() -> Self {
        Self {
            embedder: None,
            cache: Arc::new(VectorCache::new(0)),
            queries: Arc::new(QueryVectors::new(0)),
            backend: EmbeddingBackend::None,
            provider: None,
        }
    }

    /// Over `embedder`, caching at most `cache_mb` MiB of vectors.
    pub fn new(embedder: Arc<dyn Embedder>, cache_mb: u64) -> Self {
        let bytes = usize::try_from(cache_mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX);
        Self {
            embedder: Some(embedder),
            cache: Arc::new(VectorCache::new(bytes)),
            queries: Arc::new(QueryVectors::new(queries::DEFAULT_QUERY_VECTORS)),
            backend: EmbeddingBackend::Local,
            provider: None,
        }
    }

    /// Over the AI provider's embedding model (`OMNICRM_EMBED_BACKEND=provider`): vectors
    /// of `dimensions` numbers, every call admitted by the user's limits and recorded in
    /// `ai_usage` through `ai`; unavailable (and logged) without an API key.
    pub fn provider(ai: crate::ai::AiService, dimensions: usize, cache_mb: u64) -> Self {
        let Ok(client) = ai.client().cloned() else {
            tracing::warn!(
                "OMNICRM_EMBED_BACKEND=provider without OMNICRM_AI_API_KEY: semantic search is unavailable"
            );
            return Self::unavailable();
        };
        let embedder = ProviderEmbedder::new(client, dimensions);
        tracing::info!(
            model = embedder.model(),
            dimensions,
            "embedding through the AI provider"
        );
        Self {
            provider: Some((embedder.clone(), ai)),
            backend: EmbeddingBackend::Provider,
            ..Self::new(Arc::new(embedder), cache_mb)
        }
    }

    /// Embeds `texts` for `user`: the local model, or the provider behind the user's
    /// limits (whose refusals and 429s are [`EmbedFailure::Busy`]).
    pub async fn embed_for(
        &self,
        user: UserId,
        texts: Vec<String>,
    ) -> Result<Vec<Vec<f32>>, EmbedFailure> {
        if let Some((embedder, ai)) = &self.provider {
            return provider::embed_for_user(embedder, ai, user, texts).await;
        }
        let embedder = self
            .embedder
            .as_ref()
            .ok_or_else(|| AppError::internal("no embedder is configured"))?;
        embedder
            .embed(texts)
            .await
            .map_err(|e| EmbedFailure::Failed(AppError::internal(e)))
    }

    /// The vector of `user`'s search `query`: from the user's recent queries, else the
    /// local model's query queue, else the provider behind the user's limits.
    pub async fn embed_query_for(
        &self,
        user: UserId,
        query: &str,
    ) -> Result<Arc<Vec<f32>>, EmbedFailure> {
        if let Some(hit) = self.queries.get(user, query) {
            return Ok(hit);
        }
        let vector = if self.provider.is_some() {
            self.embed_for(user, vec![query.to_owned()])
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| AppError::internal("the embedder returned no vector"))?
        } else {
            let embedder = self
                .embedder
                .as_ref()
                .ok_or_else(|| AppError::internal("no embedder is configured"))?;
            embedder
                .embed_query(query.to_owned())
                .await
                .map_err(|e| EmbedFailure::Failed(AppError::internal(e)))?
        };
        let vector = Arc::new(vector);
        self.queries.put(user, query, Arc::clone(&vector));
        Ok(vector)
    }

    /// What embeds the items.
    pub fn backend(&self) -> EmbeddingBackend {
        self.backend
    }

    /// The user's embedding state: per kind, items, those embedded by the current model
    /// and those waiting.
    pub async fn status(&self, db: &Db, user: UserId) -> Result<EmbeddingStatus, AppError> {
        let (model, dimensions) = match &self.embedder {
            Some(e) => (Some(e.model().to_owned()), Some(e.dimensions())),
            None => (None, None),
        };
        let (query_model, query_dims) = (
            model.clone().unwrap_or_default(),
            dimensions.map_or(0, |d| i32::try_from(d).unwrap_or(i32::MAX)),
        );
        let uuid = user.into_uuid();
        let (rows, stale) = db
            .tenant(user, move |conn| {
                async move {
                    EmbeddingsRepository::status(conn, uuid, &query_model, query_dims).await
                }
                .boxed()
            })
            .await?;
        let types: Vec<EmbeddingKindStatus> = rows
            .into_iter()
            .filter_map(|r| {
                Some(EmbeddingKindStatus {
                    kind: SearchKind::parse(&r.owner_type)?,
                    items: r.items,
                    embedded: r.embedded,
                    pending: r.pending,
                    chunks: r.chunks,
                })
            })
            .collect();
        Ok(EmbeddingStatus {
            semantic: if self.embedder.is_some() {
                SemanticStatus::Available
            } else {
                SemanticStatus::Unavailable
            },
            backend: self.backend,
            model,
            dimensions: dimensions.map(|d| u32::try_from(d).unwrap_or(u32::MAX)),
            items: types.iter().map(|t| t.items).sum(),
            embedded: types.iter().map(|t| t.embedded).sum(),
            pending: types.iter().map(|t| t.pending).sum(),
            types,
            stale_chunks: stale.stale_chunks,
            last_embedded_at: stale.last_embedded_at,
        })
    }

    /// The local model from `dir` (`OMNICRM_EMBED_MODEL_DIR`), inference bounded to one
    /// batch at a time on the blocking pool (ADR 0025); unavailable, and logged, when the
    /// directory holds no model or the model does not load.
    pub async fn load_local(dir: std::path::PathBuf, cache_mb: u64) -> Self {
        if !omnicrm_embed::model_present(&dir) {
            tracing::info!(
                dir = %dir.display(),
                "no embedding model: semantic search is unavailable (scripts/fetch-embedding-model installs it)"
            );
            return Self::unavailable();
        }
        match omnicrm_embed::LocalEmbedder::load(dir.clone(), 1).await {
            Ok(embedder) => {
                tracing::info!(model = omnicrm_embed::MODEL_NAME, "embedding model loaded");
                Self::new(Arc::new(embedder), cache_mb)
            }
            Err(err) => {
                tracing::error!(dir = %dir.display(), error = %err, "the embedding model did not load: semantic search is unavailable");
                Self::unavailable()
            }
        }
    }

    /// The embedder, when semantic search is available.
    pub fn embedder(&self) -> Option<&Arc<dyn Embedder>> {
        self.embedder.as_ref()
    }

    /// The vector cache.
    pub fn cache(&self) -> &Arc<VectorCache> {
        &self.cache
    }

    /// The users' recent query vectors.
    pub fn queries(&self) -> &Arc<QueryVectors> {
        &self.queries
    }

    /// The exact index for the embedder's model.
    pub fn index(&self) -> Option<ExactCosineIndex> {
        let embedder = self.embedder.as_ref()?;
        Some(ExactCosineIndex {
            cache: Arc::clone(&self.cache),
            model: embedder.model().to_owned(),
            dimensions: embedder.dimensions(),
        })
    }

    /// Embeds the user's waiting items (at most `max_items`); `None` without an embedder.
    pub async fn sync_user(
        &self,
        db: &Db,
        user: UserId,
        max_items: usize,
    ) -> Result<Option<SyncSummary>, EmbedFailure> {
        let Some(embedder) = &self.embedder else {
            return Ok(None);
        };
        sync::sync_user(db, self, embedder.as_ref(), user, max_items)
            .await
            .map(Some)
    }

    /// Marks every item of the user as waiting, then embeds them (the backfill).
    pub async fn backfill_user(
        &self,
        db: &Db,
        user: UserId,
    ) -> Result<Option<SyncSummary>, EmbedFailure> {
        if self.embedder.is_none() {
            return Ok(None);
        }
        let uuid = user.into_uuid();
        db.tenant(user, move |conn| {
            async move { EmbeddingsRepository::mark_all_pending(conn, uuid).await }.boxed()
        })
        .await?;
        self.sync_user(db, user, usize::MAX).await
    }

    /// The `limit` items nearest in meaning to `query`, as search results; `None` without
    /// an embedder.
    pub async fn search(
        &self,
        db: &Db,
        user: UserId,
        query: &str,
        kinds: &[SearchKind],
        limit: usize,
    ) -> Result<Option<Vec<SearchResult>>, AppError> {
        let (Some(index), Some(query_vector)) =
            (self.index(), self.query_vector(user, query).await?)
        else {
            return Ok(None);
        };
        let kinds = kinds.to_vec();
        // One transaction: the vectors' version, then the nearest items' texts.
        let results = db
            .tenant(user, move |conn| {
                async move {
                    Self::search_on(&index, conn, user, query_vector, &kinds, limit).await
                }
                .boxed()
            })
            .await?;
        Ok(Some(results))
    }

    /// The vector of `user`'s search `query`, or `None` when semantic search cannot answer
    /// it now: no embedder, or the provider is rate limiting or a limit of the user's is
    /// spent (the search is then lexical and says so).
    pub async fn query_vector(
        &self,
        user: UserId,
        query: &str,
    ) -> Result<Option<Arc<Vec<f32>>>, AppError> {
        if self.embedder.is_none() {
            return Ok(None);
        }
        match self.embed_query_for(user, query).await {
            Ok(vector) => Ok(Some(vector)),
            Err(EmbedFailure::Busy { reason, .. }) => {
                tracing::info!(reason, "semantic search skipped");
                Ok(None)
            }
            Err(EmbedFailure::Failed(err)) => Err(err),
        }
    }

    /// The `limit` items nearest in meaning to `query_vector` (see
    /// [`SemanticIndex::query_vector`]), as search results, read through `conn` (a
    /// transaction scoped to `user`; shared, so a caller can pipeline other reads with these).
    pub async fn search_on(
        index: &dyn VectorIndex,
        conn: &AsyncPgConnection,
        user: UserId,
        query_vector: Arc<Vec<f32>>,
        kinds: &[SearchKind],
        limit: usize,
    ) -> Result<Vec<SearchResult>, AppError> {
        let near = index
            .nearest(conn, user, query_vector, kinds, limit)
            .await?;
        if near.is_empty() {
            return Ok(Vec::new());
        }
        let (kind_names, ids): (Vec<String>, Vec<uuid::Uuid>) = near
            .iter()
            .map(|n| (n.item.kind.as_str().to_owned(), n.item.id))
            .unzip();
        let sources =
            EmbeddingsRepository::sources(conn, user.into_uuid(), kind_names, ids).await?;
        let by_key: HashMap<(String, uuid::Uuid), SourceRow> = sources
            .into_iter()
            .map(|s| ((s.kind.clone(), s.id), s))
            .collect();
        // Deleted since they were embedded: left out.
        Ok(near
            .into_iter()
            .filter_map(|n| {
                let source = by_key.get(&(n.item.kind.as_str().to_owned(), n.item.id))?;
                Some(SearchResult {
                    kind: n.item.kind,
                    id: n.item.id,
                    title: source.title.clone(),
                    snippet: excerpt(&source.body, n.item.start as usize),
                    score: n.score.clamp(0.0, 1.0),
                    path: n.item.kind.api_path(n.item.id),
                    created_at: source.created_at,
                })
            })
            .collect())
    }
}

/// About [`SNIPPET_CHARS`] characters of `body` from character `start`, ending at a word,
/// as escaped HTML.
fn excerpt(body: &str, start: usize) -> String {
    let tail: String = body
        .chars()
        .skip(start)
        .take(SNIPPET_CHARS + 1)
        .filter(|c| *c != '\u{2}' && *c != '\u{3}')
        .collect();
    let text = if tail.chars().count() > SNIPPET_CHARS {
        let cut: String = tail.chars().take(SNIPPET_CHARS).collect();
        match cut.rfind(char::is_whitespace) {
            Some(i) if i > SNIPPET_CHARS / 2 => format!("{} …", cut[..i].trim_end()),
            _ => format!("{cut} …"),
        }
    } else {
        tail
    };
    highlighted_html(text.trim())
}

/// Erasure drops the user's cached vectors and recent queries (`vector-cache`).
#[derive(Debug, Clone)]
pub struct VectorCacheStep {
    cache: Arc<VectorCache>,
    queries: Arc<QueryVectors>,
}

impl VectorCacheStep {
    /// Over the index's cache.
    pub fn new(index: &SemanticIndex) -> Self {
        Self {
            cache: Arc::clone(&index.cache),
            queries: Arc::clone(&index.queries),
        }
    }
}

impl ErasureStep for VectorCacheStep {
    fn name(&self) -> &'static str {
        "vector-cache"
    }

    fn erase(&self, user: UserId) -> BoxFuture<'_, Result<u64, AppError>> {
        let forgot = u64::from(self.cache.forget(user));
        let queries = u64::try_from(self.queries.forget(user)).unwrap_or(u64::MAX);
        async move { Ok(forgot + queries) }.boxed()
    }

    fn remaining(&self, user: UserId) -> BoxFuture<'_, Result<Option<u64>, AppError>> {
        let held = u64::from(self.cache.holds(user))
            + u64::try_from(self.queries.count_of(user)).unwrap_or(u64::MAX);
        async move { Ok(Some(held)) }.boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_start_at_the_chunk_end_at_a_word_and_are_escaped() {
        assert_eq!(excerpt("a <b> c", 2), "&lt;b&gt; c");
        let long = "word ".repeat(100);
        let e = excerpt(&long, 0);
        assert!(
            e.ends_with("word …") && e.chars().count() <= SNIPPET_CHARS + 2,
            "{e}"
        );
    }
}

/// The user's embeddings: their state, and a backfill on request.
#[derive(Debug, Clone)]
pub struct EmbeddingsService {
    db: Db,
    index: SemanticIndex,
}

impl EmbeddingsService {
    /// Over `db` and the semantic index.
    pub fn new(db: Db, index: SemanticIndex) -> Self {
        Self { db, index }
    }

    /// The user's embedding state.
    pub async fn status(&self, user: UserId) -> Result<EmbeddingStatus, AppError> {
        self.index.status(&self.db, user).await
    }

    /// Queues a re-embedding of every item of the user (one at a time per user) and
    /// returns the job id; 503 `integration_not_configured` without an embedder.
    pub async fn request_backfill(&self, user: UserId) -> Result<uuid::Uuid, AppError> {
        if self.index.embedder().is_none() {
            return Err(
                AppError::new(omnicrm_problem::ErrorCode::IntegrationNotConfigured).with_detail(
                    "no embedding model or provider is configured: semantic search is unavailable",
                ),
            );
        }
        crate::job_kinds::embeddings::request_backfill(&self.db, user).await
    }
}
