//! The runner's settings.

use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

use crate::cron::{Clock, SystemClock};

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
