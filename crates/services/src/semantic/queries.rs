//! The vectors of recent search queries, per user (ADR 0044): a search repeated, paged or
//! refined back costs no forward pass (and, with the provider backend, no credit). Keyed
//! by user, so how fast a query answers never tells one tenant what another searched.
//! Bounded in entries; the least recently used eighth goes when full.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use omnicrm_domain::UserId;
use uuid::Uuid;

/// Default number of cached query vectors: at 384 dimensions and a query of at most 200
/// characters, under 8 MB.
pub const DEFAULT_QUERY_VECTORS: usize = 4096;

/// A user's query text.
type Key = (Uuid, String);
/// The query's vector and when it was last used.
type Entry = (Arc<Vec<f32>>, u64);

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<Key, Entry>,
    tick: u64,
}

/// Recent query vectors, at most `limit` of them.
#[derive(Debug)]
pub struct QueryVectors {
    limit: usize,
    entries: Mutex<Entries>,
}

impl QueryVectors {
    /// A cache of at most `limit` vectors (0: nothing is kept).
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            entries: Mutex::new(Entries::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        // Each update is whole: a panic elsewhere leaves the map consistent.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The vector of `text` if `user` searched it recently.
    pub fn get(&self, user: UserId, text: &str) -> Option<Arc<Vec<f32>>> {
        let mut entries = self.lock();
        entries.tick += 1;
        let tick = entries.tick;
        let entry = entries.map.get_mut(&(user.into_uuid(), text.to_owned()))?;
        entry.1 = tick;
        Some(Arc::clone(&entry.0))
    }

    /// Keeps the vector of `user`'s query `text`.
    pub fn put(&self, user: UserId, text: &str, vector: Arc<Vec<f32>>) {
        if self.limit == 0 {
            return;
        }
        let mut entries = self.lock();
        if entries.map.len() >= self.limit {
            // Evicting an eighth at a time keeps the cost of a miss constant on average.
            let mut ticks: Vec<u64> = entries.map.values().map(|(_, t)| *t).collect();
            let cut = (self.limit / 8).max(1).min(ticks.len() - 1);
            let (_, nth, _) = ticks.select_nth_unstable(cut);
            let oldest_kept = *nth;
            entries.map.retain(|_, (_, t)| *t >= oldest_kept);
        }
        entries.tick += 1;
        let tick = entries.tick;
        entries
            .map
            .insert((user.into_uuid(), text.to_owned()), (vector, tick));
    }

    /// Drops the user's queries; how many there were.
    pub fn forget(&self, user: UserId) -> usize {
        let uuid = user.into_uuid();
        let mut entries = self.lock();
        let before = entries.map.len();
        entries.map.retain(|(owner, _), _| *owner != uuid);
        before - entries.map.len()
    }

    /// The user's queries held.
    pub fn count_of(&self, user: UserId) -> usize {
        let uuid = user.into_uuid();
        self.lock()
            .map
            .keys()
            .filter(|(owner, _)| *owner == uuid)
            .count()
    }

    /// Vectors held.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether none are held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_kept_per_user_bounded_and_forgotten() {
        let cache = QueryVectors::new(16);
        let (alice, bob) = (UserId::generate(), UserId::generate());
        cache.put(alice, "insomnia", Arc::new(vec![1.0]));
        assert_eq!(cache.get(alice, "insomnia").as_deref(), Some(&vec![1.0]));
        assert!(
            cache.get(bob, "insomnia").is_none(),
            "another user's search is not a hit"
        );
        for i in 0..40 {
            cache.put(bob, &format!("q{i}"), Arc::new(vec![0.0]));
            // Alice searches again now and then: recently used, so kept.
            if i % 4 == 0 {
                assert!(cache.get(alice, "insomnia").is_some(), "evicted at {i}");
            }
        }
        assert!(cache.len() <= 16);
        assert!(cache.get(bob, "q0").is_none(), "the oldest went");
        assert!(cache.get(bob, "q39").is_some());
        assert_eq!(cache.forget(alice), 1);
        assert!(cache.get(alice, "insomnia").is_none());
        assert!(!cache.is_empty());
    }
}
