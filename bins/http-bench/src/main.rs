//! An open-loop load generator for `scripts/bench-crm`: requests are *scheduled* at a fixed
//! rate whatever the server does, and each latency is measured from the request's scheduled
//! time, not from when it could be sent. A slow server therefore shows up as queueing in
//! the latencies instead of silently lowering the offered rate (no coordinated omission),
//! which is what `wrk` (closed loop) cannot measure.
//!
//! ```text
//! omnicrm-http-bench --url http://127.0.0.1:8080/api/v1/contacts --token "$T" \
//!     --rate 300 --warmup 10s --duration 30s
//! ```
//! Prints one JSON object: offered and achieved rate, counts by outcome, and latency
//! percentiles in milliseconds over the measured period. With several `--url`s the
//! requests take them in turn, and `{n}` in a URL becomes the request's number (distinct
//! queries for `scripts/bench-search`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Parser;
use serde_json::json;
use tokio::sync::{Mutex, Semaphore};

#[derive(Debug, Parser)]
#[command(about = "open-loop HTTP load generator (see scripts/bench-crm)")]
struct Cli {
    /// Target URL (GET); repeat to rotate over several. `{n}` becomes the request's number.
    #[arg(long, required = true)]
    url: Vec<String>,
    /// Bearer token sent with every request.
    #[arg(long)]
    token: Option<String>,
    /// Requests per second.
    #[arg(long, default_value_t = 300)]
    rate: u32,
    /// Unmeasured lead-in.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    warmup: Duration,
    /// Measured period.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    duration: Duration,
    /// Most requests in flight; beyond it a scheduled request counts as dropped.
    #[arg(long, default_value_t = 512)]
    max_in_flight: usize,
}

#[derive(Debug, Default)]
struct Tally {
    latencies_us: Vec<u64>,
    ok: u64,
    non_2xx: u64,
    errors: u64,
    dropped: u64,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // One worker thread: the load generator must leave the machine's cores to the server.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("tokio runtime")?;
    let summary = runtime.block_on(run(cli))?;
    let mut out = std::io::stdout().lock();
    std::io::Write::write_all(&mut out, format!("{summary}\n").as_bytes())?;
    Ok(())
}

async fn run(cli: Cli) -> anyhow::Result<serde_json::Value> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(cli.max_in_flight)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(10))
        .build()?;
    let tally = Arc::new(Mutex::new(Tally::default()));
    let in_flight = Arc::new(Semaphore::new(cli.max_in_flight));
    let interval = Duration::from_secs_f64(1.0 / f64::from(cli.rate.max(1)));
    let start = Instant::now();
    let measure_from = start + cli.warmup;
    let end = measure_from + cli.duration;
    let mut tasks = tokio::task::JoinSet::new();
    let mut n: u32 = 0;
    loop {
        let scheduled = start + interval * n;
        if scheduled >= end {
            break;
        }
        n += 1;
        tokio::time::sleep_until(scheduled.into()).await;
        let measured = scheduled >= measure_from;
        let Ok(permit) = in_flight.clone().try_acquire_owned() else {
            if measured {
                tally.lock().await.dropped += 1;
            }
            continue;
        };
        let url = &cli.url[usize::try_from(n).unwrap_or(0) % cli.url.len()];
        let mut request = client.get(url.replace("{n}", &n.to_string()));
        if let Some(token) = &cli.token {
            request = request.bearer_auth(token);
        }
        let tally = tally.clone();
        tasks.spawn(async move {
            let outcome = match request.send().await {
                Ok(res) => {
                    let status = res.status();
                    // Read the whole body: the response is only complete then.
                    match res.bytes().await {
                        Ok(_) if status.is_success() => Outcome::Ok,
                        Ok(_) => Outcome::Non2xx,
                        Err(_) => Outcome::Error,
                    }
                }
                Err(_) => Outcome::Error,
            };
            let latency = scheduled.elapsed();
            drop(permit);
            if measured {
                let mut t = tally.lock().await;
                match outcome {
                    Outcome::Ok => t.ok += 1,
                    Outcome::Non2xx => t.non_2xx += 1,
                    Outcome::Error => t.errors += 1,
                }
                t.latencies_us
                    .push(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX));
            }
        });
        // Reap finished tasks as we go so the set stays small.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = cli.duration.as_secs_f64();
    let mut t = std::mem::take(&mut *tally.lock().await);
    t.latencies_us.sort_unstable();
    let pct = |p: f64| -> f64 {
        if t.latencies_us.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * t.latencies_us.len() as f64).ceil() as usize;
        t.latencies_us[rank.clamp(1, t.latencies_us.len()) - 1] as f64 / 1000.0
    };
    Ok(json!({
        "offered_rps": cli.rate,
        "achieved_rps": (t.ok + t.non_2xx) as f64 / elapsed,
        "ok": t.ok,
        "non_2xx": t.non_2xx,
        "errors": t.errors,
        "dropped": t.dropped,
        "p50_ms": pct(50.0),
        "p90_ms": pct(90.0),
        "p99_ms": pct(99.0),
        "p999_ms": pct(99.9),
        "max_ms": pct(100.0),
    }))
}

enum Outcome {
    Ok,
    Non2xx,
    Error,
}
