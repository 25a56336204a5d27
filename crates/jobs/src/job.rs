use std::time::Duration;

use rand::Rng;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::JobError;

/// What a duplicate enqueue does while a job with the same unique key is queued or running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueMode {
    /// Keep the existing job; the new one is not enqueued.
    Skip,
    /// Debounce: a queued twin takes the new payload and run time (a running twin is left
    /// alone and the new job is not enqueued).
    Replace,
}

/// Exponential backoff with full jitter and a cap: attempt `n` waits a uniformly random
/// time in `[0, min(cap, base * 2^(n-1))]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay scale of the first retry.
    pub base: Duration,
    /// Longest delay.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(2),
            cap: Duration::from_secs(600),
        }
    }
}

impl RetryPolicy {
    /// The upper bound of the delay after failed attempt `attempt` (1-based).
    pub fn ceiling(&self, attempt: i32) -> Duration {
        let exp = u32::try_from(attempt.saturating_sub(1))
            .unwrap_or(0)
            .min(30);
        self.base.saturating_mul(1_u32 << exp).min(self.cap)
    }

    /// A jittered delay after failed attempt `attempt`.
    pub fn delay(&self, attempt: i32) -> Duration {
        let ceiling = self.ceiling(attempt);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::thread_rng().gen_range(0..=millis))
    }
}

/// What a handler gets besides its payload.
#[derive(Debug, Clone)]
pub struct JobContext<C> {
    /// The job's id.
    pub job_id: Uuid,
    /// The tenant, for tenant jobs: open the tenant's own transaction with it.
    pub user_id: Option<Uuid>,
    /// This attempt (1-based).
    pub attempt: i32,
    /// The batch the job belongs to.
    pub batch_id: Option<Uuid>,
    /// Shared application state (services, clients).
    pub app: C,
}

/// A kind of job: a typed payload plus how to run it.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Stable kind name stored with every job.
    const KIND: &'static str;
    /// Queue (each has its own concurrency).
    const QUEUE: &'static str = "default";
    /// Higher runs first.
    const PRIORITY: i16 = 0;
    /// Attempts before the job is dead.
    const MAX_ATTEMPTS: i32 = 5;
    /// Longest a single run may take.
    const TIMEOUT: Duration = Duration::from_secs(300);

    /// Shared state handed to handlers.
    type Context: Clone + Send + Sync + 'static;

    /// Backoff between attempts.
    fn retry_policy() -> RetryPolicy {
        RetryPolicy::default()
    }

    /// Deduplication key and mode, if twins must not pile up.
    fn unique(&self) -> Option<(String, UniqueMode)> {
        None
    }

    /// Concurrency key and limit: at most `limit` jobs with this key run at once, across
    /// every worker (e.g. one Gmail sync per user).
    fn concurrency(&self) -> Option<(String, i32)> {
        None
    }

    /// Runs the job; the returned value is stored as its result.
    fn run(
        self,
        ctx: JobContext<Self::Context>,
    ) -> impl Future<Output = Result<serde_json::Value, JobError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_jitters_below_the_ceiling() {
        let p = RetryPolicy {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(10),
        };
        let ceilings: Vec<u64> = (1..=6).map(|a| p.ceiling(a).as_secs()).collect();
        assert_eq!(ceilings, [1, 2, 4, 8, 10, 10]);
        for attempt in 1..=6 {
            for _ in 0..50 {
                assert!(p.delay(attempt) <= p.ceiling(attempt));
            }
        }
        assert_eq!(p.ceiling(1000), Duration::from_secs(10));
    }
}
