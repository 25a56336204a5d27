//! Benchmark of the `omnicrm-jobs` engine, driven by `scripts/bench-jobs`.
//!
//! * `migrate`: applies the engine's migrations (kept out of the measured runs).
//! * `burn`: bulk-enqueues N no-op jobs, then starts a [`Runner`] and measures until the
//!   queue is empty (polled every 50 ms). Prints one JSON object: insert and processed
//!   jobs/s, WAL bytes and top-level statements per job (from `pg_current_wal_lsn()` and
//!   `pg_stat_statements`, which the caller resets before the run), split by phase.
//! * `latency`: an open-loop producer enqueues one job per transaction at a fixed rate; the
//!   handler records enqueue → handler start from a timestamp in the payload. Prints p50/p99.
//!
//! Every query the benchmark itself issues carries the alias `bench_probe` so that it can be
//! excluded from the statement counts.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use omnicrm_jobs::{EnqueueOptions, Job, JobContext, JobError, Registry, Runner, RunnerConfig};
use omnicrm_repo::{DbSettings, build_pool};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Parser)]
#[command(about = "omnicrm-jobs benchmark (see scripts/bench-jobs)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply the job engine's migrations.
    Migrate {
        #[arg(long)]
        url: String,
    },
    /// Burn-down: enqueue N no-op jobs, then run them and measure until the queue is empty.
    Burn {
        #[arg(long)]
        url: String,
        #[arg(long)]
        jobs: usize,
        #[arg(long)]
        concurrency: usize,
        /// Most jobs claimed per statement (the runner also caps it at the free slots).
        #[arg(long, default_value_t = 500)]
        claim_batch: usize,
        /// Jobs per `enqueue_many` statement (all chunks share one transaction).
        #[arg(long, default_value_t = 10_000)]
        chunk: usize,
        /// Runner pool size.
        #[arg(long, default_value_t = 8)]
        pool_size: usize,
        /// Give up after this many seconds of burn-down.
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
    /// Open-loop latency: one job per transaction at `rate` jobs/s for `seconds`.
    Latency {
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 1000)]
        rate: u32,
        #[arg(long, default_value_t = 60)]
        seconds: u32,
        #[arg(long)]
        concurrency: usize,
        #[arg(long, default_value_t = 500)]
        claim_batch: usize,
        /// Producer pool size (enqueues in flight at once).
        #[arg(long, default_value_t = 32)]
        producer_pool: usize,
        #[arg(long, default_value_t = 8)]
        pool_size: usize,
    },
}

/// Shared by the bench's handlers: where the latency job records its samples.
#[derive(Debug, Default)]
struct Samples {
    base: Option<Instant>,
    /// Enqueue → handler start, in microseconds.
    micros: Mutex<Vec<u64>>,
}

type Ctx = Arc<Samples>;

/// Does nothing.
#[derive(Debug, Serialize, Deserialize)]
struct Noop {}

impl Job for Noop {
    const KIND: &'static str = "bench_noop";
    type Context = Ctx;

    async fn run(self, _ctx: JobContext<Ctx>) -> Result<Value, JobError> {
        Ok(Value::Null)
    }
}

/// Records how long ago it was enqueued (µs since the process's base instant).
#[derive(Debug, Serialize, Deserialize)]
struct Stamp {
    t_us: u64,
}

impl Job for Stamp {
    const KIND: &'static str = "bench_stamp";
    type Context = Ctx;

    async fn run(self, ctx: JobContext<Ctx>) -> Result<Value, JobError> {
        if let Some(base) = ctx.app.base {
            let now = elapsed_us(base);
            ctx.app
                .micros
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(now.saturating_sub(self.t_us));
        }
        Ok(Value::Null)
    }
}

fn elapsed_us(base: Instant) -> u64 {
    u64::try_from(base.elapsed().as_micros()).unwrap_or(u64::MAX)
}

#[derive(diesel::QueryableByName)]
struct Probe {
    #[diesel(sql_type = BigInt)]
    bench_probe: i64,
}

async fn probe(conn: &mut AsyncPgConnection, sql: &str) -> anyhow::Result<i64> {
    let row: Probe = diesel::sql_query(sql).get_result(conn).await?;
    Ok(row.bench_probe)
}

const WAL_SQL: &str = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint AS bench_probe";
const CALLS_SQL: &str = "SELECT coalesce(sum(calls), 0)::bigint AS bench_probe FROM pg_stat_statements \
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) \
       AND query NOT LIKE '%bench_probe%'";
const UNFINISHED_SQL: &str = "SELECT count(*) AS bench_probe FROM job_queue";
const HISTORY_SQL: &str =
    "SELECT count(*) AS bench_probe FROM job_history WHERE state = 'succeeded'";

/// WAL position and statement count at one instant.
#[derive(Debug, Clone, Copy)]
struct Mark {
    wal: i64,
    calls: i64,
}

async fn mark(conn: &mut AsyncPgConnection) -> anyhow::Result<Mark> {
    Ok(Mark {
        wal: probe(conn, WAL_SQL).await?,
        calls: probe(conn, CALLS_SQL)
            .await
            .context("pg_stat_statements must be installed in the benchmark database")?,
    })
}

fn registry() -> Registry<Ctx> {
    Registry::new().register::<Noop>().register::<Stamp>()
}

fn runner_config(url: &str, concurrency: usize, claim_batch: usize) -> RunnerConfig {
    RunnerConfig {
        queues: vec![("default".to_owned(), concurrency)],
        claim_batch,
        listen_url: Some(url.to_owned()),
        poll: Duration::from_secs(1),
        ..RunnerConfig::default()
    }
}

fn pool(url: &str, size: usize, wait: Duration) -> anyhow::Result<omnicrm_repo::PgPool> {
    let mut settings = DbSettings::new(url);
    settings.pool_size = size;
    settings.connect_timeout = wait;
    settings.statement_timeout = Duration::from_secs(300);
    Ok(build_pool(&settings)?)
}

#[allow(clippy::cast_precision_loss)]
fn per(a: i64, n: usize) -> f64 {
    a as f64 / n as f64
}

#[allow(clippy::cast_precision_loss)]
fn per_f(n: usize, secs: f64) -> f64 {
    n as f64 / secs
}

#[allow(clippy::too_many_arguments)]
async fn burn(
    url: &str,
    jobs: usize,
    concurrency: usize,
    claim_batch: usize,
    chunk: usize,
    pool_size: usize,
    timeout: u64,
) -> anyhow::Result<Value> {
    if jobs == 0 || chunk == 0 {
        bail!("--jobs and --chunk must be positive");
    }
    let mut probe_conn = AsyncPgConnection::establish(url).await?;
    if probe(&mut probe_conn, UNFINISHED_SQL).await? != 0 {
        bail!("job_queue is not empty: use a fresh database");
    }
    let runner_pool = pool(url, pool_size, Duration::from_secs(2))?;
    let mut enqueue_conn = AsyncPgConnection::establish(url).await?;
    let payloads: Vec<Noop> = (0..jobs).map(|_| Noop {}).collect();

    let m0 = mark(&mut probe_conn).await?;
    let t0 = Instant::now();
    let inserted = enqueue_conn
        .transaction(async |tx| {
            let mut n = 0;
            for part in payloads.chunks(chunk) {
                n += omnicrm_jobs::enqueue_many(tx, part, &EnqueueOptions::default())
                    .await?
                    .len();
            }
            Ok::<_, omnicrm_jobs::EngineError>(n)
        })
        .await?;
    let insert_secs = t0.elapsed().as_secs_f64();
    let m1 = mark(&mut probe_conn).await?;
    if inserted != jobs {
        bail!("inserted {inserted} of {jobs} jobs");
    }

    let t1 = Instant::now();
    let handle = Runner::new(
        runner_pool,
        registry(),
        Arc::new(Samples::default()),
        runner_config(url, concurrency, claim_batch),
    )
    .start();
    let mut polls = 0_u64;
    // On timeout the run is reported as incomplete, with the rate over the jobs it did finish.
    let left = loop {
        let left = probe(&mut probe_conn, UNFINISHED_SQL).await?;
        polls += 1;
        if left == 0 || t1.elapsed() > Duration::from_secs(timeout) {
            break left;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let process_secs = t1.elapsed().as_secs_f64();
    let finished = usize::try_from(i64::try_from(jobs).unwrap_or(i64::MAX) - left).unwrap_or(0);
    let m2 = mark(&mut probe_conn).await?;
    let stats = Arc::clone(&handle.stats);
    handle.shutdown().await;
    let history = probe(&mut probe_conn, HISTORY_SQL).await?;
    let load = |a: &AtomicU64| AtomicU64::load(a, Ordering::Relaxed);

    #[allow(clippy::cast_precision_loss)]
    let n = jobs as f64;
    Ok(json!({
        "engine": "omnicrm",
        "mode": "default",
        "jobs": jobs,
        "concurrency": concurrency,
        "claim_batch": claim_batch,
        "insert_secs": insert_secs,
        "insert_jobs_per_sec": n / insert_secs,
        "process_secs": process_secs,
        "completed": left == 0,
        "finished_jobs": finished,
        "processed_jobs_per_sec": per_f(finished, process_secs),
        "elapsed_secs": insert_secs + process_secs,
        "wal_bytes_per_job_insert": per(m1.wal - m0.wal, jobs),
        "wal_bytes_per_job_process": per(m2.wal - m1.wal, finished),
        "wal_bytes_per_job": per(m1.wal - m0.wal, jobs) + per(m2.wal - m1.wal, finished),
        "statements_per_job_insert": per(m1.calls - m0.calls, jobs),
        "statements_per_job_process": per(m2.calls - m1.calls, finished),
        "statements_per_job": per(m1.calls - m0.calls, jobs) + per(m2.calls - m1.calls, finished),
        // Raw positions (bytes from 0/0) so the phases can be cut out with pg_waldump.
        "wal_lsn": [m0.wal, m1.wal, m2.wal],
        "history_rows": history,
        "succeeded": load(&stats.succeeded),
        "claimed": load(&stats.claimed),
        "fenced": load(&stats.fenced),
        "polls": polls,
    }))
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let idx = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    #[allow(clippy::cast_precision_loss)]
    let v = sorted[idx.min(sorted.len() - 1)] as f64;
    v / 1000.0
}

#[allow(clippy::too_many_arguments)]
async fn latency(
    url: &str,
    rate: u32,
    seconds: u32,
    concurrency: usize,
    claim_batch: usize,
    producer_pool: usize,
    pool_size: usize,
) -> anyhow::Result<Value> {
    if rate == 0 || seconds == 0 {
        bail!("--rate and --seconds must be positive");
    }
    let base = Instant::now();
    let samples = Arc::new(Samples {
        base: Some(base),
        micros: Mutex::new(Vec::new()),
    });
    let mut probe_conn = AsyncPgConnection::establish(url).await?;
    let handle = Runner::new(
        pool(url, pool_size, Duration::from_secs(2))?,
        registry(),
        Arc::clone(&samples),
        runner_config(url, concurrency, claim_batch),
    )
    .start();
    // Let the LISTEN connection come up before producing.
    tokio::time::sleep(Duration::from_secs(1)).await;

    // A long checkout wait: when the database falls behind, enqueues queue up (and show as
    // producer lag) instead of being dropped.
    let producers = pool(url, producer_pool, Duration::from_secs(30))?;
    let total = u64::from(rate) * u64::from(seconds);
    let errors = Arc::new(AtomicU64::new(0));
    // Producer lag: when the INSERT was issued versus when the schedule wanted it.
    let lags = Arc::new(Mutex::new(Vec::with_capacity(
        usize::try_from(total).unwrap_or(0),
    )));
    let m0 = mark(&mut probe_conn).await?;
    let start = tokio::time::Instant::now();
    let interval = Duration::from_secs(1) / rate;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..total {
        let due = start + interval * u32::try_from(i).unwrap_or(u32::MAX);
        tokio::time::sleep_until(due).await;
        let producers = producers.clone();
        let errors = Arc::clone(&errors);
        let lags = Arc::clone(&lags);
        tasks.spawn(async move {
            let enqueued = async {
                let mut conn = producers.get().await.map_err(|e| e.to_string())?;
                let lag = u64::try_from(due.elapsed().as_micros()).unwrap_or(u64::MAX);
                lags.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(lag);
                let job = Stamp {
                    t_us: elapsed_us(base),
                };
                omnicrm_jobs::enqueue(&mut conn, &job, &EnqueueOptions::default())
                    .await
                    .map_err(|e| e.to_string())
            };
            if let Err(err) = enqueued.await {
                errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("enqueue failed: {err}");
            }
        });
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    let produce_secs = start.elapsed().as_secs_f64();
    // Drain: wait for every job to have started (bounded).
    let drain_start = Instant::now();
    loop {
        let seen = samples
            .micros
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        let left = probe(&mut probe_conn, UNFINISHED_SQL).await?;
        if (seen as u64) >= total && left == 0 {
            break;
        }
        if drain_start.elapsed() > Duration::from_secs(60) {
            eprintln!("latency: gave up draining ({seen} of {total} started, {left} unfinished)");
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let m1 = mark(&mut probe_conn).await?;
    handle.shutdown().await;

    let mut micros = std::mem::take(
        &mut *samples
            .micros
            .lock()
            .unwrap_or_else(PoisonError::into_inner),
    );
    micros.sort_unstable();
    let mut lag = std::mem::take(&mut *lags.lock().unwrap_or_else(PoisonError::into_inner));
    lag.sort_unstable();
    let n = usize::try_from(total).unwrap_or(usize::MAX);
    let failed = AtomicU64::load(&errors, Ordering::Relaxed);
    Ok(json!({
        "engine": "omnicrm",
        "rate": rate,
        "seconds": seconds,
        "concurrency": concurrency,
        "enqueued": total - failed,
        "enqueue_errors": failed,
        "started": micros.len(),
        "produce_secs": produce_secs,
        "p50_ms": percentile(&micros, 50.0),
        "p90_ms": percentile(&micros, 90.0),
        "p99_ms": percentile(&micros, 99.0),
        "p999_ms": percentile(&micros, 99.9),
        "max_ms": percentile(&micros, 100.0),
        "producer_lag_p99_ms": percentile(&lag, 99.0),
        "producer_lag_max_ms": percentile(&lag, 100.0),
        "wal_bytes_per_job": per(m1.wal - m0.wal, n),
        "statements_per_job": per(m1.calls - m0.calls, n),
    }))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let out = match Cli::parse().command {
        Command::Migrate { url } => {
            let applied = omnicrm_jobs::migrations::run_pending(&url)
                .await
                .map_err(anyhow::Error::msg)?;
            json!({ "applied": applied })
        }
        Command::Burn {
            url,
            jobs,
            concurrency,
            claim_batch,
            chunk,
            pool_size,
            timeout,
        } => {
            burn(
                &url,
                jobs,
                concurrency,
                claim_batch,
                chunk,
                pool_size,
                timeout,
            )
            .await?
        }
        Command::Latency {
            url,
            rate,
            seconds,
            concurrency,
            claim_batch,
            producer_pool,
            pool_size,
        } => {
            latency(
                &url,
                rate,
                seconds,
                concurrency,
                claim_batch,
                producer_pool,
                pool_size,
            )
            .await?
        }
    };
    #[allow(clippy::print_stdout)]
    {
        println!("{out}");
    }
    Ok(())
}
