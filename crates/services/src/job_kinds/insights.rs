//! `insights.contact` and `insights.refresh`: generate AI insights (queue `insights`).
//! Both are unique per subject while queued or running, so asking twice answers the same
//! job (`POST /data-intelligence/ai-insights`).

use std::time::Duration;

use futures_util::FutureExt;
use omnicrm_domain::entities::InsightKind;
use omnicrm_domain::{ContactId, UserId};
use omnicrm_jobs::{Job, JobContext, JobError, UniqueMode};
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::insights::InsightsRepository;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::JobsAppContext;
use crate::insights::generate;

fn user_of(ctx: &JobContext<JobsAppContext>) -> Result<UserId, JobError> {
    ctx.user_id
        .map(UserId::from)
        .ok_or_else(|| JobError::permanent("an insight job needs a user"))
}

/// Payload of `insights.contact`: the insights about one contact (the user is the job's).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InsightsContact {
    /// The contact.
    pub contact_id: Uuid,
    /// Kinds to generate (empty: all).
    #[serde(default)]
    pub kinds: Vec<InsightKind>,
    /// Queued by a write to the contact's data (a trigger, ADR 0042) rather than asked
    /// for: the heuristics, and only the model's kinds the user asked for about this
    /// contact before.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub automatic: bool,
}

impl Job for InsightsContact {
    const KIND: &'static str = "insights.contact";
    const QUEUE: &'static str = "insights";
    const TIMEOUT: Duration = Duration::from_secs(600);
    type Context = JobsAppContext;

    fn unique(&self) -> Option<(String, UniqueMode)> {
        // Contact ids are UUIDs: unique across tenants, so the key is per user too. The
        // automatic ones are queued by SQL (migration 390001) in their own slots, so a
        // request never waits behind a debounced refresh.
        let key = if self.automatic {
            format!("insights.auto:{}", self.contact_id)
        } else {
            format!("insights.contact:{}", self.contact_id)
        };
        Some((key, UniqueMode::Skip))
    }

    fn concurrency(&self) -> Option<(String, i32)> {
        // One run per contact at a time, requested or automatic: two runs would each
        // supersede the other's unread insights.
        Some((format!("insights.contact:{}", self.contact_id), 1))
    }

    async fn run(self, ctx: JobContext<JobsAppContext>) -> Result<Value, JobError> {
        let user = user_of(&ctx)?;
        let contact = ContactId::from(self.contact_id);
        let report = if self.automatic {
            generate::contact_after_write(&ctx.app.ai, &ctx.app.db, user, contact).await?
        } else {
            generate::contact(&ctx.app.ai, &ctx.app.db, user, contact, &self.kinds).await?
        };
        serde_json::to_value(report).map_err(JobError::permanent)
    }
}

/// Payload of `insights.refresh`: the heuristics of every contact and the weekly digest
/// (the user is the job's).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InsightsRefresh {
    /// Kinds to generate (empty: all the practice-wide ones).
    #[serde(default)]
    pub kinds: Vec<InsightKind>,
    /// The user, for the unique key only (the job's `user_id` is authoritative).
    #[serde(skip)]
    pub for_user: Uuid,
}

impl Job for InsightsRefresh {
    const KIND: &'static str = "insights.refresh";
    const QUEUE: &'static str = "insights";
    const TIMEOUT: Duration = Duration::from_secs(1800);
    type Context = JobsAppContext;

    fn unique(&self) -> Option<(String, UniqueMode)> {
        Some((
            format!("insights.refresh:{}", self.for_user),
            UniqueMode::Skip,
        ))
    }

    async fn run(self, ctx: JobContext<JobsAppContext>) -> Result<Value, JobError> {
        let user = user_of(&ctx)?;
        let report = generate::practice(&ctx.app.db, user, &self.kinds)
            .await
            .map_err(JobError::retry)?;
        serde_json::to_value(report).map_err(JobError::permanent)
    }
}

/// How often the worker turns the writes' refresh marks into jobs (ADR 0046). The jobs
/// wait 3 minutes anyway (the debounce): a few seconds more is not noticed, and a quiet
/// dispatch is one short statement.
pub const REFRESH_DISPATCH_EVERY: Duration = Duration::from_secs(5);

/// Marks taken per statement: a sync chunk's marks in one, a long import's in a few.
const REFRESH_DISPATCH_BATCH: i32 = 2_000;

/// Queues the automatic `insights.contact` jobs the committed writes call for (the
/// triggers of ADR 0042 mark the contacts in `insights_pending`; ADR 0046) until no mark
/// is left. Returns how many marks it took.
pub async fn dispatch_refreshes(db: &Db) -> Result<usize, AppError> {
    let mut total = 0;
    loop {
        let taken = db
            .unscoped(move |conn| {
                async move {
                    InsightsRepository::dispatch_refreshes(conn, REFRESH_DISPATCH_BATCH).await
                }
                .boxed()
            })
            .await?;
        total += usize::try_from(taken).unwrap_or(0);
        if taken < REFRESH_DISPATCH_BATCH {
            return Ok(total);
        }
    }
}

/// Runs [`dispatch_refreshes`] every `every` until the returned task is aborted.
pub fn spawn_refresh_dispatcher(db: Db, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(err) = dispatch_refreshes(&db).await {
                tracing::warn!(error = %err, "insight refresh dispatch failed");
            }
        }
    })
}
