//! A generic PostgreSQL job engine (no CRM knowledge; it owns only the `job_*` tables).
//!
//! * Jobs are typed ([`Job`]) and registered on a [`Registry`]; [`enqueue`] runs on the
//!   caller's connection, inside the caller's transaction, so a job exists exactly when the
//!   business write committed.
//! * Workers claim batches with `FOR UPDATE SKIP LOCKED` in a short transaction that commits,
//!   then run each job under a **lease** renewed by batched heartbeats. Every completion,
//!   retry and heartbeat is fenced by the lease token: a worker that lost its lease can
//!   never complete a job that was handed to someone else.
//! * Failures are retryable (exponential backoff, full jitter, cap), permanent (straight to
//!   dead) or snoozes (rescheduled without spending an attempt). Dead jobs keep payload and
//!   every attempt's error and can be redriven.
//! * Finished jobs move to the month-partitioned `job_history`, keeping the hot
//!   `job_queue` small.
//!
//! * A handler's own writes are fenced too ([`fence`]): a transaction that calls
//!   [`fence::hold`] commits only while the job still exists and is leased to this run.
//!
//! Delivery is at least once: handlers must be idempotent.

pub mod cron;
mod enqueue;
mod error;
mod failure;
pub mod fence;
mod job;
pub mod migrations;
mod registry;
mod runner;
pub mod store;

pub use cron::{
    Clock, CronError, ManualClock, Schedule, ScheduleError, SystemClock, delete_schedule,
    delete_user_schedules, fire_due, next_after, upsert_schedule, user_schedule_names,
};
pub use enqueue::{EnqueueOptions, enqueue, enqueue_many, enqueue_or_join};
pub use error::{EngineError, JobError};
pub use failure::FailureCode;
pub use job::{Job, JobContext, RetryPolicy, UniqueMode};
pub use registry::Registry;
pub use runner::{Runner, RunnerConfig, RunnerHandle, RunnerStats, upkeep};
pub use store::{BatchCounts, JobRecord, JobState};

/// The channel `job_queue`'s statement trigger notifies.
pub const NOTIFY_CHANNEL: &str = "omnicrm_jobs";
