//! The runner: claim loops per queue, job tasks under leases, batched heartbeats and
//! completions, the lease reaper, LISTEN/NOTIFY wake-ups and graceful shutdown.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use futures_util::StreamExt;
use serde_json::Value;
use tokio::sync::{Notify, Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::cron::{Clock, SystemClock};
use crate::registry::Registry;
use crate::store::{self, Claimed, Outcome};
use crate::{EngineError, FailureCode, JobContext, JobError};

/// Runner settings; every interval is configurable so tests run in seconds.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// `(queue, concurrency)`; empty = every registered queue with `default_concurrency`.
    pub queues: Vec<(String, usize)>,
    /// Concurrency of queues not listed.
    pub default_concurrency: usize,
    /// Lease length.
    pub lease: Duration,
    /// Heartbeat interval (well below the lease).
    pub heartbeat: Duration,
    /// Poll interval (fallback to NOTIFY, or the only wake-up in poll-only mode).
    pub poll: Duration,
    /// How often expired leases are reaped.
    pub reap_every: Duration,
    /// Poll only (for connection poolers that cannot LISTEN).
    pub poll_only: bool,
    /// URL for the dedicated LISTEN connection.
    pub listen_url: Option<String>,
    /// Most jobs claimed per statement; a queue also buffers up to
    /// `max(3 × concurrency, claim_batch)` claimed jobs locally. Keep it low for queues of
    /// long jobs (buffered jobs are not available to other workers).
    pub claim_batch: usize,
    /// The whole shutdown's budget (10 s by default): running jobs get all of it but a
    /// reserve (a fifth, at most 2 s) in which unfinished handlers are aborted, the leases of
    /// the aborted ones released and completions flushed. `RunnerHandle::shutdown` never
    /// takes longer.
    pub shutdown_grace: Duration,
    /// Lease owner name, stored with every lease (`worker-<pid>-<12 random hex>` by default).
    pub owner: String,
    /// Time source of the cron ticker (a manual clock in tests).
    pub clock: Arc<dyn Clock>,
    /// How often due schedules are fired (`None`: this runner fires none).
    pub cron_tick: Option<Duration>,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        Self {
            queues: Vec::new(),
            default_concurrency: 8,
            lease: Duration::from_secs(30),
            heartbeat: Duration::from_secs(10),
            poll: Duration::from_secs(1),
            reap_every: Duration::from_secs(5),
            poll_only: false,
            listen_url: None,
            claim_batch: 16,
            shutdown_grace: Duration::from_secs(10),
            owner: default_owner(),
            clock: Arc::new(SystemClock),
            cron_tick: Some(Duration::from_secs(1)),
        }
    }
}

/// `worker-<pid>-<12 random hex digits>`. Every claim writes the owner into the job's row
/// (and so into the WAL), so it is kept short; 48 random bits still tell runners apart.
fn default_owner() -> String {
    // The tail of a UUIDv7 is its random part (the head is the timestamp).
    let id = Uuid::now_v7().simple().to_string();
    format!("worker-{}-{}", std::process::id(), &id[id.len() - 12..])
}

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Abort {
    LeaseLost,
    Cancelled,
}

struct InFlight {
    token: Uuid,
    abort: watch::Sender<Option<Abort>>,
    /// The handler succeeded and its completion waits in the completer: never release it.
    settled: bool,
}

type InFlightMap = Arc<Mutex<HashMap<Uuid, InFlight>>>;

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
    done_tx: mpsc::UnboundedSender<(Uuid, Uuid, Value)>,
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

fn wake_all<C>(shared: &Shared<C>) {
    for waker in shared
        .wakers
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
    {
        waker.notify_one();
    }
}

fn lock(map: &InFlightMap) -> std::sync::MutexGuard<'_, HashMap<Uuid, InFlight>> {
    map.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
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

    fn into_shared(
        self,
        stats: Arc<RunnerStats>,
        done_tx: mpsc::UnboundedSender<(Uuid, Uuid, Value)>,
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

/// The upkeep a worker does in the background, for deployments whose only runner is the
/// cron drain: rescue expired leases, fire due schedules, keep history partitions three
/// months ahead. Each step runs on its own and a failing one is logged, never returned: a
/// broken partition check must not stop jobs from being drained.
pub async fn upkeep(pool: &Pool<AsyncPgConnection>, clock: &dyn Clock) {
    let mut c = match conn(pool).await {
        Ok(c) => c,
        Err(err) => {
            tracing::warn!(error = %err, "job upkeep skipped: no connection");
            return;
        }
    };
    match store::reap_expired(&mut c).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(count = n, "rescued jobs with expired leases"),
        Err(err) => tracing::warn!(error = %err, "job upkeep: reaping expired leases failed"),
    }
    match crate::cron::fire_due(&mut c, clock.now()).await {
        Ok(fired) if !fired.is_empty() => {
            tracing::info!(schedules = ?fired, "fired recurring schedules");
        }
        Ok(_) => {}
        Err(err) => tracing::warn!(error = %err, "job upkeep: firing schedules failed"),
    }
    if let Err(err) = store::ensure_history_partitions(&mut c, 3).await {
        tracing::warn!(error = %err, "job upkeep: could not create job history partitions");
    }
}

/// The drain's loop: claims round-robin over the registered queues, runs each claimed
/// batch to the end under heartbeated leases and flushes its completions.
async fn drain_queues<C: Clone + Send + Sync + 'static>(
    shared: &Arc<Shared<C>>,
    done_rx: &mut mpsc::UnboundedReceiver<(Uuid, Uuid, Value)>,
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
            let (abort_tx, abort_rx) = watch::channel(None);
            lock(&shared.in_flight).insert(
                job.id,
                InFlight {
                    token: job.lease_token,
                    abort: abort_tx,
                    settled: false,
                },
            );
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

async fn claim_loop<C: Clone + Send + Sync + 'static>(
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
                    let (abort_tx, _) = watch::channel(None);
                    map.insert(
                        job.id,
                        InFlight {
                            token: job.lease_token,
                            abort: abort_tx,
                            settled: false,
                        },
                    );
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
    release(
        &shared,
        buffer
            .drain(..)
            .map(|job| (job.id, job.lease_token))
            .collect(),
    )
    .await;
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
    let stopped: Vec<(Uuid, Uuid)> = {
        let map = lock(&shared.in_flight);
        aborted
            .difference(&still_live)
            .filter_map(|id| map.get(id).filter(|f| !f.settled).map(|f| (*id, f.token)))
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

/// Gives back these leases without spending the attempt.
async fn release<C>(shared: &Shared<C>, leases: Vec<(Uuid, Uuid)>) {
    if leases.is_empty() {
        return;
    }
    let Ok(mut c) = conn(&shared.pool).await else {
        return;
    };
    for (id, token) in leases {
        let released = store::finish(
            &mut c,
            id,
            token,
            0,
            Outcome::Snooze {
                code: FailureCode::ReleasedAtShutdown,
                reason: "released at worker shutdown".to_owned(),
                delay: Duration::ZERO,
            },
        )
        .await;
        if let Err(err) = released {
            tracing::warn!(job.id = %id, error = %err, "could not release a lease at shutdown; the reaper will");
        }
        lock(&shared.in_flight).remove(&id);
    }
}

async fn run_one<C: Clone + Send + Sync + 'static>(
    shared: Arc<Shared<C>>,
    job: Claimed,
    abort: Option<watch::Receiver<Option<Abort>>>,
) {
    let Claimed {
        id,
        kind,
        user_id,
        payload,
        attempts,
        max_attempts,
        batch_id,
        lease_token,
    } = job;
    let span = tracing::info_span!("job", job.id = %id, job.kind = %kind, job.attempt = attempts);
    let _entered = span.enter();
    let Some(registered) = shared.registry.get(&kind) else {
        drop(_entered);
        tracing::warn!(job.id = %id, job.kind = %kind, "no handler registered for this kind; the job is dead");
        let outcome = Outcome::Dead {
            code: FailureCode::UnknownKind,
            error: format!("no handler registered for kind {kind:?}"),
        };
        end(&shared, id, lease_token, attempts, outcome).await;
        return;
    };
    let ctx = JobContext {
        job_id: id,
        user_id,
        attempt: attempts,
        batch_id,
        app: shared.app.clone(),
    };
    let handler = (registered.handler)(payload, ctx);
    let timeout = registered.timeout;
    let retry = registered.retry;
    drop(_entered);
    let mut abort = abort.unwrap_or_else(|| watch::channel(None).1);
    let result = tokio::select! {
        r = tokio::time::timeout(timeout, handler) => Ok(r),
        reason = wait_abort(&mut abort) => Err(reason),
    };
    let outcome = match result {
        Err(Abort::LeaseLost) => {
            tracing::warn!(job.id = %id, "lease lost; abandoning the run");
            lock(&shared.in_flight).remove(&id);
            shared.stats.fenced.fetch_add(1, Ordering::Relaxed);
            return;
        }
        Err(Abort::Cancelled) => Outcome::Cancelled,
        Ok(Ok(Ok(value))) => {
            if let Some(flight) = lock(&shared.in_flight).get_mut(&id) {
                flight.settled = true;
            }
            let _ = shared.done_tx.send((id, lease_token, value));
            return;
        }
        Ok(Err(_elapsed)) => {
            let error = format!("timed out after {timeout:?}");
            let code = FailureCode::TimedOut;
            if attempts >= max_attempts {
                Outcome::Dead { code, error }
            } else {
                Outcome::Retry {
                    code,
                    error,
                    delay: retry.delay(attempts),
                }
            }
        }
        Ok(Ok(Err(err))) => {
            // The handler's words stay in the logs and the stored entry; views show the code.
            tracing::warn!(job.id = %id, job.kind = %kind, job.attempt = attempts, error = %err, "job attempt did not succeed");
            match err {
                JobError::Snooze { after, reason } => Outcome::Snooze {
                    code: FailureCode::Snoozed,
                    reason,
                    delay: after,
                },
                JobError::Permanent(error) => Outcome::Dead {
                    code: FailureCode::FailedPermanently,
                    error,
                },
                JobError::Retryable(error) if attempts >= max_attempts => Outcome::Dead {
                    code: FailureCode::Failed,
                    error,
                },
                JobError::Retryable(error) => Outcome::Retry {
                    code: FailureCode::Failed,
                    error,
                    delay: retry.delay(attempts),
                },
            }
        }
    };
    end(&shared, id, lease_token, attempts, outcome).await;
}

async fn wait_abort(rx: &mut watch::Receiver<Option<Abort>>) -> Abort {
    loop {
        if let Some(reason) = *rx.borrow_and_update() {
            return reason;
        }
        if rx.changed().await.is_err() {
            // The sender is gone only after the job left the in-flight map; never abort.
            std::future::pending::<()>().await;
        }
    }
}

async fn end<C>(shared: &Shared<C>, id: Uuid, token: Uuid, attempt: i32, outcome: Outcome) {
    let failed = matches!(outcome, Outcome::Retry { .. } | Outcome::Dead { .. });
    let dead = matches!(outcome, Outcome::Dead { .. });
    let result = match conn(&shared.pool).await {
        Ok(mut c) => store::finish(&mut c, id, token, attempt, outcome).await,
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
async fn completer<C>(
    shared: Arc<Shared<C>>,
    mut rx: mpsc::UnboundedReceiver<(Uuid, Uuid, Value)>,
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

async fn flush<C>(
    shared: &Shared<C>,
    held: &mut Option<PooledConn>,
    batch: &[(Uuid, Uuid, Value)],
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
        for (id, _, _) in batch {
            map.remove(id);
        }
    }
    match result {
        Ok(ids) => {
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

async fn heartbeats<C>(shared: Arc<Shared<C>>, mut jobs_done: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(shared.config.heartbeat) => {}
            _ = jobs_done.changed() => return,
        }
        let leases: Vec<(Uuid, Uuid)> = lock(&shared.in_flight)
            .iter()
            .map(|(id, f)| (*id, f.token))
            .collect();
        if leases.is_empty() {
            continue;
        }
        let held = match conn(&shared.pool).await {
            Ok(mut c) => store::heartbeat(&mut c, &leases, shared.config.lease).await,
            Err(e) => Err(e),
        };
        let held = match held {
            Ok(held) => held,
            Err(err) => {
                tracing::warn!(error = %err, "heartbeat failed");
                continue;
            }
        };
        let held: HashMap<Uuid, bool> = held.into_iter().collect();
        let map = lock(&shared.in_flight);
        for (id, _) in &leases {
            let Some(flight) = map.get(id) else { continue };
            match held.get(id) {
                None => {
                    let _ = flight.abort.send(Some(Abort::LeaseLost));
                }
                Some(true) => {
                    let _ = flight.abort.send(Some(Abort::Cancelled));
                }
                Some(false) => {}
            }
        }
    }
}

async fn reaper<C>(shared: Arc<Shared<C>>, mut shutdown: watch::Receiver<bool>) {
    let mut last_partition_check: Option<std::time::Instant> = None;
    loop {
        tokio::select! {
            () = tokio::time::sleep(shared.config.reap_every) => {}
            _ = shutdown.changed() => return,
        }
        let Ok(mut c) = conn(&shared.pool).await else {
            continue;
        };
        match store::reap_expired(&mut c).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(count = n, "rescued jobs with expired leases");
                wake_all(&shared);
            }
            Err(err) => tracing::warn!(error = %err, "reaper failed"),
        }
        if last_partition_check.is_none_or(|t| t.elapsed() > Duration::from_secs(3600)) {
            if let Err(err) = store::ensure_history_partitions(&mut c, 3).await {
                tracing::warn!(error = %err, "could not create job history partitions");
            }
            last_partition_check = Some(std::time::Instant::now());
        }
    }
}

/// Fires due recurring schedules; any number of runners may tick, each schedule fires
/// once per tick (see `cron::fire_due`).
async fn cron_ticker<C>(
    shared: Arc<Shared<C>>,
    tick: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(tick) => {}
            _ = shutdown.changed() => return,
        }
        let Ok(mut c) = conn(&shared.pool).await else {
            continue;
        };
        match crate::cron::fire_due(&mut c, shared.config.clock.now()).await {
            Ok(fired) if !fired.is_empty() => {
                tracing::info!(schedules = ?fired, "fired recurring schedules");
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "cron tick failed"),
        }
    }
}

async fn listener<C>(shared: Arc<Shared<C>>, url: String, mut shutdown: watch::Receiver<bool>) {
    loop {
        let connected = async {
            let mut c = omnicrm_pgconn::establish(&url)
                .await
                .map_err(|e| e.to_string())?;
            c.batch_execute("LISTEN omnicrm_jobs")
                .await
                .map_err(|e| e.to_string())?;
            Ok::<_, String>(c)
        };
        let mut c = tokio::select! {
            c = connected => match c {
                Ok(c) => c,
                Err(err) => {
                    tracing::warn!(error = %err, "LISTEN connection failed; polling until it is back");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(2)) => continue,
                        _ = shutdown.changed() => return,
                    }
                }
            },
            _ = shutdown.changed() => return,
        };
        // Wake everyone once: anything enqueued while we were not listening is claimable.
        wake_all(&shared);
        let mut stream = std::pin::pin!(c.notifications_stream());
        loop {
            tokio::select! {
                n = stream.next() => match n {
                    Some(Ok(_)) => wake_all(&shared),
                    _ => break,
                },
                _ = shutdown.changed() => return,
            }
        }
    }
}
