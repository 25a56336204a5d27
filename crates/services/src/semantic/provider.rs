//! Embeddings through the AI provider (`OMNICRM_EMBED_BACKEND=provider`, ADR 0036): the
//! OpenAI-compatible client (which redacts every input) with the provider's embedding
//! model, behind the user's limits, each call recorded in `ai_usage`.
//!
//! Limits for embeddings: the daily cost cap, and the month's credits must not be used up;
//! an embedding call spends no credit (a credit is one assistant message, which a user can
//! predict; a backfill's call count is not) and is not counted against the assistant's
//! requests per minute (the jobs batch 64 items per call, and the provider's own 429
//! snoozes them).

use std::time::Duration;

use futures_util::FutureExt;
use omnicrm_domain::UserId;
use omnicrm_embed::{EmbedError, EmbedFuture, Embedder};
use omnicrm_integrations::ai::{AiClient, AiError};
use omnicrm_problem::AppError;
use omnicrm_repo::ai::AiRepository;
use time::{Date, OffsetDateTime, Time};

use crate::ai::{AiService, QuotaRefusal};

/// Why texts could not be embedded now.
#[derive(Debug)]
pub enum EmbedFailure {
    /// Not now: the provider's 429 (its `Retry-After`) or one of the user's AI limits
    /// (until it lifts). A job snoozes for `after`.
    Busy {
        /// How long to wait.
        after: Duration,
        /// A stable code for the job's history.
        reason: &'static str,
    },
    /// Anything else.
    Failed(AppError),
}

impl From<AppError> for EmbedFailure {
    fn from(err: AppError) -> Self {
        Self::Failed(err)
    }
}

impl std::fmt::Display for EmbedFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Busy { after, reason } => write!(f, "{reason} (retry in {after:?})"),
            Self::Failed(err) => write!(f, "{err}"),
        }
    }
}

/// Unit vectors, the model that answered, and what it cost.
type Answer = (Vec<Vec<f32>>, String, omnicrm_integrations::ai::Usage);

/// The provider's embedding model as an [`Embedder`] (its model name and dimension are
/// what stored vectors record). The unaccounted [`Embedder::embed`] is not used by the
/// services, which go through [`embed_for_user`].
#[derive(Debug, Clone)]
pub struct ProviderEmbedder {
    client: AiClient,
    model: String,
    dimensions: usize,
}

impl ProviderEmbedder {
    /// The client's embedding model, whose vectors have `dimensions` numbers.
    pub fn new(client: AiClient, dimensions: usize) -> Self {
        Self {
            model: client.config().embed_model.clone(),
            client,
            dimensions,
        }
    }

    async fn call(&self, texts: &[String]) -> Result<Answer, AiError> {
        let answer = self.client.embed(texts).await?;
        let mut vectors = answer.vectors;
        for v in &mut vectors {
            if v.len() != self.dimensions {
                return Err(AiError::Malformed("the embedding has another dimension"));
            }
            // Stored vectors are unit vectors: the scan takes dot products.
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            if norm > 0.0 {
                v.iter_mut().for_each(|x| *x /= norm);
            }
        }
        Ok((vectors, answer.model, answer.usage))
    }
}

impl Embedder for ProviderEmbedder {
    fn model(&self) -> &str {
        &self.model
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }

    fn embed(&self, texts: Vec<String>) -> EmbedFuture<'_> {
        Box::pin(async move {
            self.call(&texts)
                .await
                .map(|(v, _, _)| v)
                .map_err(|e| EmbedError::Inference(e.to_string()))
        })
    }
}

/// Refuses an embedding call of `user` when today's cost cap is reached or the month's
/// credits are used up (spending nothing).
async fn admit(ai: &AiService, user: UserId) -> Result<Result<(), QuotaRefusal>, AppError> {
    let now = OffsetDateTime::now_utc();
    let day_start = now.date().with_time(Time::MIDNIGHT).assume_utc();
    let month_start = now.date().replace_day(1).unwrap_or(now.date());
    let (spent_today, quota) = ai
        .db
        .tenant(user, move |conn| {
            async move {
                let spent = AiRepository::cost_since(conn, user, day_start).await?;
                let quota = AiRepository::quota(conn, user).await?;
                Ok((spent, quota))
            }
            .boxed()
        })
        .await?;
    let limits = ai.limits();
    if spent_today >= limits.daily_cost_cap_usd_micros {
        return Ok(Err(QuotaRefusal {
            limit: "daily_cost",
            resets_at: day_start + time::Duration::days(1),
        }));
    }
    let used_up = match quota {
        Some((left, start)) if start >= month_start => left <= 0,
        _ => limits.monthly_credits <= 0,
    };
    if used_up {
        return Ok(Err(QuotaRefusal {
            limit: "monthly_credits",
            resets_at: next_month(month_start),
        }));
    }
    Ok(Ok(()))
}

fn next_month(start: Date) -> OffsetDateTime {
    let next = if start.month() == time::Month::December {
        Date::from_calendar_date(start.year() + 1, time::Month::January, 1)
    } else {
        Date::from_calendar_date(start.year(), start.month().next(), 1)
    }
    .unwrap_or(start);
    next.with_time(Time::MIDNIGHT).assume_utc()
}

/// Embeds `texts` of `user` with the provider: admitted by the user's limits, recorded in
/// `ai_usage`; a 429 or a limit is [`EmbedFailure::Busy`].
pub(super) async fn embed_for_user(
    embedder: &ProviderEmbedder,
    ai: &AiService,
    user: UserId,
    texts: Vec<String>,
) -> Result<Vec<Vec<f32>>, EmbedFailure> {
    if let Err(refusal) = admit(ai, user).await? {
        return Err(EmbedFailure::Busy {
            after: refusal.wait(),
            reason: if refusal.limit == "daily_cost" {
                "ai_daily_cost_cap"
            } else {
                "ai_monthly_credits"
            },
        });
    }
    match embedder.call(&texts).await {
        Ok((vectors, model, usage)) => {
            ai.record(user, &model, usage).await?;
            Ok(vectors)
        }
        Err(err) => match (&err, err.snooze()) {
            (AiError::RateLimited { .. }, Some(after)) => Err(EmbedFailure::Busy {
                after,
                reason: "ai_provider_rate_limited",
            }),
            _ => {
                tracing::warn!(error = %err, "provider embedding failed");
                Err(EmbedFailure::Failed(AppError::internal(err)))
            }
        },
    }
}
