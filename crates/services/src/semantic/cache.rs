//! The per-tenant vector cache: a tenant's vectors in one contiguous half-precision block
//! ([`HalfMatrix`], ADR 0044), every one scored against the query (exhaustive cosine: dot
//! products of unit vectors). Entries carry the tenant's vector version; the whole cache is
//! bounded in bytes (`OMNICRM_VECTOR_CACHE_MB`) and evicts the least recently used tenants
//! first.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use omnicrm_domain::UserId;
use omnicrm_domain::search::SearchKind;
use omnicrm_embed::{HalfMatrix, f16};
use omnicrm_problem::AppError;
use uuid::Uuid;

/// One stored chunk.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VectorItem {
    /// The item's kind.
    pub kind: SearchKind,
    /// The item.
    pub id: Uuid,
    /// Where the chunk starts in its text (characters).
    pub start: u32,
}

/// Scans whose answers a tenant's vectors keep (ADR 0049).
const RECENT_SCANS: usize = 32;
/// Memory counted for each kept answer (at most 50 items and the query's kinds).
const RECENT_SCAN_BYTES: usize = 2048;

/// A tenant's vectors of one model.
#[derive(Debug)]
pub struct TenantVectors {
    /// The tenant's vector version they were read at.
    pub version: i64,
    /// Length of each vector.
    pub dimensions: usize,
    /// Chunk `i` is row `i` of the matrix.
    pub items: Vec<VectorItem>,
    matrix: HalfMatrix,
    /// The answers of the latest scans, most recent first. They depend only on these
    /// vectors and the query, so they live and die with them: a new version is a new
    /// `TenantVectors`, and erasure drops the tenant's entry.
    recent: Mutex<VecDeque<RecentScan>>,
}

/// One kept scan: its question and its answer.
#[derive(Debug)]
struct RecentScan {
    query: Arc<Vec<f32>>,
    kinds: Vec<SearchKind>,
    k: usize,
    found: Arc<Vec<Nearest>>,
}

impl RecentScan {
    fn answers(&self, query: &Arc<Vec<f32>>, kinds: &[SearchKind], k: usize) -> bool {
        self.k == k
            && self.kinds == kinds
            && (Arc::ptr_eq(&self.query, query) || self.query.as_slice() == query.as_slice())
    }
}

/// A nearest item: its best chunk.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nearest {
    /// The chunk.
    pub item: VectorItem,
    /// Cosine similarity, -1..=1.
    pub score: f32,
}

impl TenantVectors {
    /// Vectors of `dimensions` from their items and little-endian `f32` bytes (rows of
    /// another length are skipped), held in half precision.
    pub fn new(
        version: i64,
        dimensions: usize,
        rows: Vec<(VectorItem, Vec<u8>)>,
    ) -> Result<Self, AppError> {
        let mut items = Vec::with_capacity(rows.len());
        let mut data = Vec::with_capacity(rows.len() * dimensions);
        for (item, bytes) in rows {
            if bytes.len() != dimensions * 4 {
                continue;
            }
            items.push(item);
            data.extend(
                bytes
                    .chunks_exact(4)
                    .map(|b| f16::from_f32(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
            );
        }
        let matrix = HalfMatrix::new(dimensions, data).map_err(AppError::internal)?;
        Ok(Self {
            version,
            dimensions,
            items,
            matrix,
            recent: Mutex::new(VecDeque::with_capacity(RECENT_SCANS)),
        })
    }

    /// Memory held, roughly.
    pub fn bytes(&self) -> usize {
        self.matrix.bytes()
            + self.items.len() * std::mem::size_of::<VectorItem>()
            + RECENT_SCANS * RECENT_SCAN_BYTES
            + 64
    }

    fn recent(&self) -> std::sync::MutexGuard<'_, VecDeque<RecentScan>> {
        // Each update is whole: a panic elsewhere leaves the list consistent.
        self.recent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The answer of an earlier [`Self::nearest_kept`] with the same question, if it is
    /// still kept (made the most recent again).
    pub fn kept(
        &self,
        query: &Arc<Vec<f32>>,
        kinds: &[SearchKind],
        k: usize,
    ) -> Option<Arc<Vec<Nearest>>> {
        let mut recent = self.recent();
        let at = recent.iter().position(|r| r.answers(query, kinds, k))?;
        let hit = recent.remove(at)?;
        let found = Arc::clone(&hit.found);
        recent.push_front(hit);
        Some(found)
    }

    /// [`Self::nearest`], keeping the answer for the same question asked again (a search
    /// repeated, paged or refreshed while nothing was embedded). Blocking on a miss.
    pub fn nearest_kept(
        &self,
        query: &Arc<Vec<f32>>,
        kinds: &[SearchKind],
        k: usize,
    ) -> Result<Arc<Vec<Nearest>>, AppError> {
        if let Some(found) = self.kept(query, kinds, k) {
            return Ok(found);
        }
        let found = Arc::new(self.nearest(query, kinds, k)?);
        let mut recent = self.recent();
        if !recent.iter().any(|r| r.answers(query, kinds, k)) {
            recent.push_front(RecentScan {
                query: Arc::clone(query),
                kinds: kinds.to_vec(),
                k,
                found: Arc::clone(&found),
            });
            recent.truncate(RECENT_SCANS);
        }
        Ok(found)
    }

    /// The `k` items of `kinds` nearest to `query` (a unit vector), each by its best
    /// chunk, best first. Blocking: every vector is scored.
    pub fn nearest(
        &self,
        query: &[f32],
        kinds: &[SearchKind],
        k: usize,
    ) -> Result<Vec<Nearest>, AppError> {
        if k == 0 || query.len() != self.dimensions || self.items.is_empty() {
            return Ok(Vec::new());
        }
        let scores = self.matrix.scores(query).map_err(AppError::internal)?;
        let mut scored: Vec<(f32, u32)> = scores
            .into_iter()
            .zip(&self.items)
            .enumerate()
            .filter(|(_, (_, item))| kinds.contains(&item.kind))
            .map(|(i, (score, _))| (score, u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        // Items may have several chunks: take more candidates until k distinct items.
        let mut want = k.saturating_mul(4);
        loop {
            let take = want.min(scored.len());
            if take < scored.len() {
                scored.select_nth_unstable_by(take, |a, b| b.0.total_cmp(&a.0));
            }
            let mut best = scored[..take].to_vec();
            best.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let mut out: Vec<Nearest> = Vec::with_capacity(k);
            for (score, i) in best {
                let item = self.items[i as usize];
                if !out
                    .iter()
                    .any(|n| n.item.id == item.id && n.item.kind == item.kind)
                {
                    out.push(Nearest { item, score });
                    if out.len() == k {
                        break;
                    }
                }
            }
            if out.len() == k || take == scored.len() {
                return Ok(out);
            }
            want = want.saturating_mul(4);
        }
    }
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<Uuid, (Arc<TenantVectors>, u64)>,
    bytes: usize,
    tick: u64,
}

/// Tenants' vectors in memory, at most `limit` bytes in all.
#[derive(Debug)]
pub struct VectorCache {
    limit: usize,
    entries: Mutex<Entries>,
}

impl VectorCache {
    /// A cache of at most `limit` bytes (0: nothing is kept).
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            entries: Mutex::new(Entries::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock leaves consistent data (each update is whole).
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The tenant's vectors if cached at `version`.
    pub fn get(&self, user: UserId, version: i64) -> Option<Arc<TenantVectors>> {
        let mut entries = self.lock();
        entries.tick += 1;
        let tick = entries.tick;
        let entry = entries.map.get_mut(&user.into_uuid())?;
        if entry.0.version != version {
            return None;
        }
        entry.1 = tick;
        Some(Arc::clone(&entry.0))
    }

    /// Keeps `vectors` for the tenant, evicting the least recently used tenants to stay
    /// under the bound; a tenant larger than the bound is not kept.
    pub fn put(&self, user: UserId, vectors: Arc<TenantVectors>) {
        let size = vectors.bytes();
        let mut entries = self.lock();
        if let Some((old, _)) = entries.map.remove(&user.into_uuid()) {
            entries.bytes -= old.bytes();
        }
        if size > self.limit {
            return;
        }
        while entries.bytes + size > self.limit {
            let Some(oldest) = entries
                .map
                .iter()
                .min_by_key(|(_, (_, tick))| *tick)
                .map(|(k, _)| *k)
            else {
                break;
            };
            if let Some((old, _)) = entries.map.remove(&oldest) {
                entries.bytes -= old.bytes();
            }
        }
        entries.tick += 1;
        let tick = entries.tick;
        entries.bytes += size;
        entries.map.insert(user.into_uuid(), (vectors, tick));
    }

    /// Drops the tenant's vectors; whether there were any.
    pub fn forget(&self, user: UserId) -> bool {
        let mut entries = self.lock();
        match entries.map.remove(&user.into_uuid()) {
            Some((old, _)) => {
                entries.bytes -= old.bytes();
                true
            }
            None => false,
        }
    }

    /// Whether the tenant's vectors are held (at any version).
    pub fn holds(&self, user: UserId) -> bool {
        self.lock().map.contains_key(&user.into_uuid())
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(kind: SearchKind, n: u128) -> VectorItem {
        VectorItem {
            kind,
            id: Uuid::from_u128(n),
            start: 0,
        }
    }

    fn bytes(v: &[f32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn nearest_items_are_ranked_by_their_best_chunk_and_filtered_by_kind() {
        let vectors = TenantVectors::new(
            1,
            2,
            vec![
                (item(SearchKind::Note, 1), bytes(&[1.0, 0.0])),
                (item(SearchKind::Note, 1), bytes(&[0.8, 0.6])),
                (item(SearchKind::Task, 2), bytes(&[0.6, 0.8])),
                (item(SearchKind::Note, 3), bytes(&[0.0, 1.0])),
                (item(SearchKind::Note, 4), bytes(&[1.0])),
            ],
        )
        .unwrap();
        let all = SearchKind::ALL;
        let near = vectors.nearest(&[1.0, 0.0], &all, 10).unwrap();
        let ids: Vec<u128> = near.iter().map(|n| n.item.id.as_u128()).collect();
        assert_eq!(ids, vec![1, 2, 3]);
        assert!((near[0].score - 1.0).abs() < 1e-6);
        let notes = vectors
            .nearest(&[0.0, 1.0], &[SearchKind::Note], 1)
            .unwrap();
        assert_eq!(notes[0].item.id.as_u128(), 3);
    }

    #[test]
    fn a_repeated_question_is_answered_from_the_kept_scan() {
        let vectors = TenantVectors::new(
            1,
            2,
            vec![
                (item(SearchKind::Note, 1), bytes(&[1.0, 0.0])),
                (item(SearchKind::Task, 2), bytes(&[0.0, 1.0])),
            ],
        )
        .unwrap();
        let all = SearchKind::ALL;
        let query = Arc::new(vec![1.0, 0.0]);
        let first = vectors.nearest_kept(&query, &all, 10).unwrap();
        assert_eq!(first.len(), 2);
        // The same question (even as another copy of the vector): the same answer, unscanned.
        let again = vectors.kept(&Arc::new(vec![1.0, 0.0]), &all, 10).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        // Another k, other kinds or another vector: not the same question.
        assert!(vectors.kept(&query, &all, 1).is_none());
        assert!(vectors.kept(&query, &[SearchKind::Note], 10).is_none());
        assert!(vectors.kept(&Arc::new(vec![0.0, 1.0]), &all, 10).is_none());
        // Bounded: after as many other questions as are kept, the first is gone.
        for i in 0..RECENT_SCANS {
            #[allow(clippy::cast_precision_loss)]
            let other = Arc::new(vec![1.0, i as f32 + 1.0]);
            vectors.nearest_kept(&other, &all, 10).unwrap();
        }
        assert!(vectors.kept(&query, &all, 10).is_none());
    }

    #[test]
    fn the_cache_is_bounded_versioned_and_forgets() {
        let tenant = |n| {
            Arc::new(
                TenantVectors::new(n, 4, vec![(item(SearchKind::Note, 1), bytes(&[0.5; 4]))])
                    .unwrap(),
            )
        };
        let size = tenant(1).bytes();
        let cache = VectorCache::new(size * 2);
        let (a, b, c) = (UserId::generate(), UserId::generate(), UserId::generate());
        cache.put(a, tenant(1));
        cache.put(b, tenant(1));
        assert!(cache.get(a, 1).is_some());
        assert!(cache.get(a, 2).is_none(), "another version is a miss");
        cache.put(c, tenant(1));
        assert!(cache.get(b, 1).is_none(), "the least recently used went");
        assert!(cache.get(a, 1).is_some() && cache.get(c, 1).is_some());
        assert!(cache.bytes() <= size * 2);
        assert!(cache.forget(a) && !cache.forget(a));
        assert_eq!(cache.bytes(), size);
    }
}
