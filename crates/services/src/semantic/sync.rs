//! Embedding a tenant's waiting items: chunk each text, skip chunks whose text hash is
//! already stored for that position, reuse a stored vector of the same text anywhere in
//! the tenant, embed the rest in batches, and store it all with the pending entries
//! cleared in one transaction.

use std::collections::{HashMap, HashSet};

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::embeddings::{EmbeddingsRepository, ItemChunks, NewChunk, PendingRow};
use uuid::Uuid;

use super::chunk::chunks;
use super::{EmbedFailure, Embedder, SemanticIndex};

/// Items read per round (one read transaction, one embedding call, one write).
pub const SYNC_BATCH: usize = 64;

/// What a sync did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncSummary {
    /// Items processed (including deleted ones, whose entries were dropped).
    pub items: usize,
    /// Chunks run through the model.
    pub embedded: usize,
    /// Chunks whose text was already stored (not embedded again).
    pub cached: usize,
}

/// A chunk to store, its text kept until it is embedded.
struct Planned {
    chunk: NewChunk,
    text: String,
}

struct Round {
    pending: Vec<PendingRow>,
    planned: Vec<Planned>,
    items: Vec<ItemChunks>,
    reusable: HashMap<String, Vec<u8>>,
    unchanged: usize,
}

fn sha256_hex(text: &str) -> String {
    use std::fmt::Write as _;
    ring::digest::digest(&ring::digest::SHA256, text.as_bytes())
        .as_ref()
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Little-endian bytes of a vector.
pub(super) fn to_bytes(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|x| x.to_le_bytes()).collect()
}

async fn read_round(db: &Db, user: UserId, model: String, dims: i32) -> Result<Round, AppError> {
    let uuid = user.into_uuid();
    db.tenant(user, move |conn| {
        async move {
            let limit = i64::try_from(SYNC_BATCH).unwrap_or(64);
            let pending = EmbeddingsRepository::pending(conn, uuid, limit).await?;
            if pending.is_empty() {
                return Ok(Round {
                    pending,
                    planned: Vec::new(),
                    items: Vec::new(),
                    reusable: HashMap::new(),
                    unchanged: 0,
                });
            }
            let (kinds, ids): (Vec<String>, Vec<Uuid>) = pending
                .iter()
                .map(|p| (p.owner_type.clone(), p.owner_id))
                .unzip();
            let sources =
                EmbeddingsRepository::sources(conn, uuid, kinds.clone(), ids.clone()).await?;
            let stored: HashSet<(String, Uuid, i32, String)> =
                EmbeddingsRepository::chunk_keys(conn, uuid, &model, dims, kinds, ids)
                    .await?
                    .into_iter()
                    .map(|k| (k.owner_type, k.owner_id, k.chunk_index, k.content_hash))
                    .collect();
            let mut planned = Vec::new();
            let mut items = Vec::new();
            let mut unchanged = 0;
            for source in &sources {
                let parts = chunks(&source.body);
                items.push(ItemChunks {
                    owner_type: source.kind.clone(),
                    owner_id: source.id,
                    chunks: i32::try_from(parts.len()).unwrap_or(i32::MAX),
                });
                for part in parts {
                    let index = i32::try_from(part.index).unwrap_or(i32::MAX);
                    let hash = sha256_hex(part.text);
                    if stored.contains(&(source.kind.clone(), source.id, index, hash.clone())) {
                        unchanged += 1;
                        continue;
                    }
                    planned.push(Planned {
                        chunk: NewChunk {
                            owner_type: source.kind.clone(),
                            owner_id: source.id,
                            chunk_index: index,
                            chunk_start: i32::try_from(part.start).unwrap_or(i32::MAX),
                            content_hash: hash,
                            vector: Vec::new(),
                        },
                        text: part.text.to_owned(),
                    });
                }
            }
            let hashes: Vec<String> = planned
                .iter()
                .map(|p| p.chunk.content_hash.clone())
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            let reusable = if hashes.is_empty() {
                HashMap::new()
            } else {
                EmbeddingsRepository::vectors_by_hash(conn, uuid, &model, dims, hashes)
                    .await?
                    .into_iter()
                    .map(|r| (r.content_hash, r.vector))
                    .collect()
            };
            Ok(Round {
                pending,
                planned,
                items,
                reusable,
                unchanged,
            })
        }
        .boxed()
    })
    .await
}

/// Embeds up to `max_items` of the user's waiting items, a batch at a time.
pub(super) async fn sync_user(
    db: &Db,
    index: &SemanticIndex,
    embedder: &dyn Embedder,
    user: UserId,
    max_items: usize,
) -> Result<SyncSummary, EmbedFailure> {
    let model = embedder.model().to_owned();
    let dims = i32::try_from(embedder.dimensions()).unwrap_or(i32::MAX);
    let mut summary = SyncSummary::default();
    while summary.items < max_items {
        let round = read_round(db, user, model.clone(), dims).await?;
        if round.pending.is_empty() {
            break;
        }
        summary.items += round.pending.len();
        summary.cached += round.unchanged;
        let mut chunks = Vec::with_capacity(round.planned.len());
        let mut to_embed = Vec::new();
        for planned in round.planned {
            if let Some(vector) = round.reusable.get(&planned.chunk.content_hash) {
                summary.cached += 1;
                chunks.push(NewChunk {
                    vector: vector.clone(),
                    ..planned.chunk
                });
            } else {
                to_embed.push(planned);
            }
        }
        if !to_embed.is_empty() {
            let texts: Vec<String> = to_embed.iter().map(|p| p.text.clone()).collect();
            let vectors = index.embed_for(user, texts).await?;
            if vectors.len() != to_embed.len() {
                return Err(AppError::internal("the embedder returned too few vectors").into());
            }
            summary.embedded += to_embed.len();
            for (planned, vector) in to_embed.into_iter().zip(vectors) {
                chunks.push(NewChunk {
                    vector: to_bytes(&vector),
                    ..planned.chunk
                });
            }
        }
        let (items, done, model) = (round.items, round.pending, model.clone());
        let uuid = user.into_uuid();
        db.tenant(user, move |conn| {
            async move {
                EmbeddingsRepository::store(conn, uuid, &model, dims, chunks, items, done).await
            }
            .boxed()
        })
        .await?;
    }
    Ok(summary)
}
