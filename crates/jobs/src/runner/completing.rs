//! Recording how attempts ended: failures one by one, successes batched into one
//! statement, every write fenced by the lease token.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use super::leases::lock;
use super::wakeups::wake_all;
use super::{PooledConn, Shared, conn, held_conn};
use crate::store::{self, Completion, Lease, Outcome};

/// Records an attempt that did not succeed (or was cancelled), at once.
pub(super) async fn end<C>(shared: &Shared<C>, lease: Lease, attempt: i32, outcome: Outcome) {
    let id = lease.job_id;
    let failed = matches!(outcome, Outcome::Retry { .. } | Outcome::Dead { .. });
    let dead = matches!(outcome, Outcome::Dead { .. });
    let result = match conn(&shared.pool).await {
        Ok(mut c) => store::finish(&mut c, lease, attempt, outcome).await,
        Err(e) => Err(e),
    };
    lock(&shared.in_flight).remove(&id);
    match result {
        Ok(true) => {
            if failed {
                shared.stats.failed.fetch_add(1, Ordering::Relaxed);
            }
            if dead {
                shared.stats.dead.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(false) => {
            shared.stats.fenced.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(job.id = %id, "outcome refused: the lease was lost to another worker");
        }
        Err(err) => {
            tracing::error!(job.id = %id, error = %err, "could not record the outcome; the reaper will retry the job");
        }
    }
}

/// Batches successful completions into one statement each.
pub(super) async fn completer<C>(
    shared: Arc<Shared<C>>,
    mut rx: mpsc::UnboundedReceiver<Completion>,
    jobs_done: watch::Receiver<bool>,
) {
    // Holding `shared` keeps a sender alive, so the channel never closes: the loop exits
    // once it is empty and every other task let go of `shared`, or every claim loop ended
    // (a handler that ignored its abort at shutdown may hold `shared` for ever).
    // The connection is held while completions keep coming.
    let mut held: Option<PooledConn> = None;
    loop {
        let Some(first) = (tokio::select! {
            item = rx.recv() => item,
            () = tokio::time::sleep(Duration::from_millis(200)) => {
                if (Arc::strong_count(&shared) == 1 || *jobs_done.borrow()) && rx.is_empty() { return; }
                continue;
            }
        }) else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < 1000 {
            match rx.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
        flush(&shared, &mut held, &batch).await;
        if rx.is_empty() {
            held = None;
        }
    }
}

/// Records a batch of successes in one statement.
pub(super) async fn flush<C>(
    shared: &Shared<C>,
    held: &mut Option<PooledConn>,
    batch: &[Completion],
) {
    if batch.is_empty() {
        return;
    }
    // A batched completion and a batched heartbeat can lock the same rows in different
    // orders; Postgres then aborts one of them. Retrying the completion is safe: it is
    // fenced by the lease tokens.
    let mut attempt = 0;
    let result = loop {
        attempt += 1;
        let result = match held_conn(shared, held).await {
            Ok(c) => store::finish_succeeded_many(c, batch).await,
            Err(e) => Err(e),
        };
        if result.is_err() {
            *held = None;
        }
        match result {
            Err(err) if attempt < 4 && err.to_string().contains("deadlock detected") => {
                tracing::debug!(attempt, "completion batch hit a deadlock; retrying");
            }
            other => break other,
        }
    };
    {
        let mut map = lock(&shared.in_flight);
        for done in batch {
            map.remove(&done.lease.job_id);
        }
    }
    match result {
        Ok(ids) => {
            // The finished jobs' slots are free now: a keyed twin held back by them can
            // start. Other workers hear it through the NOTIFY of the freed slot (ADR 0040);
            // this process's claim loops do not depend on the LISTEN connection for it.
            wake_all(shared);
            shared
                .stats
                .succeeded
                .fetch_add(ids.len() as u64, Ordering::Relaxed);
            let fenced = batch.len() - ids.len();
            if fenced > 0 {
                shared
                    .stats
                    .fenced
                    .fetch_add(fenced as u64, Ordering::Relaxed);
                tracing::warn!(
                    count = fenced,
                    "completions refused: leases lost to another worker"
                );
            }
        }
        Err(err) => {
            tracing::error!(error = %err, count = batch.len(), "could not record completions; the reaper will re-run them");
        }
    }
}
