//! The claim loop of one queue: claims batches ahead into a local buffer, runs them under
//! a concurrency limit, and at shutdown gives back what did not run.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;
use uuid::Uuid;

use super::executing::run_one;
use super::leases::{InFlight, lock, release};
use super::{PooledConn, Shared, held_conn};
use crate::store::{self, Claimed, Lease};

/// Removes its job from the claim loop's set of live handlers when the handler's task ends
/// or is aborted (its future dropped).
struct LiveGuard {
    live: Arc<Mutex<HashSet<Uuid>>>,
    id: Uuid,
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        self.live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&self.id);
    }
}

fn live_ids(live: &Mutex<HashSet<Uuid>>) -> HashSet<Uuid> {
    live.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

pub(super) async fn claim_loop<C: Clone + Send + Sync + 'static>(
    shared: Arc<Shared<C>>,
    queue: String,
    concurrency: usize,
    mut shutdown: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(concurrency));
    let mut running = JoinSet::new();
    // Jobs whose handler task has not ended: shutdown releases a lease only once its
    // handler is gone.
    let live: Arc<Mutex<HashSet<Uuid>>> = Arc::new(Mutex::new(HashSet::new()));
    // Claimed jobs waiting for a free slot: claiming several rounds ahead keeps the slots
    // busy without one claim per finished job. Their leases are heartbeated like running
    // jobs' and released at shutdown.
    let mut buffer: VecDeque<Claimed> = VecDeque::new();
    let capacity = (concurrency * 3).max(shared.config.claim_batch);
    let waker = Arc::new(Notify::new());
    shared
        .wakers
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(Arc::clone(&waker));
    // The last claim came back short: wait for a wake-up instead of claiming again.
    let mut idle = false;
    // Held while the queue is busy: saves the pool's checkout check on every claim.
    let mut claim_conn: Option<PooledConn> = None;
    loop {
        if *shutdown.borrow() {
            break;
        }
        while running.try_join_next().is_some() {}
        while !buffer.is_empty() {
            let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
                break;
            };
            let Some(job) = buffer.pop_front() else { break };
            let abort_rx = lock(&shared.in_flight)
                .get(&job.id)
                .map(|f| f.abort.subscribe());
            let shared = Arc::clone(&shared);
            live.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(job.id);
            let guard = LiveGuard {
                live: Arc::clone(&live),
                id: job.id,
            };
            running.spawn(async move {
                let _guard = guard;
                run_one(shared, job, abort_rx).await;
                drop(permit);
            });
        }
        let room = capacity.saturating_sub(running.len() + buffer.len());
        // Refill only when the buffer runs low, then by as much as fits: few, large claims.
        let worth_claiming = room > 0 && buffer.len() <= concurrency;
        if worth_claiming && !idle {
            let batch = room.min(shared.config.claim_batch.max(1));
            let claimed = match held_conn(&shared, &mut claim_conn).await {
                Ok(c) => {
                    store::claim(
                        c,
                        &queue,
                        &shared.config.owner,
                        shared.config.lease,
                        batch as i64,
                        None,
                    )
                    .await
                }
                Err(e) => Err(e),
            };
            if claimed.is_err() {
                claim_conn = None;
            }
            let claimed = match claimed {
                Ok(jobs) => jobs,
                Err(err) => {
                    tracing::warn!(queue = %queue, error = %err, "claim failed; retrying after the poll interval");
                    Vec::new()
                }
            };
            idle = claimed.len() < batch;
            if idle {
                // Going quiet: give the connection back to the pool (the server shares it).
                claim_conn = None;
            }
            shared
                .stats
                .claimed
                .fetch_add(claimed.len() as u64, Ordering::Relaxed);
            {
                let mut map = lock(&shared.in_flight);
                for job in &claimed {
                    map.insert(job.id, InFlight::claimed(job.lease()));
                }
            }
            buffer.extend(claimed);
            continue;
        }
        tokio::select! {
            _ = running.join_next(), if !running.is_empty() => {}
            () = waker.notified() => idle = false,
            () = tokio::time::sleep(shared.config.poll) => idle = false,
            _ = shutdown.changed() => {}
        }
    }
    let stopping = tokio::time::Instant::now();
    // Jobs that never started go back at once, without spending their attempt.
    release(&shared, buffer.drain(..).map(|job| job.lease()).collect()).await;
    // Running jobs get the grace period...
    let budget = shared.config.shutdown_grace;
    let reserve = (budget / 5).min(Duration::from_secs(2));
    let grace_end = stopping + budget.saturating_sub(reserve);
    if join_until(&mut running, grace_end).await {
        return;
    }
    // ...then are aborted, and only the leases of handlers that are really gone are given
    // back: releasing first would let another worker claim a job whose handler still runs
    // here. A handler that ignores the abort (it blocks its thread) keeps its lease until it
    // expires, and the reaper re-queues it.
    let aborted = live_ids(&live);
    running.abort_all();
    join_until(&mut running, stopping + budget.saturating_sub(reserve / 2)).await;
    let still_live = live_ids(&live);
    let stopped: Vec<Lease> = {
        let map = lock(&shared.in_flight);
        aborted
            .difference(&still_live)
            .filter_map(|id| map.get(id).filter(|f| !f.settled).map(|f| f.lease))
            .collect()
    };
    if !still_live.is_empty() {
        tracing::warn!(
            queue = %queue,
            count = still_live.len(),
            "handlers ignored the abort at shutdown; their leases are left to expire"
        );
    }
    release(&shared, stopped).await;
}

/// Waits for the tasks until `deadline`; `true` when all of them ended.
async fn join_until(running: &mut JoinSet<()>, deadline: tokio::time::Instant) -> bool {
    loop {
        tokio::select! {
            next = running.join_next() => if next.is_none() { return true },
            () = tokio::time::sleep_until(deadline) => return false,
        }
    }
}
