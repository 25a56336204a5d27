//! The runner: claim loops per queue, job tasks under leases, batched heartbeats and
//! completions, the lease reaper, LISTEN/NOTIFY wake-ups and graceful shutdown.
//!
//! One file per concern: `claiming` (the claim loop of a queue and its shutdown),
//! `executing` (one attempt of a handler), `completing` (recording outcomes, batching
//! successes), `leases` (the in-flight map, heartbeats and releases), `wakeups`
//! (LISTEN/NOTIFY), `upkeep` (reaper, cron ticker, partitions) and `drain` (the bounded
//! in-request drain).

mod claiming;
mod completing;
mod config;
mod drain;
mod executing;
mod leases;
mod upkeep;
mod wakeups;

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::Pool;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinSet;

use crate::EngineError;
use crate::registry::Registry;
use crate::store::Completion;

pub use config::RunnerConfig;
pub use upkeep::upkeep;

use claiming::claim_loop;
use completing::completer;
use leases::{InFlightMap, heartbeats};
use upkeep::{cron_ticker, reaper};
use wakeups::listener;

/// Counters (also exported on the worker's `/metrics`).
#[derive(Debug, Default)]
pub struct RunnerStats {
    /// Jobs claimed.
    pub claimed: AtomicU64,
    /// Jobs completed successfully.
    pub succeeded: AtomicU64,
    /// Attempts that failed (retry or dead).
    pub failed: AtomicU64,
    /// Jobs that died.
    pub dead: AtomicU64,
    /// Completions refused because the lease was lost.
    pub fenced: AtomicU64,
}

struct Shared<C> {
    pool: Pool<AsyncPgConnection>,
    registry: Registry<C>,
    app: C,
    config: RunnerConfig,
    stats: Arc<RunnerStats>,
    in_flight: InFlightMap,
    /// One waker per claim loop; `notify_one` keeps a permit, so a NOTIFY that arrives
    /// while the loop is busy claiming is not lost.
    wakers: Mutex<Vec<Arc<Notify>>>,
    /// Successes on their way to the completer.
    done_tx: mpsc::UnboundedSender<Completion>,
}

/// Executes registered jobs until shut down.
pub struct Runner<C> {
    pool: Pool<AsyncPgConnection>,
    registry: Registry<C>,
    app: C,
    config: RunnerConfig,
}

impl<C> std::fmt::Debug for Runner<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("registry", &self.registry)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Controls a started runner.
#[derive(Debug)]
pub struct RunnerHandle {
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<()>,
    budget: Duration,
    /// Live counters.
    pub stats: Arc<RunnerStats>,
}

impl RunnerHandle {
    /// Stops claiming, lets running jobs finish within the grace period, aborts those that
    /// did not, then releases the leases of the aborted ones, flushes completions, and
    /// returns, all within `RunnerConfig::shutdown_grace`. A handler that ignores the abort
    /// (it blocks its thread) keeps its lease, which expires once heartbeats stop; the
    /// reaper of another runner re-queues the job.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        let tasks = &mut self.tasks;
        let joined = async { while tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(self.budget, joined).await.is_err() {
            tracing::warn!(
                budget = ?self.budget,
                "runner shutdown reached its budget; abandoning the tasks still running"
            );
            self.tasks.abort_all();
        }
    }
}

type PooledConn = diesel_async::pooled_connection::deadpool::Object<AsyncPgConnection>;

/// The held connection, checked out first if there is none.
async fn held_conn<'a, C>(
    shared: &Shared<C>,
    held: &'a mut Option<PooledConn>,
) -> Result<&'a mut AsyncPgConnection, EngineError> {
    if held.is_none() {
        *held = Some(conn(&shared.pool).await?);
    }
    match held.as_mut() {
        Some(c) => Ok(&mut **c),
        None => Err(EngineError::Pool("no connection".to_owned())),
    }
}

async fn conn(
    pool: &Pool<AsyncPgConnection>,
) -> Result<diesel_async::pooled_connection::deadpool::Object<AsyncPgConnection>, EngineError> {
    pool.get()
        .await
        .map_err(|e| EngineError::Pool(e.to_string()))
}

impl<C: Clone + Send + Sync + 'static> Runner<C> {
    /// A runner over `pool` executing `registry`'s kinds with `app` as their context.
    pub fn new(
        pool: Pool<AsyncPgConnection>,
        registry: Registry<C>,
        app: C,
        config: RunnerConfig,
    ) -> Self {
        Self {
            pool,
            registry,
            app,
            config,
        }
    }

    /// The state every task of this runner shares.
    fn into_shared(
        self,
        stats: Arc<RunnerStats>,
        done_tx: mpsc::UnboundedSender<Completion>,
    ) -> Arc<Shared<C>> {
        Arc::new(Shared {
            pool: self.pool,
            registry: self.registry,
            app: self.app,
            config: self.config,
            stats,
            in_flight: Arc::new(Mutex::new(HashMap::new())),
            wakers: Mutex::new(Vec::new()),
            done_tx,
        })
    }

    /// Starts the background tasks.
    pub fn start(self) -> RunnerHandle {
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        let stats = Arc::new(RunnerStats::default());
        let queues: Vec<(String, usize)> = if self.config.queues.is_empty() {
            self.registry
                .queues()
                .into_iter()
                .map(|q| (q.to_owned(), self.config.default_concurrency))
                .collect()
        } else {
            self.config.queues.clone()
        };
        let shared = self.into_shared(Arc::clone(&stats), done_tx);
        let mut tasks = JoinSet::new();
        let (jobs_done_tx, jobs_done_rx) = watch::channel(false);
        {
            let shared = Arc::clone(&shared);
            let shutdown = shutdown_rx.clone();
            tasks.spawn(async move {
                let mut loops = JoinSet::new();
                for (queue, concurrency) in queues {
                    loops.spawn(claim_loop(
                        Arc::clone(&shared),
                        queue,
                        concurrency.max(1),
                        shutdown.clone(),
                    ));
                }
                while loops.join_next().await.is_some() {}
                let _ = jobs_done_tx.send(true);
            });
        }
        tasks.spawn(completer(
            Arc::clone(&shared),
            done_rx,
            jobs_done_rx.clone(),
        ));
        tasks.spawn(heartbeats(Arc::clone(&shared), jobs_done_rx));
        tasks.spawn(reaper(Arc::clone(&shared), shutdown_rx.clone()));
        if let Some(tick) = shared.config.cron_tick {
            tasks.spawn(cron_ticker(Arc::clone(&shared), tick, shutdown_rx.clone()));
        }
        if !shared.config.poll_only
            && let Some(url) = shared.config.listen_url.clone()
        {
            tasks.spawn(listener(Arc::clone(&shared), url, shutdown_rx));
        }
        let budget = shared.config.shutdown_grace;
        drop(shared);
        RunnerHandle {
            shutdown: shutdown_tx,
            tasks,
            budget,
            stats,
        }
    }
}
