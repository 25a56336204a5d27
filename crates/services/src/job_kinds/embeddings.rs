//! `embeddings.sync` embeds a user's waiting items (those whose text changed: the writes
//! mark them in their own transaction), `embeddings.backfill` marks all of a user's items
//! first (a new model, a restored database). Without an embedding model both finish at
//! once and leave the marks for when one is configured. [`dispatch`] enqueues a sync for
//! every user with waiting items; the worker runs it every few seconds.

use std::time::Duration;

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_jobs::{EnqueueOptions, Job, JobContext, JobError, UniqueMode, enqueue};
use omnicrm_problem::AppError;
use omnicrm_repo::Db;
use omnicrm_repo::embeddings::EmbeddingsRepository;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::JobsAppContext;

/// Items one sync job embeds before it ends (a later dispatch continues).
const SYNC_MAX_ITEMS: usize = 2_000;
/// How often the worker looks for users with waiting items (the latency of a re-embed
/// after an edit).
pub const DISPATCH_EVERY: Duration = Duration::from_secs(2);
/// Users one dispatch enqueues.
const DISPATCH_USERS: i32 = 500;

fn user_of(ctx: &JobContext<JobsAppContext>) -> Result<UserId, JobError> {
    ctx.user_id
        .map(UserId::from)
        .ok_or_else(|| JobError::permanent("an embedding job needs a user"))
}

/// The provider's 429 or a spent AI limit snoozes the job (no attempt spent); other
/// failures are retried with backoff.
fn job_error(err: crate::semantic::EmbedFailure) -> JobError {
    match err {
        crate::semantic::EmbedFailure::Busy { after, reason } => JobError::Snooze {
            after,
            reason: reason.to_owned(),
        },
        crate::semantic::EmbedFailure::Failed(err) => JobError::retry(err),
    }
}

fn outcome(summary: Option<crate::semantic::SyncSummary>) -> Value {
    match summary {
        Some(s) => json!(s),
        None => json!({ "skipped": "no embedding model is configured" }),
    }
}

/// Payload of `embeddings.sync` (the user is the job's).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EmbeddingsSync {}

impl Job for EmbeddingsSync {
    const KIND: &'static str = "embeddings.sync";
    const QUEUE: &'static str = "embeddings";
    const TIMEOUT: Duration = Duration::from_secs(600);
    type Context = JobsAppContext;

    async fn run(self, ctx: JobContext<JobsAppContext>) -> Result<Value, JobError> {
        let user = user_of(&ctx)?;
        let summary = ctx
            .app
            .semantic
            .sync_user(&ctx.app.db, user, SYNC_MAX_ITEMS)
            .await
            .map_err(job_error)?;
        Ok(outcome(summary))
    }
}

/// Payload of `embeddings.backfill` (the user is the job's).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EmbeddingsBackfill {}

impl Job for EmbeddingsBackfill {
    const KIND: &'static str = "embeddings.backfill";
    const QUEUE: &'static str = "embeddings";
    const TIMEOUT: Duration = Duration::from_secs(3600);
    type Context = JobsAppContext;

    async fn run(self, ctx: JobContext<JobsAppContext>) -> Result<Value, JobError> {
        let user = user_of(&ctx)?;
        let summary = ctx
            .app
            .semantic
            .backfill_user(&ctx.app.db, user)
            .await
            .map_err(job_error)?;
        Ok(outcome(summary))
    }
}

/// Enqueues one `embeddings.sync` per user with waiting items (one per user at a time:
/// a user whose sync is still queued or running is skipped, and picked up by a later
/// dispatch). Returns how many were enqueued.
pub async fn dispatch(db: &Db) -> Result<usize, AppError> {
    db.unscoped(move |conn| {
        async move {
            let users = EmbeddingsRepository::pending_users(conn, DISPATCH_USERS).await?;
            let mut enqueued = 0;
            for user in users {
                let options = EnqueueOptions {
                    user_id: Some(user),
                    ..EnqueueOptions::default()
                };
                let job = UniqueSync { user };
                if enqueue(conn, &job, &options)
                    .await
                    .map_err(AppError::from)?
                    .is_some()
                {
                    enqueued += 1;
                }
            }
            Ok(enqueued)
        }
        .boxed()
    })
    .await
}

/// `embeddings.sync` as the dispatcher enqueues it: unique per user.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct UniqueSync {
    #[serde(skip)]
    user: uuid::Uuid,
}

impl Job for UniqueSync {
    const KIND: &'static str = EmbeddingsSync::KIND;
    const QUEUE: &'static str = EmbeddingsSync::QUEUE;
    const TIMEOUT: Duration = EmbeddingsSync::TIMEOUT;
    type Context = JobsAppContext;

    fn unique(&self) -> Option<(String, UniqueMode)> {
        Some((format!("embeddings.sync:{}", self.user), UniqueMode::Skip))
    }

    async fn run(self, ctx: JobContext<JobsAppContext>) -> Result<Value, JobError> {
        EmbeddingsSync {}.run(ctx).await
    }
}

/// Runs [`dispatch`] every `every` until the returned task is aborted (only where an
/// embedder is configured).
pub fn spawn_dispatcher(db: Db, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(err) = dispatch(&db).await {
                tracing::warn!(error = %err, "embedding dispatch failed");
            }
        }
    })
}

/// `embeddings.backfill` as a user requests it: one per user at a time (a request while
/// one is queued or running is that one).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct UniqueBackfill {
    #[serde(skip)]
    user: uuid::Uuid,
}

impl Job for UniqueBackfill {
    const KIND: &'static str = EmbeddingsBackfill::KIND;
    const QUEUE: &'static str = EmbeddingsBackfill::QUEUE;
    const TIMEOUT: Duration = EmbeddingsBackfill::TIMEOUT;
    type Context = JobsAppContext;

    fn unique(&self) -> Option<(String, UniqueMode)> {
        Some((
            format!("embeddings.backfill:{}", self.user),
            UniqueMode::Skip,
        ))
    }

    async fn run(self, ctx: JobContext<JobsAppContext>) -> Result<Value, JobError> {
        EmbeddingsBackfill {}.run(ctx).await
    }
}

/// Enqueues a backfill of `user`'s items (or finds the one queued or running) and returns
/// its job id.
pub async fn request_backfill(db: &Db, user: UserId) -> Result<uuid::Uuid, AppError> {
    let uuid = user.into_uuid();
    db.tenant(user, move |conn| {
        async move {
            let job = UniqueBackfill { user: uuid };
            let options = EnqueueOptions {
                user_id: Some(uuid),
                ..EnqueueOptions::default()
            };
            if let Some(id) = enqueue(conn, &job, &options)
                .await
                .map_err(AppError::from)?
            {
                return Ok(id);
            }
            let key = job.unique().map(|(k, _)| k).unwrap_or_default();
            omnicrm_repo::google_sync::job_by_unique_key(conn, uuid, &key)
                .await?
                .ok_or_else(|| AppError::contention("the queued backfill just finished"))
        }
        .boxed()
    })
    .await
}

/// Tenants listed per page by the start-up sweep (each page is one short statement plus
/// one enqueue per stale tenant).
const SWEEP_PAGE: i32 = 500;

/// Queues `embeddings.backfill` for every tenant whose vectors are stale for `semantic`'s
/// embedder (ADR 0039, ADR 0043): a vector of another model or dimension, or an item with
/// text to embed, no vector of this model and no waiting mark. The worker and the in-process runner run it at start-up, so a model
/// change re-embeds everything without an operator. Reads across tenants only through the
/// definer function `embedding_stale_users` (user ids); each backfill then reads and
/// writes its own tenant only. A tenant whose backfill is queued or running is skipped
/// (its unique key), so a restart queues nothing twice. Returns how many were queued
/// (none without an embedder).
pub async fn enqueue_reembedding(
    db: &Db,
    semantic: &crate::semantic::SemanticIndex,
) -> Result<usize, AppError> {
    let Some(embedder) = semantic.embedder() else {
        return Ok(0);
    };
    let model = embedder.model().to_owned();
    let dimensions = i32::try_from(embedder.dimensions()).unwrap_or(i32::MAX);
    let mut queued = 0;
    let mut after = None;
    loop {
        let model = model.clone();
        let (page, enqueued) = db
            .unscoped(move |conn| {
                async move {
                    let users = EmbeddingsRepository::stale_users(
                        conn, &model, dimensions, after, SWEEP_PAGE,
                    )
                    .await?;
                    let mut enqueued = 0;
                    for &user in &users {
                        let options = EnqueueOptions {
                            user_id: Some(user),
                            ..EnqueueOptions::default()
                        };
                        if enqueue(conn, &UniqueBackfill { user }, &options)
                            .await
                            .map_err(AppError::from)?
                            .is_some()
                        {
                            enqueued += 1;
                        }
                    }
                    Ok((users, enqueued))
                }
                .boxed()
            })
            .await?;
        queued += enqueued;
        if page.len() < usize::try_from(SWEEP_PAGE).unwrap_or(usize::MAX) {
            break;
        }
        after = page.last().copied();
    }
    Ok(queued)
}

/// Runs [`enqueue_reembedding`] once in the background (start-up: the sweep reads one
/// page of tenants at a time and must not delay the first claims), logging the outcome.
pub fn spawn_reembedding_sweep(
    db: Db,
    semantic: crate::semantic::SemanticIndex,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        match enqueue_reembedding(&db, &semantic).await {
            Ok(0) => {}
            Ok(queued) => tracing::info!(
                queued,
                "vectors of another embedding model found: backfills queued"
            ),
            Err(err) => {
                tracing::warn!(error = %err, "could not look for vectors of another embedding model");
            }
        }
    })
}
