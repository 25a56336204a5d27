//! Recurring schedules: cron expressions evaluated in an IANA time zone, stored in
//! `job_schedules`, fired into `job_queue` by [`fire_due`].
//!
//! * Expressions have 5 fields (`min hour dom month dow`) or 6 with leading seconds, plus
//!   the `@hourly`/`@daily`/... nicknames (parsed by `croner`).
//! * Ticks are computed on the wall clock of the schedule's time zone (`chrono-tz`), so
//!   `0 9 * * *` in `Europe/London` runs at 09:00 local time on both sides of a DST change;
//!   a fixed time that falls into a spring-forward gap runs at the first instant after the
//!   gap, and a fixed time in a repeated (fall-back) hour runs once.
//! * [`fire_due`] fires every due schedule exactly once however many workers call it
//!   (row lock + `SKIP LOCKED` + the advanced `next_run_at`). Missed ticks are not
//!   replayed: a schedule that is overdue by many ticks fires once and jumps ahead.

use std::str::FromStr;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use diesel::sql_types::{Bool, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::EngineError;

/// Attempts a job enqueued by a schedule gets.
const CRON_MAX_ATTEMPTS: i32 = 5;

/// A schedule definition is unusable.
#[derive(Debug, thiserror::Error)]
pub enum CronError {
    /// The cron expression does not parse.
    #[error("invalid cron expression {cron:?}: {reason}")]
    InvalidCron {
        /// The expression as given.
        cron: String,
        /// Why the parser rejected it.
        reason: String,
    },
    /// The time zone is not an IANA name known to `chrono-tz`.
    #[error("unknown time zone {0:?}")]
    UnknownTimezone(String),
    /// The expression parses but has no tick after the given instant.
    #[error("cron expression {cron:?} has no tick after {after}")]
    NoNextTick {
        /// The expression.
        cron: String,
        /// The instant searched from.
        after: OffsetDateTime,
    },
    /// A required text field (`name`, `kind`, `queue`) is empty.
    #[error("schedule {0} must not be empty")]
    Empty(&'static str),
}

impl From<CronError> for omnicrm_problem::AppError {
    fn from(err: CronError) -> Self {
        let message = err.to_string();
        match err {
            CronError::InvalidCron { .. } | CronError::NoNextTick { .. } => {
                Self::invalid_field("/cron", "invalid_cron", &message)
            }
            CronError::UnknownTimezone(_) => {
                Self::invalid_field("/timezone", "unknown_timezone", &message)
            }
            CronError::Empty(field) => {
                Self::invalid_field(&format!("/{field}"), "required", &message)
            }
        }
    }
}

/// Why [`upsert_schedule`] failed: a bad definition or the store.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// The definition is invalid (nothing was written).
    #[error(transparent)]
    Invalid(#[from] CronError),
    /// A statement failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl From<diesel::result::Error> for ScheduleError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Engine(EngineError::Database(err))
    }
}

impl From<ScheduleError> for omnicrm_problem::AppError {
    fn from(err: ScheduleError) -> Self {
        match err {
            ScheduleError::Invalid(e) => e.into(),
            ScheduleError::Engine(e) => e.into(),
        }
    }
}

/// A recurring schedule: enqueue a `kind` job on `queue` with `payload` at every tick of
/// `cron` in `timezone`.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// Unique name (primary key); also the base of the jobs' unique keys.
    pub name: String,
    /// Cron expression: 5 fields, or 6 with leading seconds, or an `@nickname`.
    pub cron: String,
    /// IANA time zone the expression is read in (`UTC`, `Europe/London`).
    pub timezone: String,
    /// Job kind to enqueue.
    pub kind: String,
    /// Queue to enqueue on.
    pub queue: String,
    /// Payload of every enqueued job.
    pub payload: serde_json::Value,
    /// When true, a tick is skipped while the previous run is still queued or running
    /// (unique key `cron:<name>`); otherwise every tick enqueues (`cron:<name>:<tick>`).
    pub skip_if_running: bool,
    /// The tenant the schedule works for: its jobs carry it, [`delete_user_schedules`]
    /// stops it, and erasure (`store::purge_user_counted`) removes it.
    pub user_id: Option<Uuid>,
    /// Concurrency key of the fired jobs (limit 1), shared with jobs enqueued by hand
    /// (a "sync now") so the two never run side by side.
    pub concurrency_key: Option<String>,
}

impl Schedule {
    /// Checks the expression, the time zone and that `name`, `kind`, `queue` are set.
    pub fn validate(&self) -> Result<(), CronError> {
        for (field, value) in [
            ("name", &self.name),
            ("kind", &self.kind),
            ("queue", &self.queue),
        ] {
            if value.trim().is_empty() {
                return Err(CronError::Empty(field));
            }
        }
        parse_cron(&self.cron)?;
        parse_tz(&self.timezone)?;
        Ok(())
    }

    /// The first tick strictly after `after`.
    pub fn next_after(&self, after: OffsetDateTime) -> Result<OffsetDateTime, CronError> {
        next_after(&self.cron, &self.timezone, after)
    }
}

/// Where "now" comes from, so schedules can be driven by a fake clock in tests.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> OffsetDateTime;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to (tests).
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<OffsetDateTime>,
}

impl ManualClock {
    /// A clock showing `now`.
    pub fn new(now: OffsetDateTime) -> Self {
        Self {
            now: Mutex::new(now),
        }
    }

    /// Sets the time.
    pub fn set(&self, now: OffsetDateTime) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = now;
    }

    /// Moves the time forward by `by`; returns the new time.
    pub fn advance(&self, by: std::time::Duration) -> OffsetDateTime {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
        *now
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn parse_cron(cron: &str) -> Result<Cron, CronError> {
    CronParser::builder()
        .seconds(Seconds::Optional)
        .year(Year::Disallowed)
        .build()
        .parse(cron)
        .map_err(|e| CronError::InvalidCron {
            cron: cron.to_owned(),
            reason: e.to_string(),
        })
}

fn parse_tz(tz: &str) -> Result<Tz, CronError> {
    Tz::from_str(tz).map_err(|_| CronError::UnknownTimezone(tz.to_owned()))
}

fn to_chrono(t: OffsetDateTime, tz: Tz) -> Option<DateTime<Tz>> {
    DateTime::<Utc>::from_timestamp(t.unix_timestamp(), t.nanosecond())
        .map(|d| d.with_timezone(&tz))
}

fn from_chrono(t: &DateTime<Tz>) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(
        i128::from(t.timestamp()) * 1_000_000_000 + i128::from(t.timestamp_subsec_nanos()),
    )
    .ok()
}

/// The first tick of `cron`, read in time zone `tz`, strictly after `after` (in UTC).
pub fn next_after(
    cron: &str,
    tz: &str,
    after: OffsetDateTime,
) -> Result<OffsetDateTime, CronError> {
    let parsed = parse_cron(cron)?;
    let zone = parse_tz(tz)?;
    let no_tick = || CronError::NoNextTick {
        cron: cron.to_owned(),
        after,
    };
    let start = to_chrono(after, zone).ok_or_else(no_tick)?;
    let next = parsed
        .find_next_occurrence(&start, false)
        .map_err(|_| no_tick())?;
    let next = from_chrono(&next).ok_or_else(no_tick)?;
    // croner already searches from the next whole second; guard the contract anyway.
    if next <= after {
        return Err(no_tick());
    }
    Ok(next)
}

#[derive(diesel::QueryableByName)]
struct NextRun {
    #[diesel(sql_type = Timestamptz)]
    next_run_at: OffsetDateTime,
}

/// Inserts or updates schedule `s`; returns its stored `next_run_at`.
///
/// A new schedule's first tick is the first one after `now`. On update, `next_run_at` is
/// recomputed from `now` only when the expression or the time zone changed; otherwise the
/// pending tick is kept (kind, queue, payload and `skip_if_running` apply from it on).
pub async fn upsert_schedule(
    conn: &mut AsyncPgConnection,
    s: &Schedule,
    now: OffsetDateTime,
) -> Result<OffsetDateTime, ScheduleError> {
    s.validate()?;
    let next = s.next_after(now)?;
    let rows: Vec<NextRun> = diesel::sql_query(include_str!("sql/cron_upsert_schedule.sql"))
        .bind::<Text, _>(&s.name)
        .bind::<Text, _>(&s.cron)
        .bind::<Text, _>(&s.timezone)
        .bind::<Text, _>(&s.kind)
        .bind::<Text, _>(&s.queue)
        .bind::<Jsonb, _>(&s.payload)
        .bind::<Bool, _>(s.skip_if_running)
        .bind::<Timestamptz, _>(next)
        .bind::<Nullable<SqlUuid>, _>(s.user_id)
        .bind::<Nullable<Text>, _>(&s.concurrency_key)
        .load(conn)
        .await?;
    Ok(rows.into_iter().next().map_or(next, |r| r.next_run_at))
}

/// Deletes every schedule of `user` (a revoked grant, a disconnected service, an
/// erasure); returns how many. Jobs they already enqueued stay.
pub async fn delete_user_schedules(
    conn: &mut AsyncPgConnection,
    user: Uuid,
) -> Result<usize, EngineError> {
    Ok(
        diesel::sql_query("DELETE FROM job_schedules WHERE user_id = $1")
            .bind::<SqlUuid, _>(user)
            .execute(conn)
            .await?,
    )
}

/// The names of `user`'s schedules, in name order.
pub async fn user_schedule_names(
    conn: &mut AsyncPgConnection,
    user: Uuid,
) -> Result<Vec<String>, EngineError> {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let rows: Vec<Name> =
        diesel::sql_query("SELECT name FROM job_schedules WHERE user_id = $1 ORDER BY name")
            .bind::<SqlUuid, _>(user)
            .load(conn)
            .await?;
    Ok(rows.into_iter().map(|r| r.name).collect())
}

/// Deletes schedule `name`; returns whether it existed. Jobs it already enqueued stay.
pub async fn delete_schedule(
    conn: &mut AsyncPgConnection,
    name: &str,
) -> Result<bool, EngineError> {
    let n = diesel::sql_query("DELETE FROM job_schedules WHERE name = $1")
        .bind::<Text, _>(name)
        .execute(conn)
        .await?;
    Ok(n > 0)
}

#[derive(diesel::QueryableByName)]
struct DueRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    cron: String,
    #[diesel(sql_type = Text)]
    timezone: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    queue: String,
    #[diesel(sql_type = Jsonb)]
    payload: serde_json::Value,
    #[diesel(sql_type = Bool)]
    skip_if_running: bool,
    #[diesel(sql_type = Timestamptz)]
    next_run_at: OffsetDateTime,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    user_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    concurrency_key: Option<String>,
}

/// Fires every schedule due at `now`, in one transaction; returns the names of the
/// schedules that enqueued a job, in name order.
///
/// For each due row (`next_run_at <= now`, locked `FOR UPDATE SKIP LOCKED`): one job is
/// enqueued with unique key `cron:<name>` when `skip_if_running` (a previous run still
/// queued or running makes the insert a no-op: the tick is skipped and the name is not
/// returned), else `cron:<name>:<tick unix seconds>`; then `next_run_at` moves to the
/// first tick strictly after `now` (missed ticks are not replayed), and `last_fired_at`
/// becomes `now` when a job was enqueued. A stored row whose expression or time zone no
/// longer parses is logged and left alone. Concurrent callers fire each tick once.
pub async fn fire_due(
    conn: &mut AsyncPgConnection,
    now: OffsetDateTime,
) -> Result<Vec<String>, EngineError> {
    conn.transaction(async move |tx| {
        let due: Vec<DueRow> = diesel::sql_query(
            "SELECT name, cron, timezone, kind, queue, payload, skip_if_running, next_run_at, \
             user_id, concurrency_key FROM job_schedules WHERE next_run_at <= $1 ORDER BY name FOR UPDATE SKIP LOCKED",
        )
        .bind::<Timestamptz, _>(now)
        .load(tx)
        .await?;
        let mut fired = Vec::with_capacity(due.len());
        for row in due {
            let next = match next_after(&row.cron, &row.timezone, now) {
                Ok(next) => next,
                Err(err) => {
                    tracing::error!(schedule = %row.name, error = %err, "unusable cron schedule; not fired");
                    continue;
                }
            };
            let unique_key = if row.skip_if_running {
                format!("cron:{}", row.name)
            } else {
                format!("cron:{}:{}", row.name, row.next_run_at.unix_timestamp())
            };
            let inserted = diesel::sql_query(
                include_str!("sql/cron_enqueue_fired.sql"),
            )
            .bind::<SqlUuid, _>(Uuid::now_v7())
            .bind::<Text, _>(&row.kind)
            .bind::<Text, _>(&row.queue)
            .bind::<Jsonb, _>(&row.payload)
            .bind::<diesel::sql_types::Int4, _>(CRON_MAX_ATTEMPTS)
            .bind::<Text, _>(&unique_key)
            .bind::<Nullable<SqlUuid>, _>(row.user_id)
            .bind::<Nullable<Text>, _>(&row.concurrency_key)
            .execute(tx)
            .await?;
            let enqueued = inserted > 0;
            diesel::sql_query(
                include_str!("sql/cron_advance_schedule.sql"),
            )
            .bind::<Text, _>(&row.name)
            .bind::<Timestamptz, _>(next)
            .bind::<Bool, _>(enqueued)
            .bind::<Timestamptz, _>(now)
            .execute(tx)
            .await?;
            if enqueued {
                fired.push(row.name);
            } else {
                tracing::debug!(schedule = %row.name, "previous run still queued or running; tick skipped");
            }
        }
        Ok::<_, EngineError>(fired)
    })
    .await
}
