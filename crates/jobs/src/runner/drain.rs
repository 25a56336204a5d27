//! The bounded drain: runs due jobs to completion inside the caller's task, for
//! deployments without a worker ("process my jobs now", the cron endpoint).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::Pool;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use uuid::Uuid;

use super::completing::flush;
use super::executing::run_one;
use super::leases::{InFlight, heartbeats, lock};
use super::{Runner, RunnerConfig, RunnerStats, Shared, conn};
use crate::EngineError;
use crate::registry::Registry;
use crate::store::{self, Completion};

impl<C: Clone + Send + Sync + 'static> Runner<C> {
    /// Runs at most `limit` due jobs (optionally only `user`'s) to completion in this task and
    /// returns `(processed, succeeded, failed)`: the bounded drain behind "process my jobs
    /// now" and the cron endpoint, for deployments without a worker. Leases are held like a
    /// runner's: heartbeats every `config.heartbeat` extend them by `config.lease` (so a job
    /// longer than the lease is not reaped) and deliver cancellation. A drain does no
    /// upkeep; the cron drain calls [`upkeep`] first.
    pub async fn drain(
        pool: Pool<AsyncPgConnection>,
        registry: Registry<C>,
        app: C,
        config: RunnerConfig,
        limit: usize,
        user: Option<Uuid>,
    ) -> Result<(u64, u64, u64), EngineError> {
        let (done_tx, mut done_rx) = mpsc::unbounded_channel();
        let shared = Self::new(pool, registry, app, config)
            .into_shared(Arc::new(RunnerStats::default()), done_tx);
        let (jobs_done_tx, jobs_done_rx) = watch::channel(false);
        let beating = tokio::spawn(heartbeats(Arc::clone(&shared), jobs_done_rx));
        let drained = drain_queues(&shared, &mut done_rx, limit, user).await;
        let _ = jobs_done_tx.send(true);
        let _ = beating.await;
        drained?;
        let s = &shared.stats;
        let succeeded = s.succeeded.load(Ordering::Relaxed);
        let failed = s.failed.load(Ordering::Relaxed);
        Ok((succeeded + failed, succeeded, failed))
    }
}

/// The drain's loop: claims round-robin over the registered queues, runs each claimed
/// batch to the end under heartbeated leases and flushes its completions.
async fn drain_queues<C: Clone + Send + Sync + 'static>(
    shared: &Arc<Shared<C>>,
    done_rx: &mut mpsc::UnboundedReceiver<Completion>,
    limit: usize,
    user: Option<Uuid>,
) -> Result<(), EngineError> {
    let queues: Vec<&'static str> = shared.registry.queues();
    let mut remaining = limit;
    let mut exhausted = 0;
    let mut next_queue = 0;
    while remaining > 0 && exhausted < queues.len() {
        let queue = queues[next_queue % queues.len()];
        next_queue += 1;
        let batch = remaining.min(shared.config.claim_batch);
        let claimed = {
            let mut c = conn(&shared.pool).await?;
            store::claim(
                &mut c,
                queue,
                &shared.config.owner,
                shared.config.lease,
                batch as i64,
                user,
            )
            .await?
        };
        if claimed.is_empty() {
            exhausted += 1;
            continue;
        }
        exhausted = 0;
        remaining -= claimed.len();
        let mut set = JoinSet::new();
        for job in claimed {
            let flight = InFlight::claimed(job.lease());
            let abort_rx = flight.abort.subscribe();
            lock(&shared.in_flight).insert(job.id, flight);
            set.spawn(run_one(Arc::clone(shared), job, Some(abort_rx)));
        }
        while set.join_next().await.is_some() {}
        let mut done = Vec::new();
        while let Ok(item) = done_rx.try_recv() {
            done.push(item);
        }
        flush(shared, &mut None, &done).await;
    }
    Ok(())
}
