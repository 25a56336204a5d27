//! The runner: claim loops per queue, job tasks under leases, batched heartbeats and
//! completions, the lease reaper, LISTEN/NOTIFY wake-ups and graceful shutdown.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use futures_util::StreamExt;
use serde_json::Value;
use tokio::sync::{Notify, Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::cron::{Clock, SystemClock};
use crate::registry::Registry;
use crate::store::{self, Claimed, Outcome};
use crate::{EngineError, JobContext, JobError};

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
    /// How long shutdown waits for running jobs before releasing their leases.
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
    /// Live counters.
    pub stats: Arc<RunnerStats>,
}

impl RunnerHandle {
    /// Stops claiming, lets running jobs finish within the grace period, releases the
    /// leases of those that did not, flushes completions, and returns.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        while self.tasks.join_next().await.is_some() {}
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
        tasks.spawn(completer(Arc::clone(&shared), done_rx));
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
        drop(shared);
        RunnerHandle {
            shutdown: shutdown_tx,
            tasks,
            stats,
        }
    }

    /// Runs at most `limit` due jobs (optionally only `user`'s) to completion in this task and
    /// returns `(processed, succeeded, failed)`: the bounded drain behind "process my jobs
    /// now" and the cron endpoint, for deployments without a worker.
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
        // Deployments without a worker rely on this drain for upkeep too: rescue expired
        // leases, fire due schedules, keep history partitions ahead.
        {
            let mut c = conn(&shared.pool).await?;
            store::reap_expired(&mut c).await?;
            crate::cron::fire_due(&mut c, shared.config.clock.now()).await?;
            store::ensure_history_partitions(&mut c, 3).await?;
        }
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
                set.spawn(run_one(Arc::clone(&shared), job, None));
            }
            while set.join_next().await.is_some() {}
            let mut done = Vec::new();
            while let Ok(item) = done_rx.try_recv() {
                done.push(item);
            }
            flush(&shared, &mut None, &done).await;
        }
        let s = &shared.stats;
        let succeeded = s.succeeded.load(Ordering::Relaxed);
        let failed = s.failed.load(Ordering::Relaxed);
        Ok((succeeded + failed, succeeded, failed))
    }
}

async fn claim_loop<C: Clone + Send + Sync + 'static>(
    shared: Arc<Shared<C>>,
    queue: String,
    concurrency: usize,
    mut shutdown: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(concurrency));
    let mut running = JoinSet::new();
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
            running.spawn(async move {
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
    // Jobs that never started go back at once, without spending their attempt.
    release(
        &shared,
        buffer
            .drain(..)
            .map(|job| (job.id, job.lease_token))
            .collect(),
    )
    .await;
    // Graceful shutdown: let running jobs finish within the grace period, then release.
    let grace = tokio::time::sleep(shared.config.shutdown_grace);
    tokio::pin!(grace);
    loop {
        tokio::select! {
            next = running.join_next() => if next.is_none() { break },
            () = &mut grace => {
                release_all(&shared).await;
                running.abort_all();
                while running.join_next().await.is_some() {}
                break;
            }
        }
    }
}

/// Gives back every lease this runner still holds without spending the attempt.
async fn release_all<C>(shared: &Shared<C>) {
    let held: Vec<(Uuid, Uuid)> = lock(&shared.in_flight)
        .iter()
        .map(|(id, f)| (*id, f.token))
        .collect();
    release(shared, held).await;
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
        let outcome = Outcome::Dead {
            error: format!("no handler registered for kind {kind:?}"),
        };
        drop(_entered);
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
        r = tokio::time::timeout(timeout, handler) => match r {
            Ok(r) => Ok(r),
            Err(_) => Ok(Err(JobError::Retryable(format!("timed out after {timeout:?}")))),
        },
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
        Ok(Ok(value)) => {
            let _ = shared.done_tx.send((id, lease_token, value));
            return;
        }
        Ok(Err(JobError::Snooze { after, reason })) => Outcome::Snooze {
            reason,
            delay: after,
        },
        Ok(Err(JobError::Permanent(error))) => Outcome::Dead { error },
        Ok(Err(JobError::Retryable(error))) if attempts >= max_attempts => Outcome::Dead { error },
        Ok(Err(JobError::Retryable(error))) => Outcome::Retry {
            error,
            delay: retry.delay(attempts),
        },
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
) {
    // Holding `shared` keeps a sender alive; it ends when the channel is drained after
    // every other task dropped theirs, so the loop exits on `is_closed` + empty instead.
    // The connection is held while completions keep coming.
    let mut held: Option<PooledConn> = None;
    loop {
        let Some(first) = (tokio::select! {
            item = rx.recv() => item,
            () = tokio::time::sleep(Duration::from_millis(200)) => {
                if Arc::strong_count(&shared) == 1 && rx.is_empty() { return; }
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
            let mut c = AsyncPgConnection::establish(&url)
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
