//! Jobs and helpers shared by the engine tests (`engine/`).

use crate::common::{Probe, pool};
use omnicrm_jobs::{
    EnqueueOptions, Job, JobContext, JobError, Registry, RetryPolicy, UniqueMode, enqueue,
};
use omnicrm_testkit::TestDb;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;
use std::time::Duration;
use uuid::Uuid;

/// Records every run; succeeds.
#[derive(Serialize, Deserialize)]
pub(crate) struct Count {
    pub(crate) n: u32,
}
impl Job for Count {
    const KIND: &'static str = "test.count";
    type Context = Probe;
    async fn run(self, ctx: JobContext<Probe>) -> Result<Value, JobError> {
        ctx.app.record(ctx.job_id);
        Ok(json!({ "n": self.n }))
    }
}

/// Fails (retryably) until `succeed_from` attempts, or always when 0.
#[derive(Serialize, Deserialize)]
pub(crate) struct Flaky {
    pub(crate) succeed_from: i32,
    pub(crate) permanent: bool,
}
impl Job for Flaky {
    const KIND: &'static str = "test.flaky";
    const MAX_ATTEMPTS: i32 = 3;
    type Context = Probe;
    fn retry_policy() -> RetryPolicy {
        RetryPolicy {
            base: Duration::from_millis(10),
            cap: Duration::from_millis(40),
        }
    }
    async fn run(self, ctx: JobContext<Probe>) -> Result<Value, JobError> {
        ctx.app.record(ctx.job_id);
        if self.permanent {
            return Err(JobError::permanent("this cannot work"));
        }
        if self.succeed_from > 0 && ctx.attempt >= self.succeed_from {
            return Ok(Value::Null);
        }
        Err(JobError::retry(format!(
            "failure on attempt {}",
            ctx.attempt
        )))
    }
}

/// Snoozes `times` times (counted by the probe), then succeeds.
#[derive(Serialize, Deserialize)]
pub(crate) struct Sleepy {
    pub(crate) times: u32,
}
impl Job for Sleepy {
    const KIND: &'static str = "test.sleepy";
    type Context = Probe;
    async fn run(self, ctx: JobContext<Probe>) -> Result<Value, JobError> {
        ctx.app.record(ctx.job_id);
        let seen = ctx.app.runs.lock().unwrap()[&ctx.job_id];
        if seen <= self.times {
            return Err(JobError::Snooze {
                after: Duration::from_millis(20),
                reason: "upstream said 429".into(),
            });
        }
        Ok(Value::Null)
    }
}

/// Runs for `ms`, tracking how many run at once; unique and concurrency keys from fields.
#[derive(Serialize, Deserialize)]
pub(crate) struct Slow {
    pub(crate) ms: u64,
    pub(crate) key: Option<String>,
    pub(crate) unique: Option<String>,
    pub(crate) replace: bool,
}
impl Job for Slow {
    const KIND: &'static str = "test.slow";
    type Context = Probe;
    fn unique(&self) -> Option<(String, UniqueMode)> {
        self.unique.clone().map(|k| {
            (
                k,
                if self.replace {
                    UniqueMode::Replace
                } else {
                    UniqueMode::Skip
                },
            )
        })
    }
    fn concurrency(&self) -> Option<(String, i32)> {
        self.key.clone().map(|k| (k, 2))
    }
    async fn run(self, ctx: JobContext<Probe>) -> Result<Value, JobError> {
        let now = ctx.app.running.fetch_add(1, Ordering::SeqCst) + 1;
        ctx.app.max_running.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(self.ms)).await;
        ctx.app.running.fetch_sub(1, Ordering::SeqCst);
        ctx.app.record(ctx.job_id);
        Ok(Value::Null)
    }
}

pub(crate) fn registry() -> Registry<Probe> {
    Registry::new()
        .register::<Count>()
        .register::<Flaky>()
        .register::<Sleepy>()
        .register::<Slow>()
}

pub(crate) async fn enqueue_one<J: Job>(db: &TestDb, job: &J) -> Option<Uuid> {
    let p = pool(db, 1);
    let mut c = p.get().await.unwrap();
    enqueue(&mut c, job, &EnqueueOptions::default())
        .await
        .unwrap()
}
