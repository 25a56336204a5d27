//! `insights.contact` and `insights.refresh`: generate AI insights (queue `insights`).
//! Both are unique per subject while queued or running, so asking twice answers the same
//! job (`POST /data-intelligence/ai-insights`).

use std::time::Duration;

use omnicrm_domain::entities::InsightKind;
use omnicrm_domain::{ContactId, UserId};
use omnicrm_jobs::{Job, JobContext, JobError, UniqueMode};
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
